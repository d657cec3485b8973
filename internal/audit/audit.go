// Package audit keeps jeeves's audit log: append-only files of JSON
// lines under the home, one per authentication failure, token use and
// state change, rotated by size and age. It never holds a secret: tokens
// appear by uuid, passwords not at all.
//
// What anonymous callers cause goes to a file of its own (anonymous.log),
// rotated on its own, so no flood of anonymous requests can rotate out
// what identified users did (audit.log). Refused anonymous requests are
// also rate-limited: per minute, the first ten from an address and the
// first hundred in all are logged one by one, the rest counted in summary
// entries. Every field of an entry is cut to a bound, with a marker.
package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Entry is one audited event.
type Entry struct {
	Time      time.Time `json:"time"`
	User      string    `json:"user"`                // "anonymous" when none
	Auth      string    `json:"auth"`                // anonymous, session, password or token
	TokenUUID string    `json:"tokenUuid,omitempty"` // for token requests
	TokenName string    `json:"tokenName,omitempty"` // the token's name when it was used
	Addr      string    `json:"addr"`
	Action    string    `json:"action"` // auth.failure, token.use or the request: "POST /job/x/build"
	Status    int       `json:"status"` // the HTTP status answered
	Detail    string    `json:"detail,omitempty"`
}

// The bounds on an entry's fields, in bytes of the JSON line (a quote
// takes two, a control character or '<' six); a longer value is cut and
// marked (see Truncate). A line is thus at most about 1.9 KB.
const (
	MaxUser   = 128
	MaxAuth   = 16
	MaxUUID   = 64
	MaxToken  = 256 // a token's name
	MaxAddr   = 64
	MaxAction = 512
	MaxDetail = 512
)

// Truncate returns s if its JSON encoding takes at most max bytes, else
// the longest prefix that does (never splitting a character) followed by
// a marker saying how many bytes were cut, e.g. "…[truncated 921088
// bytes]".
func Truncate(s string, max int) string {
	if len(s) <= max/6 {
		return s // short enough however it is escaped
	}
	n, cut := 0, -1
	for i, r := range s {
		w := jsonLen(r, s[i:])
		if n+w > max && cut < 0 {
			cut = i
		}
		n += w
	}
	if cut < 0 {
		return s
	}
	return s[:cut] + "…[truncated " + strconv.Itoa(len(s)-cut) + " bytes]"
}

// jsonLen is how many bytes encoding/json writes for the rune r at the
// start of rest (an upper bound for control characters).
func jsonLen(r rune, rest string) int {
	switch {
	case r == utf8.RuneError:
		if _, size := utf8.DecodeRuneInString(rest); size == 1 {
			return 6 // an invalid byte becomes \ufffd
		}
		return 3
	case r == '\n', r == '\r', r == '\t', r == '"', r == '\\':
		return 2
	case r < 0x20, r == '<', r == '>', r == '&', r == '\u2028', r == '\u2029':
		return 6
	}
	return utf8.RuneLen(r)
}

func (e Entry) bounded() Entry {
	e.User = Truncate(e.User, MaxUser)
	e.Auth = Truncate(e.Auth, MaxAuth)
	e.TokenUUID = Truncate(e.TokenUUID, MaxUUID)
	e.TokenName = Truncate(e.TokenName, MaxToken)
	e.Addr = Truncate(e.Addr, MaxAddr)
	e.Action = Truncate(e.Action, MaxAction)
	e.Detail = Truncate(e.Detail, MaxDetail)
	return e
}

// anonymous reports an entry an unidentified caller caused.
func (e Entry) anonymous() bool { return e.Auth == "anonymous" }

// Policy bounds each of the two logs on disk: a live file rotates past
// MaxBytes; Keep rotated files are kept, none older than MaxAge (0: no
// age limit).
type Policy struct {
	MaxBytes int64
	Keep     int
	MaxAge   time.Duration
}

// DefaultPolicy keeps about 50 MB per log: 10 MB live and four rotated
// files.
var DefaultPolicy = Policy{MaxBytes: 10 << 20, Keep: 4, MaxAge: 90 * 24 * time.Hour}

// Log appends entries to HOME/audit/audit.log (identified callers) and
// HOME/audit/anonymous.log (anonymous ones). Writes are buffered and
// flushed at least every second and on Close, so auditing every token
// use costs a memory copy, not a disk write.
type Log struct {
	policy Policy
	now    func() time.Time // the clock rate-limit windows follow

	mu    sync.Mutex
	main  *chain // audit.log
	anon  *chain // anonymous.log
	limit limiter
	done  chan struct{}
	stop  sync.Once
	wg    sync.WaitGroup
}

// The files of the two logs.
const (
	fileName     = "audit.log"
	anonFileName = "anonymous.log"
)

// Open opens (or creates) the log in dir.
func Open(dir string, p Policy) (*Log, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	l := &Log{policy: p, now: time.Now, done: make(chan struct{}), limit: newLimiter()}
	l.main = &chain{path: filepath.Join(dir, fileName), policy: p}
	l.anon = &chain{path: filepath.Join(dir, anonFileName), policy: p}
	if err := l.main.open(); err != nil {
		return nil, err
	}
	if err := l.anon.open(); err != nil {
		l.main.close()
		return nil, err
	}
	l.wg.Add(1)
	go l.flushLoop()
	return l, nil
}

func (l *Log) flushLoop() {
	defer l.wg.Done()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-l.done:
			return
		case <-t.C:
			l.Flush()
		}
	}
}

// Add appends an entry, its fields cut to their bounds. A refused
// anonymous request past its address's (or the minute's) allowance is
// only counted, for the summary written when the minute ends. A failure
// to write is returned, never hidden.
func (l *Log) Add(e Entry) error {
	e = e.bounded()
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.main == nil {
		return fmt.Errorf("audit log is closed")
	}
	now := l.now()
	if err := l.summarise(now, false); err != nil {
		return err
	}
	if !e.anonymous() {
		return l.main.write(b)
	}
	if e.Status >= 400 && !l.limit.admit(e.Addr, now) {
		return nil
	}
	return l.anon.write(b)
}

// summarise writes the summary entries of a rate-limit window that has
// ended by now (or, with all, of the current one too). Called with l.mu
// held.
func (l *Log) summarise(now time.Time, all bool) error {
	for _, e := range l.limit.summaries(now, all) {
		b, err := json.Marshal(e.bounded())
		if err != nil {
			return err
		}
		if err := l.anon.write(append(b, '\n')); err != nil {
			return err
		}
	}
	return nil
}

// Flush writes buffered entries, and the summaries of a rate-limit
// window that has ended, to the files.
func (l *Log) Flush() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.main == nil {
		return nil
	}
	err := l.summarise(l.now(), false)
	if ferr := l.main.flush(); err == nil {
		err = ferr
	}
	if ferr := l.anon.flush(); err == nil {
		err = ferr
	}
	return err
}

// Close writes the summaries of the current window, flushes and closes
// the log. Closing it again does nothing.
func (l *Log) Close() error {
	l.stop.Do(func() { close(l.done) })
	l.wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.main == nil {
		return nil
	}
	err := l.summarise(l.now(), true)
	for _, c := range []*chain{l.main, l.anon} {
		if cerr := c.close(); err == nil {
			err = cerr
		}
	}
	l.main, l.anon = nil, nil
	return err
}

// chain is one log: a live file and the rotated ones behind it
// (name.1 the newest).
type chain struct {
	path   string
	policy Policy
	f      *os.File
	w      *buffer
	size   int64
}

func (c *chain) open() error {
	f, err := os.OpenFile(c.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	c.f, c.w, c.size = f, &buffer{f: f, size: 64 << 10}, st.Size()
	// A crash can leave a torn last line: end it, so the next entry
	// starts on a line of its own.
	if st.Size() > 0 {
		last := make([]byte, 1)
		if r, err := os.Open(f.Name()); err == nil {
			r.ReadAt(last, st.Size()-1)
			r.Close()
		}
		if last[0] != '\n' {
			c.w.WriteByte('\n')
			c.size++
		}
	}
	return nil
}

// write appends one line, rotating first when the live file would pass
// the policy's size.
func (c *chain) write(b []byte) error {
	if c.policy.MaxBytes > 0 && c.size+int64(len(b)) > c.policy.MaxBytes && c.size > 0 {
		if err := c.rotate(); err != nil {
			return err
		}
	}
	n, err := c.w.Write(b)
	c.size += int64(n)
	return err
}

// rotate moves the live file to .1 (and .1 to .2 …), dropping what the
// policy does not keep.
func (c *chain) rotate() error {
	if err := c.w.Flush(); err != nil {
		return err
	}
	c.f.Close()
	base := c.path
	os.Remove(fmt.Sprintf("%s.%d", base, c.policy.Keep))
	for i := c.policy.Keep - 1; i >= 1; i-- {
		os.Rename(fmt.Sprintf("%s.%d", base, i), fmt.Sprintf("%s.%d", base, i+1))
	}
	if c.policy.Keep > 0 {
		os.Rename(base, base+".1")
	} else {
		os.Remove(base)
	}
	if c.policy.MaxAge > 0 {
		cut := time.Now().Add(-c.policy.MaxAge)
		for i := 1; i <= c.policy.Keep; i++ {
			name := fmt.Sprintf("%s.%d", base, i)
			if st, err := os.Stat(name); err == nil && st.ModTime().Before(cut) {
				os.Remove(name)
			}
		}
	}
	return c.open()
}

func (c *chain) flush() error { return c.w.Flush() }

func (c *chain) close() error {
	err := c.w.Flush()
	if cerr := c.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// files are the chain's files, oldest first.
func (c *chain) files() []string {
	var out []string
	for i := c.policy.Keep; i >= 1; i-- {
		out = append(out, fmt.Sprintf("%s.%d", c.path, i))
	}
	return append(out, c.path)
}

// Query selects entries.
type Query struct {
	User   string    // exact, without case; "" = all
	Action string    // a prefix such as "auth." or "POST"; "" = all
	Since  time.Time // inclusive; zero = no bound
	Until  time.Time // exclusive; zero = no bound
	Offset int
	Limit  int // 0 = 100
}

// Find returns matching entries of both logs newest first, a page at a
// time, and the number that matched in all.
func (l *Log) Find(q Query) ([]Entry, int, error) {
	if err := l.Flush(); err != nil {
		return nil, 0, err
	}
	if q.Limit <= 0 {
		q.Limit = 100
	}
	l.mu.Lock()
	var names []string
	if l.main != nil {
		names = append(l.main.files(), l.anon.files()...)
	}
	l.mu.Unlock()
	var all []Entry
	for _, name := range names {
		data, err := os.ReadFile(name)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return nil, 0, err
		}
		for _, line := range bytes.Split(data, []byte("\n")) {
			if len(line) == 0 {
				continue
			}
			var e Entry
			if json.Unmarshal(line, &e) != nil {
				continue // a torn last line after a crash
			}
			if q.match(e) {
				all = append(all, e)
			}
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].Time.After(all[j].Time) })
	total := len(all)
	if q.Offset >= total {
		return []Entry{}, total, nil
	}
	end := min(q.Offset+q.Limit, total)
	return all[q.Offset:end], total, nil
}

func (q Query) match(e Entry) bool {
	switch {
	case q.User != "" && !strings.EqualFold(q.User, e.User):
		return false
	case q.Action != "" && !strings.HasPrefix(e.Action, q.Action):
		return false
	case !q.Since.IsZero() && e.Time.Before(q.Since):
		return false
	case !q.Until.IsZero() && !e.Time.Before(q.Until):
		return false
	}
	return true
}

// buffer batches writes to f like bufio.Writer, but an error is not
// sticky: what a full disk refused stays buffered (up to a bound) and is
// written by the next flush, so the log works again once space returns.
type buffer struct {
	f    *os.File
	size int // flush when this much is buffered
	buf  []byte
}

// maxPending bounds what a buffer keeps while writes fail; entries past it
// are dropped and the error returned.
const maxPending = 4 << 20

func (b *buffer) Write(p []byte) (int, error) {
	if len(b.buf)+len(p) > maxPending {
		if err := b.Flush(); err != nil {
			return 0, fmt.Errorf("audit entry dropped: %w", err)
		}
	}
	b.buf = append(b.buf, p...)
	if len(b.buf) >= b.size {
		return len(p), b.Flush()
	}
	return len(p), nil
}

func (b *buffer) WriteByte(c byte) error {
	_, err := b.Write([]byte{c})
	return err
}

// Flush writes what is buffered; on error the unwritten rest is kept.
func (b *buffer) Flush() error {
	if len(b.buf) == 0 {
		return nil
	}
	n, err := b.f.Write(b.buf)
	b.buf = b.buf[:copy(b.buf, b.buf[n:])]
	return err
}
