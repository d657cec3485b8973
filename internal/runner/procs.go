package runner

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"strconv"
	"syscall"
	"time"
)

// CookieVar is the variable every process of a build carries in its
// environment, as Jenkins's ProcessTreeKiller does: when the build ends,
// whatever still runs with the build's cookie is killed, however it
// detached itself (setsid, nohup … &, a double fork).
const CookieVar = "JENKINS_NODE_COOKIE"

// DontKillMe is Jenkins's documented opt-out: a process whose environment
// has BUILD_ID=dontKillMe or JENKINS_NODE_COOKIE=dontKillMe outlives its
// build.
const DontKillMe = "dontKillMe"

// Cookie is the cookie of one build of one home. It is derived, not
// random, so that after a crash the next start can find and kill the
// processes the dead server's builds left behind.
func Cookie(home string, jobID, number int64) string {
	h := sha256.Sum256([]byte(home + "\x00" + strconv.FormatInt(jobID, 10) + "\x00" + strconv.FormatInt(number, 10)))
	return hex.EncodeToString(h[:16])
}

// KillProcesses ends every process (but this one) whose environment
// carries one of the cookies, sparing those that opted out with
// dontKillMe: SIGTERM first, SIGKILL to those still there after grace. It
// returns once none is left, and reports how many it signalled. Processes
// that appear while it works (a fork in a dying loop) are caught by the
// next scan.
func KillProcesses(grace time.Duration, cookies ...string) int {
	return killProcesses(grace, scope{}, cookies...)
}

// scope narrows the scan of /proc for a build that just ended: only
// processes whose pid was allocated since its first step's (pids are
// handed out in increasing order, wrapping at pid_max) can carry its
// cookie. Reading a process's environment costs ~15 µs here, so a short
// build need not read every process's. The zero scope scans all.
type scope struct {
	first int       // the pid of the build's first process
	since time.Time // when the build started
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

func killProcesses(grace time.Duration, sc scope, cookies ...string) int {
	if len(cookies) == 0 {
		return 0
	}
	want := make([][]byte, len(cookies))
	for i, c := range cookies {
		want[i] = []byte(CookieVar + "=" + c)
	}
	signalled := map[int]bool{}
	deadline := time.Now().Add(grace)
	killDeadline := deadline.Add(5 * time.Second)
	for wait := time.Millisecond; ; wait = min(2*wait, 50*time.Millisecond) {
		pids := scanProcesses(want, sc.pids())
		if len(pids) == 0 {
			return len(signalled)
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
			return len(signalled)
		}
		time.Sleep(wait)
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
	optOutBuildID = []byte("BUILD_ID=" + DontKillMe)
	optOutCookie  = []byte(CookieVar + "=" + DontKillMe)
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
