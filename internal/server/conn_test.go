package server_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/app"
)

// serveLimited serves rs's server on a listener of its own (so its
// connection counts start at zero), as jeeves does, and returns its
// address.
func serveLimited(t *testing.T, rs *routeStack) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := rs.app.HTTPServer(nil)
	go hs.Serve(rs.app.Listener(ln))
	t.Cleanup(func() { hs.Close() })
	return ln.Addr().String()
}

// dialFrom opens a TCP connection to addr from the loopback address from.
func dialFrom(t *testing.T, from, addr string) net.Conn {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 10 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// get sends a keep-alive GET on c and reads the answer.
func get(t *testing.T, c net.Conn, br *bufio.Reader, path string) *http.Response {
	t.Helper()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: jeeves\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	res.Body = io.NopCloser(strings.NewReader(string(b)))
	return res
}

// held opens a connection from `from` and has one request answered on
// it, so the server has certainly counted it; the connection stays open.
func held(t *testing.T, from, addr string) {
	t.Helper()
	c := dialFrom(t, from, addr)
	if res := get(t, c, bufio.NewReader(c), "/whoAmI/api/json"); res.StatusCode != 200 {
		t.Fatalf("held connection from %s: %d", from, res.StatusCode)
	}
}

// TestConnectionsAreBounded: idle and slow connections are closed, and
// connections past the caps get a clear 503.
func TestConnectionsAreBounded(t *testing.T) {
	needLoopbackAddrs(t)
	rs := newRouteStackWith(t, stackOptions{config: func(c *app.Options) {
		c.IdleTimeout = 300 * time.Millisecond
		c.BodyTimeout = 500 * time.Millisecond
		c.MaxConns = 6
		c.MaxConnsPerAddr = 2
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.9/32")}
	}})

	t.Run("an idle keep-alive connection is closed after the idle timeout", func(t *testing.T) {
		addr := serveLimited(t, rs)
		c := dialFrom(t, "127.0.0.2", addr)
		br := bufio.NewReader(c)
		if res := get(t, c, br, "/whoAmI/api/json"); res.StatusCode != 200 || res.Close {
			t.Fatalf("%d close=%v", res.StatusCode, res.Close)
		}
		c.SetReadDeadline(time.Now().Add(30 * time.Second))
		if _, err := br.ReadByte(); err != io.EOF {
			t.Fatalf("read on the idle connection: %v, want EOF (closed by the server)", err)
		}
	})

	t.Run("a trickled body is cut with 408", func(t *testing.T) {
		if r := rs.raw(t, "POST", "createItem?name=slow", shellXML, basic("admin", rs.adminToken)); r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if r := rs.raw(t, "POST", "job/slow/description", "description=before", basic("admin", rs.adminToken)); r.status >= 400 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		addr := serveLimited(t, rs)
		c := dialFrom(t, "127.0.0.3", addr)
		const size = 10000
		head := "POST /job/slow/description HTTP/1.1\r\nHost: jeeves\r\nAuthorization: " + basic("admin", rs.adminToken)["Authorization"] +
			"\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: " + strconv.Itoa(size) + "\r\n\r\ndescription="
		if _, err := io.WriteString(c, head); err != nil {
			t.Fatal(err)
		}
		// One byte every 20 ms: the whole body would take 200 s.
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			tick := time.NewTicker(20 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
					if _, err := c.Write([]byte("x")); err != nil {
						return
					}
				}
			}
		}()
		c.SetReadDeadline(time.Now().Add(30 * time.Second))
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("no answer to the trickled body: %v", err)
		}
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusRequestTimeout || !strings.Contains(string(b), "did not arrive within") {
			t.Fatalf("%d %s", res.StatusCode, b)
		}
		if d := rs.raw(t, "GET", "job/slow/description", "", basic("admin", rs.adminToken)); d.body != "before" {
			t.Fatalf("the cut body was stored: %q", d.body)
		}
	})

	t.Run("a normal upload is not cut", func(t *testing.T) {
		// A megabyte of shell step: a config.xml as large as the body
		// limit allows, not a field with a smaller bound of its own.
		big := "<project><builders><hudson.tasks.Shell><command>" + strings.Repeat("a", 1<<20) + "</command></hudson.tasks.Shell></builders></project>"
		if r := rs.raw(t, "POST", "job/slow/config.xml", big, basic("admin", rs.adminToken)); r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
	})

	t.Run("connections past the total cap get 503 with Retry-After and the reason", func(t *testing.T) {
		addr := serveLimited(t, rs)
		for i := 0; i < 6; i++ {
			held(t, "127.0.0."+strconv.Itoa(20+i), addr)
		}
		c := dialFrom(t, "127.0.0.30", addr)
		res := get(t, c, bufio.NewReader(c), "/whoAmI/api/json")
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 503 || res.Header.Get("Retry-After") == "" || !strings.Contains(string(b), "too many open connections") {
			t.Fatalf("%d Retry-After=%q %s", res.StatusCode, res.Header.Get("Retry-After"), b)
		}
	})

	t.Run("connections past the per-address cap get 503, other addresses do not", func(t *testing.T) {
		addr := serveLimited(t, rs)
		held(t, "127.0.0.40", addr)
		held(t, "127.0.0.40", addr)
		c := dialFrom(t, "127.0.0.40", addr)
		res := get(t, c, bufio.NewReader(c), "/whoAmI/api/json")
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 503 || res.Header.Get("Retry-After") == "" || !strings.Contains(string(b), "from 127.0.0.40") {
			t.Fatalf("%d %s", res.StatusCode, b)
		}
		held(t, "127.0.0.41", addr)
	})

	t.Run("a trusted proxy is not held to the per-address cap", func(t *testing.T) {
		addr := serveLimited(t, rs)
		for i := 0; i < 4; i++ {
			held(t, "127.0.0.9", addr)
		}
	})

	t.Run("a closed connection gives its place back", func(t *testing.T) {
		addr := serveLimited(t, rs)
		held(t, "127.0.0.50", addr)
		c := dialFrom(t, "127.0.0.50", addr)
		if res := get(t, c, bufio.NewReader(c), "/whoAmI/api/json"); res.StatusCode != 200 {
			t.Fatalf("%d", res.StatusCode)
		}
		c.Close()
		// The server notices the close when it next reads; poll until the
		// place is free.
		deadline := time.Now().Add(10 * time.Second)
		for {
			c := dialFrom(t, "127.0.0.50", addr)
			res := get(t, c, bufio.NewReader(c), "/whoAmI/api/json")
			c.Close()
			if res.StatusCode == 200 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the place was never given back: %d", res.StatusCode)
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}
