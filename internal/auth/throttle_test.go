package auth

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/store/sqlite"
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

// TestThrottleStateIsBoundedInBytes: what the throttle keeps per key
// does not grow with the names attackers send (420 failures with 700 KB
// names from 20 addresses once kept some 300 MB).
func TestThrottleStateIsBoundedInBytes(t *testing.T) {
	c := &clock{t: time.Now()}
	th := newThrottle(DefaultThrottle, c.now)
	t.Run("keys are fixed-size hashes, not the names", func(t *testing.T) {
		if k := reflect.TypeOf(th.keys).Key(); k.Kind() != reflect.Array || k.Size() > 32 {
			t.Fatalf("the throttle is keyed by %v", k)
		}
	})
	t.Run("420 failures with 700 KB names retain under 1 MB", func(t *testing.T) {
		huge := strings.Repeat("u", 700<<10)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for a := 0; a < 20; a++ {
			for i := 0; i < 21; i++ {
				c.advance(time.Millisecond)
				th.failed(huge+strconv.Itoa(a*100+i), fmt.Sprintf("198.51.100.%d", a))
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		if kept := int64(after.HeapAlloc) - int64(before.HeapAlloc); kept > 1<<20 {
			t.Fatalf("the throttle retains %d bytes for %d keys", kept, len(th.keys))
		}
		runtime.KeepAlive(th)
	})
}

// TestThrottleForgetsIdleKeysByTime: counts and remembered logins leave
// memory once their time is up, with no table anywhere near full.
func TestThrottleForgetsIdleKeysByTime(t *testing.T) {
	c := &clock{t: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	th := newThrottle(ThrottlePolicy{UserFailures: 1, AddrFailures: 1, AccountFailures: 1, Base: time.Second, Max: time.Minute, Window: time.Hour, Remember: 24 * time.Hour}, c.now)
	for i := 0; i < 100; i++ {
		th.failed(fmt.Sprintf("user%d", i), fmt.Sprintf("192.0.2.%d", i))
	}
	th.succeeded("alice", "192.0.2.200")
	t.Run("counts are kept within their window", func(t *testing.T) {
		c.advance(30 * time.Minute)
		th.check("anyone", "203.0.113.1")
		if len(th.keys) != 300 {
			t.Fatalf("%d keys", len(th.keys))
		}
	})
	t.Run("counts idle past the window are dropped", func(t *testing.T) {
		c.advance(2 * time.Hour)
		th.check("anyone", "203.0.113.1")
		if len(th.keys) != 0 {
			t.Fatalf("%d keys left", len(th.keys))
		}
		if len(th.known) != 1 {
			t.Fatalf("%d remembered logins, want alice's", len(th.known))
		}
	})
	t.Run("a remembered login is dropped after Remember", func(t *testing.T) {
		c.advance(25 * time.Hour)
		th.check("anyone", "203.0.113.1")
		if len(th.known) != 0 {
			t.Fatalf("%d remembered logins left", len(th.known))
		}
	})
}

// TestThrottleSparesTheInnocent: guessing behind a shared address, or at
// one account from many addresses, is slowed without locking out other
// users there, or the account's owner where they log in.
func TestThrottleSparesTheInnocent(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newService(t)
	for _, u := range []string{"alice", "bob", "dave"} {
		if _, err := s.CreateUser(ctx, u, u+"-pw", "", "", false); err != nil {
			t.Fatal(err)
		}
	}
	token, _, err := s.GenerateToken(ctx, "alice", "ci", TokenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	s.throttle = newThrottle(ThrottlePolicy{UserFailures: 3, AddrFailures: 6, AccountFailures: 10,
		Base: time.Minute, Max: 15 * time.Minute, Window: time.Hour, Remember: 24 * time.Hour}, c.now)
	const shared = "192.0.2.1" // a NAT, or a proxy not configured as trusted
	var reports []PasswordFailure
	s.OnPasswordFailure(func(f PasswordFailure) { reports = append(reports, f) })
	for _, u := range []string{"alice", "bob"} {
		if _, err := s.Password(ctx, "login form", u, u+"-pw", shared); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("guessing from a shared address throttles the guessed account there", func(t *testing.T) {
		for i := 0; i < 10; i++ {
			s.Password(ctx, "HTTP Basic", "alice", "guess", shared)
			s.Password(ctx, "HTTP Basic", fmt.Sprintf("user%d", i), "guess", shared)
		}
		throttled(t, mustFail(s.Basic(ctx, "alice", "alice-pw", shared)))
	})
	t.Run("and every account that never logged in from there", func(t *testing.T) {
		throttled(t, mustFail(s.Basic(ctx, "dave", "dave-pw", shared)))
	})
	t.Run("but not an account that logged in from there before", func(t *testing.T) {
		if _, err := s.Basic(ctx, "bob", "bob-pw", shared); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("guessing one account from many addresses makes its password logins wait", func(t *testing.T) {
		c.advance(2 * time.Hour)
		refused := 0
		for a := 0; a < 40; a++ {
			for i := 0; i < 5; i++ {
				_, err := s.Password(ctx, "HTTP Basic", "alice", "guess", fmt.Sprintf("198.51.100.%d", a))
				var te *ThrottledError
				if errors.As(err, &te) && te.RetryAfter > 0 {
					refused++
				}
			}
		}
		if refused == 0 {
			t.Fatal("200 guesses from 40 addresses were never refused")
		}
		throttled(t, mustFail(s.Basic(ctx, "alice", "alice-pw", "203.0.113.50")))
	})
	t.Run("the owner still logs in where they did before, and tokens work", func(t *testing.T) {
		if _, err := s.Basic(ctx, "alice", "alice-pw", shared); err != nil {
			t.Fatal(err)
		}
		if id, err := s.Basic(ctx, "alice", token, "203.0.113.50"); err != nil || id.Method != Token {
			t.Fatalf("%v %v", id, err)
		}
	})
	t.Run("another account is not affected", func(t *testing.T) {
		if _, err := s.Basic(ctx, "dave", "dave-pw", "203.0.113.50"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("every failure and refusal is reported with where it came from", func(t *testing.T) {
		var bad, refused int
		for _, f := range reports {
			var te *ThrottledError
			switch {
			case errors.Is(f.Err, ErrBadCredentials):
				bad++
			case errors.As(f.Err, &te):
				refused++
			}
			if f.Via == "" || f.Addr == "" || f.User == "" {
				t.Fatalf("report %+v", f)
			}
		}
		if bad == 0 || refused == 0 || bad+refused != len(reports) {
			t.Fatalf("%d failures, %d refusals of %d reports", bad, refused, len(reports))
		}
	})
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

func benchService(b *testing.B, home string) (*Service, *sqlite.Store) {
	st, err := sqlite.Open(home)
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
