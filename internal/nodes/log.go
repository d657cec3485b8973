package nodes

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"sync"

	"golang.org/x/crypto/ssh"

	"github.com/jeeves-ci/jeeves/internal/blob"
	"github.com/jeeves-ci/jeeves/internal/nodeconfig"
)

// LogRotations is how many earlier connection logs an agent keeps
// (log.1 … log.9), as Jenkins keeps slave.log.1 … .9.
const LogRotations = 9

// logKey is the key of an agent's connection log, or (n > 0) of its
// n-th earlier one.
func logKey(name string, n int) string {
	k := nodeKey(name) + "/log"
	if n > 0 {
		k += "." + strconv.Itoa(n)
	}
	return k
}

// connLog is an agent's connection log: what its launches and its
// connection say (the lines of SSHLauncher's log). Each launch starts a
// new one, as Jenkins's does; a log longer than max is rotated too.
type connLog struct {
	blobs blob.Store
	name  string
	max   int64

	mu   sync.Mutex
	w    blob.Writer
	size int64
}

func newConnLog(blobs blob.Store, name string, max int64) *connLog {
	l := &connLog{blobs: blobs, name: name, max: max}
	if info, err := blobs.Stat(logKey(name, 0)); err == nil {
		l.size = info.Size
	}
	return l
}

// Write appends to the log; it never fails (a log that cannot be
// written is lost, not the connection).
func (l *connLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.w == nil {
		w, err := l.blobs.Append(logKey(l.name, 0))
		if err != nil {
			return len(p), nil
		}
		l.w = w
	}
	n, _ := l.w.Write(p)
	l.size += int64(n)
	if l.size > l.max {
		l.rotateLocked()
	}
	return len(p), nil
}

// rotate starts a new log, the current one becoming log.1.
func (l *connLog) rotate() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rotateLocked()
}

func (l *connLog) rotateLocked() {
	if l.w != nil {
		l.w.Close()
		l.w = nil
	}
	if l.size == 0 {
		return
	}
	for i := LogRotations - 1; i >= 0; i-- {
		r, err := l.blobs.Open(logKey(l.name, i))
		if err != nil {
			continue
		}
		l.blobs.Put(logKey(l.name, i+1), r)
		r.Close()
	}
	l.blobs.Put(logKey(l.name, 0), bytes.NewReader(nil))
	l.size = 0
}

func (l *connLog) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.w != nil {
		l.w.Close()
		l.w = nil
	}
}

// trustStore keeps the host key an agent with
// ManuallyTrustedKeyVerificationStrategy trusts, as Jenkins's
// nodes/NAME/ssh-host-key.xml, and the last key offered for trust.
type trustStore struct {
	blobs blob.Store
	key   string

	mu      sync.Mutex
	offered ssh.PublicKey
}

// TrustedKey implements sshagent.TrustStore.
func (t *trustStore) TrustedKey() (ssh.PublicKey, error) {
	r, err := t.blobs.Open(t.key)
	if errors.Is(err, blob.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer r.Close()
	b, err := io.ReadAll(io.LimitReader(r, 64<<10))
	if err != nil {
		return nil, err
	}
	return nodeconfig.ParseHostKey(b)
}

// Trust implements sshagent.TrustStore.
func (t *trustStore) Trust(k ssh.PublicKey) error {
	_, err := t.blobs.Put(t.key, bytes.NewReader(nodeconfig.MarshalHostKey(k)))
	return err
}

// Offer implements sshagent.TrustStore.
func (t *trustStore) Offer(k ssh.PublicKey) {
	t.mu.Lock()
	t.offered = k
	t.mu.Unlock()
}

// Offered is the key last offered for trust, or nil.
func (t *trustStore) Offered() ssh.PublicKey {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.offered
}
