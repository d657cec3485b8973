package server

import (
	"github.com/jeeves-ci/jeeves/internal/authz"
)

// Jenkins's permission ids (hudson/security/Permission.java), as the
// route table names them; what they
// imply and who holds them is internal/authz's business.
const (
	permAdminister    = authz.Administer
	permRead          = authz.Read
	permItemRead      = authz.ItemRead
	permDiscover      = authz.ItemDiscover
	permBuild         = authz.ItemBuild
	permCancel        = authz.ItemCancel
	permConfigure     = authz.ItemConfigure
	permCreate        = authz.ItemCreate
	permDelete        = authz.ItemDelete
	permExtRead       = authz.ItemExtRead
	permWorkspace     = authz.ItemWorkspace
	permRunDelete     = authz.RunDelete
	permRunUpdate     = authz.RunUpdate
	permDisconnect    = authz.NodeDisconnect
	permNodeCreate    = authz.NodeCreate
	permNodeDelete    = authz.NodeDelete
	permNodeConfigure = authz.NodeConfigure
	permNodeExtRead   = authz.NodeExtRead
	permNodeConnect   = authz.NodeConnect
	permViewRead      = authz.ViewRead
	permViewCreate    = authz.ViewCreate
	permViewConfigure = authz.ViewConfigure
	permViewDelete    = authz.ViewDelete

	permCredView    = authz.CredentialsView
	permCredCreate  = authz.CredentialsCreate
	permCredUpdate  = authz.CredentialsUpdate
	permCredDelete  = authz.CredentialsDelete
	permCredDomains = authz.CredentialsManageDomains
)
