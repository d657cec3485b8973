package server_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// TestTheBuiltInNodeHasOneSetOfNames: every name the built-in node is
// reached by under /computer/ is one no agent may take, and the other
// way round; its labels list it under /label/.
func TestTheBuiltInNodeHasOneSetOfNames(t *testing.T) {
	rs := newRouteStack(t)
	token := basic("admin", rs.adminToken)
	for _, name := range []string{"(built-in)", "(master)", "built-in", "master", "Built-In Node", "BUILT-IN"} {
		t.Run("/computer/"+name+"/ is the built-in node", func(t *testing.T) {
			r := rs.raw(t, "GET", "computer/"+url.PathEscape(name)+"/api/json", "", token)
			var got struct{ DisplayName string }
			if r.status != 200 || json.Unmarshal([]byte(r.body), &got) != nil || got.DisplayName != "Built-In Node" {
				t.Fatalf("%d %s", r.status, r.body)
			}
		})
		t.Run("no agent may be named "+name, func(t *testing.T) {
			r := rs.raw(t, "POST", "computer/doCreateItem?type=hudson.slaves.DumbSlave&name="+url.QueryEscape(name),
				`json={"nodeDescription":"","numExecutors":"1","remoteFS":"/tmp","labelString":"","mode":"NORMAL"}`, token)
			if r.status != 400 || !strings.Contains(r.header.Get("X-Error"), "built-in node") {
				t.Fatalf("%d %q", r.status, r.header.Get("X-Error"))
			}
		})
	}
	for _, label := range []string{"built-in", "master"} {
		t.Run("/label/"+label+"/ lists the built-in node", func(t *testing.T) {
			r := rs.raw(t, "GET", "label/"+label+"/api/json", "", token)
			var got struct {
				Nodes          []struct{ NodeName string }
				TotalExecutors int
			}
			if r.status != 200 || json.Unmarshal([]byte(r.body), &got) != nil || len(got.Nodes) != 1 || got.Nodes[0].NodeName != "" || got.TotalExecutors != 2 {
				t.Fatalf("%d %s", r.status, r.body)
			}
		})
	}
}
