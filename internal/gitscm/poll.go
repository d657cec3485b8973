package gitscm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jeeves-ci/jeeves/internal/cron"
	"github.com/jeeves-ci/jeeves/internal/git"
	"github.com/jeeves-ci/jeeves/internal/model"
)

// entry is a job's parsed SCM trigger, reused while its config.xml and
// name are unchanged.
type entry struct {
	name   string
	config []byte
	spec   *cron.Spec // nil: the trigger has no schedule (hooks only)
	trig   Triggers
}

// triggers is every job's triggers, parsing only what changed.
func (p *Plugin) triggers() map[int64]*entry {
	p.mu.Lock()
	defer p.mu.Unlock()
	seen := map[int64]bool{}
	for _, j := range p.cfg.Jobs.List() {
		if j.Config.Kind != "" && j.Config.Kind != "project" {
			continue
		}
		seen[j.ID] = true
		if e := p.entries[j.ID]; e != nil && e.name == j.Name && bytes.Equal(e.config, j.ConfigXML) {
			continue
		}
		e := &entry{name: j.Name, config: j.ConfigXML, trig: ReadTriggers(j.ConfigXML)}
		if t := e.trig.SCM; t != nil && strings.TrimSpace(t.Spec) != "" {
			spec, err := cron.Parse(t.Spec, j.Name)
			if err != nil {
				p.cfg.Logger.Warn("SCM polling schedule ignored", "job", j.Name, "err", err)
			} else if !spec.Empty() {
				e.spec = spec
			}
		}
		p.entries[j.ID] = e
	}
	for id := range p.entries {
		if !seen[id] {
			delete(p.entries, id)
		}
	}
	out := make(map[int64]*entry, len(p.entries))
	for id, e := range p.entries {
		out[id] = e
	}
	return out
}

// next is the earliest minute after last that any job's polling
// schedule matches.
func next(entries map[int64]*entry, last time.Time) (time.Time, bool) {
	var best time.Time
	for _, e := range entries {
		if e.spec == nil {
			continue
		}
		if n, ok := e.spec.Next(last); ok && (best.IsZero() || n.Before(best)) {
			best = n
		}
	}
	return best, !best.IsZero()
}

// Run polls each job with an SCM trigger at the minutes its schedule
// (with H) matches, until ctx ends. It sleeps until the next such minute;
// a job change wakes it to look again. Minutes missed (a suspended
// machine) are caught up with one poll of each job whose schedule
// matched one of them. Polls run in the background, PollThreads at a
// time, and the jobs due at the same minute share their ls-remote
// answers.
func (p *Plugin) Run(ctx context.Context) {
	p.polling.Store(true)
	defer p.polling.Store(false)
	last := p.cfg.Now().Truncate(time.Minute)
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	prune := time.NewTimer(pruneAfterStart)
	defer prune.Stop()
	for {
		first, ok := next(p.triggers(), last)
		t.Stop()
		var fire <-chan time.Time
		if ok {
			t.Reset(first.Sub(p.cfg.Now()))
			fire = t.C
		}
		select {
		case <-ctx.Done():
			return
		case <-p.wake:
			continue
		case <-prune.C:
			if removed, err := p.PruneMirrors(ctx); err != nil {
				p.cfg.Logger.Warn("cannot prune the git mirrors", "err", err)
			} else if len(removed) > 0 {
				p.cfg.Logger.Info("git mirrors no job uses removed", "mirrors", removed)
			}
			prune.Reset(pruneEvery)
			continue
		case <-fire:
		}
		now := p.cfg.Now()
		var due []*model.Job
		for id, e := range p.triggers() {
			if e.spec == nil {
				continue
			}
			if n, ok := e.spec.Next(last); ok && !n.After(now) {
				if j, err := p.cfg.Jobs.ByID(id); err == nil {
					due = append(due, j)
				}
			}
		}
		last = now.Truncate(time.Minute)
		p.pollInBackground(due, pollReq{kind: pollSCM})
	}
}

// When Run prunes the built-in node's mirrors of repositories no job
// uses: a while after it starts, then daily.
const (
	pruneAfterStart = 10 * time.Minute
	pruneEvery      = 24 * time.Hour
)

// PruneMirrors removes the built-in node's git mirrors of repositories no
// job's GitSCM names any more (each under its lock, so no build is using
// it), and returns their directories. A job whose remote URL holds a
// variable (${REPO}) could use any mirror: then none is removed.
func (p *Plugin) PruneMirrors(ctx context.Context) ([]string, error) {
	var keep []string
	for _, j := range p.cfg.Jobs.List() {
		scm, err := git.Parse(j.ConfigXML)
		if err != nil {
			continue
		}
		for _, r := range scm.Remotes {
			if strings.Contains(r.URL, "$") {
				return nil, nil
			}
			keep = append(keep, r.URL)
		}
	}
	if p.cfg.Launcher == nil {
		return nil, nil
	}
	r := &Runner{L: p.cfg.Launcher, Ctx: ctx, Dir: p.cfg.Home, Env: p.cfg.Env}
	return git.PruneMirrors(ctx, r, CacheDir(p.cfg.Home), keep)
}

// pollKind says what asked for a poll: its log and the cause of the
// build it schedules.
type pollKind int

const (
	pollSCM    pollKind = iota // the SCM trigger's schedule, or notifyCommit
	pollGitHub                 // a GitHub push
)

// pollReq is what asked for a poll.
type pollReq struct {
	kind pollKind
	// origin and pusher are a GitHub push's: where the event came from
	// (the log's "Started by event from …"), and who pushed (the cause).
	origin, pusher string
}

// PollResult is one job's poll.
type PollResult struct {
	Job     string
	Changes bool
	// Skipped: the job was being polled already (the poll that runs
	// decides).
	Skipped bool
	Err     error
	// Item is the queue item the changes scheduled.
	Item *model.QueueItem
}

// pollInBackground polls jobs outside the caller's request, bounded by
// the plugin's life.
func (p *Plugin) pollInBackground(jobs []*model.Job, req pollReq) {
	if len(jobs) == 0 {
		return
	}
	p.bg.Add(1)
	go func() {
		defer p.bg.Done()
		p.poll(p.life, jobs, req)
	}()
}

// Poll polls jobs now, as the SCM trigger does (each job's polling log
// written, a build scheduled for each that has changes, "Started by an
// SCM change"), and returns when all are done. Jobs of one repository
// share one ls-remote per URL and credential.
func (p *Plugin) Poll(ctx context.Context, jobs ...*model.Job) []PollResult {
	return p.poll(ctx, jobs, pollReq{kind: pollSCM})
}

func (p *Plugin) poll(ctx context.Context, jobs []*model.Job, req pollReq) []PollResult {
	memo := &headsMemo{p: p, ctx: ctx, m: map[string]*memoEntry{}}
	out := make([]PollResult, len(jobs))
	var wg sync.WaitGroup
	for i, j := range jobs {
		out[i].Job = j.Name
		p.mu.Lock()
		busy := p.busy[j.ID]
		if !busy {
			p.busy[j.ID] = true
		}
		p.mu.Unlock()
		if busy {
			out[i].Skipped = true
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				p.mu.Lock()
				delete(p.busy, j.ID)
				p.mu.Unlock()
			}()
			select {
			case p.threads <- struct{}{}:
			case <-ctx.Done():
				out[i].Err = ctx.Err()
				return
			}
			defer func() { <-p.threads }()
			out[i] = p.pollJob(ctx, j, memo, req)
		}()
	}
	wg.Wait()
	return out
}

// javaDateTime is Java's DateFormat.getDateTimeInstance() in English.
const javaDateTime = "Jan 2, 2006 3:04:05 PM"

// pollJob polls one job and writes its polling log, as SCMTrigger's
// Runner does: "Started on …", the SCM's lines, "Done. Took …", then
// "Changes found" or "No changes"; an error ends the log with "ERROR:
// Failed to record SCM polling for <job>" and git's message instead.
func (p *Plugin) pollJob(ctx context.Context, job *model.Job, memo *headsMemo, req pollReq) PollResult {
	res := PollResult{Job: job.Name}
	start := p.cfg.Now()
	var log bytes.Buffer
	if req.kind == pollGitHub {
		fmt.Fprintf(&log, "Started by event from %s on %s\n", req.origin, start.Format(javaDateTime))
	}
	fmt.Fprintf(&log, "Started on %s\n", start.Format(javaDateTime))
	res.Changes, res.Err = p.decide(ctx, job, memo, &log)
	if res.Err != nil {
		res.Changes = false
		fmt.Fprintf(&log, "ERROR: Failed to record SCM polling for %s\n", job.Name)
		var ce *git.CommandError
		msg := res.Err.Error()
		if errors.As(res.Err, &ce) {
			msg = "hudson.plugins.git.GitException: " + strings.TrimRight(ce.Error(), "\n")
		}
		fmt.Fprintln(&log, maskURLs(msg, job))
	} else {
		fmt.Fprintf(&log, "Done. Took %s\n", timeSpan(p.cfg.Now().Sub(start)))
		if res.Changes {
			log.WriteString("Changes found\n")
		} else {
			log.WriteString("No changes\n")
		}
	}
	key := PollingLogKey(job.ID)
	if req.kind == pollGitHub {
		key = GitHubPollingLogKey(job.ID)
	}
	if _, err := p.cfg.Blobs.Put(key, &log); err != nil {
		p.cfg.Logger.Error("cannot write the polling log", "job", job.Name, "err", err)
	}
	if !res.Changes {
		return res
	}
	cause := model.Cause{Kind: model.CauseSCM}
	if req.kind == pollGitHub {
		cause = model.Cause{Kind: model.CauseGitHubPush, UserName: req.pusher}
	}
	it, err := p.schedule(context.WithoutCancel(ctx), job, cause)
	if err != nil {
		p.cfg.Logger.Error("SCM changes found, but no build could be scheduled", "job", job.Name, "err", err)
		res.Err = err
		return res
	}
	res.Item = it
	p.cfg.Logger.Info("SCM changes detected; build scheduled", "job", job.Name, "queueItem", it.ID)
	return res
}

// maskURLs hides the userinfo of the job's remote URLs in text
// (https://user:token@host/… becomes https://****@host/…).
func maskURLs(text string, job *model.Job) string {
	scm, err := git.Parse(job.ConfigXML)
	if err != nil {
		return text
	}
	for _, r := range scm.Remotes {
		if r.URL != "" {
			text = strings.ReplaceAll(text, r.URL, git.MaskURL(r.URL))
		}
	}
	return text
}

// decide is AbstractProject.poll for a job: the core's checks, then the
// git plugin's decision from the remote's heads.
func (p *Plugin) decide(ctx context.Context, job *model.Job, memo *headsMemo, log *bytes.Buffer) (bool, error) {
	scm, err := git.Parse(job.ConfigXML)
	var ng *git.NotGitError
	if errors.As(err, &ng) {
		if ng.Class != "" && ng.Class != "hudson.scm.NullSCM" {
			fmt.Fprintf(log, "jeeves does not run the SCM %s: there is nothing to poll\n", ng.Class)
		}
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("the Git configuration of this job cannot be read: %w", err)
	}
	if job.Config.Disabled {
		log.WriteString("Build disabled\n")
		return false, nil
	}
	builds, err := p.cfg.Builds.Builds(ctx, job.ID, 0)
	if err != nil {
		return false, err
	}
	if len(builds) == 0 {
		log.WriteString("No existing build. Scheduling a new one.\n")
		return !p.inQueue(job.ID), nil
	}
	h := &history{blobs: p.cfg.Blobs, jobID: job.ID, builds: builds, data: map[int64]*git.BuildData{}, read: map[int64]bool{}}
	creds, err := resolveCredentials(ctx, p.cfg.Credentials, scm, job)
	if err != nil {
		return false, err
	}
	env := map[string]string{}
	for _, pv := range builds[0].Params {
		env[pv.Name] = pv.Value
	}
	res, err := git.Poll(git.PollInput{
		SCM: scm, HasLastBuild: true, LastBuildData: h.at(0), Env: env, Credentials: creds,
		Heads: memo.heads, RemoteOnly: true,
	})
	for _, l := range res.Lines {
		log.WriteString(l + "\n")
	}
	return res.Changes, err
}

// headsMemo answers ls-remote once per URL and credential for all the
// polls of one cycle: the first poll that needs an answer asks, the
// others wait for it.
type headsMemo struct {
	p   *Plugin
	ctx context.Context
	mu  sync.Mutex
	m   map[string]*memoEntry
}

type memoEntry struct {
	done  chan struct{}
	heads *git.Heads
	err   error
}

func (m *headsMemo) heads(url string, cred *git.Credential) (*git.Heads, error) {
	key := url + "\x00"
	if cred != nil {
		key += cred.ID
	}
	m.mu.Lock()
	e, ok := m.m[key]
	if !ok {
		e = &memoEntry{done: make(chan struct{})}
		m.m[key] = e
	}
	m.mu.Unlock()
	if ok {
		select {
		case <-e.done:
			return e.heads, e.err
		case <-m.ctx.Done():
			return nil, m.ctx.Err()
		}
	}
	e.heads, e.err = m.p.lsRemote(m.ctx, url, cred)
	close(e.done)
	return e.heads, e.err
}

// lsRemote runs "git ls-remote -h" on the built-in node.
func (p *Plugin) lsRemote(ctx context.Context, url string, cred *git.Credential) (*git.Heads, error) {
	v := p.cfg.Settings.Get()
	if !v.AllowLocalCheckout && git.IsLocal(url) {
		return nil, errors.New(git.LocalCheckoutMessage(url))
	}
	if p.cfg.Launcher == nil {
		return nil, errors.New("no node to poll on")
	}
	tmp := path.Join(p.cfg.Home, "caches", "git-poll")
	r := &Runner{L: p.cfg.Launcher, Ctx: ctx, Dir: p.cfg.Home, Env: p.cfg.Env}
	return git.LsRemote(ctx, r, p.cfg.Env, tmp, url, cred, hostKeys(v, CacheDir(p.cfg.Home)))
}

// timeSpan is Jenkins's Util.getTimeSpanString: "0.79 sec", "12 sec",
// "1 min 5 sec", "2 hr 3 min", "45 ms".
func timeSpan(d time.Duration) string {
	ms := d.Milliseconds()
	span := func(big int64, bigUnit string, small int64, smallUnit string) string {
		s := strconv.FormatInt(big, 10) + " " + bigUnit
		if small > 0 {
			s += " " + strconv.FormatInt(small, 10) + " " + smallUnit
		}
		return s
	}
	const (
		second = int64(1000)
		minute = 60 * second
		hour   = 60 * minute
		day    = 24 * hour
	)
	switch {
	case ms >= day:
		return span(ms/day, "day", ms%day/hour, "hr")
	case ms >= hour:
		return span(ms/hour, "hr", ms%hour/minute, "min")
	case ms >= minute:
		return span(ms/minute, "min", ms%minute/second, "sec")
	case ms >= 10*second:
		return strconv.FormatInt(ms/second, 10) + " sec"
	case ms >= second:
		return trimFloat(float64(ms/100)/10) + " sec"
	case ms >= 100:
		return trimFloat(float64(ms/10)/100) + " sec"
	}
	return strconv.FormatInt(ms, 10) + " ms"
}

func trimFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// SchedulePolling polls job in the background now, as
// AbstractProject.schedulePolling does for /job/X/polling; the channel
// gets the poll's result when it is over. ok is false, and nothing done,
// when the job is disabled or has no Poll SCM trigger.
func (p *Plugin) SchedulePolling(job *model.Job) (done <-chan PollResult, ok bool) {
	if job.Config.Disabled || ReadTriggers(job.ConfigXML).SCM == nil {
		return nil, false
	}
	ch := make(chan PollResult, 1)
	p.bg.Add(1)
	go func() {
		defer p.bg.Done()
		ch <- p.poll(p.life, []*model.Job{job}, pollReq{kind: pollSCM})[0]
	}()
	return ch, true
}
