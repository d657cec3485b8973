// Package flash holds values for a browser session's next request, each
// for a short time and shown once: the pages a web-UI form's POST
// answers with under Post/Redirect/Get (internal/webui holds and serves
// them), or a notice for the next page. It is bounded in entries and
// bytes, so no client can make it grow without end.
package flash

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"sync"
	"time"
)

// Bounds of a Store.
const (
	Lifetime   = 5 * time.Minute // how long a value is held
	MaxEntries = 1024            // pending values, over all sessions
	MaxBytes   = 16 << 20        // their total size
	MaxEntry   = 2 << 20         // one value's size; a bigger one is not held
)

// Store holds at most one pending value per session, each for Lifetime,
// shown once. The zero value is ready to use.
type Store struct {
	mu      sync.Mutex
	entries map[string]*entry // by session key
	bytes   int
	now     func() time.Time // nil: time.Now
}

type entry struct {
	id, user, kind string
	status         int
	data           []byte
	expires        time.Time
}

// SetClock makes the store read the time from now (nil: time.Now), so
// that a value's expiry can be reached without waiting for it.
func (f *Store) SetClock(now func() time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = now
}

func (f *Store) clock() time.Time {
	if f.now != nil {
		return f.now()
	}
	return time.Now()
}

// Put holds data for the session (replacing what it held before) and
// returns the id that takes it back; ok is false when it does not fit
// (too big, or the store is full), and nothing is held.
func (f *Store) Put(session, user, kind string, status int, data []byte) (id string, ok bool) {
	if session == "" || len(data) > MaxEntry {
		return "", false
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", false
	}
	id = base64.RawURLEncoding.EncodeToString(b[:])
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.entries == nil {
		f.entries = map[string]*entry{}
	}
	if old := f.entries[session]; old != nil {
		f.drop(session, old)
	}
	now := f.clock()
	for k, e := range f.entries {
		if !now.Before(e.expires) {
			f.drop(k, e)
		}
	}
	if len(f.entries) >= MaxEntries || f.bytes+len(data) > MaxBytes {
		return "", false
	}
	f.entries[session] = &entry{id: id, user: user, kind: kind, status: status, data: bytes.Clone(data), expires: now.Add(Lifetime)}
	f.bytes += len(data)
	return id, true
}

// Take returns what Put held for the session under id, once. A wrong
// id, user or kind takes nothing and leaves it held.
func (f *Store) Take(session, user, kind, id string) (status int, data []byte, ok bool) {
	if session == "" || id == "" {
		return 0, nil, false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	e := f.entries[session]
	if e == nil || subtle.ConstantTimeCompare([]byte(e.id), []byte(id)) != 1 || e.user != user || e.kind != kind {
		return 0, nil, false
	}
	delete(f.entries, session)
	f.bytes -= len(e.data)
	if !f.clock().Before(e.expires) {
		clear(e.data)
		return 0, nil, false
	}
	return e.status, e.data, true
}

// Len is the number of values held.
func (f *Store) Len() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.entries)
}

// Clear drops every value held.
func (f *Store) Clear() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for k, e := range f.entries {
		f.drop(k, e)
	}
}

// drop forgets an entry and wipes its bytes (a page may hold a token).
func (f *Store) drop(session string, e *entry) {
	delete(f.entries, session)
	f.bytes -= len(e.data)
	clear(e.data)
}
