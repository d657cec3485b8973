package settings

import (
	"context"
	"errors"
	"flag"
	"io"
	"strings"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/store/sqlite"
	"github.com/jeeves-ci/jeeves/internal/usererr"
)

func TestMailValidate(t *testing.T) {
	for _, c := range []struct {
		name  string
		m     Mail
		field string
	}{
		{"no mail settings are valid", Mail{}, ""},
		{"a whole configuration is valid", Mail{SMTPHost: "smtp.example.com", SMTPPort: 587, Security: "STARTTLS", CredentialsID: "smtp", AdminAddress: "Jenkins <ci@example.com>", ReplyTo: "dev@example.com", DefaultSuffix: "@example.com"}, ""},
		{"a port out of range is refused", Mail{SMTPPort: 70000}, "mail.smtpPort"},
		{"an unknown security mode is refused", Mail{Security: "tls1.3"}, "mail.security"},
		{"a host with a path is refused", Mail{SMTPHost: "smtp.example.com/x"}, "mail.smtpHost"},
		{"an administrator address that is none is refused", Mail{AdminAddress: "not an address"}, "mail.adminAddress"},
		{"a header injection in the sender is refused", Mail{From: "a@example.com\r\nBcc: victim@example.com"}, "mail.from"},
		{"an overlong reply-to is refused", Mail{ReplyTo: strings.Repeat("a", MaxMailField+1)}, "mail.replyTo"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.m.Validate()
			switch {
			case c.field == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.field != "" && (usererr.Field(err) != c.field || !errors.Is(err, ErrInvalid)):
				t.Fatalf("error %v, want one about %s", err, c.field)
			}
		})
	}
	if (Mail{AdminAddress: "a@x", From: "b@x"}).Sender() != "b@x" || (Mail{AdminAddress: "a@x"}).Sender() != "a@x" {
		t.Error("the sender is From, else the administrator's address")
	}
}

func TestMailFlags(t *testing.T) {
	env := map[string]string{"JEEVES_SMTP_HOST": "smtp.env", "JEEVES_SMTP_SECURITY": "ssl"}
	getenv := func(k string) string { return env[k] }
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	mf := RegisterMailFlags(fs, getenv)
	if err := fs.Parse([]string{"--smtp-port", "2525", "--admin-address", "ci@example.com"}); err != nil {
		t.Fatal(err)
	}
	explicit := mf.Explicit(fs, getenv)
	saved := Mail{SMTPHost: "smtp.saved", CredentialsID: "saved-creds", ReplyTo: "saved@example.com"}
	t.Run("flags and environment variables given win over saved settings, the rest stays", func(t *testing.T) {
		m := saved
		if err := mf.Apply(&m, explicit); err != nil {
			t.Fatal(err)
		}
		want := Mail{SMTPHost: "smtp.env", SMTPPort: 2525, Security: "ssl", CredentialsID: "saved-creds", AdminAddress: "ci@example.com", ReplyTo: "saved@example.com"}
		if m != want {
			t.Fatalf("%+v, want %+v", m, want)
		}
	})
	t.Run("a port that is no number is refused", func(t *testing.T) {
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		mf := RegisterMailFlags(fs, func(string) string { return "" })
		fs.Parse([]string{"--smtp-port", "smtp"})
		m := Mail{}
		if err := mf.Apply(&m, mf.Explicit(fs, func(string) string { return "" })); !errors.Is(err, ErrInvalid) {
			t.Fatalf("%v", err)
		}
	})
}

func TestMailSettingsAreKeptApart(t *testing.T) {
	ctx := context.Background()
	home := t.TempDir()
	st, err := sqlite.Open(home)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	defaults := Mail{SMTPHost: "smtp.flag"}
	ms, err := LoadMail(ctx, st, defaults)
	if err != nil || ms.Get() != defaults {
		t.Fatalf("%+v %v", ms.Get(), err)
	}
	saved := Mail{SMTPHost: "smtp.example.com", SMTPPort: 587, Security: SecurityStartTLS, CredentialsID: "smtp", AdminAddress: "ci@example.com"}
	if err := ms.Set(ctx, saved); err != nil {
		t.Fatal(err)
	}
	t.Run("saving the system settings leaves the mail settings", func(t *testing.T) {
		sys, err := Load(ctx, st, Values{Executors: 2})
		if err != nil {
			t.Fatal(err)
		}
		if err := sys.Set(ctx, Values{Executors: 3}); err != nil {
			t.Fatal(err)
		}
		again, err := LoadMail(ctx, st, defaults)
		if err != nil || again.Get() != saved {
			t.Fatalf("%+v %v", again.Get(), err)
		}
	})
	t.Run("invalid settings are refused and nothing is stored", func(t *testing.T) {
		if err := ms.Set(ctx, Mail{SMTPPort: -1}); !errors.Is(err, ErrInvalid) {
			t.Fatalf("%v", err)
		}
		if again, _ := LoadMail(ctx, st, defaults); again.Get() != saved {
			t.Fatalf("%+v", again.Get())
		}
	})
	t.Run("an override lasts for this run only", func(t *testing.T) {
		if err := ms.Override(func(m *Mail) error { m.SMTPHost = "smtp.override"; return nil }); err != nil {
			t.Fatal(err)
		}
		if ms.Get().SMTPHost != "smtp.override" {
			t.Fatalf("%+v", ms.Get())
		}
		if again, _ := LoadMail(ctx, st, defaults); again.Get() != saved {
			t.Fatalf("%+v", again.Get())
		}
	})
}
