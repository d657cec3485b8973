package bench

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Scale sizes the large-installation rows: a home of Folders folders of
// PerFolder jobs each, Builds builds in all of which one job has
// History, Queue items queued at once and Clients clients polling a
// console. Each figure is shown beside the same measure on a home a
// tenth the size (the floor column: how cost grows with size).
type Scale struct {
	Folders, PerFolder int
	Builds, History    int
	Queue, Clients     int
}

// tenth is the home the figures are shown beside.
func (s Scale) tenth() Scale {
	return Scale{Folders: max(1, s.Folders/10), PerFolder: s.PerFolder, Builds: s.Builds / 10, History: s.History / 10,
		Queue: max(1, s.Queue/10), Clients: s.Clients}
}

func (s Scale) jobs() int { return s.Folders * s.PerFolder }

// scaleFigures is what one home measured.
type scaleFigures struct {
	start, rootAPI, folderAPI, dashboard, jobPage time.Duration
	enqueue, cancel, queueAPI                     time.Duration
	rss                                           float64
	poll                                          LoadResult
	rootBytes, dashBytes, jobBytes                int
	builds                                        int
}

// scaleHome seeds a home of size s: folders f000…, jobs f000/j0000…;
// f000/j0000 has History builds, the others share the rest; each job's
// last build has a 4 KiB console log.
func (r *run) scaleHome(name string, s Scale) (home, token string, builds int, err error) {
	home = r.home(name)
	var jobs []seedJob
	rest := 0
	if n := s.jobs() - 1; n > 0 {
		rest = max(0, s.Builds-s.History) / n
	}
	for f := range s.Folders {
		folder := fmt.Sprintf("f%03d", f)
		jobs = append(jobs, seedJob{name: folder, folder: true})
		for j := range s.PerFolder {
			n := rest
			if f == 0 && j == 0 {
				n = s.History
			}
			sj := seedJob{name: fmt.Sprintf("%s/j%04d", folder, j), command: helloScript, builds: n}
			if n > 0 {
				sj.logs = map[int64]int64{int64(n): 4 << 10}
			}
			builds += n
			jobs = append(jobs, sj)
		}
	}
	r.logf("scale: seeding %d folders of %d jobs, %d builds, through the store", s.Folders, s.PerFolder, builds)
	t0 := time.Now()
	token, err = seed(home, jobs)
	r.logf("scale: seeded in %v", time.Since(t0).Round(time.Millisecond))
	return home, token, builds, err
}

// measureScale measures one seeded home.
func (r *run) measureScale(home, token string, s Scale, builds int) (scaleFigures, error) {
	f := scaleFigures{builds: builds}
	c := newClient("admin", token)
	start := func() (*proc, error) {
		// Hundreds of clients come from one address here.
		return startProc([]string{r.jeeves, "serve", "--home", home, "--listen", "127.0.0.1:0", "--quiet-period", "0",
			"--executors", strconv.Itoa(r.cfg.Executors), "--max-connections-per-address", "0"}, nil)
	}
	var starts []time.Duration
	var p *proc
	for i := range 3 {
		var err error
		if p, err = start(); err != nil {
			return f, err
		}
		d, err := p.firstAnswer(c, "/api/json?tree=jobs[name]")
		if err != nil {
			p.stop()
			return f, err
		}
		starts = append(starts, d)
		if i < 2 {
			p.stop()
		}
	}
	defer p.stop()
	f.start = Median(starts)
	root, err := c.mustGet(p.url + "/api/json")
	if err != nil {
		return f, err
	}
	var v struct{ Jobs []json.RawMessage }
	if err := json.Unmarshal(root, &v); err != nil || len(v.Jobs) != s.Folders {
		return f, fmt.Errorf("/api/json lists %d items (%v), want %d folders", len(v.Jobs), err, s.Folders)
	}
	f.rootBytes = len(root)
	if f.rss, err = p.rssMB(); err != nil {
		return f, err
	}
	timed := func(url string, check func([]byte) error) (time.Duration, int, error) {
		var ds []time.Duration
		size := 0
		for i := range r.cfg.Runs/4 + 3 {
			t0 := time.Now()
			b, err := c.mustGet(url)
			d := time.Since(t0)
			if err == nil && check != nil {
				err = check(b)
			}
			if err != nil {
				return 0, 0, err
			}
			size = len(b)
			if i >= 3 {
				ds = append(ds, d)
			}
		}
		return Median(ds), size, nil
	}
	if f.rootAPI, _, err = timed(p.url+"/api/json", nil); err != nil {
		return f, err
	}
	folderTree := p.url + "/job/f000/api/json?tree=jobs[name,color,lastBuild[number,result]]"
	if f.folderAPI, _, err = timed(folderTree, func(b []byte) error {
		var v struct{ Jobs []json.RawMessage }
		if err := json.Unmarshal(b, &v); err != nil || len(v.Jobs) != s.PerFolder {
			return fmt.Errorf("the folder lists %d jobs (%v), want %d", len(v.Jobs), err, s.PerFolder)
		}
		return nil
	}); err != nil {
		return f, err
	}
	if f.dashboard, f.dashBytes, err = timed(p.url+"/", func(b []byte) error {
		if !strings.Contains(string(b), "f000") {
			return fmt.Errorf("the dashboard does not name f000")
		}
		return nil
	}); err != nil {
		return f, err
	}
	if f.jobPage, f.jobBytes, err = timed(p.url+"/job/f000/job/j0000/", func(b []byte) error {
		if !strings.Contains(string(b), "j0000") {
			return fmt.Errorf("the job page does not name j0000")
		}
		return nil
	}); err != nil {
		return f, err
	}

	// Clients polling a console, as a build's watchers do.
	logURL := fmt.Sprintf("%s/job/f000/job/j0001/%d/logText/progressiveText?start=0", p.url, max(1, (s.Builds-s.History)/max(1, s.jobs()-1)))
	if s.PerFolder < 2 {
		logURL = fmt.Sprintf("%s/job/f000/job/j0000/%d/logText/progressiveText?start=0", p.url, s.History)
	}
	if _, err := c.mustGet(logURL); err != nil {
		return f, err
	}
	f.poll = load(logURL, "admin", token, s.Clients, r.cfg.LoadTime/3, r.cfg.LoadTime)
	if f.poll.Errors > 0 || f.poll.Requests == 0 {
		return f, fmt.Errorf("%d clients polling progressiveText: %d errors, %d answers", s.Clients, f.poll.Errors, f.poll.Requests)
	}

	// The queue: held by quieting down, filled one job at a time, each
	// enqueue timed; then a few cancels from its middle.
	if err := post(c, p.url+"/quietDown"); err != nil {
		return f, err
	}
	var enq []time.Duration
	var ids []string
	n := min(s.Queue, s.jobs())
	for i := range n {
		job := fmt.Sprintf("/job/f%03d/job/j%04d", i%s.Folders, (i/s.Folders)%s.PerFolder)
		t0 := time.Now()
		st, body, h, err := c.do(http.MethodPost, p.url+job+"/build?delay=0sec", nil)
		d := time.Since(t0)
		if err != nil {
			return f, err
		}
		if st != http.StatusCreated {
			return f, fmt.Errorf("trigger %s: %d %s", job, st, firstLine(body))
		}
		if i >= n-max(1, n/10) { // the last tenth: the queue is nearly full
			enq = append(enq, d)
		}
		loc := strings.TrimSuffix(h.Get("Location"), "/")
		ids = append(ids, loc[strings.LastIndexByte(loc, '/')+1:])
	}
	f.enqueue = Median(enq)
	if f.queueAPI, _, err = timed(p.url+"/queue/api/json?tree=items[id]", func(b []byte) error {
		var v struct{ Items []json.RawMessage }
		if err := json.Unmarshal(b, &v); err != nil || len(v.Items) != n {
			return fmt.Errorf("the queue lists %d items (%v), want %d", len(v.Items), err, n)
		}
		return nil
	}); err != nil {
		return f, err
	}
	var cancels []time.Duration
	for i := n / 4; i < n && len(cancels) < 100; i += max(1, n/200) {
		t0 := time.Now()
		if err := post(c, p.url+"/queue/cancelItem?id="+ids[i]); err != nil {
			return f, err
		}
		cancels = append(cancels, time.Since(t0))
	}
	f.cancel = Median(cancels)
	return f, nil
}

// scaleRows: the large installation beside one a tenth its size.
func (r *run) scaleRows() ([]Row, error) {
	big := r.cfg.Scale
	small := big.tenth()
	var figs [2]scaleFigures
	for i, s := range []Scale{small, big} {
		home, token, builds, err := r.scaleHome(fmt.Sprintf("scale-%d", s.jobs()), s)
		if err != nil {
			return nil, err
		}
		r.logf("scale: measuring %d jobs, %d builds, %d queued, %d clients polling", s.jobs(), builds, s.Queue, s.Clients)
		if figs[i], err = r.measureScale(home, token, s, builds); err != nil {
			return nil, fmt.Errorf("%d jobs: %w", s.jobs(), err)
		}
	}
	sm, bg := figs[0], figs[1]
	size := fmt.Sprintf("%d jobs / %d builds", big.jobs(), bg.builds)
	vs := fmt.Sprintf("floor: the same on %d jobs / %d builds", small.jobs(), sm.builds)
	return []Row{
		{Name: "start → first answer, " + size, Unit: Millis, Value: ms(bg.start), Floor: ms(sm.start), Budget: "≤ 1 s", Pass: bg.start <= time.Second,
			Note: "median of 3 starts, exec to GET /api/json?tree=jobs[name] answered; " + vs},
		{Name: "idle RSS, " + size, Unit: MB, Value: bg.rss, Floor: sm.rss, Budget: "≤ 100 MB", Pass: bg.rss <= 100,
			Note: "VmRSS after the first answer and one GET /api/json; " + vs},
		{Name: fmt.Sprintf("GET /api/json (%d folders)", big.Folders), Unit: Millis, Value: ms(bg.rootAPI), Floor: ms(sm.rootAPI), Budget: "(shown)", Pass: true,
			Note: fmt.Sprintf("median of sequential requests, %d bytes; floor: %d folders", bg.rootBytes, small.Folders)},
		{Name: fmt.Sprintf("GET a folder's api/json with tree (%d jobs)", big.PerFolder), Unit: Millis, Value: ms(bg.folderAPI), Floor: ms(sm.folderAPI), Budget: "(shown)", Pass: true,
			Note: "tree=jobs[name,color,lastBuild[number,result]], median; " + vs},
		{Name: "dashboard page (/)", Unit: Millis, Value: ms(bg.dashboard), Floor: ms(sm.dashboard), Budget: "(shown)", Pass: true,
			Note: fmt.Sprintf("the web UI's root, %d bytes, median; %s", bg.dashBytes, vs)},
		{Name: fmt.Sprintf("job page, %d builds", big.History), Unit: Millis, Value: ms(bg.jobPage), Floor: ms(sm.jobPage), Budget: "(shown)", Pass: true,
			Note: fmt.Sprintf("/job/f000/job/j0000/, %d bytes, median; floor: the job with %d builds", bg.jobBytes, small.History)},
		{Name: fmt.Sprintf("enqueue with %d waiting", min(big.Queue, big.jobs())), Unit: Millis, Value: ms(bg.enqueue), Floor: ms(sm.enqueue), Budget: "(shown)", Pass: true,
			Note: fmt.Sprintf("POST /job/…/build while quieting down, median of the last tenth; floor: the same with %d waiting", min(small.Queue, small.jobs()))},
		{Name: fmt.Sprintf("cancel with %d waiting", min(big.Queue, big.jobs())), Unit: Millis, Value: ms(bg.cancel), Floor: ms(sm.cancel), Budget: "(shown)", Pass: true,
			Note: "POST /queue/cancelItem?id=N from the queue's middle, median; " + vs},
		{Name: fmt.Sprintf("GET /queue/api/json, %d items", min(big.Queue, big.jobs())), Unit: Millis, Value: ms(bg.queueAPI), Floor: ms(sm.queueAPI), Budget: "(shown)", Pass: true,
			Note: "tree=items[id], median; " + vs},
		{Name: fmt.Sprintf("progressiveText, %d clients polling, req/s", big.Clients), Unit: PerSecond, Value: bg.poll.PerSecond(), Floor: sm.poll.PerSecond(), Budget: "(shown)", Pass: true,
			Note: fmt.Sprintf("%d keep-alive clients in a closed loop on one finished build's 4 KiB log for %v; %s", big.Clients, r.cfg.LoadTime, vs)},
		{Name: fmt.Sprintf("progressiveText, %d clients polling, p99", big.Clients), Unit: Millis, Value: ms(Percentile(bg.poll.Latencies, 99)), Floor: ms(Percentile(sm.poll.Latencies, 99)), Budget: "(shown)", Pass: true},
	}, nil
}
