// Package app is jeeves's composition root: it builds the whole server
// from Options, and nothing else wires services together. It opens the
// store (SQLite, under the home) and the blob store of console logs,
// makes the services (auth, authz, jobs, views, nodes, builds,
// settings, the audit log, the credentials), puts the build farm
// together (queue, scheduler, executors, and the contributors that bind
// credentials into builds) with the timer, and makes the HTTP server
// over them. internal/cli runs what it builds; the route tests and the
// benchmarks build theirs with it too.
package app

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/jeeves-ci/jeeves/internal/api"
	"github.com/jeeves-ci/jeeves/internal/audit"
	"github.com/jeeves-ci/jeeves/internal/auth"
	"github.com/jeeves-ci/jeeves/internal/authz"
	"github.com/jeeves-ci/jeeves/internal/blob"
	"github.com/jeeves-ci/jeeves/internal/builds"
	"github.com/jeeves-ci/jeeves/internal/credbind"
	"github.com/jeeves-ci/jeeves/internal/credentials"
	"github.com/jeeves-ci/jeeves/internal/credstore"
	"github.com/jeeves-ci/jeeves/internal/executor"
	"github.com/jeeves-ci/jeeves/internal/farm"
	"github.com/jeeves-ci/jeeves/internal/flash"
	"github.com/jeeves-ci/jeeves/internal/gitscm"
	"github.com/jeeves-ci/jeeves/internal/jobs"
	"github.com/jeeves-ci/jeeves/internal/launcher/local"
	"github.com/jeeves-ci/jeeves/internal/mail"
	"github.com/jeeves-ci/jeeves/internal/mailer"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/nodes"
	"github.com/jeeves-ci/jeeves/internal/outputs"
	"github.com/jeeves-ci/jeeves/internal/request"
	"github.com/jeeves-ci/jeeves/internal/server"
	"github.com/jeeves-ci/jeeves/internal/settings"
	"github.com/jeeves-ci/jeeves/internal/store"
	"github.com/jeeves-ci/jeeves/internal/store/sqlite"
	"github.com/jeeves-ci/jeeves/internal/timer"
	"github.com/jeeves-ci/jeeves/internal/views"
	"github.com/jeeves-ci/jeeves/internal/webui"
)

// Options are what a server is built from.
type Options struct {
	Home    string // the home directory; it must exist and be writable
	Version string // sent as X-Jenkins
	Logger  *slog.Logger

	// The run-time settings' defaults. A setting an admin saved wins
	// over its default, unless Explicit names it ("executors",
	// "quiet-period", "csrf", "url"): given on the command line, it wins
	// for this run.
	Executors   int
	QuietPeriod time.Duration
	CSRF        bool
	RootURL     string // "" or an http(s) URL ending in "/"
	Explicit    map[string]bool

	// ListenURL is the root URL builds get when none is configured: the
	// address jeeves listens on.
	ListenURL string

	// AdminPassword is the first admin's password when the home has no
	// user yet; "" generates one (App.InitialAdminPassword).
	AdminPassword string
	Throttle      *auth.ThrottlePolicy // nil: auth.DefaultThrottle
	TokenPolicy   auth.TokenPolicy
	BcryptCost    int // 0: bcrypt's default cost
	Audit         audit.Policy

	// The HTTP edge's limits (see internal/server).
	TrustedProxies  []netip.Prefix
	MaxBody         int64
	MaxConns        int
	MaxConnsPerAddr int
	IdleTimeout     time.Duration
	BodyTimeout     time.Duration
	WriteTimeout    time.Duration

	// OnFinish, when set, is called after each build is recorded as
	// finished (tests wait on it).
	OnFinish func(model.Build)

	// AgentOfflineTimeout is how long a build waits for its agent to
	// come back after its connection dropped or jeeves restarted (0:
	// nodes.DefaultOfflineTimeout).
	AgentOfflineTimeout time.Duration

	// Mail is the mail settings' defaults; MailFlags, when set, are the
	// mail flags given on the command line or in the environment, and
	// MailExplicit names those that win over what an admin saved.
	Mail         settings.Mail
	MailFlags    *settings.MailFlags
	MailExplicit map[string]bool
}

// App is a server, built: its services, its farm and its HTTP edge.
type App struct {
	Store    store.Store
	Auth     *auth.Service
	Authz    *authz.Service
	Jobs     *jobs.Service
	Views    *views.Service
	Nodes    *nodes.Service
	Builds   *builds.Service
	Settings *settings.Service
	Mail     *settings.MailService
	Audit    *audit.Log
	// Creds are the credentials, sealed under HOME/secrets (builds bind
	// them; the SMTP password is read from them).
	Creds *credstore.Service
	// Outputs are what builds leave behind: artifacts, test reports,
	// the discarder of old builds, the mailer.
	Outputs *outputs.Parts
	Farm    *farm.Farm
	Timer   *timer.Scheduler
	Flash   *flash.Store // the pages held for Post/Redirect/Get
	API     *api.API     // the remote access API's handlers
	UI      *webui.UI    // the web UI's handlers
	Server  *server.Server

	// Git is the git plugin: GitSCM checkouts, SCM polling and the push
	// hooks; GitSettings are its settings.
	Git         *gitscm.Plugin
	GitSettings *gitscm.Settings

	// InitialAdminPassword is the password generated for the first
	// admin when this home had no user; "" otherwise.
	InitialAdminPassword string

	log    *slog.Logger
	closed []func() // in the order they run
	// stopRun ends what Run started, and running waits for it, before
	// Close closes what it uses.
	stopRun context.CancelFunc
	running sync.WaitGroup
}

// New builds the server on opt.Home. When it fails, what it had opened
// is closed again.
func New(ctx context.Context, opt Options) (*App, error) {
	logger := opt.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	a := &App{log: logger}
	release, err := lockHome(opt.Home)
	if err != nil {
		return nil, err
	}
	a.onClose(release)
	if err := a.build(ctx, opt, logger); err != nil {
		a.Close(0)
		return nil, err
	}
	return a, nil
}

// build makes a's parts, registering what must be closed as it goes.
func (a *App) build(ctx context.Context, opt Options, logger *slog.Logger) error {
	st, err := sqlite.Open(opt.Home)
	if err != nil {
		return err
	}
	a.Store = st
	a.onClose(func() {
		if err := st.Close(); err != nil {
			logger.Error("cannot close the store", "err", err)
		}
	})
	if a.Auth, err = auth.New(st, filepath.Join(opt.Home, "secrets")); err != nil {
		return err
	}
	a.onClose(a.Auth.Close)
	if opt.BcryptCost != 0 {
		if err := a.Auth.SetBcryptCost(opt.BcryptCost); err != nil {
			return err
		}
	}
	if opt.Throttle != nil {
		a.Auth.SetThrottle(*opt.Throttle)
	}
	a.Auth.SetTokenPolicy(opt.TokenPolicy)
	if err := a.ensureAdmin(ctx, opt); err != nil {
		return err
	}
	if a.Authz, err = authz.New(ctx, st); err != nil {
		return err
	}
	blobs := blob.NewDir(opt.Home)
	if a.Jobs, err = jobs.New(ctx, st, blobs); err != nil {
		return err
	}
	if a.Views, err = views.New(ctx, st); err != nil {
		return err
	}
	if a.Nodes, err = nodes.New(ctx, st); err != nil {
		return err
	}
	a.Builds = builds.New(st, blobs, a.Jobs)
	if a.Settings, err = loadSettings(ctx, st, opt); err != nil {
		return err
	}
	if a.Mail, err = loadMail(ctx, st, opt); err != nil {
		return err
	}
	if a.Audit, err = audit.Open(filepath.Join(opt.Home, "audit"), opt.Audit); err != nil {
		return fmt.Errorf("open the audit log: %w", err)
	}
	a.onClose(func() {
		if err := a.Audit.Close(); err != nil {
			logger.Error("cannot close the audit log", "err", err)
		}
	})
	// Credentials, before the farm: its builds bind them, and their
	// changes and uses are audited.
	if a.Creds, err = credstore.Open(opt.Home, st, credstore.AuditTo(a.Audit, func(err error) {
		logger.Error("cannot write the audit log", "err", err)
	})); err != nil {
		return fmt.Errorf("open the credentials: %w", err)
	}
	a.Outputs = outputs.New(outputs.Deps{
		Logger: logger, Store: st, Blobs: blobs, Builds: a.Builds, Jobs: a.Jobs, Settings: a.Settings, Mail: a.Mail,
		Credentials: mailer.FromCredentials(a.Creds), ListenURL: opt.ListenURL,
		Changes: func(job *model.Job, number int64) ([]mail.Change, []mail.Culprit, bool) {
			return gitChanges(blobs, job, number, logger)
		},
	})
	if err := a.buildGit(ctx, opt, st, blobs, logger); err != nil {
		return err
	}
	cur := a.Settings.Get()
	a.Farm, err = farm.New(ctx, farm.Config{
		Executors: cur.Executors, QuietPeriod: cur.QuietPeriod, Home: opt.Home, RootURL: cur.RootURL,
		ListenURL: opt.ListenURL, Logger: logger, OnFinish: opt.OnFinish, Logs: blobs,
		Permits:      request.TriggerPermits(a.Auth, request.NewPerms(a.Authz, a.Jobs), logger),
		Contributors: append([]executor.Contributor{credbind.New(a.Creds, logger), a.Git}, a.Outputs.Contributors()...),
		Agents:       a.Nodes,
	}, st, a.Jobs)
	if err != nil {
		return err
	}
	// The agents connect now, and are closed after the farm is shut down
	// (their durable steps go on running on them).
	if err := a.Nodes.Start(ctx, nodes.Config{
		Credentials: agentCredentials{a.Creds}, Farm: a.Farm, Blobs: blobs,
		OfflineTimeout: opt.AgentOfflineTimeout, Logger: logger,
	}); err != nil {
		return err
	}
	a.onClose(a.Nodes.Close)

	a.Git.SetQueue(a.Farm)
	// A workspace left under a new item's name (by an older jeeves, or a
	// removal that failed) is not the new item's: it starts empty.
	a.Jobs.OnCreated(func(j *model.Job) {
		if err := a.Farm.RemoveWorkspace(j.Name); err != nil {
			logger.Error("cannot remove the workspace left under a new item's name", "item", j.Name, "err", err)
		}
	})
	a.Timer = timer.New(timer.Config{Logger: logger}, a.Jobs, a.Farm.Queue())
	a.Flash = &flash.Store{}
	if a.UI, err = webui.New(webui.Services{
		Auth: a.Auth, Jobs: a.Jobs, Farm: a.Farm, Builds: a.Builds, Settings: a.Settings, Audit: a.Audit, Creds: a.Creds,
		Views: a.Views, Nodes: a.Nodes, Agents: nodePages{a.Nodes}, Credentials: agentCredentialChoices{a.Creds},
		Outputs: a.Outputs, Mail: a.Mail, Git: a.Git,
	}, a.Flash, opt.Version, logger); err != nil {
		return err
	}
	a.API = api.New(api.Services{
		Auth: a.Auth, Authz: a.Authz, Jobs: a.Jobs, Views: a.Views, Nodes: a.Nodes, Farm: a.Farm, Builds: a.Builds,
		Settings: a.Settings, Audit: a.Audit, Creds: a.Creds, Outputs: a.Outputs, Git: a.Git,
	}, a.UI, a.UI.StaticPrefix(), logger)
	a.Server, err = server.New(server.Config{
		Version: opt.Version, Logger: logger, TrustedProxies: opt.TrustedProxies, MaxBody: opt.MaxBody,
		MaxConns: opt.MaxConns, MaxConnsPerAddr: opt.MaxConnsPerAddr,
		IdleTimeout: opt.IdleTimeout, BodyTimeout: opt.BodyTimeout, WriteTimeout: opt.WriteTimeout,
	}, server.Services{
		Auth: a.Auth, Authz: a.Authz, Jobs: a.Jobs, Views: a.Views, Nodes: a.Nodes, Farm: a.Farm, Builds: a.Builds,
		Settings: a.Settings, Audit: a.Audit,
	}, a.API, a.UI)
	if err != nil {
		return err
	}
	a.Git.ServeHooks()
	a.Settings.OnChange(func(v settings.Values) {
		a.Farm.SetExecutors(v.Executors)
		a.Farm.SetDefaults(v.QuietPeriod, v.RootURL)
		logger.Info("settings changed", "executors", v.Executors, "quietPeriod", v.QuietPeriod, "csrf", v.CSRF, "rootURL", v.RootURL)
	})
	return nil
}

// buildGit makes the git plugin (a.Git) and loads its settings: it
// resolves its remotes' credentials as a build of their job may
// (credstore.Resolve: GLOBAL ones), and the GitHub hook secrets as
// jeeves's own (ResolveForJeeves, audited). It is made before the farm,
// which runs its checkouts, and given the farm's queue after.
func (a *App) buildGit(ctx context.Context, opt Options, st store.Store, blobs blob.Store, logger *slog.Logger) error {
	var err error
	if a.GitSettings, err = gitscm.LoadSettings(ctx, st); err != nil {
		return err
	}
	creds := a.Creds
	a.Git = gitscm.New(gitscm.Config{
		Jobs: a.Jobs, Builds: st, Blobs: blobs,
		Credentials: gitscm.CredentialsFunc(func(ctx context.Context, id string, j *model.Job) (*credentials.Credential, error) {
			if j == nil {
				return creds.ResolveForJeeves(ctx, id, "GitHub hook signature")
			}
			return creds.Resolve(ctx, id, credstore.Build{JobID: j.ID, JobName: j.Name})
		}),
		Settings: a.GitSettings, Launcher: local.New(), Home: opt.Home,
		Env: executor.InheritedEnv(os.Environ()), Logger: logger,
	})
	a.onClose(a.Git.Close)
	return nil
}

// agentCredentials gives the agents' launchers the credentials their
// credentialsId names, of either scope, each use audited.
type agentCredentials struct{ c *credstore.Service }

func (ac agentCredentials) Resolve(ctx context.Context, id string) (*credentials.Credential, error) {
	c, err := ac.c.ResolveForJeeves(ctx, id, "an agent's SSH launcher")
	if errors.Is(err, credstore.ErrNotFound) {
		return nil, nil
	}
	return c, err
}

// ensureAdmin creates the first admin when the home has no user: with
// opt.AdminPassword, or a generated password, written to
// secrets/initialAdminPassword and kept in InitialAdminPassword.
func (a *App) ensureAdmin(ctx context.Context, opt Options) error {
	generated, err := a.Auth.EnsureAdmin(ctx, opt.AdminPassword)
	if err != nil {
		return fmt.Errorf("create the first admin: %w", err)
	}
	if generated == "" {
		return nil
	}
	if err := os.WriteFile(filepath.Join(opt.Home, "secrets", "initialAdminPassword"), []byte(generated+"\n"), 0o600); err != nil {
		return err
	}
	a.InitialAdminPassword = generated
	return nil
}

// loadSettings reads the saved settings over opt's defaults, then puts
// back those opt names as Explicit.
func loadSettings(ctx context.Context, st store.Settings, opt Options) (*settings.Service, error) {
	sv, err := settings.Load(ctx, st, settings.Values{Executors: opt.Executors, QuietPeriod: opt.QuietPeriod, CSRF: opt.CSRF, RootURL: opt.RootURL})
	if err != nil {
		return nil, err
	}
	err = sv.Override(func(v *settings.Values) {
		if opt.Explicit["executors"] {
			v.Executors = opt.Executors
		}
		if opt.Explicit["quiet-period"] {
			v.QuietPeriod = opt.QuietPeriod
		}
		if opt.Explicit["csrf"] {
			v.CSRF = opt.CSRF
		}
		if opt.Explicit["url"] {
			v.RootURL = opt.RootURL
		}
	})
	if err != nil {
		return nil, err
	}
	return sv, nil
}

// loadMail reads the saved mail settings over opt's defaults, then puts
// back those the mail flags name as explicit.
func loadMail(ctx context.Context, st store.Settings, opt Options) (*settings.MailService, error) {
	m, err := settings.LoadMail(ctx, st, opt.Mail)
	if err != nil {
		return nil, err
	}
	if opt.MailFlags != nil {
		if err := m.Override(func(v *settings.Mail) error { return opt.MailFlags.Apply(v, opt.MailExplicit) }); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Handler is the HTTP handler of the whole server.
func (a *App) Handler() http.Handler { return a.Server }

// HTTPServer is the http.Server to serve with (see
// server.Server.HTTPServer); errorLog may be nil.
func (a *App) HTTPServer(errorLog *log.Logger) *http.Server { return a.Server.HTTPServer(errorLog) }

// Listener bounds the connections accepted from ln (see
// server.Server.Listener).
func (a *App) Listener(ln net.Listener) net.Listener { return a.Server.Listener(ln) }

// Run runs the background work until ctx ends or Close: the timer
// triggers, the SCM polling, the purge of expired sessions and the
// periodic discarder of old builds. It returns at once.
func (a *App) Run(ctx context.Context) {
	ctx, a.stopRun = context.WithCancel(ctx)
	go a.Auth.PurgeSessionsEvery(ctx, auth.SessionPurgeInterval, func(err error) {
		a.log.Warn("cannot delete expired sessions", "err", err)
	})
	go a.Timer.Run(ctx)
	go a.Git.Run(ctx)
	a.running.Go(func() { a.Outputs.Run(ctx) })
}

// Close stops the farm, letting running builds finish within grace and
// aborting the rest, stops the background work, waits (within grace)
// for the fingerprints of archived files still being computed, then
// closes the audit log, auth and the store.
func (a *App) Close(grace time.Duration) {
	if a.Farm != nil {
		a.Farm.Shutdown(grace)
	}
	if a.stopRun != nil {
		a.stopRun()
	}
	a.running.Wait()
	if a.Outputs != nil {
		if err := a.Outputs.Close(grace); err != nil {
			a.log.Warn("fingerprints still being computed at shutdown are not recorded", "err", err)
		}
	}
	a.closeAll()
}

func (a *App) onClose(fn func()) { a.closed = append(a.closed, fn) }

// closeAll runs what onClose registered, last first.
func (a *App) closeAll() {
	for i := len(a.closed) - 1; i >= 0; i-- {
		a.closed[i]()
	}
	a.closed = nil
}

// gitChanges is a build's git changelog as the mailer reads it: each
// change with its author, and the authors (by e-mail, once each) for
// sendToIndividuals, as Jenkins's build culprits.
func gitChanges(blobs blob.Store, job *model.Job, number int64, logger *slog.Logger) ([]mail.Change, []mail.Culprit, bool) {
	changes, ok, err := gitscm.ReadChanges(blobs, job, number)
	if err != nil {
		logger.Warn("cannot read a build's changes for its mail", "job", job.Name, "build", number, "err", err)
	}
	if !ok || err != nil {
		return nil, nil, false
	}
	var out []mail.Change
	var culprits []mail.Culprit
	seen := map[string]bool{}
	for _, c := range changes {
		out = append(out, mail.Change{Author: c.Author, Message: c.Comment})
		key := strings.ToLower(c.AuthorEmail)
		if key == "" {
			key = "name:" + c.Author
		}
		if !seen[key] {
			seen[key] = true
			culprits = append(culprits, mail.Culprit{FullName: c.Author, Email: c.AuthorEmail})
		}
	}
	return out, culprits, true
}
