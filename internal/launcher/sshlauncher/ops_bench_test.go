package sshlauncher

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/launcher"
	"github.com/jeeves-ci/jeeves/internal/sshagent"
	"github.com/jeeves-ci/jeeves/internal/sshagent/sshtest"
)

// BenchmarkOps times, over an open connection, each call a build of one
// `true` step would make without the launcher's shortcuts: make the
// workspace, write the script, start the step and wait for it, remove
// the script, sweep the cookie; reported per call in ms.
func BenchmarkOps(b *testing.B) {
	srv := sshtest.Start(b, sshtest.Options{})
	cfg := config(srv)
	a, err := sshagent.Dial(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	l := New(Fixed(a))
	ctx := context.Background()
	ws := a.RemoteFS() + "/workspace/job"
	var tm [6]time.Duration
	for b.Loop() {
		t0 := time.Now()
		a.MkdirAll(ctx, ws, 0o700) // not the launcher's: it remembers
		t1 := time.Now()
		name, _ := l.CreateTemp(ctx, "", "jeeves*.sh", strings.NewReader("\ntrue"))
		t2 := time.Now()
		p, err := l.Start(ctx, launcher.Proc{Argv: []string{"/bin/sh", "-xe", name}, Dir: ws, Cookie: "abc"})
		if err != nil {
			b.Fatal(err)
		}
		t3 := time.Now()
		p.Wait()
		t4 := time.Now()
		l.Remove(ctx, name)
		t5 := time.Now()
		l.KillAll(ctx, time.Second, "abc")
		t6 := time.Now()
		tm[0] += t1.Sub(t0)
		tm[1] += t2.Sub(t1)
		tm[2] += t3.Sub(t2)
		tm[3] += t4.Sub(t3)
		tm[4] += t5.Sub(t4)
		tm[5] += t6.Sub(t5)
	}
	for i, n := range []string{"mkdir", "createtemp", "start", "wait", "remove", "killall"} {
		b.ReportMetric(float64(tm[i].Microseconds())/float64(b.N)/1000, n+"-ms")
	}
}
