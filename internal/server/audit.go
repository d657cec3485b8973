package server

import (
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/jeeves-ci/jeeves/internal/audit"
	"github.com/jeeves-ci/jeeves/internal/auth"
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

// ReadFrom hands a copy (a file download through http.ServeContent) to
// the connection's own ReadFrom, so that a file goes out with sendfile.
func (w *statusWriter) ReadFrom(r io.Reader) (int64, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(struct{ io.Writer }{w.ResponseWriter}, r)
}

func (w *statusWriter) status() int {
	if w.code == 0 {
		return http.StatusOK
	}
	return w.code
}

// auditRequest records every state change (any method but GET and HEAD),
// every request made with an API token, and every request whose handler
// said what it did (Call.AuditDetail: a hook, which may come as a GET). Only the path is kept: a
// query can carry a remote trigger token. The audit package cuts long
// fields and rate-limits refused anonymous requests.
func (s *Server) auditRequest(c *request.Call, status int) {
	changes := c.R.Method != http.MethodGet && c.R.Method != http.MethodHead
	if !changes && c.ID.TokenUUID == "" && c.AuditDetail == "" {
		return
	}
	s.addAudit(audit.Entry{
		Time: time.Now(), User: c.ID.Name(), Auth: c.ID.Method.String(), TokenUUID: c.ID.TokenUUID, TokenName: c.ID.TokenName,
		Addr: c.Addr, Action: c.R.Method + " " + c.R.URL.Path, Status: status, Detail: c.AuditDetail,
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
	if err := s.audit.Add(e); err != nil {
		s.log.Error("cannot write the audit log", "err", err)
	}
}
