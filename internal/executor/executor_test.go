package executor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/blob"
	"github.com/jeeves-ci/jeeves/internal/jobs"
	"github.com/jeeves-ci/jeeves/internal/launcher"
	"github.com/jeeves-ci/jeeves/internal/launcher/local"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/store/sqlite"
	"github.com/jeeves-ci/jeeves/internal/workspace"
)

// world is an executor on the real store, a blob.Dir, and the local
// launcher: builds are real processes.
type world struct {
	home     string
	st       *sqlite.Store
	js       *jobs.Service
	logs     blob.Store
	ex       *Executor
	node     *Node
	finished chan model.Build
	messages chan string // what the executor logs
}

func newWorld(t *testing.T, cfg Config, logs func(blob.Store) blob.Store) *world {
	t.Helper()
	ctx := context.Background()
	home := t.TempDir()
	st, err := sqlite.Open(home)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	js, err := jobs.New(ctx, st, blob.NewDir(home))
	if err != nil {
		t.Fatal(err)
	}
	w := &world{home: home, st: st, js: js, logs: blob.NewDir(home), finished: make(chan model.Build, 16), messages: make(chan string, 64)}
	if logs != nil {
		w.logs = logs(w.logs)
	}
	cfg.Home = home
	cfg.Logger = slog.New(messageHandler(w.messages))
	w.ex = New(cfg, st, w.logs, js)
	w.ex.OnFinished(func(b model.Build) { w.finished <- b })
	l := local.New()
	w.node = &Node{Name: "built-in", Labels: []string{"built-in"}, Launcher: l, Workspaces: workspace.New(l, home, nil), BuiltIn: true}
	t.Cleanup(func() { w.ex.Shutdown(0) })
	return w
}

// messageHandler sends the message of each record logged to ch.
type messageHandler chan string

func (h messageHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h messageHandler) Handle(_ context.Context, r slog.Record) error {
	select {
	case h <- r.Message:
	default:
	}
	return nil
}
func (h messageHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h messageHandler) WithGroup(string) slog.Handler      { return h }

func (w *world) job(t *testing.T, name, command string) *model.Job {
	t.Helper()
	j, err := w.js.Create(context.Background(), "", name, []byte(`<project><builders><hudson.tasks.Shell><command>`+
		strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(command)+
		`</command></hudson.tasks.Shell></builders></project>`), nil)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func (w *world) start(t *testing.T, j *model.Job, params ...model.ParamValue) *Run {
	t.Helper()
	r, err := w.ex.Start(&model.QueueItem{JobID: j.ID, Params: params, Causes: []model.Cause{{Kind: model.CauseUser, UserID: "alice", UserName: "Alice"}}}, j, w.node, 0, func() {})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (w *world) log(t *testing.T, b model.Build) string {
	t.Helper()
	r, err := w.logs.Open(blob.LogKey(b.JobID, b.Number))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	s, _ := io.ReadAll(r)
	return string(s)
}

func (w *world) stored(t *testing.T, b model.Build) *model.Build {
	t.Helper()
	got, err := w.st.Build(context.Background(), b.JobID, b.Number)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func awaitFinished(t *testing.T, ch <-chan model.Build) model.Build {
	t.Helper()
	select {
	case b := <-ch:
		return b
	case <-time.After(30 * time.Second):
		t.Fatal("no build finished")
		return model.Build{}
	}
}

func TestBuild(t *testing.T) {
	w := newWorld(t, Config{ListenURL: "http://127.0.0.1:8080"}, nil)
	j := w.job(t, "job", `echo "ws=$WORKSPACE n=$BUILD_NUMBER node=$NODE_NAME url=$BUILD_URL pw=$PW"`)
	var published atomic.Value
	w.ex.OnStepsDone(func(_ context.Context, ev *StepsDone) {
		published.Store(ev)
		fmt.Fprintln(ev.Console, "a publisher's line, s3cret")
	})
	r := w.start(t, j, model.ParamValue{Kind: model.ParamPassword, Name: "PW", Value: "s3cret"})
	b := awaitFinished(t, w.finished)
	log := w.log(t, b)
	ws := filepath.Join(w.home, "workspace", "job")
	t.Run("the step ran in the job's workspace with Jenkins's variables", func(t *testing.T) {
		if r.Workspace() != ws || !strings.Contains(log, "\nws="+ws+" n=1 node=built-in url=http://127.0.0.1:8080/job/job/1/ pw=****\n") {
			t.Fatalf("workspace %s, console:\n%s", r.Workspace(), log)
		}
	})
	t.Run("the console begins with the cause and ends with the result", func(t *testing.T) {
		if !strings.HasPrefix(log, "Started by user Alice\nRunning as SYSTEM\nBuilding in workspace "+ws+"\n") || !strings.HasSuffix(log, "\nFinished: SUCCESS\n") {
			t.Fatalf("console:\n%s", log)
		}
	})
	t.Run("subscribers write in the console before Finished, masked too", func(t *testing.T) {
		ev, _ := published.Load().(*StepsDone)
		if ev == nil || ev.Result != model.Success || ev.Build.Number != 1 || ev.Workspace != ws || ev.Job.ID != j.ID {
			t.Fatalf("event %+v", ev)
		}
		if !strings.HasSuffix(log, "a publisher's line, ****\nFinished: SUCCESS\n") {
			t.Fatalf("console:\n%s", log)
		}
	})
	t.Run("the result is recorded, and the job hears of it", func(t *testing.T) {
		if got := w.stored(t, b); got.Building || got.Result != model.Success || b.Result != model.Success || b.Building {
			t.Fatalf("stored %+v, finished %+v", got, b)
		}
		if cur, _ := w.js.ByID(j.ID); cur.Status.LastNumber != 1 || cur.Status.LastBuilding {
			t.Fatalf("job status %+v", cur.Status)
		}
	})
	t.Run("the run is done once the result is recorded", func(t *testing.T) {
		<-r.Done()
	})
}

func TestConcurrentWorkspaces(t *testing.T) {
	w := newWorld(t, Config{}, nil)
	gate := filepath.Join(t.TempDir(), "gate")
	j := w.job(t, "job", "while [ ! -e "+gate+" ]; do sleep 0.01; done")
	a, b := w.start(t, j), w.start(t, j)
	os.WriteFile(gate, nil, 0o600)
	<-a.Done()
	<-b.Done()
	t.Run("a second build running at once works in @2", func(t *testing.T) {
		if a.Workspace() != filepath.Join(w.home, "workspace", "job") || b.Workspace() != a.Workspace()+"@2" {
			t.Fatalf("workspaces %s %s", a.Workspace(), b.Workspace())
		}
	})
	t.Run("once both are over, the next build gets the job's own", func(t *testing.T) {
		c := w.start(t, j)
		<-c.Done()
		if c.Workspace() != a.Workspace() {
			t.Fatalf("workspace %s", c.Workspace())
		}
	})
}

func TestAbort(t *testing.T) {
	w := newWorld(t, Config{}, nil)
	j := w.job(t, "job", "echo started; sleep 1000")
	r := w.start(t, j)
	waitFor(t, "the step to start", func() bool {
		lr, err := w.logs.Open(blob.LogKey(j.ID, 1))
		if err != nil {
			return false
		}
		defer lr.Close()
		b, _ := io.ReadAll(lr)
		return strings.Contains(string(b), "started\n")
	})
	r.Abort("alice")
	<-r.Done()
	b := awaitFinished(t, w.finished)
	if b.Result != model.Aborted || !strings.HasSuffix(w.log(t, b), "started\n+ sleep 1000\nBuild was aborted\nAborted by alice\nFinished: ABORTED\n") {
		t.Fatalf("%s:\n%s", b.Result, w.log(t, b))
	}
}

func TestEnvironment(t *testing.T) {
	job := &model.Job{Name: "f/my job"}
	node := &Node{Name: "built-in", Labels: []string{"built-in"}, BuiltIn: true}
	b := &model.Build{Number: 3, Executor: 1, Params: []model.ParamValue{{Name: "greeting", Value: "hi"}}}
	cases := []struct {
		name, root, listen, set string
		want, absent            []string
	}{
		{name: "the configured root URL names the build", root: "https://ci.example/", listen: "http://127.0.0.1:8080/",
			want: []string{"JENKINS_URL=https://ci.example/", "BUILD_URL=https://ci.example/job/f/job/my%20job/3/", "JOB_URL=https://ci.example/job/f/job/my%20job/"}},
		{name: "without one, the address jeeves listens on", listen: "http://127.0.0.1:8080",
			want: []string{"JENKINS_URL=http://127.0.0.1:8080/", "HUDSON_URL=http://127.0.0.1:8080/"}},
		{name: "without either, no URL at all", absent: []string{"JENKINS_URL", "BUILD_URL", "JOB_URL", "HUDSON_URL"}},
		{name: "a root URL set at run time is the one later builds get", root: "https://old/", set: "https://new/",
			want: []string{"JENKINS_URL=https://new/"}},
		{name: "Jenkins's variables and each parameter, also upper-cased", want: []string{
			"BUILD_NUMBER=3", "BUILD_ID=3", "BUILD_DISPLAY_NAME=#3", "BUILD_TAG=jenkins-f-my job-3", "JOB_NAME=f/my job",
			"JOB_BASE_NAME=my job", "WORKSPACE=/ws", "WORKSPACE_TMP=/ws@tmp", "JENKINS_HOME=/home", "EXECUTOR_NUMBER=1",
			"NODE_NAME=built-in", "NODE_LABELS=built-in", "CI=true", "greeting=hi", "GREETING=hi", "INHERITED=1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := New(Config{Home: "/home", RootURL: c.root, ListenURL: c.listen, Env: []string{"INHERITED=1"}}, nil, nil, nil)
			if c.set != "" {
				e.SetRootURL(c.set)
			}
			env := "\x00" + strings.Join(e.environment(job, b, node, "/ws"), "\x00") + "\x00"
			for _, v := range c.want {
				if !strings.Contains(env, "\x00"+v+"\x00") {
					t.Errorf("no %s in %q", v, env)
				}
			}
			for _, name := range c.absent {
				if strings.Contains(env, "\x00"+name+"=") {
					t.Errorf("%s set in %q", name, env)
				}
			}
		})
	}
	t.Run("builds inherit no JEEVES_ variable", func(t *testing.T) {
		if got := InheritedEnv([]string{"JEEVES_ADMIN_PASSWORD=x", "PATH=/bin", "JEEVES_HOME=/h"}); len(got) != 1 || got[0] != "PATH=/bin" {
			t.Fatalf("inherited %q", got)
		}
	})
}

func TestRecover(t *testing.T) {
	w := newWorld(t, Config{KillGrace: time.Second}, nil)
	ctx := context.Background()
	cut := w.job(t, "cut", "true")
	clean := w.job(t, "clean", "true")
	// Two builds the dead run left running: one whose log a line was cut
	// short in, whose process still runs with the build's cookie.
	var left []*model.Build
	for _, j := range []*model.Job{cut, clean} {
		b := &model.Build{JobID: j.ID, JobName: j.Name, Building: true, StartedAt: time.Now().Add(-time.Minute)}
		if err := w.st.StartBuild(ctx, 0, b); err != nil {
			t.Fatal(err)
		}
		left = append(left, b)
	}
	write := func(b *model.Build, s string) {
		lw, err := w.logs.Append(blob.LogKey(b.JobID, b.Number))
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(lw, s)
		lw.Close()
	}
	write(left[0], "started\ncut short")
	write(left[1], "started\n")
	orphan := exec.Command("sleep", "1000")
	orphan.Env = []string{launcher.CookieVar + "=" + Cookie(w.home, cut.ID, left[0].Number)}
	orphan.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := orphan.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- orphan.Wait() }()
	t.Cleanup(func() { orphan.Process.Kill() })

	rec := recoverer{contributorFunc: func(*model.Job) *Part { return nil }, got: make(chan []*model.Build, 1)}
	w.ex.Register(rec)
	if res, err := w.ex.Recover(ctx, w.node); err != nil || len(res) != 0 {
		t.Fatal(res, err)
	}
	t.Run("the contributors that recover are given the builds left running", func(t *testing.T) {
		select {
		case stale := <-rec.got:
			if len(stale) != 2 || stale[0].Number != left[0].Number || stale[1].Number != left[1].Number {
				t.Fatalf("%+v", stale)
			}
		default:
			t.Fatal("Recover was not called")
		}
	})
	t.Run("the processes of the builds left running are killed", func(t *testing.T) {
		// Recover returned once the process was dead; jeeves, its
		// parent here, reaps it a moment later.
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			t.Fatal("the build's process outlived the recovery")
		}
	})
	t.Run("the builds are ABORTED, their logs ending with a line saying jeeves stopped", func(t *testing.T) {
		for i, want := range []string{"started\ncut short\n" + RecoveryNote, "started\n" + RecoveryNote} {
			b := left[i]
			if got := w.stored(t, *b); got.Building || got.Result != model.Aborted || got.Duration <= 0 {
				t.Errorf("%s: %+v", b.JobName, got)
			}
			if log := w.log(t, *b); log != want {
				t.Errorf("%s console %q, want %q", b.JobName, log, want)
			}
		}
	})
	t.Run("the jobs hear their builds ended", func(t *testing.T) {
		if j, _ := w.js.ByID(cut.ID); j.Status.LastBuilding || j.Status.CompletedResult != model.Aborted {
			t.Fatalf("status %+v", j.Status)
		}
	})
}

func TestShutdown(t *testing.T) {
	t.Run("a build that finishes within the grace ends as it would have", func(t *testing.T) {
		w := newWorld(t, Config{}, nil)
		gate := filepath.Join(t.TempDir(), "gate")
		r := w.start(t, w.job(t, "job", "while [ ! -e "+gate+" ]; do sleep 0.01; done"))
		stopped := make(chan struct{})
		go func() { w.ex.Shutdown(time.Hour); close(stopped) }()
		os.WriteFile(gate, nil, 0o600)
		<-stopped
		<-r.Done()
		if got := w.stored(t, r.Build()); got.Result != model.Success {
			t.Fatalf("result %s", got.Result)
		}
	})
	t.Run("a build still running after the grace is ABORTED with a line saying why", func(t *testing.T) {
		w := newWorld(t, Config{}, nil)
		r := w.start(t, w.job(t, "job", "sleep 1000"))
		w.ex.Shutdown(time.Millisecond)
		b := w.stored(t, r.Build())
		if log := w.log(t, *b); b.Result != model.Aborted || !strings.HasSuffix(log, "Build was aborted\njeeves is shutting down: the build did not finish within the shutdown grace (1ms)\nFinished: ABORTED\n") {
			t.Fatalf("%s:\n%s", b.Result, log)
		}
	})
	t.Run("no build starts once it has begun", func(t *testing.T) {
		w := newWorld(t, Config{}, nil)
		j := w.job(t, "job", "true")
		w.ex.Shutdown(0)
		if _, err := w.ex.Start(&model.QueueItem{JobID: j.ID}, j, w.node, 0, func() {}); !errors.Is(err, ErrStopping) {
			t.Fatalf("start: %v", err)
		}
	})
}

// fullDisk is a blob.Store whose appends fail as on a full disk while
// full is set.
type fullDisk struct {
	blob.Store
	full atomic.Bool
}

func (f *fullDisk) Append(key string) (blob.Writer, error) {
	if f.full.Load() {
		return nil, &os.PathError{Op: "open", Path: key, Err: syscall.ENOSPC}
	}
	return f.Store.Append(key)
}

func TestFullDisk(t *testing.T) {
	var disk *fullDisk
	w := newWorld(t, Config{}, func(s blob.Store) blob.Store { disk = &fullDisk{Store: s}; return disk })
	disk.full.Store(true)
	j := w.job(t, "job", "echo never")
	r := w.start(t, j)
	for msg := range w.messages {
		if msg == "cannot record build result; retrying until the disk takes it" {
			break
		}
	}
	t.Run("a build whose log cannot be written is shown running until its result can be recorded", func(t *testing.T) {
		if got := w.stored(t, r.Build()); !got.Building {
			t.Fatalf("stored %+v", got)
		}
		select {
		case <-r.Done():
			t.Fatal("the run ended before its result was recorded")
		default:
		}
	})
	disk.full.Store(false)
	b := awaitFinished(t, w.finished)
	t.Run("once space returns, it ends FAILURE with the reason in its log", func(t *testing.T) {
		if b.Result != model.Failure || w.log(t, b) != "ERROR: jeeves could not write this console log (open: no space left on device); the build did not run\nFinished: FAILURE\n" {
			t.Fatalf("%s:\n%q", b.Result, w.log(t, b))
		}
	})
}

// waitFor polls cond until it holds, failing after a deadline: for what
// has no event to await (a line in a log a process writes).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestPasswordParameters: password parameters are masked with the rules
// of internal/mask, as bound credentials are: split across writes, in
// their encoded forms, and a value too short to mask is named instead.
func TestPasswordParameters(t *testing.T) {
	w := newWorld(t, Config{}, nil)
	j := w.job(t, "pw", `set +x; printf 'pw=%s\n' "$PW"; printf 'b64=%s\n' "$(printf %s "$PW" | base64)"; printf 'split=%s' "${PW%??}"; printf '%s\n' "${PW#${PW%??}}"; echo "short=$PIN"`)
	w.start(t, j, model.ParamValue{Kind: model.ParamPassword, Name: "PW", Value: "s3cret-value"},
		model.ParamValue{Kind: model.ParamPassword, Name: "PIN", Value: "42"})
	b := awaitFinished(t, w.finished)
	log := w.log(t, b)
	for _, c := range []struct{ name, want string }{
		{"the value is masked", "\npw=****\n"},
		{"its base64 form is masked", "\nb64=****\n"},
		{"a value printed in two writes is masked", "\nsplit=****\n"},
		{"a value too short to mask is named after the opening lines", "\nWarning: the value of the password parameter PIN has fewer than 3 characters and is not masked in this log\n"},
		{"and is shown as it is", "\nshort=42\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(log, c.want) {
				t.Fatalf("console lacks %q:\n%s", c.want, log)
			}
		})
	}
	if strings.Contains(log, "s3cret-value") {
		t.Fatalf("the console shows the password:\n%s", log)
	}
}
