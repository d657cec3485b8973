// Package webui is jeeves's web UI: its HTML pages (the dashboard, job
// and build pages with the live console, New Item and Configure, the
// Security page, Manage), the forms they post, which answer under
// Post/Redirect/Get (flash.go), and the templates and static assets
// they are drawn with, embedded in the binary. Its handlers are methods
// of UI, which holds the services they read and change; internal/server
// walks a URL to the object and calls them. The remote access API is
// internal/api's.
package webui

import (
	"log/slog"
	"sync"

	"github.com/jeeves-ci/jeeves/internal/audit"
	"github.com/jeeves-ci/jeeves/internal/auth"
	"github.com/jeeves-ci/jeeves/internal/builds"
	"github.com/jeeves-ci/jeeves/internal/credstore"
	"github.com/jeeves-ci/jeeves/internal/farm"
	"github.com/jeeves-ci/jeeves/internal/flash"
	"github.com/jeeves-ci/jeeves/internal/gitscm"
	"github.com/jeeves-ci/jeeves/internal/jobs"
	"github.com/jeeves-ci/jeeves/internal/nodes"
	"github.com/jeeves-ci/jeeves/internal/outputs"
	"github.com/jeeves-ci/jeeves/internal/settings"
	"github.com/jeeves-ci/jeeves/internal/views"
)

// UI serves the web UI's pages over the services.
type UI struct {
	version  string // shown in every page's footer
	auth     *auth.Service
	jobs     *jobs.Service
	farm     *farm.Farm
	builds   *builds.Service
	settings *settings.Service
	views    *views.Service
	nodes    *nodes.Service
	agents   Agents      // nil: no agent has connected (nodes.go)
	sshCreds Credentials // nil: the agent form takes a credential id as typed
	audit    *audit.Log  // nil: no audit log
	outputs  *outputs.Parts
	mail     *settings.MailService
	creds    *credstore.Service // the credentials the forms offer
	flash    *flash.Store       // the pages held for Post/Redirect/Get
	log      *slog.Logger
	t        *templates
	// summaries remembers what the dashboard shows of each job's history
	// (job id → historySummary).
	summaries sync.Map

	git *gitscm.Plugin // the git plugin's pages and settings
}

// Services are what the web UI reads and changes.
type Services struct {
	Auth     *auth.Service
	Jobs     *jobs.Service
	Farm     *farm.Farm
	Builds   *builds.Service
	Settings *settings.Service
	Views    *views.Service
	Nodes    *nodes.Service
	// Agents and Credentials are the hooks of the node pages (nodes.go);
	// nil until the services behind them are wired.
	Agents      Agents
	Credentials Credentials
	Audit       *audit.Log         // nil: no audit log
	Creds       *credstore.Service // the credentials the forms offer
	// Outputs are what builds leave behind; Mail the mail settings.
	Outputs *outputs.Parts
	Mail    *settings.MailService
	// Git is the git plugin: its pages, the source section of the job
	// form, the git settings.
	Git *gitscm.Plugin
}

// New parses the templates and returns the UI over svc; version is
// jeeves's, held is where form answers wait for the browser's GET.
func New(svc Services, held *flash.Store, version string, log *slog.Logger) (*UI, error) {
	t, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ui := &UI{
		version: version, auth: svc.Auth, jobs: svc.Jobs, farm: svc.Farm, builds: svc.Builds, settings: svc.Settings,
		views: svc.Views, nodes: svc.Nodes, agents: svc.Agents, sshCreds: svc.Credentials,
		audit: svc.Audit, outputs: svc.Outputs, mail: svc.Mail, git: svc.Git, creds: svc.Creds, flash: held, log: log, t: t,
	}
	// A deleted build may be the last success or failure the dashboard
	// remembers of its job.
	svc.Builds.OnDeleted(func(jobID, _ int64) { ui.summaries.Delete(jobID) })
	return ui, nil
}

// StaticPrefix is the path (under the root URL) the assets are served
// from.
func (ui *UI) StaticPrefix() string { return ui.t.StaticPrefix() }

// ForgetSummaries forgets what the dashboard remembers of every job's
// history, so that the next dashboard reads it all again.
func (ui *UI) ForgetSummaries() { ui.summaries.Clear() }

// sys is the current run-time settings.
func (ui *UI) sys() settings.Values { return ui.settings.Get() }
