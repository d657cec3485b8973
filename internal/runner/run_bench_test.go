package runner

import (
	"context"
	"os"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/model"
)

// BenchmarkRunEcho runs a one-step `echo hello` build, without and with
// the end-of-build sweep for leftover processes, to show what the sweep
// adds to every build.
func BenchmarkRunEcho(b *testing.B) {
	job := &model.Job{Name: "hello", Config: model.JobConfig{Builders: []model.Builder{{Class: "hudson.tasks.Shell", Command: "echo hello"}}}}
	for _, c := range []struct{ name, cookie string }{{"no sweep", ""}, {"with sweep", "bench-cookie"}} {
		b.Run(c.name, func(b *testing.B) {
			ws := b.TempDir()
			log, err := os.Create(ws + "/log")
			if err != nil {
				b.Fatal(err)
			}
			defer log.Close()
			for b.Loop() {
				Run(context.Background(), Spec{Job: job, Build: &model.Build{Number: 1}, Workspace: ws, TmpDir: ws, Env: os.Environ(), Log: log, Cookie: c.cookie})
			}
		})
	}
}
