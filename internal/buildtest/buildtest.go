// Package buildtest runs real builds for the tests of build
// contributors (the archiver, the JUnit recorder, the discarder, the
// mailer): a home with SQLite, the jobs service, the executor and the
// built-in node on the local launcher, as internal/farm puts them
// together, without the queue.
package buildtest

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/blob"
	"github.com/jeeves-ci/jeeves/internal/executor"
	"github.com/jeeves-ci/jeeves/internal/jobs"
	"github.com/jeeves-ci/jeeves/internal/launcher"
	"github.com/jeeves-ci/jeeves/internal/launcher/local"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/store/sqlite"
	"github.com/jeeves-ci/jeeves/internal/workspace"
)

// World is a home where builds run.
type World struct {
	Home     string
	Store    *sqlite.Store
	Jobs     *jobs.Service
	Blobs    *blob.Dir
	Exec     *executor.Executor
	Node     *executor.Node
	finished chan model.Build
}

// New makes a world in a temporary home; the builds' launcher is l (nil:
// the local launcher). Register contributors on w.Exec before running
// builds.
func New(t testing.TB, l launcher.Launcher) *World {
	t.Helper()
	ctx := context.Background()
	home := t.TempDir()
	st, err := sqlite.Open(home)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	blobs := blob.NewDir(home)
	js, err := jobs.New(ctx, st, blobs)
	if err != nil {
		t.Fatal(err)
	}
	if l == nil {
		l = local.New()
	}
	w := &World{Home: home, Store: st, Jobs: js, Blobs: blobs, finished: make(chan model.Build, 64)}
	w.Exec = executor.New(executor.Config{Home: home, ListenURL: "http://jeeves.example/", Env: []string{"PATH=/usr/bin:/bin"}, KillGrace: time.Second}, st, blobs, js)
	w.Exec.OnFinished(func(b model.Build) { w.finished <- b })
	w.Node = &executor.Node{Name: "built-in", Labels: []string{"built-in"}, Launcher: l, Workspaces: workspace.New(l, home, nil)}
	t.Cleanup(func() { w.Exec.Shutdown(0) })
	return w
}

// Job creates a job from its config.xml.
func (w *World) Job(t testing.TB, name, configXML string) *model.Job {
	t.Helper()
	j, err := w.Jobs.Create(context.Background(), "", name, []byte(configXML), &model.Authority{User: "admin"})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// Shell is a freestyle project's config.xml running command, with more
// (publishers, properties…) inside <project>.
func Shell(command, more string) string {
	return `<project>` + more + `<builders><hudson.tasks.Shell><command>` +
		strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(command) +
		`</command></hudson.tasks.Shell></builders></project>`
}

// Run runs a build of job (the job as stored now) and waits until it is
// recorded finished and every contributor's Finished has run.
func (w *World) Run(t testing.TB, job *model.Job) model.Build {
	t.Helper()
	j, err := w.Jobs.ByID(job.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.Exec.Start(&model.QueueItem{JobID: j.ID, Causes: []model.Cause{{Kind: model.CauseUser, UserID: "admin", UserName: "Admin"}}}, j, w.Node, 0, func() {})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case b := <-w.finished:
		return b
	case <-time.After(60 * time.Second):
		t.Fatal("the build did not finish")
		return model.Build{}
	}
}

// Log is a build's console log.
func (w *World) Log(t testing.TB, b model.Build) string {
	t.Helper()
	r, err := w.Blobs.Open(blob.LogKey(b.JobID, b.Number))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	s, _ := io.ReadAll(r)
	return string(s)
}

// Workspace is the job's workspace on the node.
func (w *World) Workspace(job *model.Job) string { return w.Node.Workspaces.Path(job.Name) }
