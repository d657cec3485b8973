// Package authz decides who may do what: Jenkins's permissions with their
// implications, and the two authorization strategies jeeves offers —
// "logged-in users can do anything" (the default) and a permission
// matrix, global and per job or folder (matrix-auth's model, read from the
// items' own config.xml).
package authz

import "strings"

// Jenkins's permission ids (hudson/security/Permission.java): <owner
// class>.<name>.
const (
	Administer     = "hudson.model.Hudson.Administer"
	Read           = "hudson.model.Hudson.Read"
	Manage         = "hudson.model.Hudson.Manage"
	SystemRead     = "hudson.model.Hudson.SystemRead"
	RunScripts     = "hudson.model.Hudson.RunScripts"
	ItemCreate     = "hudson.model.Item.Create"
	ItemDelete     = "hudson.model.Item.Delete"
	ItemConfigure  = "hudson.model.Item.Configure"
	ItemRead       = "hudson.model.Item.Read"
	ItemDiscover   = "hudson.model.Item.Discover"
	ItemExtRead    = "hudson.model.Item.ExtendedRead"
	ItemBuild      = "hudson.model.Item.Build"
	ItemWorkspace  = "hudson.model.Item.Workspace"
	ItemWipeOut    = "hudson.model.Item.WipeOut"
	ItemCancel     = "hudson.model.Item.Cancel"
	ItemMove       = "hudson.model.Item.Move"
	RunDelete      = "hudson.model.Run.Delete"
	RunUpdate      = "hudson.model.Run.Update"
	RunArtifacts   = "hudson.model.Run.Artifacts"
	ViewCreate     = "hudson.model.View.Create"
	ViewDelete     = "hudson.model.View.Delete"
	ViewConfigure  = "hudson.model.View.Configure"
	ViewRead       = "hudson.model.View.Read"
	NodeCreate     = "hudson.model.Computer.Create"
	NodeDelete     = "hudson.model.Computer.Delete"
	NodeConfigure  = "hudson.model.Computer.Configure"
	NodeExtRead    = "hudson.model.Computer.ExtendedRead"
	NodeConnect    = "hudson.model.Computer.Connect"
	NodeDisconnect = "hudson.model.Computer.Disconnect"
	NodeBuild      = "hudson.model.Computer.Build"

	// The credentials plugin's (CredentialsProvider.java). Each can be
	// granted globally, on a folder or on a job.
	CredentialsCreate        = "com.cloudbees.plugins.credentials.CredentialsProvider.Create"
	CredentialsUpdate        = "com.cloudbees.plugins.credentials.CredentialsProvider.Update"
	CredentialsView          = "com.cloudbees.plugins.credentials.CredentialsProvider.View"
	CredentialsDelete        = "com.cloudbees.plugins.credentials.CredentialsProvider.Delete"
	CredentialsManageDomains = "com.cloudbees.plugins.credentials.CredentialsProvider.ManageDomains"
	CredentialsUseOwn        = "com.cloudbees.plugins.credentials.CredentialsProvider.UseOwn"
	CredentialsUseItem       = "com.cloudbees.plugins.credentials.CredentialsProvider.UseItem"

	// The generic permissions only ever appear as implications.
	GenericRead      = "hudson.security.Permission.GenericRead"
	GenericWrite     = "hudson.security.Permission.GenericWrite"
	GenericCreate    = "hudson.security.Permission.GenericCreate"
	GenericUpdate    = "hudson.security.Permission.GenericUpdate"
	GenericDelete    = "hudson.security.Permission.GenericDelete"
	GenericConfigure = "hudson.security.Permission.GenericConfigure"
)

// Scope says where a permission can be granted: overall permissions
// only globally; item permissions also on a job or folder.
type Scope int

const (
	ScopeOverall Scope = iota
	ScopeItem
)

type permission struct {
	title     string // "Job/Build"
	impliedBy string // the one permission that implies this one, as in Jenkins
	scope     Scope
}

// catalog is every permission jeeves knows, with Jenkins's own
// implications (hudson.security.Permission, hudson.model.Item, Run, View,
// Computer) and the credentials plugin's ids, which JJB's authorization
// property can write. The generic permissions are Jenkins-scoped, as in
// Jenkins (hudson.security.Permission's four-argument constructor), so
// an item's matrix cannot hold them: matrix-auth drops them there, and
// jeeves refuses them (ValidateItem).
var catalog = map[string]permission{
	Administer:           {"Overall/Administer", "", ScopeOverall},
	Read:                 {"Overall/Read", GenericRead, ScopeOverall},
	Manage:               {"Overall/Manage", Administer, ScopeOverall},
	SystemRead:           {"Overall/SystemRead", Administer, ScopeOverall},
	RunScripts:           {"Overall/RunScripts", Administer, ScopeOverall},
	GenericRead:          {"Permission/GenericRead", Administer, ScopeOverall},
	GenericWrite:         {"Permission/GenericWrite", Administer, ScopeOverall},
	GenericCreate:        {"Permission/GenericCreate", GenericWrite, ScopeOverall},
	GenericUpdate:        {"Permission/GenericUpdate", GenericWrite, ScopeOverall},
	GenericDelete:        {"Permission/GenericDelete", GenericWrite, ScopeOverall},
	GenericConfigure:     {"Permission/GenericConfigure", GenericUpdate, ScopeOverall},
	ItemCreate:           {"Job/Create", GenericCreate, ScopeItem},
	ItemDelete:           {"Job/Delete", GenericDelete, ScopeItem},
	ItemConfigure:        {"Job/Configure", GenericConfigure, ScopeItem},
	ItemRead:             {"Job/Read", GenericRead, ScopeItem},
	ItemDiscover:         {"Job/Discover", ItemRead, ScopeItem},
	ItemExtRead:          {"Job/ExtendedRead", ItemConfigure, ScopeItem},
	ItemBuild:            {"Job/Build", GenericUpdate, ScopeItem},
	ItemWorkspace:        {"Job/Workspace", GenericRead, ScopeItem},
	ItemWipeOut:          {"Job/WipeOut", "", ScopeItem},
	ItemCancel:           {"Job/Cancel", ItemBuild, ScopeItem},
	ItemMove:             {"Job/Move", ItemCreate, ScopeItem},
	RunDelete:            {"Run/Delete", GenericDelete, ScopeItem},
	RunUpdate:            {"Run/Update", GenericUpdate, ScopeItem},
	RunArtifacts:         {"Run/Artifacts", "", ScopeItem},
	ViewCreate:           {"View/Create", GenericCreate, ScopeOverall},
	ViewDelete:           {"View/Delete", GenericDelete, ScopeOverall},
	ViewConfigure:        {"View/Configure", GenericConfigure, ScopeOverall},
	ViewRead:             {"View/Read", GenericRead, ScopeOverall},
	NodeCreate:           {"Agent/Create", GenericCreate, ScopeOverall},
	NodeDelete:           {"Agent/Delete", GenericDelete, ScopeOverall},
	NodeConfigure:        {"Agent/Configure", GenericConfigure, ScopeOverall},
	NodeExtRead:          {"Agent/ExtendedRead", NodeConfigure, ScopeOverall},
	NodeConnect:          {"Agent/Connect", NodeDisconnect, ScopeOverall},
	NodeDisconnect:       {"Agent/Disconnect", Administer, ScopeOverall},
	NodeBuild:            {"Agent/Build", GenericWrite, ScopeOverall},
	"hudson.scm.SCM.Tag": {"SCM/Tag", "", ScopeItem},
	// Plugins' item permissions JJB's authorization property can write.
	"hudson.model.Item.ViewStatus":                                    {"Job/ViewStatus", ItemRead, ScopeItem},
	"hudson.model.Run.Replay":                                         {"Run/Replay", ItemConfigure, ScopeItem},
	"com.synopsys.arc.jenkins.plugins.ownership.OwnershipPlugin.Jobs": {"Ownership/Jobs", Administer, ScopeItem},
	// The credentials plugin's, as CredentialsProvider.java declares
	// them: each implied by the generic permission of its verb (so
	// Overall/Administer holds them all, and anonymous read access gives
	// Credentials/View, as in Jenkins), UseOwn by Job/Build and UseItem by
	// Job/Configure.
	CredentialsCreate:        {"Credentials/Create", GenericCreate, ScopeItem},
	CredentialsUpdate:        {"Credentials/Update", GenericUpdate, ScopeItem},
	CredentialsView:          {"Credentials/View", GenericRead, ScopeItem},
	CredentialsDelete:        {"Credentials/Delete", GenericDelete, ScopeItem},
	CredentialsManageDomains: {"Credentials/ManageDomains", GenericConfigure, ScopeItem},
	CredentialsUseOwn:        {"Credentials/UseOwn", ItemBuild, ScopeItem},
	CredentialsUseItem:       {"Credentials/UseItem", ItemConfigure, ScopeItem},
}

// Known reports whether Jenkins knows the permission id.
func Known(id string) bool {
	_, ok := catalog[id]
	return ok
}

// Title is the permission's name as Jenkins shows it ("Job/Build").
func Title(id string) string {
	if p, ok := catalog[id]; ok {
		return p.title
	}
	return id
}

// ImpliedBy is the chain of permissions that imply id, nearest first, as
// Jenkins's X-Permission-Implied-By headers list it.
func ImpliedBy(id string) []string {
	var out []string
	for p := catalog[id].impliedBy; p != ""; p = catalog[p].impliedBy {
		out = append(out, p)
	}
	return out
}

// ScopeOf says where id can be granted.
func ScopeOf(id string) Scope { return catalog[id].scope }

// implies reports whether holding held gives want.
func implies(held, want string) bool {
	for p := want; p != ""; p = catalog[p].impliedBy {
		if p == held {
			return true
		}
	}
	return false
}

// isOverallOnly: Overall permissions beyond Read are for administrators.
func isAdminOnly(id string) bool {
	return strings.HasPrefix(id, "hudson.model.Hudson.") && id != Read
}
