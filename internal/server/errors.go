package server

import (
	"bytes"
	"crypto/rand"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"

	"github.com/jeeves-ci/jeeves/internal/auth"
	"github.com/jeeves-ci/jeeves/internal/authz"
	"github.com/jeeves-ci/jeeves/internal/request"
	"github.com/jeeves-ci/jeeves/internal/store"
	"github.com/jeeves-ci/jeeves/internal/webui"
)

// renderError writes err as Jenkins would: the status, the headers
// clients look for, and a small HTML page carrying the message.
func (s *Server) renderError(c *request.Call, err error) {
	var he *request.Error
	if !errors.As(err, &he) {
		var mbe *http.MaxBytesError
		var te *auth.ThrottledError
		if errors.As(err, &te) {
			c.W.Header().Set("Retry-After", strconv.Itoa(te.Seconds()))
			he = &request.Error{Status: http.StatusTooManyRequests, Msg: "Too many failed password attempts; try again in " + strconv.Itoa(te.Seconds()) + " s, or use an API token"}
		} else if errors.As(err, &mbe) {
			he = &request.Error{Status: http.StatusRequestEntityTooLarge, Msg: "The request body is larger than the limit of " + byteCount(mbe.Limit)}
		} else if ue := store.AsUnavailable(err); ue != nil && ue.Full {
			// Nothing was saved; the same request works once space returns.
			s.log.Error("request failed: the disk is full", "method", c.R.Method, "path", c.R.URL.Path, "err", err)
			he = &request.Error{Status: http.StatusInsufficientStorage, XError: true, Msg: "jeeves cannot save this: the disk holding its home is full (no space left on device); nothing was changed, try again once space is freed"}
		} else if ue != nil {
			s.log.Error("request failed: the home cannot be written", "method", c.R.Method, "path", c.R.URL.Path, "err", err)
			he = &request.Error{Status: http.StatusServiceUnavailable, XError: true, Msg: "jeeves cannot save this: its home cannot be written (" + writeCause(err) + "); nothing was changed"}
		} else {
			ref := strings.ToLower(rand.Text()[:8]) // names the log line
			s.log.Error("request failed", "ref", ref, "method", c.R.Method, "path", c.R.URL.Path, "err", err)
			he = &request.Error{Status: http.StatusInternalServerError, Msg: "Internal error (reference " + ref + ")"}
		}
	}
	h := c.W.Header()
	h.Del("Content-Length")
	h.Del("Location")
	h.Del("X-Error")
	switch he.Status {
	case http.StatusUnauthorized:
		h.Set("WWW-Authenticate", `Basic realm="Jenkins"`)
	case http.StatusMethodNotAllowed:
		h.Set("Allow", "POST")
		if s.browserPage(c, he) {
			return
		}
		s.writePage(c, he.Status, retryPage, map[string]any{"URL": c.Root + strings.TrimPrefix(c.R.URL.Path, "/")})
		return
	case http.StatusForbidden:
		if he.Perm != "" {
			h.Set("X-You-Are-Authenticated-As", c.ID.Name())
			h.Set("X-You-Are-In-Group-Disabled", "JENKINS-39402: use -Dhudson.security.AccessDeniedException2.REPORT_GROUP_HEADERS=true or use /whoAmI to diagnose")
			h.Set("X-Required-Permission", he.Perm)
			for _, p := range authz.ImpliedBy(he.Perm) {
				h.Add("X-Permission-Implied-By", p)
			}
			if c.ID.User == nil {
				if c.R.Header.Get("X-Requested-With") == "XMLHttpRequest" {
					c.W.WriteHeader(http.StatusForbidden)
					return
				}
				if s.browserPage(c, he) {
					return
				}
				from := c.R.URL.RequestURI()
				login := c.Root + "login?from=" + url.QueryEscape(from)
				s.writePage(c, he.Status, loginRedirectPage, map[string]any{"Login": login, "Perm": he.Perm, "Implied": authz.ImpliedBy(he.Perm)})
				return
			}
			if s.browserPage(c, he) {
				return
			}
			s.writePage(c, he.Status, accessDeniedPage, map[string]any{"User": c.ID.Name(), "Perm": authz.Title(he.Perm)})
			return
		}
	}
	if he.XError {
		h.Set("X-Error", he.Msg)
	}
	if he == request.ErrNoCrumb && request.WantsHTML(c) {
		// A browser form with a stale or missing crumb (an old tab, a
		// restart): say so, and offer the way back.
		back := c.Root
		if ref := c.R.Referer(); strings.HasPrefix(ref, c.Root) {
			back = ref
		}
		if s.ui.ExpiredForm(c, he.Status, back) == nil {
			return
		}
	}
	if s.browserPage(c, he) {
		return
	}
	s.writePage(c, he.Status, errorPage, map[string]any{"Status": he.Status, "Msg": he.Msg, "URI": c.R.URL.Path})
}

// browserPage answers a browser's request (its Accept names HTML) with
// the web UI's page for he: the site's header and navigation, the same
// status and headers. It reports false for other callers, which get
// Jenkins's pages (clients match their text), and when the page cannot
// be rendered.
func (s *Server) browserPage(c *request.Call, he *request.Error) bool {
	if !request.WantsHTML(c) {
		return false
	}
	if err := s.ui.ErrorPage(c, webui.Refusal{Status: he.Status, Msg: he.Msg, Perm: he.Perm}); err != nil {
		if sw, ok := c.W.(*statusWriter); ok && sw.code != 0 {
			return true // the page had begun: the client is gone
		}
		s.log.Error("cannot render an error page", "status", he.Status, "err", err)
		return false
	}
	return true
}

// writePage writes an error page with the headers of every page (the
// Content-Security-Policy among them). Should the page not render, the
// status goes out with the bare message.
func (s *Server) writePage(c *request.Call, status int, t *template.Template, data any) {
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		s.log.Error("cannot render an error page", "page", t.Name(), "err", err)
		buf.Reset()
		template.HTMLEscape(&buf, []byte(http.StatusText(status)))
	}
	if s.ui.Hold(c, status, buf.Bytes()) {
		return // a UI form's POST refused: the browser GETs the page (webui/flash.go)
	}
	request.PageHeaders(c.W.Header())
	c.W.WriteHeader(status)
	if c.R.Method == http.MethodHead {
		return
	}
	if _, err := c.W.Write(buf.Bytes()); err != nil {
		s.log.Debug("error page cut short: the client is gone", "path", c.R.URL.Path, "err", err)
	}
}

// errorPage has the shape of the servlet container's error page Jenkins
// answers with (Jetty's ErrorHandler); clients match the message in it.
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
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
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
