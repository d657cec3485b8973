package webui

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/authz"
	"github.com/jeeves-ci/jeeves/internal/request"
)

// Refusal is what internal/server tells ErrorPage of an error it
// renders for a browser.
type Refusal struct {
	Status int
	Msg    string
	// Perm is the permission a 403 found missing ("" for other 403s).
	Perm string
}

// errorHeadings are the pages' headings by status.
var errorHeadings = map[int]string{
	http.StatusBadRequest:            "Bad request",
	http.StatusUnauthorized:          "Wrong user name, password or token",
	http.StatusForbidden:             "Access Denied",
	http.StatusNotFound:              "Not Found",
	http.StatusMethodNotAllowed:      "This URL requires POST",
	http.StatusConflict:              "Not now",
	http.StatusRequestEntityTooLarge: "Too large",
	http.StatusTooManyRequests:       "Too many attempts",
	http.StatusInternalServerError:   "Something went wrong",
	http.StatusServiceUnavailable:    "jeeves cannot save this now",
	http.StatusInsufficientStorage:   "The disk is full",
}

// ErrorPage is the page a browser (its Accept names HTML) is shown for
// a refusal or failure: the site's header and navigation around what
// went wrong, the status of the API's answer kept. A 403 says who the
// caller is and offers to sign in (as someone else); a 405 offers
// Jenkins's "Retry using POST". internal/server renders everything
// else, and whatever this cannot render, as Jenkins does.
func (ui *UI) ErrorPage(c *request.Call, e Refusal) error {
	heading := errorHeadings[e.Status]
	if heading == "" {
		heading = http.StatusText(e.Status)
	}
	from := safeFrom(c.R.URL.RequestURI())
	data := map[string]any{
		"Status": e.Status, "Heading": heading, "Msg": e.Msg, "Path": c.R.URL.Path,
		"From": from, "Anonymous": c.ID.User == nil, "Root": c.Root, "Login": c.Root + "login?from=" + url.QueryEscape(from),
	}
	switch e.Status {
	case http.StatusForbidden:
		if e.Perm != "" {
			data["Perm"] = authz.Title(e.Perm)
		}
		if c.ID.User == nil {
			data["Heading"] = "Sign in to see this page"
		}
	case http.StatusMethodNotAllowed:
		data["URL"] = c.Root + strings.TrimPrefix(c.R.URL.RequestURI(), "/")
	case http.StatusNotFound:
		data["Msg"] = "" // "Not Found" says it already
	}
	title := "Error " + strconv.Itoa(e.Status) + " " + heading
	return ui.render(c, e.Status, "error", page{Title: title, P: data})
}
