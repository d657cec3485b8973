package server

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/jeeves-ci/jeeves/internal/auth"
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
// The store holds any kind of value, not only pages: a notice for the
// next page ("Saved") is s.flash.put(flashSession(c), c.id.User.ID,
// "notice", 0, []byte(msg)) before seeOther(c, url+"?flash="+id), and
// s.flash.take(flashSession(c), c.id.User.ID, "notice", id) where the
// page is rendered.

// Bounds of the flash store.
const (
	flashLifetime   = 5 * time.Minute
	flashMaxEntries = 1024     // pending values, over all sessions
	flashMaxBytes   = 16 << 20 // their total size
	flashMaxEntry   = 2 << 20  // one value's size; a bigger page is answered directly
	flashParam      = "flash"  // the query parameter that carries the id
	flashKindPage   = "page"   // a whole page, served as the GET's answer
)

// flashStore holds at most one pending value per session, each for a
// short time, shown once. The zero value is ready to use.
type flashStore struct {
	mu      sync.Mutex
	entries map[string]*flashEntry // by session key
	bytes   int
	now     func() time.Time // nil: time.Now (tests move the clock)
}

type flashEntry struct {
	id, user, kind string
	status         int
	data           []byte
	expires        time.Time
}

func (f *flashStore) clock() time.Time {
	if f.now != nil {
		return f.now()
	}
	return time.Now()
}

// put holds data for the session (replacing what it held before) and
// returns the id that takes it back; ok is false when it does not fit
// (too big, or the store is full), and nothing is held.
func (f *flashStore) put(session, user, kind string, status int, data []byte) (id string, ok bool) {
	if session == "" || len(data) > flashMaxEntry {
		return "", false
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", false
	}
	id = base64.RawURLEncoding.EncodeToString(b[:])
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.entries == nil {
		f.entries = map[string]*flashEntry{}
	}
	if old := f.entries[session]; old != nil {
		f.drop(session, old)
	}
	now := f.clock()
	for k, e := range f.entries {
		if !now.Before(e.expires) {
			f.drop(k, e)
		}
	}
	if len(f.entries) >= flashMaxEntries || f.bytes+len(data) > flashMaxBytes {
		return "", false
	}
	f.entries[session] = &flashEntry{id: id, user: user, kind: kind, status: status, data: bytes.Clone(data), expires: now.Add(flashLifetime)}
	f.bytes += len(data)
	return id, true
}

// take returns what put held for the session under id, once. A wrong
// id, user or kind takes nothing and leaves it held.
func (f *flashStore) take(session, user, kind, id string) (status int, data []byte, ok bool) {
	if session == "" || id == "" {
		return 0, nil, false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	e := f.entries[session]
	if e == nil || subtle.ConstantTimeCompare([]byte(e.id), []byte(id)) != 1 || e.user != user || e.kind != kind {
		return 0, nil, false
	}
	delete(f.entries, session)
	f.bytes -= len(e.data)
	if !f.clock().Before(e.expires) {
		clear(e.data)
		return 0, nil, false
	}
	return e.status, e.data, true
}

// drop forgets an entry and wipes its bytes (a page may hold a token).
func (f *flashStore) drop(session string, e *flashEntry) {
	delete(f.entries, session)
	f.bytes -= len(e.data)
	clear(e.data)
}

// flashSession is what binds a held value to its caller: a hash of the
// browser session's id; "" for callers without a session (API tokens,
// Basic, anonymous), whose pages are answered directly.
func flashSession(c *call) string {
	if c.id.Method != auth.Session || c.id.SessionID == "" || c.id.User == nil {
		return ""
	}
	sum := sha256.Sum256([]byte("flash\x00" + c.id.SessionID))
	return hex.EncodeToString(sum[:])
}

// holdPage answers a web-UI form's POST whose answer is a page: the page
// is held for the session and the browser is sent (303) back to the page
// the form was on (its same-origin Referer) with the page's id. It
// reports false when that cannot be (not a UI form, no session, no
// Referer from this server, a status that must reach the client as it
// is, a page too big, the store full): the caller then writes the page.
func (s *Server) holdPage(c *call, status int, page []byte) bool {
	switch {
	case status >= 500, status == http.StatusUnauthorized, status == http.StatusMethodNotAllowed,
		status == http.StatusRequestEntityTooLarge, status == http.StatusTooManyRequests:
		return false
	}
	if !fromForm(c) {
		return false
	}
	session := flashSession(c)
	back, err := url.Parse(c.r.Referer())
	if session == "" || err != nil || !strings.HasPrefix(c.r.Referer(), c.root) {
		return false
	}
	id, ok := s.flash.put(session, c.id.User.ID, flashKindPage, status, page)
	if !ok {
		return false
	}
	q := back.Query()
	q.Set(flashParam, id)
	back.RawQuery, back.Fragment = q.Encode(), ""
	h := c.w.Header()
	h.Del("X-Error")
	h.Set("Cache-Control", "no-store")
	redirect(c, back.String(), http.StatusSeeOther)
	return true
}

// serveHeldPage answers a GET that carries the id of a page holdPage
// held for this session and user, once. It reports false when there is
// none: the request goes on as usual (a reload shows the page afresh).
func (s *Server) serveHeldPage(c *call) bool {
	if c.r.Method != http.MethodGet || !strings.Contains(c.r.URL.RawQuery, flashParam+"=") {
		return false
	}
	session := flashSession(c)
	if session == "" {
		return false
	}
	status, page, ok := s.flash.take(session, c.id.User.ID, flashKindPage, c.r.URL.Query().Get(flashParam))
	if !ok {
		return false
	}
	pageHeaders(c.w.Header())
	c.w.WriteHeader(status)
	c.w.Write(page)
	clear(page)
	return true
}
