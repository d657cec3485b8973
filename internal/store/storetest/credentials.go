package storetest

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/credentials"
	"github.com/jeeves-ci/jeeves/internal/store"
)

// sealed is a credential record as a store keeps it; the store never
// opens Secrets, so any bytes stand for the sealed value.
func sealed(id string, secrets string) *credentials.Sealed {
	return &credentials.Sealed{
		ID: id, Scope: credentials.ScopeGlobal, Kind: credentials.KindUsernamePassword,
		Description: "for " + id, Username: "user-" + id, FileName: "", Secrets: []byte(secrets),
	}
}

func credentialIDs(t *testing.T, st store.Store, storeName, domain string) []string {
	t.Helper()
	cs, err := st.Credentials(context.Background(), storeName, domain)
	must(t, err)
	var ids []string
	for _, c := range cs {
		ids = append(ids, c.ID)
	}
	return ids
}

func testCredentials(t *testing.T, open func(t *testing.T) store.Store) {
	ctx := context.Background()
	st := open(t)
	for _, id := range []string{"deploy", "gh-token", "Deploy"} {
		must(t, st.CreateCredential(ctx, "system", "_", sealed(id, "sealed-"+id), now()))
	}

	t.Run("a credential reads back as created, every field", func(t *testing.T) {
		want := &credentials.Sealed{ID: "key", Scope: credentials.ScopeSystem, Kind: credentials.KindSSHKey,
			Description: "the agents' key", Username: "jenkins", UsernameSecret: true, Secrets: []byte{0, 1, 2, 0xff}}
		must(t, st.CreateCredential(ctx, "system", "_", want, now()))
		got, err := st.Credential(ctx, "system", "_", "key")
		must(t, err)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%+v, want %+v", got, want)
		}
		file := &credentials.Sealed{ID: "file", Scope: credentials.ScopeGlobal, Kind: credentials.KindSecretFile, FileName: "settings.xml", Secrets: []byte("x")}
		must(t, st.CreateCredential(ctx, "system", "_", file, now()))
		if got, err := st.Credential(ctx, "system", "_", "file"); err != nil || !reflect.DeepEqual(got, file) {
			t.Fatalf("%+v %v", got, err)
		}
		must(t, st.DeleteCredential(ctx, "system", "_", "key"))
		must(t, st.DeleteCredential(ctx, "system", "_", "file"))
	})
	t.Run("a domain lists its credentials in the order they were created", func(t *testing.T) {
		if got, want := credentialIDs(t, st, "system", "_"), []string{"deploy", "gh-token", "Deploy"}; !slices.Equal(got, want) {
			t.Fatalf("%v, want %v", got, want)
		}
	})
	t.Run("ids are matched exactly: Deploy is another credential than deploy", func(t *testing.T) {
		c, err := st.Credential(ctx, "system", "_", "Deploy")
		must(t, err)
		if string(c.Secrets) != "sealed-Deploy" {
			t.Fatalf("%+v", c)
		}
		_, err = st.Credential(ctx, "system", "_", "DEPLOY")
		is(t, err, store.ErrNotFound)
	})
	t.Run("a taken id is ErrExists in its domain, and free in another", func(t *testing.T) {
		is(t, st.CreateCredential(ctx, "system", "_", sealed("deploy", "other"), now()), store.ErrExists)
		must(t, st.CreateCredential(ctx, "system", "testing", sealed("deploy", "in testing"), now()))
		if got := credentialIDs(t, st, "system", "testing"); !slices.Equal(got, []string{"deploy"}) {
			t.Fatalf("%v", got)
		}
		c, err := st.Credential(ctx, "system", "_", "deploy")
		must(t, err)
		if string(c.Secrets) != "sealed-deploy" {
			t.Fatalf("the global one changed: %+v", c)
		}
	})
	t.Run("every credential of every store and domain is listed with where it is", func(t *testing.T) {
		all, err := st.AllCredentials(ctx)
		must(t, err)
		var got []string
		for _, c := range all {
			got = append(got, c.Store+"/"+c.Domain+"/"+c.ID)
		}
		slices.Sort(got)
		if want := []string{"system/_/Deploy", "system/_/deploy", "system/_/gh-token", "system/testing/deploy"}; !slices.Equal(got, want) {
			t.Fatalf("%v, want %v", got, want)
		}
	})
	t.Run("an update replaces the credential in its place", func(t *testing.T) {
		up := sealed("gh-token", "resealed")
		up.Kind, up.Username, up.Description = credentials.KindSecretText, "", "the bot's token"
		must(t, st.UpdateCredential(ctx, "system", "_", "gh-token", up, now()))
		got, err := st.Credential(ctx, "system", "_", "gh-token")
		must(t, err)
		if !reflect.DeepEqual(got, up) {
			t.Fatalf("%+v, want %+v", got, up)
		}
		if got, want := credentialIDs(t, st, "system", "_"), []string{"deploy", "gh-token", "Deploy"}; !slices.Equal(got, want) {
			t.Fatalf("%v, want %v", got, want)
		}
	})
	t.Run("an update may rename, not onto a taken id, and not what does not exist", func(t *testing.T) {
		must(t, st.UpdateCredential(ctx, "system", "_", "gh-token", sealed("github", "x"), now()))
		if got, want := credentialIDs(t, st, "system", "_"), []string{"deploy", "github", "Deploy"}; !slices.Equal(got, want) {
			t.Fatalf("%v, want %v", got, want)
		}
		is(t, st.UpdateCredential(ctx, "system", "_", "github", sealed("deploy", "x"), now()), store.ErrExists)
		is(t, st.UpdateCredential(ctx, "system", "_", "gh-token", sealed("gh-token", "x"), now()), store.ErrNotFound)
		is(t, st.UpdateCredential(ctx, "system", "other", "deploy", sealed("deploy", "x"), now()), store.ErrNotFound)
	})
	t.Run("uses are listed newest first, and only the newest keep are kept", func(t *testing.T) {
		at := now()
		for n := int64(1); n <= 5; n++ {
			must(t, st.RecordCredentialUse(ctx, "system", "_", "deploy", credentials.Use{JobID: 7, JobName: "app", Number: n, At: at.Add(time.Duration(n) * time.Second)}, 3))
		}
		uses, err := st.CredentialUses(ctx, "system", "_", "deploy")
		must(t, err)
		var numbers []int64
		for _, u := range uses {
			numbers = append(numbers, u.Number)
			if u.JobID != 7 || u.JobName != "app" || !u.At.Equal(at.Add(time.Duration(u.Number)*time.Second)) {
				t.Fatalf("%+v", u)
			}
		}
		if !slices.Equal(numbers, []int64{5, 4, 3}) {
			t.Fatalf("%v", numbers)
		}
		if uses, err := st.CredentialUses(ctx, "system", "_", "Deploy"); err != nil || len(uses) != 0 {
			t.Fatalf("another credential's uses: %v %v", uses, err)
		}
	})
	t.Run("an update keeps the uses", func(t *testing.T) {
		must(t, st.UpdateCredential(ctx, "system", "_", "deploy", sealed("deploy", "resealed"), now()))
		if uses, err := st.CredentialUses(ctx, "system", "_", "deploy"); err != nil || len(uses) != 3 {
			t.Fatalf("%v %v", uses, err)
		}
	})
	t.Run("uses of a credential that does not exist are ErrNotFound", func(t *testing.T) {
		is(t, st.RecordCredentialUse(ctx, "system", "_", "missing", credentials.Use{JobName: "app", Number: 1, At: now()}, 3), store.ErrNotFound)
		_, err := st.CredentialUses(ctx, "system", "_", "missing")
		is(t, err, store.ErrNotFound)
	})
	t.Run("a deleted credential is gone with its uses, and deleting it again is ErrNotFound", func(t *testing.T) {
		must(t, st.DeleteCredential(ctx, "system", "_", "deploy"))
		is(t, st.DeleteCredential(ctx, "system", "_", "deploy"), store.ErrNotFound)
		_, err := st.Credential(ctx, "system", "_", "deploy")
		is(t, err, store.ErrNotFound)
		must(t, st.CreateCredential(ctx, "system", "_", sealed("deploy", "again"), now()))
		if uses, err := st.CredentialUses(ctx, "system", "_", "deploy"); err != nil || len(uses) != 0 {
			t.Fatalf("a new credential of the old id has uses: %v %v", uses, err)
		}
		if got, want := credentialIDs(t, st, "system", "_"), []string{"github", "Deploy", "deploy"}; !slices.Equal(got, want) {
			t.Fatalf("%v, want %v", got, want)
		}
	})
	t.Run("a credential created in a transaction that rolls back is not stored", func(t *testing.T) {
		boom := errors.New("boom")
		err := st.InTx(ctx, func(ctx context.Context) error {
			must(t, st.CreateCredential(ctx, "system", "_", sealed("half", "x"), now()))
			if c, err := st.Credential(ctx, "system", "_", "half"); err != nil || !bytes.Equal(c.Secrets, []byte("x")) {
				t.Fatalf("not seen inside the transaction: %v", err)
			}
			return boom
		})
		is(t, err, boom)
		_, err = st.Credential(ctx, "system", "_", "half")
		is(t, err, store.ErrNotFound)
	})
}
