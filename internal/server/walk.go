package server

import (
	"net/http"
	"strings"
)

// walkRoot routes a path from Jenkins's root object. Each object walks
// its own children (walkJob, walkBuild, walkQueue, walkUser…), so a URL
// such as /job/x/42/api/json is read the way Jenkins reads it: root →
// job x → build 42 → its API.
func (s *Server) walkRoot(c *call, p []string) error {
	if len(p) == 0 {
		if err := c.require(permRead); err != nil {
			return err
		}
		return s.rootPage(c)
	}
	// Unprotected URLs first: everything else needs Overall/Read.
	switch p[0] {
	case "login":
		return s.loginPage(c, http.StatusOK)
	case "loginError":
		return s.loginPage(c, http.StatusUnauthorized)
	case "j_spring_security_check":
		return s.login(c)
	case "logout":
		return s.logout(c)
	case "whoAmI":
		return s.serveAPI(c, p[1:], "whoAmI", s.whoAmIObject(c))
	case "static":
		return s.serveStatic(c, p[1:])
	}
	if err := c.require(permRead); err != nil {
		return err
	}
	switch p[0] {
	case "api":
		return s.serveAPI(c, p, "hudson", s.rootObject(c))
	case "job":
		return s.walkJobs(c, "", p[1:])
	case "createItem":
		return s.createItem(c, "")
	case "view":
		if len(p) == 3 && p[2] == "newJob" && strings.EqualFold(p[1], "all") {
			return s.newJob(c, nil)
		}
		return s.walkView(c, p[1:])
	case "newJob":
		return s.newJob(c, nil)
	case "descriptorByName":
		return s.checkSpec(c, nil, p[1:])
	case "createView":
		return s.createView(c)
	case "computer":
		return s.walkComputer(c, p[1:])
	case "label":
		if len(p) < 3 {
			return notFound()
		}
		return s.serveAPI(c, p[2:], "labelAtom", s.labelObject(c, p[1]))
	case "pluginManager":
		return s.pluginManager(c, p[1:])
	case "manage":
		return s.walkManage(c, p[1:])
	case "quietDown", "cancelQuietDown":
		return s.quietDown(c, p[0] == "quietDown")
	case "queue":
		return s.walkQueue(c, p[1:])
	case "crumbIssuer":
		return s.walkCrumbIssuer(c, p[1:])
	case "me":
		if c.id.User == nil {
			return &httpError{status: http.StatusForbidden, msg: "/me is not available when not logged in"}
		}
		return s.walkUser(c, c.id.User.ID, p[1:])
	case "user":
		if len(p) < 2 {
			return notFound()
		}
		return s.walkUser(c, p[1], p[2:])
	case "securityRealm":
		if len(p) == 2 && p[1] == "createAccountByAdmin" {
			return s.createAccountByAdmin(c)
		}
	}
	return notFound()
}

// requirePOST answers GETs on POST-only URLs with Jenkins's 405 page.
func requirePOST(c *call) error {
	if c.r.Method != http.MethodPost {
		return errRequirePOST
	}
	return nil
}
