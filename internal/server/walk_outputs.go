package server

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/request"
)

// The URLs of what builds leave behind: a build's artifact/…,
// testReport/… and toggleLogKeep, a job's ws/…, /fingerprint/<md5>/ and
// /manage/mail.

// walkTestReport serves …/<build>/testReport/[package[/class[/case]]]/
// and their api/: the page, or the object, the names lead to.
func (s *Server) walkTestReport(c *request.Call, job *model.Job, b *model.Build, p []string) error {
	var names []string
	for len(p) > 0 && p[0] != "api" {
		if len(names) == 3 {
			return request.NotFound()
		}
		names, p = append(names, p[0]), p[1:]
	}
	if len(p) == 0 {
		return s.ui.TestReportPage(c, s.api, job, b, names)
	}
	root, obj, err := s.api.TestReportObject(c, b, names)
	if err != nil {
		return err
	}
	return s.serveAPI(c, p, root, obj)
}

// walkFingerprint serves /fingerprint/<md5>/ (a page) and its api/.
func (s *Server) walkFingerprint(c *request.Call, p []string) error {
	switch {
	case len(p) == 1:
		return s.ui.FingerprintPage(c, p[0])
	case len(p) > 1 && p[1] == "api":
		obj, err := s.api.FingerprintObject(c, p[0])
		if err != nil {
			return err
		}
		return s.serveAPI(c, p[1:], "fingerprint", obj)
	}
	return request.NotFound()
}

// walkMail serves /manage/mail: the mail settings' page and its two
// buttons' actions.
func (s *Server) walkMail(c *request.Call, p []string) error {
	if ok, err := dispatch(s, c, rootObj{}, p, walkMailMethods); ok {
		return err
	}
	if len(p) > 0 {
		return request.NotFound()
	}
	return s.ui.MailPage(c)
}

// walkMailMethods are the mail settings' actions: save, and send a test
// mail.
func walkMailMethods(name string) webMethod[rootObj] {
	switch name {
	case "configure":
		return func(s *Server, c *request.Call, _ rootObj) error { return s.ui.MailSubmit(c) }
	case "sendTestMail":
		return func(s *Server, c *request.Call, _ rootObj) error { return s.ui.SendTestMail(c) }
	}
	return nil
}

// ambiguousPath reports a request path with a percent-encoded segment
// that decodes to "." or "..", alone or around an encoded '/' or '\'
// (%2e%2e, a%2f..): Jenkins's container refuses those (Jetty's
// "Ambiguous URI path segment", 400) rather than guess whether they
// climb, and so does jeeves, before walking the path. Plain "." and
// ".." segments, which clients write on purpose, are resolved as
// browsers resolve them (splitPath).
func ambiguousPath(r *http.Request) bool {
	raw, _, _ := strings.Cut(r.RequestURI, "?")
	for _, seg := range strings.Split(raw, "/") {
		if !strings.Contains(seg, "%") {
			continue
		}
		d, err := url.PathUnescape(seg)
		if err != nil {
			return true
		}
		for _, part := range strings.FieldsFunc(d, func(r rune) bool { return r == '/' || r == '\\' }) {
			if part == "." || part == ".." {
				return true
			}
		}
	}
	return false
}
