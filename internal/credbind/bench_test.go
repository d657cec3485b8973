package credbind

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/executor"
	"github.com/jeeves-ci/jeeves/internal/model"
)

// timed wraps the contributor: it records how long its part of each
// build takes (For, Setup and the teardown), which is all binding adds
// to a build besides masking its output.
type timed struct {
	c     *Contributor
	spent []time.Duration
}

func (t *timed) For(job *model.Job) *executor.Part {
	start := time.Now()
	p := t.c.For(job)
	spent := time.Since(start)
	if p == nil || p.Setup == nil {
		t.spent = append(t.spent, spent)
		return p
	}
	setup := p.Setup
	p.Setup = func(ctx context.Context, b *executor.Build) (func(context.Context, *executor.Build), error) {
		start := time.Now()
		undo, err := setup(ctx, b)
		spent += time.Since(start)
		return func(ctx context.Context, b *executor.Build) {
			start := time.Now()
			if undo != nil {
				undo(ctx, b)
			}
			t.spent = append(t.spent, spent+time.Since(start))
		}, err
	}
	return p
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// BenchmarkBuild runs one-step `echo hello` builds through the executor
// as jeeves runs them (SQLite, the console log, the local launcher,
// processes), taking turns, beside the floor of the same script run
// directly (`/bin/sh -xe script` by os/exec):
//
//   - no credentials: a job that binds nothing;
//   - three bindings: a secret text, a username/password pair and a
//     secret file bound (resolved, masked, recorded and audited, the file
//     written and removed).
//
// It reports each median as ms/build, and binding-µs: the median time
// the credentials contributor itself takes in a build (For, Setup and
// its teardown, timed around it), for each kind of job.
func BenchmarkBuild(b *testing.B) {
	w := open(b, "")
	w.ex.Shutdown(0)
	w.ex = executor.New(executor.Config{Home: w.home, Env: []string{"PATH=" + os.Getenv("PATH")}}, w.st, w.logs, w.js)
	w.ex.OnFinished(func(fb model.Build) { w.finished <- fb })
	b.Cleanup(func() { w.ex.Shutdown(0) })
	plainC, boundC := &timed{c: New(w.svc, nil)}, &timed{c: New(w.svc, nil)}
	w.create(b, newSecrets(b).xmls()...)
	plain := w.job(b, "plain", "", "echo hello")
	bound := w.job(b, "bound", bindings(
		"StringBinding credentialsId=gh-token variable=GH_TOKEN",
		"UsernamePasswordMultiBinding credentialsId=deploy usernameVariable=U passwordVariable=P",
		"FileBinding credentialsId=npmrc variable=NPMRC",
	), "echo hello")
	w.ex.Register(contributorFor{plain.ID: plainC, bound.ID: boundC})
	dir := b.TempDir()
	script := filepath.Join(dir, "script.sh")
	os.WriteFile(script, []byte("\necho hello\n"), 0o600)

	build := func(j *model.Job) time.Duration {
		start := time.Now()
		r := w.start(b, j)
		select {
		case <-r.Done():
		case <-time.After(time.Minute):
			b.Fatal("the build did not finish")
		}
		d := time.Since(start)
		if fb := w.await(b); fb.Result != model.Success {
			b.Fatalf("%s:\n%s", fb.Result, w.console(b, fb))
		}
		return d
	}
	var direct, none, three []time.Duration
	for b.Loop() {
		start := time.Now()
		cmd := exec.Command("/bin/sh", "-xe", script)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%v: %s", err, out)
		}
		direct = append(direct, time.Since(start))
		none = append(none, build(plain))
		three = append(three, build(bound))
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(ms(median(direct)), "direct-ms")
	b.ReportMetric(ms(median(none)), "none-ms")
	b.ReportMetric(ms(median(three)), "three-ms")
	b.ReportMetric(float64(median(plainC.spent))/float64(time.Microsecond), "none-binding-µs")
	b.ReportMetric(float64(median(boundC.spent))/float64(time.Microsecond), "three-binding-µs")
}

// contributorFor hands each job to the contributor given for it.
type contributorFor map[int64]*timed

func (c contributorFor) For(job *model.Job) *executor.Part {
	if t := c[job.ID]; t != nil {
		return t.For(job)
	}
	return nil
}
