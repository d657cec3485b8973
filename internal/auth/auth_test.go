package auth

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/store/sqlite"
	"golang.org/x/crypto/bcrypt"
)

// newService opens a real store in a temp home, hashing passwords at
// bcrypt's lowest cost.
func newService(t *testing.T) (*Service, *sqlite.Store, string) {
	t.Helper()
	home := t.TempDir()
	st, err := sqlite.Open(home)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s, err := New(st, filepath.Join(home, "secrets"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	if err := s.SetBcryptCost(bcrypt.MinCost); err != nil {
		t.Fatal(err)
	}
	return s, st, home
}

func TestTokens(t *testing.T) {
	ctx := context.Background()
	s, st, home := newService(t)
	if _, err := s.CreateUser(ctx, "alice", "pw-alice", "Alice", "", false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateUser(ctx, "bob", "pw-bob", "", "", false); err != nil {
		t.Fatal(err)
	}
	value, tok, err := s.GenerateToken(ctx, "alice", "ci", TokenOptions{})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("a new token is 11 and 32 lowercase hex characters", func(t *testing.T) {
		if !regexp.MustCompile(`^11[0-9a-f]{32}$`).MatchString(value) {
			t.Fatalf("token %q", value)
		}
	})
	t.Run("only the hash of the secret part is stored", func(t *testing.T) {
		if tok.Hash != TokenHash(value) || strings.Contains(tok.Hash, value[2:]) {
			t.Fatalf("hash %q", tok.Hash)
		}
		db, err := os.ReadFile(filepath.Join(home, "jeeves.db"))
		if err != nil {
			t.Fatal(err)
		}
		wal, _ := os.ReadFile(filepath.Join(home, "jeeves.db-wal"))
		if strings.Contains(string(db)+string(wal), value[2:]) {
			t.Fatal("the token's value is in the database")
		}
	})
	t.Run("the token authenticates its owner", func(t *testing.T) {
		id, err := s.Basic(ctx, "alice", value, "192.0.2.1")
		if err != nil || id.Method != Token || id.User.ID != "alice" || id.TokenUUID != tok.UUID {
			t.Fatalf("%+v %v", id, err)
		}
	})
	t.Run("the user name is matched without case", func(t *testing.T) {
		if _, err := s.Basic(ctx, "ALICE", value, "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("the token does not authenticate another user", func(t *testing.T) {
		if _, err := s.Basic(ctx, "bob", value, "192.0.2.1"); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("a token with one character changed fails", func(t *testing.T) {
		bad := value[:33] + string("0123456789abcdef"[(strings.IndexByte("0123456789abcdef", value[33])+1)%16])
		if _, err := s.Basic(ctx, "alice", bad, "192.0.2.1"); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("uses are counted and saved", func(t *testing.T) {
		s.flushUses()
		ts, err := st.Tokens(ctx, "alice")
		if err != nil || len(ts) != 1 || ts[0].UseCount != 2 || ts[0].LastUse.IsZero() {
			t.Fatalf("%+v %v", ts, err)
		}
	})
	t.Run("a revoked token no longer authenticates", func(t *testing.T) {
		if err := s.RevokeToken(ctx, "alice", tok.UUID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Basic(ctx, "alice", value, "192.0.2.1"); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("a fixed token must have Jenkins's format", func(t *testing.T) {
		if _, err := s.AddFixedToken(ctx, "alice", "x", "1234abcd5678efgh", TokenOptions{}); !errors.Is(err, ErrInvalid) {
			t.Fatalf("err %v", err)
		}
		if _, err := s.AddFixedToken(ctx, "alice", "x", "11"+strings.Repeat("ab", 16), TokenOptions{}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestPasswords(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newService(t)
	if _, err := s.CreateUser(ctx, "carol", "first", "", "", false); err != nil {
		t.Fatal(err)
	}
	t.Run("the right password authenticates and is remembered", func(t *testing.T) {
		if _, err := s.checkPassword(ctx, "carol", "first"); err != nil {
			t.Fatal(err)
		}
		if len(s.verified) != 1 {
			t.Fatalf("verified cache has %d entries", len(s.verified))
		}
		if _, err := s.checkPassword(ctx, "carol", "first"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a wrong password fails even after a right one was remembered", func(t *testing.T) {
		if _, err := s.checkPassword(ctx, "carol", "firsT"); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("a changed password ends the remembered one", func(t *testing.T) {
		if err := s.SetPassword(ctx, "carol", "second"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.checkPassword(ctx, "carol", "first"); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("old password: %v", err)
		}
		if _, err := s.checkPassword(ctx, "carol", "second"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("user names follow Jenkins's rule", func(t *testing.T) {
		for _, bad := range []string{"", "a b", "../x", "a/b", strings.Repeat("x", 65)} {
			if _, err := s.CreateUser(ctx, bad, "pw", "", "", false); !errors.Is(err, ErrInvalid) {
				t.Errorf("%q: err %v", bad, err)
			}
		}
	})
	t.Run("the first admin is made once", func(t *testing.T) {
		s2, _, _ := newService(t)
		pw, err := s2.EnsureAdmin(ctx, "")
		if err != nil || len(pw) != 32 {
			t.Fatalf("%q %v", pw, err)
		}
		if _, err := s2.checkPassword(ctx, "admin", pw); err != nil {
			t.Fatal(err)
		}
		if again, err := s2.EnsureAdmin(ctx, ""); err != nil || again != "" {
			t.Fatalf("second EnsureAdmin: %q %v", again, err)
		}
	})
}

func TestCrumbs(t *testing.T) {
	ctx := context.Background()
	s, _, home := newService(t)
	u, err := s.CreateUser(ctx, "dave", "pw", "", "", false)
	if err != nil {
		t.Fatal(err)
	}
	other := &model.User{ID: "erin", PasswordHash: u.PasswordHash}
	basic := Identity{User: u, Method: Password}
	sess1, err := s.Login(ctx, "dave", "pw", "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	sess2, err := s.Login(ctx, "dave", "pw", "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name  string
		made  Identity
		used  Identity
		valid bool
	}{
		{"a password user's crumb fits their next password request", basic, Identity{User: u, Method: Password}, true},
		{"a token user's crumb fits their password requests too", Identity{User: u, Method: Token}, basic, true},
		{"a crumb does not fit another user", basic, Identity{User: other, Method: Password}, false},
		{"a session's crumb fits that session", sess1, sess1, true},
		{"a session's crumb does not fit another session of the same user", sess1, sess2, false},
		{"a password crumb does not fit a session", basic, sess1, false},
		{"an anonymous crumb does not fit a user", Identity{}, basic, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := s.ValidCrumb(c.used, s.Crumb(c.made)); got != c.valid {
				t.Fatalf("valid = %v, want %v", got, c.valid)
			}
		})
	}
	t.Run("a crumb is 64 hex characters and stable", func(t *testing.T) {
		c := s.Crumb(basic)
		if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(c) || c != s.Crumb(basic) {
			t.Fatalf("crumb %q", c)
		}
	})
	t.Run("a password change ends a password user's crumbs", func(t *testing.T) {
		old := s.Crumb(basic)
		if err := s.SetPassword(ctx, "dave", "new"); err != nil {
			t.Fatal(err)
		}
		u2, err := s.checkPassword(ctx, "dave", "new")
		if err != nil {
			t.Fatal(err)
		}
		if s.ValidCrumb(Identity{User: u2, Method: Password}, old) {
			t.Fatal("old crumb still valid")
		}
	})
	t.Run("crumbs survive a restart: the key is kept in the home", func(t *testing.T) {
		st2, err := sqlite.Open(home)
		if err != nil {
			t.Fatal(err)
		}
		defer st2.Close()
		s2, err := New(st2, filepath.Join(home, "secrets"))
		if err != nil {
			t.Fatal(err)
		}
		defer s2.Close()
		if s2.Crumb(basic) != s.Crumb(basic) {
			t.Fatal("crumb changed across restart")
		}
		fi, err := os.Stat(filepath.Join(home, "secrets", "crumb.key"))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("crumb.key: %v %v", fi, err)
		}
	})
	t.Run("a wrong-length crumb is refused", func(t *testing.T) {
		if s.ValidCrumb(basic, "") || s.ValidCrumb(basic, s.Crumb(basic)[:63]) {
			t.Fatal("accepted")
		}
	})
}

func TestTheTimingEqualiserCostsWhatARealPasswordCosts(t *testing.T) {
	cost, err := bcrypt.Cost([]byte(dummyHash))
	if err != nil || cost != BcryptCost {
		t.Fatalf("dummy hash cost %d (%v), want %d", cost, err, BcryptCost)
	}
}

func TestBcryptCostIsASetting(t *testing.T) {
	ctx := context.Background()
	home := t.TempDir()
	st, err := sqlite.Open(home)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s, err := New(st, filepath.Join(home, "secrets"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cost := func(t *testing.T, id string) int {
		t.Helper()
		u, err := st.User(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		c, err := bcrypt.Cost([]byte(u.PasswordHash))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if _, err := s.CreateUser(ctx, "first", "pw-first", "", "", false); err != nil {
		t.Fatal(err)
	}
	t.Run("by default a password is hashed at BcryptCost", func(t *testing.T) {
		if c := cost(t, "first"); c != BcryptCost {
			t.Fatalf("cost %d, want %d", c, BcryptCost)
		}
	})
	t.Run("a cost out of bcrypt's range is refused", func(t *testing.T) {
		for _, c := range []int{bcrypt.MinCost - 1, bcrypt.MaxCost + 1} {
			if err := s.SetBcryptCost(c); err == nil {
				t.Errorf("cost %d accepted", c)
			}
		}
	})
	if err := s.SetBcryptCost(bcrypt.MinCost); err != nil {
		t.Fatal(err)
	}
	t.Run("once lowered, new passwords are hashed at the new cost", func(t *testing.T) {
		if _, err := s.CreateUser(ctx, "second", "pw-second", "", "", false); err != nil {
			t.Fatal(err)
		}
		if c := cost(t, "second"); c != bcrypt.MinCost {
			t.Fatalf("cost %d", c)
		}
	})
	t.Run("a hash made at the old cost is still checked", func(t *testing.T) {
		if _, err := s.checkPassword(ctx, "first", "pw-first"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("an unknown user's check costs the new cost too", func(t *testing.T) {
		if c, err := bcrypt.Cost([]byte(s.dummyHash)); err != nil || c != bcrypt.MinCost {
			t.Fatalf("dummy cost %d (%v)", c, err)
		}
	})
}
