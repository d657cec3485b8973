package webui

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/auth"
	"github.com/jeeves-ci/jeeves/internal/request"
)

// Post/Redirect/Get. A web-UI form's POST never answers with a page: on
// success it answers 303 See Other to a page; when its answer is a page
// (a new API token, a form refused with the reason), that page is held
// here for the browser's session and the browser is sent (303) back to
// the page the form was on, with the held page's one-time id in the
// query (flash=ID). The GET that follows shows it once. Reloading then
// re-reads the page: nothing is posted twice, and a token's value is
// never shown again nor carried in a URL.
//
// The store (internal/flash) holds any kind of value, not only pages: a
// notice for the next page ("Saved") is ui.flash.Put(flashSession(c),
// c.ID.User.ID, "notice", 0, []byte(msg)) before request.SeeOther(c,
// url+"?flash="+id), and ui.flash.Take(flashSession(c), c.ID.User.ID,
// "notice", id) where the page is rendered.

// What the server holds in its flash store.
const (
	FlashParam    = "flash" // the query parameter that carries a held page's id
	flashKindPage = "page"  // a whole page, served as the GET's answer
)

// flashSession is what binds a held value to its caller: a hash of the
// browser session's id; "" for callers without a session (API tokens,
// Basic, anonymous), whose pages are answered directly.
func flashSession(c *request.Call) string {
	if c.ID.Method != auth.Session || c.ID.SessionID == "" || c.ID.User == nil {
		return ""
	}
	sum := sha256.Sum256([]byte("flash\x00" + c.ID.SessionID))
	return hex.EncodeToString(sum[:])
}

// Hold answers a web-UI form's POST whose answer is a page: the page
// is held for the session and the browser is sent (303) back to the page
// the form was on (its same-origin Referer) with the page's id. It
// reports false when that cannot be (not a UI form, no session, no
// Referer from this server, a status that must reach the client as it
// is, a page too big, the store full): the caller then writes the page.
func (ui *UI) Hold(c *request.Call, status int, page []byte) bool {
	switch {
	case status >= 500, status == http.StatusUnauthorized, status == http.StatusMethodNotAllowed,
		status == http.StatusRequestEntityTooLarge, status == http.StatusTooManyRequests:
		return false
	}
	if !request.FromForm(c) {
		return false
	}
	session := flashSession(c)
	back, err := url.Parse(c.R.Referer())
	if session == "" || err != nil || !strings.HasPrefix(c.R.Referer(), c.Root) {
		return false
	}
	id, ok := ui.flash.Put(session, c.ID.User.ID, flashKindPage, status, page)
	if !ok {
		return false
	}
	q := back.Query()
	q.Set(FlashParam, id)
	back.RawQuery, back.Fragment = q.Encode(), ""
	h := c.W.Header()
	h.Del("X-Error")
	h.Set("Cache-Control", "no-store")
	request.Redirect(c, back.String(), http.StatusSeeOther)
	return true
}

// ServeHeld answers a GET that carries the id of a page Hold
// held for this session and user, once. It reports false when there is
// none: the request goes on as usual (a reload shows the page afresh).
func (ui *UI) ServeHeld(c *request.Call) bool {
	if c.R.Method != http.MethodGet || !strings.Contains(c.R.URL.RawQuery, FlashParam+"=") {
		return false
	}
	session := flashSession(c)
	if session == "" {
		return false
	}
	status, page, ok := ui.flash.Take(session, c.ID.User.ID, flashKindPage, c.R.URL.Query().Get(FlashParam))
	if !ok {
		return false
	}
	request.PageHeaders(c.W.Header())
	c.W.WriteHeader(status)
	if _, err := c.W.Write(page); err != nil {
		// Taken once: a page lost on its way is not offered again.
		ui.log.Debug("a held page was cut short: the client is gone", "path", c.R.URL.Path, "err", err)
	}
	clear(page)
	return true
}
