// Package api is jeeves's Jenkins remote access API: the objects
// clients read at …/api/json, …/api/xml and …/api/python (the root,
// jobs, folders, builds, the queue, computers, views, users, whoAmI, the
// crumb issuer, labels, plugins), written through internal/export, and
// the actions they post (createItem, copy, rename, delete, config.xml,
// description, enable, disable, build, stop, tokens, users, views,
// nodes, queue cancel, quietDown, the authorization strategy, the audit
// log). Its handlers are methods of API, which holds the services they
// use; internal/server walks a URL to the object and calls them.
package api

import (
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"sync"

	"github.com/jeeves-ci/jeeves/internal/audit"
	"github.com/jeeves-ci/jeeves/internal/auth"
	"github.com/jeeves-ci/jeeves/internal/authz"
	"github.com/jeeves-ci/jeeves/internal/builds"
	"github.com/jeeves-ci/jeeves/internal/credstore"
	"github.com/jeeves-ci/jeeves/internal/export"
	"github.com/jeeves-ci/jeeves/internal/farm"
	"github.com/jeeves-ci/jeeves/internal/gitscm"
	"github.com/jeeves-ci/jeeves/internal/jobs"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/nodes"
	"github.com/jeeves-ci/jeeves/internal/outputs"
	"github.com/jeeves-ci/jeeves/internal/request"
	"github.com/jeeves-ci/jeeves/internal/settings"
	"github.com/jeeves-ci/jeeves/internal/views"
)

// API answers the remote access API over the services.
type API struct {
	auth     *auth.Service
	authz    *authz.Service
	jobs     *jobs.Service
	views    *views.Service
	nodes    *nodes.Service
	farm     *farm.Farm
	builds   *builds.Service
	settings *settings.Service
	audit    *audit.Log // nil: no audit log
	outputs  *outputs.Parts
	creds    *credstore.Service
	git      *gitscm.Plugin
	log      *slog.Logger
	pages    Pages
	// staticPrefix is where the web UI's assets are (itemCategories
	// names an icon there).
	staticPrefix string

	encodedItems sync.Map  // job id → *encodedItem, for api listings
	answers      sync.Pool // *[]byte buffers for api answers (answerBuffer)
}

// Services are what the API reads and changes.
type Services struct {
	Auth     *auth.Service
	Authz    *authz.Service
	Jobs     *jobs.Service
	Views    *views.Service
	Nodes    *nodes.Service
	Farm     *farm.Farm
	Builds   *builds.Service
	Settings *settings.Service
	Audit    *audit.Log // nil: no audit log
	// Outputs are what builds leave behind: artifacts, test reports.
	Outputs *outputs.Parts
	Creds   *credstore.Service
	// Git is the git plugin: the push hooks, and what builds checked
	// out.
	Git *gitscm.Plugin
}

// Pages are the web UI's pages an API action answers with when one of
// the UI's forms posted to it; internal/webui implements them.
type Pages interface {
	// NewAgent is the page after the name of a new permanent agent of
	// type mode was checked.
	NewAgent(c *request.Call, name, mode string) error
	// CreateUserRefused is the Users page again, as typed, after the
	// Create User form was refused with err (a 400).
	CreateUserRefused(c *request.Call, err error) error
	// RenameRefused is the Rename page again, as typed, after
	// confirmRename refused newName with err (a 400).
	RenameRefused(c *request.Call, job *model.Job, newName string, err error) error
	// NewViewRefused is the New View page again, as typed, after
	// createView refused the form with err (a 400).
	NewViewRefused(c *request.Call, err error) error
	// ViewConfigRefused is the Edit View page again, as typed, after
	// configSubmit refused the form with err (a 400).
	ViewConfigRefused(c *request.Call, v *model.View, err error) error
	// Listing is the page of a directory, or of a glob's matches, of a
	// build's artifacts or a job's workspace.
	Listing(c *request.Call, l *Listing) error
}

// New returns the API over svc. pages answers what the web UI's forms
// post to API actions; staticPrefix is where the UI's assets are served.
func New(svc Services, pages Pages, staticPrefix string, log *slog.Logger) *API {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &API{
		auth: svc.Auth, authz: svc.Authz, jobs: svc.Jobs, views: svc.Views, nodes: svc.Nodes, farm: svc.Farm,
		builds: svc.Builds, settings: svc.Settings, audit: svc.Audit, outputs: svc.Outputs, creds: svc.Creds, git: svc.Git, log: log, pages: pages, staticPrefix: staticPrefix,
	}
}

// sys is the current run-time settings.
func (a *API) sys() settings.Values { return a.settings.Get() }

// contentType is the media type of an answer in flavor.
func contentType(flavor export.Flavor) string {
	switch flavor {
	case export.XML:
		return "application/xml;charset=utf-8"
	case export.Python:
		return "text/x-python;charset=utf-8"
	}
	return "application/json;charset=utf-8"
}

// Write answers obj, the object an …/api/json, …/api/xml or
// …/api/python URL names, in flavor, with Jenkins's tree, depth and
// pretty parameters; xmlRoot is the element an XML answer is written
// under. An error met reading one of the object's lazy properties is
// the answer (a 500), unless part of it has gone out already.
func (a *API) Write(c *request.Call, xmlRoot string, obj *export.Object, flavor export.Flavor) error {
	q := c.R.URL.Query()
	var opt export.Options
	if t, ok := q["tree"]; ok && len(t) > 0 {
		tree, err := export.ParseTree(t[0])
		if err != nil {
			return request.BadRequest("Malformed tree expression: " + err.Error())
		}
		opt.Tree = tree
	} else if d := q.Get("depth"); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil || n < 0 {
			return request.BadRequest("Depth parameter must be a non-negative number")
		}
		if n > maxQueryDepth {
			return request.BadRequest("Depth parameter must be at most " + strconv.Itoa(maxQueryDepth))
		}
		opt.Depth = n
	}
	_, opt.Pretty = q["pretty"] // presence-based, as in Jenkins
	if q.Has("jsonp") {
		return request.NewError(http.StatusForbidden, "jsonp forbidden; implement jenkins.security.SecureRequester")
	}
	if q.Has("xpath") || q.Has("wrapper") || q.Has("exclude") {
		return request.NewError(http.StatusForbidden, "primitive XPath result sets forbidden; implement jenkins.security.SecureRequester")
	}
	h := c.W.Header()
	h.Set("Content-Type", contentType(flavor))
	h.Set("X-Frame-Options", "deny")
	if c.R.Method == http.MethodHead {
		c.W.WriteHeader(http.StatusOK)
		return nil
	}
	// Buffers are reused: api/json is the most requested answer, and a
	// new buffer each time is most of what it allocates.
	held, _ := a.answers.Get().(*[]byte)
	if held == nil {
		b := make([]byte, 0, 16<<10)
		held = &b
	}
	bw := &answerBuffer{w: c.W, buf: (*held)[:0]}
	switch err := export.Write(bw, obj, flavor, xmlRoot, opt); {
	case errors.Is(err, export.ErrTooDeep):
		// What was written goes out as it is.
		a.log.Error("api answer cut short: objects nested too deeply", "method", c.R.Method, "path", c.R.URL.Path)
	case err != nil:
		// A client gone while the answer streamed; nothing written at
		// all (no object) is a 500.
		return err
	}
	if c.Failed() != nil {
		// A lazy property could not be read: answer the error (a 500
		// with a reference in the log), unless part of the answer has
		// gone out already, where all that is left is to say so.
		if !bw.streaming {
			return c.Failed()
		}
		a.log.Error("api answer cut short", "method", c.R.Method, "path", c.R.URL.Path, "err", c.Failed())
	}
	err := bw.finish()
	if c := cap(bw.buf); c > 0 && c <= answerBufferMax {
		*held = bw.buf
		a.answers.Put(held)
	}
	return err
}

// answerBufferMax is how much of an answer answerBuffer holds: most
// answers fit, and go out with a Content-Length in one write.
const answerBufferMax = 256 << 10

// answerBuffer holds an answer until it is complete, so it is sent with
// its length in one write; one larger than answerBufferMax is streamed.
type answerBuffer struct {
	w         http.ResponseWriter
	buf       []byte
	streaming bool
}

// Write holds p, or, once more than answerBufferMax is held, streams
// what is held and p.
func (b *answerBuffer) Write(p []byte) (int, error) {
	if b.streaming {
		return b.w.Write(p)
	}
	if len(b.buf)+len(p) <= answerBufferMax {
		b.buf = append(b.buf, p...)
		return len(p), nil
	}
	b.streaming = true
	b.w.WriteHeader(http.StatusOK)
	if _, err := b.w.Write(b.buf); err != nil {
		return 0, err
	}
	b.buf = nil
	return b.w.Write(p)
}

// AvailableBuffer lends the free space of what is held, so the encoder
// writes the answer in place (export.Write uses it). It grows what is
// held (up to answerBufferMax) rather than lend less than the encoder
// needs, which would make it allocate a buffer of its own for every
// answer larger than the pooled buffer; the grown buffer goes back to
// the pool.
func (b *answerBuffer) AvailableBuffer() []byte {
	if b.streaming {
		return nil
	}
	if free := cap(b.buf) - len(b.buf); free < answerLend && cap(b.buf)+answerLend <= answerBufferMax {
		b.buf = slices.Grow(b.buf, max(answerLend, cap(b.buf)))
	}
	return b.buf[len(b.buf):]
}

// answerLend is the least free space AvailableBuffer lends: more than
// the encoder's flush size (export's flushAt, 6 KiB).
const answerLend = 8 << 10

// finish sends what is held, if the answer was not already streamed.
func (b *answerBuffer) finish() error {
	if b.streaming {
		return nil
	}
	b.w.Header().Set("Content-Length", strconv.Itoa(len(b.buf)))
	b.w.WriteHeader(http.StatusOK)
	_, err := b.w.Write(b.buf)
	return err
}

// maxQueryDepth is the deepest ?depth= a client may ask for: deeper
// answers only repeat themselves and cost the server; tree= reaches
// anything deeper.
const maxQueryDepth = 5
