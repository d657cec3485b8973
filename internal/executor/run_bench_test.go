package executor

import (
	"context"
	"os"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/launcher/local"
	"github.com/jeeves-ci/jeeves/internal/model"
)

// BenchmarkRunEcho runs the steps of a one-step `echo hello` build on the
// local launcher, without and with the end-of-build sweep for leftover
// processes, to show what the sweep adds to every build.
func BenchmarkRunEcho(b *testing.B) {
	job := &model.Job{Name: "hello", Config: model.JobConfig{Builders: []model.Builder{{Class: "hudson.tasks.Shell", Command: "echo hello"}}}}
	l := local.New()
	for _, c := range []struct{ name, cookie string }{{"no sweep", ""}, {"with sweep", "bench-cookie"}} {
		b.Run(c.name, func(b *testing.B) {
			ws := b.TempDir()
			log, err := os.Create(ws + "/log")
			if err != nil {
				b.Fatal(err)
			}
			defer log.Close()
			for b.Loop() {
				runSteps(context.Background(), steps{job: job, build: &model.Build{Number: 1}, workspace: ws, env: os.Environ(),
					log: log, launcher: l, cookie: c.cookie, grace: KillGrace})
			}
		})
	}
}
