package cli

import (
	"io"
	"net"
	"strings"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/executor"
)

// TestServeReadsOnlyJEEVESVariables holds the rule builds rely on: every
// environment variable jeeves reads is named JEEVES_*, so
// executor.InheritedEnv, which drops those, keeps all of jeeves's settings
// and secrets out of builds.
func TestServeReadsOnlyJEEVESVariables(t *testing.T) {
	var read []string
	getenv := func(name string) string {
		read = append(read, name)
		return ""
	}
	if _, err := parseServeFlags(nil, getenv, io.Discard); err != nil {
		t.Fatal(err)
	}
	if len(read) == 0 {
		t.Fatal("parseServeFlags read no variable: has it stopped using getenv?")
	}
	for _, name := range read {
		t.Run(name+" is dropped from builds' environment", func(t *testing.T) {
			if !strings.HasPrefix(name, "JEEVES_") {
				t.Fatalf("jeeves reads %s, which builds would inherit", name)
			}
			if got := executor.InheritedEnv([]string{name + "=x", "PATH=/bin"}); len(got) != 1 || got[0] != "PATH=/bin" {
				t.Fatalf("InheritedEnv kept %v", got)
			}
		})
	}
}

func TestListenURL(t *testing.T) {
	for _, c := range []struct {
		name, listen string
		bound        *net.TCPAddr
		want         string
	}{
		{"every interface is localhost", ":8080", &net.TCPAddr{IP: net.IPv4zero, Port: 8080}, "http://localhost:8080/"},
		{"every IPv6 interface is localhost", "[::]:8080", &net.TCPAddr{IP: net.IPv6unspecified, Port: 8080}, "http://localhost:8080/"},
		{"a bound IP is kept, with the port chosen", "127.0.0.1:0", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 41234}, "http://127.0.0.1:41234/"},
		{"an IPv6 address is bracketed", "[::1]:9000", &net.TCPAddr{IP: net.IPv6loopback, Port: 9000}, "http://[::1]:9000/"},
		{"a host name given to --listen is kept", "ci.internal:8080", &net.TCPAddr{IP: net.IPv4(10, 0, 0, 5), Port: 8080}, "http://ci.internal:8080/"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := listenURL(c.listen, c.bound); got != c.want {
				t.Fatalf("listenURL(%q, %v) = %q, want %q", c.listen, c.bound, got, c.want)
			}
		})
	}
}
