package request

import "strings"

// Notices keeps the notice a browser is shown on the page a web-UI
// form's POST sends it to ("Build scheduled", "Saved"): internal/webui,
// in its flash store, for the caller's session.
type Notices interface {
	// KeepNotice holds msg for c's session and returns the id the page's
	// URL carries (in its flash parameter) to show it once; ok is false
	// when it cannot be held (no session, the store full): the page is
	// then shown without it.
	KeepNotice(c *Call, msg string) (param, id string, ok bool)
}

// Notify sets the notice of a web-UI form's successful POST: SeeOther
// (and RedirectAfterPost, for the UI's forms) carries it to the page the
// browser is sent to. API clients never see it.
func (c *Call) Notify(msg string) { c.notice = msg }

// withNotice is url carrying the call's notice, if any is set and can be
// held.
func withNotice(c *Call, url string) string {
	if c.notice == "" || c.Notices == nil || !FromForm(c) {
		return url
	}
	param, id, ok := c.Notices.KeepNotice(c, c.notice)
	if !ok {
		return url
	}
	// The parameter goes before a fragment ("manage/#git"), which the
	// browser does not send.
	url, frag, cut := strings.Cut(url, "#")
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	url += sep + param + "=" + id
	if cut {
		url += "#" + frag
	}
	return url
}
