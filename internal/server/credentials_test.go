package server_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"encoding/xml"
	"fmt"
	"github.com/jeeves-ci/jeeves/internal/webui"
	"mime/multipart"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/audit"
	"github.com/jeeves-ci/jeeves/internal/auth"
	"github.com/jeeves-ci/jeeves/internal/authz"
	"github.com/jeeves-ci/jeeves/internal/credentials"
	"github.com/jeeves-ci/jeeves/internal/credentials/binding"
	"golang.org/x/crypto/ssh"
)

// The credentials over HTTP: the REST API's answers and refusals, who
// may do what, the secrets never answered, builds that bind them, the
// Configure form's bindings and the pages' forms.

const domainPath = "credentials/store/system/domain/_/"

// credPath is a credential's path below the root.
func credPath(id string) string { return domainPath + "credential/" + url.PathEscape(id) + "/" }

// testKey is an OpenSSH private key, encrypted with passphrase when it
// is not empty.
func testKey(t *testing.T, passphrase string) string {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var b *pem.Block
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

// esc is s escaped for XML text.
func esc(s string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// The createCredentials bodies of each type, as scripts post them.
func userPassXML(id, user, password string) string {
	return `<com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl><scope>GLOBAL</scope><id>` + id +
		`</id><description>deploys</description><username>` + user + `</username><password>` + esc(password) +
		`</password></com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>`
}

func fileXML(id, name string, content []byte) string {
	return `<org.jenkinsci.plugins.plaincredentials.impl.FileCredentialsImpl><scope>GLOBAL</scope><id>` + id +
		`</id><fileName>` + name + `</fileName><secretBytes>` + base64.StdEncoding.EncodeToString(content) +
		`</secretBytes></org.jenkinsci.plugins.plaincredentials.impl.FileCredentialsImpl>`
}

func sshKeyXML(id, user, key, passphrase string) string {
	return `<com.cloudbees.jenkins.plugins.sshcredentials.impl.BasicSSHUserPrivateKey><scope>GLOBAL</scope><id>` + id +
		`</id><username>` + user + `</username><passphrase>` + esc(passphrase) + `</passphrase>` +
		`<privateKeySource class="com.cloudbees.jenkins.plugins.sshcredentials.impl.BasicSSHUserPrivateKey$DirectEntryPrivateKeySource"><privateKey>` +
		esc(key) + `</privateKey></privateKeySource></com.cloudbees.jenkins.plugins.sshcredentials.impl.BasicSSHUserPrivateKey>`
}

// secretLeaks reports which of secrets (or their base64) body holds.
func secretLeaks(body string, secrets ...string) []string {
	var out []string
	for _, s := range secrets {
		if strings.Contains(body, s) || strings.Contains(body, base64.StdEncoding.EncodeToString([]byte(s))) {
			out = append(out, s)
		}
	}
	return out
}

func TestCredentialsRESTAPI(t *testing.T) {
	rs := newRouteStack(t)
	ctx := context.Background()
	xmlHeader := basic("admin", rs.adminToken)
	post := func(path, body string, h map[string]string) rawResp {
		t.Helper()
		hh := map[string]string{}
		for k, v := range xmlHeader {
			hh[k] = v
		}
		for k, v := range h {
			hh[k] = v
		}
		return rs.raw(t, "POST", path, body, hh)
	}
	key := testKey(t, "key passphrase")
	secrets := []string{"pa55-w0rd!", "t0ken-value", "file content 42", key, "key passphrase"}
	created := []struct{ id, body, typeName string }{
		{"deploy", userPassXML("deploy", "deployer", secrets[0]), "Username with password"},
		{"gh-token", secretTextXML("gh-token", "a token", secrets[1]), "Secret text"},
		{"settings", fileXML("settings", "settings.xml", []byte(secrets[2])), "Secret file"},
		{"github-ssh", sshKeyXML("github-ssh", "git", key, secrets[4]), "SSH Username with private key"},
	}
	t.Run("each type is created from its XML with 200 and an empty body", func(t *testing.T) {
		for _, c := range created {
			r := post(domainPath+"createCredentials", c.body, nil)
			if r.status != 200 || r.body != "" {
				t.Fatalf("%s: %d %q", c.id, r.status, r.body)
			}
		}
	})
	t.Run("the domain lists them at depth 1 with Jenkins's fields, and no secret, username or scope", func(t *testing.T) {
		r := rs.asToken(t, "GET", domainPath+"api/json?depth=1", "")
		var d struct {
			Class       string `json:"_class"`
			FullName    string
			Credentials []map[string]any
		}
		if err := json.Unmarshal([]byte(r.body), &d); err != nil || r.status != 200 {
			t.Fatalf("%d %v %s", r.status, err, r.body)
		}
		if d.Class != credentials.DomainClass || d.FullName != "system/_" || len(d.Credentials) != len(created) {
			t.Fatalf("%s", r.body)
		}
		for i, c := range created {
			got := d.Credentials[i]
			if got["id"] != c.id || got["typeName"] != c.typeName || got["fullName"] != "system/_/"+c.id || got["fingerprint"] != nil {
				t.Errorf("credential %d: %v", i, got)
			}
			for _, k := range []string{"username", "scope", "password", "secret"} {
				if _, ok := got[k]; ok {
					t.Errorf("%s exports %s", c.id, k)
				}
			}
		}
		if strings.Contains(r.body, "deployer") {
			t.Error("a username is in the list")
		}
	})
	t.Run("at depth 0 the list's items carry only their class, as in Jenkins", func(t *testing.T) {
		r := rs.asToken(t, "GET", domainPath+"api/json", "")
		if !strings.Contains(r.body, `"credentials":[{"_class":"`+credentials.WrapperClass+`"},`) {
			t.Fatal(r.body)
		}
	})
	t.Run("a tree picks fields, through the store's domains map too", func(t *testing.T) {
		r := rs.asToken(t, "GET", domainPath+"api/json?tree=credentials[id,typeName]", "")
		if !strings.Contains(r.body, `{"_class":"`+credentials.WrapperClass+`","id":"deploy","typeName":"Username with password"}`) {
			t.Fatal(r.body)
		}
		r = rs.asToken(t, "GET", "credentials/store/system/api/json?tree=domains[urlName]", "")
		if r.body != `{"_class":"`+credentials.StoreActionClass+`","domains":{"_":{"_class":"`+credentials.DomainClass+`","urlName":"_"}}}` {
			t.Fatal(r.body)
		}
		r = rs.asToken(t, "GET", "manage/credentials/api/json?depth=1", "")
		if !strings.Contains(r.body, `"stores":{"system":{"_class":"`+credentials.StoreActionClass+`","domains":{"_":{"_class":"`+credentials.DomainClass+`"}}}}`) {
			t.Fatal(r.body)
		}
	})
	t.Run("config.xml redacts every secret as Jenkins does", func(t *testing.T) {
		for _, path := range []string{credPath("deploy"), domainPath + "credentials/deploy/"} {
			r := rs.asToken(t, "GET", path+"config.xml", "")
			if r.status != 200 || !strings.Contains(r.body, "<password>\n    <secret-redacted/>\n  </password>") || !strings.Contains(r.body, "<username>deployer</username>") {
				t.Fatalf("%s: %d %s", path, r.status, r.body)
			}
		}
		r := rs.asToken(t, "GET", credPath("github-ssh")+"config.xml", "")
		if strings.Count(r.body, "<secret-redacted/>") != 2 {
			t.Fatal(r.body)
		}
	})
	t.Run("the fetched config.xml posted back unchanged keeps the secrets", func(t *testing.T) {
		for _, id := range []string{"deploy", "github-ssh", "settings"} {
			got := rs.asToken(t, "GET", credPath(id)+"config.xml", "").body
			edited := strings.Replace(got, "<id>"+id+"</id>", "<id>"+id+"</id>", 1)
			if r := post(credPath(id)+"config.xml", edited, map[string]string{"Content-Type": "application/xml"}); r.status != 200 {
				t.Fatalf("%s: %d %s", id, r.status, r.body)
			}
		}
		c, err := rs.app.Creds.ResolveForJeeves(ctx, "deploy", "the test")
		if err != nil || c.Password.Reveal() != secrets[0] {
			t.Fatalf("the password after a round trip: %v", err)
		}
		c, err = rs.app.Creds.ResolveForJeeves(ctx, "github-ssh", "the test")
		if err != nil || c.PrivateKey.Reveal() != key || c.Passphrase.Reveal() != secrets[4] {
			t.Fatalf("the key after a round trip: %v", err)
		}
	})
	t.Run("bad input is refused with a 4xx naming the problem, and nothing is stored", func(t *testing.T) {
		cases := []struct {
			name, path, body, ct string
			status               int
			msg                  string
		}{
			{"a duplicate id is a 409, as in Jenkins", domainPath + "createCredentials", secretTextXML("deploy", "", "x-x-x"), "application/xml", 409, ""},
			{"XML that does not parse is a 400", domainPath + "createCredentials", "<org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl><id>x", "application/xml", 400, "malformed XML"},
			{"an unknown credential type is a 400", domainPath + "createCredentials", "<com.example.Unknown><id>u</id></com.example.Unknown>", "application/xml", 400, "com.example.Unknown"},
			{"a private key that does not parse is a 400 at save", domainPath + "createCredentials", sshKeyXML("bad-key", "git", "-----BEGIN OPENSSH PRIVATE KEY-----\nnot a key\n-----END OPENSSH PRIVATE KEY-----\n", ""), "application/xml", 400, "private key"},
			{"a wrong passphrase is a 400 at save", domainPath + "createCredentials", sshKeyXML("bad-pass", "git", key, "wrong"), "application/xml", 400, "passphrase"},
			{"an id with a slash is refused", domainPath + "createCredentials", secretTextXML("a/b", "", "x-x-x"), "application/xml", 400, "unacceptable characters"},
			{"an id with dot-dot is refused", domainPath + "createCredentials", secretTextXML("..", "", "x-x-x"), "application/xml", 400, "path segment"},
			{"an id with a space is refused", domainPath + "createCredentials", secretTextXML("a b", "", "x-x-x"), "application/xml", 400, "unacceptable characters"},
			{"no Content-Type is a 400", domainPath + "createCredentials", "", "", 400, "No Content-Type"},
			{"a form without its json field is a 400", domainPath + "createCredentials", "a=b", "application/x-www-form-urlencoded", 400, "Nothing is submitted"},
			{"an update that changes the id is a 400", credPath("gh-token") + "config.xml", secretTextXML("other", "", "x-x-x"), "application/xml", 400, "keeps the id"},
			{"an update of no credential is a 404", credPath("missing") + "config.xml", secretTextXML("missing", "", "x-x-x"), "application/xml", 404, "no credential"},
			{"a move to another domain is a 400", credPath("gh-token") + "doMove?destination=system/other", "", "", 400, "no domain"},
		}
		before := rs.asToken(t, "GET", domainPath+"api/json?tree=credentials[id]", "").body
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				h := map[string]string{}
				if c.ct != "" {
					h["Content-Type"] = c.ct
				}
				r := post(c.path, c.body, h)
				if r.status != c.status || !strings.Contains(strings.ToLower(r.body), strings.ToLower(c.msg)) {
					t.Fatalf("%d %s", r.status, r.body)
				}
			})
		}
		if r := post(domainPath+"createCredentials", secretTextXML("deploy", "", "x-x-x"), nil); r.status != 409 || r.body != "" || !strings.Contains(r.header.Get("X-Error"), "already exists") {
			t.Errorf("a duplicate's 409: %d %q %v", r.status, r.body, r.header)
		}
		if after := rs.asToken(t, "GET", domainPath+"api/json?tree=credentials[id]", "").body; after != before {
			t.Fatalf("the store changed:\n%s\n%s", before, after)
		}
	})
	t.Run("an id with path characters in the URL names no credential", func(t *testing.T) {
		// Encoded dot segments are refused before the walk (400, as
		// Jetty's "Ambiguous URI path segment"); the others walk to no
		// credential (404).
		for _, c := range []struct {
			path   string
			status int
		}{{domainPath + "credential/..%2F..%2Fapi/json", 400}, {domainPath + "credential/a%20b/api/json", 404}, {domainPath + "credential/a%2Fb/config.xml", 404}} {
			if r := rs.asToken(t, "GET", c.path, ""); r.status != c.status || strings.Contains(r.body, "x-x-x") {
				t.Errorf("%s: %d, want %d\n%s", c.path, r.status, c.status, r.body)
			}
		}
	})
	t.Run("the UI's form answers JSON clients as Jenkins does, with the new id", func(t *testing.T) {
		form := "json=" + url.QueryEscape(`{"":"0","credentials":{"scope":"GLOBAL","id":"from-form","username":"u","password":"form-pw-1","description":"d","$class":"`+credentials.ClassUsernamePassword+`"}}`)
		jsonH := map[string]string{"Accept": "application/json"}
		r := post(domainPath+"createCredentials", form, jsonH)
		if r.status != 200 || r.body != `{"data":{"id":"from-form","message":"Credentials created","notificationType":"SUCCESS"},"status":"ok"}` {
			t.Fatalf("%d %s", r.status, r.body)
		}
		r = post(domainPath+"createCredentials", form, jsonH)
		if r.status != 200 || !strings.Contains(r.body, credentials.MsgExists) || !strings.Contains(r.body, "ERROR") {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if r = post(domainPath+"createCredentials", form, nil); r.status != 409 {
			t.Fatalf("a duplicate from a plain form: %d %s", r.status, r.body)
		}
		form = strings.Replace(form, "from-form", "from-form-2", 1)
		if r = post(domainPath+"createCredentials", form, nil); r.status != 302 || r.header.Get("Location") != rs.url+domainPath+"api/json" {
			t.Fatalf("%d %v", r.status, r.header)
		}
	})
	t.Run("updateSubmit keeps a secret left blank and changes the rest", func(t *testing.T) {
		form := "json=" + url.QueryEscape(`{"scope":"GLOBAL","id":"from-form","username":"u2","password":"","description":"new","$class":"`+credentials.ClassUsernamePassword+`"}`)
		if r := post(credPath("from-form")+"updateSubmit", form, map[string]string{"Accept": "application/json"}); r.status != 200 || !strings.Contains(r.body, credentials.MsgUpdated) {
			t.Fatalf("%d %s", r.status, r.body)
		}
		c, err := rs.app.Creds.ResolveForJeeves(ctx, "from-form", "the test")
		if err != nil || c.Username != "u2" || c.Description != "new" || c.Password.Reveal() != "form-pw-1" {
			t.Fatalf("%v %+v", err, c)
		}
	})
	t.Run("doDelete and DELETE config.xml remove a credential; a second time is a 404", func(t *testing.T) {
		if r := post(credPath("from-form")+"doDelete", "", nil); r.status != 302 || r.header.Get("Location") != rs.url+domainPath+"api/json" {
			t.Fatalf("%d %v", r.status, r.header)
		}
		if r := post(credPath("from-form")+"doDelete", "", nil); r.status != 404 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if r := post(credPath("from-form-2")+"doDelete", "", map[string]string{"Accept": "application/json"}); r.status != 200 || !strings.Contains(r.body, credentials.MsgDeleted) {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if r := post(domainPath+"createCredentials", secretTextXML("doomed", "", "x-x-x"), nil); r.status != 200 {
			t.Fatal(r.status)
		}
		if r := rs.raw(t, "DELETE", credPath("doomed")+"config.xml", "", xmlHeader); r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if r := rs.raw(t, "DELETE", credPath("doomed")+"config.xml", "", xmlHeader); r.status != 404 {
			t.Fatalf("%d %s", r.status, r.body)
		}
	})
	t.Run("nobody reads a secret: no answer of any read route holds one", func(t *testing.T) {
		var paths []string
		for _, api := range []string{"api/json", "api/xml", "api/python"} {
			for d := 0; d <= 5; d++ {
				paths = append(paths, fmt.Sprintf("credentials/%s?depth=%d", api, d), fmt.Sprintf("%s%s?depth=%d", domainPath, api, d))
				for _, c := range created {
					paths = append(paths, fmt.Sprintf("%s%s?depth=%d", credPath(c.id), api, d))
				}
			}
		}
		paths = append(paths, domainPath+"api/json?tree=*,credentials[*,fingerprint[*]]", "credentials/", "manage/credentials/", domainPath+"newCredentials")
		for _, c := range created {
			paths = append(paths, credPath(c.id), credPath(c.id)+"config.xml", credPath(c.id)+"update", credPath(c.id)+"delete")
		}
		for _, p := range paths {
			for _, who := range []map[string]string{basic("admin", rs.adminToken), basic("admin", "pw")} {
				r := rs.raw(t, "GET", p, "", who)
				if r.status != 200 {
					t.Errorf("%s: %d", p, r.status)
				}
				if leaks := secretLeaks(r.body, secrets...); len(leaks) > 0 {
					t.Errorf("%s answers a secret", p)
				}
			}
		}
	})
	t.Run("every change is audited by id, never with a secret", func(t *testing.T) {
		entries, _, err := rs.audit.Find(audit.Query{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, e := range entries {
			if strings.HasPrefix(e.Action, "credentials.") {
				seen[e.Action+" "+strings.Fields(e.Detail + " x")[1]] = true
			}
		}
		for _, want := range []string{`credentials.create "deploy"`, `credentials.update "deploy"`, `credentials.create "from-form"`,
			`credentials.update "from-form"`, `credentials.delete "from-form"`, `credentials.delete "doomed"`} {
			if !seen[want] {
				t.Errorf("no audit entry %s in %v", want, seen)
			}
		}
		if err := rs.audit.Flush(); err != nil {
			t.Fatal(err)
		}
		grepHome(t, rs.home, secrets...)
	})
}

// grepHome fails t if any file under home (the database and its WAL,
// the audit log, build logs) holds one of secrets, or its base64.
func grepHome(t *testing.T, home string, secrets ...string) {
	t.Helper()
	n := 0
	err := filepath.Walk(home, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		n++
		for _, s := range secretLeaks(string(b), secrets...) {
			t.Errorf("%s holds the secret %.12q…", p, s)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 3 {
		t.Fatalf("only %d files in the home", n)
	}
}

func TestCredentialsPermissions(t *testing.T) {
	rs := newRouteStack(t)
	ctx := context.Background()
	for _, u := range []string{"viewer", "creator"} {
		if _, err := rs.au.CreateUser(ctx, u, u+"-pw", "", "", false); err != nil {
			t.Fatal(err)
		}
	}
	err := rs.app.Authz.Set(ctx, authz.Strategy{Strategy: authz.Matrix, Grants: []authz.Grant{
		{Type: "GROUP", Sid: "authenticated", Permissions: []string{authz.Read}},
		{Type: "USER", Sid: "viewer", Permissions: []string{authz.CredentialsView}},
		{Type: "USER", Sid: "creator", Permissions: []string{authz.CredentialsView, authz.CredentialsCreate}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	glob, _ := rs.newToken(t, "glob", auth.TokenOptions{Jobs: "team-*"})
	configure, _ := rs.newToken(t, "configure", auth.TokenOptions{Scopes: []string{"configure"}})
	admin, _ := rs.newToken(t, "admin-scoped", auth.TokenOptions{Scopes: []string{"admin"}})
	n := 0
	cases := []struct {
		name       string
		who        map[string]string
		view, make bool
	}{
		{"an unscoped token of an admin views and creates", basic("admin", rs.adminToken), true, true},
		{"an admin-scoped token views and creates", basic("admin", admin), true, true},
		{"a read-scoped token views but cannot create", basic("admin", rs.readToken), true, false},
		{"a configure-scoped token views but cannot create", basic("admin", configure), true, false},
		{"a token limited to some jobs neither views nor creates", basic("admin", glob), false, false},
		{"a user granted Credentials/View views but cannot create", basic("viewer", "viewer-pw"), true, false},
		{"a user granted Credentials/Create creates", basic("creator", "creator-pw"), true, true},
		{"a user with Overall/Read only does neither", basic("bob", "bob-pw"), false, false},
		{"anonymous does neither", nil, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n++
			id := fmt.Sprintf("perm-%d", n)
			h := map[string]string{"Jenkins-Crumb": ""}
			for k, v := range c.who {
				h[k] = v
			}
			if c.who != nil {
				// Passwords need a crumb; tokens ignore it.
				if r := rs.raw(t, "GET", "crumbIssuer/api/json", "", c.who); r.status == 200 {
					var cr struct{ Crumb string }
					json.Unmarshal([]byte(r.body), &cr)
					h["Jenkins-Crumb"] = cr.Crumb
				}
			}
			r := rs.raw(t, "GET", domainPath+"api/json", "", h)
			if got := r.status == 200; got != c.view {
				t.Errorf("view: %d", r.status)
			}
			if !c.view && r.header.Get("X-Required-Permission") != authz.CredentialsView && r.status != 403 {
				t.Errorf("view refused with %d %v", r.status, r.header)
			}
			r = rs.raw(t, "POST", domainPath+"createCredentials", secretTextXML(id, "", "perm-secret"), h)
			if got := r.status == 200; got != c.make {
				t.Errorf("create: %d %s", r.status, r.body)
			}
			if !c.make && (r.status != 403 || c.who != nil && r.header.Get("X-Required-Permission") != authz.CredentialsCreate) {
				t.Errorf("create refused with %d %v", r.status, r.header)
			}
			if _, err := rs.app.Creds.Get(ctx, id); (err == nil) != c.make {
				t.Errorf("stored: %v", err)
			}
		})
	}
}

func TestCredentialsBoundIntoBuilds(t *testing.T) {
	rs := newRouteStack(t)
	key := testKey(t, "")
	secrets := []string{"build-pa55", "build-t0ken", "file-secret-42", "nexus-user-secret"}
	for _, body := range []string{
		userPassXML("deploy", "deployer", secrets[0]),
		secretTextXML("token", "", secrets[1]),
		fileXML("settings", "settings.xml", []byte(secrets[2])),
		sshKeyXML("key", "git", key, ""),
		`<com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl><scope>SYSTEM</scope><id>system-only</id><username>root</username><password>sys-pw-99</password></com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>`,
	} {
		if r := rs.asToken(t, "POST", domainPath+"createCredentials", body); r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
	}
	wrapper := `<buildWrappers><org.jenkinsci.plugins.credentialsbinding.impl.SecretBuildWrapper><bindings>
<org.jenkinsci.plugins.credentialsbinding.impl.UsernamePasswordMultiBinding><credentialsId>deploy</credentialsId><usernameVariable>U</usernameVariable><passwordVariable>P</passwordVariable></org.jenkinsci.plugins.credentialsbinding.impl.UsernamePasswordMultiBinding>
<org.jenkinsci.plugins.credentialsbinding.impl.StringBinding><credentialsId>token</credentialsId><variable>TOKEN</variable></org.jenkinsci.plugins.credentialsbinding.impl.StringBinding>
<org.jenkinsci.plugins.credentialsbinding.impl.FileBinding><credentialsId>settings</credentialsId><variable>SETTINGS</variable></org.jenkinsci.plugins.credentialsbinding.impl.FileBinding>
<org.jenkinsci.plugins.credentialsbinding.impl.SSHUserPrivateKeyBinding><credentialsId>key</credentialsId><keyFileVariable>KEY</keyFileVariable><usernameVariable>KU</usernameVariable></org.jenkinsci.plugins.credentialsbinding.impl.SSHUserPrivateKeyBinding>
</bindings></org.jenkinsci.plugins.credentialsbinding.impl.SecretBuildWrapper></buildWrappers>`
	script := `echo "user=$U pass=$P token=$TOKEN"; cat "$SETTINGS"; echo; echo "$SETTINGS" > "$WORKSPACE/settings-path"; test -s "$KEY" && echo "key user $KU"`
	rs.createJob(t, "bound", `<project><builders><hudson.tasks.Shell><command>`+esc(script)+`</command></hudson.tasks.Shell></builders>`+wrapper+`</project>`)
	log := rs.buildConsole(t, "bound")
	t.Run("the build gets every binding, each secret masked in its console", func(t *testing.T) {
		for _, want := range []string{"user=**** pass=**** token=****", "\n****", "key user ****", "Finished: SUCCESS"} {
			if !strings.Contains(log, want) {
				t.Errorf("the console lacks %q:\n%s", want, log)
			}
		}
		if leaks := secretLeaks(log, secrets...); len(leaks) > 0 {
			t.Errorf("the console holds secrets:\n%s", log)
		}
	})
	t.Run("the secret file is removed when the build ends", func(t *testing.T) {
		b, err := os.ReadFile(filepath.Join(rs.home, "workspace", "bound", "settings-path"))
		if err != nil {
			t.Fatal(err)
		}
		path := strings.TrimSpace(string(b))
		if !strings.Contains(path, "@tmp") {
			t.Fatalf("the file was at %s", path)
		}
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Fatalf("%s is still there: %v", path, err)
		}
	})
	t.Run("each credential's api/json lists the build that used it", func(t *testing.T) {
		for _, id := range []string{"deploy", "token", "settings", "key"} {
			var w struct {
				Fingerprint struct {
					Class string `json:"_class"`
					Usage []struct {
						Name   string
						Ranges struct{ Ranges []struct{ Start, End int } }
					}
				}
			}
			eventually(t, "the use of "+id+" is recorded", func() bool {
				r := rs.asToken(t, "GET", credPath(id)+"api/json?depth=1", "")
				return json.Unmarshal([]byte(r.body), &w) == nil && len(w.Fingerprint.Usage) == 1
			})
			u := w.Fingerprint.Usage[0]
			if w.Fingerprint.Class != "hudson.model.Fingerprint" || u.Name != "bound" || len(u.Ranges.Ranges) != 1 || u.Ranges.Ranges[0].Start != 1 || u.Ranges.Ranges[0].End != 2 {
				t.Errorf("%s: %+v", id, w)
			}
		}
		page := rs.asToken(t, "GET", credPath("token"), "").body
		if !strings.Contains(page, `/job/bound/1/">#1</a>`) {
			t.Errorf("the credential's page does not list the build:\n%s", page)
		}
	})
	t.Run("each use is audited with the build, never the value", func(t *testing.T) {
		entries, _, err := rs.audit.Find(audit.Query{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		uses := 0
		for _, e := range entries {
			if e.Action == "credentials.use" && strings.Contains(e.Detail, `job "bound" build #1`) {
				uses++
			}
		}
		if uses != 4 {
			t.Errorf("%d uses audited", uses)
		}
	})
	t.Run("a SYSTEM credential or a missing one fails the build with a clear line", func(t *testing.T) {
		for _, id := range []string{"system-only", "missing"} {
			job := "bind-" + id
			rs.createJob(t, job, `<project><builders><hudson.tasks.Shell><command>echo ran</command></hudson.tasks.Shell></builders><buildWrappers><org.jenkinsci.plugins.credentialsbinding.impl.SecretBuildWrapper><bindings><org.jenkinsci.plugins.credentialsbinding.impl.StringBinding><credentialsId>`+id+`</credentialsId><variable>X</variable></org.jenkinsci.plugins.credentialsbinding.impl.StringBinding></bindings></org.jenkinsci.plugins.credentialsbinding.impl.SecretBuildWrapper></buildWrappers></project>`)
			log := rs.buildConsole(t, job)
			if !strings.Contains(log, "ERROR: Could not find credentials entry with ID '"+id+"'") || strings.Contains(log, "\nran\n") || !strings.Contains(log, "Finished: FAILURE") {
				t.Errorf("%s:\n%s", id, log)
			}
		}
	})
	t.Run("the home holds none of the secrets", func(t *testing.T) {
		if err := rs.audit.Flush(); err != nil {
			t.Fatal(err)
		}
		grepHome(t, rs.home, append(secrets, key, "sys-pw-99")...)
	})
}

func TestConfigureCredentialsBindings(t *testing.T) {
	rs := newRouteStack(t)
	for _, body := range []string{
		secretTextXML("token", "the token", "cfg-t0ken"),
		userPassXML("deploy", "deployer", "cfg-pa55"),
		`<org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl><scope>SYSTEM</scope><id>jeeves-own</id><secret>own-secret</secret></org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl>`,
	} {
		if r := rs.asToken(t, "POST", domainPath+"createCredentials", body); r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
	}
	rs.createJob(t, "plain", shellXML)
	page := rs.asSession(t, "GET", "job/plain/configure", nil)
	t.Run("the form offers the GLOBAL credentials, never the SYSTEM ones", func(t *testing.T) {
		for _, want := range []string{`id="bindings"`, "Use secret text(s) or file(s)", `<option value="token">`, `<option value="deploy">`} {
			if !strings.Contains(page.body, want) {
				t.Errorf("the page lacks %s", want)
			}
		}
		if strings.Contains(page.body, "jeeves-own") {
			t.Error("a SYSTEM credential is offered")
		}
	})
	submit := func(t *testing.T, rows [][]string) rawResp {
		t.Helper()
		form := formValues(t, rs.asSession(t, "GET", "job/plain/configure", nil).body, "configure-form")
		for _, k := range []string{"binding.class", "binding.credentialsId", "binding.variable", "binding.usernameVariable", "binding.passwordVariable", "binding.keyFileVariable", "binding.passphraseVariable"} {
			form.Del(k)
		}
		for _, r := range rows {
			form.Add("binding.class", r[0])
			form.Add("binding.credentialsId", r[1])
			form.Add("binding.variable", r[2])
			form.Add("binding.usernameVariable", r[3])
			form.Add("binding.passwordVariable", r[4])
			form.Add("binding.keyFileVariable", "")
			form.Add("binding.passphraseVariable", "")
		}
		return rs.asSession(t, "POST", "job/plain/configSubmit", form)
	}
	const (
		str   = "org.jenkinsci.plugins.credentialsbinding.impl.StringBinding"
		multi = "org.jenkinsci.plugins.credentialsbinding.impl.UsernamePasswordMultiBinding"
	)
	t.Run("saving the form as shown changes nothing", func(t *testing.T) {
		before := rs.configXML(t, "plain")
		if r := submit(t, [][]string{{str, "", "", "", ""}}); r.status != 303 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if got := rs.configXML(t, "plain"); got != before {
			t.Fatalf("config.xml changed:\n%s", got)
		}
	})
	t.Run("bindings are written as Jenkins writes SecretBuildWrapper", func(t *testing.T) {
		if r := submit(t, [][]string{{str, "token", "TOKEN", "", ""}, {multi, "deploy", "", "U", "P"}, {str, "", "", "", ""}}); r.status != 303 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		got := rs.configXML(t, "plain")
		bs, err := binding.FromConfigXML([]byte(got))
		want := []binding.Binding{{Class: str, CredentialsID: "token", Variable: "TOKEN"}, {Class: multi, CredentialsID: "deploy", UsernameVariable: "U", PasswordVariable: "P"}}
		if err != nil || !slices.Equal(bs, want) || !strings.Contains(got, "<org.jenkinsci.plugins.credentialsbinding.impl.SecretBuildWrapper plugin=") {
			t.Errorf("config.xml: %v %+v\n%s", err, bs, got)
		}
		if log := rs.buildConsole(t, "plain"); !strings.Contains(log, "Finished: SUCCESS") {
			t.Fatal(log)
		}
		page := rs.asSession(t, "GET", "job/plain/configure", nil).body
		if !strings.Contains(page, `<option value="token" selected>`) || !strings.Contains(page, `name="binding.usernameVariable" value="U"`) {
			t.Error("the form does not show the bindings")
		}
	})
	t.Run("a binding the user may not make is refused beside the section, and nothing is saved", func(t *testing.T) {
		before := rs.configXML(t, "plain")
		for _, c := range []struct {
			name string
			row  []string
			msg  string
		}{
			{"a SYSTEM credential", []string{str, "jeeves-own", "X", "", ""}, "not a credential you may bind"},
			{"a credential of another type", []string{str, "deploy", "X", "", ""}, "needs a Secret text credential"},
			{"no variable", []string{str, "token", "", "", ""}, "variable"},
			{"no credential", []string{str, "", "X", "", ""}, "needs a credential"},
		} {
			r := submit(t, [][]string{c.row})
			if r.status != 400 || !strings.Contains(r.body, `id="bindings-error"`) || !strings.Contains(r.body, c.msg) {
				t.Errorf("%s: %d %s", c.name, r.status, r.body)
			}
		}
		if got := rs.configXML(t, "plain"); got != before {
			t.Fatalf("config.xml changed:\n%s", got)
		}
	})
	t.Run("emptying every row removes the bindings", func(t *testing.T) {
		if r := submit(t, [][]string{{str, "", "", "", ""}}); r.status != 303 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if got := rs.configXML(t, "plain"); strings.Contains(got, "SecretBuildWrapper") {
			t.Fatal(got)
		}
	})
}

func TestCredentialsPages(t *testing.T) {
	rs := newRouteStack(t)
	ctx := context.Background()
	multipartForm := func(fields map[string]string, file []byte) (string, string) {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		for k, v := range fields {
			w.WriteField(k, v)
		}
		if file != nil {
			fw, _ := w.CreateFormFile("file0", "settings.xml")
			fw.Write(file)
		} else {
			fw, _ := w.CreateFormFile("file0", "")
			fw.Write(nil)
		}
		w.Close()
		return b.String(), w.FormDataContentType()
	}
	post := func(path, body, ct string) rawResp {
		return rs.raw(t, "POST", path+"?Jenkins-Crumb="+rs.sessionCrumb, body, map[string]string{"Content-Type": ct}, rs.session)
	}
	t.Run("a secret text is added through its form and its page shows it without the secret", func(t *testing.T) {
		body, ct := multipartForm(map[string]string{"jeeves-form": "1", "kind": "string", "scope": "GLOBAL", "id": "ui-token", "secret": "ui-secret-1", "description": "from the page"}, nil)
		r := post(domainPath+"newCredentials", body, ct)
		if r.status != 303 || withoutFlash(r.header.Get("Location")) != rs.url+credPath("ui-token") {
			t.Fatalf("%d %v %s", r.status, r.header, r.body)
		}
		page := rs.raw(t, "GET", credPath("ui-token"), "", nil, rs.session).body
		if !strings.Contains(page, "from the page") || strings.Contains(page, "ui-secret-1") {
			t.Fatal(page)
		}
	})
	t.Run("a secret file is uploaded, kept in memory, and kept by an update without a file", func(t *testing.T) {
		body, ct := multipartForm(map[string]string{"kind": "file", "scope": "GLOBAL", "id": "ui-file"}, []byte("uploaded-secret"))
		if r := post(domainPath+"newCredentials", body, ct); r.status != 303 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		body, ct = multipartForm(map[string]string{"scope": "GLOBAL", "description": "renamed"}, nil)
		if r := post(credPath("ui-file")+"update", body, ct); r.status != 303 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		c, err := rs.app.Creds.ResolveForJeeves(ctx, "ui-file", "the test")
		if err != nil || string(c.FileData.Reveal()) != "uploaded-secret" || c.FileName != "settings.xml" || c.Description != "renamed" {
			t.Fatalf("%v %+v", err, c)
		}
	})
	t.Run("the update form shows no secret and a blank one keeps it", func(t *testing.T) {
		page := rs.raw(t, "GET", credPath("ui-token")+"update", "", nil, rs.session).body
		if strings.Contains(page, "ui-secret-1") || !strings.Contains(page, `id="blank-unchanged"`) {
			t.Fatal(page)
		}
		body, ct := multipartForm(map[string]string{"scope": "GLOBAL", "secret": "", "description": "still"}, nil)
		if r := post(credPath("ui-token")+"update", body, ct); r.status != 303 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		c, _ := rs.app.Creds.ResolveForJeeves(ctx, "ui-token", "the test")
		if c.Secret.Reveal() != "ui-secret-1" || c.Description != "still" {
			t.Fatalf("%+v", c)
		}
	})
	t.Run("a refused form comes back as typed, without its secret", func(t *testing.T) {
		body, ct := multipartForm(map[string]string{"kind": "usernamePassword", "scope": "GLOBAL", "id": "ui-token", "username": "typed-user", "password": "typed-pw-secret"}, nil)
		r := post(domainPath+"newCredentials", body, ct)
		if r.status != 409 || !strings.Contains(r.body, `value="typed-user"`) || strings.Contains(r.body, "typed-pw-secret") {
			t.Fatalf("%d %s", r.status, r.body)
		}
	})
	t.Run("delete asks first, and its button removes the credential", func(t *testing.T) {
		page := rs.raw(t, "GET", credPath("ui-token")+"delete", "", nil, rs.session).body
		if !strings.Contains(page, `action="/`+credPath("ui-token")+`doDelete"`) && !strings.Contains(page, credPath("ui-token")+`doDelete"`) {
			t.Fatal(page)
		}
		r := rs.raw(t, "POST", credPath("ui-token")+"doDelete", "jeeves-form=1&Jenkins-Crumb="+rs.sessionCrumb, nil, rs.session)
		if r.status != 303 || withoutFlash(r.header.Get("Location")) != rs.url+domainPath {
			t.Fatalf("%d %v", r.status, r.header)
		}
		if _, err := rs.app.Creds.Get(ctx, "ui-token"); err == nil {
			t.Fatal("still there")
		}
	})
}

// withoutFlash is a Location without the flash parameter that carries a
// form's notice ("Created the credential ‘x’") to the page.
func withoutFlash(loc string) string {
	if i := strings.Index(loc, "?"+webui.FlashParam+"="); i >= 0 {
		return loc[:i]
	}
	return loc
}
