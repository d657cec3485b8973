package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/store"
	"github.com/jeeves-ci/jeeves/internal/store/sqlite"
)

// TestExpiredSessionsArePurged: a session past its expiry is deleted from
// the store when jeeves starts (and hourly after), while a live session
// survives and still logs its browser in.
func TestExpiredSessionsArePurged(t *testing.T) {
	j := start(t, "", nil)
	login := j.must(t, 302, req{method: "POST", path: "j_spring_security_check",
		header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
		body:   "j_username=admin&j_password=" + url.QueryEscape(adminPassword)})
	var cookies []*http.Cookie
	for _, c := range (&http.Response{Header: login.header}).Cookies() {
		cookies = append(cookies, &http.Cookie{Name: c.Name, Value: c.Value})
	}
	if len(cookies) == 0 {
		t.Fatal("the login set no cookie")
	}
	j.stop()

	// A session that expired a day ago, as a login two days ago leaves.
	sum := sha256.Sum256([]byte("an-expired-session-id"))
	expired := hex.EncodeToString(sum[:])
	long := time.Now().Add(-48 * time.Hour)
	st, err := sqlite.Open(j.home)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateSession(context.Background(), expired, "admin", long, long.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	st.Close()

	j = start(t, j.home, nil)
	st, err = sqlite.Open(j.home)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// SessionUser asked as of before the expiry finds the row while it is
	// stored at all.
	waitFor(t, "the expired session to be deleted", func() bool {
		_, err := st.SessionUser(context.Background(), expired, long)
		return errors.Is(err, store.ErrNotFound)
	})
	t.Run("a live session still logs its browser in", func(t *testing.T) {
		var who struct{ Name string }
		r := j.must(t, 200, req{path: "whoAmI/api/json", cookies: cookies})
		if err := json.Unmarshal([]byte(r.body), &who); err != nil || who.Name != "admin" {
			t.Fatalf("whoAmI: %s", r.body)
		}
	})
}
