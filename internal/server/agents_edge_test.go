package server_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"encoding/pem"
	"net"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

// agentKeyPEM is a fresh OpenSSH private key.
func agentKeyPEM(t *testing.T) string {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	blk, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(blk))
}

// sshAgentJSON is doCreateItem's json field for an SSH agent, as
// python-jenkins's create_node sends it.
func sshAgentJSON(host string, port int, cred, labels, strategy string) string {
	b, _ := json.Marshal(map[string]any{
		"nodeDescription": "", "numExecutors": "2", "remoteFS": "/srv/agent", "labelString": labels, "mode": "NORMAL",
		"type":              "hudson.slaves.DumbSlave$DescriptorImpl",
		"retentionStrategy": map[string]any{"stapler-class": "hudson.slaves.RetentionStrategy$Always"},
		"nodeProperties":    map[string]any{"stapler-class-bag": "true"},
		"launcher": map[string]any{
			"stapler-class": "hudson.plugins.sshslaves.SSHLauncher", "$class": "hudson.plugins.sshslaves.SSHLauncher",
			"host": host, "port": strconv.Itoa(port), "credentialsId": cred, "launchTimeoutSeconds": "", "maxNumRetries": "", "retryWaitTime": "",
			"sshHostKeyVerificationStrategy": map[string]any{"stapler-class": strategy},
		},
	})
	return string(b)
}

const nonVerifying = "hudson.plugins.sshslaves.verifiers.NonVerifyingKeyVerificationStrategy"

// TestAgentBadInputAtSave posts every kind of bad agent configuration
// through doCreateItem and config.xml: each is refused 400 naming the
// fault, and nothing is stored.
func TestAgentBadInputAtSave(t *testing.T) {
	rs := newRouteStack(t)
	admin := basic("admin", rs.adminToken)
	if res := rs.raw(t, "POST", "credentials/store/system/domain/_/createCredentials", sshKeyXML("agent-key", "ci", agentKeyPEM(t), ""), admin); res.status != 200 {
		t.Fatalf("create the SSH key: %d %s", res.status, res.body)
	}
	if res := rs.raw(t, "POST", "credentials/store/system/domain/_/createCredentials", `<org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl><scope>GLOBAL</scope><id>a-token</id><secret>s3cret</secret></org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl>`, admin); res.status != 200 {
		t.Fatalf("create the secret text: %d %s", res.status, res.body)
	}
	slave := func(launcher, label string) string {
		return `<slave><name>x</name><remoteFS>/srv/agent</remoteFS><numExecutors>1</numExecutors><mode>NORMAL</mode>` + launcher + `<label>` + label + `</label></slave>`
	}
	ssh := func(host, cred, strategy string) string {
		return `<launcher class="hudson.plugins.sshslaves.SSHLauncher"><host>` + host + `</host><port>22</port><credentialsId>` + cred + `</credentialsId><sshHostKeyVerificationStrategy class="` + strategy + `"/></launcher>`
	}
	cases := []struct {
		name, form, xml, want string
	}{
		{"an unknown launcher class is refused naming it",
			strings.Replace(sshAgentJSON("10.0.0.5", 22, "agent-key", "", nonVerifying), "hudson.plugins.sshslaves.SSHLauncher", "com.example.TelepathyLauncher", 2),
			slave(`<launcher class="com.example.TelepathyLauncher"/>`, ""), "com.example.TelepathyLauncher"},
		{"a credential that does not exist is refused naming its field",
			sshAgentJSON("10.0.0.5", 22, "no-such-key", "", nonVerifying),
			slave(ssh("10.0.0.5", "no-such-key", nonVerifying), ""), "credentialsId"},
		{"a credential of the wrong kind is refused naming its field",
			sshAgentJSON("10.0.0.5", 22, "a-token", "", nonVerifying),
			slave(ssh("10.0.0.5", "a-token", nonVerifying), ""), "credentialsId"},
		{"a missing host is refused",
			sshAgentJSON("", 22, "agent-key", "", nonVerifying),
			slave(ssh("", "agent-key", nonVerifying), ""), "Host must be specified"},
		{"an unknown host key strategy is refused naming it",
			sshAgentJSON("10.0.0.5", 22, "agent-key", "", "com.example.TrustEveryone"),
			slave(ssh("10.0.0.5", "agent-key", "com.example.TrustEveryone"), ""), "com.example.TrustEveryone"},
		{"a label string with an open quote is refused",
			sshAgentJSON("10.0.0.5", 22, "agent-key", `linux "docker`, nonVerifying),
			slave(ssh("10.0.0.5", "agent-key", nonVerifying), `linux &quot;docker`), "label"},
	}
	for i, tc := range cases {
		t.Run(tc.name+" (doCreateItem)", func(t *testing.T) {
			name := "bad-form-" + strconv.Itoa(i)
			res := rs.raw(t, "POST", "computer/doCreateItem?name="+name+"&type=hudson.slaves.DumbSlave", "json="+url.QueryEscape(tc.form), admin)
			if res.status != 400 || !strings.Contains(res.body, tc.want) {
				t.Fatalf("want 400 naming %q, got %d %s", tc.want, res.status, res.body)
			}
			if _, err := rs.app.Nodes.Get(name); err == nil {
				t.Fatal("the refused agent was stored")
			}
		})
		t.Run(tc.name+" (config.xml)", func(t *testing.T) {
			name := "bad-xml-" + strconv.Itoa(i)
			res := rs.raw(t, "POST", "computer/createItem?name="+name, tc.xml, admin)
			if res.status != 400 || !strings.Contains(res.body, tc.want) {
				t.Fatalf("create: want 400 naming %q, got %d %s", tc.want, res.status, res.body)
			}
			if _, err := rs.app.Nodes.Get(name); err == nil {
				t.Fatal("the refused agent was stored")
			}
			good := strings.Replace(slave(ssh("10.0.0.5", "agent-key", nonVerifying), "linux"), "<name>x</name>", "<name>"+name+"</name>", 1)
			if res := rs.raw(t, "POST", "computer/createItem?name="+name, good, admin); res.status != 200 {
				t.Fatalf("create a good agent: %d %s", res.status, res.body)
			}
			bad := strings.Replace(tc.xml, "<name>x</name>", "<name>"+name+"</name>", 1)
			res = rs.raw(t, "POST", "computer/"+name+"/config.xml", bad, admin)
			if res.status != 400 || !strings.Contains(res.body, tc.want) {
				t.Fatalf("update: want 400 naming %q, got %d %s", tc.want, res.status, res.body)
			}
			if got := rs.raw(t, "GET", "computer/"+name+"/config.xml", "", admin).body; got != good {
				t.Fatalf("the refused config.xml replaced the stored one:\n%s", got)
			}
		})
	}
}

// TestAgentThatCannotConnect creates an SSH agent whose host refuses
// connections: its api reports it as Jenkins reports an SSH agent that
// failed to launch, its log says what failed, and the actions on it
// answer as Jenkins's do.
func TestAgentThatCannotConnect(t *testing.T) {
	rs := newRouteStack(t)
	admin := basic("admin", rs.adminToken)
	if res := rs.raw(t, "POST", "credentials/store/system/domain/_/createCredentials", sshKeyXML("agent-key", "ci", agentKeyPEM(t), ""), admin); res.status != 200 {
		t.Fatalf("create the SSH key: %d %s", res.status, res.body)
	}
	// A port nothing listens on.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	// No retries: the launch fails at its first refusal.
	form := strings.Replace(sshAgentJSON("127.0.0.1", port, "agent-key", "linux big", nonVerifying), `"maxNumRetries":""`, `"maxNumRetries":"0"`, 1)
	res := rs.raw(t, "POST", "computer/doCreateItem", "name=far&type="+url.QueryEscape("hudson.slaves.DumbSlave$DescriptorImpl")+"&json="+url.QueryEscape(form), admin)
	if res.status != 302 {
		t.Fatalf("create: %d %s", res.status, res.body)
	}
	type computer struct {
		Class           string `json:"_class"`
		Offline         bool
		JNLPAgent       bool
		LaunchSupported bool
		NumExecutors    int
		Executors       []struct{ Idle bool }
		AssignedLabels  []struct{ Name string }
		OfflineCause    *struct {
			Class       string `json:"_class"`
			Timestamp   int64
			Description string
		}
		OfflineCauseReason string
		MonitorData        map[string]any
	}
	var cp computer
	eventually(t, "the failed launch is reported", func() bool {
		r := rs.raw(t, "GET", "computer/far/api/json", "", admin)
		cp = computer{}
		if err := json.Unmarshal([]byte(r.body), &cp); err != nil {
			t.Fatalf("%v: %s", err, r.body)
		}
		return cp.OfflineCause != nil
	})
	t.Run("the api reports an SSH agent that failed to launch", func(t *testing.T) {
		if cp.Class != "hudson.slaves.SlaveComputer" || !cp.Offline || cp.JNLPAgent || !cp.LaunchSupported || cp.NumExecutors != 2 || len(cp.Executors) != 2 {
			t.Fatalf("%+v", cp)
		}
		if cp.OfflineCause.Class != "hudson.slaves.OfflineCause$LaunchFailed" || cp.OfflineCause.Timestamp == 0 || !strings.Contains(cp.OfflineCause.Description, "127.0.0.1") {
			t.Fatalf("offline cause %+v", cp.OfflineCause)
		}
		if cp.OfflineCauseReason != "This agent is offline because Jenkins failed to launch the agent process on it." {
			t.Fatalf("offlineCauseReason %q", cp.OfflineCauseReason)
		}
		var labels []string
		for _, l := range cp.AssignedLabels {
			labels = append(labels, l.Name)
		}
		if strings.Join(labels, " ") != "linux big far" {
			t.Fatalf("assignedLabels %v", labels)
		}
		if v, ok := cp.MonitorData["hudson.node_monitors.ArchitectureMonitor"]; !ok || v != nil {
			t.Fatalf("monitorData %v", cp.MonitorData)
		}
	})
	t.Run("the log says what failed, from an offset on", func(t *testing.T) {
		r := rs.raw(t, "GET", "computer/far/logText/progressiveText?start=0", "", admin)
		if r.status != 200 || !strings.Contains(r.body, "[SSH] Opening SSH connection to 127.0.0.1:"+strconv.Itoa(port)) || r.header.Get("X-More-Data") != "true" {
			t.Fatalf("%d %v %s", r.status, r.header, r.body)
		}
		size := r.header.Get("X-Text-Size")
		if n, _ := strconv.Atoi(size); n < len(r.body) {
			t.Fatalf("X-Text-Size %s for %d bytes", size, len(r.body))
		}
		again := rs.raw(t, "GET", "computer/far/logText/progressiveText?start="+size, "", admin)
		if again.status != 200 || strings.Contains(again.body, r.body) {
			t.Fatalf("from %s: %d %s", size, again.status, again.body)
		}
	})
	t.Run("the node's pages show its connection log, why it is offline, and offer the SSH credentials", func(t *testing.T) {
		page := rs.asSession(t, "GET", "computer/far/log", nil)
		if page.status != 200 || !strings.Contains(page.body, "[SSH] Opening SSH connection to 127.0.0.1:"+strconv.Itoa(port)) {
			t.Fatalf("log page: %d %s", page.status, page.body)
		}
		node := rs.asSession(t, "GET", "computer/far/", nil)
		if node.status != 200 || !strings.Contains(node.body, "failed to launch the agent process") {
			t.Fatalf("node page: %d %s", node.status, node.body)
		}
		form := rs.asSession(t, "GET", "computer/far/configure", nil)
		if form.status != 200 || !strings.Contains(form.body, `value="agent-key"`) {
			t.Fatalf("configure: %d %s", form.status, form.body)
		}
	})
	t.Run("launchSlaveAgent starts a launch and answers with the log", func(t *testing.T) {
		r := rs.raw(t, "POST", "computer/far/launchSlaveAgent", "", admin)
		if r.status != 302 || !strings.HasSuffix(r.header.Get("Location"), "computer/far/logText/progressiveText") {
			t.Fatalf("%d %v %s", r.status, r.header, r.body)
		}
	})
	t.Run("toggleOffline marks it offline with the message, and back", func(t *testing.T) {
		if r := rs.raw(t, "POST", "computer/far/toggleOffline", "offlineMessage=disk+swap", admin); r.status != 302 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		r := rs.raw(t, "GET", "computer/far/api/json", "", admin)
		if !strings.Contains(r.body, `"temporarilyOffline":true`) || !strings.Contains(r.body, `"offlineCauseReason":"disk swap"`) || !strings.Contains(r.body, "Disconnected by admin : disk swap") {
			t.Fatalf("%s", r.body)
		}
		if r := rs.raw(t, "POST", "computer/far/toggleOffline", "", admin); r.status != 302 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if r := rs.raw(t, "GET", "computer/far/api/json", "", admin); !strings.Contains(r.body, `"temporarilyOffline":false`) {
			t.Fatalf("%s", r.body)
		}
	})
	t.Run("an offline message past its bound is refused", func(t *testing.T) {
		r := rs.raw(t, "POST", "computer/far/toggleOffline", "offlineMessage="+strings.Repeat("x", 100000), admin)
		if r.status != 400 || !strings.Contains(r.body, "offlineMessage") {
			t.Fatalf("%d %s", r.status, r.body)
		}
	})
	t.Run("saveHostKey is refused for an agent that does not trust keys manually", func(t *testing.T) {
		r := rs.raw(t, "POST", "computer/far/saveHostKey/submit", "fingerprint=SHA256:x", admin)
		if r.status != 400 || !strings.Contains(r.body, "ManuallyTrustedKeyVerificationStrategy") {
			t.Fatalf("%d %s", r.status, r.body)
		}
	})
	t.Run("the computer set counts no executor of an offline agent", func(t *testing.T) {
		r := rs.raw(t, "GET", "computer/api/json", "", admin)
		if !strings.Contains(r.body, `"totalExecutors":2`) || !strings.Contains(r.body, `"displayName":"far"`) {
			t.Fatalf("%s", r.body)
		}
	})
	t.Run("the label's api lists the agent", func(t *testing.T) {
		r := rs.raw(t, "GET", "label/linux&&big/api/json", "", admin)
		if r.status != 200 || !strings.Contains(r.body, `"nodeName":"far"`) {
			t.Fatalf("%d %s", r.status, r.body)
		}
	})
}
