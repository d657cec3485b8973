package executor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/model"
)

// recorder is a contributor that says in the console what each phase
// saw, and can fail a phase or worsen the result.
type recorder struct {
	name           string
	failCheckout   bool
	failSetup      bool
	publishResult  model.Result
	notifier       bool
	secret, envVar string
}

func (r *recorder) part() *Part {
	return &Part{
		Name: r.name,
		Checkout: func(_ context.Context, b *Build) error {
			fmt.Fprintf(b.Console(), "%s: checkout in %s\n", r.name, b.Workspace)
			if r.failCheckout {
				return errors.New("no such repository")
			}
			return nil
		},
		Setup: func(_ context.Context, b *Build) (func(context.Context, *Build), error) {
			fmt.Fprintf(b.Console(), "%s: setup\n", r.name)
			if r.envVar != "" {
				b.SetEnv(r.envVar, r.secret)
				b.Mask(r.secret)
			}
			if r.failSetup {
				return nil, errors.New("no such credential")
			}
			return func(_ context.Context, b *Build) { fmt.Fprintf(b.Console(), "%s: teardown\n", r.name) }, nil
		},
		Publish: func(_ context.Context, b *Build) {
			fmt.Fprintf(b.Console(), "%s: publish after %s\n", r.name, b.Result)
			if r.publishResult != "" {
				b.SetResult(r.publishResult)
			}
		},
		Notifier: r.notifier,
	}
}

// TestContributors: the phases run in Jenkins's order, around the steps.
func TestContributors(t *testing.T) {
	head := "Started\nRunning as SYSTEM\nBuilding in workspace /ws/job\n"
	cases := []struct {
		name   string
		job    *model.Job
		rs     []*recorder
		want   model.Result
		log    string
		ctxErr bool
	}{
		{
			name: "a checkout, a wrapper and a recorder run around the steps, the notifier last",
			job:  shellJob("echo hi"),
			rs:   []*recorder{{name: "mail", notifier: true}, {name: "git"}},
			want: model.Success,
			log: head + "mail: checkout in /ws/job\ngit: checkout in /ws/job\nmail: setup\ngit: setup\n" +
				"[job] $ /bin/sh -xe /tmp/s1\ngit: teardown\nmail: teardown\n" +
				"git: publish after SUCCESS\nmail: publish after SUCCESS\nFinished: SUCCESS\n",
		},
		{
			name: "a failed checkout fails the build: no setup, no step, but the publishers run",
			job:  shellJob("echo hi"),
			rs:   []*recorder{{name: "git", failCheckout: true}, {name: "junit"}},
			want: model.Failure,
			log:  head + "git: checkout in /ws/job\ngit: publish after FAILURE\njunit: publish after FAILURE\nFinished: FAILURE\n",
		},
		{
			name: "a failed setup undoes the setups before it and runs no step",
			job:  shellJob("echo hi"),
			rs:   []*recorder{{name: "a"}, {name: "b", failSetup: true}},
			want: model.Failure,
			log: head + "a: checkout in /ws/job\nb: checkout in /ws/job\na: setup\nb: setup\na: teardown\n" +
				"a: publish after FAILURE\nb: publish after FAILURE\nFinished: FAILURE\n",
		},
		{
			name: "a recorder may make the build unstable, never better",
			job:  shellJob("exit 1"),
			rs:   []*recorder{{name: "junit", publishResult: model.Unstable}},
			want: model.Failure,
			log: head + "junit: checkout in /ws/job\njunit: setup\n[job] $ /bin/sh -xe /tmp/s1\n" +
				"Build step 'Execute shell' marked build as failure\njunit: teardown\njunit: publish after FAILURE\nFinished: FAILURE\n",
		},
		{
			name: "a recorder's unstable stands after a passing step",
			job:  shellJob("echo hi"),
			rs:   []*recorder{{name: "junit", publishResult: model.Unstable}},
			want: model.Unstable,
			log: head + "junit: checkout in /ws/job\njunit: setup\n[job] $ /bin/sh -xe /tmp/s1\n" +
				"junit: teardown\njunit: publish after SUCCESS\nFinished: UNSTABLE\n",
		},
		{
			name: "a bound secret is masked in the console from then on",
			job:  shellJob("echo hi"),
			rs:   []*recorder{{name: "creds", envVar: "TOKEN", secret: "s3cr3t-value"}, {name: "echo"}},
			want: model.Success,
			log: head + "creds: checkout in /ws/job\necho: checkout in /ws/job\ncreds: setup\necho: setup\n" +
				"[job] $ /bin/sh -xe /tmp/s1\necho: teardown\ncreds: teardown\n" +
				"creds: publish after SUCCESS\necho: publish after SUCCESS\nFinished: SUCCESS\n",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := newFakeLauncher()
			l.exit = exitBy
			var log bytes.Buffer
			var parts []*Part
			for _, r := range c.rs {
				parts = append(parts, r.part())
			}
			got, err := runSteps(context.Background(), steps{
				job: c.job, build: &model.Build{Number: 7}, workspace: "/ws/job", log: &log,
				launcher: l, cookie: "cookie", parts: parts, ctx: &Build{},
			})
			if err != nil || got != c.want {
				t.Fatalf("result %s, %v; want %s\n%s", got, err, c.want, log.String())
			}
			if s := scriptNames(log.String()); s != c.log {
				t.Fatalf("console:\n%s\nwant:\n%s", s, c.log)
			}
		})
	}
	t.Run("the steps get what a setup set, and an aborted build is torn down", func(t *testing.T) {
		l := newFakeLauncher()
		l.exit = exitBy
		ctx, cancel := context.WithCancelCause(context.Background())
		var env []string
		r := &recorder{name: "creds", envVar: "TOKEN", secret: "s3cr3t-value"}
		p := r.part()
		setup := p.Setup
		p.Setup = func(ctx context.Context, b *Build) (func(context.Context, *Build), error) {
			undo, err := setup(ctx, b)
			env = b.Env()
			return undo, err
		}
		go func() { <-l.started; cancel(&Aborted{By: "alice"}) }()
		var log bytes.Buffer
		got, _ := runSteps(ctx, steps{job: shellJob("block"), build: &model.Build{}, workspace: "/ws/job", log: &log,
			launcher: l, cookie: "c", parts: []*Part{p}, ctx: &Build{}})
		if got != model.Aborted {
			t.Fatalf("result %s", got)
		}
		if !strings.Contains(strings.Join(env, "\n"), "TOKEN=s3cr3t-value") {
			t.Errorf("env %q", env)
		}
		if !strings.Contains(log.String(), "creds: teardown\n") || !strings.Contains(log.String(), "creds: publish after ABORTED\n") {
			t.Errorf("console:\n%s", log.String())
		}
	})
	t.Run("an element a contributor runs is not warned about, the others still are", func(t *testing.T) {
		job := shellJob("echo hi")
		job.Config.Unsupported = []model.Unsupported{
			{Kind: model.KindPublisher, Class: "hudson.tasks.ArtifactArchiver", Name: "Archive the artifacts"},
			{Kind: model.KindPublisher, Class: "hudson.tasks.Mailer", Name: "E-mail Notification"},
		}
		var log bytes.Buffer
		runSteps(context.Background(), steps{job: job, build: &model.Build{}, workspace: "/ws/job", log: &log,
			launcher: newFakeLauncher(), parts: []*Part{{Runs: []string{"hudson.tasks.ArtifactArchiver"}}}, ctx: &Build{}})
		if strings.Contains(log.String(), "Archive the artifacts") || !strings.Contains(log.String(), "WARNING: jeeves does not run E-mail Notification (hudson.tasks.Mailer)") {
			t.Fatalf("console:\n%s", log.String())
		}
	})
	t.Run("the console masks what was bound, also in the steps' output", func(t *testing.T) {
		var log bytes.Buffer
		b := &Build{}
		p := &Part{Setup: func(_ context.Context, b *Build) (func(context.Context, *Build), error) {
			b.Mask("s3cr3t-value")
			io.WriteString(b.Console(), "token is s3cr3t-value\n")
			return nil, nil
		}}
		runSteps(context.Background(), steps{job: shellJob(), build: &model.Build{}, workspace: "/ws/job", log: &log,
			launcher: newFakeLauncher(), parts: []*Part{p}, ctx: b})
		if strings.Contains(log.String(), "s3cr3t") || !strings.Contains(log.String(), "token is ****\n") {
			t.Fatalf("console:\n%s", log.String())
		}
	})
}

// scriptNames makes the fake launcher's script names stable (s1, s2…).
func scriptNames(s string) string {
	var out []string
	n := 0
	for _, line := range strings.Split(s, "\n") {
		if i := strings.Index(line, "$ /bin/sh -xe "); i >= 0 {
			n++
			line = line[:i] + fmt.Sprintf("$ /bin/sh -xe /tmp/s%d", n)
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

// contributorFunc is a Contributor from a function.
type contributorFunc func(*model.Job) *Part

func (f contributorFunc) For(j *model.Job) *Part { return f(j) }

// TestRegisteredContributors: a registered contributor takes part in the
// builds of the jobs it returns a Part for, with real processes; its
// variables reach the steps, its secrets are masked in their output, and
// Finished hears of the recorded build.
func TestRegisteredContributors(t *testing.T) {
	w := newWorld(t, Config{}, nil)
	finished := make(chan model.Build, 1)
	w.ex.Register(contributorFunc(func(j *model.Job) *Part {
		if j.Name != "bound" {
			return nil
		}
		return &Part{
			Setup: func(_ context.Context, b *Build) (func(context.Context, *Build), error) {
				b.SetEnv("API_TOKEN", "tok-1234567")
				b.Mask("tok-1234567")
				return nil, nil
			},
			Finished: func(_ context.Context, b model.Build) { finished <- b },
		}
	}))
	bound := w.job(t, "bound", `echo "token=$API_TOKEN"`)
	plain := w.job(t, "plain", `echo "token=${API_TOKEN:-none}"`)
	w.start(t, bound)
	b := awaitFinished(t, w.finished)
	if log := w.log(t, b); !strings.Contains(log, "token=****\n") || strings.Contains(log, "tok-1234567") {
		t.Fatalf("console:\n%s", log)
	}
	select {
	case fb := <-finished:
		if fb.Number != b.Number || fb.Result != model.Success || fb.Building {
			t.Fatalf("Finished heard %+v", fb)
		}
	default:
		t.Fatal("Finished was not called before the build's end was published")
	}
	w.start(t, plain)
	b = awaitFinished(t, w.finished)
	if log := w.log(t, b); !strings.Contains(log, "token=none\n") {
		t.Fatalf("a job the contributor does not care for got its variable:\n%s", log)
	}
}

// TestPartRuns: an element of the configuration that a part runs is not
// called "not run" in the console; the others still are.
func TestPartRuns(t *testing.T) {
	job := shellJob("echo hi")
	job.Config.Unsupported = []model.Unsupported{
		{Kind: model.KindWrapper, Class: "org.example.SecretWrapper", Name: "Secrets"},
		{Kind: model.KindWrapper, Class: "org.example.Timestamper", Name: "Timestamps"},
	}
	for _, c := range []struct {
		name  string
		parts []*Part
		warns []string
	}{
		{"without a part running it, each element gets its warning", nil, []string{"Secrets", "Timestamps"}},
		{"a part that runs an element takes its warning away", []*Part{{Name: "secrets", Runs: []string{"org.example.SecretWrapper"}}}, []string{"Timestamps"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var log bytes.Buffer
			got, err := runSteps(context.Background(), steps{job: job, build: &model.Build{}, workspace: "/ws/job", log: &log,
				launcher: newFakeLauncher(), parts: c.parts, ctx: &Build{}})
			if err != nil || got != model.Success {
				t.Fatalf("%s %v", got, err)
			}
			var warns []string
			for _, line := range strings.Split(log.String(), "\n") {
				if name, ok := strings.CutPrefix(line, "WARNING: jeeves does not run "); ok {
					warns = append(warns, strings.Fields(name)[0])
				}
			}
			if strings.Join(warns, ",") != strings.Join(c.warns, ",") {
				t.Fatalf("warnings %v, want %v:\n%s", warns, c.warns, log.String())
			}
		})
	}
}

// recoverer is a contributor that records what Recover gave it.
type recoverer struct {
	contributorFunc
	got chan []*model.Build
}

func (r recoverer) Recover(_ context.Context, node *Node, stale []*model.Build) {
	if node == nil || node.Launcher == nil {
		panic("no node")
	}
	r.got <- stale
}

// TestContributorRunsWhatConfigxmlListsAsNotRun: an SCM configxml lists
// as not run fails the build unless a registered contributor runs it;
// then the build checks out and runs, and the other elements the job
// does not run are still reported.
func TestContributorRunsWhatConfigxmlListsAsNotRun(t *testing.T) {
	git := model.Unsupported{Kind: model.KindSCM, Class: "hudson.plugins.git.GitSCM", Name: "Git"}
	merge := model.Unsupported{Kind: model.KindSCM, Class: "x.PreBuildMerge", Name: "Merge before build"}
	paths := model.Unsupported{Kind: model.KindSCMExtension, Class: "x.PathRestriction", Name: "Path restriction"}
	job := func(u ...model.Unsupported) *model.Job {
		j := shellJob("echo hi")
		j.Config.Unsupported = u
		return j
	}
	checkout := &Part{Name: "git", Runs: []string{"hudson.plugins.git.GitSCM"},
		Checkout: func(_ context.Context, b *Build) error { fmt.Fprintln(b.Console(), "git: checked out"); return nil }}
	head := "Started\nRunning as SYSTEM\nBuilding in workspace /ws/job\n"
	cases := []struct {
		name  string
		job   *model.Job
		parts []*Part
		want  model.Result
		log   string
	}{
		{name: "without the contributor the SCM fails the build before any step", job: job(git), want: model.Failure,
			log: head + "ERROR: jeeves cannot run Git (hudson.plugins.git.GitSCM): the build steps would run without the checkout they expect, so the build does not run\nFinished: FAILURE\n"},
		{name: "with it the checkout runs and nothing is reported", job: job(git), parts: []*Part{checkout}, want: model.Success,
			log: head + "git: checked out\n[job] $ /bin/sh -xe /tmp/s1\nFinished: SUCCESS\n"},
		{name: "an extension it does not run still warns", job: job(git, paths), parts: []*Part{checkout}, want: model.Success,
			log: head + "WARNING: jeeves does not run Path restriction (x.PathRestriction); it is kept in config.xml but ignored\n" +
				"git: checked out\n[job] $ /bin/sh -xe /tmp/s1\nFinished: SUCCESS\n"},
		{name: "an extension that changes what is checked out still fails the build", job: job(git, merge), parts: []*Part{checkout}, want: model.Failure,
			log: head + "ERROR: jeeves cannot run Merge before build (x.PreBuildMerge): the build steps would run without the checkout they expect, so the build does not run\nFinished: FAILURE\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := newFakeLauncher()
			l.exit = exitBy
			var log bytes.Buffer
			got, err := runSteps(context.Background(), steps{job: c.job, build: &model.Build{Number: 1}, workspace: "/ws/job",
				log: &log, launcher: l, cookie: "c", parts: c.parts, ctx: &Build{}})
			if err != nil || got != c.want {
				t.Fatalf("result %s, %v; want %s\n%s", got, err, c.want, log.String())
			}
			if s := scriptNames(log.String()); s != c.log {
				t.Fatalf("console:\n%s\nwant:\n%s", s, c.log)
			}
		})
	}
	t.Run("the job page's list leaves out what a registered contributor runs", func(t *testing.T) {
		w := newWorld(t, Config{}, nil)
		j := job(git, paths)
		if got := w.ex.Unsupported(j); len(got) != 2 {
			t.Fatalf("unregistered: %v", got)
		}
		w.ex.Register(contributorFunc(func(*model.Job) *Part { return checkout }))
		if got := w.ex.Unsupported(j); len(got) != 1 || got[0] != paths {
			t.Fatalf("registered: %v", got)
		}
	})
}
