package e2e

import (
	"fmt"
	"testing"
	"time"
)

// waitFor polls cond until it holds and fails the test if it does not
// within 30 s. Tests poll only what they cannot await: what a client
// learns from Jenkins's API (which clients poll too) and what /proc says.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	waitWithin(t, what, 30*time.Second, cond)
}

// waitWithin is waitFor with its own deadline, for what takes longer by
// nature (a timer trigger's next minute).
func waitWithin(t testing.TB, what string, d time.Duration, cond func() bool) {
	t.Helper()
	if err := poll(what, d, cond); err != nil {
		t.Fatal(err)
	}
}

// poll is the loop under waitFor, for callers that report an error
// instead of failing the test (a client driver's step). It checks cond
// at once, then after 5 ms, doubling the pause up to 100 ms.
func poll(what string, d time.Duration, cond func() bool) error {
	deadline := time.Now().Add(d)
	pause := 5 * time.Millisecond
	for !cond() {
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(pause)
		pause = min(2*pause, 100*time.Millisecond)
	}
	return nil
}
