package sshagent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/sshagent/sshtest"
)

// tryLock is Lock with a deadline of d: a lock another holds is not got.
func tryLock(t *testing.T, a *Agent, p string, d time.Duration) (func(), error) {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return a.Lock(c, p)
}

func TestLock(t *testing.T) {
	srv := sshtest.Start(t, sshtest.Options{})
	cfg := config(srv, io.Discard)
	a := dial(t, cfg)
	p := srv.Home + "/mirror.lock"

	t.Run("a second lock waits while the first is held, and is got once it is released", func(t *testing.T) {
		unlock, err := a.Lock(ctx(t), p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tryLock(t, a, p, 300*time.Millisecond); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("a held lock was got again: %v", err)
		}
		got := make(chan error, 1)
		go func() {
			u, err := a.Lock(ctx(t), p)
			if err == nil {
				u()
			}
			got <- err
		}()
		unlock()
		unlock() // twice is harmless
		if err := <-got; err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a lock is released when its connection drops", func(t *testing.T) {
		lost, err := a.Lock(ctx(t), p)
		if err != nil {
			t.Fatal(err)
		}
		defer lost()
		srv.KillConnections()
		sshtest.Eventually(t, 10*time.Second, "the drop is seen", func() bool { return !a.Connected() })
		unlock, err := a.Lock(ctx(t), p)
		if err != nil {
			t.Fatal(err)
		}
		unlock()
	})
	t.Run("locks held at once leave sessions for the commands run under them", func(t *testing.T) {
		var unlocks []func()
		for i := range a.cfg.MaxSessions - 2 {
			u, err := a.Lock(ctx(t), fmt.Sprintf("%s/many-%d.lock", srv.Home, i))
			if err != nil {
				t.Fatal(err)
			}
			unlocks = append(unlocks, u)
		}
		if _, err := tryLock(t, a, srv.Home+"/one-more.lock", 300*time.Millisecond); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("a lock beyond the budget: %v", err)
		}
		for range 2 {
			if code, err := a.Run(ctx(t), "true", io.Discard, io.Discard); code != 0 || err != nil {
				t.Fatalf("a command under the locks: %d %v", code, err)
			}
		}
		for _, u := range unlocks {
			u()
		}
	})
	t.Run("a relative path is refused", func(t *testing.T) {
		if _, err := a.Lock(ctx(t), "rel.lock"); err == nil {
			t.Fatal("a relative path was locked")
		}
	})
}
