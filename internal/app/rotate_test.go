package app

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/audit"
	"github.com/jeeves-ci/jeeves/internal/credstore"
	"golang.org/x/crypto/bcrypt"
)

// TestRotateKey: the key is replaced on a home no jeeves serves, the
// credentials open afterwards with the new key only, and a home a
// jeeves serves is refused.
func TestRotateKey(t *testing.T) {
	ctx := context.Background()
	home := t.TempDir()
	opt := Options{Home: home, AdminPassword: "pw", BcryptCost: bcrypt.MinCost}
	a, err := New(ctx, opt)
	if err != nil {
		t.Fatal(err)
	}
	const body = `<org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl><id>t</id><secret>rotated-secret</secret></org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl>`
	if _, err := a.Creds.CreateXML(ctx, credstore.Actor{User: "admin"}, []byte(body)); err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(home, "secrets", "jeeves.key")
	before, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("a home a jeeves serves is refused, and nothing changes", func(t *testing.T) {
		if _, err := RotateKey(ctx, home, opt.Audit); !errors.Is(err, ErrHomeInUse) {
			t.Fatalf("%v", err)
		}
		if _, err := New(ctx, opt); !errors.Is(err, ErrHomeInUse) {
			t.Fatalf("a second server on the home: %v", err)
		}
		if after, _ := os.ReadFile(keyFile); string(after) != string(before) {
			t.Fatal("the key file changed")
		}
	})
	a.Close(0)
	t.Run("once it is stopped, the key is replaced and every credential sealed again", func(t *testing.T) {
		rot, err := RotateKey(ctx, home, opt.Audit)
		if err != nil {
			t.Fatal(err)
		}
		if rot.Key != 2 || rot.Resealed != 1 || len(rot.Retired) != 1 || rot.Retired[0] != 1 {
			t.Fatalf("%+v", rot)
		}
		after, _ := os.ReadFile(keyFile)
		if strings.Contains(string(after), "key 1 ") || !strings.Contains(string(after), "current 2") {
			t.Fatalf("the key file:\n%s", after)
		}
	})
	t.Run("restarted, jeeves opens the credential with the new key, and the rotation is audited", func(t *testing.T) {
		a, err := New(ctx, opt)
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close(0)
		c, err := a.Creds.ResolveForJeeves(ctx, "t", "the test")
		if err != nil || c.Secret.Reveal() != "rotated-secret" {
			t.Fatalf("%v", err)
		}
		entries, _, err := a.Audit.Find(audit.Query{Action: "credentials.rotate-key"})
		if err != nil || len(entries) != 1 || entries[0].User != "SYSTEM" || entries[0].Auth != "cli" {
			t.Fatalf("%v %+v", err, entries)
		}
	})
}
