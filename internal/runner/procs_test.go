package runner

import (
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestHasCookie(t *testing.T) {
	want := [][]byte{[]byte(CookieVar + "=abc")}
	cases := []struct {
		name string
		env  []string
		kill bool
	}{
		{"a process with the build's cookie is killed", []string{"PATH=/bin", CookieVar + "=abc", "BUILD_ID=7"}, true},
		{"a process with another build's cookie is spared", []string{CookieVar + "=abd"}, false},
		{"a process without a cookie is spared", []string{"PATH=/bin"}, false},
		{"a cookie that only starts the same is not the cookie", []string{CookieVar + "=abcd"}, false},
		{"BUILD_ID=dontKillMe opts out", []string{CookieVar + "=abc", "BUILD_ID=dontKillMe"}, false},
		{"BUILD_ID=dontKillMe before the cookie opts out too", []string{"BUILD_ID=dontKillMe", CookieVar + "=abc"}, false},
		{"JENKINS_NODE_COOKIE=dontKillMe opts out", []string{CookieVar + "=dontKillMe"}, false},
		{"dontKillMe in another variable does not opt out", []string{CookieVar + "=abc", "X=dontKillMe"}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := []byte(strings.Join(c.env, "\x00") + "\x00")
			if got := hasCookie(env, want); got != c.kill {
				t.Fatalf("hasCookie(%q) = %v, want %v", c.env, got, c.kill)
			}
		})
	}
}

// BenchmarkKillProcessesNoneLeft is what every build pays at its end when
// it left nothing behind: one scan of /proc.
func BenchmarkKillProcessesNoneLeft(b *testing.B) {
	for b.Loop() {
		KillProcesses(KillGrace, "no-such-cookie")
	}
}

// BenchmarkKillProcessesAfterShortBuild is what a short build pays at its
// end: only processes newer than its first are read.
func BenchmarkKillProcessesAfterShortBuild(b *testing.B) {
	step := exec.Command("/bin/true")
	if err := step.Run(); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		killProcesses(KillGrace, scope{first: step.Process.Pid, since: time.Now()}, "no-such-cookie")
	}
}
