package sshagent

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/jeeves-ci/jeeves/internal/sshagent/sshtest"
)

// BenchmarkRunTrue runs `true` over an open connection (one session).
func BenchmarkRunTrue(b *testing.B) {
	srv := sshtest.Start(b, sshtest.Options{})
	a := dial(b, config(srv, io.Discard))
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if code, err := a.Run(ctx, "true", nil, nil); err != nil || code != 0 {
			b.Fatal(code, err)
		}
	}
}

// BenchmarkStartTrue runs `true` as a durable step: control directory,
// supervisor, log streaming, result file.
func BenchmarkStartTrue(b *testing.B) {
	srv := sshtest.Start(b, sshtest.Options{})
	a := dial(b, config(srv, io.Discard))
	ws := workspace(b, a, "bench")
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		p, err := a.Start(ctx, Proc{Argv: []string{"true"}, Dir: ws})
		if err != nil {
			b.Fatal(err)
		}
		if code, err := p.Wait(); err != nil || code != 0 {
			b.Fatal(code, err)
		}
	}
}

// BenchmarkOpenSSHMux is the baseline: `ssh agent true` through an
// OpenSSH ControlMaster connection already open.
func BenchmarkOpenSSHMux(b *testing.B) {
	srv := sshtest.Start(b, sshtest.Options{})
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
	b.ResetTimer()
	for b.Loop() {
		if out, err := exec.Command("ssh", append(append([]string{}, args...), srv.Addr, "true")...).CombinedOutput(); err != nil {
			b.Fatal(err, string(out))
		}
	}
}

// BenchmarkConnect connects an agent (the whole launch: handshake, junk
// check, environment, machine check) and closes it.
func BenchmarkConnect(b *testing.B) {
	srv := sshtest.Start(b, sshtest.Options{})
	cfg := config(srv, io.Discard)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		a, err := Dial(ctx, cfg)
		if err != nil {
			b.Fatal(err)
		}
		a.Close()
	}
}

// BenchmarkIdleAgentHeap measures the controller's heap per connected,
// idle agent (reported as heap-bytes/agent); run with -benchtime=1x.
func BenchmarkIdleAgentHeap(b *testing.B) {
	srv := sshtest.Start(b, sshtest.Options{Config: []string{"MaxStartups 100"}})
	cfg := config(srv, io.Discard)
	cfg.KeepAliveInterval = 10 * time.Second
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
		var agents []*Agent
		for range n {
			a, err := Dial(context.Background(), cfg)
			if err != nil {
				b.Fatal(err)
			}
			agents = append(agents, a)
		}
		time.Sleep(200 * time.Millisecond)
		after := heap()
		b.ReportMetric(float64(after-before)/n, "heap-bytes/agent")
		b.ReportMetric(float64(runtime.NumGoroutine()), "goroutines")
		for _, a := range agents {
			a.Close()
		}
	}
}
