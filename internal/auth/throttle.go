package auth

import (
	"crypto/sha256"
	"fmt"
	"strings"
	"sync"
	"time"
)

// ThrottlePolicy bounds password guessing. Failures are counted under
// three keys: the account and address together, the address, and the
// account across every address. Past a key's free allowance each further
// attempt under it must wait, twice as long after every failure, up to
// Max; a waiting attempt is refused at once, without running bcrypt, even
// with the right password.
//
// The account+address wait applies to every attempt under it. The
// address and account waits spare an account at an address it has
// logged in from before (within Remember): so one client guessing behind
// a shared address (a proxy, a NAT) does not lock out the other users
// there, and guessing one account from many addresses does not lock its
// owner out of the addresses they use. A success clears the
// account+address count and remembers the pair; counts are forgotten
// after Window without a failure. API tokens are 128-bit random values
// and are never throttled.
type ThrottlePolicy struct {
	UserFailures    int           // free failures per account+address (0 = off)
	AddrFailures    int           // free failures per address (0 = off)
	AccountFailures int           // free failures per account, across addresses (0 = off)
	Base            time.Duration // the first wait
	Max             time.Duration // the longest wait
	Window          time.Duration // quiet time after which a count is forgotten
	Remember        time.Duration // how long a successful account+address pair is remembered
}

// DefaultThrottle is the policy jeeves starts with.
var DefaultThrottle = ThrottlePolicy{
	UserFailures: 5, AddrFailures: 20, AccountFailures: 20,
	Base: time.Second, Max: 15 * time.Minute, Window: time.Hour, Remember: 30 * 24 * time.Hour,
}

// maxThrottleKeys bounds each of the throttle's tables; past it the
// oldest entries go first. Keys are fixed-size hashes, so a table never
// holds more than maxThrottleKeys × (throttleKey + its value) bytes,
// however long the names and addresses attackers send.
const maxThrottleKeys = 100_000

// sweepEvery is how often forgotten entries are dropped (on the next
// attempt after it has passed), so idle keys leave memory by time, not
// only when a table is full.
const sweepEvery = time.Minute

// ThrottledError says a password attempt was refused unchecked.
type ThrottledError struct{ RetryAfter time.Duration }

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("too many failed password attempts; try again in %d seconds", e.Seconds())
}

// Seconds is RetryAfter rounded up, as a Retry-After header carries it.
func (e *ThrottledError) Seconds() int {
	return int((e.RetryAfter + time.Second - 1) / time.Second)
}

// throttleKey is a SHA-256 prefix of what a count is kept under: never
// the name itself, so a key costs the same for a 700 KB name as for "bob".
type throttleKey [16]byte

// failures is one key's count; times are Unix nanoseconds.
type failures struct {
	n     int64 // failures counted
	last  int64 // the latest failure
	until int64 // attempts before this are refused
}

type throttle struct {
	policy ThrottlePolicy
	now    func() time.Time

	mu    sync.Mutex
	keys  map[throttleKey]failures
	known map[throttleKey]int64 // account+address pairs that logged in → when, last
	swept int64                 // when forgotten entries were last dropped
}

func newThrottle(p ThrottlePolicy, now func() time.Time) *throttle {
	return &throttle{policy: p, now: now, keys: map[throttleKey]failures{}, known: map[throttleKey]int64{}}
}

// attemptKeys are the keys one attempt is counted under.
type attemptKeys struct{ pair, addr, account throttleKey }

func keysFor(user, addr string) attemptKeys {
	user = strings.ToLower(user)
	return attemptKeys{
		pair:    hashKey('p', user, addr),
		addr:    hashKey('a', "", addr),
		account: hashKey('c', user, ""),
	}
}

func hashKey(kind byte, user, addr string) throttleKey {
	h := sha256.New()
	h.Write([]byte{kind})
	h.Write([]byte(user))
	h.Write([]byte{0})
	h.Write([]byte(addr))
	var sum [sha256.Size]byte
	var k throttleKey
	copy(k[:], h.Sum(sum[:0]))
	return k
}

// check refuses an attempt while a key it falls under must wait.
func (t *throttle) check(user, addr string) error {
	k := keysFor(user, addr)
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now().UnixNano()
	t.sweep(now)
	until := t.keys[k.pair].until
	if !t.isKnown(k.pair, now) {
		until = max(until, t.keys[k.addr].until, t.keys[k.account].until)
	}
	if until > now {
		return &ThrottledError{RetryAfter: time.Duration(until - now)}
	}
	return nil
}

func (t *throttle) isKnown(pair throttleKey, now int64) bool {
	at, ok := t.known[pair]
	return ok && time.Duration(now-at) <= t.policy.Remember
}

// failed counts a failure under every key.
func (t *throttle) failed(user, addr string) {
	k := keysFor(user, addr)
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now().UnixNano()
	t.sweep(now)
	t.count(k.pair, t.policy.UserFailures, now)
	t.count(k.addr, t.policy.AddrFailures, now)
	t.count(k.account, t.policy.AccountFailures, now)
}

func (t *throttle) count(k throttleKey, free int, now int64) {
	if free <= 0 {
		return
	}
	f, ok := t.keys[k]
	if !ok || t.forgotten(f, now) {
		if !ok && len(t.keys) >= maxThrottleKeys {
			t.evictFailures(now)
		}
		f = failures{}
	}
	f.n++
	f.last = now
	if over := f.n - int64(free); over > 0 {
		wait := t.policy.Base
		for i := int64(1); i < over && wait < t.policy.Max; i++ {
			wait *= 2
		}
		f.until = now + int64(min(wait, t.policy.Max))
	}
	t.keys[k] = f
}

// forgotten reports a count past its window with no wait running.
func (t *throttle) forgotten(f failures, now int64) bool {
	return time.Duration(now-f.last) > t.policy.Window && now >= f.until
}

// succeeded clears the account+address count and remembers the pair.
func (t *throttle) succeeded(user, addr string) {
	k := keysFor(user, addr)
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now().UnixNano()
	delete(t.keys, k.pair)
	if t.policy.Remember <= 0 {
		return
	}
	if _, ok := t.known[k.pair]; !ok && len(t.known) >= maxThrottleKeys {
		t.evictKnown(now)
	}
	t.known[k.pair] = now
}

// sweep drops forgotten counts and pairs, at most once per sweepEvery.
func (t *throttle) sweep(now int64) {
	if time.Duration(now-t.swept) < sweepEvery {
		return
	}
	t.swept = now
	for k, f := range t.keys {
		if t.forgotten(f, now) {
			delete(t.keys, k)
		}
	}
	for k, at := range t.known {
		if time.Duration(now-at) > t.policy.Remember {
			delete(t.known, k)
		}
	}
}

// evictFailures makes room in a full table: forgotten counts go, and if
// that is not enough, the older half by latest failure.
func (t *throttle) evictFailures(now int64) {
	t.swept = 0
	t.sweep(now)
	if len(t.keys) < maxThrottleKeys {
		return
	}
	oldest := now
	for _, f := range t.keys {
		oldest = min(oldest, f.last)
	}
	mid := oldest + (now-oldest)/2
	for k, f := range t.keys {
		if f.last <= mid {
			delete(t.keys, k)
		}
	}
}

// evictKnown makes room among remembered pairs: the older half goes.
func (t *throttle) evictKnown(now int64) {
	oldest := now
	for _, at := range t.known {
		oldest = min(oldest, at)
	}
	mid := oldest + (now-oldest)/2
	for k, at := range t.known {
		if at <= mid {
			delete(t.known, k)
		}
	}
}
