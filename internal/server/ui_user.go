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
	"github.com/jeeves-ci/jeeves/internal/request"
	"github.com/jeeves-ci/jeeves/internal/settings"
	"github.com/jeeves-ci/jeeves/internal/store"
	"github.com/jeeves-ci/jeeves/internal/usererr"
)

// The Security page (/me/security/, /user/NAME/security/), the user's own
// page, and Manage: users, run-time settings and the audit log.

// securityState is what one rendering of the Security page adds to the
// stored state: a token just made, or a message.
type securityState struct {
	NewToken, NewTokenName, Error, PasswordMessage, PasswordError string
	// The token form as typed, when it comes back with an error.
	Typed tokenForm
}

// tokenForm is the Add new Token form's fields as typed.
type tokenForm struct {
	Name, Expiry, Jobs string
	Scopes             map[string]bool
}

// typedToken reads the token form as posted.
func typedToken(c *request.Call) tokenForm {
	f := tokenForm{Name: c.R.PostFormValue("newTokenName"), Expiry: c.R.PostFormValue("expirationDuration"), Jobs: c.R.PostFormValue("jobs"), Scopes: map[string]bool{}}
	for _, sc := range c.R.PostForm["scope"] {
		f.Scopes[sc] = true
	}
	return f
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
		return s.securityPage(c, u, http.StatusOK, securityState{})
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
		return func(s *Server, c *request.Call, u *model.User) error { return s.securityForm(c, u, name) }
	}
	return nil
}

// securityForm runs one of the Security page's forms: generate, revoke
// or password.
func (s *Server) securityForm(c *request.Call, u *model.User, form string) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	// Tokens and passwords are changed with full rights only, never with a
	// token scoped down.
	if err := c.RequireFullToken(); err != nil {
		return err
	}
	if err := request.ParseForm(c); err != nil {
		return err
	}
	self := strings.EqualFold(c.ID.User.ID, u.ID)
	back := c.Root + "user/" + u.ID + "/security/"
	switch form {
	case "generate":
		if !self {
			return s.securityPage(c, u, http.StatusForbidden, securityState{Error: "Only " + u.ID + " can generate their API tokens"})
		}
		opt, err := c.TokenOptions()
		if err != nil {
			return s.securityPage(c, u, http.StatusBadRequest, securityState{Error: err.Error(), Typed: typedToken(c)})
		}
		value, t, err := s.auth.GenerateToken(c.Ctx(), u.ID, strings.TrimSpace(c.R.PostFormValue("newTokenName")), opt)
		if errors.Is(err, auth.ErrInvalid) || errors.Is(err, auth.ErrOutlives) {
			return s.securityPage(c, u, http.StatusBadRequest, securityState{Error: usererr.Message(err), Typed: typedToken(c)})
		}
		if err != nil {
			return err
		}
		return s.securityPage(c, u, http.StatusOK, securityState{NewToken: value, NewTokenName: t.Name})
	case "revoke":
		if err := s.auth.RevokeToken(c.Ctx(), u.ID, c.R.URL.Query().Get("tokenUuid")); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return request.SeeOther(c, back)
	case "password":
		f := c.R.PostForm
		if self {
			// The same throttled, audited check as a login: a stolen
			// session cannot guess the password here either.
			if _, err := s.auth.Password(auth.WithCaller(c.Ctx(), c.SelfID()), "password change", u.ID, f.Get("current"), c.Addr); err != nil {
				if errors.Is(err, auth.ErrBadCredentials) {
					return s.securityPage(c, u, http.StatusBadRequest, securityState{PasswordError: "The current password is wrong"})
				}
				return err
			}
		}
		if f.Get("password1") != f.Get("password2") {
			return s.securityPage(c, u, http.StatusBadRequest, securityState{PasswordError: "The passwords do not match"})
		}
		if err := s.auth.SetPassword(c.Ctx(), u.ID, f.Get("password1")); err != nil {
			if errors.Is(err, auth.ErrInvalid) {
				return s.securityPage(c, u, http.StatusBadRequest, securityState{PasswordError: usererr.Message(err)})
			}
			return err
		}
		if self {
			// Every session of the user ended, this one too.
			s.clearSessionCookie(c)
			return request.SeeOther(c, c.Root+"login")
		}
		return s.securityPage(c, u, http.StatusOK, securityState{PasswordMessage: "The password of " + u.ID + " was changed; their sessions have ended"})
	}
	return request.NotFound()
}

func (s *Server) securityPage(c *request.Call, u *model.User, status int, st securityState) error {
	tokens, err := s.auth.Tokens(c.Ctx(), u.ID)
	if err != nil {
		return err
	}
	self := strings.EqualFold(c.ID.User.ID, u.ID)
	base := c.Root + "user/" + u.ID + "/security/"
	return s.render(c, status, "security", page{Title: "Security", Trail: []trail{{u.ID, base}, {"Security", base}}, P: map[string]any{
		"UserID": u.ID, "Self": self, "Base": base, "Tokens": tokens,
		"NewToken": st.NewToken, "NewTokenName": st.NewTokenName, "Error": st.Error,
		"PasswordMessage": st.PasswordMessage, "PasswordError": st.PasswordError, "Typed": st.Typed,
		"ExpiryOptions": [][2]string{{"never", "Never"}, {"7", "In 7 days"}, {"30", "In 30 days"}, {"90", "In 90 days"}, {"365", "In a year"}},
		"ScopeNames":    []string{"read", "build", "configure", "admin"},
	}})
}

// deleteUser is POST /user/NAME/doDelete (admins; not oneself).
func (s *Server) deleteUser(c *request.Call, u *model.User) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.Require(permAdminister); err != nil {
		return err
	}
	if strings.EqualFold(c.SelfID(), u.ID) {
		return request.BadRequest("You cannot delete yourself")
	}
	if u.Admin {
		return request.BadRequest("The first admin cannot be deleted")
	}
	if err := s.auth.DeleteUser(c.Ctx(), u.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return request.RedirectAfterPost(c, c.Root+"manage/users/", c.Root+"api/json")
}

// walkManage serves /manage/…: the pages, the settings form, the audit
// log and the authorization strategy.
func (s *Server) walkManage(c *request.Call, p []string) error {
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
			return request.NotFound()
		case "configure":
			return s.manageConfigure(c)
		case "users":
			if len(p) > 1 {
				return request.NotFound()
			}
			return s.usersPage(c, http.StatusOK, "", nil)
		default:
			return request.NotFound()
		}
	}
	if err := c.Require(permAdminister); err != nil {
		return err
	}
	return s.managePage(c, http.StatusOK, nil)
}

// settingsForm is the settings form as shown: the current values, or
// what was typed when it came back with an error, which Errors places
// beside its field (executors, quietPeriod, rootURL).
type settingsForm struct {
	Executors, Quiet, RootURL string
	CSRF                      bool
	Errors                    map[string]string
}

func (s *Server) managePage(c *request.Call, status int, f *settingsForm) error {
	if f == nil {
		v := s.sys()
		f = &settingsForm{Executors: strconv.Itoa(v.Executors), Quiet: strconv.Itoa(int(v.QuietPeriod / time.Second)), CSRF: v.CSRF, RootURL: v.RootURL}
	}
	msg := ""
	for _, field := range []string{"executors", "quietPeriod", "rootURL", "form"} {
		if m := f.Errors[field]; m != "" && msg == "" {
			msg = m
		}
	}
	return s.render(c, status, "manage", page{Title: "Manage jeeves", Trail: []trail{{"Manage jeeves", c.Root + "manage/"}}, P: map[string]any{
		"Error": msg, "Executors": f.Executors, "Quiet": f.Quiet, "CSRF": f.CSRF, "RootURL": f.RootURL, "Errors": f.Errors,
	}})
}

// manageConfigure is POST /manage/configure: the run-time settings,
// applied at once and kept across restarts. A form that fails comes back
// (400) as typed, the reason beside the field.
func (s *Server) manageConfigure(c *request.Call) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.Require(permAdminister); err != nil {
		return err
	}
	if err := request.ParseForm(c); err != nil {
		return err
	}
	f := c.R.PostForm
	typed := &settingsForm{Executors: f.Get("executors"), Quiet: f.Get("quietPeriod"), RootURL: f.Get("rootURL"), CSRF: f.Get("csrf") == "true", Errors: map[string]string{}}
	execs, err := strconv.Atoi(strings.TrimSpace(typed.Executors))
	if err != nil {
		typed.Errors["executors"] = "The number of executors must be a whole number"
	}
	quiet, err := strconv.Atoi(strings.TrimSpace(typed.Quiet))
	if err != nil {
		typed.Errors["quietPeriod"] = "The quiet period must be a whole number of seconds"
	}
	if len(typed.Errors) > 0 {
		return s.managePage(c, http.StatusBadRequest, typed)
	}
	v := settings.Values{Executors: execs, QuietPeriod: time.Duration(quiet) * time.Second, CSRF: typed.CSRF, RootURL: typed.RootURL}
	if err := s.cfg.Settings.Set(c.Ctx(), v); err != nil {
		var fe *settings.FieldError
		switch {
		case errors.As(err, &fe):
			typed.Errors[fe.Field] = "The " + strings.TrimPrefix(fe.Msg, "the ")
		case errors.Is(err, settings.ErrInvalid):
			typed.Errors["form"] = usererr.Message(err)
		default:
			return err
		}
		return s.managePage(c, http.StatusBadRequest, typed)
	}
	return request.SeeOther(c, c.Root+"manage/")
}

// selfID is the caller's user id; "" when anonymous.
func selfID(c *request.Call) string {
	if c.ID.User == nil {
		return ""
	}
	return c.ID.User.ID
}

// userForm is the Create User form as typed (never its passwords), with
// messages beside the fields they name.
type userForm struct {
	Username, FullName, Email string
	Errors                    map[string]string
}

func (s *Server) usersPage(c *request.Call, status int, msg string, typed *userForm) error {
	if err := c.Require(permAdminister); err != nil {
		return err
	}
	users, err := s.auth.Users(c.Ctx())
	if err != nil {
		return err
	}
	if typed == nil {
		typed = &userForm{}
	}
	return s.render(c, status, "users", page{Title: "Users", Trail: []trail{{"Manage jeeves", c.Root + "manage/"}, {"Users", c.Root + "manage/users/"}}, P: map[string]any{
		"Users": users, "Error": msg, "Self": c.SelfID(), "Typed": typed,
	}})
}

// auditPage is /manage/audit/: the audit log, newest first, filtered by
// user and action, 100 entries a page.
func (s *Server) auditPage(c *request.Call) error {
	if err := c.Require(permAdminister); err != nil {
		return err
	}
	if s.cfg.Audit == nil {
		return request.NewError(http.StatusNotFound, "The audit log is off")
	}
	v := c.R.URL.Query()
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
		return c.Root + "manage/audit/?" + u.Encode()
	}
	data := map[string]any{"Q": q, "Entries": entries, "Total": total}
	if q.Offset > 0 {
		data["Prev"] = link(max(0, q.Offset-q.Limit))
	}
	if q.Offset+len(entries) < total {
		data["Next"] = link(q.Offset + q.Limit)
	}
	return s.render(c, http.StatusOK, "audit", page{Title: "Audit log", Trail: []trail{{"Manage jeeves", c.Root + "manage/"}, {"Audit log", c.Root + "manage/audit/"}}, P: data})
}
