package retention_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/archive"
	"github.com/jeeves-ci/jeeves/internal/blob"
	"github.com/jeeves-ci/jeeves/internal/builds"
	"github.com/jeeves-ci/jeeves/internal/buildtest"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/retention"
	"github.com/jeeves-ci/jeeves/internal/store"
)

type world struct {
	*buildtest.World
	arch   *archive.Service
	builds *builds.Service
	d      *retention.Discarder
	now    time.Time
}

func newWorld(t *testing.T) *world {
	w := &world{World: buildtest.New(t, nil), now: time.Now()}
	w.arch = archive.New(archive.Config{}, w.Blobs, w.Store)
	t.Cleanup(func() { w.arch.Close(context.Background()) })
	w.builds = builds.New(w.Store, w.Blobs, w.Jobs)
	w.d = retention.New(retention.Config{Now: func() time.Time { return w.now }}, w.Store, w.builds, w.arch, w.Jobs, w.Blobs)
	w.Exec.Register(w.arch)
	w.Exec.Register(w.d)
	return w
}

func discarder(inner string) string {
	return `<properties><jenkins.model.BuildDiscarderProperty><strategy class="hudson.tasks.LogRotator">` + inner +
		`</strategy></jenkins.model.BuildDiscarderProperty></properties>`
}

// numbers lists the job's builds, newest first.
func (w *world) numbers(t *testing.T, job *model.Job) []int64 {
	t.Helper()
	ns, err := w.Store.BuildNumbers(context.Background(), job.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

// gone checks that nothing of build n is left: record, log, blobs.
func (w *world) gone(t *testing.T, job *model.Job, n int64) {
	t.Helper()
	if _, err := w.Store.Build(context.Background(), job.ID, n); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("build #%d record: %v", n, err)
	}
	if _, err := w.Blobs.Stat(blob.LogKey(job.ID, n)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("build #%d log: %v", n, err)
	}
	var left []string
	w.Blobs.Walk(blob.BuildKey(job.ID, n), func(i blob.Info) error { left = append(left, i.Key); return nil })
	if len(left) > 0 {
		t.Errorf("build #%d left %q", n, left)
	}
}

func TestDiscardingAfterBuilds(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	archiving := `<publishers><hudson.tasks.ArtifactArchiver><artifacts>out.txt</artifacts></hudson.tasks.ArtifactArchiver></publishers>`

	t.Run("numToKeep deletes the older builds with their logs and artifacts after each build", func(t *testing.T) {
		job := w.Job(t, "num", buildtest.Shell("echo $BUILD_NUMBER > out.txt", discarder(`<numToKeep>2</numToKeep>`)+archiving))
		for range 4 {
			if b := w.Run(t, job); b.Result != model.Success {
				t.Fatalf("%s", w.Log(t, b))
			}
		}
		if got := w.numbers(t, job); !slices.Equal(got, []int64{4, 3}) {
			t.Fatalf("builds %v", got)
		}
		w.gone(t, job, 1)
		w.gone(t, job, 2)
		if log := w.Log(t, model.Build{JobID: job.ID, Number: 4}); strings.Contains(log, "jeeves does not run Discard old builds") {
			t.Errorf("the console still says the discarder is not run:\n%s", log)
		}
	})
	t.Run("a build kept forever stays", func(t *testing.T) {
		job := w.Job(t, "kept", buildtest.Shell("true", discarder(`<numToKeep>1</numToKeep>`)))
		w.Run(t, job)
		if err := w.builds.SetKeepLog(ctx, job.ID, 1, true); err != nil {
			t.Fatal(err)
		}
		w.Run(t, job)
		w.Run(t, job)
		if got := w.numbers(t, job); !slices.Equal(got, []int64{3, 1}) {
			t.Fatalf("builds %v", got)
		}
	})
	t.Run("the last successful and the last stable builds stay, unless removeLastBuild", func(t *testing.T) {
		job := w.Job(t, "last", buildtest.Shell(`[ "$BUILD_NUMBER" = 1 ] || exit 1`, discarder(`<numToKeep>1</numToKeep>`)))
		for range 3 {
			w.Run(t, job)
		}
		if got := w.numbers(t, job); !slices.Equal(got, []int64{3, 1}) {
			t.Fatalf("builds %v", got)
		}
		w.Jobs.UpdateConfig(ctx, "last", []byte(buildtest.Shell("exit 1", discarder(`<numToKeep>1</numToKeep><removeLastBuild>true</removeLastBuild>`))), nil)
		w.Run(t, job)
		if got := w.numbers(t, job); !slices.Equal(got, []int64{4}) {
			t.Fatalf("builds %v", got)
		}
	})
	t.Run("artifactNumToKeep strips older builds of their artifacts and keeps their logs", func(t *testing.T) {
		job := w.Job(t, "arts", buildtest.Shell("echo $BUILD_NUMBER > out.txt", discarder(`<artifactNumToKeep>1</artifactNumToKeep>`)+archiving))
		for range 3 {
			w.Run(t, job)
		}
		if got := w.numbers(t, job); !slices.Equal(got, []int64{3, 2, 1}) {
			t.Fatalf("builds %v", got)
		}
		for n, want := range map[int64]int{1: 0, 2: 0, 3: 1} {
			list, err := w.arch.List(ctx, job.ID, n, 0)
			if err != nil || len(list) != want {
				t.Errorf("build #%d artifacts %v %v", n, list, err)
			}
			rec, _ := w.Store.Build(ctx, job.ID, n)
			if rec.HasArtifacts != (want == 1) {
				t.Errorf("build #%d record %+v", n, rec)
			}
			if _, err := w.Blobs.Stat(blob.LogKey(job.ID, n)); err != nil {
				t.Errorf("build #%d log: %v", n, err)
			}
		}
	})
	t.Run("the legacy logRotator, and an archiver's latestOnly, are read as Jenkins migrates them", func(t *testing.T) {
		job := w.Job(t, "legacy", `<project><logRotator><daysToKeep>-1</daysToKeep><numToKeep>1</numToKeep><artifactDaysToKeep>-1</artifactDaysToKeep><artifactNumToKeep>-1</artifactNumToKeep></logRotator>`+
			`<builders><hudson.tasks.Shell><command>true</command></hudson.tasks.Shell></builders></project>`)
		w.Run(t, job)
		w.Run(t, job)
		if got := w.numbers(t, job); !slices.Equal(got, []int64{2}) {
			t.Fatalf("builds %v", got)
		}
		latest := w.Job(t, "latest", buildtest.Shell("echo x > out.txt", `<publishers><hudson.tasks.ArtifactArchiver><artifacts>out.txt</artifacts><latestOnly>true</latestOnly></hudson.tasks.ArtifactArchiver></publishers>`))
		w.Run(t, latest)
		w.Run(t, latest)
		if list, _ := w.arch.List(ctx, latest.ID, 1, 0); len(list) != 0 {
			t.Errorf("build #1 kept its artifacts: %v", list)
		}
	})
	t.Run("each build's log counts in its disk usage", func(t *testing.T) {
		job := w.Job(t, "disk", buildtest.Shell("echo a fairly long line of output", ""))
		b := w.Run(t, job)
		info, err := w.Blobs.Stat(blob.LogKey(b.JobID, b.Number))
		if err != nil {
			t.Fatal(err)
		}
		rec, _ := w.Store.Build(ctx, b.JobID, b.Number)
		if rec.DiskUsage != info.Size {
			t.Fatalf("disk usage %d, log %d", rec.DiskUsage, info.Size)
		}
		if n, _ := w.Store.JobDiskUsage(ctx, job.ID); n != info.Size {
			t.Fatalf("job usage %d", n)
		}
	})
}

func TestPeriodicDiscarding(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	job := w.Job(t, "idle", buildtest.Shell("true", ""))
	for range 3 {
		w.Run(t, job)
	}
	t.Run("a rotator added since the last build trims the job at the next pass", func(t *testing.T) {
		if _, err := w.Jobs.UpdateConfig(ctx, "idle", []byte(buildtest.Shell("true", discarder(`<daysToKeep>1</daysToKeep>`))), nil); err != nil {
			t.Fatal(err)
		}
		if err := w.d.DiscardAll(ctx); err != nil {
			t.Fatal(err)
		}
		if got := w.numbers(t, job); !slices.Equal(got, []int64{3, 2, 1}) {
			t.Fatalf("recent builds went: %v", got)
		}
		w.now = w.now.AddDate(0, 0, 3)
		if err := w.d.DiscardAll(ctx); err != nil {
			t.Fatal(err)
		}
		// Build 3 is the last successful and stable build.
		if got := w.numbers(t, job); !slices.Equal(got, []int64{3}) {
			t.Fatalf("builds %v", got)
		}
	})
	t.Run("a running build stays", func(t *testing.T) {
		w.now = time.Now()
		run := w.Job(t, "running", buildtest.Shell(`while [ ! -f go ]; do sleep 0.05; done`, discarder(`<numToKeep>0</numToKeep><removeLastBuild>true</removeLastBuild>`)))
		finished := make(chan model.Build, 1)
		go func() { finished <- w.Run(t, run) }()
		ws := w.Workspace(run)
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
			if b, err := w.Store.Build(ctx, run.ID, 1); err == nil && b.Building {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the build did not start")
			}
		}
		j, _ := w.Jobs.ByID(run.ID)
		d, err := w.d.Discard(ctx, j)
		if err != nil || len(d.Delete) != 0 {
			t.Fatalf("%+v %v", d, err)
		}
		// The build is recorded running before its step makes the
		// workspace.
		if err := os.MkdirAll(ws, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(ws, "go"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		<-finished
		// Once finished, the build discards itself: numToKeep 0.
		if got := w.numbers(t, run); len(got) != 0 {
			t.Fatalf("builds %v", got)
		}
	})
}
