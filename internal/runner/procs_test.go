package runner

import (
	"strings"
	"testing"
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
