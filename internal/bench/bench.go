// Package bench is jeeves's benchmark harness: it builds jeeves, seeds
// homes through the store, starts the real binary on loopback, measures
// what a client sees, and prints each figure beside its floor — the same
// work done without jeeves, measured in the same run on the same machine.
package bench

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Config scales the run; Full is the documented one.
type Config struct {
	Jeeves      string        // the jeeves binary; "" builds it
	Executors   int           // jeeves's executors, and the floor's parallelism
	Jobs        int           // jobs in the big home
	History     int           // builds of the one long-lived job in the big home
	Growth      int           // builds run to watch memory
	RateBuilds  int           // builds queued at once for builds/s
	APIJobs     int           // jobs listed by GET /api/json
	Runs        int           // samples for latencies
	Conns       int           // load generator connections
	LoadTime    time.Duration // measured time per load run (after a warm-up)
	LogSize     int64         // the big console log
	ConsoleSize int64         // what the printing build prints
	Keep        bool          // keep the work directory
	Smoke       bool          // a smoke test: budgets are not checked
	Scale       Scale         // the large installation
}

// Full is the run BENCHMARKS.md documents.
var Full = Config{
	Executors: 2, Jobs: 1000, History: 100_000, Growth: 10_000, RateBuilds: 1000, APIJobs: 100,
	Runs: 200, Conns: 16, LoadTime: 3 * time.Second, LogSize: 1 << 30, ConsoleSize: 200_000_000,
	Scale: Scale{Folders: 100, PerFolder: 100, Builds: 1_000_000, History: 100_000, Queue: 10_000, Clients: 500},
}

// Quick is a scaled-down run for a quick look; its figures are not the
// budgets' conditions.
var Quick = Config{
	Executors: 2, Jobs: 100, History: 10_000, Growth: 1_000, RateBuilds: 200, APIJobs: 100,
	Runs: 40, Conns: 16, LoadTime: time.Second, LogSize: 64 << 20, ConsoleSize: 20_000_000,
	Scale: Scale{Folders: 20, PerFolder: 50, Builds: 100_000, History: 10_000, Queue: 1_000, Clients: 100},
}

// Smoke is the smallest run that still goes through every scenario: a
// few seconds, for CI (.ci/run), to catch a change that breaks the
// harness or a scenario. Its figures mean nothing, and its budgets are
// not checked: only a scenario that fails makes it exit non-zero.
var Smoke = Config{
	Executors: 2, Jobs: 20, History: 200, Growth: 40, RateBuilds: 10, APIJobs: 10,
	Runs: 5, Conns: 4, LoadTime: 300 * time.Millisecond, LogSize: 1 << 20, ConsoleSize: 1 << 20,
	Smoke: true,
	Scale: Scale{Folders: 10, PerFolder: 2, Builds: 200, History: 50, Queue: 20, Clients: 10},
}

// Main is jeeves-bench's command line.
func Main(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("jeeves-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	quick := fs.Bool("quick", false, "a scaled-down run (seconds, not minutes); not the budgets' conditions")
	smoke := fs.Bool("smoke", false, "the smallest run through every scenario, for CI: no budget is checked, a failing scenario exits 1")
	bin := fs.String("jeeves", "", "use this jeeves binary instead of building ./cmd/jeeves")
	keep := fs.Bool("keep", false, "keep the work directory (homes, logs) after the run")
	serveFile := fs.String("serve-file", "", "internal: serve this file as the bare net/http floor")
	builds := fs.Int("builds", 0, "builds queued at once in the builds/s rows (default: the mode's)")
	only := fs.String("only", "", "run only these groups, comma-separated: trigger,rate,param,console,api,big,scale")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *serveFile != "" {
		if err := serveBare(*serveFile, stderr); err != nil {
			fmt.Fprintln(stderr, "jeeves-bench:", err)
			return 1
		}
		return 0
	}
	cfg := Full
	if *quick {
		cfg = Quick
	}
	if *smoke {
		cfg = Smoke
	}
	cfg.Jeeves, cfg.Keep = *bin, *keep
	if *builds > 0 {
		cfg.RateBuilds = *builds
	}
	groups := map[string]bool{}
	for _, g := range strings.Split(*only, ",") {
		if g != "" {
			groups[g] = true
		}
	}
	r := &run{cfg: cfg, out: stderr, groups: groups}
	rows, err := r.all()
	if err != nil {
		fmt.Fprintln(stderr, "jeeves-bench:", err)
		return 1
	}
	fmt.Fprintln(stdout, r.header())
	fmt.Fprint(stdout, Table(rows))
	for _, row := range rows {
		if row.Err != nil {
			return 1
		}
	}
	if cfg.Smoke {
		fmt.Fprintln(stderr, "jeeves-bench: smoke run: every scenario ran (budgets not checked)")
	}
	return 0
}

// serveBare is the floor for the HTTP rows: a bare net/http handler that
// answers every request with the bytes jeeves's /api/json answered.
func serveBare(path string, stderr io.Writer) error {
	body, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	ln, err := listenLoopback()
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "bare handler is ready listen=%s\n", ln.Addr())
	return http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		w.Write(body)
	}))
}

type run struct {
	cfg    Config
	out    io.Writer
	groups map[string]bool
	work   string
	jeeves string
	self   string
	start  time.Time
	// loadBefore is /proc/loadavg's three averages when the run began.
	loadBefore string
}

func (r *run) want(group string) bool { return len(r.groups) == 0 || r.groups[group] }

func (r *run) logf(format string, args ...any) {
	fmt.Fprintf(r.out, "[%5.1fs] "+format+"\n", append([]any{time.Since(r.start).Seconds()}, args...)...)
}

func (r *run) header() string {
	mode := "full"
	if r.cfg.Smoke {
		mode = "smoke (tiny: figures mean nothing, budgets not checked)"
	} else if r.cfg.Jobs != Full.Jobs {
		mode = "quick (scaled down: not the budgets' conditions)"
	}
	return fmt.Sprintf("jeeves-bench %s run, %s, %s/%s, %d CPUs, %s, load average before: %s\n",
		mode, time.Now().UTC().Format("2006-01-02 15:04 MST"), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(),
		runtime.Version(), r.loadBefore)
}

func (r *run) all() ([]Row, error) {
	r.start = time.Now()
	if load, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(load)); len(f) >= 3 {
			r.loadBefore = strings.Join(f[:3], " ")
		}
	}
	var err error
	if r.work, err = os.MkdirTemp("", "jeeves-bench-*"); err != nil {
		return nil, err
	}
	if !r.cfg.Keep {
		defer os.RemoveAll(r.work)
	} else {
		r.logf("work directory: %s", r.work)
	}
	if r.self, err = os.Executable(); err != nil {
		return nil, err
	}
	if r.jeeves = r.cfg.Jeeves; r.jeeves == "" {
		if r.jeeves, err = r.build(); err != nil {
			return nil, err
		}
	}
	var rows []Row
	steps := []struct {
		group string
		fn    func() ([]Row, error)
	}{
		{"trigger", r.triggerRows},
		{"rate", r.rateRows},
		{"param", r.paramRows},
		{"console", r.consoleRows},
		{"api", r.apiRows},
		{"big", r.bigRows},
		{"scale", r.scaleRows},
	}
	for _, s := range steps {
		if !r.want(s.group) {
			continue
		}
		got, err := s.fn()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.group, err)
		}
		rows = append(rows, got...)
	}
	return rows, nil
}

// build compiles jeeves as the README says, from the module this
// harness runs in.
func (r *run) build() (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	out := filepath.Join(r.work, "jeeves")
	r.logf("building jeeves: CGO_ENABLED=0 go build ./cmd/jeeves")
	cmd := exec.Command("go", "build", "-o", out, "./cmd/jeeves")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, b)
	}
	return out, nil
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.Contains(string(b), "module github.com/jeeves-ci/jeeves\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run jeeves-bench inside the jeeves module (or pass -jeeves)")
		}
		dir = parent
	}
}

// home makes a fresh home directory under the work directory.
func (r *run) home(name string) string { return filepath.Join(r.work, name) }

// startJeeves starts jeeves on loopback with no quiet period.
func (r *run) startJeeves(home string) (*proc, error) {
	return startProc([]string{r.jeeves, "serve", "--home", home, "--listen", "127.0.0.1:0",
		"--quiet-period", "0", "--executors", strconv.Itoa(r.cfg.Executors)}, nil)
}

func (r *run) startBare(file string) (*proc, error) {
	return startProc([]string{r.self, "-serve-file", file}, nil)
}

// jobNames is prefix-0000, prefix-0001, …
func jobNames(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%04d", prefix, i)
	}
	return out
}

const helloScript = "echo hello"

// helloJobs is a job running helloScript for each name, each with builds
// finished builds.
func helloJobs(names []string, builds int) []seedJob {
	out := make([]seedJob, len(names))
	for i, n := range names {
		out[i] = seedJob{name: n, command: helloScript, builds: builds}
	}
	return out
}

// trigger POSTs /job/NAME/build?delay=0sec and wants 201.
func trigger(c *client, base, job string) error {
	st, body, _, err := c.do(http.MethodPost, base+"/job/"+job+"/build?delay=0sec", nil)
	if err != nil {
		return err
	}
	if st != http.StatusCreated {
		return fmt.Errorf("trigger %s: %d %s", job, st, firstLine(body))
	}
	return nil
}

// post POSTs url (with the token: no crumb needed) and wants a 2xx or 3xx.
func post(c *client, url string) error {
	st, body, _, err := c.do(http.MethodPost, url, nil)
	if err != nil {
		return err
	}
	if st >= 400 {
		return fmt.Errorf("POST %s: %d %s", url, st, firstLine(body))
	}
	return nil
}

// triggerAll triggers every job from a few concurrent clients.
func triggerAll(c *client, base string, jobs []string) error {
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	next := make(chan string)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				if err := trigger(c, base, j); err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		}()
	}
	for _, j := range jobs {
		next <- j
	}
	close(next)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}

// triggerAndWait triggers every job and waits until all their builds
// have run. Builds start in queue order, so it polls only the last job's
// new build (asking about a long queue would load jeeves), then waits for
// the rest to drain.
func triggerAndWait(c *client, base string, jobs []string, every time.Duration) error {
	last := jobs[len(jobs)-1]
	n, err := nextBuildNumber(c, base, last)
	if err != nil {
		return err
	}
	if err := triggerAll(c, base, jobs); err != nil {
		return err
	}
	return waitLast(c, base, last, n, every)
}

func waitLast(c *client, base, last string, n int64, every time.Duration) error {
	res, err := waitBuild(c, base, last, n, every)
	if err != nil {
		return err
	}
	if res != "SUCCESS" {
		return fmt.Errorf("%s #%d: %s", last, n, res)
	}
	return waitIdle(c, base, every)
}

// waitIdle polls until the queue is empty and no executor is busy.
func waitIdle(c *client, base string, every time.Duration) error {
	deadline := time.Now().Add(30 * time.Minute)
	for time.Now().Before(deadline) {
		var q struct{ Items []json.RawMessage }
		var comp struct{ BusyExecutors int }
		b, err := c.mustGet(base + "/queue/api/json?tree=items[id]")
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, &q); err != nil {
			return err
		}
		if len(q.Items) == 0 {
			b, err := c.mustGet(base + "/computer/api/json?tree=busyExecutors")
			if err != nil {
				return err
			}
			if err := json.Unmarshal(b, &comp); err != nil {
				return err
			}
			if comp.BusyExecutors == 0 {
				return nil
			}
		}
		time.Sleep(every)
	}
	return errors.New("builds did not finish in 30 minutes")
}

// waitBuild polls a build's API until it has finished and returns its result.
func waitBuild(c *client, base, job string, number int64, every time.Duration) (string, error) {
	url := fmt.Sprintf("%s/job/%s/%d/api/json?tree=building,result", base, job, number)
	deadline := time.Now().Add(10 * time.Minute)
	for time.Now().Before(deadline) {
		st, b, err := c.get(url, nil)
		if err != nil {
			return "", err
		}
		if st == http.StatusOK {
			var v struct {
				Building bool
				Result   *string
			}
			if err := json.Unmarshal(b, &v); err != nil {
				return "", err
			}
			if !v.Building && v.Result != nil {
				return *v.Result, nil
			}
		} else if st != http.StatusNotFound {
			return "", fmt.Errorf("GET %s: %d", url, st)
		}
		time.Sleep(every)
	}
	return "", fmt.Errorf("%s #%d did not finish", job, number)
}

func nextBuildNumber(c *client, base, job string) (int64, error) {
	b, err := c.mustGet(base + "/job/" + job + "/api/json?tree=nextBuildNumber")
	if err != nil {
		return 0, err
	}
	var v struct{ NextBuildNumber int64 }
	err = json.Unmarshal(b, &v)
	return v.NextBuildNumber, err
}

// runDirect is the floor for a build: what jeeves's runner does at the
// least — write the step to a script, run `/bin/sh -xe script` in a
// workspace with its output in a new log file (a build's output is kept
// on its own), wait for it.
func runDirect(dir, script string) error {
	f, err := os.CreateTemp("", "direct*.sh")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.WriteString("\n" + script); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	log, err := os.CreateTemp(dir, "direct*.log")
	if err != nil {
		return err
	}
	defer log.Close()
	cmd := exec.Command("/bin/sh", "-xe", f.Name())
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = log, log
	return cmd.Run()
}
