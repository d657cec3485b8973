// Package queue is Jenkins's build queue: the items waiting to become
// builds. It schedules items (folding a request into an equivalent item
// already waiting), keeps each in its quiet period, cancels them, says
// why each waits, and keeps them in the store so that they outlive a
// restart. It is event-driven: Ready fires when an item is added that is
// due at once, and a timer fires it when the next quiet period ends;
// nothing polls.
//
// Which due item becomes a build on which executor is the scheduler's
// business: it takes due items out with Take.
package queue

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/store"
	"github.com/jeeves-ci/jeeves/internal/timespan"
)

// LeftItemLifetime is how long an item that left the queue stays
// readable at /queue/item/N/, as in Jenkins.
const LeftItemLifetime = 5 * time.Minute

// ErrNotFound is returned for an unknown queue item: the store's
// not-found, so that callers test one error whichever layer found it.
var ErrNotFound = store.ErrNotFound

// ErrStopping is returned by Schedule once the queue is closed.
var ErrStopping = errors.New("jeeves is shutting down")

// Config sets up a Queue.
type Config struct {
	QuietPeriod time.Duration // the global default
	Logger      *slog.Logger
}

// Blocker says why a due item has not started: Jenkins's
// CauseOfBlockage. The scheduler is the queue's Blocker.
type Blocker interface {
	// Why is the text Jenkins shows for the due item; blocked is set
	// when the item cannot start for a reason of its own (another build
	// of its job runs), not for want of an executor.
	Why(it *model.QueueItem) (why string, blocked bool)
}

// Waiting describes an item still in the queue.
type Waiting struct {
	Item    model.QueueItem
	Why     string
	Blocked bool // another build of the job runs and the job is not concurrent
	Ready   bool // its quiet period is over
}

// Queue holds the waiting items.
type Queue struct {
	cfg        Config
	store      store.Queue
	quietNanos atomic.Int64
	ready      chan struct{}

	mu sync.Mutex
	// items are the waiting items, oldest first; byID and byFold find
	// one without walking them (a queue may hold thousands): Schedule,
	// Take and Cancel cost the same whatever its length.
	items    list.List // of *model.QueueItem
	byID     map[int64]*list.Element
	byFold   map[string][]*model.QueueItem // foldKey → items, oldest first
	stopping bool
	blocker  Blocker
	timer    *time.Timer // fires Ready when the next item becomes due
	timerAt  time.Time
	timerGen int // which timer fire belongs to; an older one's is ignored
}

// New returns the queue with the items the store still holds as waiting
// (a restart keeps them, with their ids), and forgets the items that
// left it more than LeftItemLifetime ago.
func New(ctx context.Context, cfg Config, st store.Queue) (*Queue, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	q := &Queue{cfg: cfg, store: st, ready: make(chan struct{}, 1), byID: map[int64]*list.Element{}, byFold: map[string][]*model.QueueItem{}}
	q.quietNanos.Store(int64(cfg.QuietPeriod))
	waiting, err := st.Waiting(ctx)
	if err != nil {
		return nil, err
	}
	for _, it := range waiting {
		q.add(it)
	}
	if err := st.ForgetLeftItems(ctx, time.Now().Add(-LeftItemLifetime)); err != nil {
		cfg.Logger.Warn("cannot forget the items that left the queue long ago", "err", err)
	}
	q.mu.Lock()
	q.arm(time.Now())
	q.mu.Unlock()
	if q.items.Len() > 0 {
		q.signal()
	}
	return q, nil
}

// foldKey groups the items a request may fold into: the same job with
// the same parameters (Schedule then compares their authority and
// commit).
func foldKey(jobID int64, params []model.ParamValue) string {
	var b strings.Builder
	b.WriteString(strconv.FormatInt(jobID, 10))
	for _, p := range params {
		// Each part length-prefixed: no two lists make the same key.
		for _, part := range []string{string(p.Kind), p.Name, p.Value} {
			b.WriteByte(' ')
			b.WriteString(strconv.Itoa(len(part)))
			b.WriteByte(':')
			b.WriteString(part)
		}
	}
	return b.String()
}

// add appends it to the waiting items. Called with q.mu (or before q is
// shared).
func (q *Queue) add(it *model.QueueItem) {
	q.byID[it.ID] = q.items.PushBack(it)
	k := foldKey(it.JobID, it.Params)
	q.byFold[k] = append(q.byFold[k], it)
}

// remove takes the waiting item e out. Called with q.mu.
func (q *Queue) remove(e *list.Element) {
	it := q.items.Remove(e).(*model.QueueItem)
	delete(q.byID, it.ID)
	k := foldKey(it.JobID, it.Params)
	same := slices.DeleteFunc(q.byFold[k], func(o *model.QueueItem) bool { return o == it })
	if len(same) == 0 {
		delete(q.byFold, k)
	} else {
		q.byFold[k] = same
	}
}

// each calls fn for the waiting items, oldest first, until it returns
// false. Called with q.mu.
func (q *Queue) each(fn func(*model.QueueItem) bool) {
	for e := q.items.Front(); e != nil; e = e.Next() {
		if !fn(e.Value.(*model.QueueItem)) {
			return
		}
	}
}

// SetBlocker makes b say why due items wait (see Blocker). Without one,
// a due item waits "for next available executor".
func (q *Queue) SetBlocker(b Blocker) {
	q.mu.Lock()
	q.blocker = b
	q.mu.Unlock()
}

// SetQuietPeriod changes the global quiet period for items scheduled
// from now on.
func (q *Queue) SetQuietPeriod(d time.Duration) { q.quietNanos.Store(int64(d)) }

// Ready receives a value when an item may have become due: one was
// scheduled due at once, a quiet period ended, or the queue was loaded
// with items. It has one consumer, the scheduler.
func (q *Queue) Ready() <-chan struct{} { return q.ready }

func (q *Queue) signal() {
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// arm sets the timer for the next item to become due after now. Called
// with q.mu.
func (q *Queue) arm(now time.Time) {
	var next time.Time
	q.each(func(it *model.QueueItem) bool {
		if it.DueAt.After(now) && (next.IsZero() || it.DueAt.Before(next)) {
			next = it.DueAt
		}
		return true
	})
	if q.stopping {
		next = time.Time{}
	}
	if next.Equal(q.timerAt) && (q.timer != nil || next.IsZero()) {
		return
	}
	if q.timer != nil {
		q.timer.Stop()
		q.timer = nil
	}
	q.timerGen++
	q.timerAt = next
	if next.IsZero() {
		return
	}
	gen := q.timerGen
	q.timer = time.AfterFunc(next.Sub(now), func() { q.fire(gen) })
}

// fire is the timer's: an item has become due.
func (q *Queue) fire(gen int) {
	q.mu.Lock()
	if gen != q.timerGen {
		q.mu.Unlock()
		return
	}
	q.timer, q.timerAt = nil, time.Time{}
	q.arm(time.Now())
	q.mu.Unlock()
	q.signal()
}

// Schedule puts a build of job, acting for by, in the queue after quiet
// (the job's or the global quiet period when quiet is nil). An
// equivalent item already waiting (same job, same parameters, acting for
// the same authority, asking for the same commit) absorbs the request
// instead, as in Jenkins; created is false then. Requests acting for
// different authorities are not folded together, so what a build may
// trigger is never decided by someone else's request; nor are requests
// for different commits (model.Cause.Commit), which Jenkins's
// RevisionParameterAction keeps apart.
func (q *Queue) Schedule(ctx context.Context, job *model.Job, cause model.Cause, by *model.Authority, params []model.ParamValue, quiet *time.Duration) (item *model.QueueItem, created bool, err error) {
	now := time.Now()
	d := time.Duration(q.quietNanos.Load())
	if job.Config.QuietPeriod != nil {
		d = time.Duration(*job.Config.QuietPeriod) * time.Second
	}
	if quiet != nil {
		d = *quiet
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.stopping {
		return nil, false, ErrStopping
	}
	for _, it := range q.byFold[foldKey(job.ID, params)] {
		if model.SameAuthority(it.Auth, by) && sameRevision(it.Causes, cause) {
			if !slices.Contains(it.Causes, cause) {
				it.Causes = append(it.Causes, cause)
			}
			if err := q.store.UpdateWaiting(ctx, it); err != nil {
				return nil, false, err
			}
			c := *it
			return &c, false, nil
		}
	}
	it := &model.QueueItem{
		JobID: job.ID, JobName: job.Name, Causes: []model.Cause{cause}, Params: params,
		EnqueuedAt: now, DueAt: now.Add(d), Auth: by,
	}
	if err := q.store.Enqueue(ctx, it); err != nil {
		return nil, false, err
	}
	q.add(it)
	if it.DueAt.After(now) {
		// The timer set for an earlier item fires first, and fire
		// looks again: only an item due sooner needs a look now.
		if q.timer == nil || it.DueAt.Before(q.timerAt) {
			q.arm(now)
		}
	} else {
		q.signal()
	}
	c := *it
	return &c, true, nil
}

// sameRevision reports whether a request with cause asks for the commit
// (or for no commit) the causes of a waiting item ask for.
func sameRevision(causes []model.Cause, cause model.Cause) bool {
	commit, repo := model.Revision(causes)
	return commit == cause.Commit && repo == cause.RepoURL
}

// DueItem names a waiting item whose quiet period is over.
type DueItem struct{ ID, JobID int64 }

// Due lists the items whose quiet period is over at now, oldest first,
// in buf's space (the scheduler asks after every build: it keeps one
// buffer rather than a new list each time).
func (q *Queue) Due(now time.Time, buf []DueItem) []DueItem { return q.DueAfter(now, buf, 0, 0) }

// DueAfter is Due for the items after the item id after (0: from the
// oldest), at most max of them (0: all): the scheduler reads the due
// items a page at a time and stops once its executors are taken, so a
// start does not cost a walk of a queue of thousands. Items are in id
// order, oldest first.
func (q *Queue) DueAfter(now time.Time, buf []DueItem, after int64, max int) []DueItem {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := buf[:0]
	q.each(func(it *model.QueueItem) bool {
		if it.ID > after && !it.DueAt.After(now) {
			out = append(out, DueItem{it.ID, it.JobID})
		}
		return max == 0 || len(out) < max
	})
	return out
}

// Take takes the waiting item id out of the queue by handing it to
// start, which makes it a build (and records in the store that it left
// the queue). While start runs, nothing else can change the item: no
// request folds into it, no one cancels it. When start fails, the item
// stays waiting. Take returns ErrNotFound when the item no longer waits.
func (q *Queue) Take(id int64, start func(it *model.QueueItem) error) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	e, ok := q.byID[id]
	if !ok {
		return ErrNotFound
	}
	if err := start(e.Value.(*model.QueueItem)); err != nil {
		return err
	}
	q.remove(e)
	return nil
}

// Forget drops the waiting item id from memory only: its job is gone,
// and the store dropped it with the job.
func (q *Queue) Forget(id int64) {
	q.mu.Lock()
	if e, ok := q.byID[id]; ok {
		q.remove(e)
	}
	q.mu.Unlock()
}

// Items lists the waiting items, oldest first, each with why it waits.
func (q *Queue) Items() []Waiting {
	q.mu.Lock()
	out := make([]Waiting, 0, q.items.Len())
	q.each(func(it *model.QueueItem) bool {
		out = append(out, Waiting{Item: *it})
		return true
	})
	b := q.blocker
	q.mu.Unlock()
	now := time.Now()
	for i := range out {
		describe(&out[i], b, now)
	}
	return out
}

// describe says why an item waits, as Jenkins words it. It is called
// without q.mu: the blocker takes its own lock.
func describe(w *Waiting, b Blocker, now time.Time) {
	switch {
	case w.Item.DueAt.After(now):
		w.Why = fmt.Sprintf("In the quiet period. Expires in %s", timespan.Format(w.Item.DueAt.Sub(now)))
	default:
		w.Ready = true
		w.Why = "Waiting for next available executor"
		if b != nil {
			w.Why, w.Blocked = b.Why(&w.Item)
		}
	}
}

// find returns the oldest waiting item that matches, described.
func (q *Queue) find(match func(*model.QueueItem) bool) *Waiting {
	q.mu.Lock()
	var found *model.QueueItem
	q.each(func(it *model.QueueItem) bool {
		if match(it) {
			found = it
		}
		return found == nil
	})
	return q.described(found)
}

// described is it (nil: none) copied and described; it releases q.mu.
func (q *Queue) described(it *model.QueueItem) *Waiting {
	if it == nil {
		q.mu.Unlock()
		return nil
	}
	w := &Waiting{Item: *it}
	b := q.blocker
	q.mu.Unlock()
	describe(w, b, time.Now())
	return w
}

// Item returns a queue item, waiting or recently left. Items that left
// the queue more than LeftItemLifetime ago are gone, as in Jenkins.
func (q *Queue) Item(ctx context.Context, id int64) (*Waiting, error) {
	q.mu.Lock()
	var found *model.QueueItem
	if e, ok := q.byID[id]; ok {
		found = e.Value.(*model.QueueItem)
	}
	if w := q.described(found); w != nil {
		return w, nil
	}
	it, err := q.store.QueueItem(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("queue item %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	if it.State != model.QueueLeft || time.Since(it.LeftAt) > LeftItemLifetime {
		return nil, ErrNotFound
	}
	return &Waiting{Item: *it}, nil
}

// JobItem returns the job's waiting item, if any.
func (q *Queue) JobItem(jobID int64) *Waiting {
	return q.find(func(it *model.QueueItem) bool { return it.JobID == jobID })
}

// Cancel takes a waiting item out of the queue.
func (q *Queue) Cancel(ctx context.Context, id int64) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	e, ok := q.byID[id]
	if !ok {
		return ErrNotFound
	}
	if err := q.store.CancelQueueItem(ctx, id, time.Now()); err != nil {
		return err
	}
	q.remove(e)
	return nil
}

// CancelJob takes every waiting item of a job out of the queue (before
// the job is deleted or disabled).
func (q *Queue) CancelJob(ctx context.Context, jobID int64) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	var err error
	for e := q.items.Front(); e != nil; {
		next := e.Next()
		if it := e.Value.(*model.QueueItem); it.JobID == jobID {
			if cerr := q.store.CancelQueueItem(ctx, it.ID, time.Now()); cerr != nil && err == nil {
				err = cerr
			}
			q.remove(e)
		}
		e = next
	}
	return err
}

// Close refuses new items from now on; the waiting ones stay in the
// store for the next start.
func (q *Queue) Close() {
	q.mu.Lock()
	q.stopping = true
	q.arm(time.Now())
	q.mu.Unlock()
}
