package server

import (
	"errors"
	"net/http"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/auth"
)

// loginPage is the sign-in form; after a failed login it answers 401.
func (s *Server) loginPage(c *call, status int) error {
	c.w.Header().Set("Expires", "0")
	return s.render(c, status, "login", page{Title: "Sign in", P: map[string]any{
		"From": safeFrom(c.r.URL.Query().Get("from")), "Failed": status == http.StatusUnauthorized,
	}})
}

// safeFrom keeps a post-login target only if it is a path on this server.
func safeFrom(from string) string {
	if !strings.HasPrefix(from, "/") || strings.HasPrefix(from, "//") || strings.HasPrefix(from, "/\\") || strings.ContainsAny(from, "\r\n") {
		return ""
	}
	return from
}

// login checks j_username/j_password, opens a session and sends the
// browser on to `from` (§1.3).
func (s *Server) login(c *call) error {
	if err := requirePOST(c); err != nil {
		return err
	}
	if err := parseForm(c); err != nil {
		return err
	}
	id, err := s.auth.Login(c.ctx(), c.r.PostForm.Get("j_username"), c.r.PostForm.Get("j_password"), c.addr)
	if errors.Is(err, auth.ErrBadCredentials) {
		redirect(c, c.root+"loginError", redirectStatus(c))
		return nil
	}
	if err != nil {
		return err
	}
	// A new session id at each login (no fixation).
	if ck, err := c.r.Cookie(s.auth.CookieName()); err == nil {
		s.auth.Logout(c.ctx(), ck.Value)
	}
	http.SetCookie(c.w, &http.Cookie{
		Name: s.auth.CookieName(), Value: id.SessionID, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: strings.HasPrefix(c.root, "https:"),
		MaxAge: int(auth.SessionLifetime.Seconds()),
	})
	target := c.root
	if from := safeFrom(c.r.PostForm.Get("from")); from != "" {
		target = strings.TrimSuffix(c.root, "/") + from
	}
	redirect(c, target, redirectStatus(c))
	return nil
}

// logout ends the session on POST. A GET only shows the button: a GET
// never changes state, so no page elsewhere can log people out.
func (s *Server) logout(c *call) error {
	if c.r.Method != http.MethodPost {
		if c.id.Method != auth.Session {
			redirect(c, c.root, http.StatusFound)
			return nil
		}
		return s.render(c, http.StatusOK, "message", page{Title: "Log out", P: map[string]any{
			"Heading": "Log out", "Text": "Sign out of jeeves?", "Form": c.root + "logout", "Button": "Log out", "Back": c.root,
		}})
	}
	if c.id.Method == auth.Session {
		if err := s.auth.Logout(c.ctx(), c.id.SessionID); err != nil {
			return err
		}
	}
	s.clearSessionCookie(c)
	redirect(c, c.root, redirectStatus(c))
	return nil
}

// redirectStatus is Jenkins's 302 after a login or logout POST, and 303
// See Other for the web UI's own forms.
func redirectStatus(c *call) int {
	if fromForm(c) {
		return http.StatusSeeOther
	}
	return http.StatusFound
}

func (s *Server) clearSessionCookie(c *call) {
	http.SetCookie(c.w, &http.Cookie{Name: s.auth.CookieName(), Value: "", Path: "/", HttpOnly: true, MaxAge: -1, SameSite: http.SameSiteLaxMode})
}
