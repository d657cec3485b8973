package settings

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"sync"

	"github.com/jeeves-ci/jeeves/internal/limits"
	"github.com/jeeves-ci/jeeves/internal/store"
	"github.com/jeeves-ci/jeeves/internal/usererr"
)

// Mail is how jeeves sends mail: the mailer plugin's global settings
// (Manage Jenkins → E-mail Notification) and the administrator's address
// (JenkinsLocationConfiguration.adminAddress). The SMTP password is
// never kept here: it comes from the credential CredentialsID names.
type Mail struct {
	// SMTPHost is the mail server; "" sends no mail (Jenkins would try
	// localhost).
	SMTPHost string `json:"smtpHost"`
	// SMTPPort is the server's port; 0: 465 with SSL, 587 with STARTTLS,
	// else 25.
	SMTPPort int `json:"smtpPort"`
	// Security is "none", "starttls" (required before anything else is
	// said) or "ssl" (TLS from the first byte); "" is none.
	Security string `json:"security"`
	// CredentialsID names a username-with-password credential to
	// authenticate with; "" sends without authenticating.
	CredentialsID string `json:"credentialsId"`
	// AdminAddress is the system administrator's address, which sends
	// jeeves's mail unless From is set.
	AdminAddress string `json:"adminAddress"`
	// From, when set, sends mail instead of AdminAddress.
	From string `json:"from"`
	// ReplyTo are addresses mail asks replies to go to.
	ReplyTo string `json:"replyTo"`
	// DefaultSuffix ("@example.com") completes recipients without '@'.
	DefaultSuffix string `json:"defaultSuffix"`
}

// MailKey is the settings-table row the mail settings live in, apart
// from the system settings (Key), which the Manage page saves whole.
const MailKey = "mail"

// MailService holds the current mail settings, as Service holds the
// system settings.
type MailService struct {
	store store.Settings
	mu    sync.RWMutex
	m     Mail
}

// LoadMail reads the stored mail settings over defaults (what the flags
// say); nothing stored keeps the defaults.
func LoadMail(ctx context.Context, st store.Settings, defaults Mail) (*MailService, error) {
	s := &MailService{store: st, m: defaults}
	raw, ok, err := st.Setting(ctx, MailKey)
	if err != nil {
		return nil, err
	}
	if ok {
		m := defaults
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			return nil, fmt.Errorf("settings: stored %q is not valid: %w", MailKey, err)
		}
		if err := m.Validate(); err != nil {
			return nil, fmt.Errorf("settings: stored mail settings: %w", err)
		}
		s.m = m
	}
	return s, nil
}

// Get returns the current mail settings.
func (s *MailService) Get() Mail {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.m
}

// Set validates, stores and applies m (the Manage page's mail form).
func (s *MailService) Set(ctx context.Context, m Mail) error {
	if err := m.Validate(); err != nil {
		return err
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.store.SetSetting(ctx, MailKey, string(raw)); err != nil {
		return err
	}
	s.m = m
	return nil
}

// Override replaces settings for this run only, without storing them:
// mail flags given explicitly win over what was saved (MailFlags.Apply).
func (s *MailService) Override(fn func(*Mail) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.m
	if err := fn(&m); err != nil {
		return err
	}
	if err := m.Validate(); err != nil {
		return err
	}
	s.m = m
	return nil
}

// MaxMailField bounds each text of the mail settings, in bytes.
const MaxMailField = 1024

// Security modes of Mail.
const (
	SecurityNone     = "none"
	SecurityStartTLS = "starttls"
	SecuritySSL      = "ssl"
)

// Sender is the address jeeves's mail comes from: From, else the
// administrator's address.
func (m Mail) Sender() string {
	if strings.TrimSpace(m.From) != "" {
		return m.From
	}
	return m.AdminAddress
}

// Validate checks m and normalises it, naming the settings form's
// fields (mail.smtpHost…) in its errors.
func (m *Mail) Validate() error {
	m.Security = strings.ToLower(strings.TrimSpace(m.Security))
	for _, f := range []struct {
		field, what string
		v           *string
	}{
		{"mail.smtpHost", "the SMTP server", &m.SMTPHost},
		{"mail.credentialsId", "the SMTP credentials", &m.CredentialsID},
		{"mail.adminAddress", "the administrator's address", &m.AdminAddress},
		{"mail.from", "the sender's address", &m.From},
		{"mail.replyTo", "the reply-to addresses", &m.ReplyTo},
		{"mail.defaultSuffix", "the default e-mail suffix", &m.DefaultSuffix},
	} {
		*f.v = strings.TrimSpace(*f.v)
		if err := limits.Check(f.what, *f.v, MaxMailField); err != nil {
			return usererr.Wrap(ErrInvalid, err).In(f.field)
		}
		if strings.ContainsAny(*f.v, "\r\n\x00") {
			return usererr.New(ErrInvalid, "The "+strings.TrimPrefix(f.what, "the ")+" must be one line").In(f.field)
		}
	}
	if strings.ContainsAny(m.SMTPHost, " /\\@") {
		return usererr.New(ErrInvalid, "The SMTP server must be a host name or an IP address").In("mail.smtpHost")
	}
	if m.SMTPPort < 0 || m.SMTPPort > 65535 {
		return usererr.New(ErrInvalid, "The SMTP port must be between 1 and 65535, or empty for the default").In("mail.smtpPort")
	}
	switch m.Security {
	case "", SecurityNone, SecurityStartTLS, SecuritySSL:
	default:
		return usererr.New(ErrInvalid, `The SMTP security must be "none", "starttls" or "ssl"`).In("mail.security")
	}
	for _, a := range []struct{ field, v string }{{"mail.adminAddress", m.AdminAddress}, {"mail.from", m.From}} {
		if a.v != "" {
			if _, err := mail.ParseAddress(a.v); err != nil {
				return usererr.New(ErrInvalid, "Not an e-mail address: "+a.v).In(a.field)
			}
		}
	}
	return nil
}

// MailFlags are serve's flags (and environment variables) for
// provisioning the mail settings without a browser.
type MailFlags struct {
	host, port, security, creds, admin, from, replyTo, suffix string
}

// The mail flags and their environment variables.
var mailFlagEnv = map[string]string{
	"smtp-host":           "JEEVES_SMTP_HOST",
	"smtp-port":           "JEEVES_SMTP_PORT",
	"smtp-security":       "JEEVES_SMTP_SECURITY",
	"smtp-credentials":    "JEEVES_SMTP_CREDENTIALS",
	"admin-address":       "JEEVES_ADMIN_ADDRESS",
	"mail-from":           "JEEVES_MAIL_FROM",
	"mail-reply-to":       "JEEVES_MAIL_REPLY_TO",
	"mail-default-suffix": "JEEVES_MAIL_DEFAULT_SUFFIX",
}

// RegisterMailFlags defines the mail flags on fs, each defaulting to its
// environment variable as getenv gives it.
func RegisterMailFlags(fs *flag.FlagSet, getenv func(string) string) *MailFlags {
	f := &MailFlags{}
	def := func(name string) string { return getenv(mailFlagEnv[name]) }
	fs.StringVar(&f.host, "smtp-host", def("smtp-host"), "SMTP server jeeves sends mail through; none: no mail (env JEEVES_SMTP_HOST)")
	fs.StringVar(&f.port, "smtp-port", def("smtp-port"), "SMTP port; default 465 with ssl, 587 with starttls, else 25 (env JEEVES_SMTP_PORT)")
	fs.StringVar(&f.security, "smtp-security", def("smtp-security"), "none, starttls (required) or ssl (TLS from the start) (env JEEVES_SMTP_SECURITY)")
	fs.StringVar(&f.creds, "smtp-credentials", def("smtp-credentials"), "id of a username-with-password credential to authenticate to the SMTP server with (env JEEVES_SMTP_CREDENTIALS)")
	fs.StringVar(&f.admin, "admin-address", def("admin-address"), "the system administrator's e-mail address, which sends jeeves's mail (env JEEVES_ADMIN_ADDRESS)")
	fs.StringVar(&f.from, "mail-from", def("mail-from"), "the sender of jeeves's mail, instead of the administrator's address (env JEEVES_MAIL_FROM)")
	fs.StringVar(&f.replyTo, "mail-reply-to", def("mail-reply-to"), "addresses replies to jeeves's mail go to (env JEEVES_MAIL_REPLY_TO)")
	fs.StringVar(&f.suffix, "mail-default-suffix", def("mail-default-suffix"), "suffix such as @example.com that completes recipients without one (env JEEVES_MAIL_DEFAULT_SUFFIX)")
	return f
}

// Explicit names the mail flags given on the command line (as fs
// parsed it) or in the environment: they win over the saved settings
// for this run, as the other settings' flags do.
func (f *MailFlags) Explicit(fs *flag.FlagSet, getenv func(string) string) map[string]bool {
	out := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) {
		if _, ok := mailFlagEnv[fl.Name]; ok {
			out[fl.Name] = true
		}
	})
	for name, env := range mailFlagEnv {
		if getenv(env) != "" {
			out[name] = true
		}
	}
	return out
}

// Apply sets in m the settings explicit names, from the flags, and
// checks the result.
func (f *MailFlags) Apply(m *Mail, explicit map[string]bool) error {
	set := func(name string, dst *string, v string) {
		if explicit[name] {
			*dst = v
		}
	}
	set("smtp-host", &m.SMTPHost, f.host)
	set("smtp-security", &m.Security, f.security)
	set("smtp-credentials", &m.CredentialsID, f.creds)
	set("admin-address", &m.AdminAddress, f.admin)
	set("mail-from", &m.From, f.from)
	set("mail-reply-to", &m.ReplyTo, f.replyTo)
	set("mail-default-suffix", &m.DefaultSuffix, f.suffix)
	if explicit["smtp-port"] {
		m.SMTPPort = 0
		if strings.TrimSpace(f.port) != "" {
			p, err := strconv.Atoi(strings.TrimSpace(f.port))
			if err != nil {
				return usererr.New(ErrInvalid, "--smtp-port: want a port number, got "+strconv.Quote(f.port)).In("mail.smtpPort")
			}
			m.SMTPPort = p
		}
	}
	return m.Validate()
}
