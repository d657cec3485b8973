package cli

import (
	"net"
	"testing"
)

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
