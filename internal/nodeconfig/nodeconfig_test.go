package nodeconfig

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/jeeves-ci/jeeves/internal/credentials"
	"github.com/jeeves-ci/jeeves/internal/sshagent"
	"github.com/jeeves-ci/jeeves/internal/sshagent/sshtest"
)

func testKey(t testing.TB) ssh.PublicKey {
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	k, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

const full = `<?xml version='1.1' encoding='UTF-8'?>
<slave>
  <name>agent1</name>
  <description>linux box</description>
  <remoteFS>  /home/jenkins/agent </remoteFS>
  <numExecutors>2</numExecutors>
  <mode>EXCLUSIVE</mode>
  <retentionStrategy class="hudson.slaves.RetentionStrategy$Demand">
    <inDemandDelay>1</inDemandDelay>
    <idleDelay>10</idleDelay>
  </retentionStrategy>
  <launcher class="hudson.plugins.sshslaves.SSHLauncher" plugin="ssh-slaves@2.948">
    <host> 10.0.0.5 </host>
    <port>2222</port>
    <credentialsId>agent-ssh-key</credentialsId>
    <jvmOptions>-Xmx512m</jvmOptions>
    <prefixStartSlaveCmd>sudo -u ci </prefixStartSlaveCmd>
    <launchTimeoutSeconds>210</launchTimeoutSeconds>
    <maxNumRetries>0</maxNumRetries>
    <retryWaitTime>5</retryWaitTime>
    <sshHostKeyVerificationStrategy class="hudson.plugins.sshslaves.verifiers.ManuallyTrustedKeyVerificationStrategy">
      <requireInitialManualTrust>true</requireInitialManualTrust>
    </sshHostKeyVerificationStrategy>
    <tcpNoDelay>true</tcpNoDelay>
    <someFutureSetting>kept, not read</someFutureSetting>
  </launcher>
  <label>linux docker "x86 64"</label>
  <nodeProperties>
    <hudson.slaves.EnvironmentVariablesNodeProperty>
      <envVars serialization="custom"><unserializable-parents/><tree-map>
        <default><comparator class="hudson.util.CaseInsensitiveComparator"/></default>
        <int>2</int><string>JAVA_HOME</string><string>/usr/lib/jvm/java-17</string><string>EMPTY</string><string></string>
      </tree-map></envVars>
    </hudson.slaves.EnvironmentVariablesNodeProperty>
    <hudson.tools.ToolLocationNodeProperty/>
  </nodeProperties>
  <userId>admin</userId>
</slave>`

func TestParse(t *testing.T) {
	n, err := Parse([]byte(full))
	if err != nil {
		t.Fatal(err)
	}
	want := &Node{
		Name: "agent1", Description: "linux box", RemoteFS: "/home/jenkins/agent", NumExecutors: 2, Mode: Exclusive,
		LabelString: `linux docker "x86 64"`, Labels: []string{"linux", "docker", "x86 64"},
		Retention: Retention{Class: ClassDemand, InDemandDelay: 1, IdleDelay: 10},
		Launcher: Launcher{Class: ClassSSHLauncher, SSH: &SSHLauncher{
			Host: "10.0.0.5", Port: 2222, CredentialsID: "agent-ssh-key", JVMOptions: "-Xmx512m", Prefix: "sudo -u ci ",
			LaunchTimeoutSeconds: 60, MaxNumRetries: 0, RetryWaitTime: 5, TCPNoDelay: true,
			HostKey: HostKeyStrategy{Class: sshagent.ClassManuallyTrusted, RequireInitialManualTrust: true},
		}},
		Env:             []EnvVar{{"JAVA_HOME", "/usr/lib/jvm/java-17"}, {"EMPTY", ""}},
		OtherProperties: []string{"hudson.tools.ToolLocationNodeProperty"},
	}
	if !reflect.DeepEqual(n, want) {
		t.Fatalf("got  %+v\n%+v\nwant %+v\n%+v", n, n.Launcher.SSH, want, want.Launcher.SSH)
	}
	t.Run("the defaults are SSHLauncher's", func(t *testing.T) {
		n, err := Parse([]byte(`<slave><name>a</name><remoteFS>/r</remoteFS><launcher class="hudson.plugins.sshslaves.SSHLauncher"><host>h</host><credentialsId>c</credentialsId><port>0</port></launcher></slave>`))
		if err != nil {
			t.Fatal(err)
		}
		s := n.Launcher.SSH
		if s.Port != 22 || s.LaunchTimeoutSeconds != 60 || s.MaxNumRetries != 10 || s.RetryWaitTime != 15 || !s.TCPNoDelay ||
			s.HostKey.Class != sshagent.ClassNonVerifying || !s.HostKey.Missing || n.Mode != Normal || n.NumExecutors != 1 || n.Retention.Class != ClassAlways {
			t.Fatalf("%+v %+v", n, s)
		}
		if got := s.Summary(); got != "SSHLauncher{host='h', port=22, credentialsId='c', jvmOptions='', javaPath='', prefixStartSlaveCmd='', suffixStartSlaveCmd='', launchTimeoutSeconds=60, maxNumRetries=10, retryWaitTime=15, sshHostKeyVerificationStrategy=None, tcpNoDelay=true, trackCredentials=true}" {
			t.Fatal(got)
		}
	})
	t.Run("an inbound agent is kept, not connected", func(t *testing.T) {
		n, err := Parse([]byte(`<slave><name>a</name><launcher class="hudson.slaves.JNLPLauncher"/></slave>`))
		if err != nil || n.Launcher.SSH != nil {
			t.Fatal(n, err)
		}
		if _, err := n.AgentConfig(sshagent.Auth{}, nil, ""); err == nil {
			t.Fatal("an inbound agent got an SSH config")
		}
	})
	t.Run("a node without a launcher is an inbound agent, as Slave.getLauncher has it", func(t *testing.T) {
		n, err := Parse([]byte(`<slave><name>a</name><remoteFS>/tmp</remoteFS></slave>`))
		if err != nil || n.Launcher.Class != ClassJNLPLauncher {
			t.Fatal(n, err)
		}
		f, err := FromForm("b", `{"remoteFS":"/tmp"}`)
		if err != nil || f.Launcher.Class != ClassJNLPLauncher {
			t.Fatal(f, err)
		}
	})
}

func TestParseErrors(t *testing.T) {
	key := testKey(t)
	ssh := func(inner string) string {
		return `<slave><remoteFS>/r</remoteFS><launcher class="hudson.plugins.sshslaves.SSHLauncher">` + inner + `</launcher></slave>`
	}
	tests := []struct{ name, xml, want string }{
		{"not XML", `<slave>`, "not well-formed"},
		{"another root", `<project/>`, "<project>"},
		{"a launcher without a class", `<slave><launcher/></slave>`, "launcher: no class"},
		{"a label string with an open quote", `<slave><label>linux "my label</label></slave>`, `opens a quote (") it does not close`},
		{"an unknown launcher class", `<slave><launcher class="com.example.MadeUpLauncher"/></slave>`, `"com.example.MadeUpLauncher" is not a launcher jeeves knows`},
		{"no host", ssh(`<credentialsId>c</credentialsId>`), "The Host must be specified"},
		{"no credentials", ssh(`<host>h</host>`), "launcher/credentialsId"},
		{"a port that is no number", ssh(`<host>h</host><credentialsId>c</credentialsId><port>ssh</port>`), "launcher/port must be a whole number"},
		{"a port too high", ssh(`<host>h</host><credentialsId>c</credentialsId><port>70000</port>`), "less than 65536"},
		{"a relative remote root", `<slave><remoteFS>agent</remoteFS><launcher class="hudson.plugins.sshslaves.SSHLauncher"><host>h</host><credentialsId>c</credentialsId></launcher></slave>`, "absolute path"},
		{"an unknown host-key strategy", ssh(`<host>h</host><credentialsId>c</credentialsId><sshHostKeyVerificationStrategy class="x.Y"/>`), `"x.Y" is not a host key verification strategy`},
		{"a provided key that is not base64", ssh(`<host>h</host><credentialsId>c</credentialsId><sshHostKeyVerificationStrategy class="hudson.plugins.sshslaves.verifiers.ManuallyProvidedKeyVerificationStrategy"><key><algorithm>ssh-ed25519</algorithm><key>!!</key></key></sshHostKeyVerificationStrategy>`), "Base64"},
		{"a provided key of another algorithm", ssh(`<host>h</host><credentialsId>c</credentialsId><sshHostKeyVerificationStrategy class="hudson.plugins.sshslaves.verifiers.ManuallyProvidedKeyVerificationStrategy"><key><algorithm>ssh-rsa</algorithm><key>` + base64.StdEncoding.EncodeToString(key.Marshal()) + `</key></key></sshHostKeyVerificationStrategy>`), "does not parse into a valid ssh-rsa key"},
		{"zero executors", `<slave><numExecutors>0</numExecutors><launcher class="hudson.slaves.JNLPLauncher"/></slave>`, "numExecutors must be a positive"},
		{"a bad mode", `<slave><mode>SOMETIMES</mode><launcher class="hudson.slaves.JNLPLauncher"/></slave>`, "mode must be NORMAL or EXCLUSIVE"},
		{"an unknown retention strategy", `<slave><retentionStrategy class="hudson.slaves.SimpleScheduledRetentionStrategy"/><launcher class="hudson.slaves.JNLPLauncher"/></slave>`, "retentionStrategy"},
		{"a broken environment map", `<slave><launcher class="hudson.slaves.JNLPLauncher"/><nodeProperties><hudson.slaves.EnvironmentVariablesNodeProperty><envVars><tree-map><int>2</int><string>A</string><string>1</string></tree-map></envVars></hudson.slaves.EnvironmentVariablesNodeProperty></nodeProperties></slave>`, "2 strings for 2 variables"},
		{"a label with a control character", "<slave><label>a&#x9;b c\u0001</label><launcher class=\"hudson.slaves.JNLPLauncher\"/></slave>", "not well-formed"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused, naming it", func(t *testing.T) {
			_, err := Parse([]byte(tt.xml))
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("got %v", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("%q does not say %q", err, tt.want)
			}
		})
	}
}

func TestFromForm(t *testing.T) {
	key := testKey(t)
	tests := []struct {
		name, form string
		check      func(*Node) string
	}{
		{"python-jenkins's form", `{"name":"agent1","nodeDescription":"d","numExecutors":2,"remoteFS":"/home/jenkins","labelString":"linux","mode":"NORMAL","type":"hudson.slaves.DumbSlave$DescriptorImpl","retentionStrategy":{"stapler-class":"hudson.slaves.RetentionStrategy$Always"},"nodeProperties":{"stapler-class-bag":"true"},"launcher":{"stapler-class":"hudson.plugins.sshslaves.SSHLauncher","host":"10.0.0.5","port":"22","credentialsId":"k","javaPath":"","jvmOptions":"","launchTimeoutSeconds":"","maxNumRetries":"","retryWaitTime":"","sshHostKeyVerificationStrategy":{"stapler-class":"hudson.plugins.sshslaves.verifiers.NonVerifyingKeyVerificationStrategy"}}}`,
			func(n *Node) string {
				s := n.Launcher.SSH
				if n.NumExecutors != 2 || s.Host != "10.0.0.5" || s.LaunchTimeoutSeconds != 60 || s.MaxNumRetries != 10 || s.RetryWaitTime != 15 || s.HostKey.Missing {
					return fmt.Sprintf("%+v %+v", n, s)
				}
				return ""
			}},
		{"gojenkins's form ($class, a misspelled retention, extra keys)", `{"name":"a","numExecutors":"1","remoteFS":"/r","retentionsStrategy":{"stapler-class":"x"},"launcher":{"$class":"hudson.plugins.sshslaves.SSHLauncher","stapler-class":"hudson.plugins.sshslaves.SSHLauncher","type":"t","stapler-class-bag":"true","username":"u","host":"h","credentialsId":"k","port":""}}`,
			func(n *Node) string {
				if n.Retention.Class != ClassAlways || n.Launcher.SSH.Port != 22 {
					return fmt.Sprintf("%+v", n)
				}
				return ""
			}},
		{"the form's environment variables and a provided key", `{"remoteFS":"/r","nodeProperties":{"stapler-class-bag":"true","hudson-slaves-EnvironmentVariablesNodeProperty":{"env":[{"key":"A","value":"1"},{"key":"B","value":"it's"}]}},"launcher":{"stapler-class":"hudson.plugins.sshslaves.SSHLauncher","host":"h","credentialsId":"k","sshHostKeyVerificationStrategy":{"stapler-class":"hudson.plugins.sshslaves.verifiers.ManuallyProvidedKeyVerificationStrategy","key":"` + key.Type() + " " + base64.StdEncoding.EncodeToString(key.Marshal()) + `"}}}`,
			func(n *Node) string {
				if !reflect.DeepEqual(n.Env, []EnvVar{{"A", "1"}, {"B", "it's"}}) || n.Launcher.SSH.HostKey.Key == nil {
					return fmt.Sprintf("%+v", n)
				}
				return ""
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := FromForm("agent1", tt.form)
			if err != nil {
				t.Fatal(err)
			}
			if msg := tt.check(n); msg != "" {
				t.Fatal(msg)
			}
			// Render writes what Parse reads back to the same node.
			again, err := Parse(Render(n))
			if err != nil {
				t.Fatalf("%v\n%s", err, Render(n))
			}
			if !reflect.DeepEqual(again, n) {
				t.Fatalf("round trip:\n%+v\n%+v\n%s", again, n, Render(n))
			}
		})
	}
	for _, bad := range []struct{ form, want string }{
		{`[1]`, "not a JSON object"},
		{`{"remoteFS":"/r","labelString":"a 'b"}`, "opens a quote"},
		{`{"remoteFS":"/r","numExecutors":"two","launcher":{"stapler-class":"hudson.slaves.JNLPLauncher"}}`, "numExecutors"},
		{`{"remoteFS":"/r","launcher":{"stapler-class":"hudson.plugins.sshslaves.SSHLauncher","host":"h","credentialsId":"k","sshHostKeyVerificationStrategy":{"stapler-class":"hudson.plugins.sshslaves.verifiers.ManuallyProvidedKeyVerificationStrategy","key":"onepart"}}}`, "Key should be 2 parts"},
	} {
		if _, err := FromForm("a", bad.form); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%s: %v", bad.form, err)
		}
	}
}

func TestHostKeyXML(t *testing.T) {
	k := testKey(t)
	got, err := ParseHostKey(MarshalHostKey(k))
	if err != nil || string(got.Marshal()) != string(k.Marshal()) {
		t.Fatal(got, err)
	}
	if _, err := ParseHostKey([]byte(`<slave/>`)); err == nil {
		t.Fatal("read another document")
	}
}

// TestConnectFromConfig connects an agent from its config.xml and its
// credential, as the nodes service will.
func TestConnectFromConfig(t *testing.T) {
	srv := sshtest.Start(t, sshtest.Options{})
	xml := fmt.Sprintf(`<slave><name>agent1</name><remoteFS>%s/agent</remoteFS><numExecutors>1</numExecutors>
<launcher class="hudson.plugins.sshslaves.SSHLauncher"><host>%s</host><port>22</port><credentialsId>agent-key</credentialsId>
<launchTimeoutSeconds>5</launchTimeoutSeconds><maxNumRetries>0</maxNumRetries>
<sshHostKeyVerificationStrategy class="hudson.plugins.sshslaves.verifiers.ManuallyTrustedKeyVerificationStrategy"><requireInitialManualTrust>false</requireInitialManualTrust></sshHostKeyVerificationStrategy>
</launcher><label>linux</label></slave>`, srv.Home, srv.Addr)
	n, err := Parse([]byte(xml))
	if err != nil {
		t.Fatal(err)
	}
	cred := &credentials.Credential{ID: "agent-key", Scope: credentials.ScopeSystem, Kind: credentials.KindSSHKey, Username: srv.User, PrivateKey: credentials.Secret(srv.ClientKeyPEM)}
	auth, err := sshagent.AuthFromCredential("agent-key", cred)
	if err != nil {
		t.Fatal(err)
	}
	trust := &sshagent.MemoryTrustStore{}
	cfg, err := n.AgentConfig(auth, trust, "")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	a, err := sshagent.Dial(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if k, _ := trust.TrustedKey(); k == nil {
		t.Fatal("the first key was not trusted")
	}
	t.Run("a credential of the wrong kind is refused, naming it", func(t *testing.T) {
		_, err := sshagent.AuthFromCredential("tok", &credentials.Credential{ID: "tok", Kind: credentials.KindSecretText, Secret: "x"})
		if err == nil || !strings.Contains(err.Error(), "‘tok’ is a ‘Secret text’") {
			t.Fatal(err)
		}
		if _, err := sshagent.AuthFromCredential("gone", nil); err == nil || !strings.Contains(err.Error(), "Cannot find SSH User credentials with id: gone") {
			t.Fatal(err)
		}
	})
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(full))
	f.Add([]byte(`<slave><launcher class="hudson.slaves.JNLPLauncher"/></slave>`))
	f.Add([]byte(`<slave><remoteFS>/r</remoteFS><launcher class="hudson.plugins.sshslaves.SSHLauncher"><host>h</host><credentialsId>c</credentialsId></launcher></slave>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := Parse(data)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("an error that does not wrap ErrInvalid: %v", err)
			}
			return
		}
		// What parses renders as a config.xml that parses.
		if _, err := Parse(Render(n)); err != nil {
			t.Fatalf("%v\n%s", err, Render(n))
		}
	})
}
