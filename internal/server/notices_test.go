package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/webui"
)

// TestNoticesAreShownOnceToTheirSessionOnly: the notice a UI form's
// success leaves ("Build scheduled") is shown by the page the browser is
// sent to, once, to that session and user only; API clients never get a
// flash id in their Location.
func TestNoticesAreShownOnceToTheirSessionOnly(t *testing.T) {
	rs := newRouteStack(t)
	p := rs.fixtures(t, "job/{job}/build?delay=3600sec")
	job := strings.Split(p, "/")[1]
	res := rs.browserPost(t, p, "job/"+job+"/", "", rs.session, rs.sessionCrumb)
	loc := res.header.Get("Location")
	if res.status != http.StatusSeeOther || !strings.Contains(loc, webui.FlashParam+"=") {
		t.Fatalf("Build Now: %d %q, want 303 with a notice", res.status, loc)
	}
	other, _ := rs.newSession(t, "admin", "pw")
	bob, _ := rs.newSession(t, "bob", "bob-pw")
	for name, ck := range map[string]*http.Cookie{"another session": other, "another user": bob, "anonymous": nil} {
		if r := rs.browserGet(t, loc, ck); strings.Contains(r.body, "Build scheduled") {
			t.Fatalf("%s was shown the notice", name)
		}
	}
	if r := rs.browserGet(t, loc, rs.session); !strings.Contains(r.body, `<p class="flash" role="status">Build scheduled</p>`) {
		t.Fatalf("the session that built is not told:\n%s", r.body)
	}
	if r := rs.browserGet(t, loc, rs.session); strings.Contains(r.body, "Build scheduled") {
		t.Fatal("a reload shows the notice again")
	}
	for _, h := range []map[string]string{basic("admin", rs.adminToken), {"Accept": "text/html", "Authorization": basic("admin", rs.adminToken)["Authorization"]}} {
		r := rs.raw(t, "POST", "job/"+job+"/disable", "", h)
		if strings.Contains(r.header.Get("Location"), webui.FlashParam) {
			t.Fatalf("an API client's Location carries a notice: %q", r.header.Get("Location"))
		}
	}
}
