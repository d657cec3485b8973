package e2e

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sha256Hex is the hex SHA-256 of s, as sha256sum prints it: builds
// print a secret's hash to show they got the value without printing it.
func sha256Hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// secretWrapper is a SecretBuildWrapper holding the bindings' XML.
func secretWrapper(bindings string) string {
	return `<buildWrappers><org.jenkinsci.plugins.credentialsbinding.impl.SecretBuildWrapper><bindings>` + bindings +
		`</bindings></org.jenkinsci.plugins.credentialsbinding.impl.SecretBuildWrapper></buildWrappers>`
}

// boundJob is a freestyle config.xml with one shell step and bindings.
func boundJob(script, bindings string) string {
	return `<project><builders><hudson.tasks.Shell><command>` + xmlText(script) + `</command></hudson.tasks.Shell></builders>` +
		secretWrapper(bindings) + `</project>`
}

// stringBinding binds a secret text to variable.
func stringBinding(id, variable string) string {
	return `<org.jenkinsci.plugins.credentialsbinding.impl.StringBinding><credentialsId>` + id + `</credentialsId><variable>` +
		variable + `</variable></org.jenkinsci.plugins.credentialsbinding.impl.StringBinding>`
}

// TestCredentialsBindingEdges builds, with the real binary, what
// TestCredentialsOverREST does not: UsernamePasswordBinding's single
// user:password variable, bindings that must fail the build (a missing
// credential, a SYSTEM-scoped one), and a build stopped while it holds a
// secret file.
func TestCredentialsBindingEdges(t *testing.T) {
	t.Parallel()
	j := start(t, "", nil)
	auth := "admin:" + j.adminToken(t)
	const (
		user     = "edge-deployer"
		password = "edge-pa55-w0rd-91"
		sysToken = "system-only-t0ken-42"
		fileText = "edge secret file body 7731"
	)
	for id, body := range map[string]string{
		"edge-up": `<com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl><scope>GLOBAL</scope><id>edge-up</id>` +
			`<username>` + user + `</username><password>` + password + `</password></com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>`,
		"edge-system": `<org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl><scope>SYSTEM</scope><id>edge-system</id>` +
			`<secret>` + sysToken + `</secret></org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl>`,
		"edge-file": `<org.jenkinsci.plugins.plaincredentials.impl.FileCredentialsImpl><scope>GLOBAL</scope><id>edge-file</id><fileName>f.txt</fileName>` +
			`<secretBytes>` + base64.StdEncoding.EncodeToString([]byte(fileText)) + `</secretBytes></org.jenkinsci.plugins.plaincredentials.impl.FileCredentialsImpl>`,
	} {
		if code, out := postXML(t, j, auth, credDomain+"createCredentials", body); code != 200 {
			t.Fatalf("creating %s: %d %s", id, code, out)
		}
	}
	secrets := []string{password, user + ":" + password, sysToken, fileText}
	console := func(t *testing.T, name string, n int64) string {
		t.Helper()
		return curl(t, "-u", auth, fmt.Sprintf("%sjob/%s/%d/consoleText", j.url, name, n))
	}

	t.Run("UsernamePasswordBinding gives one user:password variable, masked as ****", func(t *testing.T) {
		j.createJob(t, "basic-auth", boundJob(`echo "basic=$CREDS"
printf %s "$CREDS" | sha256sum
printf %s "$CREDS" | base64`,
			`<org.jenkinsci.plugins.credentialsbinding.impl.UsernamePasswordBinding><credentialsId>edge-up</credentialsId>`+
				`<variable>CREDS</variable></org.jenkinsci.plugins.credentialsbinding.impl.UsernamePasswordBinding>`))
		b := j.waitBuild(t, j.trigger(t, "basic-auth"))
		log := console(t, "basic-auth", b.Number)
		for _, want := range []string{"basic=****", sha256Hex(user + ":" + password), "Finished: SUCCESS"} {
			if !strings.Contains(log, want) {
				t.Errorf("the console lacks %q:\n%s", want, log)
			}
		}
		if l := leaks([]byte(log), secrets); len(l) > 0 {
			t.Errorf("the console holds a secret (or its base64):\n%s", log)
		}
	})

	failing := []struct {
		name, job, id string
	}{
		{"a binding to a credential that does not exist fails the build, naming it", "binds-missing", "no-such-credential"},
		{"a binding to a SYSTEM-scoped credential fails the build, naming it", "binds-system", "edge-system"},
	}
	for _, c := range failing {
		t.Run(c.name, func(t *testing.T) {
			j.createJob(t, c.job, boundJob(`echo "the step ran with $TOKEN"`, stringBinding(c.id, "TOKEN")))
			b := j.waitBuild(t, j.trigger(t, c.job))
			log := console(t, c.job, b.Number)
			if b.Result == nil || *b.Result != "FAILURE" {
				t.Errorf("result %v, want FAILURE:\n%s", b.Result, log)
			}
			want := "ERROR: Could not find credentials entry with ID '" + c.id + "'"
			if !strings.Contains(log, want+"\n") {
				t.Errorf("the console lacks the line %q:\n%s", want, log)
			}
			if strings.Contains(log, "the step ran") {
				t.Errorf("the step ran:\n%s", log)
			}
			if l := leaks([]byte(log), secrets); len(l) > 0 {
				t.Errorf("the console holds a secret:\n%s", log)
			}
		})
	}

	t.Run("a build stopped while its step sleeps leaves no secret file, nor their directory", func(t *testing.T) {
		j.createJob(t, "stopped", boundJob(`echo "$SECRET_FILE" > "$WORKSPACE/path"
echo sleeping
sleep 120`,
			`<org.jenkinsci.plugins.credentialsbinding.impl.FileBinding><credentialsId>edge-file</credentialsId>`+
				`<variable>SECRET_FILE</variable></org.jenkinsci.plugins.credentialsbinding.impl.FileBinding>`))
		loc := j.trigger(t, "stopped")
		pathFile := filepath.Join(j.home, "workspace", "stopped", "path")
		var secretFile string
		waitFor(t, "the build to write its secret file's path", func() bool {
			b, err := os.ReadFile(pathFile)
			secretFile = strings.TrimSpace(string(b))
			return err == nil && secretFile != ""
		})
		dir := filepath.Join(j.home, "workspace", "stopped@tmp", "secretFiles")
		if got, err := os.ReadFile(secretFile); err != nil || string(got) != fileText {
			t.Fatalf("the secret file is not there while the build runs: %v", err)
		}
		if filepath.Dir(secretFile) != dir && filepath.Dir(filepath.Dir(secretFile)) != dir {
			t.Fatalf("the secret file %s is not under %s", secretFile, dir)
		}
		if r := j.do(t, req{method: "POST", path: "job/stopped/1/stop", user: "admin", secret: j.adminToken(t)}); r.status != 200 && r.status != 302 {
			t.Fatalf("stop: %d %s", r.status, r.body)
		}
		b := j.waitBuild(t, loc)
		log := console(t, "stopped", b.Number)
		if b.Result == nil || *b.Result != "ABORTED" {
			t.Fatalf("result %v, want ABORTED:\n%s", b.Result, log)
		}
		if _, err := os.Stat(secretFile); !os.IsNotExist(err) {
			t.Errorf("the secret file %s is still there: %v", secretFile, err)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			entries, _ := os.ReadDir(dir)
			t.Errorf("the secret files' directory %s is still there (%d entries): %v", dir, len(entries), err)
		}
		if l := leaks([]byte(log), secrets); len(l) > 0 {
			t.Errorf("the console holds a secret:\n%s", log)
		}
	})

	t.Run("the home holds none of the secrets", func(t *testing.T) {
		j.stop()
		grepTree(t, j.home, secrets)
	})
}
