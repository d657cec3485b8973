package nodes_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/sshagent"
	"github.com/jeeves-ci/jeeves/internal/sshagent/sshtest"
)

// BenchmarkBuildTrue is trigger → finished of a build whose one step is
// `true`, on an agent connected already.
func BenchmarkBuildTrue(b *testing.B) {
	w := newWorld(b, 0, time.Minute)
	w.agent("agent1", "", 1, "")
	j := w.job("true", "agent1", false, "true")
	b.ResetTimer()
	for b.Loop() {
		w.build(j)
		if r := w.await(); r.Result != model.Success {
			b.Fatal(w.console(r))
		}
	}
}

// BenchmarkTrueSideBySide alternates, on one agent, a build of `true`
// (trigger → finished), `ssh agent true` through an OpenSSH
// ControlMaster connection already open (the floor), the same command
// over jeeves's own connection (sshagent's Run: one session), and a
// durable step of `true` alone (Start and Wait: the supervisor, no
// build), and reports the median of each, in ms.
func BenchmarkTrueSideBySide(b *testing.B) {
	w := newWorld(b, 0, time.Minute)
	srv := w.agent("agent1", "", 1, "")
	j := w.job("true", "agent1", false, "true")
	ssh := mux(b, srv)
	conn := w.conn("agent1")
	ws := srv.Home + "/agent/workspace/direct"
	var build, floor, run, step []time.Duration
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		w.build(j)
		if r := w.await(); r.Result != model.Success {
			b.Fatal(w.console(r))
		}
		t1 := time.Now()
		if out, err := ssh("true").CombinedOutput(); err != nil {
			b.Fatal(err, string(out))
		}
		t2 := time.Now()
		if code, err := conn.Run(ctx, "true", nil, nil); err != nil || code != 0 {
			b.Fatal(code, err)
		}
		t3 := time.Now()
		p, err := conn.Start(ctx, sshagent.Proc{Argv: []string{"true"}, Dir: ws})
		if err != nil {
			b.Fatal(err)
		}
		if code, err := p.Wait(); err != nil || code != 0 {
			b.Fatal(code, err)
		}
		t4 := time.Now()
		build, floor, run, step = append(build, t1.Sub(t0)), append(floor, t2.Sub(t1)), append(run, t3.Sub(t2)), append(step, t4.Sub(t3))
	}
	for name, ds := range map[string][]time.Duration{"build-ms": build, "ssh-mux-ms": floor, "run-ms": run, "durable-step-ms": step} {
		b.ReportMetric(median(ds), name)
	}
}

func median(ds []time.Duration) float64 {
	s := slices.Clone(ds)
	slices.Sort(s)
	return float64(s[len(s)/2].Microseconds()) / 1000
}

// BenchmarkOpenSSHTrue is the floor: `ssh agent true` through an OpenSSH
// ControlMaster connection already open.
func BenchmarkOpenSSHTrue(b *testing.B) {
	srv := sshtest.Start(b, sshtest.Options{})
	ssh := mux(b, srv)
	b.ResetTimer()
	for b.Loop() {
		if out, err := ssh("true").CombinedOutput(); err != nil {
			b.Fatal(err, string(out))
		}
	}
}

// mux opens an OpenSSH ControlMaster connection to srv and returns how
// to run a command through it.
func mux(b *testing.B, srv *sshtest.Server) func(cmd string) *exec.Cmd {
	dir := b.TempDir()
	key := filepath.Join(dir, "id")
	os.WriteFile(key, srv.ClientKeyPEM, 0o600)
	kh := filepath.Join(dir, "known_hosts")
	os.WriteFile(kh, []byte(srv.Addr+" "+strings.TrimSpace(string(ssh.MarshalAuthorizedKey(srv.HostKey.PublicKey())))+"\n"), 0o600)
	ctl := filepath.Join(dir, "ctl")
	args := []string{"-F", "/dev/null", "-i", key, "-o", "UserKnownHostsFile=" + kh, "-o", "StrictHostKeyChecking=yes", "-o", "ControlPath=" + ctl, "-o", "BatchMode=yes", "-l", srv.User}
	if out, err := exec.Command("ssh", append(append([]string{}, args...), "-o", "ControlMaster=yes", "-o", "ControlPersist=yes", "-fN", srv.Addr)...).CombinedOutput(); err != nil {
		b.Fatalf("starting the master: %v %s", err, out)
	}
	b.Cleanup(func() { exec.Command("ssh", append(append([]string{}, args...), "-O", "exit", srv.Addr)...).Run() })
	return func(cmd string) *exec.Cmd {
		return exec.Command("ssh", append(append([]string{}, args...), srv.Addr, cmd)...)
	}
}

// load is how many builds the load benchmarks run: 200 over 2 agents of
// 2 executors each.
const load = 200

// BenchmarkBuilds200 runs 200 builds of `true` (20 jobs, 10 builds
// each) over 2 agents of 2 executors each, and reports builds/s.
func BenchmarkBuilds200(b *testing.B) {
	w := newWorld(b, 0, time.Minute)
	w.agent("a1", "pool", 2, "")
	w.agent("a2", "pool", 2, "")
	var js []*model.Job
	for i := range 20 {
		js = append(js, w.job("load-"+strconv.Itoa(i), "pool", true, "true"))
	}
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		for i := range load {
			w.build(js[i%len(js)])
		}
		for range load {
			if r := w.await(); r.Result != model.Success {
				b.Fatal(w.console(r))
			}
		}
		b.ReportMetric(load/time.Since(start).Seconds(), "builds/s")
	}
}

// BenchmarkOpenSSH200 runs the same 200 steps directly: `ssh agent
// true` through ControlMaster connections to 2 agents, 2 at a time on
// each, and reports steps/s.
func BenchmarkOpenSSH200(b *testing.B) {
	var runs []func(string) *exec.Cmd
	for range 2 {
		runs = append(runs, mux(b, sshtest.Start(b, sshtest.Options{})))
	}
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		work := make(chan int, load)
		for i := range load {
			work <- i
		}
		close(work)
		var wg sync.WaitGroup
		for i := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				run := runs[i%2]
				for range work {
					if out, err := run("true").CombinedOutput(); err != nil {
						b.Error(err, string(out))
						return
					}
				}
			}()
		}
		wg.Wait()
		b.ReportMetric(load/time.Since(start).Seconds(), "steps/s")
	}
}

// BenchmarkConnectAgent creates an agent and waits until it is
// connected (the whole launch, through the nodes service), then deletes
// it.
func BenchmarkConnectAgent(b *testing.B) {
	w := newWorld(b, 0, time.Minute)
	srv := sshtest.Start(b, sshtest.Options{})
	b.Cleanup(w.close)
	w.keyCredential("key", srv)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		name := "c" + strconv.Itoa(i)
		if _, err := w.ns.CreateFromXML(ctx, name, []byte(nodeXML(name, srv, "key", "", 1, ""))); err != nil {
			b.Fatal(err)
		}
		w.online(name)
		b.StopTimer()
		if err := w.ns.Delete(ctx, name); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

// BenchmarkAgentHeap measures the controller's heap per connected, idle
// agent, through the nodes service (reported as heap-bytes/agent); run
// with -benchtime=1x.
func BenchmarkAgentHeap(b *testing.B) {
	w := newWorld(b, 0, time.Minute)
	srv := sshtest.Start(b, sshtest.Options{Config: []string{"MaxStartups 100"}})
	b.Cleanup(w.close)
	w.keyCredential("key", srv)
	ctx := context.Background()
	const n = 50
	for b.Loop() {
		heap := func() uint64 {
			runtime.GC()
			runtime.GC()
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			return m.HeapInuse
		}
		before := heap()
		for i := range n {
			name := "h" + strconv.Itoa(i)
			if _, err := w.ns.CreateFromXML(ctx, name, []byte(nodeXML(name, srv, "key", "", 1, ""))); err != nil {
				b.Fatal(err)
			}
		}
		for i := range n {
			w.online("h" + strconv.Itoa(i))
		}
		time.Sleep(500 * time.Millisecond)
		after := heap()
		b.ReportMetric(float64(after-before)/n, "heap-bytes/agent")
		b.ReportMetric(float64(runtime.NumGoroutine()), "goroutines")
	}
}
