package outputs_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/blob"
	"github.com/jeeves-ci/jeeves/internal/builds"
	"github.com/jeeves-ci/jeeves/internal/farm"
	"github.com/jeeves-ci/jeeves/internal/jobs"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/outputs"
	"github.com/jeeves-ci/jeeves/internal/settings"
	"github.com/jeeves-ci/jeeves/internal/store/sqlite"
	"github.com/jeeves-ci/jeeves/internal/wsfs"
)

// TestWiredIntoTheFarm runs builds through the farm (queue, scheduler,
// executor) with the parts as the composition root wires them.
func TestWiredIntoTheFarm(t *testing.T) {
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
	sv, err := settings.Load(ctx, st, settings.Values{Executors: 1})
	if err != nil {
		t.Fatal(err)
	}
	mail, err := settings.LoadMail(ctx, st, settings.Mail{})
	if err != nil {
		t.Fatal(err)
	}
	parts := outputs.New(outputs.Deps{Store: st, Blobs: blobs, Builds: builds.New(st, blobs, js), Jobs: js, Settings: sv, Mail: mail})
	finished := make(chan model.Build, 8)
	f, err := farm.New(ctx, farm.Config{Executors: 1, Home: home, Logs: blobs, Contributors: parts.Contributors(),
		OnFinish: func(b model.Build) { finished <- b }}, st, js)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Shutdown(0); parts.Close(time.Second) })
	job, err := js.Create(ctx, "", "app", []byte(`<project>
  <properties><jenkins.model.BuildDiscarderProperty><strategy class="hudson.tasks.LogRotator"><numToKeep>1</numToKeep></strategy></jenkins.model.BuildDiscarderProperty></properties>
  <builders><hudson.tasks.Shell><command>mkdir -p out; echo jar > out/app.jar; echo '&lt;testsuite name="s"&gt;&lt;testcase classname="a.B" name="t"/&gt;&lt;/testsuite&gt;' > TEST-s.xml</command></hudson.tasks.Shell></builders>
  <publishers>
    <hudson.tasks.ArtifactArchiver><artifacts>out/*.jar</artifacts></hudson.tasks.ArtifactArchiver>
    <hudson.tasks.junit.JUnitResultArchiver><testResults>TEST-*.xml</testResults></hudson.tasks.junit.JUnitResultArchiver>
  </publishers>
</project>`), &model.Authority{User: "admin"})
	if err != nil {
		t.Fatal(err)
	}
	zero := time.Duration(0)
	for range 2 {
		if _, _, err := f.Schedule(ctx, job, model.Cause{Kind: model.CauseUser, UserID: "admin"}, &model.Authority{User: "admin"}, nil, &zero); err != nil {
			t.Fatal(err)
		}
		select {
		case b := <-finished:
			if b.Result != model.Success {
				t.Fatalf("build %+v", b)
			}
		case <-time.After(60 * time.Second):
			t.Fatal("no build finished")
		}
	}
	t.Run("the builds archive, record their tests and discard the older one", func(t *testing.T) {
		ns, _ := st.BuildNumbers(ctx, job.ID, 0)
		if !slices.Equal(ns, []int64{2}) {
			t.Fatalf("builds %v", ns)
		}
		if list, err := parts.Archive.List(ctx, job.ID, 2, 0); err != nil || len(list) != 1 {
			t.Fatalf("%v %v", list, err)
		}
		if s, err := parts.Tests.Summary(ctx, job.ID, 2); err != nil || s.TotalCount != 1 {
			t.Fatalf("%+v %v", s, err)
		}
	})
	t.Run("the farm says where a job's workspace is, for browsing", func(t *testing.T) {
		tr, err := wsfs.Browse(ctx, f, job)
		if err != nil {
			t.Fatal(err)
		}
		defer tr.Close()
		if e, err := tr.Stat(ctx, "out/app.jar"); err != nil || e.Size != 4 {
			t.Fatalf("%+v %v", e, err)
		}
	})
}
