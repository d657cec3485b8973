package nodes_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/credentials"
	"github.com/jeeves-ci/jeeves/internal/executor"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/nodes"
	"github.com/jeeves-ci/jeeves/internal/sshagent/sshtest"
	"github.com/jeeves-ci/jeeves/internal/store"
	"github.com/jeeves-ci/jeeves/internal/usererr"
)

func TestConnect(t *testing.T) {
	sshtest.Require(t)
	w := newWorld(t, 1, 20*time.Second)
	srv := w.agent("agent1", "linux", 1, "")
	t.Run("a connected agent reports what Jenkins reports of one", func(t *testing.T) {
		c := w.online("agent1")
		if c.OfflineCause != nil || c.OfflineCauseReason != "" || c.Connecting || !c.LaunchSupported || c.JNLPAgent || !c.Idle {
			t.Fatalf("%+v", c)
		}
		if c.AbsoluteRemotePath != srv.Home+"/agent" || strings.Join(c.AssignedLabels, ",") != "linux,agent1" || len(c.Executors) != 1 {
			t.Fatalf("%+v", c)
		}
		eventually(t, 10*time.Second, "the monitors read the agent", func() bool {
			c, _ = w.ns.Computer("agent1")
			return c.Monitor != nil
		})
		if !strings.HasPrefix(c.Monitor.Architecture, "Linux (") || c.Monitor.DiskFree <= 0 || c.Monitor.ResponseTime <= 0 {
			t.Fatalf("%+v", c.Monitor)
		}
	})
	t.Run("the connection log has the launch's lines", func(t *testing.T) {
		text, next, err := w.ns.LogText("agent1", 0)
		if err != nil || next != int64(len(text)) {
			t.Fatal(next, err)
		}
		for _, want := range []string{"SSHLauncher{host='" + srv.Addr + "'", "[SSH] Opening SSH connection to " + srv.Addr + ":22.", "[SSH] Authentication successful.", "Agent successfully connected and online"} {
			if !strings.Contains(string(text), want) {
				t.Errorf("the log lacks %q:\n%s", want, text)
			}
		}
		if more, n2, _ := w.ns.LogText("agent1", next); len(more) != 0 || n2 != next {
			t.Fatalf("past the end: %q %d", more, n2)
		}
	})
	t.Run("a dropped connection is ChannelTermination, and the agent comes back by itself", func(t *testing.T) {
		srv.KillConnections()
		eventually(t, 10*time.Second, "the drop is seen", func() bool {
			c, _ := w.ns.Computer("agent1")
			return c.Offline && c.OfflineCause != nil
		})
		c, _ := w.ns.Computer("agent1")
		if c.OfflineCause.Class != nodes.ClassChannelTermination || c.OfflineCauseReason != "Connection was broken" {
			t.Fatalf("%+v", c.OfflineCause)
		}
		w.online("agent1")
	})
	t.Run("disconnect is a UserCause, and launchSlaveAgent connects again", func(t *testing.T) {
		if err := w.ns.Disconnect(context.Background(), "agent1", "admin", "maintenance"); err != nil {
			t.Fatal(err)
		}
		eventually(t, 10*time.Second, "the agent disconnects", func() bool {
			c, _ := w.ns.Computer("agent1")
			return c.Offline
		})
		c, _ := w.ns.Computer("agent1")
		if c.OfflineCause == nil || c.OfflineCause.Class != nodes.ClassUserCause || c.OfflineCause.Description != "Disconnected by admin : maintenance" || c.OfflineCauseReason != "maintenance" {
			t.Fatalf("%+v", c.OfflineCause)
		}
		if already, err := w.ns.Launch(context.Background(), "agent1"); err != nil || already {
			t.Fatal(already, err)
		}
		w.online("agent1")
		if already, err := w.ns.Launch(context.Background(), "agent1"); err != nil || !already {
			t.Fatal(already, err)
		}
	})
	t.Run("toggleOffline keeps the connection and takes no builds", func(t *testing.T) {
		if err := w.ns.ToggleOffline(context.Background(), "agent1", "admin", "disk full"); err != nil {
			t.Fatal(err)
		}
		c, _ := w.ns.Computer("agent1")
		if !c.Offline || !c.TemporarilyOffline || c.OfflineCause.Description != "Disconnected by admin : disk full" || c.AbsoluteRemotePath == "" {
			t.Fatalf("%+v", c)
		}
		it := w.build(w.job("on-agent1", "agent1", false, "true"))
		eventually(t, 10*time.Second, "the item says why", func() bool { return w.why(it) == "‘agent1’ is offline" })
		if err := w.ns.ToggleOffline(context.Background(), "agent1", "admin", ""); err != nil {
			t.Fatal(err)
		}
		if b := w.await(); b.Result != model.Success {
			t.Fatalf("%+v:\n%s", b, w.console(b))
		}
	})
}

func TestConnectionFailures(t *testing.T) {
	sshtest.Require(t)
	w := newWorld(t, 1, 20*time.Second)
	srv := server(w)
	w.keyCredential("key", srv)
	ctx := context.Background()
	t.Run("a host key that does not verify is a LaunchFailed naming it", func(t *testing.T) {
		other := server(w)
		xml := nodeXML("wrong-key", srv, "key", "", 1, "")
		k := other.HostKey.PublicKey()
		xml = strings.Replace(xml, "<key>"+base64.StdEncoding.EncodeToString(srv.HostKey.PublicKey().Marshal())+"</key>", "<key>"+base64.StdEncoding.EncodeToString(k.Marshal())+"</key>", 1)
		if _, err := w.ns.CreateFromXML(ctx, "wrong-key", []byte(xml)); err != nil {
			t.Fatal(err)
		}
		c := offlineWith(t, w, "wrong-key", "host key")
		if c.OfflineCause.Class != nodes.ClassLaunchFailed || !strings.HasPrefix(c.OfflineCauseReason, "This agent is offline because Jenkins failed to launch the agent process on it.") {
			t.Fatalf("%+v", c.OfflineCause)
		}
		text, _, _ := w.ns.LogText("wrong-key", 0)
		if !strings.Contains(string(text), "Launch failed - cleaning up connection") {
			t.Fatalf("log:\n%s", text)
		}
	})
	t.Run("an unreachable host is a LaunchFailed, tried again", func(t *testing.T) {
		xml := strings.Replace(nodeXML("unreachable", srv, "key", "", 1, ""), "<host>"+srv.Addr+"</host>", "<host>10.77.251.2</host>", 1)
		xml = strings.Replace(xml, "<port>22</port>", "<port>22</port><launchTimeoutSeconds>1</launchTimeoutSeconds><maxNumRetries>0</maxNumRetries>", 1)
		if _, err := w.ns.CreateFromXML(ctx, "unreachable", []byte(xml)); err != nil {
			t.Fatal(err)
		}
		offlineWith(t, w, "unreachable", "10.77.251.2:22")
	})
	t.Run("a credential deleted since is a LaunchFailed naming it", func(t *testing.T) {
		w.keyCredential("short-lived", srv)
		if _, err := w.ns.CreateFromXML(ctx, "no-cred", []byte(nodeXML("no-cred", srv, "short-lived", "", 1, ""))); err != nil {
			t.Fatal(err)
		}
		w.creds.mu.Lock()
		delete(w.creds.m, "short-lived")
		w.creds.mu.Unlock()
		if err := w.ns.Disconnect(ctx, "no-cred", "admin", ""); err != nil {
			t.Fatal(err)
		}
		w.ns.Launch(ctx, "no-cred")
		offlineWith(t, w, "no-cred", "Cannot find SSH User credentials with id: short-lived")
	})
	t.Run("a remote root that is not writable is a LaunchFailed naming it", func(t *testing.T) {
		xml := strings.Replace(nodeXML("ro", srv, "key", "", 1, ""), "<remoteFS>"+srv.Home+"/agent</remoteFS>", "<remoteFS>/proc/agent</remoteFS>", 1)
		if _, err := w.ns.CreateFromXML(ctx, "ro", []byte(xml)); err != nil {
			t.Fatal(err)
		}
		offlineWith(t, w, "ro", "/proc/agent")
	})
	t.Run("a job for an agent that cannot connect says why it waits", func(t *testing.T) {
		it := w.build(w.job("stuck", "ro", false, "true"))
		eventually(t, 10*time.Second, "the item says why", func() bool { return w.why(it) == "‘ro’ is offline" })
	})
}

// offlineWith waits until the agent is offline with a cause whose detail
// holds want.
func offlineWith(t *testing.T, w *world, name, want string) *nodes.Computer {
	t.Helper()
	var c *nodes.Computer
	eventually(t, 20*time.Second, name+" fails naming "+want, func() bool {
		c, _ = w.ns.Computer(name)
		return c.Offline && c.OfflineCause != nil && strings.Contains(c.OfflineCause.Detail, want)
	})
	return c
}

func TestBadInputAtSave(t *testing.T) {
	sshtest.Require(t)
	w := newWorld(t, 1, 20*time.Second)
	srv := server(w)
	w.keyCredential("key", srv)
	w.creds.put(&credentials.Credential{ID: "text", Kind: credentials.KindSecretText, Secret: "s"})
	ctx := context.Background()
	good := nodeXML("n", srv, "key", "linux", 1, "")
	cases := []struct {
		name, xml, want string
	}{
		{"an unknown launcher class", `<slave><name>n</name><launcher class="com.example.MadeUpLauncher"/></slave>`, `"com.example.MadeUpLauncher" is not a launcher jeeves knows`},
		{"an SSH launcher without a credential", strings.Replace(good, "<credentialsId>key</credentialsId>", "", 1), "launcher/credentialsId"},
		{"a credential that does not exist", strings.Replace(good, "<credentialsId>key</credentialsId>", "<credentialsId>nope</credentialsId>", 1), "Cannot find SSH User credentials with id: nope"},
		{"a credential of the wrong kind", strings.Replace(good, "<credentialsId>key</credentialsId>", "<credentialsId>text</credentialsId>", 1), "credential ‘text’ is a ‘Secret text’"},
		{"a label string that does not parse", strings.Replace(good, "<label>linux</label>", `<label>linux "x</label>`, 1), "opens a quote"},
		{"an unknown host key strategy", strings.Replace(good, "ManuallyProvidedKeyVerificationStrategy", "SomeOtherStrategy", 1), "not a host key verification strategy"},
	}
	for _, c := range cases {
		t.Run(c.name+" is refused, naming it", func(t *testing.T) {
			_, err := w.ns.CreateFromXML(ctx, "n", []byte(c.xml))
			var ue *usererr.Error
			if !errors.As(err, &ue) || !errors.Is(err, nodes.ErrBad) || !strings.Contains(usererr.Message(err), c.want) {
				t.Fatalf("%v", err)
			}
			if _, err := w.ns.Get("n"); !errors.Is(err, store.ErrNotFound) {
				t.Fatal("stored:", err)
			}
		})
	}
	t.Run("a node launched by a command on the controller is kept as posted, offline, saying jeeves does not run its launcher", func(t *testing.T) {
		// python-jenkins's create_node posts this launcher by default.
		xml := `<slave><name>cmd</name><remoteFS>/r</remoteFS><numExecutors>1</numExecutors><launcher class="hudson.slaves.CommandLauncher"><agentCommand>ssh agent java -jar agent.jar</agentCommand></launcher></slave>`
		if _, err := w.ns.CreateFromXML(ctx, "cmd", []byte(xml)); err != nil {
			t.Fatal(err)
		}
		if n, err := w.ns.Get("cmd"); err != nil || string(n.ConfigXML) != xml {
			t.Fatalf("%v %s", err, n.ConfigXML)
		}
		c, err := w.ns.Computer("cmd")
		if err != nil || !c.Offline || c.JNLPAgent || c.LaunchSupported || c.OfflineCause == nil ||
			!strings.Contains(c.OfflineCause.Detail, "jeeves does not run hudson.slaves.CommandLauncher") {
			t.Fatalf("%v %+v %+v", err, c, c.OfflineCause)
		}
	})
	t.Run("the json form is checked the same way", func(t *testing.T) {
		form := `{"remoteFS":"/r","launcher":{"stapler-class":"hudson.plugins.sshslaves.SSHLauncher","host":"h","credentialsId":"text"}}`
		if _, err := w.ns.CreateFromForm(ctx, "f", "hudson.slaves.DumbSlave", form); !errors.Is(err, nodes.ErrBad) || !strings.Contains(usererr.Message(err), "Secret text") {
			t.Fatal(err)
		}
	})
	t.Run("a config.xml posted over a good one is checked too, and the old one stays", func(t *testing.T) {
		if _, err := w.ns.CreateFromXML(ctx, "n", []byte(good)); err != nil {
			t.Fatal(err)
		}
		if _, err := w.ns.UpdateConfig(ctx, "n", []byte(cases[2].xml)); !errors.Is(err, nodes.ErrBad) {
			t.Fatal(err)
		}
		if n, _ := w.ns.Get("n"); string(n.ConfigXML) != good {
			t.Fatalf("%s", n.ConfigXML)
		}
	})
}

func TestBuildsOnAgents(t *testing.T) {
	sshtest.Require(t)
	w := newWorld(t, 1, 20*time.Second)
	srv1 := w.agent("agent1", "linux x86", 2, `<hudson.slaves.EnvironmentVariablesNodeProperty><envVars serialization="custom"><unserializable-parents/><tree-map><default><comparator class="hudson.util.CaseInsensitiveComparator"/></default><int>1</int><string>TOOL_HOME</string><string>/opt/tool it's</string></tree-map></envVars></hudson.slaves.EnvironmentVariablesNodeProperty>`)
	w.agent("agent2", "linux arm", 1, "")
	t.Run("a build runs on the agent its expression selects, as Jenkins says it does", func(t *testing.T) {
		j := w.job("x86", "linux && !arm", false, `echo "node=$NODE_NAME labels=$NODE_LABELS tool=$TOOL_HOME ws=$WORKSPACE pwd=$(pwd) home=$HOME"`)
		w.build(j)
		b := w.await()
		log := w.console(b)
		ws := srv1.Home + "/agent/workspace/x86"
		for _, want := range []string{
			"Building remotely on agent1 (linux x86) in workspace " + ws + "\n",
			"node=agent1 labels=linux x86 agent1 tool=/opt/tool it's ws=" + ws + " pwd=" + ws + " home=" + srv1.Home + "\n",
			"Finished: SUCCESS\n",
		} {
			if !strings.Contains(log, want) {
				t.Errorf("the console lacks %q:\n%s", want, log)
			}
		}
	})
	t.Run("builds on the built-in node say so once agents exist", func(t *testing.T) {
		w.build(w.job("here", "built-in", false, "true"))
		if log := w.console(w.await()); !strings.Contains(log, "Building on the built-in node in workspace "+w.home+"/workspace/here\n") {
			t.Fatalf("%s", log)
		}
	})
	t.Run("an agent runs as many builds as it has executors, concurrent ones in @2", func(t *testing.T) {
		j := w.job("wide", "agent1", true, `echo "ws=$WORKSPACE"; while [ ! -f "$WORKSPACE/../go" ]; do sleep 0.05; done`)
		for range 3 {
			w.build(j)
		}
		eventually(t, 30*time.Second, "two builds run on agent1", func() bool {
			c, _ := w.ns.Computer("agent1")
			n := 0
			for _, b := range c.Executors {
				if b != nil {
					n++
				}
			}
			return n == 2
		})
		items := w.farm.Items()
		if len(items) != 1 || items[0].Why != "Waiting for next available executor on ‘agent1’" {
			t.Fatalf("%+v", items)
		}
		if err := os.WriteFile(srv1.Home+"/agent/workspace/go", nil, 0o644); err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for range 3 {
			b := w.await()
			log := w.console(b)
			if b.Result != model.Success {
				t.Fatalf("%+v:\n%s", b, log)
			}
			i := strings.Index(log, "ws=")
			seen[strings.TrimSpace(log[i+3:i+3+strings.Index(log[i+3:], "\n")])] = true
		}
		ws := srv1.Home + "/agent/workspace/wide"
		if !seen[ws] || !seen[ws+"@2"] {
			t.Fatalf("workspaces %v", seen)
		}
	})
	t.Run("the queue says why a build waits for a label", func(t *testing.T) {
		for _, c := range []struct{ expr, why string }{
			{"windows", "There are no nodes with the label ‘windows’"},
		} {
			it := w.build(w.job("job-"+c.expr, c.expr, false, "true"))
			eventually(t, 10*time.Second, "the item says why", func() bool { return w.why(it) == c.why })
			w.farm.Cancel(context.Background(), it.ID)
		}
	})
	t.Run("a contributor's files travel over the connection", func(t *testing.T) {
		w.build(w.job("files", "agent2", false, `cat "$WORKSPACE_TMP/secret.txt" > copied.txt`))
		b := w.await()
		log := w.console(b)
		if b.Result != model.Success || !strings.Contains(log, "the workspace holds: from the controller\n") {
			t.Fatalf("%+v:\n%s", b, log)
		}
	})
}

// fileContributor writes a file beside the workspace before the steps
// and reads back what the steps made of it, through the build's
// launcher, as the credentials binding and the artifact archiver do.
type fileContributor struct{}

func (fileContributor) For(j *model.Job) *executor.Part {
	if j.Name != "files" {
		return nil
	}
	return &executor.Part{
		Setup: func(ctx context.Context, b *executor.Build) (func(context.Context, *executor.Build), error) {
			if err := b.Launcher.MkdirAll(ctx, b.TmpDir, 0o700); err != nil {
				return nil, err
			}
			err := b.Launcher.WriteFile(ctx, b.TmpDir+"/secret.txt", strings.NewReader("from the controller"), 0o600)
			return func(ctx context.Context, b *executor.Build) { b.Launcher.Remove(ctx, b.TmpDir+"/secret.txt") }, err
		},
		Publish: func(ctx context.Context, b *executor.Build) {
			r, err := b.Launcher.Open(ctx, b.Workspace+"/copied.txt")
			if err != nil {
				fmt.Fprintf(b.Console(), "ERROR: %v\n", err)
				b.SetResult(model.Failure)
				return
			}
			defer r.Close()
			got, _ := io.ReadAll(r)
			fmt.Fprintf(b.Console(), "the workspace holds: %s\n", got)
		},
	}
}

func TestLoad(t *testing.T) {
	sshtest.Require(t)
	w := newWorld(t, 0, 20*time.Second)
	w.agent("a1", "pool", 2, "")
	w.agent("a2", "pool", 2, "")
	const jobs, each = 10, 4
	var js []*model.Job
	for i := range jobs {
		js = append(js, w.job("load-"+strconv.Itoa(i), "pool", true, "echo job "+strconv.Itoa(i)+" on $NODE_NAME"))
	}
	for range each {
		for _, j := range js {
			w.build(j)
		}
	}
	nodesUsed := map[string]int{}
	for range jobs * each {
		b := w.await()
		log := w.console(b)
		if b.Result != model.Success {
			t.Fatalf("%+v:\n%s", b, log)
		}
		for _, n := range []string{"a1", "a2"} {
			if strings.Contains(log, " on "+n+"\n") {
				nodesUsed[n]++
			}
		}
	}
	if nodesUsed["a1"]+nodesUsed["a2"] != jobs*each || nodesUsed["a1"] == 0 || nodesUsed["a2"] == 0 {
		t.Fatalf("builds per node %v", nodesUsed)
	}
}

func TestStopAndLeftovers(t *testing.T) {
	sshtest.Require(t)
	w := newWorld(t, 0, 20*time.Second)
	srv := w.agent("agent1", "", 1, "")
	find := func(arg string) int {
		for _, pid := range srv.Pids() {
			b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
			if string(b) == "sleep\x00"+arg+"\x00" && sshtest.Alive(pid) {
				return pid
			}
		}
		return 0
	}
	t.Run("a build's leftovers die with it, dontKillMe aside", func(t *testing.T) {
		// The step waits until its daemons run: one still starting when
		// the build ends carries the build's cookie, not yet its opt-out.
		w.build(w.job("leaves", "agent1", false, `setsid sh -c 'touch up1; exec sleep 3001' </dev/null >/dev/null 2>&1 &
BUILD_ID=dontKillMe setsid sh -c 'touch up2; exec sleep 3002' </dev/null >/dev/null 2>&1 &
while [ ! -f up1 ] || [ ! -f up2 ]; do sleep 0.05; done
echo left`))
		b := w.await()
		if b.Result != model.Success {
			t.Fatalf("%s", w.console(b))
		}
		if find("3001") != 0 {
			t.Fatal("the leftover outlived its build")
		}
		if find("3002") == 0 {
			t.Fatal("dontKillMe was killed")
		}
	})
	t.Run("stop kills the step's whole process tree, TERM first", func(t *testing.T) {
		j := w.job("long", "agent1", false, `trap 'echo got TERM; exit 1' TERM; sleep 3003 & echo started; wait`)
		w.build(j)
		w.running(j, 1, "started")
		eventually(t, 10*time.Second, "the child runs", func() bool { return find("3003") != 0 })
		if !w.farm.Stop(j.ID, 1, "alice") {
			t.Fatal("not running")
		}
		b := w.await()
		log := w.console(b)
		if b.Result != model.Aborted || !strings.Contains(log, "got TERM\n") || !strings.HasSuffix(log, "Build was aborted\nAborted by alice\nFinished: ABORTED\n") {
			t.Fatalf("%+v:\n%s", b, log)
		}
		if find("3003") != 0 {
			t.Fatal("the step's child survived")
		}
	})
}

func TestDroppedConnection(t *testing.T) {
	sshtest.Require(t)
	w := newWorld(t, 0, 20*time.Second)
	srv := w.agent("agent1", "", 1, "")
	j := w.job("drop", "agent1", false, counter(40, 50*time.Millisecond), "echo second step")
	w.build(j)
	w.running(j, 1, "line 5\n")
	srv.KillConnections()
	b := w.await()
	log := w.console(b)
	if b.Result != model.Success || !strings.Contains(log, lines(40)) || strings.Count(log, "line 7\n") != 1 || !strings.Contains(log, "second step\n") {
		t.Fatalf("%+v:\n%s", b, log)
	}
}

func TestDroppedForGood(t *testing.T) {
	sshtest.Require(t)
	w := newWorld(t, 0, 2*time.Second)
	srv := w.agent("agent1", "", 1, "")
	j := w.job("lost", "agent1", false, "echo up; sleep 30", "echo never")
	w.build(j)
	w.running(j, 1, "up\n")
	srv.LinkDown()
	defer srv.LinkUp()
	b := w.await()
	log := w.console(b)
	want := "Agent went offline during the build\nERROR: Connection was broken: "
	if b.Result != model.Failure || !strings.Contains(log, want) || strings.Contains(log, "never") || !strings.HasSuffix(log, "Build step 'Execute shell' marked build as failure\nFinished: FAILURE\n") {
		t.Fatalf("%+v:\n%s", b, log)
	}
}

func TestControllerRestart(t *testing.T) {
	sshtest.Require(t)
	t.Run("a build running on an agent finishes after jeeves restarts, with its whole log", func(t *testing.T) {
		w := newWorld(t, 0, 20*time.Second)
		w.agent("agent1", "", 1, "")
		j := w.job("survivor", "agent1", false, counter(40, 50*time.Millisecond), `echo "second step on $NODE_NAME"`)
		w.build(j)
		w.running(j, 1, "line 5\n")
		w.restart()
		b := w.await()
		log := w.console(b)
		if b.Number != 1 || b.Result != model.Success || !strings.Contains(log, lines(40)) || strings.Count(log, "line 7\n") != 1 ||
			!strings.Contains(log, "second step on agent1\n") || !strings.HasSuffix(log, "Finished: SUCCESS\n") {
			t.Fatalf("%+v:\n%s", b, log)
		}
		t.Run("and its executor was its own meanwhile", func(t *testing.T) {
			w.build(j)
			if b := w.await(); b.Number != 2 || b.Result != model.Success {
				t.Fatalf("%+v", b)
			}
		})
	})
	t.Run("a build whose agent does not come back ends FAILURE", func(t *testing.T) {
		w := newWorld(t, 0, 2*time.Second)
		srv := w.agent("agent1", "", 1, "")
		j := w.job("orphan", "agent1", false, "echo up; sleep 30")
		w.build(j)
		w.running(j, 1, "up\n")
		w.close()
		srv.LinkDown()
		defer srv.LinkUp()
		w.open()
		b := w.await()
		log := w.console(b)
		want := "+ sleep 30\nAgent went offline during the build\nERROR: Connection was broken: the agent ‘agent1’ did not come back within 2s\nBuild step 'Execute shell' marked build as failure\nFinished: FAILURE\n"
		if b.Result != model.Failure || !strings.HasSuffix(log, want) {
			t.Fatalf("%+v:\n%s", b, log)
		}
	})
}

// TestStopAtOnce stops builds at moments close to their start: before
// the step's process exists, while it is being launched, once it runs.
// Each must end ABORTED at once, its step's processes gone, on an agent
// as on the built-in node.
func TestStopAtOnce(t *testing.T) {
	sshtest.Require(t)
	w := newWorld(t, 1, 20*time.Second)
	w.agent("agent1", "", 1, "")
	sleeping := func(arg string) []int {
		var pids []int
		dirs, _ := os.ReadDir("/proc")
		for _, d := range dirs {
			pid, err := strconv.Atoi(d.Name())
			if err != nil {
				continue
			}
			b, _ := os.ReadFile("/proc/" + d.Name() + "/cmdline")
			if string(b) == "sleep\x00"+arg+"\x00" && sshtest.Alive(pid) {
				pids = append(pids, pid)
			}
		}
		return pids
	}
	delays := []time.Duration{-1, -1, -1, -1, 0, time.Millisecond, 5 * time.Millisecond, 20 * time.Millisecond, 50 * time.Millisecond, 150 * time.Millisecond}
	for _, node := range []string{"agent1", "built-in"} {
		for i, d := range delays {
			when := fmt.Sprintf("%v after it starts", d)
			if d < 0 {
				when = "as its step is launched"
			}
			t.Run(fmt.Sprintf("a build on %s stopped %s ends ABORTED with its step killed (%d)", node, when, i), func(t *testing.T) {
				arg := fmt.Sprintf("%d", 4000+i)
				if node == "built-in" {
					arg = fmt.Sprintf("%d", 4100+i)
				}
				j := w.job(fmt.Sprintf("stop-%s-%d", node, i), node, false, "sleep "+arg)
				w.build(j)
				eventually(t, 30*time.Second, "the build starts", func() bool {
					_, ok := w.farm.Running(j.ID, 1)
					return ok
				})
				if d < 0 {
					// The moment the step is announced: its launch is
					// on its way to the machine.
					deadline := time.Now().Add(30 * time.Second)
					for !strings.Contains(w.consoleOf(j, 1), "$ /bin/sh -xe ") {
						if time.Now().After(deadline) {
							t.Fatal("the step is never announced")
						}
						time.Sleep(100 * time.Microsecond)
					}
				}
				time.Sleep(max(d, 0)) // the moment under test, not a wait for an event
				stopped := make(chan bool, 1)
				go func() { stopped <- w.farm.Stop(j.ID, 1, "alice") }()
				var b model.Build
				select {
				case b = <-w.finished:
				case <-time.After(20 * time.Second):
					t.Fatalf("the stopped build still runs; sleep %s: %v", arg, sleeping(arg))
				}
				<-stopped
				if b.Result != model.Aborted {
					t.Fatalf("%s:\n%s", b.Result, w.console(b))
				}
				if p := sleeping(arg); len(p) != 0 {
					t.Fatalf("the step outlived the stop: %v", p)
				}
			})
		}
	}
}
