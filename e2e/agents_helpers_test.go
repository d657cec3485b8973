package e2e

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/sshagent/sshtest"
)

// The agents' tests drive the real binary against real OpenSSH servers,
// each in a network namespace of its own with its own address, user and
// home (internal/sshagent/sshtest: root, ip, /usr/sbin/sshd and openssl,
// else they skip naming them, or fail under CI).

// Host key verification strategies (hudson.plugins.sshslaves.verifiers).
const (
	strategyNone     = `<sshHostKeyVerificationStrategy class="hudson.plugins.sshslaves.verifiers.NonVerifyingKeyVerificationStrategy"/>`
	strategyKnown    = `<sshHostKeyVerificationStrategy class="hudson.plugins.sshslaves.verifiers.KnownHostsFileKeyVerificationStrategy"/>`
	classTrusted     = "hudson.plugins.sshslaves.verifiers.ManuallyTrustedKeyVerificationStrategy"
	classProvided    = "hudson.plugins.sshslaves.verifiers.ManuallyProvidedKeyVerificationStrategy"
	classNonVerifier = "hudson.plugins.sshslaves.verifiers.NonVerifyingKeyVerificationStrategy"
)

// strategyProvided is ManuallyProvidedKeyVerificationStrategy with the
// key (as "algorithm base64").
func strategyProvided(algo, b64 string) string {
	return `<sshHostKeyVerificationStrategy class="` + classProvided + `"><key><algorithm>` + algo + `</algorithm><key>` + b64 + `</key></key></sshHostKeyVerificationStrategy>`
}

// strategyTrusted is ManuallyTrustedKeyVerificationStrategy.
func strategyTrusted(requireInitial bool) string {
	return `<sshHostKeyVerificationStrategy class="` + classTrusted + `"><requireInitialManualTrust>` + strconv.FormatBool(requireInitial) + `</requireInitialManualTrust></sshHostKeyVerificationStrategy>`
}

// agentHost is one "machine": an sshd in its namespace, and the id of
// the SSH key credential that logs in to it.
type agentHost struct {
	*sshtest.Server
	cred string
}

// newAgentHost starts a machine and stores its login key in j as a
// credential, over HTTP.
func newAgentHost(t *testing.T, j *jeeves) *agentHost {
	t.Helper()
	srv := sshtest.Start(t, sshtest.Options{})
	h := &agentHost{Server: srv, cred: fmt.Sprintf("key-%d", srv.N)}
	j.addHostKeyCredential(t, h)
	return h
}

// addHostKeyCredential stores h's login key in j.
func (j *jeeves) addHostKeyCredential(t *testing.T, h *agentHost) {
	t.Helper()
	body := `<com.cloudbees.jenkins.plugins.sshcredentials.impl.BasicSSHUserPrivateKey><scope>GLOBAL</scope><id>` + h.cred + `</id>` +
		`<username>` + h.User + `</username><privateKeySource class="com.cloudbees.jenkins.plugins.sshcredentials.impl.BasicSSHUserPrivateKey$DirectEntryPrivateKeySource"><privateKey>` +
		xmlEscape(string(h.ClientKeyPEM)) + `</privateKey></privateKeySource></com.cloudbees.jenkins.plugins.sshcredentials.impl.BasicSSHUserPrivateKey>`
	j.must(t, 200, req{method: "POST", path: "credentials/store/system/domain/_/createCredentials", user: "admin", secret: j.adminToken(t),
		header: map[string]string{"Content-Type": "application/xml"}, body: body})
}

// remoteFS is where an agent named name keeps its files on h.
func (h *agentHost) remoteFS(name string) string { return h.Home + "/" + name }

// agentXML is a node's config.xml with an SSH launcher to h, as curl
// users post it; the launcher retries once a second, at most retries
// times.
func agentXML(name string, h *agentHost, labels string, executors, retries int, strategy string) string {
	return `<?xml version="1.1" encoding="UTF-8"?>
<slave>
  <name>` + name + `</name>
  <description>an agent made with curl</description>
  <remoteFS>` + h.remoteFS(name) + `</remoteFS>
  <numExecutors>` + strconv.Itoa(executors) + `</numExecutors>
  <mode>NORMAL</mode>
  <retentionStrategy class="hudson.slaves.RetentionStrategy$Always"/>
  <launcher class="hudson.plugins.sshslaves.SSHLauncher" plugin="ssh-slaves@2.948">
    <host>` + h.Addr + `</host>
    <port>22</port>
    <credentialsId>` + h.cred + `</credentialsId>
    <launchTimeoutSeconds>10</launchTimeoutSeconds>
    <maxNumRetries>` + strconv.Itoa(retries) + `</maxNumRetries>
    <retryWaitTime>1</retryWaitTime>
    ` + strategy + `
    <tcpNoDelay>true</tcpNoDelay>
  </launcher>
  <label>` + labels + `</label>
  <nodeProperties/>
  <somePluginsSetting keep="me">unknown, kept byte for byte</somePluginsSetting>
</slave>`
}

// createAgentXML creates an agent from its config.xml with curl.
func (j *jeeves) createAgentXML(t *testing.T, name, xml string) {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "agent3-node-*.xml")
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(xml)
	f.Close()
	out := curl(t, "-w", "%{http_code}", "-o", "/dev/null", "-u", "admin:"+j.adminToken(t), "-H", "Content-Type: application/xml",
		"--data-binary", "@"+f.Name(), j.url+"computer/createItem?name="+url.QueryEscape(name))
	if out != "200" {
		t.Fatalf("curl createItem %s: %s", name, out)
	}
}

// computerJSON is what the tests read of /computer/NAME/api/json.
type computerJSON struct {
	Class           string `json:"_class"`
	DisplayName     string
	Offline         bool
	Idle            bool
	JNLPAgent       bool
	LaunchSupported bool
	NumExecutors    int
	Executors       []struct {
		Idle              bool
		CurrentExecutable *struct{ URL string }
	}
	AssignedLabels []struct{ Name string }
	OfflineCause   *struct {
		Class       string `json:"_class"`
		Description string
	}
	OfflineCauseReason string
	TemporarilyOffline bool
	AbsoluteRemotePath *string
	MonitorData        map[string]any
}

func (j *jeeves) computer(t *testing.T, name string) computerJSON {
	t.Helper()
	var c computerJSON
	j.json(t, "computer/"+url.PathEscape(name)+"/api/json", &c)
	return c
}

// waitOnline waits until the agent is connected, within 60 s.
func (j *jeeves) waitOnline(t *testing.T, name string) computerJSON {
	t.Helper()
	var c computerJSON
	waitWithin(t, "agent "+name+" to come online", 60*time.Second, func() bool {
		c = j.computer(t, name)
		return !c.Offline
	})
	return c
}

// agentLog is the agent's connection log, read as clients read it.
func (j *jeeves) agentLog(t *testing.T, name string) string {
	t.Helper()
	return j.must(t, 200, req{path: "computer/" + url.PathEscape(name) + "/logText/progressiveText?start=0", user: "admin", secret: adminPassword}).body
}

// post POSTs a form as admin with the API token.
func (j *jeeves) post(t *testing.T, path, form string) resp {
	t.Helper()
	return j.do(t, req{method: "POST", path: path, user: "admin", secret: j.adminToken(t),
		header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, body: form})
}

// agentJob is a freestyle job tied to a label expression, that runs
// concurrent builds.
func agentJob(labelExpr, command string) string {
	return `<?xml version='1.1' encoding='UTF-8'?>
<project>
  <assignedNode>` + xmlEscape(labelExpr) + `</assignedNode>
  <canRoam>false</canRoam>
  <concurrentBuild>true</concurrentBuild>
  <builders>
    <hudson.tasks.Shell>
      <command>` + xmlEscape(command) + `</command>
    </hudson.tasks.Shell>
  </builders>
</project>`
}

// buildState is a build as the tests follow it.
type buildState struct {
	Number   int64
	Result   *string
	Building bool
	URL      string
	BuiltOn  *string
}

// startedBuild waits for a queue item to start and returns its build.
func (j *jeeves) startedBuild(t *testing.T, location string) buildState {
	t.Helper()
	itemPath := strings.TrimPrefix(location, j.url) + "api/json"
	var item struct{ Executable *buildState }
	waitWithin(t, "queue item "+location+" to start", 60*time.Second, func() bool {
		j.json(t, itemPath, &item)
		return item.Executable != nil
	})
	return *item.Executable
}

// finished waits (up to d) for the build to finish.
func (j *jeeves) finished(t *testing.T, b buildState, d time.Duration) buildState {
	t.Helper()
	path := strings.TrimPrefix(b.URL, j.url)
	waitWithin(t, "build "+b.URL+" to finish", d, func() bool {
		j.json(t, path+"api/json", &b)
		return !b.Building && b.Result != nil
	})
	return b
}

// console is a build's console text.
func (j *jeeves) console(t *testing.T, b buildState) string {
	t.Helper()
	return j.must(t, 200, req{path: strings.TrimPrefix(b.URL, j.url) + "consoleText", user: "admin", secret: adminPassword}).body
}

// waitConsole waits until the build's console holds want.
func (j *jeeves) waitConsole(t *testing.T, b buildState, want string) {
	t.Helper()
	waitWithin(t, "the console of "+b.URL+" to say "+want, 60*time.Second, func() bool {
		return strings.Contains(j.console(t, b), want)
	})
}

// result is a finished build's result.
func result(b buildState) string {
	if b.Result == nil {
		return "(none)"
	}
	return *b.Result
}

// processesLike lists the processes in h's namespace whose command line
// matches re.
func processesLike(h *agentHost, re *regexp.Regexp) []int {
	var out []int
	for _, p := range h.Pids() {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(p) + "/cmdline")
		if err != nil || !sshtest.Alive(p) {
			continue
		}
		if re.Match([]byte(strings.ReplaceAll(string(b), "\x00", " "))) {
			out = append(out, p)
		}
	}
	return out
}

// hostKeyB64 is h's ed25519 host key in base64, as
// ManuallyProvidedKeyVerificationStrategy takes it.
func hostKeyB64(h *agentHost) string {
	return base64.StdEncoding.EncodeToString(h.HostKey.PublicKey().Marshal())
}
