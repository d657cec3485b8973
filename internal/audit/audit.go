// Package audit keeps jeeves's audit log: an append-only file of JSON
// lines under the home, one per authentication failure, token use and
// state change, rotated by size and age. It never holds a secret: tokens
// appear by uuid, passwords not at all.
package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// Entry is one audited event.
type Entry struct {
	Time      time.Time `json:"time"`
	User      string    `json:"user"`                // "anonymous" when none
	Auth      string    `json:"auth"`                // anonymous, session, password or token
	TokenUUID string    `json:"tokenUuid,omitempty"` // for token requests
	Addr      string    `json:"addr"`
	Action    string    `json:"action"` // auth.failure, token.use or the request: "POST /job/x/build"
	Status    int       `json:"status"` // the HTTP status answered
	Detail    string    `json:"detail,omitempty"`
}

// Policy bounds the log on disk: the live file rotates past MaxBytes;
// Keep rotated files are kept, none older than MaxAge (0: no age limit).
type Policy struct {
	MaxBytes int64
	Keep     int
	MaxAge   time.Duration
}

// DefaultPolicy keeps about 50 MB: 10 MB live and four rotated files.
var DefaultPolicy = Policy{MaxBytes: 10 << 20, Keep: 4, MaxAge: 90 * 24 * time.Hour}

// Log appends entries to HOME/audit/audit.log. Writes are buffered and
// flushed at least every second and on Close, so auditing every token use
// costs a memory copy, not a disk write.
type Log struct {
	dir    string
	policy Policy

	mu   sync.Mutex
	f    *os.File
	w    *buffer
	size int64
	done chan struct{}
	wg   sync.WaitGroup
}

const fileName = "audit.log"

// Open opens (or creates) the log in dir.
func Open(dir string, p Policy) (*Log, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	l := &Log{dir: dir, policy: p, done: make(chan struct{})}
	if err := l.openFile(); err != nil {
		return nil, err
	}
	l.wg.Add(1)
	go l.flushLoop()
	return l, nil
}

func (l *Log) openFile() error {
	f, err := os.OpenFile(filepath.Join(l.dir, fileName), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	l.f, l.w, l.size = f, &buffer{f: f, size: 64 << 10}, st.Size()
	// A crash can leave a torn last line: end it, so the next entry
	// starts on a line of its own.
	if st.Size() > 0 {
		last := make([]byte, 1)
		if r, err := os.Open(f.Name()); err == nil {
			r.ReadAt(last, st.Size()-1)
			r.Close()
		}
		if last[0] != '\n' {
			l.w.WriteByte('\n')
			l.size++
		}
	}
	return nil
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

// Add appends an entry. A failure to write is returned, never hidden.
func (l *Log) Add(e Entry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return fmt.Errorf("audit log is closed")
	}
	if l.policy.MaxBytes > 0 && l.size+int64(len(b)) > l.policy.MaxBytes && l.size > 0 {
		if err := l.rotate(); err != nil {
			return err
		}
	}
	n, err := l.w.Write(b)
	l.size += int64(n)
	return err
}

// rotate moves audit.log to audit.log.1 (and .1 to .2 …), dropping what
// the policy does not keep. Called with l.mu held.
func (l *Log) rotate() error {
	if err := l.w.Flush(); err != nil {
		return err
	}
	l.f.Close()
	base := filepath.Join(l.dir, fileName)
	os.Remove(fmt.Sprintf("%s.%d", base, l.policy.Keep))
	for i := l.policy.Keep - 1; i >= 1; i-- {
		os.Rename(fmt.Sprintf("%s.%d", base, i), fmt.Sprintf("%s.%d", base, i+1))
	}
	if l.policy.Keep > 0 {
		os.Rename(base, base+".1")
	} else {
		os.Remove(base)
	}
	if l.policy.MaxAge > 0 {
		cut := time.Now().Add(-l.policy.MaxAge)
		for i := 1; i <= l.policy.Keep; i++ {
			name := fmt.Sprintf("%s.%d", base, i)
			if st, err := os.Stat(name); err == nil && st.ModTime().Before(cut) {
				os.Remove(name)
			}
		}
	}
	return l.openFile()
}

// Flush writes buffered entries to the file.
func (l *Log) Flush() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.w == nil {
		return nil
	}
	return l.w.Flush()
}

// Close flushes and closes the log.
func (l *Log) Close() error {
	close(l.done)
	l.wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.w.Flush()
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f, l.w = nil, nil
	return err
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

// Find returns matching entries newest first, a page at a time, and the
// number that matched in all.
func (l *Log) Find(q Query) ([]Entry, int, error) {
	if err := l.Flush(); err != nil {
		return nil, 0, err
	}
	if q.Limit <= 0 {
		q.Limit = 100
	}
	var all []Entry
	// Oldest file first, so the whole list is in time order.
	for i := l.policy.Keep; i >= 0; i-- {
		name := filepath.Join(l.dir, fileName)
		if i > 0 {
			name = fmt.Sprintf("%s.%d", name, i)
		}
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
