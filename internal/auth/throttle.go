package auth

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// ThrottlePolicy bounds password guessing. Failures are counted per user
// and address and per address; past the free allowance each further
// attempt must wait, twice as long after every failure, up to Max. While
// a key waits, every password attempt under it is refused at once,
// without running bcrypt, even with the right password. A success clears
// the user+address count. Counts are forgotten after Window without a
// failure. API tokens are 128-bit random values and are never throttled.
type ThrottlePolicy struct {
	UserFailures int           // free failures per user+address (0 = off)
	AddrFailures int           // free failures per address (0 = off)
	Base         time.Duration // the first wait
	Max          time.Duration // the longest wait
	Window       time.Duration // quiet time after which a key is forgotten
}

// DefaultThrottle is the policy jeeves starts with.
var DefaultThrottle = ThrottlePolicy{UserFailures: 5, AddrFailures: 20, Base: time.Second, Max: 15 * time.Minute, Window: time.Hour}

// maxThrottleKeys bounds the memory an attacker can make the throttle use
// by rotating user names; the oldest keys go first.
const maxThrottleKeys = 100_000

// ThrottledError says a password attempt was refused unchecked.
type ThrottledError struct{ RetryAfter time.Duration }

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("too many failed password attempts; try again in %d seconds", e.Seconds())
}

// Seconds is RetryAfter rounded up, as a Retry-After header carries it.
func (e *ThrottledError) Seconds() int {
	return int((e.RetryAfter + time.Second - 1) / time.Second)
}

type throttle struct {
	policy ThrottlePolicy
	now    func() time.Time

	mu   sync.Mutex
	keys map[string]*failures
}

type failures struct {
	n     int       // failures counted
	last  time.Time // the latest failure
	until time.Time // attempts before this are refused
}

func newThrottle(p ThrottlePolicy, now func() time.Time) *throttle {
	return &throttle{policy: p, now: now, keys: map[string]*failures{}}
}

func userKey(user, addr string) string { return "u\x00" + strings.ToLower(user) + "\x00" + addr }
func addrKey(addr string) string       { return "a\x00" + addr }

// check refuses an attempt while either key must wait.
func (t *throttle) check(user, addr string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	var wait time.Duration
	for _, k := range []string{userKey(user, addr), addrKey(addr)} {
		if f := t.keys[k]; f != nil && now.Before(f.until) && f.until.Sub(now) > wait {
			wait = f.until.Sub(now)
		}
	}
	if wait > 0 {
		return &ThrottledError{RetryAfter: wait}
	}
	return nil
}

// failed counts a failure under both keys.
func (t *throttle) failed(user, addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	t.count(userKey(user, addr), t.policy.UserFailures, now)
	t.count(addrKey(addr), t.policy.AddrFailures, now)
}

func (t *throttle) count(k string, free int, now time.Time) {
	if free <= 0 {
		return
	}
	f := t.keys[k]
	if f == nil || now.Sub(f.last) > t.policy.Window {
		if len(t.keys) >= maxThrottleKeys {
			t.evict(now)
		}
		f = &failures{}
		t.keys[k] = f
	}
	f.n++
	f.last = now
	if over := f.n - free; over > 0 {
		wait := t.policy.Base
		for i := 1; i < over && wait < t.policy.Max; i++ {
			wait *= 2
		}
		f.until = now.Add(min(wait, t.policy.Max))
	}
}

// evict drops forgotten keys, or, if none are, the oldest half.
func (t *throttle) evict(now time.Time) {
	for k, f := range t.keys {
		if now.Sub(f.last) > t.policy.Window {
			delete(t.keys, k)
		}
	}
	if len(t.keys) < maxThrottleKeys {
		return
	}
	cut := now
	for _, f := range t.keys {
		if f.last.Before(cut) {
			cut = f.last
		}
	}
	mid := cut.Add(now.Sub(cut) / 2)
	for k, f := range t.keys {
		if !f.last.After(mid) {
			delete(t.keys, k)
		}
	}
}

// succeeded clears the user+address count.
func (t *throttle) succeeded(user, addr string) {
	t.mu.Lock()
	delete(t.keys, userKey(user, addr))
	t.mu.Unlock()
}
