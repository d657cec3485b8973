// Package timer fires timer triggers (hudson.triggers.TimerTrigger): it
// sleeps until the next minute any job's cron spec matches, then queues a
// build of each matching job with the cause "Started by timer".
//
// It is event-driven: there is no per-minute tick. A job change wakes it
// to recompute the next minute.
package timer

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/jeeves-ci/jeeves/internal/cron"
	"github.com/jeeves-ci/jeeves/internal/jobs"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/queue"
)

// Config holds the scheduler's settings.
type Config struct {
	Logger *slog.Logger
	Now    func() time.Time // nil: time.Now
}

// Scheduler fires timer triggers.
type Scheduler struct {
	cfg   Config
	jobs  *jobs.Service
	queue *queue.Queue
	wake  chan struct{}

	mu    sync.Mutex
	specs map[int64]entry // parsed specs by job id, reused while unchanged
}

type entry struct {
	name, raw string // the spec was parsed for this full name and text
	spec      *cron.Spec
}

// New makes a scheduler and subscribes it to job changes. Call Run to
// start it.
func New(cfg Config, js *jobs.Service, q *queue.Queue) *Scheduler {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Scheduler{cfg: cfg, jobs: js, queue: q, wake: make(chan struct{}, 1), specs: map[int64]entry{}}
	js.OnChange(s.poke)
	return s
}

func (s *Scheduler) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run fires triggers until ctx ends. Minutes are handled in order from
// the one Run starts in; if the process falls behind (a suspended
// machine), the minutes missed are caught up, as Jenkins's Trigger.Cron
// does, and the queue merges the repeats.
func (s *Scheduler) Run(ctx context.Context) {
	last := s.cfg.Now().Truncate(time.Minute) // minutes up to last are done
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		next, ok := s.next(last)
		t.Stop()
		var fire <-chan time.Time
		if ok {
			t.Reset(next.Sub(s.cfg.Now()))
			fire = t.C
		}
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
			continue
		case <-fire:
		}
		now := s.cfg.Now()
		for m := next; !m.After(now); {
			s.Fire(ctx, m)
			last = m
			if m, ok = s.next(m); !ok {
				break
			}
		}
	}
}

// next is the earliest minute after last that any job's spec matches.
func (s *Scheduler) next(last time.Time) (time.Time, bool) {
	var best time.Time
	for _, e := range s.entries() {
		if n, ok := e.spec.Next(last); ok && (best.IsZero() || n.Before(best)) {
			best = n
		}
	}
	return best, !best.IsZero()
}

// entries returns the parsed spec of every job with a timer trigger,
// parsing only what changed. H is hashed from the full name, so a rename
// moves the minute, as in Jenkins.
func (s *Scheduler) entries() map[int64]entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := map[int64]bool{}
	for _, j := range s.jobs.List() {
		raw := j.Config.TimerSpecs
		if raw == "" || jobs.IsFolder(j) {
			continue
		}
		seen[j.ID] = true
		if e, ok := s.specs[j.ID]; ok && e.name == j.Name && e.raw == raw {
			continue
		}
		spec, err := cron.Parse(raw, j.Name)
		if err != nil {
			// Refused when posted; only a config stored by an older
			// version can get here.
			s.cfg.Logger.Warn("timer trigger ignored", "job", j.Name, "err", err)
			delete(s.specs, j.ID)
			continue
		}
		s.specs[j.ID] = entry{name: j.Name, raw: raw, spec: spec}
	}
	for id := range s.specs {
		if !seen[id] {
			delete(s.specs, id)
		}
	}
	out := make(map[int64]entry, len(s.specs))
	for id, e := range s.specs {
		out[id] = e
	}
	return out
}

// Fire queues a build of every enabled job whose spec matches minute,
// with no quiet period (TimerTrigger.run schedules with 0) and the
// parameters' default values.
func (s *Scheduler) Fire(ctx context.Context, minute time.Time) {
	zero := time.Duration(0)
	for id, e := range s.entries() {
		if !e.spec.Matches(minute) {
			continue
		}
		j, err := s.jobs.ByID(id)
		if err != nil || j.Config.Disabled {
			continue
		}
		// A timer build acts for whoever last saved the job's
		// configuration: they chose what it triggers and when.
		cause := model.Cause{Kind: model.CauseTimer}
		if _, _, err := s.queue.Schedule(ctx, j, cause, j.ConfiguredBy, model.DefaultParams(j.Config.Params), &zero); err != nil {
			s.cfg.Logger.Error("timer trigger failed", "job", j.Name, "err", err)
		}
	}
}
