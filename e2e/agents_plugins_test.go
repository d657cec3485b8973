package e2e

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/sshagent/sshtest"
)

// TestAgentPlugins runs, on an SSH agent (jeeves with no executor of its
// own), a job using what plugins do besides shell steps: a GitSCM
// checkout from a git daemon the agent reaches, a secret text and a
// secret file bound by SecretBuildWrapper, and the ArtifactArchiver and
// JUnitResultArchiver publishers reading the agent's workspace. Files
// travel over the agent's connection both ways.
func TestAgentPlugins(t *testing.T) {
	sshtest.Require(t)
	j := start(t, "", nil, "--executors", "0")
	h := newAgentHost(t, j)
	// The agent reaches the host side of its link, not the host's
	// loopback.
	d := serveGitOn(t, h.HostSide)
	repo := d.repo("app.git")
	head := repo.commit("Add the data", "data.bin", "\x00\x01binary\xff\n")

	const token, fileSecret = "agent-t0ken-value-42", "agent secret file 9876"
	for _, body := range []string{
		`<org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl><scope>GLOBAL</scope><id>tok</id>` +
			`<secret>` + token + `</secret></org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl>`,
		`<org.jenkinsci.plugins.plaincredentials.impl.FileCredentialsImpl><scope>GLOBAL</scope><id>conf</id>` +
			`<fileName>conf.txt</fileName><secretBytes>` + base64.StdEncoding.EncodeToString([]byte(fileSecret)) +
			`</secretBytes></org.jenkinsci.plugins.plaincredentials.impl.FileCredentialsImpl>`,
	} {
		j.must(t, 200, req{method: "POST", path: credDomain + "createCredentials", user: "admin", secret: j.adminToken(t),
			header: map[string]string{"Content-Type": "application/xml"}, body: body})
	}
	j.createAgentXML(t, "plug", agentXML("plug", h, "plugins", 1, 10, strategyNone))
	j.waitOnline(t, "plug")

	script := `set -e
echo "token=$TOKEN file=$SETTINGS"
printf %s "$TOKEN" | sha256sum
sha256sum < "$SETTINGS"
mkdir -p out
echo "$SETTINGS" > out/settings-path
cp data.bin out/data.bin
printf 'made on %s' "$NODE_NAME" > out/node.txt
` + junitFile("TEST-agent.xml", "works", "breaks")
	job := `<?xml version='1.1' encoding='UTF-8'?>
<project>
  <scm class="hudson.plugins.git.GitSCM" plugin="git@5.7.0">
    <configVersion>2</configVersion>
    <userRemoteConfigs><hudson.plugins.git.UserRemoteConfig><url>` + xmlEscape(repo.url) + `</url></hudson.plugins.git.UserRemoteConfig></userRemoteConfigs>
    <branches><hudson.plugins.git.BranchSpec><name>*/main</name></hudson.plugins.git.BranchSpec></branches>
    <extensions/>
  </scm>
  <assignedNode>plugins</assignedNode>
  <canRoam>false</canRoam>
  <builders><hudson.tasks.Shell><command>` + xmlEscape(script) + `</command></hudson.tasks.Shell></builders>
  <publishers>` + archiverXML("out/**") + junitXML("TEST-*.xml") + `</publishers>
  <buildWrappers><org.jenkinsci.plugins.credentialsbinding.impl.SecretBuildWrapper><bindings>
    <org.jenkinsci.plugins.credentialsbinding.impl.StringBinding><credentialsId>tok</credentialsId><variable>TOKEN</variable></org.jenkinsci.plugins.credentialsbinding.impl.StringBinding>
    <org.jenkinsci.plugins.credentialsbinding.impl.FileBinding><credentialsId>conf</credentialsId><variable>SETTINGS</variable></org.jenkinsci.plugins.credentialsbinding.impl.FileBinding>
  </bindings></org.jenkinsci.plugins.credentialsbinding.impl.SecretBuildWrapper></buildWrappers>
</project>`
	j.createJob(t, "plugged", job)
	b := j.startedBuild(t, j.trigger(t, "plugged"))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the build's console:\n%s", j.console(t, b))
		}
	})
	b = j.finished(t, b, 60*time.Second)
	log := j.console(t, b)
	admin := func(r req) req { r.user, r.secret = "admin", j.adminToken(t); return r }
	hash := func(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }

	t.Run("the build runs on the agent and checks the repository out there", func(t *testing.T) {
		if m := lacks(log,
			"Building remotely on plug",
			h.remoteFS("plug")+"/workspace/plugged",
			" > git fetch --tags --force --progress -- "+repo.url+" +refs/heads/*:refs/remotes/origin/*",
			"Checking out Revision "+head+" (refs/remotes/origin/main)\n",
			"Commit message: \"Add the data\"\n"); len(m) > 0 {
			t.Fatalf("result %s; the console lacks %q:\n%s", result(b), m, log)
		}
		if b.BuiltOn == nil || *b.BuiltOn != "plug" {
			t.Fatalf("builtOn %v, want plug", b.BuiltOn)
		}
		var gb gitBuild
		j.json(t, strings.TrimPrefix(b.URL, j.url)+"api/json", &gb)
		if gb.lastBuilt() != head {
			t.Fatalf("lastBuiltRevision %q, want %s", gb.lastBuilt(), head)
		}
	})
	t.Run("the secrets reach the agent's step, masked in the console", func(t *testing.T) {
		if m := lacks(log, "token=**** file=****", hash(token), hash(fileSecret)); len(m) > 0 {
			t.Fatalf("the console lacks %q:\n%s", m, log)
		}
		if l := leaks([]byte(log), []string{token, fileSecret}); len(l) > 0 {
			t.Fatalf("the console holds a secret:\n%s", log)
		}
	})
	t.Run("the secret file is gone from the agent after the build", func(t *testing.T) {
		path := strings.TrimSpace(j.must(t, 200, admin(req{path: strings.TrimPrefix(b.URL, j.url) + "artifact/out/settings-path"})).body)
		if !strings.HasPrefix(path, h.remoteFS("plug")+"/") {
			t.Fatalf("the secret file %q is not on the agent", path)
		}
		// The agent's namespace shares this machine's file system.
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Fatalf("the secret file %s is still there after the build: %v", path, err)
		}
	})
	t.Run("api/json lists the artifacts archived from the agent, and they download byte for byte", func(t *testing.T) {
		type artifact struct{ DisplayPath, FileName, RelativePath string }
		var got struct{ Artifacts []artifact }
		j.json(t, strings.TrimPrefix(b.URL, j.url)+"api/json", &got)
		want := []artifact{{"data.bin", "data.bin", "out/data.bin"}, {"node.txt", "node.txt", "out/node.txt"}, {"settings-path", "settings-path", "out/settings-path"}}
		if !slices.Equal(got.Artifacts, want) {
			t.Fatalf("artifacts %+v, want %+v", got.Artifacts, want)
		}
		for file, bytes := range map[string]string{"out/data.bin": "\x00\x01binary\xff\n", "out/node.txt": "made on plug"} {
			if r := j.must(t, 200, admin(req{path: strings.TrimPrefix(b.URL, j.url) + "artifact/" + file})); r.body != bytes {
				t.Errorf("%s: %q, want %q", file, r.body, bytes)
			}
		}
	})
	t.Run("the JUnit report read from the agent counts its cases, and the build is UNSTABLE", func(t *testing.T) {
		var rep struct{ FailCount, PassCount, SkipCount int }
		j.json(t, strings.TrimPrefix(b.URL, j.url)+"testReport/api/json", &rep)
		if rep.FailCount != 1 || rep.PassCount != 1 || rep.SkipCount != 0 {
			t.Fatalf("testReport %+v", rep)
		}
		if result(b) != "UNSTABLE" {
			t.Fatalf("result %s, want UNSTABLE (one failed test):\n%s", result(b), log)
		}
	})
}
