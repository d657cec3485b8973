package gitscm

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/executor"
	"github.com/jeeves-ci/jeeves/internal/git"
	"github.com/jeeves-ci/jeeves/internal/model"
)

// The benchmarks run whole builds and polls through the farm (executor,
// local launcher, the Runner over it) beside plain git on the same
// repository in the same run (go test -run X -bench . ./internal/gitscm).
// The repository is internal/git's benchmark repository: 10,000 commits
// and 5,000 files, made with git fast-import, served by git daemon.

const (
	benchFiles   = 5000
	benchCommits = 10000
)

// bigRepo makes the benchmark repository in dir.
func bigRepo(b *testing.B, dir string) *repo {
	b.Helper()
	r := newRepo(b, dir)
	var stream bytes.Buffer
	w := bufio.NewWriter(&stream)
	for i := 0; i < benchFiles; i++ {
		data := fmt.Sprintf("file %d\nline two\n", i)
		fmt.Fprintf(w, "blob\nmark :%d\ndata %d\n%s\n", i+1, len(data), data)
	}
	parent, mark := "", benchFiles+1
	for c := 0; c < benchCommits; c++ {
		var files []string
		if c == 0 {
			for i := 0; i < benchFiles; i++ {
				files = append(files, fmt.Sprintf("M 100644 :%d dir%d/file%d.txt\n", i+1, i%50, i))
			}
		} else {
			i := (c * 7919) % benchFiles
			data := fmt.Sprintf("file %d\nchanged in commit %d\n", i, c)
			fmt.Fprintf(w, "blob\nmark :%d\ndata %d\n%s\n", mark, len(data), data)
			files = append(files, fmt.Sprintf("M 100644 :%d dir%d/file%d.txt\n", mark, i%50, i))
			mark++
		}
		msg := fmt.Sprintf("commit %d", c)
		fmt.Fprintf(w, "commit refs/heads/main\nmark :%d\ncommitter Carl <carl@example.com> %d +0000\ndata %d\n%s\n", mark, 1600000000+c, len(msg), msg)
		if parent != "" {
			fmt.Fprintf(w, "from %s\n", parent)
		}
		for _, f := range files {
			w.WriteString(f)
		}
		w.WriteString("\n")
		parent = ":" + strconv.Itoa(mark)
		mark++
	}
	w.Flush()
	cmd := exec.Command("git", "fast-import", "--quiet")
	cmd.Dir, cmd.Env, cmd.Stdin = dir, r.env, &stream
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("fast-import: %v\n%s", err, out)
	}
	r.git("checkout", "-q", "-f", "main")
	r.git("gc", "-q")
	return r
}

func runGit(b *testing.B, env []string, dir string, args ...string) {
	b.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir, cmd.Env = dir, env
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

func timed(fn func()) time.Duration {
	start := time.Now()
	fn()
	return time.Since(start)
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[len(s)/2]
}

// timing wraps the plugin to time each checkout phase.
type timing struct {
	p    *Plugin
	mu   sync.Mutex
	last time.Duration
}

func (t *timing) For(j *model.Job) *executor.Part {
	part := t.p.For(j)
	if part == nil {
		return nil
	}
	co := part.Checkout
	part.Checkout = func(ctx context.Context, b *executor.Build) error {
		start := time.Now()
		err := co(ctx, b)
		t.mu.Lock()
		t.last = time.Since(start)
		t.mu.Unlock()
		return err
	}
	return part
}

// BenchmarkBuildRecheckout: after one new commit, a whole build of a
// GitSCM job (queue, executor, checkout through the launcher, a "true"
// step, the result recorded) against git fetch + git checkout -f in an
// existing clone. The checkout phase alone is reported too.
func BenchmarkBuildRecheckout(b *testing.B) {
	needTool(b, "git", "apt-get install git")
	base := b.TempDir()
	r := bigRepo(b, filepath.Join(base, "big.git"))
	url := daemon(b, base) + "/big.git"
	env := testEnv(b.TempDir())
	clone := filepath.Join(b.TempDir(), "clone")
	runGit(b, env, "", "clone", "-q", url, clone)

	w := benchWorld(b)
	j := w.job("big", gitJobXML(url, "*/main", "", "", "true"))
	if bld, log := w.build(j); bld.Result != model.Success {
		b.Fatalf("%s\n%s", bld.Result, log)
	}
	var floors, builds, checkouts, ratios, coRatios []float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.commit("bench "+strconv.Itoa(i), map[string]string{"dir1/file1.txt": "changed " + strconv.Itoa(i) + "\n"})
		floor := timed(func() {
			runGit(b, env, clone, "fetch", "-q", "origin")
			runGit(b, env, clone, "checkout", "-q", "-f", "origin/main")
		})
		var bld model.Build
		build := timed(func() { bld, _ = w.build(j) })
		if bld.Result != model.Success {
			b.Fatalf("%+v\n%s", bld, w.log(bld))
		}
		w.timing.mu.Lock()
		co := w.timing.last
		w.timing.mu.Unlock()
		floors = append(floors, floor.Seconds())
		builds = append(builds, build.Seconds())
		checkouts = append(checkouts, co.Seconds())
		ratios = append(ratios, build.Seconds()/floor.Seconds())
		coRatios = append(coRatios, co.Seconds()/floor.Seconds())
	}
	b.ReportMetric(median(floors), "git-fetch+checkout-s/op")
	b.ReportMetric(median(builds), "build-s/op")
	b.ReportMetric(median(checkouts), "checkout-phase-s/op")
	b.ReportMetric(median(ratios), "build-ratio")
	b.ReportMetric(median(coRatios), "checkout-ratio")
}

// BenchmarkPoll100Jobs: one polling cycle of 100 jobs of one repository
// (each built before), against one plain git ls-remote. The cycle asks
// the remote once.
func BenchmarkPoll100Jobs(b *testing.B) {
	needTool(b, "git", "apt-get install git")
	r := serve(b, "app.git")
	sha := r.commit("one", nil)
	env := testEnv(b.TempDir())
	w := benchWorld(b)
	ctx := context.Background()
	var jobs []*model.Job
	for i := 0; i < 100; i++ {
		j := w.job("j"+strconv.Itoa(i), gitJobXML(r.url, "*/main", "", scmTrigger("", false), "true"))
		if err := w.st.ImportBuilds(ctx, j.ID, []model.Build{{Number: 1, Result: model.Success, StartedAt: time.Now()}}); err != nil {
			b.Fatal(err)
		}
		rev := git.Revision{SHA1: sha, Branches: []git.Branch{{Name: "refs/remotes/origin/main", SHA1: sha}}}
		bd := &git.BuildData{BuildsByBranchName: map[string]*git.Build{}, RemoteURLs: []string{r.url}}
		bld := &git.Build{Marked: rev, Revision: rev, Number: 1}
		bd.BuildsByBranchName["refs/remotes/origin/main"], bd.LastBuild = bld, bld
		if err := writeBuildData(w.blobs, j.ID, 1, bd); err != nil {
			b.Fatal(err)
		}
		jobs = append(jobs, j)
	}
	var floors, cycles []float64
	before := w.l.lsRemotes.Load()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		floor := timed(func() { runGit(b, env, "", "ls-remote", "-h", "--", r.url) })
		var res []PollResult
		cycle := timed(func() { res = w.plugin.Poll(ctx, jobs...) })
		for _, p := range res {
			if p.Changes || p.Err != nil {
				b.Fatalf("%+v", p)
			}
		}
		floors = append(floors, floor.Seconds())
		cycles = append(cycles, cycle.Seconds())
	}
	b.ReportMetric(median(floors), "git-ls-remote-s/op")
	b.ReportMetric(median(cycles), "cycle-s/op")
	b.ReportMetric(float64(w.l.lsRemotes.Load()-before)/float64(b.N), "ls-remotes/cycle")
}
