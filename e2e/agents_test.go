package e2e

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/jeeves-ci/jeeves/internal/sshagent/sshtest"
)

// TestAgentsOverSSH runs jeeves with no executor on the built-in node
// and two machines as agents: one created with python-jenkins's
// create_node, one with curl and a config.xml. Builds go where their
// label expressions say, within the agents' executors, and stop kills
// their process trees on the agent.
func TestAgentsOverSSH(t *testing.T) {
	sshtest.Require(t)
	python := needPythonJenkins(t)
	j := start(t, "", nil, "--executors", "0")
	h1, h2 := newAgentHost(t, j), newAgentHost(t, j)

	t.Run("python-jenkins's create_node makes an SSH agent that connects", func(t *testing.T) {
		script := `
import jenkins, sys
url, user, pw, host, cred, fs = sys.argv[1:7]
s = jenkins.Jenkins(url, username=user, password=pw)
s.create_node('agent1', numExecutors=2, nodeDescription='made by python-jenkins', remoteFS=fs,
    labels='linux py', exclusive=False, launcher=jenkins.LAUNCHER_SSH,
    launcher_params={'host': host, 'port': '22', 'credentialsId': cred, 'retryWaitTime': '1',
        'sshHostKeyVerificationStrategy': {'stapler-class': '` + classNonVerifier + `'}})
assert s.node_exists('agent1')
print(s.get_node_info('agent1')['_class'])
`
		out, err := exec.Command(python, "-c", script, strings.TrimSuffix(j.url, "/"), "admin", adminPassword, h1.Addr, h1.cred, h1.remoteFS("agent1")).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "hudson.slaves.SlaveComputer") {
			t.Fatalf("python-jenkins: %v\n%s", err, out)
		}
		c := j.waitOnline(t, "agent1")
		if c.JNLPAgent || !c.LaunchSupported || c.NumExecutors != 2 || len(c.Executors) != 2 || c.OfflineCause != nil || c.AbsoluteRemotePath == nil || *c.AbsoluteRemotePath != h1.remoteFS("agent1") {
			t.Fatalf("api/json of a connected agent: %+v", c)
		}
		// The monitors are read once the agent is connected.
		waitFor(t, "agent1's monitor data", func() bool {
			c = j.computer(t, "agent1")
			return c.MonitorData["hudson.node_monitors.ResponseTimeMonitor"] != nil
		})
		if arch, _ := c.MonitorData["hudson.node_monitors.ArchitectureMonitor"].(string); !strings.HasPrefix(arch, "Linux (") {
			t.Fatalf("monitorData: %v", c.MonitorData)
		}
		log := j.agentLog(t, "agent1")
		for _, want := range []string{"[SSH] Opening SSH connection to " + h1.Addr + ":22", "Authentication successful"} {
			if !strings.Contains(log, want) {
				t.Fatalf("the connection log lacks %q:\n%s", want, log)
			}
		}
	})

	t.Run("curl's config.xml makes an SSH agent that connects, and reads back byte for byte", func(t *testing.T) {
		xml := agentXML("agent2", h2, "linux curl", 2, 10, strategyProvided("ssh-ed25519", hostKeyB64(h2)))
		j.createAgentXML(t, "agent2", xml)
		j.waitOnline(t, "agent2")
		got := curl(t, "-u", "admin:"+j.adminToken(t), j.url+"computer/agent2/config.xml")
		if got != xml {
			t.Fatalf("config.xml changed:\n%s", got)
		}
	})

	t.Run("a job's label expression picks the agent: Building remotely on it, with NODE_NAME", func(t *testing.T) {
		j.createJob(t, "on-py", agentJob("linux && py", `echo "node=$NODE_NAME labels=$NODE_LABELS"; pwd; id -un`))
		b := j.finished(t, j.startedBuild(t, j.trigger(t, "on-py")), 60*time.Second)
		out := j.console(t, b)
		if result(b) != "SUCCESS" || !strings.Contains(out, "Building remotely on agent1") || !strings.Contains(out, "node=agent1") ||
			!strings.Contains(out, h1.remoteFS("agent1")+"/workspace/on-py") || !strings.Contains(out, h1.User) {
			t.Fatalf("%s\n%s", result(b), out)
		}
		if b.BuiltOn == nil || *b.BuiltOn != "agent1" {
			t.Fatalf("builtOn %v, want agent1", b.BuiltOn)
		}
		page := j.must(t, 200, req{path: strings.TrimPrefix(b.URL, j.url), user: "admin", secret: adminPassword}).body
		if !strings.Contains(page, `id="built-on">on <a href="`+j.url+`computer/agent1/">agent1</a>`) {
			t.Fatalf("the build page does not say it ran on agent1:\n%s", page)
		}
		j.createJob(t, "on-curl", agentJob("curl || nothing", `echo "node=$NODE_NAME"`))
		b = j.finished(t, j.startedBuild(t, j.trigger(t, "on-curl")), 60*time.Second)
		if out := j.console(t, b); result(b) != "SUCCESS" || !strings.Contains(out, "Building remotely on agent2") || !strings.Contains(out, "node=agent2") {
			t.Fatalf("%s\n%s", result(b), out)
		}
	})

	t.Run("a label nobody has waits with the queue's why", func(t *testing.T) {
		j.createJob(t, "nowhere", agentJob("windows", "true"))
		loc := j.trigger(t, "nowhere")
		var item struct{ Why string }
		waitFor(t, "the item's why", func() bool {
			j.json(t, strings.TrimPrefix(loc, j.url)+"api/json", &item)
			return strings.Contains(item.Why, "There are no nodes with the label ‘windows’")
		})
		id := strings.TrimSuffix(loc, "/")
		id = id[strings.LastIndex(id, "/")+1:]
		if r := j.post(t, "queue/cancelItem?id="+id, ""); r.status >= 400 {
			t.Fatalf("cancel: %d %s", r.status, r.body)
		}
	})

	t.Run("an agent runs at most its executors' builds; the rest wait for it", func(t *testing.T) {
		j.createJob(t, "hold", agentJob("py", `sleep 30`))
		var started []buildState
		for range 2 {
			started = append(started, j.startedBuild(t, j.trigger(t, "hold")))
		}
		loc := j.trigger(t, "hold")
		var item struct {
			Why        string
			Executable *buildState
		}
		waitFor(t, "the third build's why", func() bool {
			j.json(t, strings.TrimPrefix(loc, j.url)+"api/json", &item)
			return strings.Contains(item.Why, "Waiting for next available executor on ‘agent1’") || strings.Contains(item.Why, "Waiting for next available executor on ‘py’")
		})
		if item.Executable != nil {
			t.Fatal("a third build started on an agent with two executors")
		}
		var c computerJSON
		j.json(t, "computer/agent1/api/json?depth=1", &c)
		if c.Idle || c.Executors[0].CurrentExecutable == nil || c.Executors[1].CurrentExecutable == nil {
			t.Fatalf("agent1's executors: %+v", c.Executors)
		}
		for _, b := range started {
			j.must(t, 302, req{method: "POST", path: strings.TrimPrefix(b.URL, j.url) + "stop", user: "admin", secret: j.adminToken(t)})
		}
		third := j.startedBuild(t, loc)
		j.must(t, 302, req{method: "POST", path: strings.TrimPrefix(third.URL, j.url) + "stop", user: "admin", secret: j.adminToken(t)})
		j.finished(t, third, 60*time.Second)
	})

	t.Run("stop kills the build's whole process tree on the agent", func(t *testing.T) {
		j.createJob(t, "tree", agentJob("py", `sleep 4001 & sh -c 'sleep 4002; true' & (sleep 4003 &) ; echo spawned; wait`))
		b := j.startedBuild(t, j.trigger(t, "tree"))
		j.waitConsole(t, b, "spawned")
		re := regexp.MustCompile(`sleep 400[123]`)
		waitFor(t, "the three sleeps to run on agent1", func() bool { return len(processesLike(h1, re)) >= 3 })
		j.must(t, 302, req{method: "POST", path: strings.TrimPrefix(b.URL, j.url) + "stop", user: "admin", secret: j.adminToken(t)})
		b = j.finished(t, b, 60*time.Second)
		if result(b) != "ABORTED" {
			t.Fatalf("%s\n%s", result(b), j.console(t, b))
		}
		waitFor(t, "no sleep left on agent1", func() bool { return len(processesLike(h1, re)) == 0 })
	})

	t.Run("toggleOffline keeps new builds off the agent, with the message", func(t *testing.T) {
		if r := j.post(t, "computer/agent2/toggleOffline", "offlineMessage=maintenance"); r.status != 302 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		c := j.computer(t, "agent2")
		if !c.TemporarilyOffline || !c.Offline || c.OfflineCauseReason != "maintenance" {
			t.Fatalf("%+v", c)
		}
		loc := j.trigger(t, "on-curl")
		var item struct{ Why string }
		waitFor(t, "the why of a build for an agent marked offline", func() bool {
			j.json(t, strings.TrimPrefix(loc, j.url)+"api/json", &item)
			return strings.Contains(item.Why, "‘agent2’ is offline")
		})
		if r := j.post(t, "computer/agent2/toggleOffline", ""); r.status != 302 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if b := j.finished(t, j.startedBuild(t, loc), 60*time.Second); result(b) != "SUCCESS" {
			t.Fatalf("%s", result(b))
		}
	})

	t.Run("disconnect drops the connection with the user's cause; launchSlaveAgent connects again", func(t *testing.T) {
		if r := j.post(t, "computer/agent2/doDisconnect", "offlineMessage=rewiring"); r.status != 302 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		var c computerJSON
		waitFor(t, "agent2 to be disconnected", func() bool {
			c = j.computer(t, "agent2")
			return c.Offline && c.OfflineCause != nil
		})
		if c.OfflineCause.Class != "hudson.slaves.OfflineCause$UserCause" || !strings.Contains(c.OfflineCause.Description, "Disconnected by admin : rewiring") {
			t.Fatalf("%+v", c.OfflineCause)
		}
		if r := j.post(t, "computer/agent2/launchSlaveAgent", ""); r.status != 302 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		j.waitOnline(t, "agent2")
		if r := j.post(t, "computer/agent2/launchSlaveAgent", ""); r.status != 200 || !strings.Contains(r.body, "already connected") {
			t.Fatalf("%d %s", r.status, r.body)
		}
	})

	t.Run("40 builds over 2 agents × 2 executors all succeed, on both", func(t *testing.T) {
		const jobs, each = 8, 5
		for i := range jobs {
			j.createJob(t, fmt.Sprintf("load-%d", i), agentJob("linux", `echo "ran on $NODE_NAME"; sleep 0.2`))
		}
		var mu sync.Mutex
		var locs []string
		var wg sync.WaitGroup
		for i := range jobs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range each {
					// Each trigger after the last build started, so none
					// folds into a waiting one.
					loc := j.trigger(t, fmt.Sprintf("load-%d", i))
					j.startedBuild(t, loc)
					mu.Lock()
					locs = append(locs, loc)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		on := map[string]int{}
		for _, loc := range locs {
			b := j.finished(t, j.startedBuild(t, loc), 120*time.Second)
			out := j.console(t, b)
			if result(b) != "SUCCESS" {
				t.Fatalf("%s %s\n%s", b.URL, result(b), out)
			}
			m := regexp.MustCompile(`ran on (\S+)`).FindStringSubmatch(out)
			if m == nil {
				t.Fatalf("%s\n%s", b.URL, out)
			}
			on[m[1]]++
		}
		if len(locs) != jobs*each || on["agent1"] == 0 || on["agent2"] == 0 || on["agent1"]+on["agent2"] != jobs*each {
			t.Fatalf("%d builds, by agent: %v", len(locs), on)
		}
		var set struct{ TotalExecutors, BusyExecutors int }
		j.json(t, "computer/api/json", &set)
		if set.TotalExecutors != 4 {
			t.Fatalf("computer/api/json: %+v", set)
		}
	})

	t.Run("doDelete removes the agent", func(t *testing.T) {
		if r := j.post(t, "computer/agent2/doDelete", ""); r.status != 302 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if r := j.do(t, req{path: "computer/agent2/api/json", user: "admin", secret: adminPassword}); r.status != 404 {
			t.Fatalf("%d", r.status)
		}
	})
}

// TestAgentHostKeyStrategies connects agents with each host key
// verification strategy, to a machine whose key each accepts and to one
// each refuses: a refused agent stays offline with a cause naming the
// key, and runs nothing.
func TestAgentHostKeyStrategies(t *testing.T) {
	sshtest.Require(t)
	home := t.TempDir()
	j := start(t, "", []string{"HOME=" + home}, "--executors", "0")
	good, other := newAgentHost(t, j), newAgentHost(t, j)
	// The controller's user knows good's key, and nothing of other's.
	if err := os.MkdirAll(filepath.Join(home, ".ssh"), 0o700); err != nil {
		t.Fatal(err)
	}
	line := knownhosts.Line([]string{good.Addr}, good.HostKey.PublicKey())
	if err := os.WriteFile(filepath.Join(home, ".ssh", "known_hosts"), []byte(line+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	otherAsGood := &agentHost{Server: other.Server, cred: other.cred}

	cases := []struct {
		name, strategy string
		host           *agentHost
		connects       bool
	}{
		{"none (NonVerifying) accepts any key", strategyNone, good, true},
		{"known hosts accepts a key in ~/.ssh/known_hosts", strategyKnown, good, true},
		{"known hosts refuses a host it does not list", strategyKnown, other, false},
		{"manually provided accepts its key", strategyProvided("ssh-ed25519", hostKeyB64(good)), good, true},
		{"manually provided refuses another key", strategyProvided("ssh-ed25519", hostKeyB64(good)), otherAsGood, false},
		{"manually trusted trusts the first key it sees", strategyTrusted(false), good, true},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			name := fmt.Sprintf("hk-%d", i)
			j.createAgentXML(t, name, agentXML(name, tc.host, "hk", 1, 0, tc.strategy))
			if tc.connects {
				j.waitOnline(t, name)
				return
			}
			var c computerJSON
			waitFor(t, name+"'s launch to fail", func() bool {
				c = j.computer(t, name)
				return c.OfflineCause != nil
			})
			if !c.Offline || c.OfflineCause.Class != "hudson.slaves.OfflineCause$LaunchFailed" || !strings.Contains(c.OfflineCause.Description, "host key") {
				t.Fatalf("%+v %+v", c, c.OfflineCause)
			}
			if log := j.agentLog(t, name); !strings.Contains(log, "host key") && !strings.Contains(log, "Known Hosts file") {
				t.Fatalf("the log does not name the host key:\n%s", log)
			}
		})
	}

	t.Run("manually trusted with initial trust required waits for saveHostKey, then connects", func(t *testing.T) {
		j.createAgentXML(t, "hk-manual", agentXML("hk-manual", good, "hk", 1, 0, strategyTrusted(true)))
		var c computerJSON
		fp := regexp.MustCompile(`SHA256:[A-Za-z0-9+/=]+`)
		waitFor(t, "the key to be offered", func() bool {
			c = j.computer(t, "hk-manual")
			return c.OfflineCause != nil && fp.MatchString(c.OfflineCause.Description)
		})
		if r := j.post(t, "computer/hk-manual/saveHostKey/submit", "fingerprint=SHA256:not-the-key"); r.status != 400 {
			t.Fatalf("a wrong fingerprint: %d %s", r.status, r.body)
		}
		if r := j.post(t, "computer/hk-manual/saveHostKey/submit", "fingerprint="+url.QueryEscape(fp.FindString(c.OfflineCause.Description))); r.status != 302 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		j.waitOnline(t, "hk-manual")
	})

	t.Run("a refused agent's builds wait, the why naming it offline", func(t *testing.T) {
		j.createJob(t, "on-refused", agentJob("hk-2", "true"))
		loc := j.trigger(t, "on-refused")
		var item struct{ Why string }
		waitFor(t, "the why", func() bool {
			j.json(t, strings.TrimPrefix(loc, j.url)+"api/json", &item)
			return strings.Contains(item.Why, "‘hk-2’ is offline")
		})
	})
}

// TestAgentBuildsOutliveTheConnection runs builds on an agent while its
// connection drops and comes back (the build reattaches and finishes),
// drops for good (FAILURE: Agent went offline during the build), and
// while jeeves itself restarts (the build finishes).
func TestAgentBuildsOutliveTheConnection(t *testing.T) {
	sshtest.Require(t)
	args := []string{"--executors", "0", "--agent-offline-timeout", "8s", "--shutdown-grace", "0s"}
	top := t
	j := start(t, "", nil, args...)
	h := newAgentHost(t, j)
	j.createAgentXML(t, "durable", agentXML("durable", h, "linux", 2, 10, strategyNone))
	j.waitOnline(t, "durable")
	j.createJob(t, "slow", agentJob("durable", `echo before; sleep 4; echo after; echo "on $NODE_NAME"`))

	t.Run("the connection dropped during a build: it reattaches and finishes", func(t *testing.T) {
		b := j.startedBuild(t, j.trigger(t, "slow"))
		j.waitConsole(t, b, "before")
		if n := h.KillConnections(); n == 0 {
			t.Fatal("no connection to kill")
		}
		b = j.finished(t, b, 60*time.Second)
		if out := j.console(t, b); result(b) != "SUCCESS" || !strings.Contains(out, "after") || !strings.Contains(out, "on durable") {
			t.Fatalf("%s\n%s", result(b), out)
		}
		j.waitOnline(t, "durable")
	})

	t.Run("a controller restart during a build: the build finishes", func(t *testing.T) {
		b := j.startedBuild(t, j.trigger(t, "slow"))
		j.waitConsole(t, b, "before")
		j.stop()
		old := j.url
		j = start(top, j.home, nil, args...)          // lives past this subtest
		b.URL = strings.Replace(b.URL, old, j.url, 1) // a new port
		b = j.finished(t, b, 60*time.Second)
		if out := j.console(t, b); result(b) != "SUCCESS" || !strings.Contains(out, "after") {
			t.Fatalf("%s\n%s", result(b), out)
		}
	})

	t.Run("the connection dropped for good: FAILURE, Agent went offline during the build", func(t *testing.T) {
		j.createJob(t, "stuck", agentJob("durable", `echo before; sleep 120`))
		b := j.startedBuild(t, j.trigger(t, "stuck"))
		j.waitConsole(t, b, "before")
		h.Stop()
		h.KillConnections()
		b = j.finished(t, b, 90*time.Second)
		if out := j.console(t, b); result(b) != "FAILURE" || !strings.Contains(out, "Agent went offline during the build") {
			t.Fatalf("%s\n%s", result(b), out)
		}
		c := j.computer(t, "durable")
		if !c.Offline || c.OfflineCause == nil {
			t.Fatalf("%+v", c)
		}
		raw, _ := json.Marshal(c.OfflineCause)
		t.Logf("offline cause once gone: %s", raw)
	})
}
