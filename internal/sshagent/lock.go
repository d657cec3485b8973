package sshagent

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// lockConflict is the lock helper's exit status when another process
// holds the lock (flock -E).
const lockConflict = 75

// lockedLine is what the lock helper prints once it holds the lock.
const lockedLine = "locked"

// Lock takes an exclusive flock(2) lock on the file p on the agent
// (created if missing), waiting until ctx ends while another process
// holds it; unlock releases it. A helper holds the lock over a session
// of its own for as long as the session's input stays open: unlock
// closes it, and so does a lost connection or a jeeves that dies, so a
// lock is never left behind.
//
// A waiting Lock holds no session: the helper does not wait for the
// lock (flock -n) and is started again after a pause. Locks held at
// once share the sessions long-running steps watch with, so at least
// two sessions are always left for the commands run under a lock.
func (a *Agent) Lock(ctx context.Context, p string) (func(), error) {
	if err := checkAbs("lock", p); err != nil {
		return nil, err
	}
	select {
	case a.watchers <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	unlock, err := a.lock(ctx, p)
	if err != nil {
		<-a.watchers
		return nil, err
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			unlock()
			<-a.watchers
		})
	}, nil
}

func (a *Agent) lock(ctx context.Context, p string) (func(), error) {
	script := fmt.Sprintf("exec flock -n -E %d %s sh -c 'echo %s; exec cat >/dev/null'", lockConflict, shq(p), lockedLine)
	for wait := 10 * time.Millisecond; ; wait = min(2*wait, 500*time.Millisecond) {
		c, err := a.conn(ctx)
		if err != nil {
			return nil, err
		}
		s, release, err := a.session(ctx, c)
		if err != nil {
			return nil, err
		}
		in, feed := io.Pipe()
		held := &lineSignal{want: lockedLine, ch: make(chan struct{})}
		var stderr lockedBuffer
		s.Stdin, s.Stdout, s.Stderr = in, held, &stderr
		if err := s.Start(a.wrap(script)); err != nil {
			feed.Close()
			release()
			return nil, fmt.Errorf("agent ‘%s’: cannot lock %s: %w", a.cfg.Name, p, err)
		}
		done := make(chan error, 1)
		go func() { done <- s.Wait() }()
		select {
		case <-held.ch:
			return func() {
				feed.Close()
				select {
				case <-done:
				case <-time.After(5 * time.Second):
				}
				release()
			}, nil
		case err := <-done:
			feed.Close()
			release()
			var ee *ssh.ExitError
			code := -1
			if errors.As(err, &ee) {
				code = ee.ExitStatus()
			}
			switch {
			case code == lockConflict:
			case code == 127:
				return nil, fmt.Errorf("agent ‘%s’: cannot lock %s: flock(1) is not installed there (util-linux)", a.cfg.Name, p)
			default:
				return nil, fmt.Errorf("agent ‘%s’: cannot lock %s: %v: %s", a.cfg.Name, p, err, strings.TrimSpace(stderr.String()))
			}
		case <-ctx.Done():
			feed.Close()
			release()
			return nil, ctx.Err()
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		}
	}
}

// lineSignal closes ch once want has been written as a line.
type lineSignal struct {
	want string
	ch   chan struct{}
	mu   sync.Mutex
	buf  []byte
	seen bool
}

func (l *lineSignal) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.seen {
		return len(b), nil
	}
	l.buf = append(l.buf, b...)
	if len(l.buf) > 4096 {
		l.buf = l.buf[len(l.buf)-4096:]
	}
	if bytes.Contains(l.buf, []byte(l.want+"\n")) {
		l.seen = true
		close(l.ch)
	}
	return len(b), nil
}

// lockedBuffer is a bytes.Buffer safe for a writer and a reader.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.b.Len() > 4096 {
		return len(p), nil
	}
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
