package server_test

// Helpers for the tests that hold API tokens to their limits and hidden
// jobs to staying hidden, over real HTTP.

import (
	"context"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/auth"
	"github.com/jeeves-ci/jeeves/internal/model"
)

// tokenPath is where admin's ApiTokenProperty actions are.
const tokenPath = "user/admin/descriptorByName/jenkins.security.ApiTokenProperty/"

// folderXML is a folder's config.xml.
const folderXML = `<com.cloudbees.hudson.plugins.folder.Folder><description>team folder</description></com.cloudbees.hudson.plugins.folder.Folder>`

// adminDo makes a fixture request with admin's full token and fails the
// test unless it succeeds.
func (rs *routeStack) adminDo(t *testing.T, method, path, body string) rawResp {
	t.Helper()
	r := rs.raw(t, method, path, body, basic("admin", rs.adminToken))
	if r.status >= 400 {
		t.Fatalf("fixture %s %s: %d %s", method, path, r.status, r.body)
	}
	return r
}

// newToken makes one of admin's tokens directly in the auth service.
func (rs *routeStack) newToken(t *testing.T, name string, opt auth.TokenOptions) (string, *model.Token) {
	t.Helper()
	value, tok, err := rs.au.GenerateToken(context.Background(), "admin", name, opt)
	if err != nil {
		t.Fatal(err)
	}
	return value, tok
}

func (rs *routeStack) tokenCount(t *testing.T) int {
	t.Helper()
	ts, err := rs.au.Tokens(context.Background(), "admin")
	if err != nil {
		t.Fatal(err)
	}
	return len(ts)
}

func (rs *routeStack) jobExists(name string) bool {
	_, err := rs.jobs.Get(name)
	return err == nil
}

func withCrumb(h map[string]string, crumb string) map[string]string {
	h["Jenkins-Crumb"] = crumb
	return h
}
