package server

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
)

// ParseTrustedProxies reads a comma-separated list of IP addresses and
// CIDR ranges (the --trusted-proxies setting); "" is none.
func ParseTrustedProxies(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if strings.Contains(f, "/") {
			p, err := netip.ParsePrefix(f)
			if err != nil {
				return nil, fmt.Errorf("%q is not an IP address or CIDR range", f)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not an IP address or CIDR range", f)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// trustedProxies are the reverse proxies whose X-Forwarded-For, -Proto,
// -Host and -Port are believed.
type trustedProxies []netip.Prefix

// trusts reports whether addr is one of the proxies.
func (t trustedProxies) trusts(addr netip.Addr) bool {
	addr = addr.Unmap()
	for _, p := range t {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// peerAddr is the IP of the connection's other end.
func peerAddr(r *http.Request) (netip.Addr, bool) {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}, false
	}
	return ap.Addr().Unmap(), true
}

// clientAddr is the address a request is throttled and audited under,
// and whether it came through a trusted proxy. It is the peer's IP; when
// the peer is a trusted proxy, X-Forwarded-For is walked from the right,
// past further trusted proxies, and the first address that is not one is
// the client (every proxy appends the address it saw, so only the part
// the trusted proxies wrote can be believed; what is left of it the
// client may have made up). Without trusted proxies X-Forwarded-For is
// never read.
func (t trustedProxies) clientAddr(r *http.Request) (addr string, proxied bool) {
	peer, ok := peerAddr(r)
	if !ok {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			return r.RemoteAddr, false
		}
		return host, false
	}
	if !t.trusts(peer) {
		return peer.String(), false
	}
	client := peer
	hops := r.Header.Values("X-Forwarded-For")
	for i := len(hops) - 1; i >= 0; i-- {
		list := strings.Split(hops[i], ",")
		for j := len(list) - 1; j >= 0; j-- {
			a, ok := parseHop(list[j])
			if !ok {
				// Not an address a proxy wrote: the one before it,
				// a trusted proxy, is as far as can be believed.
				return client.String(), true
			}
			client = a
			if !t.trusts(a) {
				return client.String(), true
			}
		}
	}
	return client.String(), true
}

// parseHop reads one X-Forwarded-For entry: an IP, maybe with a port or
// IPv6 brackets.
func parseHop(h string) (netip.Addr, bool) {
	h = strings.TrimSpace(h)
	if a, err := netip.ParseAddr(h); err == nil {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(h); err == nil {
		return ap.Addr().Unmap(), true
	}
	if a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")); err == nil {
		return a.Unmap(), true
	}
	return netip.Addr{}, false
}

// rootURL is the configured root URL (configured, "" when none), else
// the one the client used, always ending in "/". X-Forwarded-Proto, -Host and -Port are honoured
// (as Jenkins does) only from a trusted proxy: anyone else could make
// jeeves's links, redirects and its idea of its own origin point
// elsewhere. A URL made from a request only ever goes back to that
// request's client; builds get the configured one (see executor.Config).
func rootURL(configured string, r *http.Request, proxies trustedProxies) string {
	if root := configured; root != "" {
		return strings.TrimSuffix(root, "/") + "/"
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := r.Host
	if peer, ok := peerAddr(r); ok && proxies.trusts(peer) {
		if p := r.Header.Get("X-Forwarded-Proto"); p == "http" || p == "https" {
			scheme = p
		}
		if fh := r.Header.Get("X-Forwarded-Host"); fh != "" {
			host, _, _ = strings.Cut(fh, ",")
			host = strings.TrimSpace(host)
			if fp := r.Header.Get("X-Forwarded-Port"); fp != "" && !strings.Contains(host, ":") {
				if _, err := strconv.Atoi(fp); err == nil && !(scheme == "http" && fp == "80" || scheme == "https" && fp == "443") {
					host += ":" + fp
				}
			}
		}
	}
	if host == "" {
		host = "localhost"
	}
	return scheme + "://" + host + "/"
}
