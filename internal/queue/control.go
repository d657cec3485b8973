package queue

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"time"

	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/runner"
	"github.com/jeeves-ci/jeeves/internal/store"
)

func pathEscape(s string) string { return url.PathEscape(s) }

// Waiting describes an item still in the queue.
type Waiting struct {
	Item    model.QueueItem
	Why     string
	Blocked bool // another build of the job runs and the job is not concurrent
	Ready   bool // its quiet period is over
}

// Items lists the waiting items, oldest first, each with why it waits.
func (q *Queue) Items() []Waiting {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := time.Now()
	out := make([]Waiting, 0, len(q.waiting))
	for _, it := range q.waiting {
		out = append(out, q.describe(it, now))
	}
	return out
}

// describe says why an item waits (§4.9's wording). Called with q.mu.
func (q *Queue) describe(it *model.QueueItem, now time.Time) Waiting {
	w := Waiting{Item: *it}
	switch {
	case it.DueAt.After(now):
		w.Why = fmt.Sprintf("In the quiet period. Expires in %s", humanDuration(it.DueAt.Sub(now)))
	default:
		w.Ready = true
		var last int64
		for k := range q.running {
			if k.job == it.JobID && k.number > last {
				last = k.number
			}
		}
		job, err := q.jobs.ByID(it.JobID)
		if last > 0 && err == nil && !job.Config.Concurrent {
			w.Blocked = true
			w.Why = fmt.Sprintf("Build #%d is already in progress", last)
		} else if q.stopping {
			w.Why = "Jenkins is about to shut down"
		} else {
			w.Why = "Waiting for next available executor"
		}
	}
	return w
}

// humanDuration prints a duration the way Jenkins's Util.getTimeSpanString does.
func humanDuration(d time.Duration) string {
	switch {
	case d >= time.Hour:
		return fmt.Sprintf("%d hr %d min", int(d.Hours()), int(d.Minutes())%60)
	case d >= time.Minute:
		return fmt.Sprintf("%d min %d sec", int(d.Minutes()), int(d.Seconds())%60)
	case d >= 10*time.Second:
		return fmt.Sprintf("%d sec", int(d.Seconds()))
	default:
		return fmt.Sprintf("%.1f sec", d.Seconds())
	}
}

// Item returns a queue item, waiting or recently left. Items that left
// the queue more than LeftItemLifetime ago are gone, as in Jenkins.
func (q *Queue) Item(ctx context.Context, id int64) (*Waiting, error) {
	q.mu.Lock()
	for _, it := range q.waiting {
		if it.ID == id {
			w := q.describe(it, time.Now())
			q.mu.Unlock()
			return &w, nil
		}
	}
	q.mu.Unlock()
	it, err := q.store.QueueItem(ctx, id)
	if err != nil {
		return nil, err
	}
	if it.State != model.QueueLeft || time.Since(it.LeftAt) > LeftItemLifetime {
		return nil, store.ErrNotFound
	}
	return &Waiting{Item: *it}, nil
}

// JobItem returns the job's waiting item, if any.
func (q *Queue) JobItem(jobID int64) *Waiting {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, it := range q.waiting {
		if it.JobID == jobID {
			w := q.describe(it, time.Now())
			return &w
		}
	}
	return nil
}

// Cancel takes a waiting item out of the queue.
func (q *Queue) Cancel(ctx context.Context, id int64) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	i := slices.IndexFunc(q.waiting, func(it *model.QueueItem) bool { return it.ID == id })
	if i < 0 {
		return store.ErrNotFound
	}
	if err := q.store.CancelQueueItem(ctx, id, time.Now()); err != nil {
		return err
	}
	q.waiting = slices.Delete(q.waiting, i, i+1)
	return nil
}

// Running returns the running build of a job with that number, if any.
func (q *Queue) Running(jobID, number int64) (model.Build, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	r, ok := q.running[buildKey{jobID, number}]
	if !ok {
		return model.Build{}, false
	}
	return r.build, true
}

// Executors describes each executor: the build it runs, if any.
func (q *Queue) Executors() []*model.Build {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := make([]*model.Build, len(q.executors))
	for _, r := range q.running {
		b := r.build
		out[b.Executor] = &b
	}
	// Executors beyond the limit (after a shrink) show while they finish.
	for len(out) > q.limit && out[len(out)-1] == nil {
		out = out[:len(out)-1]
	}
	return out
}

// Stop aborts a running build on behalf of by, and waits until it has
// finished. It reports whether the build was running.
func (q *Queue) Stop(jobID, number int64, by string) bool {
	q.mu.Lock()
	r, ok := q.running[buildKey{jobID, number}]
	q.mu.Unlock()
	if !ok {
		return false
	}
	r.cancel(&runner.Aborted{By: by})
	<-r.finished
	return true
}

// CancelJob drops a job's waiting items and aborts its running builds
// (before the job is deleted or disabled), waiting for them to end.
func (q *Queue) CancelJob(ctx context.Context, jobID int64, by string, abortRunning bool) error {
	q.mu.Lock()
	var err error
	q.waiting = slices.DeleteFunc(q.waiting, func(it *model.QueueItem) bool {
		if it.JobID != jobID {
			return false
		}
		if e := q.store.CancelQueueItem(ctx, it.ID, time.Now()); e != nil && err == nil {
			err = e
		}
		return true
	})
	var rs []*running
	if abortRunning {
		for k, r := range q.running {
			if k.job == jobID {
				rs = append(rs, r)
			}
		}
	}
	q.mu.Unlock()
	for _, r := range rs {
		r.cancel(&runner.Aborted{By: by})
		<-r.finished
	}
	return err
}

// Shutdown stops starting builds, gives running ones up to grace to
// finish, then aborts the rest and waits for them to be recorded. Waiting
// items stay in the store and run after the next start.
func (q *Queue) Shutdown(grace time.Duration) {
	q.mu.Lock()
	q.stopping = true
	q.mu.Unlock()
	close(q.done)
	<-q.stopped
	all := make(chan struct{})
	go func() { q.builds.Wait(); close(all) }()
	select {
	case <-all:
		return
	case <-time.After(grace):
	}
	q.mu.Lock()
	for _, r := range q.running {
		r.cancel(&runner.Aborted{By: "jeeves shutting down", Reason: fmt.Sprintf("jeeves is shutting down: the build did not finish within the shutdown grace (%s)", grace)})
	}
	q.mu.Unlock()
	<-all
}

// Busy reports whether a build of the job is running.
func (q *Queue) Busy(jobID int64) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.jobRunning(jobID)
}

// QuietDown stops (or, with on false, resumes) starting new builds, as
// Jenkins's "Prepare for shutdown"; running builds go on.
func (q *Queue) QuietDown(on bool) {
	q.mu.Lock()
	q.quiet = on
	q.mu.Unlock()
	q.poke()
}

// QuietingDown reports whether QuietDown is on.
func (q *Queue) QuietingDown() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.quiet
}

// SetOffline takes the built-in node offline (no build starts) for
// reason, or back online; running builds go on, as in Jenkins.
func (q *Queue) SetOffline(on bool, reason string) {
	q.mu.Lock()
	q.isOffline, q.offline = on, reason
	if !on {
		q.offline = ""
	}
	q.mu.Unlock()
	q.poke()
}

// Offline reports whether the built-in node is offline, and why.
func (q *Queue) Offline() (bool, string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.isOffline, q.offline
}
