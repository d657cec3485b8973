package credstore

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/jeeves-ci/jeeves/internal/credentials"
	"github.com/jeeves-ci/jeeves/internal/secret"
	"github.com/jeeves-ci/jeeves/internal/store/sqlite"
	"github.com/jeeves-ci/jeeves/internal/usererr"
)

// world is a service on a real SQLite store and key ring in a home, with
// the events it audited.
type world struct {
	home string
	st   *sqlite.Store
	svc  *Service

	mu     sync.Mutex
	events []Event
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{home: t.TempDir()}
	st, err := sqlite.Open(w.home)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	w.st = st
	w.svc, err = Open(w.home, st, func(ev Event) {
		w.mu.Lock()
		w.events = append(w.events, ev)
		w.mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// actions is what was audited, as "action id".
func (w *world) actions() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for _, ev := range w.events {
		out = append(out, strings.TrimSpace(ev.Action+" "+ev.ID))
	}
	return out
}

var alice = Actor{User: "alice", Auth: "token", TokenUUID: "u-1", Addr: "192.0.2.1"}

// sshKey is a private key in OpenSSH form, encrypted with passphrase
// when one is given.
func sshKey(t testing.TB, passphrase string) string {
	t.Helper()
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	var b *pem.Block
	var err error
	if passphrase == "" {
		b, err = ssh.MarshalPrivateKey(priv, "test")
	} else {
		b, err = ssh.MarshalPrivateKeyWithPassphrase(priv, "test", []byte(passphrase))
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(b))
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func userPassXML(id, scope, user, password string) string {
	return `<com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>
  <scope>` + scope + `</scope><id>` + id + `</id><description>d</description>
  <username>` + user + `</username><password>` + xmlEscape(password) + `</password><usernameSecret>false</usernameSecret>
</com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>`
}

func textXML(id, scope, secret string) string {
	return `<org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl>
  <scope>` + scope + `</scope><id>` + id + `</id><secret>` + xmlEscape(secret) + `</secret>
</org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl>`
}

func fileXML(id, name string, data []byte) string {
	return `<org.jenkinsci.plugins.plaincredentials.impl.FileCredentialsImpl>
  <scope>GLOBAL</scope><id>` + id + `</id><fileName>` + name + `</fileName><secretBytes>` + base64.StdEncoding.EncodeToString(data) + `</secretBytes>
</org.jenkinsci.plugins.plaincredentials.impl.FileCredentialsImpl>`
}

func sshXML(id, user, key, passphrase string) string {
	p := ""
	if passphrase != "" {
		p = `<passphrase>` + xmlEscape(passphrase) + `</passphrase>`
	}
	return `<com.cloudbees.jenkins.plugins.sshcredentials.impl.BasicSSHUserPrivateKey>
  <scope>GLOBAL</scope><id>` + id + `</id><username>` + user + `</username><usernameSecret>false</usernameSecret>` + p + `
  <privateKeySource class="com.cloudbees.jenkins.plugins.sshcredentials.impl.BasicSSHUserPrivateKey$DirectEntryPrivateKeySource">
    <privateKey>` + xmlEscape(key) + `</privateKey>
  </privateKeySource>
</com.cloudbees.jenkins.plugins.sshcredentials.impl.BasicSSHUserPrivateKey>`
}

func (w *world) ids(t *testing.T) []string {
	t.Helper()
	list, err := w.svc.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range list {
		out = append(out, p.ID)
	}
	return out
}

// refused fails t unless err is a refusal of kind whose message has want.
func refused(t *testing.T, err, kind error, want string) {
	t.Helper()
	var ue *usererr.Error
	if !errors.Is(err, kind) || !errors.As(err, &ue) || !strings.Contains(ue.Msg, want) {
		t.Fatalf("error %v, want a %v refusal saying %q", err, kind, want)
	}
}

func TestCreate(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	key := sshKey(t, "key pass phrase")
	good := []struct {
		name, xml string
		want      Public
	}{
		{"a username with password", userPassXML("deploy", "GLOBAL", "deployer", "pa55-word"),
			Public{ID: "deploy", Scope: "GLOBAL", Kind: credentials.KindUsernamePassword, Description: "d", Username: "deployer"}},
		{"a secret text of SYSTEM scope", textXML("gh-token", "SYSTEM", "ghp_0123456789"),
			Public{ID: "gh-token", Scope: "SYSTEM", Kind: credentials.KindSecretText}},
		{"a secret file", fileXML("npmrc", ".npmrc", []byte("//registry/:_authToken=npm-t0ken\n")),
			Public{ID: "npmrc", Scope: "GLOBAL", Kind: credentials.KindSecretFile, FileName: ".npmrc"}},
		{"an SSH key with its passphrase", sshXML("github-ssh", "git", key, "key pass phrase"),
			Public{ID: "github-ssh", Scope: "GLOBAL", Kind: credentials.KindSSHKey, Username: "git"}},
		{"an id differing only in case from a stored one (Jenkins matches ids exactly)", userPassXML("Deploy", "GLOBAL", "other", "pa55-word-2"),
			Public{ID: "Deploy", Scope: "GLOBAL", Kind: credentials.KindUsernamePassword, Description: "d", Username: "other"}},
	}
	for _, c := range good {
		t.Run("it stores "+c.name, func(t *testing.T) {
			p, err := w.svc.CreateXML(ctx, alice, []byte(c.xml))
			if err != nil {
				t.Fatal(err)
			}
			if p != c.want {
				t.Fatalf("%+v, want %+v", p, c.want)
			}
			if got, err := w.svc.Get(ctx, c.want.ID); err != nil || got != c.want {
				t.Fatalf("Get = %+v, %v", got, err)
			}
		})
	}
	before := w.ids(t)
	bad := []struct {
		name, body string
		kind       error
		want       string
	}{
		{"a duplicate id", textXML("deploy", "GLOBAL", "x-secret"), ErrExists, `A credential with the id "deploy" already exists`},
		{"malformed XML", `<org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl><id>x</id>`, ErrInvalid, ""},
		{"an unknown type", `<com.example.Token><id>x</id></com.example.Token>`, ErrInvalid, "unknown credential type"},
		{"an id with path characters", textXML("../etc", "GLOBAL", "x-secret"), ErrInvalid, "unacceptable characters"},
		{"a private key that does not parse", sshXML("bad-key", "git", "-----BEGIN OPENSSH PRIVATE KEY-----\nnope\n-----END OPENSSH PRIVATE KEY-----\n", ""), ErrInvalid, "private key"},
		{"an encrypted key without its passphrase", sshXML("no-pass", "git", key, ""), ErrInvalid, "give its passphrase"},
		{"a key with a wrong passphrase", sshXML("wrong-pass", "git", key, "wrong"), ErrInvalid, "does not decrypt"},
		{"a redacted secret on create", strings.Replace(textXML("red", "GLOBAL", "x"), "<secret>x</secret>", "<secret><secret-redacted/></secret>", 1), ErrInvalid, "no stored credential to keep it from"},
		{"scope USER", textXML("user-scope", "USER", "x-secret"), ErrInvalid, "scope USER"},
	}
	for _, c := range bad {
		t.Run("it refuses "+c.name+", storing nothing", func(t *testing.T) {
			_, err := w.svc.CreateXML(ctx, alice, []byte(c.body))
			refused(t, err, c.kind, c.want)
			if got := w.ids(t); !slices.Equal(got, before) {
				t.Fatalf("stored: %v, want %v", got, before)
			}
		})
	}
	t.Run("the web form creates a credential, an uploaded file included", func(t *testing.T) {
		form := `{"":"0","credentials":{"scope":"GLOBAL","id":"kubeconfig","file":"file0","$class":"org.jenkinsci.plugins.plaincredentials.impl.FileCredentialsImpl"}}`
		files := func(part string) (string, []byte, bool) { return "config", []byte("apiVersion: v1\n"), part == "file0" }
		p, err := w.svc.CreateForm(ctx, alice, []byte(form), files)
		if err != nil || p.FileName != "config" {
			t.Fatalf("%+v %v", p, err)
		}
		_, err = w.svc.CreateForm(ctx, alice, []byte(`{"credentials":{"$class":"com.example.X"}}`), nil)
		refused(t, err, ErrInvalid, "unknown credential type")
	})
	t.Run("creations are audited by id, with who made them", func(t *testing.T) {
		want := []string{"credentials.create deploy", "credentials.create gh-token", "credentials.create npmrc",
			"credentials.create github-ssh", "credentials.create Deploy", "credentials.create kubeconfig"}
		if got := w.actions(); !slices.Equal(got, want) {
			t.Fatalf("%v, want %v", got, want)
		}
		if ev := w.events[0]; ev.Actor != alice || ev.Detail != "Username with password, GLOBAL" {
			t.Fatalf("%+v", ev)
		}
	})
	t.Run("the list is in creation order and its summaries show no secret or username", func(t *testing.T) {
		sums, err := w.svc.Summaries(ctx)
		if err != nil {
			t.Fatal(err)
		}
		js, _ := json.Marshal(sums)
		for _, s := range []string{"pa55-word", "ghp_0123456789", "npm-t0ken", "key pass phrase", "OPENSSH"} {
			if bytes.Contains(js, []byte(s)) {
				t.Errorf("the summaries show %q: %s", s, js)
			}
		}
		if sums[0].ID != "deploy" || sums[0].FullName != "system/_/deploy" || sums[0].TypeName != "Username with password" || sums[0].Fingerprint != nil {
			t.Errorf("%+v", sums[0])
		}
	})
}

func TestUpdate(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	key := sshKey(t, "key pass phrase")
	for _, x := range []string{userPassXML("deploy", "GLOBAL", "deployer", "pa55-word"), sshXML("ssh", "git", key, "key pass phrase"),
		fileXML("npmrc", ".npmrc", []byte("npm-t0ken\n"))} {
		if _, err := w.svc.CreateXML(ctx, alice, []byte(x)); err != nil {
			t.Fatal(err)
		}
	}
	resolve := func(t *testing.T, id string) *credentials.Credential {
		t.Helper()
		c, err := w.svc.Resolve(ctx, id, Build{})
		if err != nil || c == nil {
			t.Fatalf("Resolve(%s) = %v, %v", id, c, err)
		}
		return c
	}
	t.Run("config.xml shows every secret redacted", func(t *testing.T) {
		for _, id := range []string{"deploy", "ssh", "npmrc"} {
			x, err := w.svc.ConfigXML(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range []string{"pa55-word", "key pass phrase", "PRIVATE KEY", base64.StdEncoding.EncodeToString([]byte("npm-t0ken\n"))} {
				if bytes.Contains(x, []byte(s)) {
					t.Fatalf("%s shows %q:\n%s", id, s, x)
				}
			}
			if !bytes.Contains(x, []byte("<secret-redacted/>")) {
				t.Fatalf("%s", x)
			}
		}
	})
	t.Run("posting config.xml back with a new description keeps every secret", func(t *testing.T) {
		for _, id := range []string{"deploy", "ssh", "npmrc"} {
			before := resolve(t, id)
			x, _ := w.svc.ConfigXML(ctx, id)
			x = bytes.Replace(x, []byte("<description></description>"), []byte("<description>edited</description>"), 1)
			x = bytes.Replace(x, []byte("<description>d</description>"), []byte("<description>edited</description>"), 1)
			p, err := w.svc.UpdateXML(ctx, alice, id, x)
			if err != nil {
				t.Fatal(err)
			}
			after := resolve(t, id)
			if p.Description != "edited" || after.Password != before.Password || after.PrivateKey != before.PrivateKey ||
				after.Passphrase != before.Passphrase || !bytes.Equal(after.FileData, before.FileData) || after.FileName != before.FileName {
				t.Fatalf("%s changed: %+v", id, p)
			}
		}
	})
	t.Run("the update form keeps a blank password and takes a new username", func(t *testing.T) {
		form := `{"stapler-class":"com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl","scope":"GLOBAL","id":"deploy","username":"ops","password":""}`
		if _, err := w.svc.UpdateForm(ctx, alice, "deploy", []byte(form), nil); err != nil {
			t.Fatal(err)
		}
		if c := resolve(t, "deploy"); c.Username != "ops" || c.Password.Reveal() != "pa55-word" {
			t.Fatalf("%+v", c)
		}
	})
	t.Run("a new password replaces the old one", func(t *testing.T) {
		if _, err := w.svc.UpdateXML(ctx, alice, "deploy", []byte(userPassXML("deploy", "GLOBAL", "ops", "n3w-pa55"))); err != nil {
			t.Fatal(err)
		}
		if c := resolve(t, "deploy"); c.Password.Reveal() != "n3w-pa55" {
			t.Fatal("not replaced")
		}
	})
	bad := []struct {
		name, id, body string
		kind           error
		want           string
	}{
		{"an update that changes the id", "deploy", userPassXML("other", "GLOBAL", "u", "p-p-p"), ErrInvalid, `id "other" is not "deploy"`},
		{"an update of a credential that does not exist", "missing", textXML("missing", "GLOBAL", "x-x"), ErrNotFound, `no credential with the id "missing"`},
		{"a redacted secret over another kind", "deploy", strings.Replace(textXML("deploy", "GLOBAL", "x"), "<secret>x</secret>", "<secret><secret-redacted/></secret>", 1), ErrInvalid, "send the secret itself"},
		{"a new encrypted key posted without its passphrase", "ssh", sshXML("ssh", "git", sshKey(t, "another"), ""), ErrInvalid, "give its passphrase"},
		{"a new key that the posted passphrase does not decrypt", "ssh", sshXML("ssh", "git", sshKey(t, "another"), "wrong"), ErrInvalid, "does not decrypt"},
		{"malformed XML", "deploy", "<x", ErrInvalid, ""},
	}
	for _, c := range bad {
		t.Run("it refuses "+c.name+", changing nothing", func(t *testing.T) {
			before, _ := w.svc.ConfigXML(ctx, "deploy")
			n := len(w.actions())
			_, err := w.svc.UpdateXML(ctx, alice, c.id, []byte(c.body))
			refused(t, err, c.kind, c.want)
			if after, _ := w.svc.ConfigXML(ctx, "deploy"); !bytes.Equal(after, before) || len(w.actions()) != n {
				t.Fatalf("changed:\n%s", after)
			}
		})
	}
	t.Run("a move to the one domain changes nothing; any other is refused", func(t *testing.T) {
		if err := w.svc.Move(ctx, alice, "deploy", "system/_"); err != nil {
			t.Fatal(err)
		}
		refused(t, w.svc.Move(ctx, alice, "deploy", "system/testing"), ErrInvalid, "one domain")
		refused(t, w.svc.Move(ctx, alice, "missing", "system/_"), ErrNotFound, "missing")
	})
	t.Run("a deleted credential is gone and deleting it again is refused", func(t *testing.T) {
		if err := w.svc.Delete(ctx, alice, "npmrc"); err != nil {
			t.Fatal(err)
		}
		refused(t, w.svc.Delete(ctx, alice, "npmrc"), ErrNotFound, `"npmrc"`)
		refused(t, w.svc.Delete(ctx, alice, "../x"), ErrNotFound, "")
		if c, err := w.svc.Resolve(ctx, "npmrc", Build{}); c != nil || err != nil {
			t.Fatalf("%v %v", c, err)
		}
		_, err := w.svc.ConfigXML(ctx, "npmrc")
		refused(t, err, ErrNotFound, "")
	})
	t.Run("updates and deletes are audited by id", func(t *testing.T) {
		want := []string{"credentials.create deploy", "credentials.create ssh", "credentials.create npmrc",
			"credentials.update deploy", "credentials.update ssh", "credentials.update npmrc",
			"credentials.update deploy", "credentials.update deploy", "credentials.delete npmrc"}
		if got := w.actions(); !slices.Equal(got, want) {
			t.Fatalf("%v, want %v", got, want)
		}
	})
}

func TestResolveAndUses(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	for _, x := range []string{textXML("global", "GLOBAL", "gl0bal-secret"), textXML("system", "SYSTEM", "syst3m-secret"),
		userPassXML("deploy", "GLOBAL", "deployer", "pa55-word")} {
		if _, err := w.svc.CreateXML(ctx, alice, []byte(x)); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name, id string
		want     string
	}{
		{"a GLOBAL credential is given to builds with its secret", "global", "gl0bal-secret"},
		{"a SYSTEM credential is never given to builds", "system", ""},
		{"a missing credential is nil, not an error", "missing", ""},
		{"an id no credential can have is nil, not an error", "../x", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := w.svc.Resolve(ctx, c.id, Build{JobName: "app", Number: 1})
			if err != nil {
				t.Fatal(err)
			}
			if (got == nil) != (c.want == "") || got != nil && got.Secret.Reveal() != c.want {
				t.Fatalf("Resolve = %v", got)
			}
		})
	}
	t.Run("jeeves itself gets SYSTEM credentials, and the use is audited", func(t *testing.T) {
		c, err := w.svc.ResolveForJeeves(ctx, "system", "agent web-1")
		if err != nil || c.Secret.Reveal() != "syst3m-secret" {
			t.Fatalf("%v %v", c, err)
		}
		if ev := w.events[len(w.events)-1]; ev.Action != ActionUse || ev.ID != "system" || ev.Detail != "agent web-1" {
			t.Fatalf("%+v", ev)
		}
		_, err = w.svc.ResolveForJeeves(ctx, "missing", "agent web-1")
		refused(t, err, ErrNotFound, "missing")
	})
	t.Run("uses are recorded per build and shown as Jenkins's fingerprint", func(t *testing.T) {
		for _, b := range []Build{{JobID: 1, JobName: "app", Number: 1, By: "alice"}, {JobID: 1, JobName: "app", Number: 2},
			{JobID: 1, JobName: "app", Number: 4}, {JobID: 2, JobName: "lib", Number: 9}} {
			if err := w.svc.RecordUse(ctx, b, "global", "deploy", "global", "gone"); err != nil {
				t.Fatal(err)
			}
		}
		uses, err := w.svc.Uses(ctx, "global")
		if err != nil || len(uses) != 4 || uses[0].JobName != "lib" || uses[0].Number != 9 {
			t.Fatalf("%+v %v", uses, err)
		}
		fp, err := w.svc.Fingerprint(ctx, "global")
		if err != nil {
			t.Fatal(err)
		}
		want := []Usage{{Name: "lib", Ranges: []Range{{9, 10}}}, {Name: "app", Ranges: []Range{{1, 3}, {4, 5}}}}
		js, _ := json.Marshal(fp.Usage)
		wjs, _ := json.Marshal(want)
		if !bytes.Equal(js, wjs) || fp.FileName != "Credential id=global name=global" || len(fp.Hash) != 32 || !fp.Timestamp.Equal(uses[3].At) {
			t.Fatalf("%+v", fp)
		}
		sum, err := w.svc.Summary(ctx, "global")
		if err != nil || sum.Fingerprint == nil {
			t.Fatalf("%+v %v", sum, err)
		}
		if fp, err := w.svc.Fingerprint(ctx, "system"); fp != nil || err != nil {
			t.Fatalf("an unused credential's fingerprint: %+v %v", fp, err)
		}
	})
	t.Run("each use is audited once per build, with whom the build acts for", func(t *testing.T) {
		var uses []string
		for _, ev := range w.events {
			if ev.Action == ActionUse && ev.Actor.Auth == "build" {
				uses = append(uses, ev.Actor.User+" "+ev.ID+" "+ev.Detail)
			}
		}
		want := []string{`alice global job "app" build #1`, `alice deploy job "app" build #1`,
			`SYSTEM global job "app" build #2`, `SYSTEM deploy job "app" build #2`,
			`SYSTEM global job "app" build #4`, `SYSTEM deploy job "app" build #4`,
			`SYSTEM global job "lib" build #9`, `SYSTEM deploy job "lib" build #9`}
		if !slices.Equal(uses, want) {
			t.Fatalf("%q\nwant %q", uses, want)
		}
	})
	t.Run("only the newest uses are kept", func(t *testing.T) {
		for n := int64(1); n <= KeepUses+5; n++ {
			if err := w.svc.RecordUse(ctx, Build{JobID: 3, JobName: "busy", Number: n}, "deploy"); err != nil {
				t.Fatal(err)
			}
		}
		uses, _ := w.svc.Uses(ctx, "deploy")
		if len(uses) != KeepUses || uses[0].Number != KeepUses+5 {
			t.Fatalf("%d uses, newest #%d", len(uses), uses[0].Number)
		}
	})
	t.Run("the binding picker lists the GLOBAL credentials of the binding's kind", func(t *testing.T) {
		list, err := w.svc.ForBinding(ctx, "org.jenkinsci.plugins.credentialsbinding.impl.StringBinding")
		if err != nil || len(list) != 1 || list[0].ID != "global" {
			t.Fatalf("%+v %v", list, err)
		}
		list, _ = w.svc.ForBinding(ctx, "org.jenkinsci.plugins.credentialsbinding.impl.UsernamePasswordMultiBinding")
		if len(list) != 1 || list[0].ID != "deploy" {
			t.Fatalf("%+v", list)
		}
		if list, _ := w.svc.ForBinding(ctx, "org.jenkinsci.plugins.credentialsbinding.impl.ZipFileBinding"); list != nil {
			t.Fatalf("%+v", list)
		}
	})
}

func TestRotateKey(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	key := sshKey(t, "")
	for _, x := range []string{textXML("t", "GLOBAL", "t0ken-value"), userPassXML("u", "SYSTEM", "bob", "pa55-word"), sshXML("k", "git", key, "")} {
		if _, err := w.svc.CreateXML(ctx, alice, []byte(x)); err != nil {
			t.Fatal(err)
		}
	}
	keyFile := filepath.Join(w.home, "secrets", secret.KeyFile)
	oldFile, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	rot, err := w.svc.RotateKey(ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("every credential is sealed again and the old key retired", func(t *testing.T) {
		if rot.Key != 2 || rot.Resealed != 3 || !slices.Equal(rot.Retired, []uint32{1}) {
			t.Fatalf("%+v", rot)
		}
		ring, err := secret.Open(filepath.Join(w.home, "secrets"))
		if err != nil || !slices.Equal(ring.KeyIDs(), []uint32{2}) {
			t.Fatalf("%v %v", ring.KeyIDs(), err)
		}
	})
	t.Run("every credential still opens, with its secrets", func(t *testing.T) {
		if c, _ := w.svc.Resolve(ctx, "t", Build{}); c == nil || c.Secret.Reveal() != "t0ken-value" {
			t.Fatal("t")
		}
		if c, _ := w.svc.ResolveForJeeves(ctx, "u", "test"); c == nil || c.Password.Reveal() != "pa55-word" {
			t.Fatal("u")
		}
		if c, _ := w.svc.Resolve(ctx, "k", Build{}); c == nil || c.PrivateKey.Reveal() != key {
			t.Fatal("k")
		}
	})
	t.Run("a copy of the old key file no longer opens what the database holds", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "old")
		os.MkdirAll(dir, 0o700)
		if err := os.WriteFile(filepath.Join(dir, secret.KeyFile), oldFile, 0o600); err != nil {
			t.Fatal(err)
		}
		old, err := secret.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		stale := New(old, w.st, nil)
		if _, err := stale.Resolve(ctx, "t", Build{}); !errors.Is(err, secret.ErrUnknownKey) {
			t.Fatalf("Resolve with the old key: %v", err)
		}
	})
	t.Run("the rotation is audited", func(t *testing.T) {
		i := slices.IndexFunc(w.events, func(ev Event) bool { return ev.Action == ActionRotate })
		ev := w.events[max(i, 0)]
		if ev.Action != ActionRotate || !strings.Contains(ev.Detail, "key 2 is current; 3 credentials sealed again") {
			t.Fatalf("%+v", ev)
		}
	})
	t.Run("a credential altered in the database stops a rotation, retiring nothing", func(t *testing.T) {
		r, err := w.st.Credential(ctx, StoreSystem, DomainGlobal, "t")
		if err != nil {
			t.Fatal(err)
		}
		r.Description = "changed behind jeeves's back"
		if err := w.st.UpdateCredential(ctx, StoreSystem, DomainGlobal, "t", r, time.Now()); err != nil {
			t.Fatal(err)
		}
		_, err = w.svc.RotateKey(ctx, alice)
		if err == nil || !strings.Contains(err.Error(), `credential "t"`) {
			t.Fatalf("RotateKey = %v", err)
		}
		if c, err := w.svc.ResolveForJeeves(ctx, "u", "test"); err != nil || c.Password.Reveal() != "pa55-word" {
			t.Fatalf("the other credentials no longer open: %v", err)
		}
	})
}

func TestPermitted(t *testing.T) {
	holds := func(perms ...string) func(string) bool {
		return func(p string) bool { return slices.Contains(perms, p) }
	}
	all := holds(PermView, PermCreate, PermUpdate, PermDelete, PermManageDomains)
	cases := []struct {
		name   string
		has    func(string) bool
		scopes []string
		jobs   string
		perm   string
		want   bool
	}{
		{"a session holding Credentials/Create creates", all, nil, "", PermCreate, true},
		{"a session without Credentials/Delete does not delete", holds(PermCreate), nil, "", PermDelete, false},
		{"an unscoped token creates", all, nil, "", PermCreate, true},
		{"an admin-scoped token updates", all, []string{"read", "admin"}, "", PermUpdate, true},
		{"a configure-scoped token does not create", all, []string{"configure"}, "", PermCreate, false},
		{"a build-scoped token does not delete", all, []string{"build"}, "", PermDelete, false},
		{"a read-scoped token lists", all, []string{"read"}, "", PermView, true},
		{"a token limited to some jobs does not even list", all, nil, "team-*", PermView, false},
		{"an admin token limited to some jobs does not create", all, []string{"admin"}, "team-*", PermCreate, false},
		{"the strategy still decides for an admin token", holds(PermView), []string{"admin"}, "", PermCreate, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Permitted(c.has, c.scopes, c.jobs, c.perm); got != c.want {
				t.Errorf("Permitted = %v, want %v", got, c.want)
			}
		})
	}
}
