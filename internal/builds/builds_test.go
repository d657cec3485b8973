package builds_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/blob"
	"github.com/jeeves-ci/jeeves/internal/builds"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/store"
	"github.com/jeeves-ci/jeeves/internal/store/sqlite"
	"github.com/jeeves-ci/jeeves/internal/usererr"
)

// statuses records what the service tells the job registry.
type statuses map[int64]model.JobStatus

func (s statuses) SetStatus(jobID int64, st model.JobStatus) { s[jobID] = st }

func TestBuildsAndTheirLogs(t *testing.T) {
	ctx := context.Background()
	home := t.TempDir()
	st, err := sqlite.Open(home)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	blobs := blob.NewDir(home)
	told := statuses{}
	s := builds.New(st, blobs, told)
	job, err := st.CreateJob(ctx, "j", []byte("<project/>"), time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.ImportBuilds(ctx, job.ID, []model.Build{
		{Number: 1, Result: model.Success, StartedAt: time.Now()},
		{Number: 2, Result: model.Failure, StartedAt: time.Now()},
	}); err != nil {
		t.Fatal(err)
	}
	w, err := blobs.Append(blob.LogKey(job.ID, 2))
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "Started\nFinished: FAILURE\n")
	w.Close()

	t.Run("a log opens with its size and reads whole", func(t *testing.T) {
		log, err := s.OpenLog(job.ID, 2)
		if err != nil {
			t.Fatal(err)
		}
		defer log.Close()
		b, err := io.ReadAll(io.NewSectionReader(log, 0, log.Size))
		if err != nil || log.Size != 26 || !strings.HasSuffix(string(b), "FAILURE\n") {
			t.Fatalf("%d %q %v", log.Size, b, err)
		}
	})
	t.Run("a build without a log is store.ErrNotFound", func(t *testing.T) {
		if _, err := s.OpenLog(job.ID, 1); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("%v", err)
		}
	})
	t.Run("a permalink names its build", func(t *testing.T) {
		b, err := s.PermalinkBuild(ctx, job.ID, model.LastFailedBuild)
		if err != nil || b == nil || b.Number != 2 {
			t.Fatalf("%+v %v", b, err)
		}
		if b, err := s.PermalinkBuild(ctx, job.ID, model.LastUnstableBuild); err != nil || b != nil {
			t.Fatalf("%+v %v", b, err)
		}
	})
	t.Run("a job's disk usage is its builds', and goes down when one is deleted", func(t *testing.T) {
		if err := st.AddBuildDisk(ctx, job.ID, 1, 10); err != nil {
			t.Fatal(err)
		}
		if err := st.AddBuildDisk(ctx, job.ID, 2, 32); err != nil {
			t.Fatal(err)
		}
		if n, err := s.JobDiskUsage(ctx, job.ID); err != nil || n != 42 {
			t.Fatalf("%d %v", n, err)
		}
	})
	t.Run("a build kept forever cannot be deleted until it is unmarked", func(t *testing.T) {
		if err := s.SetKeepLog(ctx, job.ID, 2, true); err != nil {
			t.Fatal(err)
		}
		err := s.Delete(ctx, job.ID, 2)
		if !errors.Is(err, builds.ErrKept) || usererr.Message(err) != "Unable to delete j #2: This record is explicitly marked to be kept." {
			t.Fatalf("%v", err)
		}
		if b, err := s.Get(ctx, job.ID, 2); err != nil || !b.KeepLog {
			t.Fatalf("%+v %v", b, err)
		}
		if err := s.SetKeepLog(ctx, job.ID, 2, false); err != nil {
			t.Fatal(err)
		}
		if err := s.SetKeepLog(ctx, job.ID, 9, true); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown build: %v", err)
		}
	})
	t.Run("a deleted build goes with its log and what it left beside it, and the registry learns the job's status", func(t *testing.T) {
		left := blob.BuildKey(job.ID, 2) + "/archive/app.jar"
		if _, err := blobs.Put(left, strings.NewReader("jar")); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, job.ID, 2); err != nil {
			t.Fatal(err)
		}
		if _, err := blobs.Stat(left); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("artifact: %v", err)
		}
		if _, err := s.Get(ctx, job.ID, 2); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("record: %v", err)
		}
		if _, err := blobs.Stat(blob.LogKey(job.ID, 2)); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("log: %v", err)
		}
		if n, _ := s.JobDiskUsage(ctx, job.ID); n != 10 {
			t.Fatalf("job disk usage %d after the delete", n)
		}
		want := model.JobStatus{LastNumber: 1, CompletedNumber: 1, CompletedResult: model.Success}
		if told[job.ID] != want {
			t.Fatalf("status %+v, want %+v", told[job.ID], want)
		}
		if err := s.Delete(ctx, job.ID, 2); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("again: %v", err)
		}
	})
}
