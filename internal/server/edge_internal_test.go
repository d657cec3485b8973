package server

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestCrossSite(t *testing.T) {
	check := http.NewCrossOriginProtection()
	const root = "https://ci.example.com/"
	for _, c := range []struct {
		name   string
		host   string
		header map[string]string
		cross  bool
	}{
		{"a script sending neither header is not refused", "ci.example.com", nil, false},
		{"a same-origin fetch is not refused", "ci.example.com", map[string]string{"Sec-Fetch-Site": "same-origin"}, false},
		{"a navigation the user typed is not refused", "ci.example.com", map[string]string{"Sec-Fetch-Site": "none"}, false},
		{"a cross-site fetch is refused", "ci.example.com", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}, true},
		{"a same-site but other-origin fetch is refused", "ci.example.com", map[string]string{"Sec-Fetch-Site": "same-site", "Origin": "https://other.example.com"}, true},
		{"a cross-site fetch naming the root URL as its origin is still refused", "ci.example.com", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://ci.example.com"}, true},
		{"an old browser's Origin equal to the Host is not refused", "ci.example.com", map[string]string{"Origin": "https://ci.example.com"}, false},
		{"an old browser's Origin equal to the root URL behind a proxy that rewrites Host is not refused", "10.0.0.5:8080", map[string]string{"Origin": "https://ci.example.com"}, false},
		{"an old browser's Origin is compared without case", "10.0.0.5:8080", map[string]string{"Origin": "HTTPS://CI.EXAMPLE.COM"}, false},
		{"an old browser's other Origin is refused", "ci.example.com", map[string]string{"Origin": "https://evil.example"}, true},
		{"an Origin that only starts like the root URL is refused", "10.0.0.5:8080", map[string]string{"Origin": "https://ci.example.com.evil.example"}, true},
		{"an Origin of null is refused", "ci.example.com", map[string]string{"Origin": "null"}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "http://"+c.host+"/job/x/build", nil)
			for k, v := range c.header {
				r.Header.Set(k, v)
			}
			if got := crossSite(check, r, root); got != c.cross {
				t.Fatalf("crossSite = %v, want %v", got, c.cross)
			}
		})
	}
}

func TestRootURL(t *testing.T) {
	proxies := trustedProxies{netip.MustParsePrefix("10.0.0.0/8")}
	for _, c := range []struct {
		name       string
		configured string
		peer       string
		host       string
		tls        bool
		header     map[string]string
		want       string
	}{
		{"the configured root URL wins over everything", "https://ci.example.com", "10.0.0.1:1234", "x", false,
			map[string]string{"X-Forwarded-Host": "y.example"}, "https://ci.example.com/"},
		{"the configured root URL keeps one trailing slash", "https://ci.example.com/jenkins/", "10.0.0.1:1234", "x", false, nil, "https://ci.example.com/jenkins/"},
		{"without one, the Host the client used", "", "192.0.2.1:1234", "jeeves:8080", false, nil, "http://jeeves:8080/"},
		{"over TLS, https", "", "192.0.2.1:1234", "jeeves", true, nil, "https://jeeves/"},
		{"no Host is localhost", "", "192.0.2.1:1234", "", false, nil, "http://localhost/"},
		{"X-Forwarded-* from a client that is no proxy are ignored", "", "192.0.2.1:1234", "jeeves:8080", false,
			map[string]string{"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https", "X-Forwarded-Port": "443"}, "http://jeeves:8080/"},
		{"from a trusted proxy, its host and scheme", "", "10.0.0.1:1234", "backend:8080", false,
			map[string]string{"X-Forwarded-Host": "ci.example.com", "X-Forwarded-Proto": "https"}, "https://ci.example.com/"},
		{"from a trusted proxy, the first of several hosts", "", "10.0.0.1:1234", "backend", false,
			map[string]string{"X-Forwarded-Host": "ci.example.com, inner.example"}, "http://ci.example.com/"},
		{"from a trusted proxy, its port unless it is the scheme's", "", "10.0.0.1:1234", "backend", false,
			map[string]string{"X-Forwarded-Host": "ci.example.com", "X-Forwarded-Proto": "https", "X-Forwarded-Port": "8443"}, "https://ci.example.com:8443/"},
		{"from a trusted proxy, the scheme's own port is left out", "", "10.0.0.1:1234", "backend", false,
			map[string]string{"X-Forwarded-Host": "ci.example.com", "X-Forwarded-Proto": "https", "X-Forwarded-Port": "443"}, "https://ci.example.com/"},
		{"from a trusted proxy, a port that is no number is ignored", "", "10.0.0.1:1234", "backend", false,
			map[string]string{"X-Forwarded-Host": "ci.example.com", "X-Forwarded-Port": "x"}, "http://ci.example.com/"},
		{"from a trusted proxy, a host with a port keeps it", "", "10.0.0.1:1234", "backend", false,
			map[string]string{"X-Forwarded-Host": "ci.example.com:9000", "X-Forwarded-Port": "8443"}, "http://ci.example.com:9000/"},
		{"from a trusted proxy, a scheme other than http or https is ignored", "", "10.0.0.1:1234", "backend", false,
			map[string]string{"X-Forwarded-Proto": "javascript"}, "http://backend/"},
		{"an IPv4-mapped IPv6 peer is the IPv4 proxy", "", "[::ffff:10.0.0.1]:1234", "backend", false,
			map[string]string{"X-Forwarded-Proto": "https"}, "https://backend/"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr, r.Host = c.peer, c.host
			if c.tls {
				r.TLS = &tls.ConnectionState{}
			}
			for k, v := range c.header {
				r.Header.Set(k, v)
			}
			if got := rootURL(c.configured, r, proxies); got != c.want {
				t.Fatalf("rootURL = %q, want %q", got, c.want)
			}
		})
	}
}
