package server_test

import (
	"net/url"
	"strings"
	"testing"
)

// TestAJobsMatrixHoldsOnlyItemPermissions: an item's
// AuthorizationMatrixProperty may grant only item permissions (Job/…,
// Run/…, SCM/…, Credentials/…), as matrix-auth applies it; one that
// names an Overall or generic permission is refused whole.
func TestAJobsMatrixHoldsOnlyItemPermissions(t *testing.T) {
	rs := newRouteStack(t)
	matrix := func(perms ...string) string {
		var b strings.Builder
		b.WriteString("<project><properties><hudson.security.AuthorizationMatrixProperty>")
		for _, p := range perms {
			b.WriteString("<permission>USER:" + p + ":bob</permission>")
		}
		b.WriteString("</hudson.security.AuthorizationMatrixProperty></properties></project>")
		return b.String()
	}
	rs.adminDo(t, "POST", "createItem?name=m", shellXML)
	cases := []struct {
		name string
		perm string
		want int
	}{
		{"Overall/Administer is refused", "hudson.model.Hudson.Administer", 400},
		{"Overall/Read is refused", "hudson.model.Hudson.Read", 400},
		{"Permission/GenericWrite is refused", "hudson.security.Permission.GenericWrite", 400},
		{"Permission/GenericRead is refused", "hudson.security.Permission.GenericRead", 400},
		{"View/Configure is refused", "hudson.model.View.Configure", 400},
		{"Job/Configure is kept", "hudson.model.Item.Configure", 200},
	}
	for _, tc := range cases {
		t.Run(tc.name+" in config.xml", func(t *testing.T) {
			res := rs.raw(t, "POST", "job/m/config.xml", matrix(tc.perm), basic("admin", rs.adminToken))
			if res.status != tc.want {
				t.Fatalf("%d, want %d\n%s", res.status, tc.want, res.body)
			}
			if tc.want == 400 && !strings.Contains(res.header.Get("X-Error"), "can only be granted globally") {
				t.Errorf("X-Error %q", res.header.Get("X-Error"))
			}
		})
		t.Run(tc.name+" in createItem", func(t *testing.T) {
			name := "m-" + url.PathEscape(strings.ReplaceAll(tc.perm, ".", "-"))
			res := rs.raw(t, "POST", "createItem?name="+name, matrix(tc.perm), basic("admin", rs.adminToken))
			if res.status != tc.want || tc.want == 400 && rs.jobExists(name) {
				t.Fatalf("%d, want %d (created: %v)\n%s", res.status, tc.want, rs.jobExists(name), res.body)
			}
		})
	}
	t.Run("bob holds Job/Configure on m from m's matrix, and nothing overall", func(t *testing.T) {
		h := withCrumb(basic("bob", "bob-pw"), rs.bobCrumb)
		if res := rs.raw(t, "POST", "job/m/description?description=bob", "", h); res.status != 302 {
			t.Fatalf("description: %d %s", res.status, res.body)
		}
		if res := rs.raw(t, "GET", "manage/audit/api/json", "", h); res.status != 403 {
			t.Fatalf("audit: %d %s", res.status, res.body)
		}
	})
}
