package executor

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/launcher"
	"github.com/jeeves-ci/jeeves/internal/model"
)

// fakeLauncher is a machine whose processes do what exit says, at once,
// or run until they are killed: it tests the step loop without
// processes, and what it must do when a connection drops.
type fakeLauncher struct {
	mu      sync.Mutex
	files   map[string]string // the scripts written and not yet removed
	written []string          // every script written, in order
	dirs    []string
	swept   []string // the cookies KillAll was called with
	killed  int      // processes Kill was called on
	// cookieLate: the steps started carry no cookie yet, as a step on an
	// agent whose launch is still on its way.
	cookieLate bool
	running    []*fakeProc
	n          int
	mkdirErr   error
	startErr   error
	// exit decides how a process ends, from its script's text; block:
	// it runs until killed. nil: every process exits 0.
	exit    func(script string) (code int, err error, block bool)
	started chan struct{} // gets a value for each process started
}

type fakeProc struct {
	l      *fakeLauncher
	cookie string
	done   chan struct{}
	once   sync.Once
	code   int
	err    error
}

func newFakeLauncher() *fakeLauncher {
	return &fakeLauncher{files: map[string]string{}, started: make(chan struct{}, 16)}
}

func (p *fakeProc) end(code int, err error) {
	p.once.Do(func() { p.code, p.err = code, err; close(p.done) })
}

func (p *fakeProc) Done() <-chan struct{} { return p.done }
func (p *fakeProc) Wait() (int, error)    { <-p.done; return p.code, p.err }
func (p *fakeProc) Kill(time.Duration) error {
	p.l.mu.Lock()
	p.l.killed++
	p.l.mu.Unlock()
	p.end(143, nil)
	return nil
}

func (l *fakeLauncher) Start(_ context.Context, pr launcher.Proc) (launcher.Process, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.startErr != nil {
		return nil, l.startErr
	}
	script, ok := l.files[pr.Argv[len(pr.Argv)-1]]
	if !ok {
		return nil, errors.New("no such script")
	}
	p := &fakeProc{l: l, cookie: pr.Cookie, done: make(chan struct{})}
	if l.cookieLate {
		p.cookie = "" // the step has not exported its cookie yet
	}
	code, err, block := 0, error(nil), false
	if l.exit != nil {
		code, err, block = l.exit(script)
	}
	if block {
		l.running = append(l.running, p)
	} else {
		p.end(code, err)
	}
	l.started <- struct{}{}
	return p, nil
}

func (l *fakeLauncher) KillAll(_ context.Context, _ time.Duration, cookies ...string) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.swept = append(l.swept, cookies...)
	n := 0
	for _, p := range l.running {
		for _, c := range cookies {
			if p.cookie == c {
				p.end(143, nil)
				n++
			}
		}
	}
	return n, nil
}

func (l *fakeLauncher) MkdirAll(_ context.Context, dir string, _ fs.FileMode) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.dirs = append(l.dirs, dir)
	return l.mkdirErr
}

func (l *fakeLauncher) CreateTemp(_ context.Context, dir, pattern string, r io.Reader) (string, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return "", err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.n++
	if dir == "" {
		dir = "/tmp"
	}
	name := dir + "/" + strings.Replace(pattern, "*", strconv.Itoa(l.n), 1)
	l.files[name] = string(b)
	l.written = append(l.written, string(b))
	return name, nil
}

func (l *fakeLauncher) Remove(_ context.Context, name string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.files, name)
	return nil
}

var errUnused = errors.New("not used by the step loop")

func (l *fakeLauncher) MkdirTemp(context.Context, string, string) (string, error) {
	return "", errUnused
}
func (l *fakeLauncher) WriteFile(context.Context, string, io.Reader, fs.FileMode) error {
	return errUnused
}
func (l *fakeLauncher) Open(context.Context, string) (io.ReadCloser, error)    { return nil, errUnused }
func (l *fakeLauncher) Stat(context.Context, string) (fs.FileInfo, error)      { return nil, errUnused }
func (l *fakeLauncher) ReadDir(context.Context, string) ([]fs.DirEntry, error) { return nil, errUnused }
func (l *fakeLauncher) Walk(context.Context, string, fs.WalkDirFunc) error     { return errUnused }
func (l *fakeLauncher) Rename(context.Context, string, string) error           { return errUnused }
func (l *fakeLauncher) RemoveAll(context.Context, string) error                { return errUnused }

func shellJob(commands ...string) *model.Job {
	j := &model.Job{Name: "f/job"}
	for _, c := range commands {
		j.Config.Builders = append(j.Config.Builders, model.Builder{Class: "hudson.tasks.Shell", Command: c})
	}
	return j
}

// exitBy makes each script exit with the code its text ends with
// ("exit 3"), and "block" scripts run until killed.
func exitBy(script string) (int, error, bool) {
	if strings.Contains(script, "block") {
		return 0, nil, true
	}
	if strings.Contains(script, "drop") {
		return -1, errors.New("connection to the agent lost"), false
	}
	if _, code, ok := strings.Cut(script, "exit "); ok {
		n, _ := strconv.Atoi(strings.TrimSpace(code))
		return n, nil, false
	}
	return 0, nil, false
}

func TestSteps(t *testing.T) {
	cases := []struct {
		name      string
		job       *model.Job
		causes    []model.Cause
		mkdirErr  error
		startErr  error
		want      model.Result
		log       string // the whole console, %s for the script names
		swept     bool   // the end-of-build sweep ran
		published model.Result
	}{
		{
			name: "a passing step is SUCCESS, with Jenkins's lines around it",
			job:  shellJob("echo hi"), causes: []model.Cause{{Kind: model.CauseUser, UserID: "alice", UserName: "Alice"}},
			want: model.Success, swept: true,
			log: "Started by user Alice\nRunning as SYSTEM\nBuilding in workspace /ws/job\n[job] $ /bin/sh -xe /tmp/jeeves1.sh\nFinished: SUCCESS\n",
		},
		{
			name: "a failing step fails the build and the next step does not run",
			job:  shellJob("exit 2", "echo never"), want: model.Failure, swept: true,
			log: "Started\nRunning as SYSTEM\nBuilding in workspace /ws/job\n[job] $ /bin/sh -xe /tmp/jeeves1.sh\nBuild step 'Execute shell' marked build as failure\nFinished: FAILURE\n",
		},
		{
			name: "a step exiting with its unstableReturn makes the build UNSTABLE and the next step runs",
			job: func() *model.Job {
				j := shellJob("exit 4", "echo after")
				j.Config.Builders[0].UnstableReturn = 4
				return j
			}(),
			want: model.Unstable, swept: true,
			log: "Started\nRunning as SYSTEM\nBuilding in workspace /ws/job\n[job] $ /bin/sh -xe /tmp/jeeves1.sh\nBuild step 'Execute shell' changed build result to UNSTABLE\n[job] $ /bin/sh -xe /tmp/jeeves2.sh\nFinished: UNSTABLE\n",
		},
		{
			name: "a script with a #! line runs with that interpreter",
			job:  shellJob("#!/usr/bin/env python3 -u\nprint(1)"), want: model.Success, swept: true,
			log: "Started\nRunning as SYSTEM\nBuilding in workspace /ws/job\n[job] $ /usr/bin/env python3 -u /tmp/jeeves1.sh\nFinished: SUCCESS\n",
		},
		{
			name: "a #! line naming no interpreter fails the build",
			job:  shellJob("#!\necho"), want: model.Failure,
			log: "Started\nRunning as SYSTEM\nBuilding in workspace /ws/job\nERROR: the script's #! line names no interpreter\nBuild step 'Execute shell' marked build as failure\nFinished: FAILURE\n",
		},
		{
			name: "a process whose end is unknown (a dropped connection) fails the build, never passes it",
			job:  shellJob("drop"), want: model.Failure, swept: true,
			log: "Started\nRunning as SYSTEM\nBuilding in workspace /ws/job\n[job] $ /bin/sh -xe /tmp/jeeves1.sh\nERROR: connection to the agent lost\nBuild step 'Execute shell' marked build as failure\nFinished: FAILURE\n",
		},
		{
			name: "a step that cannot start fails the build",
			job:  shellJob("echo"), startErr: errors.New("fork: resource temporarily unavailable"), want: model.Failure,
			log: "Started\nRunning as SYSTEM\nBuilding in workspace /ws/job\n[job] $ /bin/sh -xe /tmp/jeeves1.sh\nERROR: fork: resource temporarily unavailable\nBuild step 'Execute shell' marked build as failure\nFinished: FAILURE\n",
		},
		{
			name: "a workspace that cannot be made fails the build unrun",
			job:  shellJob("echo"), mkdirErr: errors.New("mkdir /ws/job: permission denied"), want: model.Failure,
			log: "Started\nRunning as SYSTEM\nBuilding in workspace /ws/job\nERROR: cannot create the workspace: mkdir /ws/job: permission denied\nFinished: FAILURE\n",
		},
		{
			name: "an SCM jeeves cannot run fails the build unrun, after the warnings",
			job: func() *model.Job {
				j := shellJob("echo")
				j.Config.Unsupported = []model.Unsupported{
					{Kind: model.KindProperty, Class: "x.Prop", Name: "Prop"},
					{Kind: model.KindSCM, Class: "hudson.plugins.git.GitSCM", Name: "Git"},
				}
				return j
			}(),
			want: model.Failure,
			log:  "Started\nRunning as SYSTEM\nBuilding in workspace /ws/job\nWARNING: jeeves does not run Prop (x.Prop); it is kept in config.xml but ignored\nERROR: jeeves cannot run Git (hudson.plugins.git.GitSCM): the build steps would run without the checkout they expect, so the build does not run\nFinished: FAILURE\n",
		},
		{
			name: "a step that is not a shell step fails the build",
			job:  &model.Job{Name: "job", Config: model.JobConfig{Builders: []model.Builder{{Class: "hudson.tasks.Ant"}}}},
			want: model.Failure,
			log:  "Started\nRunning as SYSTEM\nBuilding in workspace /ws/job\nERROR: jeeves cannot run hudson.tasks.Ant: skipping this step would report a result the build did not earn, so the build does not run\nFinished: FAILURE\n",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := newFakeLauncher()
			l.exit, l.mkdirErr, l.startErr = exitBy, c.mkdirErr, c.startErr
			var log bytes.Buffer
			var published []string
			got, err := runSteps(context.Background(), steps{
				job: c.job, build: &model.Build{Number: 7, Causes: c.causes}, workspace: "/ws/job", log: &log,
				launcher: l, cookie: "cookie",
				beforeFinish: func(w io.Writer, r model.Result) {
					published = append(published, string(r))
					io.WriteString(w, "")
				},
			})
			if err != nil || got != c.want {
				t.Fatalf("result %s, %v; want %s", got, err, c.want)
			}
			if log.String() != c.log {
				t.Fatalf("console:\n%s\nwant:\n%s", log.String(), c.log)
			}
			if len(published) != 1 || published[0] != string(c.want) {
				t.Errorf("subscribers heard %q", published)
			}
			if swept := len(l.swept) > 0; swept != c.swept || (swept && l.swept[0] != "cookie") {
				t.Errorf("swept %q", l.swept)
			}
			if len(l.files) != 0 {
				t.Errorf("scripts left on the machine: %v", l.files)
			}
		})
	}
}

func TestStepScripts(t *testing.T) {
	l := newFakeLauncher()
	runSteps(context.Background(), steps{job: shellJob("echo a\r\necho b", "#!/bin/bash\necho c"), build: &model.Build{},
		workspace: "/ws/job", log: io.Discard, launcher: l})
	t.Run("a shell step's script starts with a blank line and has Unix line ends", func(t *testing.T) {
		if l.written[0] != "\necho a\necho b" {
			t.Fatalf("script %q", l.written[0])
		}
	})
	t.Run("a script with a #! line is written as it is", func(t *testing.T) {
		if l.written[1] != "#!/bin/bash\necho c" {
			t.Fatalf("script %q", l.written[1])
		}
	})
	t.Run("the workspace is made before the steps", func(t *testing.T) {
		if len(l.dirs) != 1 || l.dirs[0] != "/ws/job" {
			t.Fatalf("dirs %q", l.dirs)
		}
	})
}

func TestStepsAborted(t *testing.T) {
	cases := []struct {
		name   string
		cookie string
		cause  *Aborted
		line   string
		late   bool // the step's cookie is not exported yet
	}{
		{"aborting kills every process with the cookie (sparing those that opted out) and says who", "cookie", &Aborted{By: "alice"}, "Aborted by alice\n", false},
		{"without a cookie, aborting kills the step's process group", "", &Aborted{By: "bob"}, "Aborted by bob\n", false},
		{"a reason replaces the line naming who", "cookie", &Aborted{By: "x", Reason: "jeeves is shutting down"}, "jeeves is shutting down\n", false},
		{"a step that carries no cookie yet has its process group killed", "cookie", &Aborted{By: "carol"}, "Aborted by carol\n", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := newFakeLauncher()
			l.exit = exitBy
			l.cookieLate = c.late
			ctx, cancel := context.WithCancelCause(context.Background())
			var log bytes.Buffer
			done := make(chan model.Result)
			go func() {
				r, _ := runSteps(ctx, steps{job: shellJob("block", "echo never"), build: &model.Build{}, workspace: "/ws/job",
					log: &log, launcher: l, cookie: c.cookie})
				done <- r
			}()
			<-l.started
			cancel(c.cause)
			if r := <-done; r != model.Aborted {
				t.Fatalf("result %s", r)
			}
			want := "[job] $ /bin/sh -xe /tmp/jeeves1.sh\nBuild was aborted\n" + c.line + "Finished: ABORTED\n"
			if !strings.HasSuffix(log.String(), want) {
				t.Fatalf("console:\n%s", log.String())
			}
			wantKilled := 0 // the sweep ended the step
			if c.cookie == "" || c.late {
				wantKilled = 1
			}
			wantSwept := 2 // the stop's sweep and the end of the build's
			if c.cookie == "" {
				wantSwept = 0
			}
			if len(l.swept) != wantSwept || l.killed != wantKilled {
				t.Fatalf("swept %q, killed %d", l.swept, l.killed)
			}
		})
	}
}
