package server

import "strconv"

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
	if perm == permAdminister {
		return c.id.User.Admin
	}
	return true
}

// require fails with Jenkins's 403 when the caller lacks perm.
func (c *call) require(perm string) error {
	if c.has(perm) {
		return nil
	}
	return forbidden(perm)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
