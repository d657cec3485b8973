package server

import (
	"path"
	"strconv"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/authz"
	"github.com/jeeves-ci/jeeves/internal/jobs"
	"github.com/jeeves-ci/jeeves/internal/model"
)

// Jenkins's permission ids (§1.5), as the handlers name them; what they
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
	permViewRead      = authz.ViewRead
	permViewCreate    = authz.ViewCreate
	permViewConfigure = authz.ViewConfigure
	permViewDelete    = authz.ViewDelete
)

// subject is the caller as the authorization strategy sees it.
func (c *call) subject() authz.Subject {
	if c.id.User == nil {
		return authz.Subject{}
	}
	return authz.Subject{User: c.id.User.ID, FirstAdmin: c.id.User.Admin}
}

// has reports whether the caller holds perm on the item the request has
// walked to (the root when none).
func (c *call) has(perm string) bool { return c.hasOn(c.item, perm) }

// hasOn reports whether the caller holds perm on item (nil: the root): the
// strategy's answer, ANDed with an API token's scopes and job glob.
func (c *call) hasOn(item *model.Job, perm string) bool {
	if c.id.User != nil && !tokenAllows(c.id.Scopes, perm) {
		return false
	}
	if item != nil && !c.seesJob(item.Name) {
		return false
	}
	return c.s.authz.Has(c.subject(), perm, c.s.aclChain(item))
}

// aclChain is an item's permission matrices, from the item out to its
// top folder.
func (s *Server) aclChain(item *model.Job) []*model.AuthMatrix {
	if item == nil || !s.authz.PerItem() {
		return nil
	}
	chain := []*model.AuthMatrix{item.Config.Authorization}
	for parent := jobs.Parent(item.Name); parent != ""; parent = jobs.Parent(parent) {
		f, err := s.jobs.Get(parent)
		if err != nil {
			break
		}
		chain = append(chain, f.Config.Authorization)
	}
	return chain
}

// canSee: an item is listed and reachable only for callers with Job/Read
// on it (Jenkins hides it otherwise: 404, and absent from lists).
func (c *call) canSee(item *model.Job) bool { return c.hasOn(item, permItemRead) }

// scopePerms is what each token scope allows; a token's rights are the
// AND of its scopes' and its owner's.
var scopePerms = func() map[string]map[string]bool {
	read := []string{permRead, permItemRead, permDiscover, permExtRead, permWorkspace, permViewRead, permNodeExtRead}
	build := append([]string{permBuild, permCancel}, read...)
	configure := append([]string{permConfigure, permCreate, permDelete, permRunDelete, permRunUpdate, permViewCreate, permViewConfigure, permViewDelete,
		permNodeCreate, permNodeDelete, permNodeConfigure, permDisconnect}, read...)
	set := func(ps []string) map[string]bool {
		m := map[string]bool{}
		for _, p := range ps {
			m[p] = true
		}
		return m
	}
	return map[string]map[string]bool{"read": set(read), "build": set(build), "configure": set(configure)}
}()

// tokenAllows: no scopes is the owner's full rights; "admin" is all.
func tokenAllows(scopes []string, perm string) bool {
	if len(scopes) == 0 {
		return true
	}
	for _, s := range scopes {
		if s == "admin" || scopePerms[s][perm] {
			return true
		}
	}
	return false
}

// seesJob: a token limited to a glob of jobs sees no others (and their
// folders only on the way to the ones it may touch).
func (c *call) seesJob(fullName string) bool {
	g := c.id.Jobs
	if g == "" {
		return true
	}
	if ok, _ := path.Match(g, fullName); ok {
		return true
	}
	// A folder is visible when something inside it can match.
	return strings.HasPrefix(g, fullName+"/")
}

// require fails with Jenkins's 403 when the caller lacks perm.
func (c *call) require(perm string) error {
	if c.has(perm) {
		return nil
	}
	return forbidden(perm)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
