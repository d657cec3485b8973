package webui

import (
	"errors"
	"net/http"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/auth"
	"github.com/jeeves-ci/jeeves/internal/request"
)

// LoginPage is the sign-in form; after a failed login it answers 401.
func (ui *UI) LoginPage(c *request.Call, status int) error {
	c.W.Header().Set("Expires", "0")
	return ui.render(c, status, "login", page{Title: "Sign in", P: map[string]any{
		"From": safeFrom(c.R.URL.Query().Get("from")), "Failed": status == http.StatusUnauthorized,
	}})
}

// safeFrom keeps a post-login target only if it is a path on this server.
func safeFrom(from string) string {
	if !strings.HasPrefix(from, "/") || strings.HasPrefix(from, "//") || strings.HasPrefix(from, "/\\") || strings.ContainsAny(from, "\r\n") {
		return ""
	}
	return from
}

// Login checks j_username/j_password, opens a session and sends the
// browser on to `from`, the form fields of Jenkins's login page.
func (ui *UI) Login(c *request.Call) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := request.ParseForm(c); err != nil {
		return err
	}
	id, err := ui.auth.Login(c.Ctx(), c.R.PostForm.Get("j_username"), c.R.PostForm.Get("j_password"), c.Addr)
	if errors.Is(err, auth.ErrBadCredentials) {
		request.Redirect(c, c.Root+"loginError", redirectStatus(c))
		return nil
	}
	if err != nil {
		return err
	}
	// From here the caller is the user who signed in, with the password
	// just checked: the request is audited as theirs, not as the
	// anonymous caller (or the other user) the form came from.
	c.ID = auth.Identity{User: id.User, Method: auth.Password}
	// A new session id at each login (no fixation).
	if ck, err := c.R.Cookie(ui.auth.CookieName()); err == nil {
		ui.auth.Logout(c.Ctx(), ck.Value)
	}
	http.SetCookie(c.W, &http.Cookie{
		Name: ui.auth.CookieName(), Value: id.SessionID, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: strings.HasPrefix(c.Root, "https:"),
		MaxAge: int(auth.SessionLifetime.Seconds()),
	})
	target := c.Root
	if from := safeFrom(c.R.PostForm.Get("from")); from != "" {
		target = strings.TrimSuffix(c.Root, "/") + from
	}
	request.Redirect(c, target, redirectStatus(c))
	return nil
}

// Logout ends the session on POST. A GET only shows the button: a GET
// never changes state, so no page elsewhere can log people out.
func (ui *UI) Logout(c *request.Call) error {
	if c.R.Method != http.MethodPost {
		if c.ID.Method != auth.Session {
			request.Redirect(c, c.Root, http.StatusFound)
			return nil
		}
		return ui.render(c, http.StatusOK, "message", page{Title: "Log out", P: map[string]any{
			"Heading": "Log out", "Text": "Sign out of jeeves?", "Form": c.Root + "logout", "Button": "Log out", "Back": c.Root,
		}})
	}
	if c.ID.Method == auth.Session {
		if err := ui.auth.Logout(c.Ctx(), c.ID.SessionID); err != nil {
			return err
		}
	}
	request.ClearSessionCookie(c, ui.auth.CookieName())
	request.Redirect(c, c.Root, redirectStatus(c))
	return nil
}

// redirectStatus is Jenkins's 302 after a login or logout POST, and 303
// See Other for the web UI's own forms.
func redirectStatus(c *request.Call) int {
	if request.FromForm(c) {
		return http.StatusSeeOther
	}
	return http.StatusFound
}
