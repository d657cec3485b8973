package auth

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/store"
)

// TestPurgeSessions: expired sessions leave the store, live ones stay,
// at once when PurgeSessionsEvery starts.
func TestPurgeSessions(t *testing.T) {
	ctx := context.Background()
	s, st, _ := newService(t)
	if _, err := s.CreateUser(ctx, "alice", "pw-alice", "", "", false); err != nil {
		t.Fatal(err)
	}
	past := time.Now().Add(-48 * time.Hour)
	if err := st.CreateSession(ctx, "expired", "alice", past, past.Add(SessionLifetime)); err != nil {
		t.Fatal(err)
	}
	live, err := s.Login(ctx, "alice", "pw-alice", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	pctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.PurgeSessionsEvery(pctx, time.Hour, func(err error) { t.Error(err) })
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := st.SessionUser(ctx, "expired", past)
		if errors.Is(err, store.ErrNotFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the expired session was not purged")
		}
		time.Sleep(5 * time.Millisecond)
	}
	stop()
	<-done
	if _, err := s.SessionIdentity(ctx, live.SessionID); err != nil {
		t.Fatalf("the live session was purged too: %v", err)
	}
}
