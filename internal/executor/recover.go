package executor

import (
	"context"
	"io"
	"time"

	"github.com/jeeves-ci/jeeves/internal/blob"
	"github.com/jeeves-ci/jeeves/internal/model"
)

// RecoveryNote is what the log of a build that was running when jeeves
// died says at its end.
const RecoveryNote = "jeeves stopped while this build was running\nBuild was aborted\nFinished: ABORTED\n"

// Recover ends the builds the store still marks as running, which a
// jeeves that stopped uncleanly left: first the processes they left on
// the node are killed (found by their cookies), so that nothing writes
// to a log after it says it is over; then the registered Recoverers
// clean up what the builds' teardowns did not (secret files); then each
// log gets RecoveryNote and each build is recorded ABORTED, lasting
// until its log was last written.
func (e *Executor) Recover(ctx context.Context, node *Node) error {
	stale, err := e.builds.RunningBuilds(ctx)
	if err != nil {
		return err
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
		key := blob.LogKey(b.JobID, b.Number)
		var d time.Duration
		note := RecoveryNote
		if info, err := e.logs.Stat(key); err == nil {
			d = max(0, info.ModTime.Sub(b.StartedAt))
			if info.Size > 0 && !e.endsWithNewline(key, info.Size) {
				note = "\n" + note // the crash cut a line short
			}
		}
		if _, err := e.appendNote(key, note); err != nil {
			e.cfg.Logger.Error("cannot end the log of a build the previous run left running", "job", b.JobName, "build", b.Number, "err", err)
		}
		if err := e.builds.FinishBuild(ctx, b.JobID, b.Number, model.Aborted, d); err != nil {
			return err
		}
		e.reg.BuildFinished(b.JobID, b.Number, model.Aborted)
	}
	return nil
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
