package e2e

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/store/sqlite"
)

// integrityCheck opens the home's database as jeeves does (jeeves must
// not be running) and runs SQLite's integrity check.
func integrityCheck(t *testing.T, home string) {
	t.Helper()
	st, err := sqlite.Open(home)
	if err != nil {
		t.Fatalf("open the database after the crash: %v", err)
	}
	defer st.Close()
	v, err := st.IntegrityCheck(context.Background())
	if err != nil || v != "ok" {
		t.Fatalf("PRAGMA integrity_check = %q, %v", v, err)
	}
}

// kill ends jeeves with SIGKILL, as a crash or the OOM killer would.
func (j *jeeves) kill() {
	j.cmd.Process.Signal(syscall.SIGKILL)
	<-j.exited
}

// queueIDs lists the ids of the items waiting in the queue, sorted.
func (j *jeeves) queueIDs(t *testing.T) []int64 {
	t.Helper()
	var q struct{ Items []struct{ ID int64 } }
	j.json(t, "queue/api/json", &q)
	ids := make([]int64, len(q.Items))
	for i, it := range q.Items {
		ids[i] = it.ID
	}
	slices.Sort(ids)
	return ids
}

// gateScript prints a line, then blocks until the gate file exists.
func gateScript(gate string) string {
	return `echo "started $JOB_NAME"
while [ ! -e ` + gate + ` ]; do sleep 0.05; done
echo "passed the gate"`
}

// TestCrash kills jeeves with SIGKILL while 50 builds are running or
// queued and restarts it on the same home.
func TestCrash(t *testing.T) {
	t.Parallel()
	const jobs, executors = 50, 5
	home := filepath.Join(t.TempDir(), "home")
	gate := filepath.Join(t.TempDir(), "gate")
	t.Cleanup(func() { killHomeProcesses(home) })
	j := start(t, home, nil, "--executors", fmt.Sprint(executors))
	tok := j.adminToken(t)
	names := make([]string, jobs)
	for i := range names {
		names[i] = fmt.Sprintf("crash-%02d", i)
		// The running ones are killed with a line half written.
		j.createJob(t, names[i], shellJob("set +x\n"+strings.Replace(gateScript(gate), "\n", "\nprintf 'cut short'\n", 1)))
	}
	locs := make([]string, jobs)
	for i, name := range names {
		locs[i] = j.trigger(t, name)
	}
	// The first five run (each has printed its lines); the rest wait.
	var running []string
	waitFor(t, "five builds to run", func() bool {
		running = running[:0]
		for _, name := range names {
			r := j.do(t, req{path: "job/" + name + "/1/consoleText", user: "admin", secret: tok})
			if r.status == 200 && strings.Contains(r.body, "started "+name+"\ncut short") {
				running = append(running, name)
			}
		}
		return len(running) == executors
	})
	queued := j.queueIDs(t)
	if len(queued) != jobs-executors {
		t.Fatalf("%d items queued, want %d", len(queued), jobs-executors)
	}
	j.kill()

	t.Run("the database passes its integrity check after the kill", func(t *testing.T) {
		integrityCheck(t, home)
	})

	// Restart with no executors, so that what is queued stays visible.
	j2 := start(t, home, nil, "--executors", "0")
	t.Run("builds that were running are ABORTED, their log kept with a line saying jeeves stopped", func(t *testing.T) {
		for _, name := range running {
			var b struct {
				Building bool
				Result   string
			}
			j2.json(t, "job/"+name+"/1/api/json", &b)
			if b.Building || b.Result != "ABORTED" {
				t.Errorf("%s #1 after the crash: building %v, result %q", name, b.Building, b.Result)
			}
			log := j2.must(t, 200, req{path: "job/" + name + "/1/consoleText", user: "admin", secret: tok}).body
			if !strings.HasSuffix(log, "\nstarted "+name+"\ncut short\njeeves stopped while this build was running\nBuild was aborted\nFinished: ABORTED\n") {
				t.Errorf("%s #1 log:\n%s", name, log)
			}
		}
	})
	t.Run("their processes, orphaned by the kill, are gone", func(t *testing.T) {
		if left := homeProcesses(home); len(left) > 0 {
			t.Fatalf("processes of the killed run's builds still alive: %v", left)
		}
	})
	t.Run("queued items are still queued, with the same ids", func(t *testing.T) {
		if got := j2.queueIDs(t); !slices.Equal(got, queued) {
			t.Fatalf("queue after restart %v, want %v", got, queued)
		}
	})
	j2.stop()

	j3 := start(t, home, nil, "--executors", fmt.Sprint(executors))
	if err := os.WriteFile(gate, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Run("the queued items then run to completion", func(t *testing.T) {
		for i, name := range names {
			if slices.Contains(running, name) {
				continue
			}
			// The item's Location named the killed server's port.
			b := j3.waitBuild(t, j3.url+locs[i][strings.Index(locs[i], "queue/"):])
			if b.Result == nil || *b.Result != "SUCCESS" || b.Number != 1 {
				t.Errorf("%s: build %d result %v", name, b.Number, b.Result)
			}
		}
	})
	t.Run("new builds never reuse a number", func(t *testing.T) {
		for _, name := range running {
			b := j3.waitBuild(t, j3.trigger(t, name))
			if b.Number != 2 || *b.Result != "SUCCESS" {
				t.Errorf("%s: new build #%d %v, want #2 SUCCESS", name, b.Number, *b.Result)
			}
		}
	})
	t.Run("every build record is there, each number once", func(t *testing.T) {
		total := 0
		for _, name := range names {
			var job struct{ Builds []struct{ Number int64 } }
			j3.json(t, "job/"+name+"/api/json", &job)
			var nums []int64
			for _, b := range job.Builds {
				nums = append(nums, b.Number)
			}
			sort.Slice(nums, func(a, b int) bool { return nums[a] < nums[b] })
			want := []int64{1}
			if slices.Contains(running, name) {
				want = []int64{1, 2}
			}
			if !slices.Equal(nums, want) {
				t.Errorf("%s builds %v, want %v", name, nums, want)
			}
			total += len(nums)
		}
		if total != jobs+executors {
			t.Errorf("%d build records, want %d", total, jobs+executors)
		}
	})
	j3.stop()
	t.Run("the database passes its integrity check at the end", func(t *testing.T) {
		integrityCheck(t, home)
	})
}

// TestSIGTERM: on SIGTERM jeeves stops accepting work, lets running
// builds finish within --shutdown-grace, aborts the rest cleanly and
// keeps the queue for the next start.
func TestSIGTERM(t *testing.T) {
	t.Parallel()
	home := filepath.Join(t.TempDir(), "home")
	gate := filepath.Join(t.TempDir(), "gate")
	t.Cleanup(func() { killHomeProcesses(home) })
	j := start(t, home, nil, "--executors", "2", "--shutdown-grace", "10s")
	tok := j.adminToken(t)
	j.createJob(t, "finishes", shellJob(gateScript(gate)))
	j.createJob(t, "too-slow", shellJob(`echo "started $JOB_NAME"
sleep 1000`))
	j.createJob(t, "waits", shellJob("echo ran"))
	j.trigger(t, "finishes")
	j.trigger(t, "too-slow")
	waitFor(t, "both builds to run", func() bool {
		for _, name := range []string{"finishes", "too-slow"} {
			r := j.do(t, req{path: "job/" + name + "/1/consoleText", user: "admin", secret: tok})
			if r.status != 200 || !strings.Contains(r.body, "started "+name) {
				return false
			}
		}
		return true
	})
	j.trigger(t, "waits")
	waitsID := j.queueIDs(t)
	if len(waitsID) != 1 {
		t.Fatalf("queue %v, want one item", waitsID)
	}
	addr := j.host()
	j.cmd.Process.Signal(syscall.SIGTERM)

	t.Run("it stops accepting connections", func(t *testing.T) {
		waitFor(t, "the listener to close", func() bool {
			c, err := net.Dial("tcp", addr)
			if err == nil {
				c.Close()
			}
			return err != nil
		})
	})
	// Only now may the first build finish: jeeves must wait for it.
	if err := os.WriteFile(gate, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	<-j.exited
	t.Run("it exits 0 once the grace is over", func(t *testing.T) {
		if code := j.cmd.ProcessState.ExitCode(); code != 0 {
			t.Fatalf("exit code %d\n%s", code, j.logBuf.String())
		}
	})

	j2 := start(t, home, nil, "--executors", "0")
	t.Run("a build that finishes within the grace is SUCCESS", func(t *testing.T) {
		var b struct {
			Building bool
			Result   string
		}
		j2.json(t, "job/finishes/1/api/json", &b)
		log := j2.must(t, 200, req{path: "job/finishes/1/consoleText", user: "admin", secret: tok}).body
		if b.Building || b.Result != "SUCCESS" || !strings.Contains(log, "passed the gate") {
			t.Fatalf("%+v\n%s", b, log)
		}
	})
	t.Run("a build still running after the grace is ABORTED with a line saying why", func(t *testing.T) {
		var b struct {
			Building bool
			Result   string
		}
		j2.json(t, "job/too-slow/1/api/json", &b)
		log := j2.must(t, 200, req{path: "job/too-slow/1/consoleText", user: "admin", secret: tok}).body
		if b.Building || b.Result != "ABORTED" || !strings.HasSuffix(log, "Build was aborted\njeeves is shutting down: the build did not finish within the shutdown grace (10s)\nFinished: ABORTED\n") {
			t.Fatalf("%+v\n%s", b, log)
		}
	})
	t.Run("the queued item is still queued", func(t *testing.T) {
		if got := j2.queueIDs(t); !slices.Equal(got, waitsID) {
			t.Fatalf("queue %v, want %v", got, waitsID)
		}
	})
	t.Run("no process of its builds is left", func(t *testing.T) {
		if left := homeProcesses(home); len(left) > 0 {
			t.Fatalf("still alive: %v", left)
		}
	})
	j2.stop()
	integrityCheck(t, home)
}
