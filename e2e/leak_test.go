package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestNoLeakedProcesses: when a build ends or is stopped, every process
// it started is gone, however it detached itself, unless it opted out
// with Jenkins's dontKillMe.
func TestNoLeakedProcesses(t *testing.T) {
	t.Parallel()
	j := start(t, "", nil, "--executors", "3")
	tok := j.adminToken(t)
	t.Cleanup(func() { killHomeProcesses(j.home) })

	// daemons is a script that leaves one sleeping process behind in each
	// way a build's step can detach one, each writing its pid to dir/NAME
	// (the process then execs sleep, so the pid stays the sleeper's), and
	// waits until all three run sleep.
	daemons := func(dir, prefix string) string {
		start := func(name string) string {
			return prefix + `sh -c 'echo $$ > ` + dir + `/` + name + `.tmp; mv ` + dir + `/` + name + `.tmp ` + dir + `/` + name + `; exec sleep 1000'`
		}
		return `setsid ` + start("setsid") + ` &
nohup ` + start("nohup") + ` >/dev/null 2>&1 &
( ( ` + start("doublefork") + ` & ) & )
ready() { p=$(cat ` + dir + `/$1 2>/dev/null) && tr '\0' ' ' < /proc/$p/cmdline | grep -q '^sleep '; }
n=0
while ! ready setsid || ! ready nohup || ! ready doublefork; do n=$((n+1)); [ $n -lt 2000 ] || exit 9; sleep 0.01; done
echo daemons started
`
	}
	cases := []struct {
		name     string
		prefix   string // put before each daemon's command
		tail     string // what the step does after
		stop     bool   // stop the build instead of letting it end
		result   string
		survives bool
		password bool // a password parameter: the output goes through a pipe
	}{
		{name: "daemons left by a finished build are gone", result: "SUCCESS"},
		{name: "daemons left by a failed build are gone", tail: "exit 3", result: "FAILURE"},
		{name: "daemons of a stopped build are gone", tail: "sleep 1000", stop: true, result: "ABORTED"},
		{name: "daemons left by a build whose output is masked are gone, and the step does not wait for them", password: true, result: "SUCCESS"},
		{name: "daemons with BUILD_ID=dontKillMe outlive the build", prefix: "env BUILD_ID=dontKillMe ", result: "SUCCESS", survives: true},
		{name: "daemons with JENKINS_NODE_COOKIE=dontKillMe outlive the build", prefix: "env JENKINS_NODE_COOKIE=dontKillMe ", result: "SUCCESS", survives: true},
		{name: "daemons with dontKillMe outlive a stopped build", prefix: "env BUILD_ID=dontKillMe ", tail: "sleep 1000", stop: true, result: "ABORTED", survives: true},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			name := "leak-" + strconv.Itoa(i)
			config := shellJob(daemons(dir, c.prefix) + c.tail)
			trigger := "job/" + name + "/build"
			if c.password {
				config = strings.Replace(config, "<builders>", `<properties><hudson.model.ParametersDefinitionProperty><parameterDefinitions>
  <hudson.model.PasswordParameterDefinition><name>PW</name><defaultValue>s3cret</defaultValue></hudson.model.PasswordParameterDefinition>
</parameterDefinitions></hudson.model.ParametersDefinitionProperty></properties>
<builders>`, 1)
				trigger = "job/" + name + "/buildWithParameters"
			}
			j.createJob(t, name, config)
			loc := j.must(t, 201, req{method: "POST", path: trigger, user: "admin", secret: tok}).header.Get("Location")
			pids := map[string]int{}
			readPids := func() bool {
				for _, d := range []string{"setsid", "nohup", "doublefork"} {
					b, err := os.ReadFile(filepath.Join(dir, d))
					if err != nil {
						return false
					}
					pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
					if err != nil {
						t.Fatalf("%s pid %q", d, b)
					}
					pids[d] = pid
				}
				return true
			}
			if c.stop {
				waitFor(t, "the daemons to start", func() bool {
					r := j.do(t, req{path: "job/" + name + "/1/consoleText", user: "admin", secret: tok})
					return r.status == 200 && strings.Contains(r.body, "\ndaemons started")
				})
				readPids()
				for d, pid := range pids {
					if !isSleeper(pid) {
						t.Fatalf("%s daemon %d is not running sleep", d, pid)
					}
				}
				j.must(t, 302, req{method: "POST", path: "job/" + name + "/1/stop", user: "admin", secret: tok})
			}
			b := j.waitBuild(t, loc)
			if b.Result == nil || *b.Result != c.result {
				t.Fatalf("result %v, want %s", b.Result, c.result)
			}
			// The step waited until every daemon ran sleep.
			if !readPids() {
				t.Fatal("the step did not start its daemons")
			}
			for d, pid := range pids {
				if c.survives {
					// The build is recorded finished only after its
					// processes were dealt with: a survivor is alive now.
					if !isSleeper(pid) {
						t.Errorf("the %s daemon %d that opted out was killed", d, pid)
					}
					continue
				}
				waitGone(t, d+" daemon", pid)
			}
		})
	}
}

// homeProcesses lists the processes (zombies aside) whose environment
// says they belong to a build of the jeeves in home.
func homeProcesses(home string) []int {
	names, _ := filepath.Glob("/proc/[0-9]*/environ")
	var out []int
	for _, name := range names {
		env, err := os.ReadFile(name)
		if err != nil || !strings.Contains("\x00"+string(env)+"\x00", "\x00JENKINS_HOME="+home+"\x00") {
			continue
		}
		pid, _ := strconv.Atoi(strings.Split(name, "/")[2])
		if processAlive(pid) {
			out = append(out, pid)
		}
	}
	return out
}

// killHomeProcesses kills what builds of the jeeves in home left behind
// (the survivors a test made on purpose, or whatever a failed test left).
func killHomeProcesses(home string) {
	for _, pid := range homeProcesses(home) {
		syscall.Kill(pid, syscall.SIGKILL)
	}
}

// isSleeper reports whether pid is alive and running sleep (so a test
// never mistakes a reused pid for its daemon).
func isSleeper(pid int) bool {
	cmd, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	return err == nil && processAlive(pid) && strings.HasPrefix(string(cmd), "sleep\x00")
}

// waitGone waits until pid is gone (or a zombie), failing after a
// deadline well past the kill grace: /proc has no event to await.
func waitGone(t *testing.T, what string, pid int) {
	t.Helper()
	waitWithin(t, fmt.Sprintf("the %s (pid %d) to end with its build", what, pid), 20*time.Second, func() bool { return !isSleeper(pid) })
}
