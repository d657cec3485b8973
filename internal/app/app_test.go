package app

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/settings"
	"golang.org/x/crypto/bcrypt"
)

func TestNewBuildsAServerOnAHome(t *testing.T) {
	ctx := context.Background()
	home := t.TempDir()
	opt := Options{Home: home, Executors: 2, QuietPeriod: 5 * time.Second, CSRF: true, BcryptCost: bcrypt.MinCost}
	a, err := New(ctx, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("a home without users gets an admin with a generated password, kept in secrets", func(t *testing.T) {
		path := filepath.Join(home, "secrets", "initialAdminPassword")
		b, err := os.ReadFile(path)
		if err != nil || a.InitialAdminPassword == "" || strings.TrimSpace(string(b)) != a.InitialAdminPassword {
			t.Fatalf("%q %q %v", a.InitialAdminPassword, b, err)
		}
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("mode %v %v", fi.Mode(), err)
		}
		if _, err := a.Auth.Password(ctx, "test", "admin", a.InitialAdminPassword, "127.0.0.1"); err != nil {
			t.Fatalf("the generated password does not sign in: %v", err)
		}
	})
	t.Run("every part is built", func(t *testing.T) {
		if a.Store == nil || a.Jobs == nil || a.Farm == nil || a.Timer == nil || a.API == nil || a.UI == nil || a.Server == nil || a.Handler() == nil ||
			a.Mail == nil || a.Creds == nil || a.Outputs == nil {
			t.Fatalf("%+v", a)
		}
	})
	saved := a.Settings.Get()
	saved.Executors, saved.QuietPeriod = 4, time.Second
	if err := a.Settings.Set(ctx, saved); err != nil {
		t.Fatal(err)
	}
	if err := a.Mail.Set(ctx, settings.Mail{SMTPHost: "saved.example.com", AdminAddress: "saved@example.com"}); err != nil {
		t.Fatal(err)
	}
	a.Close(0)

	t.Run("reopened, the home keeps its admin and what an admin saved wins over the defaults", func(t *testing.T) {
		again, err := New(ctx, opt)
		if err != nil {
			t.Fatal(err)
		}
		defer again.Close(0)
		if again.InitialAdminPassword != "" {
			t.Fatal("a second admin password was generated")
		}
		if v := again.Settings.Get(); v.Executors != 4 || v.QuietPeriod != time.Second {
			t.Fatalf("settings %+v", v)
		}
	})
	t.Run("a setting given explicitly wins over the saved one for the run", func(t *testing.T) {
		explicit := opt
		explicit.Explicit = map[string]bool{"executors": true}
		again, err := New(ctx, explicit)
		if err != nil {
			t.Fatal(err)
		}
		defer again.Close(0)
		if v := again.Settings.Get(); v.Executors != 2 || v.QuietPeriod != time.Second {
			t.Fatalf("settings %+v", v)
		}
	})
	t.Run("the saved mail settings are read back, and a mail flag given explicitly wins over its saved value", func(t *testing.T) {
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		mf := settings.RegisterMailFlags(fs, func(string) string { return "" })
		if err := fs.Parse([]string{"--smtp-host", "flag.example.com"}); err != nil {
			t.Fatal(err)
		}
		withFlags := opt
		withFlags.MailFlags, withFlags.MailExplicit = mf, mf.Explicit(fs, func(string) string { return "" })
		again, err := New(ctx, withFlags)
		if err != nil {
			t.Fatal(err)
		}
		defer again.Close(0)
		if m := again.Mail.Get(); m.SMTPHost != "flag.example.com" || m.AdminAddress != "saved@example.com" {
			t.Fatalf("mail settings %+v", m)
		}
	})
}

func TestNewFailsWithTheReasonAndLeavesNothingOpen(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if a, err := New(context.Background(), Options{Home: file}); err == nil || a != nil {
		t.Fatalf("a home that is a file: %v %v", a, err)
	}
}
