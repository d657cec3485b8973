package executor

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/jeeves-ci/jeeves/internal/blob"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/store"
)

// RecoveryNote is what the log of a build that was running when jeeves
// died says at its end.
const RecoveryNote = "jeeves stopped while this build was running\nBuild was aborted\nFinished: ABORTED\n"

// Resumable is a build a previous run of jeeves left running on an
// agent, which recorded where it stood (see durable.go): Resume
// continues it.
type Resumable struct {
	Build *model.Build
	Node  string // the agent it runs on
	Slot  int    // its executor there
	cp    checkpoint
}

// Recover ends the builds the store still marks as running, which a
// jeeves that stopped uncleanly left, except those on agents that
// recorded where they stood: those it returns, for Resume. First the
// processes the builds it ends left on node are killed (found by their
// cookies), so that nothing writes to a log after it says it is over;
// then the registered Recoverers clean up what the builds' teardowns did
// not (secret files); then each log gets RecoveryNote and each build is
// recorded ABORTED, lasting until its log was last written.
func (e *Executor) Recover(ctx context.Context, node *Node) ([]Resumable, error) {
	running, err := e.builds.RunningBuilds(ctx)
	if err != nil {
		return nil, err
	}
	var stale []*model.Build
	var resumable []Resumable
	for _, b := range running {
		cp, ok, err := readCheckpoint(e.logs, b.JobID, b.Number)
		if err != nil {
			e.cfg.Logger.Error("cannot read where a build on an agent stood; it is ended", "job", b.JobName, "build", b.Number, "err", err)
		}
		if ok {
			resumable = append(resumable, Resumable{Build: b, Node: cp.Node, Slot: cp.Slot, cp: cp})
			continue
		}
		stale = append(stale, b)
	}
	l := node.Launcher
	cookies := make([]string, len(stale))
	for i, b := range stale {
		cookies[i] = Cookie(e.cfg.Home, b.JobID, b.Number)
	}
	if n, err := l.KillAll(ctx, e.cfg.KillGrace, cookies...); err != nil {
		e.cfg.Logger.Error("cannot kill the processes left by builds of the previous run", "processes", n, "err", err)
	} else if n > 0 {
		e.cfg.Logger.Info("killed processes left by builds of the previous run", "processes", n)
	}
	if len(stale) > 0 {
		for _, r := range e.recoverers() {
			r.Recover(ctx, node, stale)
		}
	}
	for _, b := range stale {
		if err := e.endStale(ctx, b, model.Aborted, RecoveryNote); err != nil {
			return nil, err
		}
	}
	return resumable, nil
}

// endStale ends a build a previous run of jeeves left running: note
// goes at the end of its log (on a line of its own), and it is recorded
// with result, lasting until its log was last written.
func (e *Executor) endStale(ctx context.Context, b *model.Build, result model.Result, note string) error {
	key := blob.LogKey(b.JobID, b.Number)
	var d time.Duration
	if info, err := e.logs.Stat(key); err == nil {
		d = max(0, info.ModTime.Sub(b.StartedAt))
		if info.Size > 0 && !e.endsWithNewline(key, info.Size) {
			note = "\n" + note // the crash cut a line short
		}
	}
	if _, err := e.appendNote(key, note); err != nil {
		e.cfg.Logger.Error("cannot end the log of a build the previous run left running", "job", b.JobName, "build", b.Number, "err", err)
	}
	if err := e.builds.FinishBuild(ctx, b.JobID, b.Number, result, d); err != nil {
		return err
	}
	e.reg.BuildFinished(b.JobID, b.Number, result)
	return nil
}

// Resume continues a build a previous run of jeeves left running on an
// agent (see Recover) as a Run on executor res.Slot of the agent, once
// await gives the agent's node (connected again). Its step, still
// running there under its supervisor, is followed again from where the
// console stopped: the rest of its output reaches the console, and the
// build goes on with its next steps, its build wrappers set up again,
// then its teardowns and publishers. When await gives up (the agent did
// not come back in time) the build ends FAILURE with "Agent went offline
// during the build"; a build that stood between steps, with nothing to
// follow, ends ABORTED as Recover ends the others, its leftover
// processes killed on the agent. done is called once the build is over.
func (e *Executor) Resume(res Resumable, job *model.Job, await func(ctx context.Context, node string) (*Node, error), done func()) (*Run, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.stopping {
		return nil, ErrStopping
	}
	b := *res.Build
	b.Executor = res.Slot
	ctx, cancel := context.WithCancelCause(context.Background())
	r := &Run{build: b, workspace: res.cp.Workspace, remote: true, cancel: cancel, finished: make(chan struct{})}
	e.runs[r] = struct{}{}
	e.inProgress.Add(1)
	go e.resume(ctx, r, job, res, await, done)
	return r, nil
}

func (e *Executor) resume(ctx context.Context, r *Run, job *model.Job, res Resumable, await func(context.Context, string) (*Node, error), done func()) {
	b := &r.build
	node, err := await(ctx, res.Node)
	var a *Aborted
	aborted := errors.As(context.Cause(ctx), &a)
	switch {
	case err != nil && aborted && a.Detach:
		// jeeves shuts down again before the agent came back.
		defer e.inProgress.Done()
		e.detached(r, func() {}, done)
		return
	case err != nil:
		defer e.inProgress.Done()
		// The lines a build whose agent goes during a step gets (see
		// runSteps).
		result, note := model.Failure, "Agent went offline during the build\nERROR: Connection was broken: "+store.Cause(err)+"\nBuild step 'Execute shell' marked build as failure\nFinished: FAILURE\n"
		if aborted {
			who := "Aborted by " + a.By
			if a.Reason != "" {
				who = a.Reason
			}
			result, note = model.Aborted, "Build was aborted\n"+who+"\nFinished: ABORTED\n"
		}
		e.endResumed(r, job, result, note, done)
		return
	}
	release := node.Workspaces.Claim(r.workspace)
	if res.cp.Step < 0 {
		defer e.inProgress.Done()
		kctx, cancel := context.WithTimeout(context.Background(), e.cfg.KillGrace+30*time.Second)
		node.Launcher.KillAll(kctx, e.cfg.KillGrace, Cookie(e.cfg.Home, b.JobID, b.Number))
		cancel()
		release()
		e.endResumed(r, job, model.Aborted, RecoveryNote, done)
		return
	}
	at := &resumePoint{step: res.cp.Step, result: res.cp.Result, script: res.cp.Script, handle: res.cp.Handle, offset: res.cp.Offset}
	if at.result == "" {
		at.result = model.Success
	}
	if info, err := e.logs.Stat(blob.LogKey(b.JobID, b.Number)); err == nil && info.Size > res.cp.Console {
		// What reached the console after the checkpoint was taken.
		at.offset += info.Size - res.cp.Console
	}
	e.cfg.Logger.Info("resuming a build left running on an agent", "job", b.JobName, "build", b.Number, "node", node.Name, "step", at.step)
	e.run(ctx, r, job, res.cp.By, node, release, done, at, &res.cp)
}

// endResumed ends a resumed build that could not go on.
func (e *Executor) endResumed(r *Run, job *model.Job, result model.Result, note string, done func()) {
	b := &r.build
	key := blob.LogKey(b.JobID, b.Number)
	if info, err := e.logs.Stat(key); err == nil && info.Size > 0 && !e.endsWithNewline(key, info.Size) {
		note = "\n" + note
	}
	e.finish(r, job, nil, result, key, note, func() {}, done)
	if err := e.logs.Delete(checkpointKey(b.JobID, b.Number)); err != nil {
		e.cfg.Logger.Warn("cannot delete a finished build's checkpoint", "job", b.JobName, "build", b.Number, "err", err)
	}
}

// appendNote appends note to the log at key and says how much of it was
// written; an empty note is a no-op.
func (e *Executor) appendNote(key, note string) (int, error) {
	if note == "" {
		return 0, nil
	}
	w, err := e.logs.Append(key)
	if err != nil {
		return 0, err
	}
	n, err := io.WriteString(w, note)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	return n, err
}

// endsWithNewline reports whether the log at key, of size bytes, ends
// with a newline.
func (e *Executor) endsWithNewline(key string, size int64) bool {
	r, err := e.logs.Open(key)
	if err != nil {
		return true
	}
	defer r.Close()
	b := make([]byte, 1)
	_, err = r.ReadAt(b, size-1)
	return err != nil || b[0] == '\n'
}
