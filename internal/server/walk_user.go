package server

import (
	"errors"

	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/request"
	"github.com/jeeves-ci/jeeves/internal/store"
)

// walkUser serves /user/NAME/… and /me/… (hudson/model/User.java): the
// user's API, description, API tokens and Security page.
func (s *Server) walkUser(c *request.Call, id string, p []string) error {
	u, err := s.auth.User(c.Ctx(), id)
	if errors.Is(err, store.ErrNotFound) {
		return request.NotFound()
	}
	if err != nil {
		return err
	}
	if len(p) == 0 {
		return s.ui.UserPage(c, u)
	}
	if ok, err := dispatch(s, c, u, p, walkUserMethods); ok {
		return err
	}
	switch p[0] {
	case "api":
		return s.serveAPI(c, p, "user", s.api.UserObject(c, u))
	case "descriptorByName":
		if len(p) >= 3 && p[1] == "jenkins.security.ApiTokenProperty" {
			if ok, err := dispatch(s, c, u, p[2:], walkApiTokenMethods); ok {
				return err
			}
		}
	case "security":
		return s.walkSecurity(c, u, p[1:])
	case "apiTokens":
		if err := c.RequireSelfOrAdmin(u); err != nil {
			return err
		}
		return s.serveAPI(c, p[1:], "apiTokens", s.api.TokensObject(c, u))
	}
	return request.NotFound()
}

// walkUserMethods are a user's web methods (User's doDoDelete).
func walkUserMethods(name string) webMethod[*model.User] {
	switch name {
	case "doDelete":
		return func(s *Server, c *request.Call, u *model.User) error { return s.api.DeleteUser(c, u) }
	case "submitDescription":
		return func(s *Server, c *request.Call, u *model.User) error { return s.api.SubmitUserDescription(c, u) }
	}
	return nil
}

// walkApiTokenMethods are the web methods of a user's API token property
// (ApiTokenProperty.DescriptorImpl's doGenerateNewToken, doRevoke…).
func walkApiTokenMethods(name string) webMethod[*model.User] {
	switch name {
	case "generateNewToken", "addFixedToken", "rotate", "revoke", "rename":
		return func(s *Server, c *request.Call, u *model.User) error { return s.api.TokenAction(c, u, name) }
	}
	return nil
}

// walkSecurity serves /user/NAME/security/…: the page, and the POSTs of
// its forms (generate, revoke, password).
func (s *Server) walkSecurity(c *request.Call, u *model.User, p []string) error {
	if c.ID.User == nil {
		return request.Forbidden(permRead)
	}
	if err := c.RequireSelfOrAdmin(u); err != nil {
		return err
	}
	if len(p) == 0 {
		return s.ui.SecurityPage(c, u)
	}
	if ok, err := dispatch(s, c, u, p, walkSecurityMethods); ok {
		return err
	}
	return request.NotFound()
}

// walkSecurityMethods are the Security page's forms' web methods.
func walkSecurityMethods(name string) webMethod[*model.User] {
	switch name {
	case "generate", "revoke", "password":
		return func(s *Server, c *request.Call, u *model.User) error { return s.ui.SecurityForm(c, u, name) }
	}
	return nil
}

// walkManage serves /manage/…: the pages, the settings form, the audit
// log and the authorization strategy.
func (s *Server) walkManage(c *request.Call, p []string) error {
	if len(p) > 0 {
		switch p[0] {
		case "audit":
			if len(p) == 1 {
				return s.ui.AuditPage(c)
			}
			return s.walkAudit(c, p[1:])
		case "security":
			if len(p) == 2 && p[1] == "authorization" {
				return s.api.Authorization(c)
			}
			return request.NotFound()
		case "configure":
			return s.ui.ManageConfigure(c)
		case "mail":
			return s.walkMail(c, p[1:])
		case "git":
			return s.walkManageGit(c, p[1:])
		case "users":
			if len(p) > 1 {
				return request.NotFound()
			}
			return s.ui.UsersPage(c)
		case "credentials":
			return s.walkCredentials(c, "manage/credentials/", p[1:])
		default:
			return request.NotFound()
		}
	}
	if err := c.Require(permAdminister); err != nil {
		return err
	}
	return s.ui.ManagePage(c)
}

// walkAudit serves /manage/audit/api/…: the audit log's API.
func (s *Server) walkAudit(c *request.Call, p []string) error {
	if len(p) < 1 || p[0] != "api" {
		return request.NotFound()
	}
	log, err := s.api.AuditLogObject(c)
	if err != nil {
		return err
	}
	return s.serveAPI(c, p, "auditLog", log)
}
