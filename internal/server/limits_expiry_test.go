package server_test

import (
	"strings"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/auth"
)

// TestAnExpiringTokenCannotMakeATokenThatOutlivesIt: a token that
// expires may make and rotate tokens only if they expire no later; a
// longer or endless one is refused with a 400 that says why, and nothing
// is stored.
func TestAnExpiringTokenCannotMakeATokenThatOutlivesIt(t *testing.T) {
	rs := newRouteStack(t)
	twoDays, _ := rs.newToken(t, "two days", auth.TokenOptions{Expires: time.Now().Add(48 * time.Hour)})
	forever, foreverTok := rs.newToken(t, "forever", auth.TokenOptions{})
	_, shortTok := rs.newToken(t, "one day", auth.TokenOptions{Expires: time.Now().Add(24 * time.Hour)})
	far := time.Now().AddDate(1, 0, 0).Format("2006-01-02")
	cases := []struct {
		name, path, body string
		want             int
		stored           int // tokens added
	}{
		{"a never-expiring token is refused", tokenPath + "generateNewToken?newTokenName=n", "", 400, 0},
		{"a token for 30 days is refused", tokenPath + "generateNewToken?newTokenName=n&expirationDuration=30", "", 400, 0},
		{"a token until a later date is refused", tokenPath + "generateNewToken?newTokenName=n&expirationDuration=custom&tokenExpiration=" + far, "", 400, 0},
		{"a fixed never-expiring token is refused", tokenPath + "addFixedToken?newTokenName=n&newTokenPlainValue=11" + strings.Repeat("ef", 16), "", 400, 0},
		{"rotating a never-expiring token is refused", tokenPath + "rotate?tokenUuid=" + foreverTok.UUID, "", 400, 0},
		{"the Security page refuses a never-expiring token", "user/admin/security/generate", "newTokenName=n", 400, 0},
		{"a token for one day is made", tokenPath + "generateNewToken?newTokenName=n&expirationDuration=1", "", 200, 1},
		{"a token that expires sooner is rotated", tokenPath + "rotate?tokenUuid=" + shortTok.UUID, "", 200, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := rs.tokenCount(t)
			res := rs.raw(t, "POST", tc.path, tc.body, basic("admin", twoDays))
			if res.status != tc.want {
				t.Fatalf("%d, want %d\n%s", res.status, tc.want, res.body)
			}
			if tc.want == 400 && !strings.Contains(res.body, "must expire by then") {
				t.Errorf("the refusal does not say why:\n%s", res.body)
			}
			if tc.want == 200 && strings.HasPrefix(tc.path, tokenPath) && !strings.Contains(res.body, `"status":"ok"`) {
				t.Errorf("not made:\n%s", res.body)
			}
			if got := rs.tokenCount(t); got != before+tc.stored {
				t.Errorf("%d tokens, want %d", got, before+tc.stored)
			}
		})
	}
	t.Run("the never-expiring token still works after the refused rotation", func(t *testing.T) {
		if res := rs.raw(t, "GET", "api/json", "", basic("admin", forever)); res.status != 200 {
			t.Fatalf("%d %s", res.status, res.body)
		}
	})
}
