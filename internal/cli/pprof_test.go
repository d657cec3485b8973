package cli

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
)

func TestPprofFlag(t *testing.T) {
	for _, tc := range []struct {
		name, addr string
		ok         bool
	}{
		{"is off by default", "", true},
		{"takes an IPv4 loopback address", "127.0.0.1:6060", true},
		{"takes an IPv6 loopback address", "[::1]:6060", true},
		{"takes localhost", "localhost:6060", true},
		{"refuses every interface", ":6060", false},
		{"refuses a routable address", "10.0.0.1:6060", false},
		{"refuses a host name", "example.com:6060", false},
		{"refuses an address without a port", "127.0.0.1", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, err := parseServeFlags([]string{"--pprof=" + tc.addr}, func(string) string { return "" }, io.Discard)
			if tc.ok != (err == nil) {
				t.Fatalf("--pprof=%q: err %v, want ok %v", tc.addr, err, tc.ok)
			}
			if tc.ok && o.Pprof != tc.addr {
				t.Fatalf("Pprof = %q", o.Pprof)
			}
		})
	}
}

func TestPprofServesProfilesOnItsOwnListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := servePprof(ln, slog.New(slog.DiscardHandler))
	defer hs.Close()
	res, err := http.Get("http://" + ln.Addr().String() + "/debug/pprof/goroutine?debug=1")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(b), "goroutine profile") {
		t.Fatalf("%d %.200s", res.StatusCode, b)
	}
}
