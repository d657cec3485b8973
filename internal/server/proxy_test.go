package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/app"
	"github.com/jeeves-ci/jeeves/internal/audit"
	"github.com/jeeves-ci/jeeves/internal/auth"
)

// needLoopbackAddrs skips a test that sends from 127.0.0.2 and up (Linux
// routes all of 127/8 to the loopback; other systems may not).
func needLoopbackAddrs(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("cannot use 127.0.0.2: %v", err)
		}
		t.Skipf("this test sends from several loopback addresses (127.0.0.2, …), which this system does not route: %v", err)
	}
	ln.Close()
}

// rawFrom is raw sent from the loopback address from, on a connection of
// its own.
func (rs *routeStack) rawFrom(t *testing.T, from, method, path, body string, header map[string]string, cookies ...*http.Cookie) rawResp {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
	c := &http.Client{
		Transport:     &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true},
		CheckRedirect: noRedirect.CheckRedirect, Timeout: 30 * time.Second,
	}
	return rs.rawWith(t, c, method, path, body, header, cookies...)
}

// auditEntries are the audit log's entries for user (newest first).
func (rs *routeStack) auditEntries(t *testing.T, user string) []audit.Entry {
	t.Helper()
	e, _, err := rs.audit.Find(audit.Query{User: user, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// xff is an X-Forwarded-For header.
func xff(v string) map[string]string { return map[string]string{"X-Forwarded-For": v} }

func trustLoopback(cfg *app.Options) {
	cfg.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("10.0.0.0/8")}
}

// TestForwardedHeadersNeedATrustedProxy: X-Forwarded-* are believed only
// from a configured proxy; then the client's address is the one the
// throttle and the audit log use.
func TestForwardedHeadersNeedATrustedProxy(t *testing.T) {
	direct := newRouteStack(t)
	proxied := newRouteStackWith(t, stackOptions{config: trustLoopback})
	rootURL := func(rs *routeStack, h map[string]string) string {
		r := rs.raw(t, "GET", "view/all/api/json?tree=url", "", merge(basic("admin", rs.adminToken), h))
		var v struct{ URL string }
		if err := json.Unmarshal([]byte(r.body), &v); err != nil || r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		return v.URL
	}
	failureAddr := func(rs *routeStack, user string, h map[string]string) string {
		r := rs.raw(t, "GET", "api/json", "", merge(basic(user, "wrong"), h))
		if r.status != 401 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		e := rs.auditEntries(t, user)
		if len(e) != 1 || e[0].Action != "auth.failure" {
			t.Fatalf("audit entries for %s: %+v", user, e)
		}
		return e[0].Addr
	}
	spoof := map[string]string{"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Host": "attacker.example", "X-Forwarded-Proto": "https"}

	t.Run("without trusted proxies X-Forwarded-For is ignored", func(t *testing.T) {
		if got := failureAddr(direct, "mallory1", spoof); got != "127.0.0.1" {
			t.Fatalf("audited from %q, want the peer 127.0.0.1", got)
		}
	})
	t.Run("without trusted proxies X-Forwarded-Host and -Proto do not change links", func(t *testing.T) {
		if got := rootURL(direct, spoof); got != direct.url {
			t.Fatalf("root URL %q, want %q", got, direct.url)
		}
	})
	t.Run("through a trusted proxy the client's address is audited", func(t *testing.T) {
		// The client wrote the first entry itself; the proxy appended
		// the address it saw.
		if got := failureAddr(proxied, "mallory2", xff("198.51.100.1, 203.0.113.7")); got != "203.0.113.7" {
			t.Fatalf("audited from %q, want 203.0.113.7", got)
		}
	})
	t.Run("a chain of trusted proxies is walked from the right", func(t *testing.T) {
		if got := failureAddr(proxied, "mallory3", xff("198.51.100.1, 203.0.113.8, 10.1.2.3")); got != "203.0.113.8" {
			t.Fatalf("audited from %q, want 203.0.113.8", got)
		}
	})
	t.Run("through a trusted proxy links follow X-Forwarded-Host and -Proto", func(t *testing.T) {
		h := map[string]string{"X-Forwarded-Host": "ci.example.com", "X-Forwarded-Proto": "https"}
		if got := rootURL(proxied, h); got != "https://ci.example.com/" {
			t.Fatalf("root URL %q", got)
		}
	})
	t.Run("through a trusted proxy the throttle counts each client apart", func(t *testing.T) {
		for i := 0; i < auth.DefaultThrottle.UserFailures+1; i++ {
			proxied.raw(t, "GET", "api/json", "", merge(basic("bob", "wrong"), xff("203.0.113.20")))
		}
		if r := proxied.raw(t, "GET", "api/json", "", merge(basic("bob", "bob-pw"), xff("203.0.113.20"))); r.status != 429 || r.header.Get("Retry-After") == "" {
			t.Fatalf("the guessing client: %d, want 429 with Retry-After", r.status)
		}
		if r := proxied.raw(t, "GET", "api/json", "", merge(basic("bob", "bob-pw"), xff("198.51.100.30"))); r.status != 200 {
			t.Fatalf("another client: %d %s", r.status, r.body)
		}
	})
}

// TestOneGuesserBehindAProxyLocksNobodyElseOut: a client guessing alice's
// password (and spraying other names) through the proxy everyone uses
// does not stop bob signing in.
func TestOneGuesserBehindAProxyLocksNobodyElseOut(t *testing.T) {
	for _, c := range []struct {
		name    string
		opt     stackOptions
		earlier bool // bob signed in before, from where he signs in now
	}{
		{"through a trusted proxy, bob signing in for the first time", stackOptions{config: trustLoopback}, false},
		{"through a proxy not configured as trusted, bob who signed in there before", stackOptions{}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			rs := newRouteStackWith(t, c.opt)
			if _, err := rs.au.CreateUser(context.Background(), "alice", "alice-pw", "", "", false); err != nil {
				t.Fatal(err)
			}
			guesser, bob := xff("203.0.113.66"), xff("198.51.100.7")
			if c.earlier {
				if r := rs.raw(t, "GET", "api/json", "", merge(basic("bob", "bob-pw"), bob)); r.status != 200 {
					t.Fatalf("bob's earlier login: %d", r.status)
				}
			}
			for i := 0; i < 30; i++ {
				rs.raw(t, "GET", "api/json", "", merge(basic("alice", "guess"+strconv.Itoa(i)), guesser))
				rs.raw(t, "GET", "api/json", "", merge(basic("user"+strconv.Itoa(i), "guess"), guesser))
			}
			if r := rs.raw(t, "GET", "api/json", "", merge(basic("alice", "alice-pw"), guesser)); r.status != 429 {
				t.Fatalf("the guesser is not throttled: %d", r.status)
			}
			r := rs.raw(t, "POST", "j_spring_security_check", "j_username=bob&j_password=bob-pw", bob)
			if r.status != http.StatusFound || strings.Contains(r.header.Get("Location"), "loginError") {
				t.Fatalf("bob's login: %d %s %s", r.status, r.header.Get("Location"), r.body)
			}
		})
	}
}

// TestGuessingOneAccountFromManyAddressesIsThrottled: 200 guesses at
// alice from 40 addresses (5 each, within every per-address allowance)
// end in 429 with Retry-After; alice still signs in where she did before,
// and her API token works everywhere.
func TestGuessingOneAccountFromManyAddressesIsThrottled(t *testing.T) {
	needLoopbackAddrs(t)
	policy := auth.DefaultThrottle
	policy.Base = time.Minute // every wait outlasts the test
	rs := newRouteStackWith(t, stackOptions{throttle: &policy})
	ctx := context.Background()
	if _, err := rs.au.CreateUser(ctx, "alice", "alice-pw", "", "", false); err != nil {
		t.Fatal(err)
	}
	token, _, err := rs.au.GenerateToken(ctx, "alice", "ci", auth.TokenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r := rs.rawFrom(t, "127.0.0.1", "GET", "api/json", "", basic("alice", "alice-pw")); r.status != 200 {
		t.Fatalf("alice's usual login: %d", r.status)
	}
	t.Run("200 guesses from 40 addresses get 429 with Retry-After", func(t *testing.T) {
		refused := 0
		for a := 0; a < 40; a++ {
			from := fmt.Sprintf("127.0.0.%d", 10+a)
			for i := 0; i < 5; i++ {
				r := rs.rawFrom(t, from, "GET", "api/json", "", basic("alice", fmt.Sprintf("guess-%d-%d", a, i)))
				switch r.status {
				case 401:
				case 429:
					if s, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || s < 1 {
						t.Fatalf("429 with Retry-After %q", r.header.Get("Retry-After"))
					}
					refused++
				default:
					t.Fatalf("guess from %s: %d %s", from, r.status, r.body)
				}
			}
		}
		if refused < 100 {
			t.Fatalf("only %d of 200 guesses were refused", refused)
		}
	})
	t.Run("the right password from a new address waits too", func(t *testing.T) {
		if r := rs.rawFrom(t, "127.0.0.60", "GET", "api/json", "", basic("alice", "alice-pw")); r.status != 429 || r.header.Get("Retry-After") == "" {
			t.Fatalf("%d", r.status)
		}
	})
	t.Run("alice signs in where she did before", func(t *testing.T) {
		if r := rs.rawFrom(t, "127.0.0.1", "GET", "api/json", "", basic("alice", "alice-pw")); r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
	})
	t.Run("her API token works from anywhere", func(t *testing.T) {
		if r := rs.rawFrom(t, "127.0.0.60", "GET", "api/json", "", basic("alice", token)); r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
	})
	t.Run("the failures are audited by address", func(t *testing.T) {
		// Refused anonymous requests are logged one by one up to 100 a
		// minute, the rest counted in audit.suppressed entries written
		// when the minute ends or the log closes (see the audit
		// package): between them, every address is named.
		if err := rs.audit.Close(); err != nil {
			t.Fatal(err)
		}
		reread, err := audit.Open(filepath.Join(rs.home, "audit"), audit.Policy{})
		if err != nil {
			t.Fatal(err)
		}
		defer reread.Close()
		entries, _, err := reread.Find(audit.Query{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		addrs := map[string]bool{}
		for _, e := range entries {
			if e.Action == "auth.failure" && e.User == "alice" || e.Action == "audit.suppressed" {
				addrs[e.Addr] = true
			}
		}
		if len(addrs) < 40 {
			t.Fatalf("failures audited from %d addresses", len(addrs))
		}
	})
}

// TestPasswordChangeIsThrottledAndAudited: the Security page's password
// form checks the current password as a login does.
func TestPasswordChangeIsThrottledAndAudited(t *testing.T) {
	rs := newRouteStack(t)
	if _, err := rs.au.CreateUser(context.Background(), "alice", "alice-pw", "", "", false); err != nil {
		t.Fatal(err)
	}
	login := rs.raw(t, "POST", "j_spring_security_check", "j_username=alice&j_password=alice-pw", nil)
	var session *http.Cookie
	for _, ck := range login.cookies {
		if ck.Name == rs.au.CookieName() {
			session = ck
		}
	}
	if session == nil {
		t.Fatalf("no session: %d %s", login.status, login.body)
	}
	r := rs.raw(t, "GET", "crumbIssuer/api/json", "", nil, session)
	var cr struct{ Crumb string }
	if err := json.Unmarshal([]byte(r.body), &cr); err != nil {
		t.Fatal(err)
	}
	change := func(current string) rawResp {
		return rs.raw(t, "POST", "me/security/password", "current="+current+"&password1=new-pw&password2=new-pw",
			map[string]string{"Jenkins-Crumb": cr.Crumb}, session)
	}
	t.Run("wrong current passwords get 400, then 429 with Retry-After", func(t *testing.T) {
		var got []int
		for i := 0; i < 10; i++ {
			r := change("wrong" + strconv.Itoa(i))
			got = append(got, r.status)
			if r.status == 429 && r.header.Get("Retry-After") == "" {
				t.Fatal("429 without Retry-After")
			}
		}
		free := auth.DefaultThrottle.UserFailures + 1
		for i, s := range got {
			if want := map[bool]int{true: 400, false: 429}[i < free]; s != want {
				t.Fatalf("statuses %v: attempt %d got %d, want %d", got, i+1, s, want)
			}
		}
	})
	t.Run("the right one waits too", func(t *testing.T) {
		if r := change("alice-pw"); r.status != 429 {
			t.Fatalf("%d", r.status)
		}
	})
	t.Run("each failure and refusal is audited", func(t *testing.T) {
		n := 0
		for _, e := range rs.auditEntries(t, "alice") {
			if e.Action == "auth.failure" && strings.HasPrefix(e.Detail, "password change: ") && e.Addr == "127.0.0.1" {
				n++
			}
		}
		if n != 11 {
			t.Fatalf("%d audited failures, want 11", n)
		}
	})
}

// TestRemoteTriggerCauseNamesTheClient: "Started by remote host" names
// the client's address through a trusted proxy, and the peer otherwise.
func TestRemoteTriggerCauseNamesTheClient(t *testing.T) {
	for _, c := range []struct {
		name string
		opt  stackOptions
		want string
	}{
		{"through a trusted proxy, the client", stackOptions{config: trustLoopback}, "Started by remote host 203.0.113.5"},
		{"without trusted proxies, the peer", stackOptions{}, "Started by remote host 127.0.0.1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			rs := newRouteStackWith(t, c.opt)
			job := `<project><authToken>s3cret</authToken><builders/></project>`
			if r := rs.raw(t, "POST", "createItem?name=remote", job, basic("admin", rs.adminToken)); r.status != 200 {
				t.Fatalf("%d %s", r.status, r.body)
			}
			// bob may read the job but not build it: the token stands in.
			r := rs.raw(t, "GET", "job/remote/build?token=s3cret&delay=3600sec", "", merge(basic("bob", "bob-pw"), xff("203.0.113.5")))
			if r.status != 201 {
				t.Fatalf("%d %s", r.status, r.body)
			}
			loc := strings.TrimPrefix(r.header.Get("Location"), rs.url)
			item := rs.raw(t, "GET", loc+"api/json", "", basic("admin", rs.adminToken))
			if !strings.Contains(item.body, `"shortDescription":"`+c.want+`"`) {
				t.Fatalf("%s", item.body)
			}
		})
	}
}
