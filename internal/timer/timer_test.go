package timer

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/blob"
	"github.com/jeeves-ci/jeeves/internal/cron"
	"github.com/jeeves-ci/jeeves/internal/farm"
	"github.com/jeeves-ci/jeeves/internal/jobs"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/queue"
	"github.com/jeeves-ci/jeeves/internal/store/sqlite"
)

func timedJob(spec string, disabled bool) []byte {
	d := "false"
	if disabled {
		d = "true"
	}
	return []byte(`<project><disabled>` + d + `</disabled><triggers><hudson.triggers.TimerTrigger><spec>` + spec +
		`</spec></hudson.triggers.TimerTrigger></triggers><builders><hudson.tasks.Shell><command>echo tick</command></hudson.tasks.Shell></builders></project>`)
}

type world struct {
	jobs     *jobs.Service
	queue    *queue.Queue
	st       *sqlite.Store
	finished chan model.Build
	asked    chan *model.Authority // whom each downstream check was for
}

// newWorld wires the real store, job service and queue on a temp home.
func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	home := filepath.Join(t.TempDir(), "home")
	st, err := sqlite.Open(home)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	js, err := jobs.New(ctx, st, blob.NewDir(home))
	if err != nil {
		t.Fatal(err)
	}
	w := &world{jobs: js, st: st, finished: make(chan model.Build, 16), asked: make(chan *model.Authority, 16)}
	f, err := farm.New(ctx, farm.Config{
		Executors: 2, Home: home, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		OnFinish: func(b model.Build) { w.finished <- b },
		Permits: func(by *model.Authority, _ *model.Job) (bool, bool) {
			w.asked <- by
			return true, true
		},
	}, st, js)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Shutdown(time.Second) })
	w.queue = f.Queue()
	return w
}

func (w *world) create(t *testing.T, name string, xml []byte) *model.Job {
	t.Helper()
	j, err := w.jobs.Create(context.Background(), "", name, xml, nil)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// matching is the first minute after from that the job's spec matches.
func matching(t *testing.T, j *model.Job, from time.Time) time.Time {
	t.Helper()
	spec, err := cron.Parse(j.Config.TimerSpecs, j.Name)
	if err != nil {
		t.Fatal(err)
	}
	m, ok := spec.Next(from)
	if !ok {
		t.Fatal("spec never fires")
	}
	return m
}

func (w *world) awaitBuild(t *testing.T) model.Build {
	t.Helper()
	select {
	case b := <-w.finished:
		return b
	case <-time.After(30 * time.Second):
		t.Fatal("no build finished")
		return model.Build{}
	}
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestFire(t *testing.T) {
	w := newWorld(t)
	s := New(Config{Logger: quietLogger()}, w.jobs, w.queue)
	hourly := w.create(t, "hourly", timedJob("H * * * *", false))
	off := w.create(t, "off", timedJob("* * * * *", true))
	_ = off
	base := time.Date(2030, 1, 1, 0, 0, 0, 0, time.Local)
	m := matching(t, hourly, base)

	t.Run("a minute no spec matches queues nothing", func(t *testing.T) {
		s.Fire(context.Background(), m.Add(time.Minute))
		if items := w.queue.Items(); len(items) != 0 {
			t.Fatalf("queued %+v", items)
		}
	})
	t.Run("the hashed minute queues a build started by timer", func(t *testing.T) {
		s.Fire(context.Background(), m)
		b := w.awaitBuild(t)
		if b.JobID != hourly.ID || len(b.Causes) != 1 || b.Causes[0].Kind != model.CauseTimer {
			t.Fatalf("build %+v", b)
		}
		if got := b.Causes[0].Description(); got != "Started by timer" {
			t.Fatalf("cause = %q", got)
		}
	})
	t.Run("a disabled job is skipped even when its spec matches", func(t *testing.T) {
		s.Fire(context.Background(), m.Add(time.Minute)) // matches off's * * * * *
		if items := w.queue.Items(); len(items) != 0 {
			t.Fatalf("queued %+v", items)
		}
	})
}

// TestTimerBuildsActForTheJobsConfigurer: what a timer build triggers is
// judged by the permissions of whoever last saved the job's
// configuration.
func TestTimerBuildsActForTheJobsConfigurer(t *testing.T) {
	w := newWorld(t)
	s := New(Config{Logger: quietLogger()}, w.jobs, w.queue)
	xml := strings.Replace(string(timedJob("H * * * *", false)), "</project>",
		"<publishers><hudson.tasks.BuildTrigger><childProjects>child</childProjects><threshold><name>SUCCESS</name></threshold></hudson.tasks.BuildTrigger></publishers></project>", 1)
	w.create(t, "child", []byte("<project/>"))
	alice := &model.Authority{User: "alice"}
	j, err := w.jobs.Create(context.Background(), "", "nightly", []byte(xml), alice)
	if err != nil {
		t.Fatal(err)
	}
	s.Fire(context.Background(), matching(t, j, time.Date(2030, 1, 1, 0, 0, 0, 0, time.Local)))
	for w.awaitBuild(t).JobID != j.ID { // the child may finish first
	}
	select {
	case by := <-w.asked:
		if !model.SameAuthority(by, alice) {
			t.Fatalf("the downstream check was for %+v, want alice", by)
		}
	default:
		t.Fatal("the downstream was never checked")
	}
}

func TestHashFollowsTheFullName(t *testing.T) {
	// Jenkins's own vector: Hash.from("stuff") puts "H * * * *" at :56,
	// Hash.from("junk") at :20.
	w := newWorld(t)
	for name, minute := range map[string]int{"stuff": 56, "junk": 20} {
		j := w.create(t, name, timedJob("H * * * *", false))
		if got := matching(t, j, time.Date(2013, 3, 21, 16, 0, 0, 0, time.UTC)).Minute(); got != minute {
			t.Errorf("%s fires at :%02d, want :%02d", name, got, minute)
		}
	}
}

func TestRunFiresAtTheMinute(t *testing.T) {
	w := newWorld(t)
	j := w.create(t, "every-minute", timedJob("* * * * *", false))
	// A clock 50 ms before a minute, so Run fires without a minute's wait.
	real := time.Now()
	offset := real.Truncate(time.Minute).Add(time.Minute).Sub(real) - 50*time.Millisecond
	s := New(Config{Logger: quietLogger(), Now: func() time.Time { return time.Now().Add(offset) }}, w.jobs, w.queue)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Run(ctx)
	b := w.awaitBuild(t)
	if b.JobID != j.ID || b.Causes[0].Kind != model.CauseTimer {
		t.Fatalf("build %+v", b)
	}
}

func TestRunPicksUpNewJobs(t *testing.T) {
	w := newWorld(t)
	// Start with no timed job at all: Run must wait for a change, not
	// poll, and a job created later must still fire.
	real := time.Now()
	offset := real.Truncate(time.Minute).Add(time.Minute).Sub(real) - 200*time.Millisecond
	s := New(Config{Logger: quietLogger(), Now: func() time.Time { return time.Now().Add(offset) }}, w.jobs, w.queue)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Run(ctx)
	j := w.create(t, "late", timedJob("* * * * *", false))
	b := w.awaitBuild(t)
	if b.JobID != j.ID {
		t.Fatalf("build %+v", b)
	}
}

func TestBadSpecIsRefusedAndNothingStored(t *testing.T) {
	w := newWorld(t)
	_, err := w.jobs.Create(context.Background(), "", "bad", timedJob("61 * * * *", false), nil)
	if err == nil || !strings.Contains(err.Error(), "61 is an invalid value") {
		t.Fatalf("err = %v", err)
	}
	if _, err := w.jobs.Get("bad"); err == nil {
		t.Fatal("the job was stored")
	}
}
