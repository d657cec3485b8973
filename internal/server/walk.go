package server

import (
	"net/http"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/api"
	"github.com/jeeves-ci/jeeves/internal/request"
	"github.com/jeeves-ci/jeeves/internal/views"
)

// walkRoot routes a path from Jenkins's root object. Each object walks
// its own children (walkJob, walkBuild, walkQueue, walkUser…), so a URL
// such as /job/x/42/api/json is read the way Jenkins reads it: root →
// job x → build 42 → its API.
func (s *Server) walkRoot(c *request.Call, p []string) error {
	if len(p) == 0 {
		if err := c.Require(permRead); err != nil {
			return err
		}
		return s.ui.Dashboard(c, nil)
	}
	// Unprotected URLs first: everything else needs Overall/Read.
	switch p[0] {
	case "login":
		return s.ui.LoginPage(c, http.StatusOK)
	case "loginError":
		return s.ui.LoginPage(c, http.StatusUnauthorized)
	case "j_spring_security_check":
		return s.ui.Login(c)
	case "logout":
		return s.ui.Logout(c)
	case "whoAmI":
		return s.serveAPI(c, p[1:], "whoAmI", s.api.WhoAmIObject(c))
	case "static":
		return s.ui.ServeStatic(c, p[1:])
	}
	if handled, err := s.walkHooks(c, p); handled {
		return err
	}
	if err := c.Require(permRead); err != nil {
		return err
	}
	if ok, err := dispatch(s, c, rootObj{}, p, walkRootMethods); ok {
		return err
	}
	switch p[0] {
	case "api":
		return s.serveAPI(c, p, "hudson", s.api.RootObject(c))
	case "job":
		return s.walkJobs(c, "", p[1:])
	case "view":
		if len(p) > 1 && strings.EqualFold(p[1], views.AllView) {
			return s.walkAllView(c, nil, p[2:])
		}
		return s.walkView(c, p[1:])
	case "newJob":
		return s.ui.NewJob(c, nil)
	case "newView":
		return s.ui.NewViewPage(c)
	case "search":
		return s.walkSearch(c, p[1:])
	case "descriptorByName":
		if len(p) > 1 && p[1] == api.NotifyTokenClass {
			return s.walkNotifyTokens(c, p[2:])
		}
		return s.ui.CheckSpec(c, nil, p[1:])
	case "computer":
		return s.walkComputer(c, p[1:])
	case "label":
		if len(p) < 3 {
			return request.NotFound()
		}
		return s.serveAPI(c, p[2:], "labelAtom", s.api.LabelObject(c, p[1]))
	case "pluginManager":
		return s.walkPluginManager(c, p[1:])
	case "manage":
		return s.walkManage(c, p[1:])
	case "queue":
		return s.walkQueue(c, p[1:])
	case "crumbIssuer":
		return s.walkCrumbIssuer(c, p[1:])
	case "me":
		if c.ID.User == nil {
			return request.NewError(http.StatusForbidden, "/me is not available when not logged in")
		}
		return s.walkUser(c, c.ID.User.ID, p[1:])
	case "user":
		if len(p) < 2 {
			return request.NotFound()
		}
		return s.walkUser(c, p[1], p[2:])
	case "securityRealm":
		return s.walkSecurityRealm(c, p[1:])
	case "fingerprint":
		return s.walkFingerprint(c, p[1:])
	case "credentials":
		return s.walkCredentials(c, "credentials/", p[1:])
	}
	return request.NotFound()
}

// rootObj stands for Jenkins's root object in the root's web methods.
type rootObj struct{}

// walkRootMethods are the root's web methods (Jenkins's doCreateItem,
// doCreateView, doQuietDown…).
func walkRootMethods(name string) webMethod[rootObj] {
	switch name {
	case "createItem":
		return func(s *Server, c *request.Call, _ rootObj) error { return s.api.CreateItem(c, "", nil) }
	case "createView":
		return func(s *Server, c *request.Call, _ rootObj) error { return s.api.CreateView(c) }
	case "quietDown":
		return func(s *Server, c *request.Call, _ rootObj) error { return s.api.QuietDown(c, true) }
	case "cancelQuietDown":
		return func(s *Server, c *request.Call, _ rootObj) error { return s.api.QuietDown(c, false) }
	}
	return nil
}

// walkSecurityRealm serves /securityRealm/… of Jenkins's own user
// database (HudsonPrivateSecurityRealm): createAccountByAdmin, and
// user/NAME/…, the same user object as /user/NAME/.
func (s *Server) walkSecurityRealm(c *request.Call, p []string) error {
	if ok, err := dispatch(s, c, rootObj{}, p, walkSecurityRealmMethods); ok {
		return err
	}
	if len(p) >= 2 && p[0] == "user" {
		return s.walkUser(c, p[1], p[2:])
	}
	return request.NotFound()
}

// walkSecurityRealmMethods are the user database's web methods.
func walkSecurityRealmMethods(name string) webMethod[rootObj] {
	switch name {
	case "createAccountByAdmin":
		return func(s *Server, c *request.Call, _ rootObj) error { return s.api.CreateAccountByAdmin(c) }
	}
	return nil
}

// webMethod is one of an object's actions: what Stapler dispatches to a
// doXxx or @WebMethod method (build, doDelete, config.xml, consoleText,
// api/json…). It is handed the object it acts on, never the rest of the
// path: as in Stapler, reaching an action ends the walk and the segments
// after it are ignored, so /job/x/config.xml/api/json is
// /job/x/config.xml (the npm client jenkins-api appends /api/json to
// every action's URL; gojenkins asks for /crumbIssuer/api/json/api/json).
// Pages (Jelly views such as configure) are not web methods.
type webMethod[T any] func(s *Server, c *request.Call, obj T) error

// dispatch runs the web method of obj that p's first segment names, as
// the object's walk…Methods function finds it; ok is false when it names
// none. It is the one place the rule above is applied: every walker
// dispatches its actions through it.
func dispatch[T any](s *Server, c *request.Call, obj T, p []string, methods func(string) webMethod[T]) (ok bool, err error) {
	if len(p) == 0 {
		return false, nil
	}
	m := methods(p[0])
	if m == nil {
		return false, nil
	}
	return true, m(s, c, obj)
}

// walkPluginManager serves /pluginManager/: a page saying jeeves has no
// plugins and what it has built in, and its API, an empty list.
func (s *Server) walkPluginManager(c *request.Call, p []string) error {
	if len(p) == 0 {
		return s.ui.PluginsPage(c)
	}
	return s.serveAPI(c, p, "localPluginManager", s.api.PluginManagerObject())
}

// walkCrumbIssuer serves /crumbIssuer/… (CrumbIssuer.getApi in
// hudson/security/csrf/CrumbIssuer.java). With CSRF protection off
// it answers 404, which clients read as "no crumb needed".
func (s *Server) walkCrumbIssuer(c *request.Call, p []string) error {
	if !s.sys().CSRF {
		return request.NotFound()
	}
	// gojenkins asks for /crumbIssuer/api/json/api/json: api/json is a
	// web method, so what follows it is ignored (dispatch).
	crumb := s.auth.Crumb(c.ID)
	if len(p) >= 2 && p[0] == "api" && p[1] == "xml" {
		if xp, ok := c.R.URL.Query()["xpath"]; ok && len(xp) == 1 {
			return api.CrumbXPath(c, xp[0], crumb)
		}
	}
	return s.serveAPI(c, p, "defaultCrumbIssuer", api.CrumbObject(crumb))
}
