package local

import (
	"bytes"
	"context"
	"io"
	"os"
	"strconv"
	"syscall"
	"time"

	"github.com/jeeves-ci/jeeves/internal/launcher"
)

// scope narrows the scan of /proc for a build that just ended: only
// processes whose pid was allocated since its first process's (pids are
// handed out in increasing order, wrapping at pid_max) can carry its
// cookie. Reading a process's environment costs ~15 µs here, so a short
// build need not read every process's. The zero scope scans all.
type scope struct {
	first int       // the pid of the build's first process
	since time.Time // when it started
}

// pids lists the pids to look at. For a build shorter than a second it
// names only pids allocated since the build's first (probing each when
// they are few, which spares listing /proc); a longer build may have seen
// pids wrap around more than once, so it gets a full scan, whose cost is
// small beside it.
func (s scope) pids() []int {
	if s.first == 0 || time.Since(s.since) > time.Second {
		return listPids(nil)
	}
	b, err := os.ReadFile("/proc/sys/kernel/ns_last_pid")
	if err != nil {
		return listPids(nil)
	}
	last, err := strconv.Atoi(string(bytes.TrimSpace(b)))
	if err != nil {
		return listPids(nil)
	}
	first := s.first
	switch {
	case last >= first && last-first < 128:
		out := make([]int, 0, last-first+1)
		for pid := first; pid <= last; pid++ {
			out = append(out, pid)
		}
		return out
	case last >= first:
		return listPids(func(pid int) bool { return pid >= first })
	default: // wrapped at pid_max
		return listPids(func(pid int) bool { return pid >= first || pid <= last })
	}
}

// listPids lists the processes in /proc that keep accepts (nil: all).
func listPids(keep func(int) bool) []int {
	d, err := os.Open("/proc")
	if err != nil {
		return nil
	}
	names, _ := d.Readdirnames(-1)
	d.Close()
	out := make([]int, 0, len(names))
	for _, name := range names {
		pid, err := strconv.Atoi(name)
		if err == nil && (keep == nil || keep(pid)) {
			out = append(out, pid)
		}
	}
	return out
}

// killProcesses ends the processes within sc that carry one of cookies
// (see Launcher.KillAll). It gives up when ctx ends.
func killProcesses(ctx context.Context, grace time.Duration, sc scope, cookies ...string) (int, error) {
	if len(cookies) == 0 {
		return 0, nil
	}
	want := make([][]byte, len(cookies))
	for i, c := range cookies {
		want[i] = []byte(launcher.CookieVar + "=" + c)
	}
	signalled := map[int]bool{}
	deadline := time.Now().Add(grace)
	killDeadline := deadline.Add(5 * time.Second)
	for wait := time.Millisecond; ; wait = min(2*wait, 50*time.Millisecond) {
		pids := scanProcesses(want, sc.pids())
		if len(pids) == 0 {
			return len(signalled), nil
		}
		sig := syscall.SIGTERM
		if time.Now().After(deadline) {
			sig = syscall.SIGKILL
		}
		for _, pid := range pids {
			if sig == syscall.SIGKILL || !signalled[pid] {
				syscall.Kill(pid, sig)
				signalled[pid] = true
			}
		}
		if time.Now().After(killDeadline) {
			// Unkillable (stuck in the kernel): give up rather than hang
			// the build forever.
			return len(signalled), nil
		}
		select {
		case <-ctx.Done():
			return len(signalled), ctx.Err()
		case <-time.After(wait):
		}
	}
}

// scanProcesses returns those of pids (this process aside) that are
// alive and whose environment holds one of want (exact NAME=value
// entries) and no dontKillMe opt-out. Zombies are skipped: their
// environment reads as empty.
func scanProcesses(want [][]byte, pids []int) []int {
	self := os.Getpid()
	buf := make([]byte, 16<<10)
	var out []int
	for _, pid := range pids {
		if pid == self {
			continue
		}
		env, ok := readEnviron("/proc/"+strconv.Itoa(pid)+"/environ", buf)
		if ok && hasCookie(env, want) {
			out = append(out, pid)
		}
	}
	return out
}

// readEnviron reads a process's environment into buf in as few reads as
// it takes; one, for all but huge environments.
func readEnviron(path string, buf []byte) ([]byte, bool) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	n, err := io.ReadFull(f, buf)
	switch {
	case err == io.ErrUnexpectedEOF || err == io.EOF:
		return buf[:n], n > 0
	case err != nil:
		return nil, false
	}
	// Larger than buf: read the rest.
	rest, err := io.ReadAll(f)
	if err != nil {
		return nil, false
	}
	return append(buf[:n:n], rest...), true
}

var (
	optOutBuildID = []byte("BUILD_ID=" + launcher.DontKillMe)
	optOutCookie  = []byte(launcher.CookieVar + "=" + launcher.DontKillMe)
)

func hasCookie(env []byte, want [][]byte) bool {
	found := false
	for len(env) > 0 {
		entry := env
		if i := bytes.IndexByte(env, 0); i >= 0 {
			entry, env = env[:i], env[i+1:]
		} else {
			env = nil
		}
		if bytes.Equal(entry, optOutBuildID) || bytes.Equal(entry, optOutCookie) {
			return false
		}
		if !found {
			for _, w := range want {
				if bytes.Equal(entry, w) {
					found = true
					break
				}
			}
		}
	}
	return found
}
