package e2e

import (
	"strconv"
	"strings"
	"testing"
)

// TestPasswordThrottling: repeated password failures from one address
// end in 429 with Retry-After, even for the right password, while API
// tokens keep working.
func TestPasswordThrottling(t *testing.T) {
	j := start(t, "", nil, "--throttle-failures", "3", "--throttle-address-failures", "50")
	tok := j.adminToken(t)
	for i := 0; i < 4; i++ {
		j.must(t, 401, req{path: "api/json", user: "admin", secret: "guess" + strconv.Itoa(i)})
	}
	t.Run("the right password now waits with 429 and Retry-After", func(t *testing.T) {
		r := j.must(t, 429, req{path: "api/json", user: "admin", secret: adminPassword})
		if s, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || s < 1 {
			t.Fatalf("Retry-After %q", r.header.Get("Retry-After"))
		}
		if !strings.Contains(r.body, "Too many failed password attempts") {
			t.Fatalf("%s", r.body)
		}
	})
	t.Run("the login form is throttled too", func(t *testing.T) {
		j.must(t, 429, req{method: "POST", path: "j_spring_security_check",
			header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
			body:   "j_username=admin&j_password=" + adminPassword})
	})
	t.Run("an API token is not throttled", func(t *testing.T) {
		j.must(t, 200, req{path: "api/json", user: "admin", secret: tok})
	})
}
