package server

import (
	"path"
	"strconv"
	"strings"
)

// Jenkins's permission ids (§1.5). Until the permission matrix arrives,
// the strategy is Jenkins's "logged-in users can do anything": every
// authenticated user holds all of these but Administer, which admins hold.
const (
	permAdminister    = "hudson.model.Hudson.Administer"
	permRead          = "hudson.model.Hudson.Read"
	permItemRead      = "hudson.model.Item.Read"
	permBuild         = "hudson.model.Item.Build"
	permCancel        = "hudson.model.Item.Cancel"
	permConfigure     = "hudson.model.Item.Configure"
	permCreate        = "hudson.model.Item.Create"
	permDelete        = "hudson.model.Item.Delete"
	permExtRead       = "hudson.model.Item.ExtendedRead"
	permWorkspace     = "hudson.model.Item.Workspace"
	permDisconnect    = "hudson.model.Computer.Disconnect"
	permNodeCreate    = "hudson.model.Computer.Create"
	permNodeDelete    = "hudson.model.Computer.Delete"
	permNodeConfigure = "hudson.model.Computer.Configure"
	permNodeExtRead   = "hudson.model.Computer.ExtendedRead"
	permViewRead      = "hudson.model.View.Read"
	permViewCreate    = "hudson.model.View.Create"
	permViewConfigure = "hudson.model.View.Configure"
	permViewDelete    = "hudson.model.View.Delete"
)

// impliedBy lists, for each permission, the ones that imply it, walking
// the chain as Jenkins's X-Permission-Implied-By headers do.
var impliedBy = map[string][]string{
	permRead:       {"hudson.security.Permission.GenericRead", permAdminister},
	permItemRead:   {"hudson.security.Permission.GenericRead", permAdminister},
	permBuild:      {"hudson.security.Permission.GenericUpdate", permAdminister},
	permCancel:     {permBuild, "hudson.security.Permission.GenericUpdate", permAdminister},
	permConfigure:  {"hudson.security.Permission.GenericConfigure", "hudson.security.Permission.GenericUpdate", permAdminister},
	permCreate:     {"hudson.security.Permission.GenericCreate", permAdminister},
	permDelete:     {"hudson.security.Permission.GenericDelete", permAdminister},
	permExtRead:    {permConfigure, "hudson.security.Permission.GenericConfigure", "hudson.security.Permission.GenericUpdate", permAdminister},
	permAdminister: nil,
}

var permTitles = map[string]string{
	permAdminister: "Overall/Administer",
	permRead:       "Overall/Read",
	permItemRead:   "Job/Read",
	permBuild:      "Job/Build",
	permCancel:     "Job/Cancel",
	permConfigure:  "Job/Configure",
	permCreate:     "Job/Create",
	permDelete:     "Job/Delete",
	permExtRead:    "Job/ExtendedRead",
}

func permTitle(p string) string {
	if t, ok := permTitles[p]; ok {
		return t
	}
	return p
}

// has reports whether the caller holds a permission.
func (c *call) has(perm string) bool {
	if c.id.User == nil {
		return false
	}
	if !tokenAllows(c.id.Scopes, perm) {
		return false
	}
	if perm == permAdminister {
		return c.id.User.Admin
	}
	return true
}

// scopePerms is what each token scope allows; a token's rights are the
// AND of its scopes' and its owner's.
var scopePerms = func() map[string]map[string]bool {
	read := []string{permRead, permItemRead, permExtRead, permWorkspace, permViewRead, permNodeExtRead}
	build := append([]string{permBuild, permCancel}, read...)
	configure := append([]string{permConfigure, permCreate, permDelete, permViewCreate, permViewConfigure, permViewDelete,
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
