package server

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
)

// FuzzBasicAuth: any Authorization header parses or is refused, never
// panics, and what parses splits at the first colon as RFC 7617 says.
func FuzzBasicAuth(f *testing.F) {
	for _, s := range []string{"Basic " + base64.StdEncoding.EncodeToString([]byte("admin:11abc")), "Basic", "basic Og==", "Basic !!!", "Bearer x", "Basic " + base64.StdEncoding.EncodeToString([]byte("a:b:c"))} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		r, _ := http.NewRequest("GET", "http://x/", nil)
		r.Header.Set("Authorization", header)
		user, secret, ok, err := basicAuth(r)
		if !ok && (user != "" || secret != "" || err != nil) {
			t.Fatalf("not Basic but got %q %q %v", user, secret, err)
		}
		if ok && err == nil && strings.Contains(user, ":") {
			t.Fatalf("user %q holds a colon", user)
		}
	})
}
