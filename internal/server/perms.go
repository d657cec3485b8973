package server

import (
	"net/http"
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
	if !c.tokenLets(item, perm) {
		return false
	}
	return c.s.authz.Has(c.subject(), perm, c.s.aclChain(item))
}

// hasIgnoringGlob is hasOn without the token's job glob: the strategy and
// the token's scopes only. Creating an item asks it of the parent, then
// holds the new item's full name to the glob (mayCreate).
func (c *call) hasIgnoringGlob(item *model.Job, perm string) bool {
	if c.id.User != nil && !tokenAllows(c.id.Scopes, perm) {
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

// walkPerms are what a token limited to a job glob holds on a folder it
// only passes through on the way to the jobs it may touch: reaching it
// and listing what inside it the token sees.
var walkPerms = map[string]bool{permItemRead: true, permDiscover: true}

// readPerms change nothing, so a folder the glob matches grants them
// without every item inside it matching too.
var readPerms = map[string]bool{permItemRead: true, permDiscover: true, permExtRead: true, permWorkspace: true}

// globRootPerms are the only permissions on the root a token limited to
// a job glob holds: reading, the views (which only list jobs), and
// Job/Create, whose new item's full name mayCreate holds to the glob.
// Administering the server and acting on agents or the controller reach
// past its jobs, so it holds none of those.
var globRootPerms = map[string]bool{permRead: true, permViewRead: true, permViewCreate: true, permViewConfigure: true,
	permViewDelete: true, permNodeExtRead: true, permCreate: true}

// tokenLets applies an API token's limits to perm on item (nil: the
// root): its scopes, then its job glob. A token limited to a glob acts
// only on items whose full name the glob matches; acting on a folder
// (configuring, deleting, renaming it) acts on everything inside it, so
// everything inside must match too; a folder the glob does not match but
// leads to matching items is walk-only (walkPerms); and on the root it
// holds only globRootPerms.
func (c *call) tokenLets(item *model.Job, perm string) bool {
	if c.id.User == nil {
		return true
	}
	if !tokenAllows(c.id.Scopes, perm) {
		return false
	}
	g := c.id.Jobs
	if g == "" {
		return true
	}
	if item == nil {
		return globRootPerms[perm]
	}
	if globMatch(g, item.Name) {
		if readPerms[perm] || !jobs.IsFolder(item) {
			return true
		}
		return c.s.globCoversInside(g, item.Name, item.Name)
	}
	return walkPerms[perm] && jobs.IsFolder(item) && globLeadsThrough(g, item.Name)
}

// globMatch reports whether a token's job glob matches an item's full
// name (path.Match: "*" stops at "/"; a malformed glob matches nothing).
func globMatch(g, fullName string) bool {
	ok, err := path.Match(g, fullName)
	return ok && err == nil
}

// globLeadsThrough reports whether folder is on the way to items the
// glob can match: the glob has more segments than folder, and its first
// ones match folder's ("team-*/app" leads through "team-a").
func globLeadsThrough(g, folder string) bool {
	for {
		gs, grest, gmore := strings.Cut(g, "/")
		fs, frest, fmore := strings.Cut(folder, "/")
		if !gmore || !globMatch(gs, fs) {
			return false
		}
		if !fmore {
			return true
		}
		g, folder = grest, frest
	}
}

// globCoversInside reports whether, with folder's items renamed to live
// under newName (newName == folder: no rename), every one matches the
// glob: acting on a folder acts on all of them.
func (s *Server) globCoversInside(g, folder, newName string) bool {
	prefix := folder + "/"
	for _, j := range s.jobs.List() {
		if rest, ok := strings.CutPrefix(j.Name, prefix); ok && !globMatch(g, newName+"/"+rest) {
			return false
		}
	}
	return true
}

// globRefusal is the 403 for an action that would put or reach an item
// outside the caller's token's job glob.
func (c *call) globRefusal(fullName string) error {
	return newError(http.StatusForbidden, "This API token is limited to jobs matching ‘"+c.id.Jobs+"’, and ‘"+fullName+"’ is not one of them")
}

// mayCreate checks that the caller may create an item with the full name
// fullName in the folder walked to (the root when none): Job/Create
// there, and, for a token limited to a job glob, a name the glob matches
// (the folder itself may be one the token only walks through).
func (c *call) mayCreate(fullName string) error {
	if !c.hasIgnoringGlob(c.item, permCreate) {
		return forbidden(permCreate)
	}
	if c.id.User != nil && c.id.Jobs != "" && !globMatch(c.id.Jobs, fullName) {
		return c.globRefusal(fullName)
	}
	return nil
}

// mayRename checks, for a token limited to a job glob, that item renamed
// to newName (its new full name) and everything inside it still match.
func (c *call) mayRename(item *model.Job, newName string) error {
	g := c.id.Jobs
	if c.id.User == nil || g == "" {
		return nil
	}
	if !globMatch(g, newName) || !c.s.globCoversInside(g, item.Name, newName) {
		return c.globRefusal(newName)
	}
	return nil
}

// require fails with Jenkins's 403 when the caller lacks perm.
func (c *call) require(perm string) error {
	if c.has(perm) {
		return nil
	}
	return forbidden(perm)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
