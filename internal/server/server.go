// Package server is jeeves's HTTP edge. It bounds connections (conn.go)
// and believes only trusted proxies (proxy.go); for each request it
// authenticates the caller, checks its crumb and its origin, walks
// Jenkins's URL space one path segment at a time from the root object
// (walk*.go; routes.go lists every URL the walk answers, with what it
// needs) and hands the object reached to its handler in internal/api or
// internal/webui. Handlers return errors; errors.go renders them in one
// place. A handler's panic is logged and answered as a 500, and every
// state change is audited (audit.go).
package server

import (
	"cmp"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/jeeves-ci/jeeves/internal/api"
	"github.com/jeeves-ci/jeeves/internal/audit"
	"github.com/jeeves-ci/jeeves/internal/auth"
	"github.com/jeeves-ci/jeeves/internal/authz"
	"github.com/jeeves-ci/jeeves/internal/builds"
	"github.com/jeeves-ci/jeeves/internal/farm"
	"github.com/jeeves-ci/jeeves/internal/jobs"
	"github.com/jeeves-ci/jeeves/internal/nodes"
	"github.com/jeeves-ci/jeeves/internal/request"
	"github.com/jeeves-ci/jeeves/internal/settings"
	"github.com/jeeves-ci/jeeves/internal/views"
	"github.com/jeeves-ci/jeeves/internal/webui"
)

// Config holds the HTTP edge's settings.
type Config struct {
	Version string // sent as X-Jenkins
	MaxBody int64  // request body limit in bytes
	Logger  *slog.Logger
	// TrustedProxies are the reverse proxies whose X-Forwarded-For,
	// -Proto, -Host and -Port are believed; none by default.
	TrustedProxies []netip.Prefix
	// Connection limits (see conn.go); zero values take the defaults.
	IdleTimeout     time.Duration // a keep-alive connection waiting for its next request
	BodyTimeout     time.Duration // a request body must arrive in full within this
	WriteTimeout    time.Duration // one write of an answer may wait this long for the client
	MaxConns        int           // open connections in all; 0 = no limit
	MaxConnsPerAddr int           // open connections from one address; 0 = no limit
}

// Services are what the server authenticates callers with and walks
// URLs through to the objects they name.
type Services struct {
	Auth  *auth.Service
	Authz *authz.Service // the authorization strategy
	Jobs  *jobs.Service
	Views *views.Service
	Nodes *nodes.Service
	Farm  *farm.Farm
	// Builds resolves build numbers and permalinks.
	Builds *builds.Service
	// Settings holds what admins change at run time: the root URL
	// ("" = from each request) and CSRF protection among them.
	Settings *settings.Service
	Audit    *audit.Log // nil: no audit log
}

// Server is jeeves's HTTP edge: it authenticates each request, checks
// its crumb and its origin, walks its path to the object it names and
// hands it to the API's or the web UI's handler, then renders whatever
// error comes back and audits it.
type Server struct {
	cfg         Config
	auth        *auth.Service
	jobs        *jobs.Service
	views       *views.Service
	nodes       *nodes.Service
	queue       *farm.Farm
	builds      *builds.Service
	settings    *settings.Service
	audit       *audit.Log
	log         *slog.Logger
	api         *api.API                    // the remote access API's objects and actions
	ui          *webui.UI                   // the web UI's pages and forms
	sessionHash string                      // X-Jenkins-Session: changes every start
	sameOrigin  *http.CrossOriginProtection // Sec-Fetch-Site and Origin (crossSite)
	perms       *request.Perms              // judges each call's permissions
	proxies     trustedProxies              // whose X-Forwarded-* are believed
}

// DefaultMaxBody bounds request bodies (config.xml, forms).
const DefaultMaxBody = 4 << 20

// New creates the server over svc, handing what it walks to a and ui;
// internal/app is what calls it.
func New(cfg Config, svc Services, a *api.API, ui *webui.UI) (*Server, error) {
	if svc.Auth == nil || svc.Authz == nil || svc.Jobs == nil || svc.Settings == nil || a == nil || ui == nil {
		return nil, errors.New("server: auth, authorization, jobs, settings, the API and the UI are required")
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	cfg.IdleTimeout = cmp.Or(cfg.IdleTimeout, DefaultIdleTimeout)
	cfg.BodyTimeout = cmp.Or(cfg.BodyTimeout, DefaultBodyTimeout)
	cfg.WriteTimeout = cmp.Or(cfg.WriteTimeout, DefaultWriteTimeout)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	sum := md5.Sum([]byte(cfg.Version + strconv.FormatInt(time.Now().UnixNano(), 10)))
	s := &Server{
		cfg: cfg, auth: svc.Auth, jobs: svc.Jobs, views: svc.Views, nodes: svc.Nodes, queue: svc.Farm, builds: svc.Builds,
		settings: svc.Settings, audit: svc.Audit, log: cfg.Logger, api: a, ui: ui,
		perms: request.NewPerms(svc.Authz, svc.Jobs), proxies: cfg.TrustedProxies, sessionHash: hex.EncodeToString(sum[:])[:8], sameOrigin: http.NewCrossOriginProtection(),
	}
	if s.audit != nil {
		// Every password check (HTTP Basic, the login form, the
		// password-change form) is audited, by auth, through this.
		s.auth.OnPasswordFailure(s.auditPasswordFailure)
	}
	return s, nil
}

// sys is the current run-time settings.
func (s *Server) sys() settings.Values { return s.settings.Get() }

// ServeHTTP authenticates the request, checks its crumb, walks its path
// to the object it names and renders whatever error comes back.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Jenkins", s.cfg.Version)
	h.Set("X-Jenkins-Session", s.sessionHash)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "sameorigin")
	body := s.limitBody(w, r)
	if r.Body != nil {
		r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBody)
	}
	sw := &statusWriter{ResponseWriter: w}
	c := request.New(sw, r, s.perms)
	c.Notices = s.ui
	c.Path, c.Root = splitPath(r.URL.Path), rootURL(s.sys().RootURL, r, s.proxies)
	c.Addr, _ = s.proxies.clientAddr(r)
	err := s.serveRecovering(c)
	if err != nil && body != nil && body.expired {
		err = s.errBodyTimeout()
	}
	switch {
	case err == nil:
	case sw.code != 0:
		// The answer had begun (a write failed: the client is gone):
		// there is no other answer to give.
		s.log.Debug("answer cut short", "method", r.Method, "path", r.URL.Path, "err", err)
	default:
		s.renderError(c, err)
	}
	if s.audit != nil {
		s.auditRequest(c, sw.status())
	}
}

// panicMessage is what the log says when a handler panics; tests look
// for it.
const panicMessage = "panic serving request"

// serveRecovering is serve, with a handler's panic logged with its stack
// and answered as a 500 like any other internal error, instead of
// net/http dropping the connection without an answer.
func (s *Server) serveRecovering(c *request.Call) (err error) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		if v == http.ErrAbortHandler {
			panic(v)
		}
		s.log.Error(panicMessage, "method", c.R.Method, "path", c.R.URL.Path, "panic", v, "stack", string(debug.Stack()))
		err = fmt.Errorf("panic: %v", v)
	}()
	return s.serve(c)
}

func (s *Server) serve(c *request.Call) error {
	if err := s.authenticate(c); err != nil {
		return err
	}
	if s.ui.ServeHeld(c) {
		return nil
	}
	if changesState(c.R.Method) && c.ID.Method != auth.Token {
		if crossSite(s.sameOrigin, c.R, c.Root) {
			if isLogin(c) {
				return request.NewError(http.StatusForbidden, "Cross-site sign-in refused: the sign-in form must be sent from "+c.Root+"login, not from another site")
			}
			return request.NewError(http.StatusForbidden, "Cross-site request refused: this form was not sent from "+c.Root)
		}
		if s.sys().CSRF && !isLogin(c) && !isHook(c) && !s.auth.ValidCrumb(c.ID, crumbFrom(c.R)) {
			return request.ErrNoCrumb
		}
	}
	if ambiguousPath(c.R) {
		return request.BadRequest("Ambiguous URI path segment: a percent-encoded \".\" or \"..\" in the path")
	}
	return s.walkRoot(c, c.Path)
}

// changesState reports a method that may change state: anything but
// GET, HEAD and OPTIONS (POST, DELETE, PUT, PATCH and any other token a
// client sends). Each such request needs the crumb, unless it comes with
// an API token, and is refused when a browser sent it from another site.
func changesState(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// authenticate works out who the caller is. Explicit Basic credentials
// win over a session cookie: a script that sends both is judged by what
// it sent on purpose.
func (s *Server) authenticate(c *request.Call) error {
	if user, secret, ok, err := basicAuth(c.R); ok || err != nil {
		if err != nil {
			return request.ErrUnauthorized
		}
		id, err := s.auth.Basic(c.Ctx(), user, secret, c.Addr)
		if errors.Is(err, auth.ErrBadCredentials) {
			return request.ErrUnauthorized
		}
		if err != nil {
			return err
		}
		c.ID = id
		return nil
	}
	if ck, err := c.R.Cookie(s.auth.CookieName()); err == nil {
		id, err := s.auth.SessionIdentity(c.Ctx(), ck.Value)
		if err == nil {
			c.ID = id
			return nil
		}
		if !errors.Is(err, auth.ErrBadCredentials) {
			return err
		}
		request.ClearSessionCookie(c, s.auth.CookieName())
	}
	c.ID = auth.Identity{Method: auth.Anonymous}
	return nil
}

// basicAuth parses an Authorization: Basic header the way Jenkins does:
// the scheme without case, the credentials split at the first colon.
func basicAuth(r *http.Request) (user, secret string, ok bool, err error) {
	v := r.Header.Get("Authorization")
	if len(v) < 6 || !strings.EqualFold(v[:6], "Basic ") {
		return "", "", false, nil
	}
	raw, derr := base64.StdEncoding.DecodeString(strings.TrimSpace(v[6:]))
	if derr != nil {
		return "", "", true, derr
	}
	user, secret, found := strings.Cut(string(raw), ":")
	if !found {
		return "", "", true, errors.New("malformed HTTP basic Authorization header")
	}
	return user, secret, true, nil
}

// crossSite reports a state-changing request r a browser sent from
// another site, by net/http's CrossOriginProtection (check): a
// Sec-Fetch-Site other than same-origin or none, or, from a browser too
// old to send it, an Origin that is not the request's host. An Origin
// equal to the root URL's (root, with its trailing slash) is same-site
// too (behind a proxy that rewrites Host). Scripts send neither header
// and pass; the crumb is their check.
func crossSite(check *http.CrossOriginProtection, r *http.Request, root string) bool {
	if check.Check(r) == nil {
		return false
	}
	if r.Header.Get("Sec-Fetch-Site") != "" {
		return true
	}
	origin := r.Header.Get("Origin")
	return !strings.EqualFold(strings.TrimSuffix(root, "/"), origin) &&
		!strings.HasPrefix(strings.ToLower(root), strings.ToLower(origin)+"/")
}

// isLogin: the sign-in form needs no crumb (Jenkins checks it before the
// crumb filter; the browser has no session to bind one to yet), but is
// still refused from another site, so no page can sign a visitor in to
// an account of its choosing.
func isLogin(c *request.Call) bool {
	return len(c.Path) == 1 && c.Path[0] == "j_spring_security_check"
}

// crumbFrom reads the crumb from the Jenkins-Crumb header, else from a
// query or urlencoded form field of that name.
func crumbFrom(r *http.Request) string {
	if v := r.Header.Get(crumbField); v != "" {
		return v
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		return r.URL.Query().Get(crumbField)
	}
	return r.FormValue(crumbField)
}

const crumbField = "Jenkins-Crumb"

// splitPath splits a URL path into its segments, tolerating doubled and
// trailing slashes; "." segments are dropped and ".." never climbs out.
func splitPath(p string) []string {
	parts := strings.Split(p, "/")
	out := parts[:0]
	for _, seg := range parts {
		switch seg {
		case "", ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, seg)
		}
	}
	return out
}
