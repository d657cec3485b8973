package server

import (
	"errors"
	"html/template"
	"net/http"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/auth"
)

var loginTemplate = template.Must(template.New("login").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Sign in [Jenkins]</title></head><body>
<h1>Sign in to jeeves</h1>
{{if .Failed}}<p role="alert">Invalid username or password</p>{{end}}
<form name="login" method="post" action="{{.Root}}j_spring_security_check">
<p><label for="j_username">Username</label> <input id="j_username" name="j_username" autocomplete="username" autofocus></p>
<p><label for="j_password">Password</label> <input id="j_password" name="j_password" type="password" autocomplete="current-password"></p>
<input type="hidden" name="from" value="{{.From}}">
<p><button type="submit" name="Submit">Sign in</button></p>
</form>
</body></html>
`))

// loginPage is the sign-in form; after a failed login it answers 401.
func (s *Server) loginPage(c *call, status int) error {
	h := c.w.Header()
	h.Set("Content-Type", "text/html;charset=utf-8")
	h.Set("Expires", "0")
	h.Set("Cache-Control", "no-cache,no-store,must-revalidate")
	c.w.WriteHeader(status)
	return loginTemplate.Execute(c.w, map[string]any{
		"Root": c.root, "From": safeFrom(c.r.URL.Query().Get("from")), "Failed": status == http.StatusUnauthorized,
	})
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
	id, err := s.auth.Login(c.ctx(), c.r.PostForm.Get("j_username"), c.r.PostForm.Get("j_password"), clientAddr(c.r))
	var te *auth.ThrottledError
	if errors.Is(err, auth.ErrBadCredentials) || errors.As(err, &te) {
		s.auditAuthFailure(c, c.r.PostForm.Get("j_username"), "login form: "+err.Error())
	}
	if errors.Is(err, auth.ErrBadCredentials) {
		http.Redirect(c.w, c.r, c.root+"loginError", http.StatusFound)
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
	http.Redirect(c.w, c.r, target, http.StatusFound)
	return nil
}

var logoutTemplate = template.Must(template.New("logout").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Log out [Jenkins]</title></head><body>
<form method="post" action="{{.Root}}logout">
<input type="hidden" name="Jenkins-Crumb" value="{{.Crumb}}">
<button type="submit">Log out</button>
</form>
</body></html>
`))

// logout ends the session on POST. A GET only shows the button: a GET
// never changes state, so no page elsewhere can log people out.
func (s *Server) logout(c *call) error {
	if c.r.Method != http.MethodPost {
		if c.id.Method != auth.Session {
			http.Redirect(c.w, c.r, c.root, http.StatusFound)
			return nil
		}
		c.w.Header().Set("Content-Type", "text/html;charset=utf-8")
		return logoutTemplate.Execute(c.w, map[string]any{"Root": c.root, "Crumb": s.auth.Crumb(c.id)})
	}
	if c.id.Method == auth.Session {
		if err := s.auth.Logout(c.ctx(), c.id.SessionID); err != nil {
			return err
		}
	}
	s.clearSessionCookie(c)
	http.Redirect(c.w, c.r, c.root, http.StatusFound)
	return nil
}

func (s *Server) clearSessionCookie(c *call) {
	http.SetCookie(c.w, &http.Cookie{Name: s.auth.CookieName(), Value: "", Path: "/", HttpOnly: true, MaxAge: -1, SameSite: http.SameSiteLaxMode})
}

// jobPage is a plain page until the web UI arrives.
var jobTemplate = template.Must(template.New("job").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{{.Name}} [Jenkins]</title></head><body>
<h1>{{.Name}}</h1>
<p>{{.Description}}</p>
</body></html>
`))
