package bench

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"
)

func listenLoopback() (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }

// pollEvery is how often the harness asks whether a build has finished
// when it times one build: a client's view, at a resolution well below
// the budget's 3 ms.
const pollEvery = 250 * time.Microsecond

// ratePoll is how often the builds/s rows ask whether the last build
// has finished: each poll is an authenticated request that takes CPU from
// the builds on a 2-core machine (every 2 ms was ~500 requests/s, a
// tenth of jeeves's CPU in the run), and 10 ms is under 1 % of a run.
const ratePoll = 10 * time.Millisecond

// triggerRows: trigger → finished for `echo hello`, beside running the
// same script directly.
func (r *run) triggerRows() ([]Row, error) {
	home := r.home("trigger")
	token, err := seed(home, []seedJob{{name: "hello", command: helloScript}})
	if err != nil {
		return nil, err
	}
	p, err := r.startJeeves(home)
	if err != nil {
		return nil, err
	}
	defer p.stop()
	c := newClient("admin", token)
	n, err := nextBuildNumber(c, p.url, "hello")
	if err != nil {
		return nil, err
	}
	ws := filepath.Join(r.work, "direct-ws")
	if err := os.MkdirAll(ws, 0o755); err != nil {
		return nil, err
	}
	r.logf("trigger → finished: %d builds of `echo hello`, each beside a direct run", r.cfg.Runs)
	var viaJeeves, direct []time.Duration
	// Polling loads jeeves while the build runs (2 cores here), so the
	// first poll waits as long as the fastest direct run so far: no build
	// can finish sooner, so this never shortens a measurement.
	var fastest time.Duration
	for i := range r.cfg.Runs + 5 { // the first 5 warm up both
		t0 := time.Now()
		if err := trigger(c, p.url, "hello"); err != nil {
			return nil, err
		}
		time.Sleep(time.Until(t0.Add(fastest)))
		res, err := waitBuild(c, p.url, "hello", n, pollEvery)
		if err != nil {
			return nil, err
		}
		if res != "SUCCESS" {
			return nil, fmt.Errorf("hello #%d: %s", n, res)
		}
		d := time.Since(t0)
		n++
		t0 = time.Now()
		if err := runDirect(ws, helloScript); err != nil {
			return nil, err
		}
		dd := time.Since(t0)
		if fastest == 0 || dd < fastest {
			fastest = dd
		}
		if i >= 5 {
			viaJeeves, direct = append(viaJeeves, d), append(direct, dd)
		}
	}
	med, dmed := Median(viaJeeves), Median(direct)
	p95, dp95 := Percentile(viaJeeves, 95), Percentile(direct, 95)
	note := fmt.Sprintf("%d builds, POST /job/hello/build?delay=0sec until the build's API says finished (polled every %v from the fastest direct run's time on), alternating with `/bin/sh -xe script` run directly", len(viaJeeves), pollEvery)
	return []Row{
		{Name: "trigger → finished, median", Unit: Millis, Value: ms(med), Floor: ms(dmed),
			Budget: "≤ floor + 3 ms", Pass: med <= dmed+3*time.Millisecond, Note: note},
		{Name: "trigger → finished, p95", Unit: Millis, Value: ms(p95), Floor: ms(dp95),
			Budget: "(shown)", Pass: true},
	}, nil
}

// rateRows: builds/s for RateBuilds trivial builds queued at once, beside
// the same scripts run directly with the same parallelism.
func (r *run) rateRows() ([]Row, error) {
	home := r.home("rate")
	names := jobNames("trivial", r.cfg.RateBuilds)
	token, err := seed(home, helloJobs(names, 0))
	if err != nil {
		return nil, err
	}
	p, err := r.startJeeves(home)
	if err != nil {
		return nil, err
	}
	defer p.stop()
	c := newClient("admin", token)
	// A first round builds every job once, so the measured round runs
	// jobs that have run before (their workspace and log directory exist),
	// as the floor's scripts run in workspaces that exist.
	r.logf("builds/s: a first round of %d builds", len(names))
	if err := triggerAndWait(c, p.url, names, 5*time.Millisecond); err != nil {
		return nil, err
	}
	// The floor runs half before and half after jeeves's round (which
	// runs in between), so both see the machine at the same times.
	r.logf("builds/s floor: the same %d scripts run directly, %d at a time, half now and half after", len(names), r.cfg.Executors)
	floorTime, err := r.runScripts(len(names) / 2)
	if err != nil {
		return nil, err
	}
	r.logf("builds/s: %d builds queued at once on %d executors", len(names), r.cfg.Executors)
	// Quieting down holds the queue while every build is queued; the
	// clock starts when it is released, with all of them waiting.
	if err := post(c, p.url+"/quietDown"); err != nil {
		return nil, err
	}
	if err := triggerAll(c, p.url, names); err != nil {
		return nil, err
	}
	t0 := time.Now()
	if err := post(c, p.url+"/cancelQuietDown"); err != nil {
		return nil, err
	}
	if err := waitLast(c, p.url, names[len(names)-1], 2, ratePoll); err != nil {
		return nil, err
	}
	elapsed := time.Since(t0)
	b, err := c.mustGet(p.url + "/api/json?tree=jobs[color]")
	if err != nil {
		return nil, err
	}
	var root struct{ Jobs []struct{ Color string } }
	if err := json.Unmarshal(b, &root); err != nil {
		return nil, err
	}
	for _, j := range root.Jobs {
		if j.Color != "blue" {
			return nil, fmt.Errorf("a trivial job is %q after the run, want blue (one successful build each)", j.Color)
		}
	}
	rate := float64(len(names)) / elapsed.Seconds()
	more, err := r.runScripts(len(names) - len(names)/2)
	if err != nil {
		return nil, err
	}
	floor := float64(len(names)) / (floorTime + more).Seconds()

	return []Row{{Name: fmt.Sprintf("builds/s, %d queued at once", len(names)), Unit: PerSecond, Value: rate, Floor: floor,
		Budget: "≥ 50 % of floor", Pass: rate >= floor/2,
		Note: fmt.Sprintf("the second build of each of %d jobs, all triggered while jeeves was quieting down, timed from cancelQuietDown until the last job's build is finished and the queue and executors are idle; floor: the same scripts run directly, %d at a time (jeeves's executors), half before jeeves's round and half after", len(names), r.cfg.Executors)}}, nil
}

// paramRows: builds/s for RateBuilds builds of one concurrent job, each
// with its own parameter value (so none folds into another), beside the
// same scripts run directly with the same parallelism.
func (r *run) paramRows() ([]Row, error) {
	home := r.home("param")
	token, err := seed(home, []seedJob{{name: "param", command: helloScript, concurrent: true, param: "N"}})
	if err != nil {
		return nil, err
	}
	p, err := r.startJeeves(home)
	if err != nil {
		return nil, err
	}
	defer p.stop()
	c := newClient("admin", token)
	n := int64(1)
	triggerN := func(count int) error {
		for i := range count {
			st, body, _, err := c.do(http.MethodPost, fmt.Sprintf("%s/job/param/buildWithParameters?delay=0sec&N=%d-%d", p.url, n, i), nil)
			if err != nil {
				return err
			}
			if st != http.StatusCreated {
				return fmt.Errorf("buildWithParameters: %d %s", st, firstLine(body))
			}
		}
		return nil
	}
	// A first round makes the workspaces (param, param@2) and warms up.
	warm := 2 * r.cfg.Executors
	if err := triggerN(warm); err != nil {
		return nil, err
	}
	if err := waitLast(c, p.url, "param", n+int64(warm)-1, 5*time.Millisecond); err != nil {
		return nil, err
	}
	n += int64(warm)
	count := r.cfg.RateBuilds
	r.logf("builds/s floor: %d scripts run directly, %d at a time, half now and half after", count, r.cfg.Executors)
	floorTime, err := r.runScripts(count / 2)
	if err != nil {
		return nil, err
	}
	r.logf("builds/s: %d builds of a concurrent job with distinct parameters on %d executors", count, r.cfg.Executors)
	if err := post(c, p.url+"/quietDown"); err != nil {
		return nil, err
	}
	if err := triggerN(count); err != nil {
		return nil, err
	}
	t0 := time.Now()
	if err := post(c, p.url+"/cancelQuietDown"); err != nil {
		return nil, err
	}
	if err := waitLast(c, p.url, "param", n+int64(count)-1, ratePoll); err != nil {
		return nil, err
	}
	elapsed := time.Since(t0)
	next, err := nextBuildNumber(c, p.url, "param")
	if err != nil {
		return nil, err
	}
	if want := n + int64(count); next != want {
		return nil, fmt.Errorf("param's next build number is %d, want %d (did triggers fold?)", next, want)
	}
	rate := float64(count) / elapsed.Seconds()
	more, err := r.runScripts(count - count/2)
	if err != nil {
		return nil, err
	}
	floor := float64(count) / (floorTime + more).Seconds()
	return []Row{{Name: fmt.Sprintf("builds/s, %d of a concurrent job, distinct parameters", count), Unit: PerSecond, Value: rate, Floor: floor,
		Budget: "≥ 50 % of floor", Pass: rate >= floor/2,
		Note: fmt.Sprintf("%d builds of one concurrent job, each with its own value of a string parameter, queued while quieting down, timed from cancelQuietDown to the last build finished and the queue and executors idle; floor: the same scripts run directly, %d at a time, half before and half after", count, r.cfg.Executors)}}, nil
}

// runScripts runs n trivial scripts directly, as many at a time as jeeves
// has executors, and returns how long they took.
func (r *run) runScripts(n int) (time.Duration, error) {
	t0 := time.Now()
	work := make(chan int)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for e := range r.cfg.Executors {
		ws := filepath.Join(r.work, "rate-ws", strconv.Itoa(e))
		if err := os.MkdirAll(ws, 0o755); err != nil {
			return 0, err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range work {
				if err := runDirect(ws, helloScript); err != nil {
					errs <- err
				}
			}
		}()
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	d := time.Since(t0)
	close(errs)
	return d, <-errs
}

// consoleRows: a build that prints ConsoleSize bytes beside the same step
// sending them to /dev/null.
func (r *run) consoleRows() ([]Row, error) {
	rows, err := r.consoleOn(r.home("console"), "", false)
	if err != nil {
		return nil, err
	}
	// The same on a tmpfs: the log's writes then cost no disk, which
	// separates what jeeves adds from what this machine's disk costs.
	dir, cleanup, err := r.tmpfsDir()
	if err != nil {
		r.logf("console on tmpfs: skipped: %v", err)
		return rows, nil
	}
	defer cleanup()
	more, err := r.consoleOn(filepath.Join(dir, "console"), ", on tmpfs", true)
	if err != nil {
		return nil, err
	}
	return append(rows, more...), nil
}

// tmpfsDir is a new directory on a tmpfs: under /dev/shm when it is one,
// else (as root) a tmpfs mounted in the work directory.
func (r *run) tmpfsDir() (string, func(), error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs("/dev/shm", &st); err == nil && st.Type == tmpfsMagic {
		dir, err := os.MkdirTemp("/dev/shm", "jeeves-bench-*")
		if err != nil {
			return "", nil, err
		}
		return dir, func() {
			if !r.cfg.Keep {
				os.RemoveAll(dir)
			}
		}, nil
	}
	if os.Geteuid() != 0 {
		return "", nil, errors.New("/dev/shm is not a tmpfs, and mounting one needs root")
	}
	dir := filepath.Join(r.work, "tmpfs")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", nil, err
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=2g,mode=0700"); err != nil {
		return "", nil, fmt.Errorf("mount a tmpfs: %w", err)
	}
	return dir, func() { syscall.Unmount(dir, 0) }, nil
}

// tmpfsMagic is a tmpfs's f_type (linux/magic.h TMPFS_MAGIC).
const tmpfsMagic = 0x01021994

// consoleOn: the console rows for a home at home, named with where; on
// a tmpfs the budget is on the build beside its step writing a new file.
func (r *run) consoleOn(home, where string, tmpfs bool) ([]Row, error) {
	gen := fmt.Sprintf("yes 'jeeves console benchmark: a line of build output' | head -c %d", r.cfg.ConsoleSize)
	token, err := seed(home, []seedJob{{name: "print", command: gen}, {name: "quiet", command: gen + " > /dev/null"},
		// A new file each build, as each build's console log is new: a
		// new file's pages cost more than rewriting an old one's.
		{name: "file", command: gen + " > out-$BUILD_NUMBER.log"}})
	if err != nil {
		return nil, err
	}
	p, err := r.startJeeves(home)
	if err != nil {
		return nil, err
	}
	defer p.stop()
	c := newClient("admin", token)
	r.logf("console%s: %d MB printed by a build, beside the same step writing to /dev/null", where, r.cfg.ConsoleSize/1e6)
	var printing, quiet, file []time.Duration
	for i := range 4 { // the first round warms up
		for _, job := range []string{"print", "quiet", "file"} {
			n, err := nextBuildNumber(c, p.url, job)
			if err != nil {
				return nil, err
			}
			t0 := time.Now()
			if err := trigger(c, p.url, job); err != nil {
				return nil, err
			}
			res, err := waitBuild(c, p.url, job, n, time.Millisecond)
			if err != nil {
				return nil, err
			}
			d := time.Since(t0)
			if res != "SUCCESS" {
				return nil, fmt.Errorf("%s #%d: %s", job, n, res)
			}
			if job == "print" {
				_, _, h, err := c.do(http.MethodHead, fmt.Sprintf("%s/job/print/%d/logText/progressiveText?start=0", p.url, n), nil)
				if err != nil {
					return nil, err
				}
				if size, _ := strconv.ParseInt(h.Get("X-Text-Size"), 10, 64); size < r.cfg.ConsoleSize {
					return nil, fmt.Errorf("print #%d: the log has %d bytes, want ≥ %d", n, size, r.cfg.ConsoleSize)
				}
			}
			if i == 0 {
				continue
			}
			switch job {
			case "print":
				printing = append(printing, d)
			case "quiet":
				quiet = append(quiet, d)
			default:
				file = append(file, d)
			}
		}
	}
	v, f, ff := Median(printing), Median(quiet), Median(file)
	rows := []Row{
		{Name: fmt.Sprintf("build printing %d MB%s", r.cfg.ConsoleSize/1e6, where), Unit: Millis, Value: ms(v), Floor: ms(f),
			Budget: "≤ 1.3× floor", Pass: float64(v) <= 1.3*float64(f),
			Note: fmt.Sprintf("median of 3 builds of `%s`, trigger to finished; floor: the same step with `> /dev/null`; the home at %s", gen, home)},
		{Name: fmt.Sprintf("build printing %d MB%s, vs its step writing a new file", r.cfg.ConsoleSize/1e6, where), Unit: Millis, Value: ms(v), Floor: ms(ff),
			Budget: "(shown)", Pass: true,
			Note: "the same build beside a build whose step sends its output to a new file itself (`> out-$BUILD_NUMBER.log` in the workspace): what keeping a console log costs beyond the file system"},
	}
	if tmpfs {
		// On a tmpfs a new file's pages are memory the kernel allocates
		// and clears: `sh` itself writing 200 MB to a new file there
		// takes 4× what it takes writing to /dev/null. The budget is on
		// what jeeves adds to that: the step writing a new file.
		rows[0].Budget, rows[0].Pass = "(shown: a new file costs 4× /dev/null on tmpfs)", true
		rows[1].Budget, rows[1].Pass = "≤ 1.2× floor", float64(v) <= 1.2*float64(ff)
	}
	return rows, nil
}

// apiRows: GET /api/json listing APIJobs jobs, with a token and with a
// password, beside a bare handler serving the same bytes.
func (r *run) apiRows() ([]Row, error) {
	home := r.home("api")
	names := jobNames("job", r.cfg.APIJobs)
	token, err := seed(home, helloJobs(names, 5))
	if err != nil {
		return nil, err
	}
	p, err := r.startJeeves(home)
	if err != nil {
		return nil, err
	}
	defer p.stop()
	c := newClient("admin", token)
	body, err := c.mustGet(p.url + "/api/json")
	if err != nil {
		return nil, err
	}
	var root struct{ Jobs []json.RawMessage }
	if err := json.Unmarshal(body, &root); err != nil || len(root.Jobs) != len(names) {
		return nil, fmt.Errorf("/api/json lists %d jobs (%v), want %d", len(root.Jobs), err, len(names))
	}
	file := filepath.Join(r.work, "api.json")
	if err := os.WriteFile(file, body, 0o644); err != nil {
		return nil, err
	}
	bare, err := r.startBare(file)
	if err != nil {
		return nil, err
	}
	defer bare.stop()
	// The three loads take turns, a slice of LoadTime each, so a burst of
	// other work on this shared machine falls on all of them alike.
	const turns = 3
	warm := r.cfg.LoadTime / 3 / turns
	slice := r.cfg.LoadTime / turns
	r.logf("GET /api/json (%d jobs, %d bytes): %d connections, %v each for token, bare handler and password, in %d turns", len(names), len(body), r.cfg.Conns, r.cfg.LoadTime, turns)
	var tok, floor, pw LoadResult
	for range turns {
		tok = tok.add(load(p.url+"/api/json", "admin", token, r.cfg.Conns, warm, slice))
		floor = floor.add(load(bare.url+"/api/json", "", "", r.cfg.Conns, warm, slice))
		pw = pw.add(load(p.url+"/api/json", "admin", adminPassword, r.cfg.Conns, warm, slice))
	}
	for name, l := range map[string]LoadResult{"token": tok, "bare": floor, "password": pw} {
		if l.Errors > 0 || l.Requests == 0 {
			return nil, fmt.Errorf("load with %s: %d errors, %d answers", name, l.Errors, l.Requests)
		}
	}
	note := fmt.Sprintf("%d keep-alive connections in a closed loop, %d turns of %v after %v warm-up each, taken in turn with the other loads; the bare handler is a separate process serving the same %d bytes", r.cfg.Conns, turns, slice.Round(time.Millisecond), warm.Round(time.Millisecond), len(body))
	tp99, fp99, pp99 := Percentile(tok.Latencies, 99), Percentile(floor.Latencies, 99), Percentile(pw.Latencies, 99)
	return []Row{
		{Name: "GET /api/json with a token, req/s", Unit: PerSecond, Value: tok.PerSecond(), Floor: floor.PerSecond(),
			Budget: "≥ 50 % of floor", Pass: tok.PerSecond() >= floor.PerSecond()/2, Note: note},
		{Name: "GET /api/json with a token, p99", Unit: Millis, Value: ms(tp99), Floor: ms(fp99), Budget: "(shown)", Pass: true},
		{Name: "GET /api/json with a password, req/s", Unit: PerSecond, Value: pw.PerSecond(), Floor: tok.PerSecond(),
			Budget: "≥ 20 % of token (floor here)", Pass: pw.PerSecond() >= tok.PerSecond()/5,
			Note: "the floor of this row is the token row's jeeves figure"},
		{Name: "GET /api/json with a password, p99", Unit: Millis, Value: ms(pp99), Floor: ms(tp99), Budget: "(shown)", Pass: true},
	}, nil
}

// bigRows: a home with Jobs jobs and a job with History builds: memory,
// start time, the job API and the log tail, and memory over Growth builds.
func (r *run) bigRows() ([]Row, error) {
	home := r.home("big")
	names := jobNames("job", r.cfg.Jobs-1)
	jobs := []seedJob{{name: "history", command: helloScript, builds: r.cfg.History,
		logs: map[int64]int64{int64(r.cfg.History): r.cfg.LogSize}}}
	tens := helloJobs(names, 10)
	tens[0].logs = map[int64]int64{10: 1024}
	jobs = append(jobs, tens...)
	total := r.cfg.History + 10*len(names)
	r.logf("seeding %d jobs with %d builds and a %d MB log through the store", len(jobs), total, r.cfg.LogSize>>20)
	t0 := time.Now()
	token, err := seed(home, jobs)
	if err != nil {
		return nil, err
	}
	r.logf("seeded in %v", time.Since(t0).Round(time.Millisecond))
	c := newClient("admin", token)
	small := names[0]

	// Start time: three starts, median; the floor is the bare handler's.
	var starts, bareStarts []time.Duration
	var rss, bareRSS float64
	file := filepath.Join(r.work, "big-api.json")
	var p *proc
	for i := range 3 {
		if p, err = r.startJeeves(home); err != nil {
			return nil, err
		}
		d, err := p.firstAnswer(c, "/api/json?tree=jobs[name]")
		if err != nil {
			p.stop()
			return nil, err
		}
		starts = append(starts, d)
		if i < 2 {
			p.stop()
		}
	}
	defer func() { p.stop() }()
	body, err := c.mustGet(p.url + "/api/json")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(file, body, 0o644); err != nil {
		return nil, err
	}
	if rss, err = p.rssMB(); err != nil {
		return nil, err
	}
	for range 3 {
		b, err := r.startBare(file)
		if err != nil {
			return nil, err
		}
		d, err := b.firstAnswer(newClient("", ""), "/api/json")
		if err == nil {
			bareRSS, err = b.rssMB()
		}
		b.stop()
		if err != nil {
			return nil, err
		}
		bareStarts = append(bareStarts, d)
	}
	start, bareStart := Median(starts), Median(bareStarts)

	// The job API and the log tail, big beside small, interleaved.
	r.logf("job API and log tail: %d requests each", r.cfg.Runs)
	var jobBig, jobSmall, tailBig, tailSmall []time.Duration
	timed := func(url string, want int) (time.Duration, error) {
		t0 := time.Now()
		b, err := c.mustGet(url)
		d := time.Since(t0)
		if err == nil && want > 0 && len(b) != want {
			err = fmt.Errorf("GET %s: %d bytes, want %d", url, len(b), want)
		}
		return d, err
	}
	bigTail := fmt.Sprintf("%s/job/history/%d/logText/progressiveText?start=%d", p.url, r.cfg.History, r.cfg.LogSize-1024)
	smallTail := fmt.Sprintf("%s/job/%s/10/logText/progressiveText?start=0", p.url, small)
	for i := range r.cfg.Runs + 5 {
		var ds [4]time.Duration
		var errs [4]error
		ds[0], errs[0] = timed(p.url+"/job/history/api/json", 0)
		ds[1], errs[1] = timed(p.url+"/job/"+small+"/api/json", 0)
		ds[2], errs[2] = timed(bigTail, 1024)
		ds[3], errs[3] = timed(smallTail, 1024)
		for _, err := range errs {
			if err != nil {
				return nil, err
			}
		}
		if i >= 5 {
			jobBig, jobSmall = append(jobBig, ds[0]), append(jobSmall, ds[1])
			tailBig, tailSmall = append(tailBig, ds[2]), append(tailSmall, ds[3])
		}
	}
	jb, js, tb, ts := Median(jobBig), Median(jobSmall), Median(tailBig), Median(tailSmall)

	// Memory over Growth builds: every job triggered once per wave.
	all := append([]string{"history"}, names...)
	waves := max(1, r.cfg.Growth/len(all))
	r.logf("memory over %d builds: %d waves of %d", waves*len(all), waves, len(all))
	var xs, ys []float64
	built := 0
	for w := range waves {
		if err := triggerAndWait(c, p.url, all, 10*time.Millisecond); err != nil {
			return nil, err
		}
		built += len(all)
		m, err := p.rssMB()
		if err != nil {
			return nil, err
		}
		r.logf("  wave %d: %d builds, %.1f MB", w+1, built, m)
		xs, ys = append(xs, float64(built)), append(ys, m)
	}
	// The first wave warms up (executor goroutines, pools, caches); the
	// trend is fitted over the rest.
	trend := 0.0
	if len(xs) > 2 {
		trend = Slope(xs[1:], ys[1:]) * (xs[len(xs)-1] - xs[1])
	}
	last := ys[len(ys)-1]
	n, err := nextBuildNumber(c, p.url, "history")
	if err != nil {
		return nil, err
	}
	if want := int64(r.cfg.History + waves + 1); n != want {
		return nil, fmt.Errorf("history's next build number is %d after the waves, want %d", n, want)
	}
	samples := ""
	for i := range ys {
		samples += fmt.Sprintf(" %.1f", ys[i])
	}
	return []Row{
		{Name: fmt.Sprintf("RSS after start, %d jobs / %d builds", len(all), total), Unit: MB, Value: rss, Floor: bareRSS,
			Budget: "≤ 40 MB", Pass: rss <= 40,
			Note: "VmRSS after the first answer and one full GET /api/json; floor: the bare handler's VmRSS"},
		{Name: fmt.Sprintf("RSS after %d more builds", built), Unit: MB, Value: last, Floor: rss, Budget: "(shown)", Pass: true,
			Note: "floor: RSS after start; MB after each wave:" + samples},
		{Name: fmt.Sprintf("RSS trend over %d builds", built), Unit: MB, Value: trend, Budget: "≤ 2 MB (no trend)", Pass: trend <= 2,
			Note: "least-squares slope of RSS over builds after the first wave, times the builds it spans"},
		{Name: "start → first answered API request", Unit: Millis, Value: ms(start), Floor: ms(bareStart),
			Budget: "≤ 300 ms", Pass: start <= 300*time.Millisecond,
			Note: "median of 3 starts, exec to GET /api/json?tree=jobs[name] answered 200 with a token; floor: the bare handler process, exec to first answer"},
		{Name: fmt.Sprintf("GET /job/N/api/json, %d builds vs 10", r.cfg.History), Unit: Millis, Value: ms(jb), Floor: ms(js),
			Budget: "≤ 2× floor", Pass: float64(jb) <= 2*float64(js),
			Note: "median of sequential requests; floor: the same request for a job with 10 builds"},
		{Name: fmt.Sprintf("progressiveText last KB, %d MB log vs 1 KB", r.cfg.LogSize>>20), Unit: Millis, Value: ms(tb), Floor: ms(ts),
			Budget: "≤ 2× floor", Pass: float64(tb) <= 2*float64(ts),
			Note: "median of sequential requests for the last 1,024 bytes; floor: a 1 KB log read from its start"},
	}, nil
}
