package webui

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jeeves-ci/jeeves/internal/auth"
	"github.com/jeeves-ci/jeeves/internal/authz"
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

// SecurityForm runs one of the Security page's forms: generate, revoke
// or password.
func (ui *UI) SecurityForm(c *request.Call, u *model.User, form string) error {
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
			return ui.securityPage(c, u, http.StatusForbidden, securityState{Error: "Only " + u.ID + " can generate their API tokens"})
		}
		opt, err := c.TokenOptions()
		if err != nil {
			return ui.securityPage(c, u, http.StatusBadRequest, securityState{Error: err.Error(), Typed: typedToken(c)})
		}
		value, t, err := ui.auth.GenerateToken(c.Ctx(), u.ID, strings.TrimSpace(c.R.PostFormValue("newTokenName")), opt)
		if errors.Is(err, auth.ErrInvalid) || errors.Is(err, auth.ErrOutlives) {
			return ui.securityPage(c, u, http.StatusBadRequest, securityState{Error: usererr.Message(err), Typed: typedToken(c)})
		}
		if err != nil {
			return err
		}
		return ui.securityPage(c, u, http.StatusOK, securityState{NewToken: value, NewTokenName: t.Name})
	case "revoke":
		uuid := c.R.URL.Query().Get("tokenUuid")
		name := ""
		if tokens, err := ui.auth.Tokens(c.Ctx(), u.ID); err == nil {
			for _, t := range tokens {
				if t.UUID == uuid {
					name = t.Name
				}
			}
		}
		err := ui.auth.RevokeToken(c.Ctx(), u.ID, uuid)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if err == nil {
			c.Notify("Revoked the token ‘" + name + "’")
		}
		return request.SeeOther(c, back)
	case "password":
		f := c.R.PostForm
		if self {
			// The same throttled, audited check as a login: a stolen
			// session cannot guess the password here either.
			if _, err := ui.auth.Password(auth.WithCaller(c.Ctx(), c.SelfID()), "password change", u.ID, f.Get("current"), c.Addr); err != nil {
				if errors.Is(err, auth.ErrBadCredentials) {
					return ui.securityPage(c, u, http.StatusBadRequest, securityState{PasswordError: "The current password is wrong"})
				}
				return err
			}
		}
		if f.Get("password1") != f.Get("password2") {
			return ui.securityPage(c, u, http.StatusBadRequest, securityState{PasswordError: "The passwords do not match"})
		}
		if err := ui.auth.SetPassword(c.Ctx(), u.ID, f.Get("password1")); err != nil {
			if errors.Is(err, auth.ErrInvalid) {
				return ui.securityPage(c, u, http.StatusBadRequest, securityState{PasswordError: usererr.Message(err)})
			}
			return err
		}
		if self {
			// Every session of the user ended, this one too.
			request.ClearSessionCookie(c, ui.auth.CookieName())
			return request.SeeOther(c, c.Root+"login")
		}
		return ui.securityPage(c, u, http.StatusOK, securityState{PasswordMessage: "The password of " + u.ID + " was changed; their sessions have ended"})
	}
	return request.NotFound()
}

func (ui *UI) securityPage(c *request.Call, u *model.User, status int, st securityState) error {
	tokens, err := ui.auth.Tokens(c.Ctx(), u.ID)
	if err != nil {
		return err
	}
	self := strings.EqualFold(c.ID.User.ID, u.ID)
	base := c.Root + "user/" + u.ID + "/security/"
	return ui.render(c, status, "security", page{Title: "Security", Trail: []trail{{u.ID, base}, {"Security", base}}, API: c.Root + "user/" + u.ID + "/api/", P: map[string]any{
		"UserID": u.ID, "Self": self, "Base": base, "Tokens": tokens,
		"NewToken": st.NewToken, "NewTokenName": st.NewTokenName, "Error": st.Error,
		"PasswordMessage": st.PasswordMessage, "PasswordError": st.PasswordError, "Typed": st.Typed,
		"ExpiryOptions": [][2]string{{"never", "Never"}, {"7", "In 7 days"}, {"30", "In 30 days"}, {"90", "In 90 days"}, {"365", "In a year"}},
		"ScopeNames":    []string{"read", "build", "configure", "admin"},
	}})
}

// settingsForm is the settings form as shown: the current values, or
// what was typed when it came back with an error, which Errors places
// beside its field (executors, quietPeriod, rootURL).
type settingsForm struct {
	Executors, Quiet, RootURL string
	CSRF                      bool
	Errors                    map[string]string
}

func (ui *UI) managePage(c *request.Call, status int, f *settingsForm) error {
	return ui.manageWith(c, status, f, nil)
}

// manageWith is the Manage page with the system settings form f and the
// git settings form g as typed (nil: the current values).
func (ui *UI) manageWith(c *request.Call, status int, f *settingsForm, g *gitSettingsForm) error {
	g, err := ui.gitSettingsSection(c, g)
	if err != nil {
		return err
	}
	if f == nil {
		v := ui.sys()
		f = &settingsForm{Executors: strconv.Itoa(v.Executors), Quiet: strconv.Itoa(int(v.QuietPeriod / time.Second)), CSRF: v.CSRF, RootURL: v.RootURL}
	}
	msg := ""
	for _, field := range []string{"executors", "quietPeriod", "rootURL", "form"} {
		if m := f.Errors[field]; m != "" && msg == "" {
			msg = m
		}
	}
	for _, m := range g.Errors {
		if msg == "" {
			msg = m
		}
	}
	return ui.render(c, status, "manage", page{Title: "Manage jeeves", Trail: []trail{{"Manage jeeves", c.Root + "manage/"}}, P: map[string]any{
		"Error": msg, "Executors": f.Executors, "Quiet": f.Quiet, "CSRF": f.CSRF, "RootURL": f.RootURL, "Errors": f.Errors, "Git": g,
	}})
}

// ManageConfigure is POST /manage/configure: the run-time settings,
// applied at once and kept across restarts. A form that fails comes back
// (400) as typed, the reason beside the field.
func (ui *UI) ManageConfigure(c *request.Call) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.Require(authz.Administer); err != nil {
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
		return ui.managePage(c, http.StatusBadRequest, typed)
	}
	v := settings.Values{Executors: execs, QuietPeriod: time.Duration(quiet) * time.Second, CSRF: typed.CSRF, RootURL: typed.RootURL}
	if err := ui.settings.Set(c.Ctx(), v); err != nil {
		if !errors.Is(err, settings.ErrInvalid) {
			return err
		}
		field := usererr.Field(err)
		if field == "" {
			field = "form"
		}
		typed.Errors[field] = usererr.Message(err)
		return ui.managePage(c, http.StatusBadRequest, typed)
	}
	c.Notify("Saved")
	return request.SeeOther(c, c.Root+"manage/")
}

// userForm is the Create User form as typed (never its passwords), with
// messages beside the fields they name.
type userForm struct {
	Username, FullName, Email string
	Errors                    map[string]string
}

func (ui *UI) usersPage(c *request.Call, status int, msg string, typed *userForm) error {
	if err := c.Require(authz.Administer); err != nil {
		return err
	}
	users, err := ui.auth.Users(c.Ctx())
	if err != nil {
		return err
	}
	if typed == nil {
		typed = &userForm{}
	}
	return ui.render(c, status, "users", page{Title: "Users", Trail: []trail{{"Manage jeeves", c.Root + "manage/"}, {"Users", c.Root + "manage/users/"}}, P: map[string]any{
		"Users": users, "Error": msg, "Self": c.SelfID(), "Typed": typed,
	}})
}

// CreateUserRefused is the Users page again after the Create User form
// was refused with err: what was typed (never the passwords), and the
// reason beside its field.
func (ui *UI) CreateUserRefused(c *request.Call, err error) error {
	msg, _ := request.FormMessage(err)
	f := c.R.Form
	typed := &userForm{Username: f.Get("username"), FullName: f.Get("fullname"), Email: f.Get("email"), Errors: map[string]string{}}
	var fe *request.FieldError
	if errors.As(err, &fe) {
		typed.Errors[fe.Field] = msg
	}
	return ui.usersPage(c, http.StatusBadRequest, msg, typed)
}

// SecurityPage is /user/NAME/security/: the user's API tokens and
// password forms.
func (ui *UI) SecurityPage(c *request.Call, u *model.User) error {
	return ui.securityPage(c, u, http.StatusOK, securityState{})
}

// ManagePage is /manage/: the run-time settings form (admins; the
// walker checks).
func (ui *UI) ManagePage(c *request.Call) error { return ui.managePage(c, http.StatusOK, nil) }

// UsersPage is /manage/users/: the users and the Create User form
// (admins).
func (ui *UI) UsersPage(c *request.Call) error { return ui.usersPage(c, http.StatusOK, "", nil) }
