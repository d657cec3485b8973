package gitscm

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/blob"
	"github.com/jeeves-ci/jeeves/internal/model"
)

// TestPolling: three jobs of one repository poll with one ls-remote per
// poll, and each is built once when the repository has changed.
func TestPolling(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	r := serve(t, "app.git")
	one := r.commit("one", map[string]string{"a.txt": "a\n"})
	var jobs []*model.Job
	for _, name := range []string{"a", "b", "c"} {
		jobs = append(jobs, w.job(name, gitJobXML(r.url, "*/main", "", scmTrigger("", false), "echo built")))
	}
	awaitSCMBuilds := func(t *testing.T, want int) map[int64]model.Build {
		t.Helper()
		got := map[int64]model.Build{}
		for len(got) < want {
			b := w.await()
			if len(b.Causes) != 1 || b.Causes[0].Kind != model.CauseSCM || b.Result != model.Success {
				t.Fatalf("build %+v:\n%s", b, w.log(b))
			}
			got[b.JobID] = b
		}
		return got
	}

	t.Run("jobs never built are built, without asking the remote", func(t *testing.T) {
		for _, res := range w.plugin.Poll(ctx, jobs...) {
			if !res.Changes || res.Err != nil || res.Item == nil {
				t.Fatalf("%+v", res)
			}
		}
		awaitSCMBuilds(t, 3)
		if n := w.l.lsRemotes.Load(); n != 0 {
			t.Errorf("%d ls-remote", n)
		}
		mustContain(t, "polling log", w.read(PollingLogKey(jobs[0].ID)), "Started on ", "\nNo existing build. Scheduling a new one.\nDone. Took ", "\nChanges found\n")
	})

	t.Run("nothing new: no build, one ls-remote for the three", func(t *testing.T) {
		before := w.l.lsRemotes.Load()
		for _, res := range w.plugin.Poll(ctx, jobs...) {
			if res.Changes || res.Err != nil {
				t.Fatalf("%+v", res)
			}
		}
		if n := w.l.lsRemotes.Load() - before; n != 1 {
			t.Errorf("%d ls-remote for three jobs", n)
		}
		log := w.read(PollingLogKey(jobs[1].ID))
		mustContain(t, "polling log", log, "Using strategy: Default\n",
			"[poll] Last Built Revision: Revision "+one+" (refs/remotes/origin/main)\n",
			" > git ls-remote -h -- "+r.url+" # timeout=10\n",
			"[poll] Latest remote head revision on refs/heads/main is: "+one+" - already built by 1\n", "\nNo changes\n")
		w.noBuild()
	})

	two := r.commit("two", map[string]string{"a.txt": "b\n"})
	t.Run("a new commit: each job is built once, started by an SCM change, with its polling log", func(t *testing.T) {
		before := w.l.lsRemotes.Load()
		for _, res := range w.plugin.Poll(ctx, jobs...) {
			if !res.Changes || res.Err != nil || res.Item == nil {
				t.Fatalf("%+v", res)
			}
		}
		if n := w.l.lsRemotes.Load() - before; n != 1 {
			t.Errorf("%d ls-remote for three jobs", n)
		}
		builds := awaitSCMBuilds(t, 3)
		b := builds[jobs[2].ID]
		log := w.log(b)
		mustContain(t, "console", log, "Started by an SCM change\n", "Checking out Revision "+two+" (refs/remotes/origin/main)\n")
		mustContain(t, "the build's polling log", w.read(BuildPollingLogKey(b.JobID, b.Number)),
			"[poll] Latest remote head revision on refs/heads/main is: "+two+"\n", "Changes found\n")
		w.noBuild()
	})

	t.Run("a disabled job is not built", func(t *testing.T) {
		j := w.job("off", strings.Replace(gitJobXML(r.url, "*/main", "", scmTrigger("", false), "true"), "<project>", "<project><disabled>true</disabled>", 1))
		res := w.plugin.Poll(ctx, j)
		if res[0].Changes {
			t.Fatalf("%+v", res)
		}
		mustContain(t, "polling log", w.read(PollingLogKey(j.ID)), "\nBuild disabled\n", "\nNo changes\n")
	})

	t.Run("a repository that cannot be reached is logged with git's message, and nothing is built", func(t *testing.T) {
		j := w.job("gone", gitJobXML(strings.Replace(r.url, "app.git", "gone.git", 1), "*/main", "", scmTrigger("", false), "true"))
		if b, _ := w.build(j); b.Result != model.Failure {
			t.Fatalf("%+v", b)
		}
		res := w.plugin.Poll(ctx, j)
		if res[0].Changes || res[0].Err == nil {
			t.Fatalf("%+v", res)
		}
		mustContain(t, "polling log", w.read(PollingLogKey(j.ID)), "ERROR: Failed to record SCM polling for gone\n",
			"hudson.plugins.git.GitException: Command \"git ls-remote -h -- "+strings.Replace(r.url, "app.git", "gone.git", 1)+"\" returned status code 128:",
			"no such repository")
		w.noBuild()
	})

	t.Run("a token in a remote URL reaches neither the console nor the polling log", func(t *testing.T) {
		j := w.job("token-url", gitJobXML("https://ci:tok3n-s3cret@127.0.0.1:1/app.git", "*/main", "", scmTrigger("", false), "true"))
		b, log := w.build(j)
		if b.Result != model.Failure || strings.Contains(log, "tok3n") {
			t.Fatalf("%s:\n%s", b.Result, log)
		}
		res := w.plugin.Poll(ctx, j)
		plog := w.read(PollingLogKey(j.ID))
		if res[0].Err == nil || strings.Contains(plog, "tok3n") || !strings.Contains(plog, "127.0.0.1:1/app.git") {
			t.Fatalf("%+v\n%s", res, plog)
		}
	})

	t.Run("a local repository is not polled unless local checkouts are allowed", func(t *testing.T) {
		dir := t.TempDir()
		newRepo(t, dir).commit("x", nil)
		j := w.job("local", gitJobXML(dir, "*/main", "", scmTrigger("", false), "true"))
		if b, _ := w.build(j); b.Result != model.Failure {
			t.Fatalf("%+v", b)
		}
		res := w.plugin.Poll(ctx, j)
		if res[0].Changes || res[0].Err == nil || !strings.Contains(res[0].Err.Error(), "SECURITY") && !strings.Contains(res[0].Err.Error(), "local directory") {
			t.Fatalf("%+v", res)
		}
	})

	t.Run("wildcard branch specs are decided by the remote heads", func(t *testing.T) {
		j := w.job("wild", gitJobXML(r.url, "**", "", scmTrigger("", false), "true"))
		if b, log := w.build(j); b.Result != model.Success {
			t.Fatalf("%+v\n%s", b, log)
		}
		if res := w.plugin.Poll(ctx, j); res[0].Changes || res[0].Err != nil {
			t.Fatalf("%+v\n%s", res, w.read(PollingLogKey(j.ID)))
		}
		r.git("checkout", "-q", "-b", "feature")
		r.commit("feature work", nil)
		r.git("checkout", "-q", "main")
		r.commit("three", nil)
		if res := w.plugin.Poll(ctx, j); !res[0].Changes {
			t.Fatalf("%+v\n%s", res, w.read(PollingLogKey(j.ID)))
		}
		// main and feature are both new: the build catches up with a second.
		first, second := w.await(), w.await()
		if first.Result != model.Success || second.Result != model.Success || second.Causes[0].Note == "" {
			t.Fatalf("%+v %+v\n%s\n%s", first, second, w.log(first), w.log(second))
		}
		mustContain(t, "console", w.log(first), "Multiple candidate revisions\nScheduling another build to catch up with wild\n")
		mustContain(t, "the catch-up build's polling log", w.read(BuildPollingLogKey(second.JobID, second.Number)),
			"This build was triggered by build "+itoa(first.Number)+" because more than one build candidate was found.\n")
		w.noBuild()
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestRunPollsOnSchedule: Run sleeps until a job's schedule is due, polls
// it then, and hears of jobs created while it sleeps.
func TestRunPollsOnSchedule(t *testing.T) {
	var offset atomic.Int64
	w := newWorld(t, func(c *Config) { c.Now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) } })
	r := serve(t, "app.git")
	r.commit("one", nil)
	// jeeves's clock is set a second before a minute starts.
	now := time.Now()
	offset.Store(int64(now.Truncate(time.Minute).Add(time.Minute - time.Second).Sub(now)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.plugin.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	due := w.job("every-minute", gitJobXML(r.url, "*/main", "", scmTrigger("* * * * *", false), "true"))
	yearly := w.job("yearly", gitJobXML(r.url, "*/main", "", scmTrigger("H H 1 1 *", false), "true"))
	b := w.await()
	if b.JobID != due.ID || b.Causes[0].Kind != model.CauseSCM {
		t.Fatalf("%+v", b)
	}
	if _, err := w.blobs.Stat(PollingLogKey(yearly.ID)); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("the yearly job was polled: %v", err)
	}
	t.Run("a git job's build no longer reports the SCM trigger as not run while the poller runs", func(t *testing.T) {
		for _, u := range w.farm.Unsupported(due) {
			if u.Class == SCMTriggerClass || u.Class == "hudson.plugins.git.GitSCM" {
				t.Errorf("still listed: %v", u)
			}
		}
	})
}

func TestTimeSpan(t *testing.T) {
	for d, want := range map[time.Duration]string{
		45 * time.Millisecond:                      "45 ms",
		790 * time.Millisecond:                     "0.79 sec",
		1200 * time.Millisecond:                    "1.2 sec",
		3 * time.Second:                            "3 sec",
		12 * time.Second:                           "12 sec",
		65 * time.Second:                           "1 min 5 sec",
		2*time.Hour + 3*time.Minute:                "2 hr 3 min",
		2 * time.Hour:                              "2 hr",
		26*time.Hour + 5*time.Minute + time.Second: "1 day 2 hr",
	} {
		if got := timeSpan(d); got != want {
			t.Errorf("%s: %q, want %q", d, got, want)
		}
	}
}
