package request

import (
	"testing"

	"github.com/jeeves-ci/jeeves/internal/auth"
	"github.com/jeeves-ci/jeeves/internal/authz"
	"github.com/jeeves-ci/jeeves/internal/model"
)

func TestTokenScopes(t *testing.T) {
	for _, c := range []struct {
		name   string
		scopes []string
		perm   string
		ok     bool
	}{
		{"no scope is the owner's full rights", nil, authz.Administer, true},
		{"admin is every permission", []string{"admin"}, authz.Administer, true},
		{"read reads", []string{"read"}, authz.ItemRead, true},
		{"read does not build", []string{"read"}, authz.ItemBuild, false},
		{"build builds and reads", []string{"build"}, authz.ItemRead, true},
		{"build does not configure", []string{"build"}, authz.ItemConfigure, false},
		{"configure creates agents", []string{"configure"}, authz.NodeCreate, true},
		{"configure does not administer", []string{"configure"}, authz.Administer, false},
		{"scopes add up", []string{"read", "build"}, authz.ItemCancel, true},
		{"an unknown scope allows nothing", []string{"everything"}, authz.Read, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := tokenAllows(c.scopes, c.perm); got != c.ok {
				t.Fatalf("tokenAllows(%v, %s) = %v", c.scopes, c.perm, got)
			}
		})
	}
}

func TestJobGlobs(t *testing.T) {
	for _, c := range []struct {
		name, glob, item string
		match, leads     bool
	}{
		{"a glob matches the names it says", "team-*", "team-a", true, false},
		{"* stops at a folder's slash", "team-*", "team-a/app", false, false},
		{"a glob with a folder leads through the folders it matches", "team-*/app", "team-a", false, true},
		{"and matches the item inside", "team-*/app", "team-a/app", true, false},
		{"it leads through nested folders", "a/*/c", "a/b", false, true},
		{"not through a folder it does not match", "team-*/app", "ops", false, false},
		{"not through the item itself", "team-*/app", "team-a/app", true, false},
		{"a malformed glob matches nothing", "team-[", "team-[", false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := globMatch(c.glob, c.item); got != c.match {
				t.Errorf("globMatch(%q, %q) = %v", c.glob, c.item, got)
			}
			if got := globLeadsThrough(c.glob, c.item); got != c.leads {
				t.Errorf("globLeadsThrough(%q, %q) = %v", c.glob, c.item, got)
			}
		})
	}
}

func TestOnlyAFullTokenManagesTokens(t *testing.T) {
	u := &model.User{ID: "bob"}
	for _, c := range []struct {
		name string
		id   auth.Identity
		ok   bool
	}{
		{"a password may", auth.Identity{User: u, Method: auth.Password}, true},
		{"a session may", auth.Identity{User: u, Method: auth.Session}, true},
		{"an unlimited token may", auth.Identity{User: u, Method: auth.Token}, true},
		{"an admin-scoped token may", auth.Identity{User: u, Method: auth.Token, Scopes: []string{"admin"}}, true},
		{"a read-scoped token may not", auth.Identity{User: u, Method: auth.Token, Scopes: []string{"read"}}, false},
		{"a token limited to a job glob may not", auth.Identity{User: u, Method: auth.Token, Jobs: "team-*"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := (&Call{ID: c.id}).RequireFullToken()
			if (err == nil) != c.ok {
				t.Fatalf("RequireFullToken: %v", err)
			}
		})
	}
}
