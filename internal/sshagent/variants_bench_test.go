package sshagent

import (
	"context"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/sshagent/sshtest"
)

// BenchmarkStartVariants alternates durable steps of `true` that add,
// one by one, what a build's step has: an environment, a script written
// by the launch (run by sh -xe, so it prints), a cookie, the
// end-of-build sweep narrowed to the step's own processes, and the sweep
// of every process; it reports each one's median, in ms.
func BenchmarkStartVariants(b *testing.B) {
	srv := sshtest.Start(b, sshtest.Options{})
	a := dial(b, config(srv, io.Discard))
	ws := workspace(b, a, "bench")
	env := []string{}
	for i := range 20 {
		env = append(env, "VAR"+string(rune('A'+i))+"=some value here")
	}
	variants := map[string]func() Proc{
		"bare": func() Proc { return Proc{Argv: []string{"true"}, Dir: ws} },
		"env":  func() Proc { return Proc{Argv: []string{"true"}, Dir: ws, Env: env} },
		"script": func() Proc {
			id := NewID()
			return Proc{Argv: []string{"/bin/sh", "-xe", ScriptPathFor(ws, id)}, Dir: ws, ID: id, Script: []byte("\ntrue")}
		},
		"cookie": func() Proc { return Proc{Argv: []string{"true"}, Dir: ws, Cookie: "c" + NewID()} },
		"sweepself": func() Proc {
			return Proc{Argv: []string{"true"}, Dir: ws, Cookie: "c" + NewID(), KillAfter: time.Second, SweepFrom: SweepSelf}
		},
		"sweepall": func() Proc {
			return Proc{Argv: []string{"true"}, Dir: ws, Cookie: "c" + NewID(), KillAfter: time.Second}
		},
	}
	names := []string{"bare", "env", "script", "cookie", "sweepself", "sweepall"}
	times := map[string][]time.Duration{}
	for b.Loop() {
		for _, name := range names {
			t0 := time.Now()
			p, err := a.Start(context.Background(), variants[name]())
			if err != nil {
				b.Fatal(err)
			}
			if code, err := p.Wait(); err != nil || code != 0 {
				b.Fatal(code, err)
			}
			times[name] = append(times[name], time.Since(t0))
		}
	}
	for name, ds := range times {
		slices.Sort(ds)
		b.ReportMetric(float64(ds[len(ds)/2].Microseconds())/1000, name+"-ms")
	}
}
