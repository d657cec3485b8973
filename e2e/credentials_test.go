package e2e

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"encoding/xml"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bndr/gojenkins"
	"golang.org/x/crypto/ssh"
)

// Credentials with the real binary and the real clients: curl as
// scripts call the credentials plugin's REST API, gojenkins's
// CredentialsManager (python-jenkins has credential calls, but only for
// folder stores, /job/F/credentials/store/folder/…, which jeeves does
// not have), builds that bind every type, and the home read byte by
// byte for the secrets.

const credDomain = "credentials/store/system/domain/_/"

// credSecrets are the secrets TestCredentialsOverREST stores.
type credSecrets struct {
	password, token, file, key, passphrase string
}

func (s credSecrets) all() []string {
	return []string{s.password, s.token, s.file, s.key, s.passphrase}
}

// newKey is an OpenSSH ed25519 key encrypted with passphrase.
func newKey(t *testing.T, passphrase string) string {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	b, err := ssh.MarshalPrivateKeyWithPassphrase(priv, "e2e", []byte(passphrase))
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(b))
}

func xmlText(s string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// curlStatus runs curl and returns the status and the body.
func curlStatus(t *testing.T, args ...string) (int, string) {
	t.Helper()
	out := curl(t, append([]string{"-w", "\n%{http_code}"}, args...)...)
	i := strings.LastIndex(out, "\n")
	code, err := strconv.Atoi(out[i+1:])
	if err != nil {
		t.Fatalf("curl %v: %q", args, out)
	}
	return code, out[:i]
}

// postXML posts a credential's XML with curl, as the credentials
// plugin's documentation does.
func postXML(t *testing.T, j *jeeves, auth, path, body string) (int, string) {
	t.Helper()
	return curlStatus(t, "-u", auth, "-H", "Content-Type: application/xml", "-X", "POST", "--data-binary", body, j.url+path)
}

// leaks lists which secrets (or their base64) data holds.
func leaks(data []byte, secrets []string) []string {
	var out []string
	for _, s := range secrets {
		if bytes.Contains(data, []byte(s)) || bytes.Contains(data, []byte(base64.StdEncoding.EncodeToString([]byte(s)))) {
			out = append(out, s)
		}
	}
	return out
}

// grepTree fails t if any file under dir holds one of the secrets; it
// returns how many files it read.
func grepTree(t *testing.T, dir string, secrets []string) int {
	t.Helper()
	n := 0
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil // a file removed while we walk (the WAL at a checkpoint)
			}
			return err
		}
		if !fi.Mode().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if os.IsNotExist(err) {
			return nil
		}
		if err != nil {
			return err
		}
		n++
		for _, s := range leaks(b, secrets) {
			t.Errorf("%s holds a secret (%d bytes)", p, len(s))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestCredentialsOverREST(t *testing.T) {
	t.Parallel() // builds and a restart; runs beside the other slow tests
	j := start(t, "", nil)
	tok := j.adminToken(t)
	auth := "admin:" + tok
	sec := credSecrets{password: "e2e-pa55-w0rd", token: "e2e-t0ken-value-77", file: "e2e file content 1234", passphrase: "e2e key passphrase"}
	sec.key = newKey(t, sec.passphrase)
	bodies := map[string]string{
		"deploy": `<com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl><scope>GLOBAL</scope><id>deploy</id>` +
			`<description>deploy user</description><username>deployer</username><password>` + sec.password +
			`</password></com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>`,
		"gh-token": `<org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl><scope>GLOBAL</scope><id>gh-token</id>` +
			`<secret>` + sec.token + `</secret></org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl>`,
		"settings": `<org.jenkinsci.plugins.plaincredentials.impl.FileCredentialsImpl><scope>GLOBAL</scope><id>settings</id>` +
			`<fileName>settings.xml</fileName><secretBytes>` + base64.StdEncoding.EncodeToString([]byte(sec.file)) +
			`</secretBytes></org.jenkinsci.plugins.plaincredentials.impl.FileCredentialsImpl>`,
		"github-ssh": `<com.cloudbees.jenkins.plugins.sshcredentials.impl.BasicSSHUserPrivateKey><scope>GLOBAL</scope><id>github-ssh</id>` +
			`<username>git</username><passphrase>` + xmlText(sec.passphrase) + `</passphrase><privateKeySource class="com.cloudbees.jenkins.plugins.sshcredentials.impl.BasicSSHUserPrivateKey$DirectEntryPrivateKeySource">` +
			`<privateKey>` + xmlText(sec.key) + `</privateKey></privateKeySource></com.cloudbees.jenkins.plugins.sshcredentials.impl.BasicSSHUserPrivateKey>`,
	}
	ids := []string{"deploy", "gh-token", "settings", "github-ssh"}

	t.Run("curl creates each type with 200", func(t *testing.T) {
		for _, id := range ids {
			if code, body := postXML(t, j, auth, credDomain+"createCredentials", bodies[id]); code != 200 || body != "" {
				t.Fatalf("%s: %d %s", id, code, body)
			}
		}
		var d struct {
			Credentials []struct{ ID, TypeName string }
		}
		if err := json.Unmarshal([]byte(curl(t, "-g", "-u", auth, j.url+credDomain+"api/json?tree=credentials[id,typeName]")), &d); err != nil || len(d.Credentials) != 4 {
			t.Fatalf("%v %+v", err, d)
		}
	})
	t.Run("bad input gets its 4xx and stores nothing", func(t *testing.T) {
		badKey := strings.Replace(bodies["github-ssh"], "<id>github-ssh</id>", "<id>bad-key</id>", 1)
		badKey = strings.Replace(badKey, xmlText(sec.key), "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n", 1)
		cases := []struct {
			name, body string
			code       int
			msg        string
		}{
			{"a duplicate id is a 409, empty as in Jenkins", bodies["deploy"], 409, ""},
			{"XML that does not parse is a 400", "<org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl><id>x</id>", 400, "malformed XML"},
			{"a private key that does not parse is a 400", badKey, 400, "private key"},
			{"an id with a slash is a 400", strings.Replace(bodies["gh-token"], "<id>gh-token</id>", "<id>a/b</id>", 1), 400, "unacceptable characters"},
			{"an id of dot-dot is a 400", strings.Replace(bodies["gh-token"], "<id>gh-token</id>", "<id>..</id>", 1), 400, "path segment"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				code, body := postXML(t, j, auth, credDomain+"createCredentials", c.body)
				if code != c.code || !strings.Contains(body, c.msg) {
					t.Fatalf("%d %s", code, body)
				}
			})
		}
		var d struct{ Credentials []struct{ ID string } }
		json.Unmarshal([]byte(curl(t, "-g", "-u", auth, j.url+credDomain+"api/json?tree=credentials[id]")), &d)
		if len(d.Credentials) != 4 {
			t.Fatalf("the store changed: %+v", d)
		}
	})
	t.Run("a token scoped to read lists the credentials but cannot create one", func(t *testing.T) {
		r := j.must(t, 200, req{method: "POST", path: "me/descriptorByName/jenkins.security.ApiTokenProperty/generateNewToken",
			user: "admin", secret: tok, header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, body: "newTokenName=ro&scope=read"})
		var g struct{ Data struct{ TokenValue string } }
		json.Unmarshal([]byte(r.body), &g)
		ro := "admin:" + g.Data.TokenValue
		if code, _ := curlStatus(t, "-u", ro, j.url+credDomain+"api/json"); code != 200 {
			t.Fatalf("list: %d", code)
		}
		code, _ := postXML(t, j, ro, credDomain+"createCredentials", strings.Replace(bodies["gh-token"], "<id>gh-token</id>", "<id>by-ro</id>", 1))
		if code != 403 {
			t.Fatalf("create: %d", code)
		}
		for _, path := range []string{credDomain + "credential/deploy/doDelete", credDomain + "credential/deploy/config.xml"} {
			if code, _ := curlStatus(t, "-u", ro, "-X", "POST", "--data-binary", bodies["deploy"], "-H", "Content-Type: application/xml", j.url+path); code != 403 {
				t.Errorf("%s: %d", path, code)
			}
		}
	})
	t.Run("nobody reads a secret: config.xml is redacted and no API answer holds one", func(t *testing.T) {
		got := curl(t, "-u", auth, j.url+credDomain+"credential/deploy/config.xml")
		if !strings.Contains(got, "<secret-redacted/>") || !strings.Contains(got, "<username>deployer</username>") {
			t.Fatal(got)
		}
		var answers []string
		for _, p := range []string{"credentials/api/json?depth=5", "manage/credentials/api/xml?depth=5", credDomain + "api/python?depth=5", credDomain + "api/json?tree=*,credentials[*,fingerprint[*]]"} {
			answers = append(answers, curl(t, "-g", "-u", auth, j.url+p))
		}
		for _, id := range ids {
			for _, p := range []string{"config.xml", "api/json?depth=5", "", "update"} {
				answers = append(answers, curl(t, "-u", auth, j.url+credDomain+"credential/"+id+"/"+p))
			}
		}
		for i, a := range answers {
			if l := leaks([]byte(a), sec.all()); len(l) > 0 {
				t.Errorf("answer %d holds a secret", i)
			}
		}
	})
	t.Run("the redacted config.xml posted back keeps the secret", func(t *testing.T) {
		got := curl(t, "-u", auth, j.url+credDomain+"credential/gh-token/config.xml")
		got = strings.Replace(got, "<description></description>", "<description>round trip</description>", 1)
		if code, body := postXML(t, j, auth, credDomain+"credential/gh-token/config.xml", got); code != 200 {
			t.Fatalf("%d %s", code, body)
		}
	})

	// A job binding every type: what it prints of the secrets is masked,
	// and what it prints of their hashes shows it got the right values.
	hash := func(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }
	script := `echo "user=$U pass=$P token=$TOKEN"
printf %s "$P" | sha256sum
printf %s "$TOKEN" | sha256sum
sha256sum < "$SETTINGS"
echo "$SETTINGS" > "$WORKSPACE/settings-path"
ssh-keygen -y -P "$PASSPHRASE" -f "$KEY" >/dev/null 2>&1 && echo "the key opens with its passphrase" || echo "no ssh-keygen, or the key does not open"
echo "files: $SETTINGS $KEY"`
	job := `<project><builders><hudson.tasks.Shell><command>` + xmlText(script) + `</command></hudson.tasks.Shell></builders>
<buildWrappers><org.jenkinsci.plugins.credentialsbinding.impl.SecretBuildWrapper><bindings>
<org.jenkinsci.plugins.credentialsbinding.impl.UsernamePasswordMultiBinding><credentialsId>deploy</credentialsId><usernameVariable>U</usernameVariable><passwordVariable>P</passwordVariable></org.jenkinsci.plugins.credentialsbinding.impl.UsernamePasswordMultiBinding>
<org.jenkinsci.plugins.credentialsbinding.impl.StringBinding><credentialsId>gh-token</credentialsId><variable>TOKEN</variable></org.jenkinsci.plugins.credentialsbinding.impl.StringBinding>
<org.jenkinsci.plugins.credentialsbinding.impl.FileBinding><credentialsId>settings</credentialsId><variable>SETTINGS</variable></org.jenkinsci.plugins.credentialsbinding.impl.FileBinding>
<org.jenkinsci.plugins.credentialsbinding.impl.SSHUserPrivateKeyBinding><credentialsId>github-ssh</credentialsId><keyFileVariable>KEY</keyFileVariable><passphraseVariable>PASSPHRASE</passphraseVariable></org.jenkinsci.plugins.credentialsbinding.impl.SSHUserPrivateKeyBinding>
</bindings></org.jenkinsci.plugins.credentialsbinding.impl.SecretBuildWrapper></buildWrappers></project>`
	j.createJob(t, "bound", job)
	buildLog := func(t *testing.T) (build, string) {
		t.Helper()
		b := j.waitBuild(t, j.trigger(t, "bound"))
		return b, curl(t, "-u", auth, fmt.Sprintf("%sjob/bound/%d/consoleText", j.url, b.Number))
	}
	checkLog := func(t *testing.T, b build, log string) {
		t.Helper()
		for _, want := range []string{"user=**** pass=**** token=****", hash(sec.password), hash(sec.token), hash(sec.file), "files: **** ****", "Finished: SUCCESS"} {
			if !strings.Contains(log, want) {
				t.Errorf("build #%d: the console lacks %q:\n%s", b.Number, want, log)
			}
		}
		if _, err := exec.LookPath("ssh-keygen"); err == nil && !strings.Contains(log, "the key opens with its passphrase") {
			t.Errorf("the key file and passphrase did not open:\n%s", log)
		}
		if l := leaks([]byte(log), sec.all()); len(l) > 0 {
			t.Errorf("the console holds a secret:\n%s", log)
		}
		path, err := os.ReadFile(filepath.Join(j.home, "workspace", "bound", "settings-path"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(strings.TrimSpace(string(path))); !os.IsNotExist(err) {
			t.Errorf("the secret file %s is still there after the build: %v", path, err)
		}
	}
	t.Run("a job binding every type gets the values, its console shows ****, and the secret file is gone after it", func(t *testing.T) {
		b, log := buildLog(t)
		checkLog(t, b, log)
	})
	t.Run("each credential's api/json lists the build, and the audit log every change and use", func(t *testing.T) {
		for _, id := range ids {
			var w struct {
				Fingerprint *struct {
					Usage []struct{ Name string }
				}
			}
			waitFor(t, "the use of "+id+" to be recorded", func() bool {
				json.Unmarshal([]byte(curl(t, "-u", auth, j.url+credDomain+"credential/"+id+"/api/json?depth=1")), &w)
				return w.Fingerprint != nil && len(w.Fingerprint.Usage) == 1 && w.Fingerprint.Usage[0].Name == "bound"
			})
		}
		var a struct {
			Entries []struct{ Action, Detail string }
		}
		json.Unmarshal([]byte(curl(t, "-u", auth, j.url+"manage/audit/api/json?action=credentials.&limit=1000&depth=1")), &a)
		count := map[string]int{}
		for _, e := range a.Entries {
			count[e.Action]++
			if l := leaks([]byte(e.Detail), sec.all()); len(l) > 0 {
				t.Errorf("an audit entry holds a secret: %+v", e)
			}
		}
		if count["credentials.create"] != 4 || count["credentials.update"] != 1 || count["credentials.use"] != 4 {
			t.Errorf("audited: %v", count)
		}
	})
	t.Run("the whole home, database and WAL included, holds no secret while jeeves runs", func(t *testing.T) {
		if n := grepTree(t, j.home, sec.all()); n < 5 {
			t.Fatalf("read only %d files", n)
		}
	})
	t.Run("rotate-key is refused while jeeves runs, and works once it is stopped", func(t *testing.T) {
		out, err := exec.Command(binary, "rotate-key", "--home", j.home).CombinedOutput()
		if err == nil || !strings.Contains(string(out), "another jeeves is using this home") {
			t.Fatalf("%v %s", err, out)
		}
		j.stop()
		grepTree(t, j.home, sec.all())
		out, err = exec.Command(binary, "rotate-key", "--home", j.home).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "key 2 is now the credentials key; 4 credentials sealed again; keys removed: 1") {
			t.Fatalf("%v %s", err, out)
		}
	})
	t.Run("restarted with the new key, the job still gets every value", func(t *testing.T) {
		j = start(t, j.home, nil)
		b, log := buildLog(t)
		checkLog(t, b, log)
		j.stop()
		grepTree(t, j.home, sec.all())
	})
}

// TestCredentialsWithGojenkins drives gojenkins's CredentialsManager,
// which uses the system store: Add, List, GetSingle (the redacted XML),
// Update (a redacted secret kept) and Delete.
func TestCredentialsWithGojenkins(t *testing.T) {
	t.Parallel()
	j := start(t, "", nil)
	for _, who := range []struct{ name, secret string }{{"password", adminPassword}, {"token", j.adminToken(t)}} {
		t.Run("with a "+who.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			jk := gojenkins.CreateJenkins(&http.Client{Timeout: 30 * time.Second}, strings.TrimSuffix(j.url, "/"), "admin", who.secret)
			if _, err := jk.Init(ctx); err != nil {
				t.Fatal(err)
			}
			cm := gojenkins.CredentialsManager{J: jk}
			id := "go-" + who.name
			if err := cm.Add(ctx, "_", gojenkins.StringCredentials{ID: id, Scope: "GLOBAL", Description: "from gojenkins", Secret: "gojenkins-secret-" + who.name}); err != nil {
				t.Fatalf("Add: %v", err)
			}
			if err := cm.Add(ctx, "_", gojenkins.StringCredentials{ID: id, Scope: "GLOBAL", Secret: "x"}); err == nil || !strings.Contains(err.Error(), "already exists") {
				t.Fatalf("Add twice: %v", err)
			}
			ids, err := cm.List(ctx, "_")
			if err != nil || !contains(ids, id) {
				t.Fatalf("List: %v %v", ids, err)
			}
			var got gojenkins.StringCredentials
			if err := cm.GetSingle(ctx, "_", id, &got); err != nil || got.ID != id || got.Description != "from gojenkins" || strings.Contains(got.Secret, "gojenkins-secret") {
				t.Fatalf("GetSingle: %v %+v", err, got)
			}
			upd := gojenkins.UsernameCredentials{ID: "up-" + who.name, Scope: "GLOBAL", Username: "u", Password: "up-secret"}
			if err := cm.Add(ctx, "_", upd); err != nil {
				t.Fatalf("Add: %v", err)
			}
			upd.Description, upd.Password = "updated", "up-secret-2"
			if err := cm.Update(ctx, "_", upd.ID, upd); err != nil {
				t.Fatalf("Update: %v", err)
			}
			var up gojenkins.UsernameCredentials
			if err := cm.GetSingle(ctx, "_", upd.ID, &up); err != nil || up.Description != "updated" || up.Username != "u" {
				t.Fatalf("GetSingle after Update: %v %+v", err, up)
			}
			if err := cm.Delete(ctx, "_", id); err != nil {
				t.Fatalf("Delete: %v", err)
			}
			if ids, _ := cm.List(ctx, "_"); contains(ids, id) {
				t.Fatalf("still listed: %v", ids)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestSecretFilesGoneAfterACrash kills jeeves with SIGKILL while a build
// holds a bound secret file, and restarts it: the file is removed at
// start, before jeeves serves.
func TestSecretFilesGoneAfterACrash(t *testing.T) {
	t.Parallel()
	home := filepath.Join(t.TempDir(), "home")
	gate := filepath.Join(t.TempDir(), "gate")
	t.Cleanup(func() { killHomeProcesses(home) })
	j := start(t, home, nil)
	tok := j.adminToken(t)
	body := `<org.jenkinsci.plugins.plaincredentials.impl.FileCredentialsImpl><id>crash-file</id><fileName>f</fileName><secretBytes>` +
		base64.StdEncoding.EncodeToString([]byte("crash secret content")) + `</secretBytes></org.jenkinsci.plugins.plaincredentials.impl.FileCredentialsImpl>`
	if code, out := postXML(t, j, "admin:"+tok, credDomain+"createCredentials", body); code != 200 {
		t.Fatalf("%d %s", code, out)
	}
	script := `echo "$SETTINGS" > "$WORKSPACE/path"
while [ ! -e ` + gate + ` ]; do sleep 0.05; done`
	j.createJob(t, "holds-file", `<project><builders><hudson.tasks.Shell><command>`+xmlText(script)+`</command></hudson.tasks.Shell></builders>`+
		`<buildWrappers><org.jenkinsci.plugins.credentialsbinding.impl.SecretBuildWrapper><bindings><org.jenkinsci.plugins.credentialsbinding.impl.FileBinding>`+
		`<credentialsId>crash-file</credentialsId><variable>SETTINGS</variable></org.jenkinsci.plugins.credentialsbinding.impl.FileBinding></bindings>`+
		`</org.jenkinsci.plugins.credentialsbinding.impl.SecretBuildWrapper></buildWrappers></project>`)
	j.trigger(t, "holds-file")
	var path string
	waitFor(t, "the build to write its secret file's path", func() bool {
		b, err := os.ReadFile(filepath.Join(home, "workspace", "holds-file", "path"))
		path = strings.TrimSpace(string(b))
		return err == nil && path != ""
	})
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the secret file is not there while the build runs: %v", err)
	}
	j.kill()
	killHomeProcesses(home)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the kill removed the file itself: %v", err)
	}
	j2 := start(t, home, nil)
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("after the restart the secret file %s is still there: %v", path, err)
	}
	var b struct{ Result string }
	j2.json(t, "job/holds-file/1/api/json", &b)
	if b.Result != "ABORTED" {
		t.Errorf("the killed build: %q", b.Result)
	}
}
