package webui

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/jeeves-ci/jeeves/internal/request"
)

// Notices: a web-UI form's success says what it did on the page the
// browser is sent to ("Build scheduled", "Saved", "Deleted …"), once.
// The handler sets the words (request.Call.Notify); request.SeeOther
// holds them here, in the flash store under the session, and adds their
// id to the page's URL (flash=ID); the page's GET takes them (render).
// A reload, another session or another user shows nothing.

// flashKindNotice is a notice held for the next page.
const flashKindNotice = "notice"

// maxNotice bounds a notice's length in bytes.
const maxNotice = 512

// KeepNotice holds msg for c's session (request.Notices); it holds
// nothing for callers without a session.
func (ui *UI) KeepNotice(c *request.Call, msg string) (param, id string, ok bool) {
	session := flashSession(c)
	if session == "" {
		return "", "", false
	}
	if len(msg) > maxNotice {
		cut := maxNotice
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = msg[:cut] + "…"
	}
	id, ok = ui.flash.Put(session, c.ID.User.ID, flashKindNotice, http.StatusOK, []byte(msg))
	return FlashParam, id, ok
}

// takeNotice is the notice held for the page c GETs, once; "" when none.
func (ui *UI) takeNotice(c *request.Call) string {
	if c.R.Method != http.MethodGet || !strings.Contains(c.R.URL.RawQuery, FlashParam+"=") {
		return ""
	}
	session := flashSession(c)
	if session == "" {
		return ""
	}
	_, msg, ok := ui.flash.Take(session, c.ID.User.ID, flashKindNotice, c.R.URL.Query().Get(FlashParam))
	if !ok {
		return ""
	}
	return string(msg)
}
