package nodeconfig

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/jeeves-ci/jeeves/internal/sshagent"
)

type writer struct {
	b     bytes.Buffer
	depth int
}

func (w *writer) line(s string) {
	w.b.WriteString(strings.Repeat("  ", w.depth) + s + "\n")
}

func esc(s string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

func (w *writer) leaf(name, value string) { w.line("<" + name + ">" + esc(value) + "</" + name + ">") }
func (w *writer) open(tag string)         { w.line("<" + tag + ">"); w.depth++ }
func (w *writer) close(name string)       { w.depth--; w.line("</" + name + ">") }

// Render writes n's config.xml as Jenkins writes a DumbSlave.
func Render(n *Node) []byte {
	w := &writer{}
	w.b.WriteString("<?xml version='1.1' encoding='UTF-8'?>\n")
	w.open("slave")
	w.leaf("name", n.Name)
	w.leaf("description", n.Description)
	w.leaf("remoteFS", n.RemoteFS)
	w.leaf("numExecutors", strconv.Itoa(n.NumExecutors))
	w.leaf("mode", string(n.Mode))
	if n.Retention.Class == ClassDemand {
		w.open(`retentionStrategy class="` + ClassDemand + `"`)
		w.leaf("inDemandDelay", strconv.FormatInt(n.Retention.InDemandDelay, 10))
		w.leaf("idleDelay", strconv.FormatInt(n.Retention.IdleDelay, 10))
		w.close("retentionStrategy")
	} else {
		w.line(`<retentionStrategy class="` + esc(n.Retention.Class) + `"/>`)
	}
	if s := n.Launcher.SSH; s != nil {
		w.open(`launcher class="` + ClassSSHLauncher + `"`)
		w.leaf("host", s.Host)
		w.leaf("port", strconv.Itoa(s.Port))
		w.leaf("credentialsId", s.CredentialsID)
		for _, f := range []struct{ name, v string }{{"jvmOptions", s.JVMOptions}, {"javaPath", s.JavaPath}, {"prefixStartSlaveCmd", s.Prefix}, {"suffixStartSlaveCmd", s.Suffix}} {
			if f.v != "" {
				w.leaf(f.name, f.v)
			}
		}
		w.leaf("launchTimeoutSeconds", strconv.Itoa(s.LaunchTimeoutSeconds))
		w.leaf("maxNumRetries", strconv.Itoa(s.MaxNumRetries))
		w.leaf("retryWaitTime", strconv.Itoa(s.RetryWaitTime))
		if !s.HostKey.Missing {
			switch s.HostKey.Class {
			case sshagent.ClassManuallyTrusted:
				w.open(`sshHostKeyVerificationStrategy class="` + s.HostKey.Class + `"`)
				w.leaf("requireInitialManualTrust", strconv.FormatBool(s.HostKey.RequireInitialManualTrust))
				w.close("sshHostKeyVerificationStrategy")
			case sshagent.ClassManuallyProvided:
				w.open(`sshHostKeyVerificationStrategy class="` + s.HostKey.Class + `"`)
				w.open("key")
				w.leaf("algorithm", s.HostKey.Key.Type())
				w.leaf("key", base64.StdEncoding.EncodeToString(s.HostKey.Key.Marshal()))
				w.close("key")
				w.close("sshHostKeyVerificationStrategy")
			default:
				w.line(`<sshHostKeyVerificationStrategy class="` + esc(s.HostKey.Class) + `"/>`)
			}
		}
		w.leaf("tcpNoDelay", strconv.FormatBool(s.TCPNoDelay))
		if s.WorkDir != "" {
			w.leaf("workDir", s.WorkDir)
		}
		w.close("launcher")
	} else {
		w.line(`<launcher class="` + esc(n.Launcher.Class) + `"/>`)
	}
	w.leaf("label", n.LabelString)
	if len(n.Env) == 0 {
		w.line("<nodeProperties/>")
	} else {
		w.open("nodeProperties")
		w.open(ClassEnvProperty)
		w.open(`envVars serialization="custom"`)
		w.line("<unserializable-parents/>")
		w.open("tree-map")
		w.open("default")
		w.line(`<comparator class="hudson.util.CaseInsensitiveComparator"/>`)
		w.close("default")
		w.leaf("int", strconv.Itoa(len(n.Env)))
		for _, e := range n.Env {
			w.leaf("string", e.Name)
			w.leaf("string", e.Value)
		}
		w.close("tree-map")
		w.close("envVars")
		w.close(ClassEnvProperty)
		w.close("nodeProperties")
	}
	w.close("slave")
	return bytes.TrimSuffix(w.b.Bytes(), []byte("\n"))
}

// MarshalHostKey writes a trusted host key as Jenkins's ssh-host-key.xml.
func MarshalHostKey(k ssh.PublicKey) []byte {
	return []byte(fmt.Sprintf("<?xml version='1.1' encoding='UTF-8'?>\n<%s>\n  <algorithm>%s</algorithm>\n  <key>%s</key>\n</%s>",
		ClassHostKey, esc(k.Type()), base64.StdEncoding.EncodeToString(k.Marshal()), ClassHostKey))
}

// ParseHostKey reads ssh-host-key.xml.
func ParseHostKey(data []byte) (ssh.PublicKey, error) {
	root, err := parseTree(data)
	if err != nil {
		return nil, err
	}
	if root.name != ClassHostKey {
		return nil, invalid("the root element is <%s>, not <%s>", root.name, ClassHostKey)
	}
	k, err := sshagent.ParseKeyParts(strings.TrimSpace(root.str("algorithm")), strings.TrimSpace(root.str("key")))
	if err != nil {
		return nil, invalid("ssh-host-key.xml: %v", err)
	}
	return k, nil
}

// AgentConfig is the sshagent.Config that connects n (which must have an
// SSHLauncher): auth from its credential (sshagent.AuthFromCredential),
// trust for ManuallyTrustedKeyVerificationStrategy, knownHosts for
// KnownHostsFileKeyVerificationStrategy ("" is ~/.ssh/known_hosts).
// Always retention reconnects; Jenkins's zero retries and zero wait are
// kept as such.
func (n *Node) AgentConfig(auth sshagent.Auth, trust sshagent.TrustStore, knownHosts string) (sshagent.Config, error) {
	s := n.Launcher.SSH
	if s == nil {
		return sshagent.Config{}, invalid("the node ‘%s’ is not launched over SSH (launcher %s)", n.Name, n.Launcher.Class)
	}
	cfg := sshagent.Config{
		Name:          n.Name,
		Host:          s.Host,
		Port:          s.Port,
		Auth:          auth,
		RemoteFS:      n.RemoteFS,
		Prefix:        s.Prefix,
		Suffix:        s.Suffix,
		LaunchTimeout: time.Duration(s.LaunchTimeoutSeconds) * time.Second,
		MaxRetries:    s.MaxNumRetries,
		RetryWait:     time.Duration(s.RetryWaitTime) * time.Second,
		Reconnect:     n.Retention.Class == ClassAlways,
		Summary:       s.Summary(),
	}
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = -1 // none; sshagent reads 0 as its default
	}
	if cfg.RetryWait == 0 {
		cfg.RetryWait = time.Millisecond
	}
	switch s.HostKey.Class {
	case sshagent.ClassKnownHostsFile:
		cfg.HostKey = sshagent.KnownHostsFile{Path: knownHosts}
	case sshagent.ClassManuallyProvided:
		cfg.HostKey = sshagent.ManuallyProvided{Key: s.HostKey.Key}
	case sshagent.ClassManuallyTrusted:
		if trust == nil {
			return sshagent.Config{}, invalid("the node ‘%s’ trusts host keys manually, and no store for them was given", n.Name)
		}
		cfg.HostKey = sshagent.ManuallyTrusted{RequireInitialManualTrust: s.HostKey.RequireInitialManualTrust, Store: trust}
	default:
		cfg.HostKey = sshagent.NonVerifying{}
	}
	return cfg, nil
}
