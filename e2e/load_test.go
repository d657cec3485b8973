package e2e

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// loadDuration is how long TestLoad runs: 60 s (what CI runs), or
// JEEVES_LOAD_SECONDS for a quicker local run.
func loadDuration(t *testing.T) time.Duration {
	if s := os.Getenv("JEEVES_LOAD_SECONDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("JEEVES_LOAD_SECONDS=%q: want a whole number of seconds", s)
		}
		return time.Duration(n) * time.Second
	}
	return 60 * time.Second
}

// loadStats is what the clients saw, merged.
type loadStats struct {
	mu       sync.Mutex
	requests map[string]int // by kind
	errors   []string       // the first few failures
	failed   int
	items    map[string]string // queue item path → job
}

func (s *loadStats) fail(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failed++
	if len(s.errors) < 10 {
		s.errors = append(s.errors, fmt.Sprintf(format, args...))
	}
}

// readRSS returns a process's resident memory in bytes.
func readRSS(pid int) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}

// TestLoad: 200 clients on loopback for 60 s mix api/json reads, token
// triggers and progressiveText polls. No 5xx, no failed request, bounded
// memory, and every triggered build is accounted for.
func TestLoad(t *testing.T) {
	t.Parallel()
	const (
		clients  = 200
		jobCount = 20
		maxRSS   = 200 << 20
	)
	duration := loadDuration(t)
	// All the clients come from 127.0.0.1, which the default cap of 128
	// connections per address would cut: this test is of many clients,
	// which in the field come from many addresses.
	j := start(t, "", nil, "--executors", "4", "--max-connections-per-address", "1024")
	t.Cleanup(func() { killHomeProcesses(j.home) })
	tok := j.adminToken(t)
	jobs := make([]string, jobCount)
	for i := range jobs {
		jobs[i] = fmt.Sprintf("load-%02d", i)
		j.createJob(t, jobs[i], shellJob("echo building $JOB_NAME $BUILD_NUMBER"))
		// A first build, so that lastBuild's log exists for the polls.
		j.waitBuild(t, j.trigger(t, jobs[i]))
	}

	// Each client keeps its connection alive, as a real client does.
	hc := &http.Client{
		Timeout:       60 * time.Second,
		Transport:     &http.Transport{MaxIdleConns: clients, MaxIdleConnsPerHost: clients},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	defer hc.CloseIdleConnections()
	stats := &loadStats{requests: map[string]int{}, items: map[string]string{}}
	do := func(method, path string, want int) (*http.Response, []byte, bool) {
		r, err := http.NewRequest(method, j.url+path, nil)
		if err != nil {
			stats.fail("%s: %v", path, err)
			return nil, nil, false
		}
		r.SetBasicAuth("admin", tok)
		res, err := hc.Do(r)
		if err != nil {
			stats.fail("%s %s: %v", method, path, err)
			return nil, nil, false
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			stats.fail("%s %s: reading the body: %v", method, path, err)
			return nil, nil, false
		}
		if res.StatusCode != want {
			stats.fail("%s %s: status %d, want %d: %.200s", method, path, res.StatusCode, want, body)
			return nil, nil, false
		}
		return res, body, true
	}

	// Watch jeeves's memory while the clients run.
	var peak int64
	stopWatch := make(chan struct{})
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			if rss, err := readRSS(j.cmd.Process.Pid); err == nil {
				peak = max(peak, rss)
			}
			select {
			case <-stopWatch:
				return
			case <-tick.C:
			}
		}
	}()

	end := time.Now().Add(duration)
	var wg sync.WaitGroup
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(uint64(c), 1))
			counts := map[string]int{}
			items := map[string]string{}
			logOffset := map[string]string{}
			for time.Now().Before(end) {
				job := jobs[rnd.IntN(jobCount)]
				switch n := rnd.IntN(20); {
				case n < 2: // a trigger, as scripts and webhooks send them
					counts["trigger"]++
					if res, _, ok := do("POST", "job/"+job+"/build", 201); ok {
						loc := res.Header.Get("Location")
						if !strings.HasPrefix(loc, j.url+"queue/item/") {
							stats.fail("trigger %s: Location %q", job, loc)
							continue
						}
						items[strings.TrimPrefix(loc, j.url)] = job
					}
				case n < 8: // follow the last build's console, as a CLI does
					counts["progressiveText"]++
					start := logOffset[job]
					if start == "" {
						start = "0"
					}
					if res, _, ok := do("GET", "job/"+job+"/lastBuild/logText/progressiveText?start="+start, 200); ok {
						logOffset[job] = res.Header.Get("X-Text-Size")
					}
				case n < 12:
					counts["api/json"]++
					do("GET", "api/json", 200)
				case n < 16:
					counts["job api/json"]++
					do("GET", "job/"+job+"/api/json", 200)
				default:
					counts["queue api/json"]++
					do("GET", "queue/api/json", 200)
				}
				// Some think time, so that the clients are many users, not
				// a benchmark starving the tests that run beside this one.
				time.Sleep(time.Duration(rnd.IntN(20)) * time.Millisecond)
			}
			stats.mu.Lock()
			for k, v := range counts {
				stats.requests[k] += v
			}
			for k, v := range items {
				stats.items[k] = v
			}
			stats.mu.Unlock()
		}(c)
	}
	wg.Wait()
	close(stopWatch)
	<-watched
	total := 0
	for _, v := range stats.requests {
		total += v
	}
	t.Logf("%d clients, %s: %d requests (%v), %d queue items, peak RSS %.1f MB",
		clients, duration, total, stats.requests, len(stats.items), float64(peak)/(1<<20))

	t.Run("no request failed and none got a 5xx", func(t *testing.T) {
		if stats.failed > 0 {
			t.Fatalf("%d of %d requests failed; the first:\n%s", stats.failed, total, strings.Join(stats.errors, "\n"))
		}
	})
	t.Run("jeeves's memory stayed bounded", func(t *testing.T) {
		if peak == 0 || peak > maxRSS {
			t.Fatalf("peak RSS %d bytes, want (0, %d]", peak, maxRSS)
		}
	})
	t.Run("every triggered build is accounted for: each queue item built once, numbers unique", func(t *testing.T) {
		if len(stats.items) == 0 {
			t.Fatal("no build was triggered")
		}
		built := map[string][]int64{} // job → numbers the items became
		for path, job := range stats.items {
			b := j.waitBuild(t, j.url+path)
			if b.Result == nil || *b.Result != "SUCCESS" {
				t.Errorf("%s → %s #%d: %v", path, job, b.Number, b.Result)
			}
			built[job] = append(built[job], b.Number)
		}
		for _, job := range jobs {
			var api struct {
				AllBuilds []struct {
					Number  int64
					QueueID int64
				}
			}
			j.json(t, "job/"+job+"/api/json?tree=allBuilds[number,queueId]", &api)
			var have []int64
			for _, b := range api.AllBuilds {
				if b.Number != 1 { // the build made before the load
					have = append(have, b.Number)
				}
			}
			slices.Sort(have)
			want := built[job]
			slices.Sort(want)
			if len(slices.Compact(slices.Clone(want))) != len(want) {
				t.Errorf("%s: two queue items became the same build: %v", job, want)
			}
			if !slices.Equal(have, want) {
				t.Errorf("%s: builds %v, but the triggers' items became %v", job, have, want)
			}
		}
	})
}
