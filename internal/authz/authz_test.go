package authz

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/store/sqlite"
)

func TestImpliedByWalksJenkinssChain(t *testing.T) {
	for perm, want := range map[string][]string{
		Read:          {GenericRead, Administer},
		ItemBuild:     {GenericUpdate, GenericWrite, Administer},
		ItemCancel:    {ItemBuild, GenericUpdate, GenericWrite, Administer},
		ItemExtRead:   {ItemConfigure, GenericConfigure, GenericUpdate, GenericWrite, Administer},
		ItemDiscover:  {ItemRead, GenericRead, Administer},
		Administer:    nil,
		ItemWipeOut:   nil,
		NodeConnect:   {NodeDisconnect, Administer},
		ViewConfigure: {GenericConfigure, GenericUpdate, GenericWrite, Administer},
	} {
		t.Run(Title(perm)+" is implied by its chain", func(t *testing.T) {
			if got := ImpliedBy(perm); !reflect.DeepEqual(got, want) {
				t.Errorf("ImpliedBy(%s) = %v, want %v", perm, got, want)
			}
		})
	}
}

func open(t *testing.T) (*Service, *sqlite.Store) {
	t.Helper()
	st, err := sqlite.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s, err := New(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	return s, st
}

var (
	admin = Subject{User: "admin", FirstAdmin: true}
	alice = Subject{User: "alice"}
	bob   = Subject{User: "bob"}
	anon  = Subject{}
)

func TestLoggedInUsersCanDoAnything(t *testing.T) {
	s, _ := open(t)
	for _, c := range []struct {
		name string
		sub  Subject
		perm string
		want bool
	}{
		{"a user builds", alice, ItemBuild, true},
		{"a user configures", alice, ItemConfigure, true},
		{"a user does not administer", alice, Administer, false},
		{"the first admin administers", admin, Administer, true},
		{"anonymous does not read", anon, Read, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := s.Has(c.sub, c.perm, nil); got != c.want {
				t.Errorf("Has(%v, %s) = %v, want %v", c.sub, c.perm, got, c.want)
			}
		})
	}
	if err := s.Set(context.Background(), Strategy{Strategy: LoggedIn, AnonymousRead: true}); err != nil {
		t.Fatal(err)
	}
	t.Run("with anonymous read, anonymous reads jobs but does not build", func(t *testing.T) {
		if !s.Has(anon, Read, nil) || !s.Has(anon, ItemRead, nil) || s.Has(anon, ItemBuild, nil) {
			t.Error("anonymous read is not read-only")
		}
	})
}

func TestMatrix(t *testing.T) {
	s, st := open(t)
	ctx := context.Background()
	err := s.Set(ctx, Strategy{Strategy: Matrix, Grants: []Grant{
		{Type: "GROUP", Sid: "authenticated", Permissions: []string{Read}},
		{Type: "user", Sid: "alice", Permissions: []string{ItemRead, ItemConfigure}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	job := &model.AuthMatrix{Inheritance: model.InheritParent, Grants: []model.Grant{
		{Type: "USER", Sid: "bob", Permission: ItemBuild},
		{Type: "EITHER", Sid: "Carol", Permission: ItemRead},
	}}
	closed := &model.AuthMatrix{Inheritance: model.InheritNone, Grants: []model.Grant{{Type: "USER", Sid: "bob", Permission: ItemRead}}}
	folder := &model.AuthMatrix{Inheritance: model.InheritParent, Grants: []model.Grant{{Type: "GROUP", Sid: "authenticated", Permission: ItemWorkspace}}}
	for _, c := range []struct {
		name  string
		sub   Subject
		perm  string
		chain []*model.AuthMatrix
		want  bool
	}{
		{"a global grant applies everywhere", alice, ItemRead, []*model.AuthMatrix{job}, true},
		{"Configure implies ExtendedRead", alice, ItemExtRead, nil, true},
		{"a permission nobody granted is refused", alice, ItemBuild, nil, false},
		{"a job grant gives the job's permission", bob, ItemBuild, []*model.AuthMatrix{job}, true},
		{"Build implies Cancel on that job", bob, ItemCancel, []*model.AuthMatrix{job}, true},
		{"a job grant does not reach the root", bob, ItemBuild, nil, false},
		{"sids match without case", Subject{User: "carol"}, ItemRead, []*model.AuthMatrix{job}, true},
		{"a folder's grant reaches the jobs inside", alice, ItemWorkspace, []*model.AuthMatrix{nil, folder}, true},
		{"a non-inheriting job ignores global grants", alice, ItemRead, []*model.AuthMatrix{closed}, false},
		{"a non-inheriting job keeps its own grants", bob, ItemRead, []*model.AuthMatrix{closed, folder}, true},
		{"a non-inheriting job ignores its folder", bob, ItemWorkspace, []*model.AuthMatrix{closed, folder}, false},
		{"the first admin always administers", admin, Administer, nil, true},
		{"anonymous gets nothing", anon, Read, nil, false},
		{"overall permissions are never granted by a job", bob, Administer, []*model.AuthMatrix{{Grants: []model.Grant{{Type: "USER", Sid: "bob", Permission: Administer}}}}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := s.Has(c.sub, c.perm, c.chain); got != c.want {
				t.Errorf("Has(%v, %s) = %v, want %v", c.sub, c.perm, got, c.want)
			}
		})
	}
	t.Run("the strategy survives a restart", func(t *testing.T) {
		s2, err := New(ctx, st)
		if err != nil {
			t.Fatal(err)
		}
		if got := s2.Strategy(); got.Strategy != Matrix || len(got.Grants) != 2 || got.Grants[1].Type != "USER" {
			t.Errorf("reloaded %+v", got)
		}
	})
}

func TestBadStrategiesAreRefused(t *testing.T) {
	s, _ := open(t)
	for _, c := range []struct {
		name string
		st   Strategy
	}{
		{"no strategy", Strategy{}},
		{"an unknown strategy", Strategy{Strategy: "unsecured"}},
		{"an unknown permission", Strategy{Strategy: Matrix, Grants: []Grant{{Type: "USER", Sid: "bob", Permissions: []string{"hudson.model.Item.Fly"}}}}},
		{"an unknown sid type", Strategy{Strategy: Matrix, Grants: []Grant{{Type: "ROLE", Sid: "bob"}}}},
		{"an empty sid", Strategy{Strategy: Matrix, Grants: []Grant{{Type: "USER", Sid: " "}}}},
		{"grants without the matrix", Strategy{Strategy: LoggedIn, Grants: []Grant{{Type: "USER", Sid: "bob"}}}},
	} {
		t.Run(c.name+" is refused and nothing changes", func(t *testing.T) {
			if err := s.Set(context.Background(), c.st); !errors.Is(err, ErrInvalid) {
				t.Fatalf("Set = %v, want ErrInvalid", err)
			}
			if got := s.Strategy(); got.Strategy != LoggedIn {
				t.Errorf("strategy changed to %+v", got)
			}
		})
	}
}

// TestCredentialsPermissions: the credentials plugin's permissions carry
// the implications CredentialsProvider.java gives them, and the matrix
// grants them globally and on items.
func TestCredentialsPermissions(t *testing.T) {
	for perm, want := range map[string][]string{
		CredentialsCreate:        {GenericCreate, GenericWrite, Administer},
		CredentialsUpdate:        {GenericUpdate, GenericWrite, Administer},
		CredentialsView:          {GenericRead, Administer},
		CredentialsDelete:        {GenericDelete, GenericWrite, Administer},
		CredentialsManageDomains: {GenericConfigure, GenericUpdate, GenericWrite, Administer},
		CredentialsUseOwn:        {ItemBuild, GenericUpdate, GenericWrite, Administer},
		CredentialsUseItem:       {ItemConfigure, GenericConfigure, GenericUpdate, GenericWrite, Administer},
	} {
		t.Run(Title(perm)+" is implied by its chain", func(t *testing.T) {
			if got := ImpliedBy(perm); !reflect.DeepEqual(got, want) {
				t.Errorf("ImpliedBy(%s) = %v, want %v", perm, got, want)
			}
			if ScopeOf(perm) != ScopeItem {
				t.Errorf("%s cannot be granted on items", perm)
			}
		})
	}
	s, _ := open(t)
	ctx := context.Background()
	if err := s.Set(ctx, Strategy{Strategy: Matrix, AnonymousRead: true, Grants: []Grant{
		{Type: "USER", Sid: "alice", Permissions: []string{Read, CredentialsCreate, CredentialsView}},
		{Type: "USER", Sid: "bob", Permissions: []string{Read, ItemConfigure}},
	}}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		sub  Subject
		perm string
		want bool
	}{
		{"a global grant of Credentials/Create gives it", alice, CredentialsCreate, true},
		{"Credentials/Create does not give Credentials/Delete", alice, CredentialsDelete, false},
		{"Job/Configure gives Credentials/UseItem", bob, CredentialsUseItem, true},
		{"Job/Configure does not give Credentials/Create", bob, CredentialsCreate, false},
		{"the administrator holds every credentials permission", admin, CredentialsManageDomains, true},
		{"anonymous read access gives Credentials/View, as in Jenkins", anon, CredentialsView, true},
		{"anonymous read access does not give Credentials/Update", anon, CredentialsUpdate, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := s.Has(c.sub, c.perm, nil); got != c.want {
				t.Errorf("Has(%v, %s) = %v, want %v", c.sub, c.perm, got, c.want)
			}
		})
	}
	t.Run("a job's matrix may grant credentials permissions", func(t *testing.T) {
		m := &model.AuthMatrix{Grants: []model.Grant{{Type: "USER", Sid: "carol", Permission: CredentialsView}}}
		if err := ValidateItem(m); err != nil {
			t.Fatal(err)
		}
		if !s.Has(Subject{User: "carol"}, CredentialsView, []*model.AuthMatrix{m}) {
			t.Error("the job's grant is not held on the job")
		}
	})
}
