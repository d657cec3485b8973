package git

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"
)

// The benchmarks compare a checkout with plain git on the same
// repository in the same run (go test -run X -bench . ./internal/git),
// each round timing both back to back. The repository has 10,000
// commits and 5,000 files, made with git fast-import; it is served by
// git daemon on loopback.

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
	blob := func(mark int, data string) {
		fmt.Fprintf(w, "blob\nmark :%d\ndata %d\n%s\n", mark, len(data), data)
	}
	for i := 0; i < benchFiles; i++ {
		blob(i+1, fmt.Sprintf("file %d\nline two\n", i))
	}
	parent := ""
	mark := benchFiles + 1
	for c := 0; c < benchCommits; c++ {
		var files []string
		if c == 0 {
			for i := 0; i < benchFiles; i++ {
				files = append(files, fmt.Sprintf("M 100644 :%d dir%d/file%d.txt\n", i+1, i%50, i))
			}
		} else {
			i := (c * 7919) % benchFiles
			blob(mark, fmt.Sprintf("file %d\nchanged in commit %d\n", i, c))
			files = append(files, fmt.Sprintf("M 100644 :%d dir%d/file%d.txt\n", mark, i%50, i))
			mark++
		}
		msg := fmt.Sprintf("commit %d", c)
		fmt.Fprintf(w, "commit refs/heads/main\nmark :%d\ncommitter Carl <carl@example.com> %d +0000\ndata %d\n%s\n",
			mark, 1600000000+c, len(msg), msg)
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
	cmd.Dir = dir
	cmd.Env = r.env
	cmd.Stdin = &stream
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("fast-import: %v\n%s", err, out)
	}
	r.git("checkout", "-q", "-f", "main")
	r.git("gc", "-q")
	return r
}

type benchFixture struct {
	base, url string
	repo      *repo
	env       []string
}

func newBenchFixture(b *testing.B) *benchFixture {
	b.Helper()
	base := b.TempDir()
	f := &benchFixture{base: base}
	f.repo = bigRepo(b, filepath.Join(base, "big.git"))
	f.url = daemon(b, base) + "/big.git"
	f.env = testEnv(b.TempDir())
	return f
}

func (f *benchFixture) git(b *testing.B, dir string, args ...string) {
	b.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = f.env
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

func (f *benchFixture) checkout(b *testing.B, ws, cache string, prev *BuildData, n int) *Result {
	b.Helper()
	var log bytes.Buffer
	c := &Checkout{SCM: scmFor(b, f.url, "*/main", ""), Runner: LocalRunner{}, Workspace: ws,
		TmpDir: ws + "@tmp", CacheDir: cache, Env: f.env, Previous: prev, BuildNumber: n, Log: &log}
	res, err := c.Run(context.Background())
	if err != nil {
		b.Fatalf("checkout: %v\n%s", err, log.String())
	}
	return res
}

// timed runs fn and returns how long it took.
func timed(fn func()) time.Duration {
	start := time.Now()
	fn()
	return time.Since(start)
}

// ratios reports, beside the total times, the median of the per-round
// ratios jeeves/floor: the machine is shared, so each round measures
// both back to back.
type ratios struct {
	floor, jeeves time.Duration
	r             []float64
}

func (r *ratios) add(floor, jeeves time.Duration) {
	r.floor += floor
	r.jeeves += jeeves
	r.r = append(r.r, float64(jeeves)/float64(floor))
}

func (r *ratios) report(b *testing.B, floorName string) {
	n := float64(len(r.r))
	sort.Float64s(r.r)
	b.ReportMetric(r.floor.Seconds()/n, floorName+"-s/op")
	b.ReportMetric(r.jeeves.Seconds()/n, "jeeves-s/op")
	b.ReportMetric(r.r[len(r.r)/2], "median-ratio")
	b.ReportMetric(float64(r.jeeves)/float64(r.floor), "total-ratio")
}

// BenchmarkFirstCheckout: git clone against a first checkout (no mirror
// yet), in alternation. Budget: ratio ≤ 1.2.
func BenchmarkFirstCheckout(b *testing.B) {
	f := newBenchFixture(b)
	var r ratios
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		root := b.TempDir()
		clone := timed(func() { f.git(b, "", "clone", "-q", f.url, filepath.Join(root, "clone")) })
		first := timed(func() { f.checkout(b, filepath.Join(root, "ws"), filepath.Join(root, "cache"), nil, 1) })
		r.add(clone, first)
	}
	r.report(b, "git-clone")
}

// BenchmarkFirstCheckoutDirect: git clone against a first checkout
// without a cache directory (init and fetch, as the plugin does).
func BenchmarkFirstCheckoutDirect(b *testing.B) {
	f := newBenchFixture(b)
	var r ratios
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		root := b.TempDir()
		clone := timed(func() { f.git(b, "", "clone", "-q", f.url, filepath.Join(root, "clone")) })
		first := timed(func() { f.checkout(b, filepath.Join(root, "ws"), "", nil, 1) })
		r.add(clone, first)
	}
	r.report(b, "git-clone")
}

// BenchmarkFirstCheckoutMirrorExists: git clone against a first checkout
// of a new workspace when another job already made the mirror.
func BenchmarkFirstCheckoutMirrorExists(b *testing.B) {
	f := newBenchFixture(b)
	cache := filepath.Join(b.TempDir(), "cache")
	f.checkout(b, filepath.Join(b.TempDir(), "ws"), cache, nil, 1)
	var r ratios
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		root := b.TempDir()
		clone := timed(func() { f.git(b, "", "clone", "-q", f.url, filepath.Join(root, "clone")) })
		first := timed(func() { f.checkout(b, filepath.Join(root, "ws"), cache, nil, 1) })
		r.add(clone, first)
	}
	r.report(b, "git-clone")
}

// BenchmarkRecheckout: after one new commit, git fetch + git checkout -f
// in an existing clone against the next build's checkout, and a fresh
// git clone. Budgets: ≤ 1.5× the fetch and checkout, ≥ 5× faster than
// the clone.
func BenchmarkRecheckout(b *testing.B) {
	f := newBenchFixture(b)
	root := b.TempDir()
	clone := filepath.Join(root, "clone")
	f.git(b, "", "clone", "-q", f.url, clone)
	ws, cache := filepath.Join(root, "ws"), filepath.Join(root, "cache")
	res := f.checkout(b, ws, cache, nil, 1)
	var r, fresh ratios
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f.repo.commit("bench "+strconv.Itoa(i), map[string]string{"dir1/file1.txt": "changed " + strconv.Itoa(i) + "\n"})
		floor := timed(func() {
			f.git(b, clone, "fetch", "-q", "origin")
			f.git(b, clone, "checkout", "-q", "-f", "origin/main")
		})
		var next *Result
		again := timed(func() { next = f.checkout(b, ws, cache, res.BuildData, i+2) })
		res = next
		c := timed(func() { f.git(b, "", "clone", "-q", f.url, filepath.Join(b.TempDir(), "fresh")) })
		r.add(floor, again)
		fresh.add(c, again)
	}
	r.report(b, "git-fetch+checkout")
	b.ReportMetric(fresh.floor.Seconds()/float64(len(fresh.r)), "git-clone-s/op")
	b.ReportMetric(float64(fresh.floor)/float64(fresh.jeeves), "times-faster-than-clone")
}
