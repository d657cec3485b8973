package executor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jeeves-ci/jeeves/internal/blob"
	"github.com/jeeves-ci/jeeves/internal/launcher"
	"github.com/jeeves-ci/jeeves/internal/model"
)

// A build on an agent outlives jeeves. Its steps run durably there
// (launcher.Durable: under a supervisor that keeps the output and the
// exit status in files), and the build records, in a checkpoint beside
// its log, where it stands: its node, executor and workspace, whom it
// acts for, and, while a step runs, which step, the step's handle and
// how much of its output had reached the console. After a restart, the
// farm gives such a build its executor back and Resume follows the step
// again from there, once the agent is back: the rest of the step's
// output reaches the console, and the build goes on with its next steps,
// teardowns and publishers as if jeeves had never stopped.
//
// The step's output reaches the console in order; the checkpoint holds a
// pair (bytes of the step's output delivered, size of the console then),
// taken at the step's start, every CheckpointEvery while output flows,
// and when jeeves detaches at shutdown. The output to resume from is the
// delivered count plus what the console gained since the pair was taken:
// exact, unless a password was masked in the output after the last pair
// (the masked text is shorter than the secret).

// CheckpointEvery is how often a running step's checkpoint is brought up
// to date while its output flows.
const CheckpointEvery = time.Second

// checkpointName is the key, below the build's blob.BuildKey, of its
// checkpoint.
const checkpointName = "agent-step.json"

func checkpointKey(jobID, number int64) string {
	return blob.BuildKey(jobID, number) + "/" + checkpointName
}

// checkpoint is what a build on an agent records to be resumed.
type checkpoint struct {
	Node      string           `json:"node"`
	Slot      int              `json:"slot"`
	Workspace string           `json:"workspace"`
	By        *model.Authority `json:"by,omitempty"`
	// Step is the index of the running step among the job's builders;
	// -1 while none runs.
	Step   int          `json:"step"`
	Result model.Result `json:"result,omitempty"` // the build's result before the step
	Script string       `json:"script,omitempty"`
	Handle string       `json:"handle,omitempty"`
	// Offset is how much of the step's output had been delivered when
	// the console was Console bytes long.
	Offset  int64 `json:"offset"`
	Console int64 `json:"console"`
}

// resumePoint is where a resumed build takes over: the step left
// running and the offset of its output to follow from.
type resumePoint struct {
	step   int
	result model.Result
	script string
	handle string
	offset int64
}

// counter counts the bytes written through it: the console's size.
type counter struct {
	w io.Writer
	n atomic.Int64
}

func (c *counter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n.Add(int64(n))
	return n, err
}

// tracker keeps a build's checkpoint up to date.
type tracker struct {
	blobs   blob.Store
	key     string
	console *counter
	log     *slog.Logger

	mu      sync.Mutex // held while step output is written, so a pair is consistent
	cp      checkpoint
	raw     int64 // the step's output delivered
	saved   int64 // raw when last saved
	stop    chan struct{}
	stopped sync.WaitGroup
}

// newTracker keeps the checkpoint of a build whose state is cp; it is
// written once a step starts (a build between steps has nothing to
// resume: a restart ends it as it ends builds on the built-in node).
func newTracker(blobs blob.Store, jobID, number int64, cp checkpoint, console *counter, log *slog.Logger) *tracker {
	return &tracker{blobs: blobs, key: checkpointKey(jobID, number), console: console, log: log, cp: cp}
}

// save writes the checkpoint. Called with t.mu.
func (t *tracker) save() {
	b, _ := json.Marshal(t.cp)
	if _, err := t.blobs.Put(t.key, bytes.NewReader(b)); err != nil {
		t.log.Warn("cannot record where a build on an agent stands; a restart of jeeves now would end it", "key", t.key, "err", err)
	}
	t.saved = t.raw
}

// stepOutput is a step's output on its way to the console.
type stepOutput struct {
	t *tracker
	w io.Writer
}

func (o stepOutput) Write(p []byte) (int, error) {
	o.t.mu.Lock()
	defer o.t.mu.Unlock()
	n, err := o.w.Write(p)
	o.t.raw += int64(n)
	return n, err
}

// output wraps the console for a step whose output is delivered from
// offset on.
func (t *tracker) output(console io.Writer, offset int64) io.Writer {
	t.mu.Lock()
	t.raw, t.saved = offset, offset
	t.mu.Unlock()
	return stepOutput{t, console}
}

// stepStarted records that step i runs, and keeps its checkpoint up to
// date until stepEnded.
func (t *tracker) stepStarted(i int, result model.Result, script, handle string) {
	t.halt() // the previous step's updates
	t.mu.Lock()
	t.cp.Step, t.cp.Result, t.cp.Script, t.cp.Handle = i, result, script, handle
	t.cp.Offset, t.cp.Console = t.raw, t.console.n.Load()
	t.save()
	t.stop = make(chan struct{})
	stop := t.stop
	t.mu.Unlock()
	t.stopped.Add(1)
	go func() {
		defer t.stopped.Done()
		tick := time.NewTicker(CheckpointEvery)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				t.mu.Lock()
				if t.raw != t.saved {
					t.cp.Offset, t.cp.Console = t.raw, t.console.n.Load()
					t.save()
				}
				t.mu.Unlock()
			}
		}
	}()
}

// snapshot brings the checkpoint up to date now.
func (t *tracker) snapshot() {
	t.halt()
	t.mu.Lock()
	t.cp.Offset, t.cp.Console = t.raw, t.console.n.Load()
	t.save()
	t.mu.Unlock()
}

// halt stops the periodic updates.
func (t *tracker) halt() {
	t.mu.Lock()
	if t.stop != nil {
		close(t.stop)
		t.stop = nil
	}
	t.mu.Unlock()
	t.stopped.Wait()
}

// stepEnded records that no step runs: the checkpoint goes (deleting
// costs no sync, where writing one does).
func (t *tracker) stepEnded() {
	t.halt()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cp.Step >= 0 {
		t.cp.Step, t.cp.Script, t.cp.Handle, t.cp.Offset, t.cp.Console = -1, "", "", 0, 0
		if err := t.blobs.Delete(t.key); err != nil {
			t.log.Warn("cannot delete the checkpoint of a build between steps", "key", t.key, "err", err)
		}
	}
}

// remove deletes the checkpoint: the build is over.
func (t *tracker) remove() {
	t.halt()
	if err := t.blobs.Delete(t.key); err != nil {
		t.log.Warn("cannot delete a finished build's checkpoint", "key", t.key, "err", err)
	}
}

// readCheckpoint reads a build's checkpoint; ok is false when it has
// none.
func readCheckpoint(blobs blob.Store, jobID, number int64) (cp checkpoint, ok bool, err error) {
	r, err := blobs.Open(checkpointKey(jobID, number))
	if errors.Is(err, blob.ErrNotFound) {
		return cp, false, nil
	}
	if err != nil {
		return cp, false, err
	}
	defer r.Close()
	if err := json.NewDecoder(io.LimitReader(r, 1<<20)).Decode(&cp); err != nil {
		return cp, false, err
	}
	return cp, true, nil
}

// offlineLauncher is the launcher of a machine that went away for good:
// every call fails at once, rather than wait for a connection.
type offlineLauncher struct{}

var errGone = launcher.ErrOffline

func (offlineLauncher) Start(context.Context, launcher.Proc) (launcher.Process, error) {
	return nil, errGone
}
func (offlineLauncher) KillAll(context.Context, time.Duration, ...string) (int, error) {
	return 0, errGone
}
func (offlineLauncher) MkdirAll(context.Context, string, fs.FileMode) error { return errGone }
func (offlineLauncher) MkdirTemp(context.Context, string, string) (string, error) {
	return "", errGone
}
func (offlineLauncher) CreateTemp(context.Context, string, string, io.Reader) (string, error) {
	return "", errGone
}
func (offlineLauncher) WriteFile(context.Context, string, io.Reader, fs.FileMode) error {
	return errGone
}
func (offlineLauncher) Open(context.Context, string) (io.ReadCloser, error)    { return nil, errGone }
func (offlineLauncher) Stat(context.Context, string) (fs.FileInfo, error)      { return nil, errGone }
func (offlineLauncher) ReadDir(context.Context, string) ([]fs.DirEntry, error) { return nil, errGone }
func (offlineLauncher) Walk(context.Context, string, fs.WalkDirFunc) error     { return errGone }
func (offlineLauncher) Rename(context.Context, string, string) error           { return errGone }
func (offlineLauncher) Remove(context.Context, string) error                   { return errGone }
func (offlineLauncher) RemoveAll(context.Context, string) error                { return errGone }
