package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/audit"
	"github.com/jeeves-ci/jeeves/internal/auth"
)

// TestTheAuditNamesWhoSignedInAndWhichToken: a successful sign-in is
// recorded as the user who signed in (not as the anonymous caller the
// form came from), a token's use by the token's name, and the audit
// page names a token by its name with its UUID beside it, also once it
// is revoked.
func TestTheAuditNamesWhoSignedInAndWhichToken(t *testing.T) {
	rs := newRouteStack(t)
	find := func(t *testing.T, q audit.Query) []audit.Entry {
		t.Helper()
		q.Limit = 1000
		got, _, err := rs.audit.Find(q)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}

	t.Run("a sign-in through the form is recorded as the user who signed in", func(t *testing.T) {
		res := rs.raw(t, "POST", "j_spring_security_check", url.Values{"j_username": {"bob"}, "j_password": {"bob-pw"}}.Encode(), nil)
		if res.status != http.StatusFound {
			t.Fatalf("sign-in: %d %s", res.status, res.body)
		}
		var anon, bob int
		for _, e := range find(t, audit.Query{Action: "POST /j_spring_security_check"}) {
			switch e.User {
			case "anonymous":
				anon++
			case "bob":
				bob++
				if e.Auth != "password" {
					t.Errorf("bob's sign-in recorded as authenticated by %q, want password", e.Auth)
				}
			}
		}
		if bob != 1 || anon != 0 {
			t.Fatalf("sign-ins recorded: %d as bob, %d as anonymous; want bob's once and none as anonymous", bob, anon)
		}
	})

	t.Run("a failed sign-in stays anonymous", func(t *testing.T) {
		rs.raw(t, "POST", "j_spring_security_check", url.Values{"j_username": {"carol"}, "j_password": {"wrong"}}.Encode(), nil)
		for _, e := range find(t, audit.Query{Action: "POST /j_spring_security_check"}) {
			if e.User == "carol" {
				t.Fatalf("a failed sign-in was recorded as carol: %+v", e)
			}
		}
	})

	value, tok, err := rs.au.GenerateToken(context.Background(), "admin", "deploy-bot", auth.TokenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("a token's use is recorded with the token's name", func(t *testing.T) {
		if r := rs.raw(t, "GET", "api/json", "", basic("admin", value)); r.status != 200 {
			t.Fatal(r.status)
		}
		for _, e := range find(t, audit.Query{User: "admin"}) {
			if e.TokenUUID == tok.UUID {
				if e.TokenName != "deploy-bot" {
					t.Fatalf("token entry named %q, want deploy-bot", e.TokenName)
				}
				return
			}
		}
		t.Fatal("no entry of the token's use")
	})

	page := func(t *testing.T) string {
		t.Helper()
		r := rs.raw(t, "GET", "manage/audit/?user=admin", "", map[string]string{"Accept": "text/html"}, rs.session)
		if r.status != 200 {
			t.Fatalf("audit page: %d %s", r.status, r.body)
		}
		return r.body
	}
	t.Run("the audit page names the token, its UUID on hover", func(t *testing.T) {
		body := page(t)
		if !strings.Contains(body, `title="Token UUID `+tok.UUID+`">‘deploy-bot’`) {
			t.Fatalf("the audit page does not name the token:\n%s", body)
		}
	})

	t.Run("an entry recorded without a name is named by the token's current name, or as revoked", func(t *testing.T) {
		if err := rs.audit.Add(audit.Entry{User: "admin", Auth: "token", TokenUUID: tok.UUID, Action: "GET /old", Status: 200}); err != nil {
			t.Fatal(err)
		}
		if err := rs.audit.Add(audit.Entry{User: "admin", Auth: "token", TokenUUID: "00000000-gone", Action: "GET /older", Status: 200}); err != nil {
			t.Fatal(err)
		}
		body := page(t)
		if strings.Count(body, `‘deploy-bot’`) < 2 {
			t.Errorf("the old entry of a live token is not named by its name:\n%s", body)
		}
		if !strings.Contains(body, `title="Token UUID 00000000-gone">‘a revoked token’`) {
			t.Errorf("a token that is gone is not said to be revoked:\n%s", body)
		}
	})
}
