package request

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
)

// CSP is the Content-Security-Policy of every HTML answer: no inline
// script, no other origin, no framing by others.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'; object-src 'none'"

// PageHeaders sets the headers every HTML answer carries, UI pages and
// error pages alike: the Content-Security-Policy above all. no-store: a
// page may show a new token once; the browser keeps no copy of it.
func PageHeaders(h http.Header) {
	h.Set("Content-Type", "text/html;charset=utf-8")
	h.Set("Content-Security-Policy", CSP)
	h.Set("Cache-Control", "no-cache,no-store,must-revalidate")
	h.Set("Referrer-Policy", "same-origin")
}

// RequirePOST answers GETs on POST-only URLs with Jenkins's 405 page.
func RequirePOST(c *Call) error {
	if c.R.Method != http.MethodPost {
		return ErrRequirePOST
	}
	return nil
}

// ReadBody reads the whole request body; one over the server's limit
// is the error http.MaxBytesReader gives, which renders as a 413.
func ReadBody(c *Call) ([]byte, error) {
	return io.ReadAll(c.R.Body)
}

// ParseForm reads the query and the form, urlencoded or multipart; a
// malformed one is a 400.
func ParseForm(c *Call) error {
	if strings.HasPrefix(c.R.Header.Get("Content-Type"), "multipart/") {
		if err := c.R.ParseMultipartForm(1 << 20); err != nil {
			return BadRequest("Malformed multipart form: " + err.Error())
		}
		return nil
	}
	if err := c.R.ParseForm(); err != nil {
		return BadRequest("Malformed form: " + err.Error())
	}
	return nil
}

// IsXMLContentType reports an XML media type (application/xml or
// text/xml) in UTF-8 or US-ASCII, the charset unsaid or said.
func IsXMLContentType(ct string) bool {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || (mt != "application/xml" && mt != "text/xml") {
		return false
	}
	cs := strings.ToLower(params["charset"])
	return cs == "" || cs == "utf-8" || cs == "us-ascii"
}

// SubmittedForm is Stapler's getSubmittedForm: the json form field
// (urlencoded or multipart), which must be a JSON object. Without it the
// answer is Stapler's 400.
func SubmittedForm(c *Call) (json.RawMessage, error) {
	if err := ParseForm(c); err != nil {
		return nil, err
	}
	raw := strings.TrimSpace(c.R.FormValue("json"))
	if raw == "" {
		if len(c.R.Form) > 0 {
			return nil, NewError(http.StatusBadRequest, "This page expects a form submission")
		}
		return nil, NewError(http.StatusBadRequest, "Nothing is submitted")
	}
	if !strings.HasPrefix(raw, "{") || !json.Valid([]byte(raw)) {
		return nil, BadRequest("The json field is not a JSON object")
	}
	return json.RawMessage(raw), nil
}

// WantsHTML reports a browser navigation (its Accept names HTML).
func WantsHTML(c *Call) bool { return strings.Contains(c.R.Header.Get("Accept"), "text/html") }

// FromForm reports a POST sent by one of the web UI's own forms (they
// carry a jeeves-form field): those are answered 303 See Other to a page
// (Post/Redirect/Get), where API clients keep Jenkins's answer.
func FromForm(c *Call) bool {
	return c.R.Method == http.MethodPost && c.R.PostFormValue("jeeves-form") != ""
}

// Redirect is http.Redirect with the page policy: for a GET it writes a
// small HTML body.
func Redirect(c *Call, url string, code int) {
	c.W.Header().Set("Content-Security-Policy", CSP)
	http.Redirect(c.W, c.R, url, code)
}

// SeeOther sends a browser on to url after a form POST, with the
// notice the handler set (Notify), if any.
func SeeOther(c *Call, url string) error {
	Redirect(c, withNotice(c, url), http.StatusSeeOther)
	return nil
}

// RedirectAfterPost answers a successful action as Jenkins does: 302 to
// the object's page for a browser (its Accept names HTML), to its
// api/json for a script, with a plain-text body naming the target. The
// web UI's own forms get 303 See Other to the page.
func RedirectAfterPost(c *Call, page, api string) error {
	if FromForm(c) {
		return SeeOther(c, page) // the web UI: Post/Redirect/Get
	}
	target := api
	if WantsHTML(c) {
		target = page
	}
	c.W.Header().Set("Location", target)
	c.W.Header().Set("Content-Type", "text/plain;charset=utf-8")
	c.W.WriteHeader(http.StatusFound)
	_, err := fmt.Fprintln(c.W, "Found:", target)
	return err
}

// WriteJSON writes v as JSON, 200.
func WriteJSON(c *Call, v any) error { return WriteJSONStatus(c, http.StatusOK, v) }

// WriteJSONStatus writes v as JSON with the given status.
func WriteJSONStatus(c *Call, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	c.W.Header().Set("Content-Type", "application/json;charset=utf-8")
	c.W.WriteHeader(status)
	_, err = c.W.Write(b)
	return err
}

// CrumbField is the header, query or form field that carries a crumb.
const CrumbField = "Jenkins-Crumb"

// ClearSessionCookie tells the browser to forget its session cookie,
// named name.
func ClearSessionCookie(c *Call, name string) {
	http.SetCookie(c.W, &http.Cookie{Name: name, Value: "", Path: "/", HttpOnly: true, MaxAge: -1, SameSite: http.SameSiteLaxMode})
}
