package server_test

import (
	"strings"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/authz"
	"github.com/jeeves-ci/jeeves/internal/server"
)

// TestEveryConfigXMLIsCheckedTheSameWay drives the config.xml of a job,
// a view and an agent through the same requests: each takes XML and
// refuses, with the same answer and nothing changed, another media
// type, another charset, a body over the limit, a document its service
// cannot read, another method and a caller without the permission.
func TestEveryConfigXMLIsCheckedTheSameWay(t *testing.T) {
	rs := newRouteStack(t)
	kinds := []struct {
		name, route string
		doc         func(name, description string) string
		perm        string
	}{
		{"a job", "job/{job}/config.xml", func(_, d string) string {
			return `<project><description>` + d + `</description><builders/></project>`
		}, authz.ItemConfigure},
		{"a view", "view/{view}/config.xml", func(n, d string) string {
			return `<hudson.model.ListView><name>` + n + `</name><description>` + d + `</description><jobNames/></hudson.model.ListView>`
		}, authz.ViewConfigure},
		{"an agent", "computer/{node}/config.xml", func(n, d string) string {
			return `<slave><name>` + n + `</name><description>` + d + `</description><remoteFS>/tmp</remoteFS><numExecutors>1</numExecutors><mode>NORMAL</mode></slave>`
		}, authz.NodeConfigure},
	}
	token := basic("admin", rs.adminToken)
	with := func(h map[string]string, k, v string) map[string]string {
		out := map[string]string{k: v}
		for hk, hv := range h {
			out[hk] = hv
		}
		return out
	}
	for _, k := range kinds {
		p := rs.fixtures(t, k.route)
		name := strings.Split(p, "/")[1]
		stored := func(t *testing.T) string {
			t.Helper()
			r := rs.raw(t, "GET", p, "", token)
			if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "application/xml") {
				t.Fatalf("GET: %d %q %s", r.status, r.header.Get("Content-Type"), r.body)
			}
			return r.body
		}
		t.Run(k.name+"'s config.xml takes XML", func(t *testing.T) {
			if r := rs.raw(t, "POST", p, k.doc(name, "first"), token); r.status != 200 {
				t.Fatalf("%d %s", r.status, r.body)
			}
			if got := stored(t); !strings.Contains(got, "first") {
				t.Fatalf("not stored:\n%s", got)
			}
		})
		refusals := []struct {
			name, method, body string
			header             map[string]string
			status             int
			msg                string // in X-Error; "" when only some reason must be there
		}{
			{"text/plain", "POST", k.doc(name, "changed"), with(token, "Content-Type", "text/plain"), 400, "config.xml must be sent as application/xml with charset UTF-8"},
			{"XML in ISO-8859-1", "POST", k.doc(name, "changed"), with(token, "Content-Type", "application/xml; charset=ISO-8859-1"), 400, "config.xml must be sent as application/xml with charset UTF-8"},
			{"a body over the limit", "POST", k.doc(name, "changed"+strings.Repeat(" ", server.DefaultMaxBody)), token, 413, ""},
			{"a document that is not XML", "POST", "<not xml changed", token, 400, ""},
			{"PUT", "PUT", k.doc(name, "changed"), token, 400, "config.xml accepts GET and POST only"},
			{"a caller without the permission", "POST", k.doc(name, "changed"), with(basic("bob", "bob-pw"), "Jenkins-Crumb", rs.bobCrumb), 403, ""},
		}
		for _, f := range refusals {
			t.Run(k.name+"'s config.xml refuses "+f.name+", changing nothing", func(t *testing.T) {
				r := rs.raw(t, f.method, p, f.body, f.header)
				if r.status != f.status {
					t.Fatalf("%d, want %d: %s", r.status, f.status, r.body)
				}
				switch {
				case f.status == 400 && f.msg != "" && r.header.Get("X-Error") != f.msg:
					t.Fatalf("X-Error %q, want %q", r.header.Get("X-Error"), f.msg)
				case f.status == 400 && r.header.Get("X-Error") == "":
					t.Fatalf("no reason in X-Error: %s", r.body)
				case f.status == 403 && r.header.Get("X-Required-Permission") != k.perm:
					t.Fatalf("X-Required-Permission %q, want %q", r.header.Get("X-Required-Permission"), k.perm)
				}
				if got := stored(t); strings.Contains(got, "changed") || !strings.Contains(got, "first") {
					t.Fatalf("the stored config.xml changed:\n%s", got)
				}
			})
		}
	}
}
