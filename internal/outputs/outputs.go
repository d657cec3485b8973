// Package outputs puts together what builds leave behind, for the
// composition root: the artifact archive (internal/archive), the test
// reports (internal/testreport), the discarder of old builds
// (internal/retention) and the mailer (internal/mailer), each a build
// contributor, in the order builds run them.
//
// The composition root makes one with New, passes Contributors to
// farm.Config.Contributors, starts Run in a goroutine, and Closes it at
// shutdown after the farm; the HTTP edge calls the parts' read
// functions (see each package).
package outputs

import (
	"context"
	"log/slog"
	"time"

	"github.com/jeeves-ci/jeeves/internal/archive"
	"github.com/jeeves-ci/jeeves/internal/blob"
	"github.com/jeeves-ci/jeeves/internal/builds"
	"github.com/jeeves-ci/jeeves/internal/executor"
	"github.com/jeeves-ci/jeeves/internal/mail"
	"github.com/jeeves-ci/jeeves/internal/mailer"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/retention"
	"github.com/jeeves-ci/jeeves/internal/settings"
	"github.com/jeeves-ci/jeeves/internal/store"
	"github.com/jeeves-ci/jeeves/internal/testreport"
)

// Deps is what the parts need.
type Deps struct {
	Logger *slog.Logger
	Store  store.Store
	// Blobs is where builds' logs are, and what they leave.
	Blobs blob.Store
	// Builds deletes builds with their logs and blobs (the discarder's).
	Builds *builds.Service
	// Jobs lists the jobs for the periodic discarder (jobs.Service).
	Jobs retention.Jobs
	// Settings gives the root URL mail links to; Mail the mail settings.
	Settings *settings.Service
	Mail     *settings.MailService
	// Credentials gives the SMTP password: mailer.FromCredentials over
	// the credentials service; nil: SMTP credentials cannot be used.
	Credentials mailer.Credentials
	// ListenURL is where jeeves listens: mail links to it when no root
	// URL is configured.
	ListenURL string
	// Changes gives a build's changes and their authors, for the mail
	// (mailer.Config.Changes); nil: none are known.
	Changes func(job *model.Job, number int64) ([]mail.Change, []mail.Culprit, bool)
}

// Parts are what builds leave behind.
type Parts struct {
	Archive   *archive.Service
	Tests     *testreport.Service
	Discarder *retention.Discarder
	Mailer    *mailer.Service
}

// New makes the parts.
func New(d Deps) *Parts {
	p := &Parts{
		Archive: archive.New(archive.Config{Logger: d.Logger}, d.Blobs, d.Store),
		Tests:   testreport.New(testreport.Config{Logger: d.Logger}, d.Blobs, d.Store),
	}
	p.Discarder = retention.New(retention.Config{Logger: d.Logger}, d.Store, d.Builds, p.Archive, d.Jobs, d.Blobs)
	mc := mailer.Config{Logger: d.Logger, ListenURL: d.ListenURL, Credentials: d.Credentials, Changes: d.Changes}
	if d.Mail != nil {
		mc.Mail = d.Mail.Get
	}
	if d.Settings != nil {
		mc.RootURL = func() string { return d.Settings.Get().RootURL }
	}
	p.Mailer = mailer.New(mc, d.Blobs, d.Store)
	return p
}

// Contributors are the parts as builds run them: the archiver and the
// JUnit recorder (recorders, in Jenkins's publisher order), the
// discarder (after each build, once the archiver's fingerprints are
// recorded), the mailer (a notifier).
func (p *Parts) Contributors() []executor.Contributor {
	return []executor.Contributor{p.Archive, p.Tests, p.Discarder, p.Mailer}
}

// Run runs the periodic discarder until ctx ends.
func (p *Parts) Run(ctx context.Context) { p.Discarder.Run(ctx, retention.Period) }

// Close waits up to grace for the fingerprints being computed.
func (p *Parts) Close(grace time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	return p.Archive.Close(ctx)
}
