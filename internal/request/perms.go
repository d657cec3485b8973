package request

import (
	"net/http"
	"path"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/authz"
	"github.com/jeeves-ci/jeeves/internal/jobs"
	"github.com/jeeves-ci/jeeves/internal/model"
)

// Perms judges callers' permissions: the authorization strategy, over
// the permission matrices of the items in the job registry.
type Perms struct {
	authz *authz.Service
	jobs  *jobs.Service
}

// NewPerms judges by az's strategy, on the items of js.
func NewPerms(az *authz.Service, js *jobs.Service) *Perms { return &Perms{authz: az, jobs: js} }

// aclChain is an item's permission matrices, from the item out to its
// top folder.
func (p *Perms) aclChain(item *model.Job) []*model.AuthMatrix {
	if item == nil || !p.authz.PerItem() {
		return nil
	}
	chain := []*model.AuthMatrix{item.Config.Authorization}
	for parent := jobs.Parent(item.Name); parent != ""; parent = jobs.Parent(parent) {
		f, err := p.jobs.Get(parent)
		if err != nil {
			break
		}
		chain = append(chain, f.Config.Authorization)
	}
	return chain
}

// globCoversInside reports whether, with folder's items renamed to live
// under newName (newName == folder: no rename), every one matches the
// glob: acting on a folder acts on all of them.
func (p *Perms) globCoversInside(g, folder, newName string) bool {
	prefix := folder + "/"
	for _, j := range p.jobs.List() {
		if rest, ok := strings.CutPrefix(j.Name, prefix); ok && !globMatch(g, newName+"/"+rest) {
			return false
		}
	}
	return true
}

// Subject is the caller as the authorization strategy sees it.
func (c *Call) Subject() authz.Subject {
	if c.ID.User == nil {
		return authz.Subject{}
	}
	return authz.Subject{User: c.ID.User.ID, FirstAdmin: c.ID.User.Admin}
}

// Has reports whether the caller holds perm on the item the request has
// walked to (the root when none).
func (c *Call) Has(perm string) bool { return c.HasOn(c.Item, perm) }

// HasOn reports whether the caller holds perm on item (nil: the root):
// the strategy's answer, ANDed with an API token's scopes and job glob.
func (c *Call) HasOn(item *model.Job, perm string) bool {
	if !c.tokenLets(item, perm) {
		return false
	}
	return c.perms.authz.Has(c.Subject(), perm, c.perms.aclChain(item))
}

// HasIgnoringGlob is HasOn without the token's job glob: the strategy
// and the token's scopes only. Creating an item asks it of the parent,
// then holds the new item's full name to the glob (MayCreate).
func (c *Call) HasIgnoringGlob(item *model.Job, perm string) bool {
	if c.ID.User != nil && !tokenAllows(c.ID.Scopes, perm) {
		return false
	}
	return c.perms.authz.Has(c.Subject(), perm, c.perms.aclChain(item))
}

// CanSee: an item is listed and reachable only for callers with
// Job/Read on it (Jenkins hides it otherwise: 404, and absent from
// lists).
func (c *Call) CanSee(item *model.Job) bool { return c.HasOn(item, authz.ItemRead) }

// Require fails with Jenkins's 403 when the caller lacks perm on the
// item walked to.
func (c *Call) Require(perm string) error {
	if c.Has(perm) {
		return nil
	}
	return Forbidden(perm)
}

// scopePerms is what each token scope allows; a token's rights are the
// AND of its scopes' and its owner's.
var scopePerms = func() map[string]map[string]bool {
	read := []string{authz.Read, authz.ItemRead, authz.ItemDiscover, authz.ItemExtRead, authz.ItemWorkspace, authz.ViewRead, authz.NodeExtRead}
	build := append([]string{authz.ItemBuild, authz.ItemCancel}, read...)
	configure := append([]string{authz.ItemConfigure, authz.ItemCreate, authz.ItemDelete, authz.RunDelete, authz.RunUpdate,
		authz.ViewCreate, authz.ViewConfigure, authz.ViewDelete, authz.NodeCreate, authz.NodeDelete, authz.NodeConfigure, authz.NodeDisconnect}, read...)
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
var walkPerms = map[string]bool{authz.ItemRead: true, authz.ItemDiscover: true}

// readPerms change nothing, so a folder the glob matches grants them
// without every item inside it matching too.
var readPerms = map[string]bool{authz.ItemRead: true, authz.ItemDiscover: true, authz.ItemExtRead: true, authz.ItemWorkspace: true}

// globRootPerms are the only permissions on the root a token limited to
// a job glob holds: reading, the views (which only list jobs), and
// Job/Create, whose new item's full name MayCreate holds to the glob.
// Administering the server and acting on agents or the controller reach
// past its jobs, so it holds none of those.
var globRootPerms = map[string]bool{authz.Read: true, authz.ViewRead: true, authz.ViewCreate: true, authz.ViewConfigure: true,
	authz.ViewDelete: true, authz.NodeExtRead: true, authz.ItemCreate: true}

// tokenLets applies an API token's limits to perm on item (nil: the
// root): its scopes, then its job glob. A token limited to a glob acts
// only on items whose full name the glob matches; acting on a folder
// (configuring, deleting, renaming it) acts on everything inside it, so
// everything inside must match too; a folder the glob does not match but
// leads to matching items is walk-only (walkPerms); and on the root it
// holds only globRootPerms.
func (c *Call) tokenLets(item *model.Job, perm string) bool {
	if c.ID.User == nil {
		return true
	}
	if !tokenAllows(c.ID.Scopes, perm) {
		return false
	}
	g := c.ID.Jobs
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
		return c.perms.globCoversInside(g, item.Name, item.Name)
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

// globRefusal is the 403 for an action that would put or reach an item
// outside the caller's token's job glob.
func (c *Call) globRefusal(fullName string) error {
	return NewError(http.StatusForbidden, "This API token is limited to jobs matching ‘"+c.ID.Jobs+"’, and ‘"+fullName+"’ is not one of them")
}

// MayCreate checks that the caller may create an item with the full
// name fullName in the folder walked to (the root when none): Job/Create
// there, and, for a token limited to a job glob, a name the glob matches
// (the folder itself may be one the token only walks through).
func (c *Call) MayCreate(fullName string) error {
	if !c.HasIgnoringGlob(c.Item, authz.ItemCreate) {
		return Forbidden(authz.ItemCreate)
	}
	if c.ID.User != nil && c.ID.Jobs != "" && !globMatch(c.ID.Jobs, fullName) {
		return c.globRefusal(fullName)
	}
	return nil
}

// MayRename checks, for a token limited to a job glob, that item renamed
// to newName (its new full name) and everything inside it still match.
func (c *Call) MayRename(item *model.Job, newName string) error {
	g := c.ID.Jobs
	if c.ID.User == nil || g == "" {
		return nil
	}
	if !globMatch(g, newName) || !c.perms.globCoversInside(g, item.Name, newName) {
		return c.globRefusal(newName)
	}
	return nil
}

// VisibleCause is a build's cause as the caller may read it: an
// upstream project the caller cannot see (or that no longer exists,
// which must read the same) is not named. Administrators see every
// name.
func (c *Call) VisibleCause(cause model.Cause) model.Cause {
	if cause.Kind != model.CauseUpstream || cause.Project == "" {
		return cause
	}
	if j, err := c.perms.jobs.Get(cause.Project); err == nil && c.CanSee(j) || c.HasOn(nil, authz.Administer) {
		return cause
	}
	return model.Cause{Kind: model.CauseUpstream}
}

// CanSeeQueued: a queue item is shown only to callers who can see its
// job (one whose job is gone meanwhile is shown).
func (c *Call) CanSeeQueued(it *model.QueueItem) bool {
	job, ok := c.perms.jobs.Shared(it.JobID)
	return !ok || c.CanSee(job)
}

// RequireSelfOrAdmin: what is a user's (their tokens, their security
// page) is theirs and the admins'.
func (c *Call) RequireSelfOrAdmin(u *model.User) error {
	if c.ID.User != nil && strings.EqualFold(c.ID.User.ID, u.ID) || c.Has(authz.Administer) {
		return nil
	}
	return Forbidden(authz.Administer)
}
