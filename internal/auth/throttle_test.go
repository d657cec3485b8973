package auth

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/store"
)

// clock is a settable time source.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func throttled(t *testing.T, err error) *ThrottledError {
	t.Helper()
	var te *ThrottledError
	if !errors.As(err, &te) {
		t.Fatalf("err = %v, want a *ThrottledError", err)
	}
	return te
}

func TestThrottle(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newService(t)
	if _, err := s.CreateUser(ctx, "alice", "right", "", "", false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateUser(ctx, "bob", "bobs", "", "", false); err != nil {
		t.Fatal(err)
	}
	value, _, err := s.GenerateToken(ctx, "alice", "ci", TokenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	s.throttle = newThrottle(ThrottlePolicy{UserFailures: 3, AddrFailures: 6, Base: time.Second, Max: 8 * time.Second, Window: time.Hour}, c.now)
	const addr = "198.51.100.7"

	t.Run("the free failures answer bad credentials", func(t *testing.T) {
		for i := 0; i < 3; i++ {
			if _, err := s.Basic(ctx, "alice", "wrong", addr); !errors.Is(err, ErrBadCredentials) {
				t.Fatalf("attempt %d: %v", i+1, err)
			}
		}
	})
	t.Run("one failure past them makes the next attempt wait, even with the right password", func(t *testing.T) {
		if _, err := s.Basic(ctx, "alice", "wrong", addr); !errors.Is(err, ErrBadCredentials) {
			t.Fatal(err)
		}
		if te := throttled(t, mustFail(s.Basic(ctx, "alice", "right", addr))); te.Seconds() != 1 {
			t.Fatalf("retry after %v", te.RetryAfter)
		}
	})
	t.Run("an API token is never throttled", func(t *testing.T) {
		if id, err := s.Basic(ctx, "alice", value, addr); err != nil || id.Method != Token {
			t.Fatalf("%v %v", id, err)
		}
	})
	t.Run("another address is not affected", func(t *testing.T) {
		if _, err := s.Basic(ctx, "alice", "right", "203.0.113.9"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("waits double after each failure, up to the maximum", func(t *testing.T) {
		var got []int
		for i := 0; i < 5; i++ {
			c.advance(time.Minute)
			if _, err := s.Basic(ctx, "alice", "wrong", addr); !errors.Is(err, ErrBadCredentials) {
				t.Fatal(err)
			}
			got = append(got, throttled(t, mustFail(s.Basic(ctx, "alice", "right", addr))).Seconds())
		}
		if fmt.Sprint(got) != "[2 4 8 8 8]" {
			t.Fatalf("waits = %v", got)
		}
	})
	t.Run("the address count throttles every user from there", func(t *testing.T) {
		// alice's failures already passed the address's allowance of 6.
		c.advance(time.Minute)
		if _, err := s.Basic(ctx, "bob", "wrong", addr); !errors.Is(err, ErrBadCredentials) {
			t.Fatal(err)
		}
		throttled(t, mustFail(s.Basic(ctx, "bob", "bobs", addr)))
	})
	t.Run("after the wait the right password works and clears the user count", func(t *testing.T) {
		c.advance(time.Minute)
		if _, err := s.Basic(ctx, "alice", "right", addr); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Login(ctx, "bob", "bobs", addr); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a quiet window forgets everything", func(t *testing.T) {
		c.advance(2 * time.Hour)
		for i := 0; i < 3; i++ {
			if _, err := s.Basic(ctx, "alice", "wrong", addr); !errors.Is(err, ErrBadCredentials) {
				t.Fatalf("attempt %d: %v", i+1, err)
			}
		}
		if _, err := s.Basic(ctx, "alice", "right", addr); err != nil {
			t.Fatal(err)
		}
	})
}

func mustFail(_ Identity, err error) error { return err }

func TestThrottleMemoryIsBounded(t *testing.T) {
	c := &clock{t: time.Now()}
	th := newThrottle(ThrottlePolicy{UserFailures: 1, AddrFailures: 1, Base: time.Second, Max: time.Minute, Window: time.Hour}, c.now)
	for i := 0; i < maxThrottleKeys+10; i++ {
		c.advance(time.Millisecond)
		th.failed(fmt.Sprintf("user%d", i), "192.0.2.1")
	}
	if n := len(th.keys); n > maxThrottleKeys {
		t.Fatalf("%d keys", n)
	}
}

// BenchmarkThrottledAttempt is what a refused guess costs: no bcrypt.
func BenchmarkThrottledAttempt(b *testing.B) {
	ctx := context.Background()
	home := b.TempDir()
	s, st := benchService(b, home)
	defer st.Close()
	s.CreateUser(ctx, "alice", "right", "", "", false)
	for i := 0; i < 30; i++ {
		s.Basic(ctx, "alice", "wrong", "192.0.2.1")
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.Basic(ctx, "alice", "wrong", "192.0.2.1"); err == nil {
			b.Fatal("accepted")
		}
	}
}

func benchService(b *testing.B, home string) (*Service, *store.Store) {
	st, err := store.Open(home)
	if err != nil {
		b.Fatal(err)
	}
	s, err := New(st, home+"/secrets")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.Close)
	return s, st
}
