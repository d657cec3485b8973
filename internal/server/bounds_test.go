package server

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// distinctNames is "n0,n1,…" with n names.
func distinctNames(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("n" + strconv.Itoa(i))
	}
	return b.String()
}

// TestTreeQueriesAreBounded: the public whoAmI answers a tree= beyond the
// parser's bounds with a 400 naming the bound, without parsing it (the
// parse cost itself is bounded by internal/export's tests and benchmark).
func TestTreeQueriesAreBounded(t *testing.T) {
	rs := newRouteStack(t)
	cases := []struct {
		name, tree string
		status     int
		msg        string
	}{
		{"a 636 KB tree of 160,000 names is refused", strings.Repeat("abc,", 159000) + "abc", 400, "expected at most 16384 bytes"},
		{"a 130 KB tree of 20,000 distinct names is refused", distinctNames(20000), 400, "expected at most 16384 bytes"},
		{"a tree of 3,000 short names is refused", strings.Repeat("a,", 2999) + "a", 400, "expected at most 2048 names"},
		{"Backstage's tree is answered", "jobs[actions[*],lastBuild[number,url,actions[*[*[*[*]]]]],jobs{0,1},url,name]{0,50}", 200, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := rs.raw(t, "GET", "whoAmI/api/json?tree="+url.QueryEscape(c.tree), "", nil)
			if res.status != c.status || !strings.Contains(res.body, c.msg) {
				t.Fatalf("got %d %.300s, want %d %q", res.status, res.body, c.status, c.msg)
			}
		})
	}
}
