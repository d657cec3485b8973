package server

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jeeves-ci/jeeves/internal/audit"
	"github.com/jeeves-ci/jeeves/internal/auth"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/settings"
	"github.com/jeeves-ci/jeeves/internal/store"
)

// The Security page (/me/security/, /user/NAME/security/), the user's own
// page, and Manage: users, run-time settings and the audit log.

// securityState is what one rendering of the Security page adds to the
// stored state: a token just made, or a message.
type securityState struct {
	NewToken, NewTokenName, Error, PasswordMessage, PasswordError string
}

// walkSecurity serves /user/NAME/security/…: the page, and the POSTs of
// its forms (generate, revoke, password).
func (s *Server) walkSecurity(c *call, u *model.User, p []string) error {
	if c.id.User == nil {
		return forbidden(permRead)
	}
	if err := s.requireSelfOrAdmin(c, u); err != nil {
		return err
	}
	if len(p) == 0 {
		return s.securityPage(c, u, http.StatusOK, securityState{})
	}
	if len(p) > 1 {
		return notFound()
	}
	if err := requirePOST(c); err != nil {
		return err
	}
	// Tokens and passwords are changed with full rights only, never with a
	// token scoped down.
	if err := requireFullToken(c); err != nil {
		return err
	}
	if err := parseForm(c); err != nil {
		return err
	}
	self := strings.EqualFold(c.id.User.ID, u.ID)
	back := c.root + "user/" + u.ID + "/security/"
	switch p[0] {
	case "generate":
		if !self {
			return s.securityPage(c, u, http.StatusForbidden, securityState{Error: "Only " + u.ID + " can generate their API tokens"})
		}
		opt, err := tokenOptions(c)
		if err != nil {
			return s.securityPage(c, u, http.StatusBadRequest, securityState{Error: err.Error()})
		}
		value, t, err := s.auth.GenerateToken(c.ctx(), u.ID, strings.TrimSpace(c.r.PostFormValue("newTokenName")), opt)
		if errors.Is(err, auth.ErrInvalid) {
			return s.securityPage(c, u, http.StatusBadRequest, securityState{Error: strings.TrimPrefix(err.Error(), "invalid: ")})
		}
		if err != nil {
			return err
		}
		return s.securityPage(c, u, http.StatusOK, securityState{NewToken: value, NewTokenName: t.Name})
	case "revoke":
		if err := s.auth.RevokeToken(c.ctx(), u.ID, c.r.URL.Query().Get("tokenUuid")); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return seeOther(c, back)
	case "password":
		f := c.r.PostForm
		if self {
			// The same throttled, audited check as a login: a stolen
			// session cannot guess the password here either.
			if _, err := s.auth.Password(c.ctx(), "password change", u.ID, f.Get("current"), c.addr); err != nil {
				if errors.Is(err, auth.ErrBadCredentials) {
					return s.securityPage(c, u, http.StatusBadRequest, securityState{PasswordError: "The current password is wrong"})
				}
				return err
			}
		}
		if f.Get("password1") != f.Get("password2") {
			return s.securityPage(c, u, http.StatusBadRequest, securityState{PasswordError: "The passwords do not match"})
		}
		if err := s.auth.SetPassword(c.ctx(), u.ID, f.Get("password1")); err != nil {
			if errors.Is(err, auth.ErrInvalid) {
				return s.securityPage(c, u, http.StatusBadRequest, securityState{PasswordError: strings.TrimPrefix(err.Error(), "invalid: ")})
			}
			return err
		}
		if self {
			// Every session of the user ended, this one too.
			s.clearSessionCookie(c)
			return seeOther(c, c.root+"login")
		}
		return s.securityPage(c, u, http.StatusOK, securityState{PasswordMessage: "The password of " + u.ID + " was changed; their sessions have ended"})
	}
	return notFound()
}

func (s *Server) securityPage(c *call, u *model.User, status int, st securityState) error {
	tokens, err := s.auth.Tokens(c.ctx(), u.ID)
	if err != nil {
		return err
	}
	self := strings.EqualFold(c.id.User.ID, u.ID)
	base := c.root + "user/" + u.ID + "/security/"
	return s.render(c, status, "security", page{Title: "Security", Trail: []trail{{u.ID, base}, {"Security", base}}, P: map[string]any{
		"UserID": u.ID, "Self": self, "Base": base, "Tokens": tokens,
		"NewToken": st.NewToken, "NewTokenName": st.NewTokenName, "Error": st.Error,
		"PasswordMessage": st.PasswordMessage, "PasswordError": st.PasswordError,
	}})
}

// deleteUser is POST /user/NAME/doDelete (admins; not oneself).
func (s *Server) deleteUser(c *call, u *model.User) error {
	if err := requirePOST(c); err != nil {
		return err
	}
	if err := c.require(permAdminister); err != nil {
		return err
	}
	if strings.EqualFold(c.id.User.ID, u.ID) {
		return badRequest("You cannot delete yourself")
	}
	if u.Admin {
		return badRequest("The first admin cannot be deleted")
	}
	if err := s.auth.DeleteUser(c.ctx(), u.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	s.redirectAfterPost(c, c.root+"manage/users/", c.root+"api/json")
	return nil
}

// walkManage serves /manage/…: the pages, the settings form, the audit
// log and the authorization strategy.
func (s *Server) walkManage(c *call, p []string) error {
	if len(p) > 0 {
		switch p[0] {
		case "audit":
			if len(p) == 1 {
				return s.auditPage(c)
			}
			return s.walkAudit(c, p[1:])
		case "security":
			if len(p) == 2 && p[1] == "authorization" {
				return s.authorization(c)
			}
			return notFound()
		case "configure":
			return s.manageConfigure(c)
		case "users":
			if len(p) > 1 {
				return notFound()
			}
			return s.usersPage(c, http.StatusOK, "")
		default:
			return notFound()
		}
	}
	if err := c.require(permAdminister); err != nil {
		return err
	}
	return s.managePage(c, http.StatusOK, "")
}

func (s *Server) managePage(c *call, status int, msg string) error {
	v := s.sys()
	return s.render(c, status, "manage", page{Title: "Manage jeeves", Trail: []trail{{"Manage jeeves", c.root + "manage/"}}, P: map[string]any{
		"Error": msg, "Executors": v.Executors, "Quiet": int(v.QuietPeriod / time.Second), "CSRF": v.CSRF, "RootURL": v.RootURL,
	}})
}

// manageConfigure is POST /manage/configure: the run-time settings,
// applied at once and kept across restarts.
func (s *Server) manageConfigure(c *call) error {
	if err := requirePOST(c); err != nil {
		return err
	}
	if err := c.require(permAdminister); err != nil {
		return err
	}
	if s.cfg.Settings == nil {
		return newError(http.StatusConflict, "Settings cannot be changed on this server")
	}
	if err := parseForm(c); err != nil {
		return err
	}
	f := c.r.PostForm
	execs, err1 := strconv.Atoi(strings.TrimSpace(f.Get("executors")))
	quiet, err2 := strconv.Atoi(strings.TrimSpace(f.Get("quietPeriod")))
	if err1 != nil || err2 != nil {
		return s.managePage(c, http.StatusBadRequest, "The number of executors and the quiet period must be whole numbers")
	}
	v := settings.Values{Executors: execs, QuietPeriod: time.Duration(quiet) * time.Second, CSRF: f.Get("csrf") == "true", RootURL: f.Get("rootURL")}
	if err := s.cfg.Settings.Set(c.ctx(), v); err != nil {
		if errors.Is(err, settings.ErrInvalid) {
			return s.managePage(c, http.StatusBadRequest, strings.TrimPrefix(err.Error(), "invalid setting: "))
		}
		return err
	}
	return seeOther(c, c.root+"manage/")
}

func (s *Server) usersPage(c *call, status int, msg string) error {
	if err := c.require(permAdminister); err != nil {
		return err
	}
	users, err := s.store.Users(c.ctx())
	if err != nil {
		return err
	}
	return s.render(c, status, "users", page{Title: "Users", Trail: []trail{{"Manage jeeves", c.root + "manage/"}, {"Users", c.root + "manage/users/"}}, P: map[string]any{
		"Users": users, "Error": msg,
	}})
}

// auditPage is /manage/audit/: the audit log, newest first, filtered by
// user and action, 100 entries a page.
func (s *Server) auditPage(c *call) error {
	if err := c.require(permAdminister); err != nil {
		return err
	}
	if s.cfg.Audit == nil {
		return newError(http.StatusNotFound, "The audit log is off")
	}
	v := c.r.URL.Query()
	q := audit.Query{User: strings.TrimSpace(v.Get("user")), Action: strings.TrimSpace(v.Get("action")), Limit: 100}
	q.Offset, _ = strconv.Atoi(v.Get("offset"))
	q.Offset = max(q.Offset, 0)
	entries, total, err := s.cfg.Audit.Find(q)
	if err != nil {
		return err
	}
	link := func(offset int) string {
		u := url.Values{}
		if q.User != "" {
			u.Set("user", q.User)
		}
		if q.Action != "" {
			u.Set("action", q.Action)
		}
		u.Set("offset", strconv.Itoa(offset))
		return c.root + "manage/audit/?" + u.Encode()
	}
	data := map[string]any{"Q": q, "Entries": entries, "Total": total}
	if q.Offset > 0 {
		data["Prev"] = link(max(0, q.Offset-q.Limit))
	}
	if q.Offset+len(entries) < total {
		data["Next"] = link(q.Offset + q.Limit)
	}
	return s.render(c, http.StatusOK, "audit", page{Title: "Audit log", Trail: []trail{{"Manage jeeves", c.root + "manage/"}, {"Audit log", c.root + "manage/audit/"}}, P: data})
}
