package server

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"

	"github.com/jeeves-ci/jeeves/internal/auth"
	"github.com/jeeves-ci/jeeves/internal/authz"
	"github.com/jeeves-ci/jeeves/internal/store"
)

// httpError is an error with the HTTP answer it deserves.
type httpError struct {
	status int
	msg    string
	xError bool   // also send the message as X-Error (Jenkins's Failure pages)
	perm   string // for 403s: the permission that was missing
}

func (e *httpError) Error() string { return e.msg }

func newError(status int, msg string) error { return &httpError{status: status, msg: msg} }

// badRequest is a 400 whose message also goes in X-Error, as Jenkins's
// Failure pages do (createItem's errors among them).
func badRequest(msg string) error {
	return &httpError{status: http.StatusBadRequest, msg: msg, xError: true}
}

func notFound() error { return &httpError{status: http.StatusNotFound, msg: "Not Found"} }

var (
	errUnauthorized = &httpError{status: http.StatusUnauthorized, msg: "Unauthorized"}
	errNoCrumb      = &httpError{status: http.StatusForbidden, msg: "No valid crumb was included in the request"}
	errRequirePOST  = &httpError{status: http.StatusMethodNotAllowed, msg: "This URL requires POST"}
)

// forbidden is a 403 for a missing permission (§1.4).
func forbidden(perm string) error {
	return &httpError{status: http.StatusForbidden, msg: "Access Denied", perm: perm}
}

// renderError writes err as Jenkins would: the status, the headers
// clients look for, and a small HTML page carrying the message.
func (s *Server) renderError(c *call, err error) {
	var he *httpError
	if !errors.As(err, &he) {
		var mbe *http.MaxBytesError
		var te *auth.ThrottledError
		if errors.As(err, &te) {
			c.w.Header().Set("Retry-After", strconv.Itoa(te.Seconds()))
			he = &httpError{status: http.StatusTooManyRequests, msg: "Too many failed password attempts; try again in " + strconv.Itoa(te.Seconds()) + " s, or use an API token"}
		} else if errors.As(err, &mbe) {
			he = &httpError{status: http.StatusRequestEntityTooLarge, msg: "The request body is larger than the limit of " + byteCount(mbe.Limit)}
		} else if ue := store.AsUnavailable(err); ue != nil && ue.Full {
			// Nothing was saved; the same request works once space returns.
			s.log.Error("request failed: the disk is full", "method", c.r.Method, "path", c.r.URL.Path, "err", err)
			he = &httpError{status: http.StatusInsufficientStorage, xError: true,
				msg: "jeeves cannot save this: the disk holding its home is full (no space left on device); nothing was changed, try again once space is freed"}
		} else if ue != nil {
			s.log.Error("request failed: the home cannot be written", "method", c.r.Method, "path", c.r.URL.Path, "err", err)
			he = &httpError{status: http.StatusServiceUnavailable, xError: true,
				msg: "jeeves cannot save this: its home cannot be written (" + writeCause(err) + "); nothing was changed"}
		} else {
			var b [4]byte
			rand.Read(b[:])
			ref := hex.EncodeToString(b[:])
			s.log.Error("request failed", "ref", ref, "method", c.r.Method, "path", c.r.URL.Path, "err", err)
			he = &httpError{status: http.StatusInternalServerError, msg: "Internal error (reference " + ref + ")"}
		}
	}
	h := c.w.Header()
	h.Del("Content-Length")
	h.Del("Location")
	h.Del("X-Error")
	switch he.status {
	case http.StatusUnauthorized:
		h.Set("WWW-Authenticate", `Basic realm="Jenkins"`)
	case http.StatusMethodNotAllowed:
		h.Set("Allow", "POST")
		s.writePage(c, he.status, retryPage, map[string]any{"URL": c.root + strings.TrimPrefix(c.r.URL.Path, "/")})
		return
	case http.StatusForbidden:
		if he.perm != "" {
			h.Set("X-You-Are-Authenticated-As", c.id.Name())
			h.Set("X-You-Are-In-Group-Disabled", "JENKINS-39402: use -Dhudson.security.AccessDeniedException2.REPORT_GROUP_HEADERS=true or use /whoAmI to diagnose")
			h.Set("X-Required-Permission", he.perm)
			for _, p := range authz.ImpliedBy(he.perm) {
				h.Add("X-Permission-Implied-By", p)
			}
			if c.id.User == nil {
				if c.r.Header.Get("X-Requested-With") == "XMLHttpRequest" {
					c.w.WriteHeader(http.StatusForbidden)
					return
				}
				from := c.r.URL.RequestURI()
				login := c.root + "login?from=" + url.QueryEscape(from)
				s.writePage(c, he.status, loginRedirectPage, map[string]any{"Login": login, "Perm": he.perm, "Implied": authz.ImpliedBy(he.perm)})
				return
			}
			s.writePage(c, he.status, accessDeniedPage, map[string]any{"User": c.id.Name(), "Perm": authz.Title(he.perm)})
			return
		}
	}
	if he.xError {
		h.Set("X-Error", he.msg)
	}
	if he == errNoCrumb && wantsHTML(c) {
		// A browser form with a stale or missing crumb (an old tab, a
		// restart): say so, and offer the way back.
		back := c.root
		if ref := c.r.Referer(); strings.HasPrefix(ref, c.root) {
			back = ref
		}
		if s.render(c, he.status, "message", page{Title: "Expired form", P: map[string]any{
			"Heading": "This form has expired", "Error": true,
			"Text":   "No valid crumb was included in the request: the page this form came from is out of date (or your session changed), so jeeves did not act on it.",
			"Detail": "Go back, reload the page and submit the form again.", "Back": back, "BackText": "Go back and reload",
		}}) == nil {
			return
		}
	}
	s.writePage(c, he.status, errorPage, map[string]any{"Status": he.status, "Msg": he.msg, "URI": c.r.URL.Path})
}

// wantsHTML reports a browser navigation (its Accept names HTML).
func wantsHTML(c *call) bool { return strings.Contains(c.r.Header.Get("Accept"), "text/html") }

// writePage writes an error page with the headers of every page (the
// Content-Security-Policy among them).
func (s *Server) writePage(c *call, status int, t *template.Template, data any) {
	var buf bytes.Buffer
	t.Execute(&buf, data)
	if s.holdPage(c, status, buf.Bytes()) {
		return // a UI form's POST refused: the browser GETs the page (flash.go)
	}
	pageHeaders(c.w.Header())
	c.w.WriteHeader(status)
	if c.r.Method != http.MethodHead {
		c.w.Write(buf.Bytes())
	}
}

// errorPage has the shape of the servlet container's error page Jenkins
// answers with (§2.4); clients match the message in it.
var errorPage = template.Must(template.New("error").Parse(`<html>
<head>
<meta http-equiv="Content-Type" content="text/html;charset=utf-8"/>
<title>Error {{.Status}} {{.Msg}}</title>
</head>
<body><h2>HTTP ERROR {{.Status}} {{.Msg}}</h2>
<table>
<tr><th>URI:</th><td>{{.URI}}</td></tr>
<tr><th>STATUS:</th><td>{{.Status}}</td></tr>
<tr><th>MESSAGE:</th><td>{{.Msg}}</td></tr>
<tr><th>SERVLET:</th><td>Stapler</td></tr>
</table>
<hr><a href="https://github.com/jeeves-ci/jeeves">jeeves</a><hr/>
</body>
</html>
`))

var loginRedirectPage = template.Must(template.New("login-redirect").Parse(`<html><head><meta http-equiv='refresh' content='1;url={{.Login}}'/><title>Authentication required</title></head><body>
Authentication required
<p><a href="{{.Login}}">Log in</a></p>
<!--
You are authenticated as: anonymous
Groups that you are in:
  anonymous

Permission you need to have (but didn't): {{.Perm}}
{{range .Implied}} ... which is implied by: {{.}}
{{end}}-->
</body></html>
`))

var accessDeniedPage = template.Must(template.New("denied").Parse(`<html><head><title>Access Denied</title></head><body>
<h1>Access Denied</h1>
<p>{{.User}} is missing the {{.Perm}} permission</p>
</body></html>
`))

var retryPage = template.Must(template.New("retry").Parse(`<!DOCTYPE html>
<html><head><title>Method Not Allowed</title></head><body>
<h1>This URL requires POST</h1>
<p>The URL you're trying to access requires that requests be sent using POST (like a form submission).
The button below allows you to retry accessing this URL using POST. URL being accessed:</p>
<pre><code>{{.URL}}</code></pre>
<p>If you were sent here from an untrusted source, please proceed with caution.</p>
<form method="post" name="retry"><input type="submit" value="Retry using POST"></form>
</body></html>
`))

func byteCount(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return itoa(n>>20) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return itoa(n>>10) + " KiB"
	}
	return itoa(n) + " bytes"
}

// writeCause names why a write failed without the paths it touched.
func writeCause(err error) string {
	for _, e := range []syscall.Errno{syscall.EROFS, syscall.EACCES, syscall.EPERM, syscall.EIO} {
		if errors.Is(err, e) {
			return e.Error()
		}
	}
	return "the database refused the write"
}
