// Package mailer sends the mail of Jenkins's "E-mail Notification"
// publisher (hudson.tasks.Mailer) from real builds, through the SMTP
// server the mail settings name (settings.Mail), and the settings
// page's test mail.
//
// Service.For is the publisher as a build contributor. It runs as a
// notifier, after every recorder, with the build's result final and
// before "Finished:", which is where Jenkins runs it (Mailer needs to
// run after the build is finalized: AbstractBuild's cleanUp, before
// the listener's "Finished" line). It decides with mail.Mailer.Decide
// against the builds before, composes with mail.Mailer.Compose, prints
// "Sending e-mails to: …" and sends; a failure to send prints an error
// and leaves the result alone, as in Jenkins. The SMTP password comes
// from the credential the settings name, at each send.
package mailer

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jeeves-ci/jeeves/internal/artifact"
	"github.com/jeeves-ci/jeeves/internal/blob"
	"github.com/jeeves-ci/jeeves/internal/builds"
	"github.com/jeeves-ci/jeeves/internal/buildstep"
	"github.com/jeeves-ci/jeeves/internal/credentials"
	"github.com/jeeves-ci/jeeves/internal/executor"
	"github.com/jeeves-ci/jeeves/internal/mail"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/settings"
	"github.com/jeeves-ci/jeeves/internal/store"
)

// Credentials gives the user name and password of a username-with-
// password credential by its id (the credentials service);
// store.ErrNotFound when there is none.
type Credentials interface {
	UsernamePassword(ctx context.Context, id string) (user, password string, err error)
}

// Store is what the mailer reads of builds.
type Store interface {
	BuildMarks(ctx context.Context, jobID int64, q store.MarkQuery) ([]store.BuildMark, error)
}

// Config sets up a Service.
type Config struct {
	Logger *slog.Logger
	// Mail gives the current mail settings (settings.MailService.Get).
	Mail func() settings.Mail
	// RootURL gives the configured root URL mail links to
	// (settings.Service.Get().RootURL).
	RootURL func() string
	// ListenURL is where jeeves listens, which mail links to when no
	// root URL is configured.
	ListenURL string
	// Credentials gives the SMTP password; nil: none can be used.
	Credentials Credentials
	// TLSConfig, when set, is used to reach the SMTP server (tests give
	// their own authority).
	TLSConfig *tls.Config
	// Timeout bounds one SMTP session; 0: mail.DefaultTimeout.
	Timeout time.Duration
	// Now is the clock; nil: time.Now.
	Now func() time.Time
	// Changes gives a build's changes and the people who made them (the
	// SCM's changelog: the git plugin's), for the mail's "Changes:" and
	// sendToIndividuals; nil, or ok false: the build has no changelog.
	Changes func(job *model.Job, number int64) (changes []mail.Change, culprits []mail.Culprit, ok bool)
}

// Service sends build mail and test mail. Create it with New.
type Service struct {
	cfg   Config
	blobs blob.Store
	st    Store
	log   *slog.Logger
	tests atomic.Int64 // test mails sent, for their subjects
}

// New returns the mailer over the blob store (logs, and where a
// build's Message-ID is kept) and the store.
func New(cfg Config, blobs blob.Store, st Store) *Service {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Mail == nil {
		cfg.Mail = func() settings.Mail { return settings.Mail{} }
	}
	if cfg.RootURL == nil {
		cfg.RootURL = func() string { return "" }
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{cfg: cfg, blobs: blobs, st: st, log: cfg.Logger}
}

var _ executor.Contributor = (*Service)(nil)

// For implements executor.Contributor: the mailer takes part, as a
// notifier, in the builds of jobs with a <hudson.tasks.Mailer>
// publisher.
func (s *Service) For(job *model.Job) *executor.Part {
	e := buildstep.Publisher(job.ConfigXML, mail.MailerClass)
	if e == nil {
		return nil
	}
	m, err := mail.MailerFromElement(e)
	var archived string
	if a := buildstep.Publisher(job.ConfigXML, artifact.ArchiverClass); a != nil {
		if arch, err := artifact.ArchiverFromElement(a); err == nil {
			archived = arch.Artifacts
		}
	}
	return &executor.Part{Name: "E-mail Notification", Runs: []string{mail.MailerClass}, Notifier: true,
		Publish: func(ctx context.Context, b *executor.Build) {
			if err != nil {
				fmt.Fprintf(b.Console(), "ERROR: %v\n", err)
				return
			}
			s.notify(ctx, b, m, archived)
		}}
}

// JobURL is a job's URL relative to the root, its folders included
// ("job/folder/job/app/"), as Jenkins's Item.getUrl gives it.
func JobURL(fullName string) string {
	var b strings.Builder
	for seg := range strings.SplitSeq(fullName, "/") {
		b.WriteString("job/" + seg + "/")
	}
	return b.String()
}

// messageIDKey is where a build keeps the Message-ID of its mail (the
// mailer plugin's MailMessageIdAction).
func messageIDKey(jobID, number int64) string {
	return blob.BuildKey(jobID, number) + "/mail.json"
}

type sentMail struct {
	MessageID string `json:"messageId"`
}

// previous yields the builds before number, newest first, a page at a
// time, as Decide reads them.
func (s *Service) previous(ctx context.Context, jobID, number int64) iter.Seq[mail.Build] {
	return func(yield func(mail.Build) bool) {
		q := store.MarkQuery{After: number, Limit: 32}
		for {
			ms, err := s.st.BuildMarks(ctx, jobID, q)
			if err != nil {
				s.log.Warn("cannot read the builds before a mail", "job", jobID, "build", number, "err", err)
				return
			}
			for _, m := range ms {
				if !yield(mail.Build{Number: int(m.Number), Result: m.Result, Building: m.Building}) {
					return
				}
			}
			if len(ms) < q.Limit {
				return
			}
			q.After = ms[len(ms)-1].Number
		}
	}
}

func (s *Service) notify(ctx context.Context, b *executor.Build, m mail.Mailer, archived string) {
	out := b.Console()
	for _, u := range m.Unknown {
		fmt.Fprintf(out, "WARNING: jeeves does not read <%s> of ‘E-mail Notification’; it is kept in config.xml but ignored\n", u)
	}
	jobID, number := b.Build.JobID, b.Build.Number
	d := m.Decide(mail.Build{Number: int(number), Result: b.Result}, builds.FullDisplayName(b.Build), s.previous(ctx, jobID, number))
	if d.Kind == mail.None && d.Line == "" {
		return
	}
	ms := s.cfg.Mail()
	in := mail.Input{
		Decision:    d,
		Build:       mail.Build{Number: int(number), Result: b.Result},
		JobFullName: b.Job.Name,
		JobURL:      JobURL(b.Job.Name),
		RunURL:      JobURL(b.Job.Name) + strconv.FormatInt(number, 10) + "/",
		Workspace:   b.Workspace,
		Artifacts:   archived,
		Lookup:      lookup(b.Env()),
		Now:         s.cfg.Now(),
	}
	if d.Kind == mail.Failure {
		in.Log = s.lastLines(jobID, number)
	}
	if s.cfg.Changes != nil {
		in.Changes, in.Culprits, _ = s.cfg.Changes(b.Job, number)
	}
	for prev := range s.previous(ctx, jobID, number) {
		in.PreviousResult = prev.Result
		in.PreviousMessageID = s.messageID(jobID, int64(prev.Number))
		in.PreviousChangesEmpty = true
		if s.cfg.Changes != nil {
			changes, _, _ := s.cfg.Changes(b.Job, int64(prev.Number))
			in.PreviousChangesEmpty = len(changes) == 0
		}
		break
	}
	msg := m.Compose(s.composeSettings(ms), in)
	if msg == nil {
		return
	}
	for _, l := range msg.Lines {
		fmt.Fprintln(out, l)
	}
	if len(msg.To) == 0 {
		return
	}
	if err := s.send(ctx, ms, msg); err != nil {
		fmt.Fprintf(out, "ERROR: %v\n", err)
		return
	}
	data, _ := json.Marshal(sentMail{MessageID: msg.MessageID})
	if _, err := s.blobs.Put(messageIDKey(jobID, number), bytes.NewReader(data)); err != nil {
		s.log.Warn("cannot keep a mail's Message-ID", "job", b.Job.Name, "build", number, "err", err)
	}
}

func (s *Service) composeSettings(ms settings.Mail) mail.Settings {
	root := s.cfg.RootURL()
	if root == "" {
		root = s.cfg.ListenURL
	}
	if root != "" && !strings.HasSuffix(root, "/") {
		root += "/"
	}
	return mail.Settings{From: ms.Sender(), ReplyTo: ms.ReplyTo, DefaultSuffix: ms.DefaultSuffix, RootURL: root}
}

func (s *Service) messageID(jobID, number int64) string {
	r, err := s.blobs.Open(messageIDKey(jobID, number))
	if err != nil {
		return ""
	}
	defer r.Close()
	var m sentMail
	if json.NewDecoder(io.LimitReader(r, 4096)).Decode(&m) != nil {
		return ""
	}
	return m.MessageID
}

// lastLines is the end of the build's console as it is now.
func (s *Service) lastLines(jobID, number int64) []string {
	r, err := s.blobs.Open(blob.LogKey(jobID, number))
	if err != nil {
		return nil
	}
	defer r.Close()
	size, err := r.Seek(0, io.SeekEnd)
	if err != nil {
		return nil
	}
	lines, err := mail.LastLines(r, size, mail.MaxLogLines)
	if err != nil {
		return nil
	}
	return lines
}

func lookup(env []string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		for i := len(env) - 1; i >= 0; i-- {
			if k, v, ok := strings.Cut(env[i], "="); ok && strings.EqualFold(k, name) {
				return v, true
			}
		}
		return "", false
	}
}

// ErrNoCredentials is the kind of error for an SMTP credential that
// cannot be used.
var ErrNoCredentials = errors.New("mail: the SMTP credentials cannot be used")

// SMTP is the sender the mail settings m describe, with the password
// of their credential.
func (s *Service) SMTP(ctx context.Context, m settings.Mail) (mail.SMTP, error) {
	c := mail.SMTP{Host: m.SMTPHost, Port: m.SMTPPort, SSL: m.Security == settings.SecuritySSL, TLS: m.Security == settings.SecurityStartTLS,
		Timeout: s.cfg.Timeout, TLSConfig: s.cfg.TLSConfig}
	if m.CredentialsID != "" {
		if s.cfg.Credentials == nil {
			return c, fmt.Errorf("%w: no credentials store to find %q in", ErrNoCredentials, m.CredentialsID)
		}
		user, password, err := s.cfg.Credentials.UsernamePassword(ctx, m.CredentialsID)
		if err != nil {
			return c, fmt.Errorf("%w: %q: %v", ErrNoCredentials, m.CredentialsID, err)
		}
		c.Username, c.Password = user, password
	}
	return c, nil
}

func (s *Service) send(ctx context.Context, m settings.Mail, msg *mail.Message) error {
	c, err := s.SMTP(ctx, m)
	if err != nil {
		return err
	}
	return c.Send(ctx, msg)
}

// SendTest sends the settings page's test mail ("Test email #N") to
// the address to, with the mail settings m as the form shows them
// (saved or not), and returns N; Mailer.doSendTestMail's. The error
// says why it was not sent (never a password).
func (s *Service) SendTest(ctx context.Context, m settings.Mail, to string) (int64, error) {
	if err := m.Validate(); err != nil {
		return 0, err
	}
	cs := s.composeSettings(m)
	n := s.tests.Add(1)
	msg, err := mail.Test(cs, to, n, s.cfg.Now())
	if err != nil {
		return n, err
	}
	return n, s.send(ctx, m, msg)
}

// CredentialStore is the credentials service as the mailer reads it
// (credstore.Service).
type CredentialStore interface {
	ResolveForJeeves(ctx context.Context, id, purpose string) (*credentials.Credential, error)
}

// FromCredentials reads the SMTP user and password from cs: the
// credential must be a username with password (of either scope), and
// each use is audited as jeeves's own ("smtp").
func FromCredentials(cs CredentialStore) Credentials { return credentialStore{cs} }

type credentialStore struct{ cs CredentialStore }

func (c credentialStore) UsernamePassword(ctx context.Context, id string) (string, string, error) {
	cred, err := c.cs.ResolveForJeeves(ctx, id, "smtp")
	if err != nil {
		return "", "", err
	}
	if cred.Kind != credentials.KindUsernamePassword {
		return "", "", fmt.Errorf("it is a %s, not a username with password", cred.TypeName())
	}
	return cred.Username, cred.Password.Reveal(), nil
}
