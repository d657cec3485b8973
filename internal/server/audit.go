package server

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jeeves-ci/jeeves/internal/audit"
	"github.com/jeeves-ci/jeeves/internal/auth"
	"github.com/jeeves-ci/jeeves/internal/export"
	"github.com/jeeves-ci/jeeves/internal/request"
)

// statusWriter remembers the status a handler answered, for the audit
// log and to tell whether an answer has begun; Flush and Unwrap keep
// streaming answers streaming.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) status() int {
	if w.code == 0 {
		return http.StatusOK
	}
	return w.code
}

// auditRequest records every state change (any method but GET and HEAD)
// and every request made with an API token. Only the path is kept: a
// query can carry a remote trigger token. The audit package cuts long
// fields and rate-limits refused anonymous requests.
func (s *Server) auditRequest(c *request.Call, status int) {
	changes := c.R.Method != http.MethodGet && c.R.Method != http.MethodHead
	if !changes && c.ID.TokenUUID == "" {
		return
	}
	s.addAudit(audit.Entry{
		Time: time.Now(), User: c.ID.Name(), Auth: c.ID.Method.String(), TokenUUID: c.ID.TokenUUID,
		Addr: c.Addr, Action: c.R.Method + " " + c.R.URL.Path, Status: status,
	})
}

// invalidUserName stands in the audit log for a claimed user name that
// no user can have: most often a password typed into the user-name field,
// which must not be written down.
const invalidUserName = "(not a valid user name)"

// auditPasswordFailure records a failed or throttled password attempt,
// however it came (auth reports every one), under the name it claimed if
// that is a valid user name.
func (s *Server) auditPasswordFailure(f auth.PasswordFailure) {
	status := http.StatusUnauthorized
	var te *auth.ThrottledError
	if errors.As(f.Err, &te) {
		status = http.StatusTooManyRequests
	}
	user := f.User
	if !auth.ValidUserID(user) {
		user = invalidUserName
	}
	// A signed-in user's wrong current password is theirs, not an
	// anonymous login's: it is logged with what they did.
	how := "anonymous"
	if f.Caller != "" {
		user, how = f.Caller, "session"
	}
	s.addAudit(audit.Entry{
		Time: time.Now(), User: user, Auth: how, Addr: f.Addr,
		Action: "auth.failure", Status: status, Detail: f.Via + ": " + f.Err.Error(),
	})
}

func (s *Server) addAudit(e audit.Entry) {
	if err := s.cfg.Audit.Add(e); err != nil {
		s.log.Error("cannot write the audit log", "err", err)
	}
}

// walkAudit serves /manage/audit/api/json (admins): entries newest
// first, filtered by user, action (a prefix) and time (since, until as
// RFC 3339 or Unix milliseconds), a page at a time (offset, limit ≤ 1000).
func (s *Server) walkAudit(c *request.Call, p []string) error {
	if len(p) < 1 || p[0] != "api" {
		return request.NotFound()
	}
	if err := c.Require(permAdminister); err != nil {
		return err
	}
	if s.cfg.Audit == nil {
		return request.NewError(http.StatusNotFound, "The audit log is off")
	}
	v := c.R.URL.Query()
	q := audit.Query{User: v.Get("user"), Action: v.Get("action")}
	var err error
	if q.Since, err = auditTime(v.Get("since")); err != nil {
		return request.BadRequest("since: " + err.Error())
	}
	if q.Until, err = auditTime(v.Get("until")); err != nil {
		return request.BadRequest("until: " + err.Error())
	}
	for name, dst := range map[string]*int{"offset": &q.Offset, "limit": &q.Limit} {
		if raw := v.Get(name); raw != "" {
			n, err := strconv.Atoi(raw)
			if err != nil || n < 0 || name == "limit" && n > 1000 {
				return request.BadRequest(name + " must be a number (limit at most 1000)")
			}
			*dst = n
		}
	}
	entries, total, err := s.cfg.Audit.Find(q)
	if err != nil {
		return err
	}
	list := make([]*export.Object, len(entries))
	for i, e := range entries {
		list[i] = obj("",
			pv("time", 2, e.Time.UnixMilli()), pv("user", 2, e.User), pv("auth", 2, e.Auth),
			pv("tokenUuid", 2, nilIfEmpty(e.TokenUUID)), pv("addr", 2, e.Addr), pv("action", 2, e.Action),
			pv("status", 2, e.Status), pv("detail", 2, nilIfEmpty(e.Detail)))
	}
	return s.serveAPI(c, p, "auditLog", obj("jeeves.AuditLog",
		p2("entries", list), p2("total", total), p2("offset", q.Offset)))
}

func auditTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.UnixMilli(ms), nil
	}
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(s))
	if err != nil {
		return t, err
	}
	return t, nil
}
