package runner

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
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
		pids := scanProcesses(want)
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

// scanProcesses lists the live processes whose environment holds one of
// want (exact NAME=value entries) and no dontKillMe opt-out. Zombies are
// skipped: their environment reads as empty.
func scanProcesses(want [][]byte) []int {
	d, err := os.Open("/proc")
	if err != nil {
		return nil
	}
	names, _ := d.Readdirnames(-1)
	d.Close()
	self := os.Getpid()
	var out []int
	for _, name := range names {
		pid, err := strconv.Atoi(name)
		if err != nil || pid == self {
			continue
		}
		env, err := os.ReadFile("/proc/" + name + "/environ")
		if err != nil || len(env) == 0 {
			continue
		}
		if hasCookie(env, want) {
			out = append(out, pid)
		}
	}
	return out
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
