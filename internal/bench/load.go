package bench

import (
	"context"
	"io"
	"net/http"
	"sync"
	"time"
)

// LoadResult is what a closed-loop load run saw after its warm-up.
type LoadResult struct {
	Requests  int
	Errors    int // transport errors and non-200 answers
	Elapsed   time.Duration
	Latencies []time.Duration
}

// add sums two runs' results.
func (r LoadResult) add(o LoadResult) LoadResult {
	return LoadResult{Requests: r.Requests + o.Requests, Errors: r.Errors + o.Errors,
		Elapsed: r.Elapsed + o.Elapsed, Latencies: append(r.Latencies, o.Latencies...)}
}

// PerSecond is the throughput.
func (r LoadResult) PerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// load runs conns clients in a closed loop, each on its own keep-alive
// connection sending GET url (with Basic credentials when user is set)
// and reading the whole answer before the next request. Requests in the
// warm-up are not counted. The same generator loads jeeves and the bare
// handler, so their figures compare.
func load(url, user, secret string, conns int, warmup, dur time.Duration) LoadResult {
	tr := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: true}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	start := time.Now()
	measureFrom := start.Add(warmup)
	end := measureFrom.Add(dur)
	var mu sync.Mutex
	var res LoadResult
	var wg sync.WaitGroup
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			errs := 0
			for {
				t0 := time.Now()
				if !t0.Before(end) {
					break
				}
				req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
				if user != "" {
					req.SetBasicAuth(user, secret)
				}
				resp, err := hc.Do(req)
				ok := err == nil
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					ok = err == nil && resp.StatusCode == http.StatusOK
				}
				t1 := time.Now()
				if t0.Before(measureFrom) || t1.After(end) {
					continue
				}
				if ok {
					lat = append(lat, t1.Sub(t0))
				} else {
					errs++
				}
			}
			mu.Lock()
			res.Latencies = append(res.Latencies, lat...)
			res.Errors += errs
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.Requests = len(res.Latencies)
	res.Elapsed = dur
	return res
}
