// Package request is one HTTP request on its way through jeeves's edge:
// the Call every handler is given (who the caller is, where from, the
// object the path was walked to), the caller's permissions (the
// authorization strategy's answer ANDed with an API token's scopes and
// job glob), the typed errors handlers return, which internal/server
// renders in one place, and the helpers every handler shares (forms,
// bodies, redirects, JSON). Both representations of jeeves's objects,
// the Jenkins API (internal/api) and the web UI (internal/webui), take
// their requests as a Call.
package request

import (
	"context"
	"errors"
	"net/http"

	"github.com/jeeves-ci/jeeves/internal/auth"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/store"
)

// Call is one request on its way through the server.
type Call struct {
	W    http.ResponseWriter
	R    *http.Request
	ID   auth.Identity
	Path []string   // the cleaned path's segments
	Root string     // root URL with a trailing slash
	Addr string     // the client's address (through trusted proxies)
	Item *model.Job // the job or folder walked to; nil at the root
	// AuditDetail is what the handler adds to the request's audit entry
	// (what a hook did); set, it has the request audited whatever its
	// method.
	AuditDetail string
	// Notices keeps the notice a UI form's success shows (Notify).
	Notices Notices

	perms  *Perms
	notice string // set by Notify
	// failed is the first error met reading what an API object's lazy
	// properties show (Fail): the answer is that error, not an object
	// quietly missing what could not be read.
	failed error
}

// New is a call of r, answered on w, whose permissions perms judges.
// The caller is anonymous until the server authenticates it.
func New(w http.ResponseWriter, r *http.Request, perms *Perms) *Call {
	return &Call{W: w, R: r, ID: auth.Identity{Method: auth.Anonymous}, perms: perms}
}

// Ctx is the request's context.
func (c *Call) Ctx() context.Context { return c.R.Context() }

// Fail records err, if any, met while an API object was being written
// (a lazy property's read of the store); the API answers with the first
// (Failed).
func (c *Call) Fail(err error) {
	if err != nil && c.failed == nil {
		c.failed = err
	}
}

// FailUnlessGone is Fail for a read whose record may be gone meanwhile
// (a build deleted, a user removed): not found is no failure.
func (c *Call) FailUnlessGone(err error) {
	if !errors.Is(err, store.ErrNotFound) {
		c.Fail(err)
	}
}

// Failed is the first error Fail recorded; nil when none.
func (c *Call) Failed() error { return c.failed }

// SelfID is the caller's user id; "" when anonymous.
func (c *Call) SelfID() string {
	if c.ID.User == nil {
		return ""
	}
	return c.ID.User.ID
}
