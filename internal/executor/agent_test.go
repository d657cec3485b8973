package executor

import (
	"bytes"
	"context"
	"fmt"

	"slices"
	"strings"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/launcher"
	"github.com/jeeves-ci/jeeves/internal/model"
)

func TestBuildingLine(t *testing.T) {
	agent := &Node{Name: "agent1", Labels: []string{"linux", "docker", "agent1"}}
	cases := []struct {
		name   string
		node   *Node
		agents bool
		want   string
	}{
		{"without agents the line names only the workspace", &Node{Name: "built-in", BuiltIn: true}, false, "Building in workspace /ws"},
		{"with agents a build on the built-in node says so", &Node{Name: "built-in", BuiltIn: true}, true, "Building on the built-in node in workspace /ws"},
		{"a build on an agent names it and its labels", agent, true, "Building remotely on agent1 (linux docker) in workspace /ws"},
		{"an agent without labels shows none", &Node{Name: "bare", Labels: []string{"bare"}}, true, "Building remotely on bare in workspace /ws"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := buildingLine(c.node, c.agents, "/ws"); got != c.want {
				t.Fatalf("%q, want %q", got, c.want)
			}
		})
	}
}

func TestAgentEnvironment(t *testing.T) {
	e := New(Config{Home: "/home/jeeves", Env: []string{"PATH=/controller/bin", "HOME=/home/jeeves"}}, nil, nil, nil)
	job := &model.Job{Name: "f/job"}
	b := &model.Build{Number: 3}
	agent := &Node{Name: "agent1", Labels: []string{"linux", "agent1"}, Env: []string{"JAVA_HOME=/opt/jdk", "NODE_NAME=spoofed"}}
	builtIn := &Node{Name: "built-in", Labels: []string{"built-in"}, BuiltIn: true, Env: []string{"X=1"}}
	get := func(env []string, name string) string {
		v := ""
		for _, kv := range env {
			if k, val, _ := strings.Cut(kv, "="); k == name {
				v = val
			}
		}
		return v
	}
	t.Run("a build on an agent inherits nothing of jeeves's environment", func(t *testing.T) {
		env := e.environment(job, b, agent, "/agent/workspace/f/job")
		if get(env, "PATH") != "" || get(env, "HOME") != "" {
			t.Fatalf("inherited: %q", env)
		}
	})
	t.Run("the node's variables reach the build, and Jenkins's win over them", func(t *testing.T) {
		env := e.environment(job, b, agent, "/agent/workspace/f/job")
		if get(env, "JAVA_HOME") != "/opt/jdk" || get(env, "NODE_NAME") != "agent1" || get(env, "NODE_LABELS") != "linux agent1" {
			t.Fatalf("%q", env)
		}
		if get(env, "WORKSPACE") != "/agent/workspace/f/job" {
			t.Fatalf("%q", env)
		}
	})
	t.Run("a build on the built-in node inherits, then gets the node's variables", func(t *testing.T) {
		env := e.environment(job, b, builtIn, "/ws")
		if get(env, "PATH") != "/controller/bin" || get(env, "X") != "1" {
			t.Fatalf("%q", env)
		}
	})
}

// offlineProc is a process whose machine went away for good.
type offlineErr struct{}

func (offlineErr) Error() string        { return "Agent went offline during the build: no answer for 5m0s" }
func (offlineErr) Is(target error) bool { return target == launcher.ErrOffline }

func TestAgentWentOffline(t *testing.T) {
	l := newFakeLauncher()
	l.exit = func(script string) (int, error, bool) {
		if strings.Contains(script, "lost") {
			return -1, offlineErr{}, false
		}
		return 0, nil, false
	}
	var log bytes.Buffer
	var published []string
	part := &Part{Publish: func(ctx context.Context, b *Build) {
		_, err := b.Launcher.Stat(ctx, "/anything")
		published = append(published, fmt.Sprint(err))
	}}
	got, err := runSteps(context.Background(), steps{
		job: shellJob("echo lost", "echo never"), build: &model.Build{}, workspace: "/agent/workspace/job", log: &log,
		launcher: l, cookie: "cookie", parts: []*Part{part}, ctx: &Build{Launcher: l},
	})
	t.Run("the build fails with Jenkins's lines", func(t *testing.T) {
		want := "Agent went offline during the build\nERROR: Connection was broken: no answer for 5m0s\nBuild step 'Execute shell' marked build as failure\nFinished: FAILURE\n"
		if err != nil || got != model.Failure || !strings.HasSuffix(log.String(), want) {
			t.Fatalf("%s %v:\n%s", got, err, log.String())
		}
	})
	t.Run("no later step runs, and nothing is swept on the lost machine", func(t *testing.T) {
		if len(l.written) != 1 || slices.Contains(l.swept, "cookie") {
			t.Fatalf("written %q, swept %q", l.written, l.swept)
		}
	})
	t.Run("publishers find the machine gone at once", func(t *testing.T) {
		if len(published) != 1 || published[0] != launcher.ErrOffline.Error() {
			t.Fatalf("%q", published)
		}
	})
}

// durableFake is a fake process that is durable.
type durableFake struct{ *fakeProc }

func (durableFake) Handle() string { return "/agent/workspace/job@tmp/durable-1" }
func (durableFake) Offset() int64  { return 0 }
func (durableFake) Detach() bool   { return true }

type durableLauncher struct{ *fakeLauncher }

func (l durableLauncher) Start(ctx context.Context, pr launcher.Proc) (launcher.Process, error) {
	p, err := l.fakeLauncher.Start(ctx, pr)
	if err != nil {
		return nil, err
	}
	return durableFake{p.(*fakeProc)}, nil
}

func TestDetach(t *testing.T) {
	cases := []struct {
		name    string
		l       launcher.Launcher
		want    model.Result
		kept    bool
		console string
	}{
		{"a durable step is left running, its script kept", durableLauncher{newFakeLauncher()}, "", true, "[job] $ /bin/sh -xe /tmp/jeeves1.sh\n"},
		{"a step that is not durable is aborted", newFakeLauncher(), model.Aborted, false, "Build was aborted\nshutting down\nFinished: ABORTED\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fl := c.l.(interface{ fake() *fakeLauncher }).fake()
			fl.exit = exitBy
			ctx, cancel := context.WithCancelCause(context.Background())
			var log bytes.Buffer
			done := make(chan model.Result)
			go func() {
				r, _ := runSteps(ctx, steps{job: shellJob("block", "echo never"), build: &model.Build{}, workspace: "/agent/workspace/job",
					log: &log, launcher: c.l, cookie: "cookie"})
				done <- r
			}()
			<-fl.started
			cancel(&Aborted{By: "jeeves", Reason: "shutting down", Detach: true})
			if r := <-done; r != c.want {
				t.Fatalf("result %q", r)
			}
			if !strings.HasSuffix(log.String(), c.console) {
				t.Fatalf("console:\n%s", log.String())
			}
			if kept := len(fl.files) == 1; kept != c.kept {
				t.Fatalf("scripts left: %v", fl.files)
			}
		})
	}
}

func (l *fakeLauncher) fake() *fakeLauncher   { return l }
func (l durableLauncher) fake() *fakeLauncher { return l.fakeLauncher }
