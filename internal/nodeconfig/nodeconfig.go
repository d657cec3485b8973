// Package nodeconfig is a permanent agent's configuration as Jenkins
// stores it: hudson.slaves.DumbSlave (XStream alias <slave>) with the
// ssh-slaves plugin's SSHLauncher, read into a typed Node and checked.
//
//   - Parse reads a node's config.xml (GET/POST /computer/NAME/config.xml).
//     Unknown elements and plugin= attributes are ignored, never
//     rewritten: the store keeps the posted bytes, and Parse only reads.
//   - FromForm reads the json field of ComputerSet.doCreateItem, as
//     python-jenkins, node-jenkins and gojenkins send it: "stapler-class"
//     or "$class" pick classes, numbers may be strings and "" means the
//     default, unknown keys are ignored.
//   - Render writes a Node as Jenkins writes its config.xml.
//   - Node.AgentConfig turns a Node with an SSHLauncher into the
//     sshagent.Config that connects it.
//   - MarshalHostKey and ParseHostKey read and write the trusted host key
//     of ManuallyTrustedKeyVerificationStrategy
//     (nodes/NAME/ssh-host-key.xml in Jenkins).
//
// Defaults are SSHLauncher's: port 0 or empty is 22; launchTimeoutSeconds
// missing, ≤ 0 or the legacy 210 is 60; maxNumRetries missing or < 0 is
// 10; retryWaitTime missing or < 0 is 15; a missing host-key strategy is
// NonVerifyingKeyVerificationStrategy (HostKey.Missing says so, for an
// administrator's warning); a missing retentionStrategy is Always; a
// missing launcher is an inbound agent's (JNLPLauncher), as Jenkins's
// Slave.getLauncher has it.
//
// Every error wraps ErrInvalid and names the element or field at fault:
// a launcher or strategy class jeeves does not know, a missing host or
// credentialsId, a number that is not one, a host key that does not
// parse, a label that is not usable.
package nodeconfig

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/crypto/ssh"

	"github.com/jeeves-ci/jeeves/internal/label"
	"github.com/jeeves-ci/jeeves/internal/sshagent"
)

// ErrInvalid is wrapped by every error about a bad configuration.
var ErrInvalid = errors.New("invalid node configuration")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// Class names.
const (
	ClassDumbSlave    = "hudson.slaves.DumbSlave"
	ClassSSHLauncher  = "hudson.plugins.sshslaves.SSHLauncher"
	ClassJNLPLauncher = "hudson.slaves.JNLPLauncher"
	// ClassCommandLauncher launches an agent by a command on the
	// controller (python-jenkins's create_node default): jeeves keeps
	// such a node, and says it does not connect it.
	ClassCommandLauncher = "hudson.slaves.CommandLauncher"
	ClassAlways          = "hudson.slaves.RetentionStrategy$Always"
	ClassDemand          = "hudson.slaves.RetentionStrategy$Demand"
	ClassEnvProperty     = "hudson.slaves.EnvironmentVariablesNodeProperty"
	ClassHostKey         = "hudson.plugins.sshslaves.verifiers.HostKey"
)

// SSHLauncher defaults.
const (
	DefaultPort                 = 22
	DefaultLaunchTimeoutSeconds = 60
	DefaultMaxNumRetries        = 10
	DefaultRetryWaitTime        = 15
)

// Mode is NORMAL (use the node as much as possible) or EXCLUSIVE (only
// for jobs whose label expression matches it).
type Mode string

// The modes.
const (
	Normal    Mode = "NORMAL"
	Exclusive Mode = "EXCLUSIVE"
)

// Node is a permanent agent's configuration.
type Node struct {
	Name         string
	Description  string
	RemoteFS     string // trimmed, as Slave trims it
	NumExecutors int
	Mode         Mode
	LabelString  string   // as given
	Labels       []string // its atoms (label.ParseAtoms)
	Retention    Retention
	Launcher     Launcher
	Env          []EnvVar // EnvironmentVariablesNodeProperty, in order
	// OtherProperties are the classes of node properties jeeves does not
	// act on.
	OtherProperties []string
	// TemporarilyOffline is set when the XML holds a
	// <temporaryOfflineCause> (Jenkins 2.482 and later).
	TemporarilyOffline bool
}

// Retention is the retention strategy.
type Retention struct {
	Class string // ClassAlways or ClassDemand
	// InDemandDelay and IdleDelay are Demand's, in minutes.
	InDemandDelay, IdleDelay int64
}

// Launcher is how the node is connected: an SSHLauncher, or an inbound
// (JNLP) agent or a CommandLauncher's, which jeeves stores but does not
// connect.
type Launcher struct {
	Class string
	SSH   *SSHLauncher // for ClassSSHLauncher
}

// EnvVar is one of the node's environment variables.
type EnvVar struct{ Name, Value string }

// SSHLauncher is hudson.plugins.sshslaves.SSHLauncher's settings.
type SSHLauncher struct {
	Host          string
	Port          int
	CredentialsID string
	JavaPath      string // kept, unused: jeeves runs no agent JVM
	JVMOptions    string // kept, unused
	Prefix        string // prefixStartSlaveCmd
	Suffix        string // suffixStartSlaveCmd
	WorkDir       string
	// LaunchTimeoutSeconds, MaxNumRetries and RetryWaitTime with their
	// defaults applied.
	LaunchTimeoutSeconds int
	MaxNumRetries        int
	RetryWaitTime        int
	TCPNoDelay           bool
	HostKey              HostKeyStrategy
}

// HostKeyStrategy is sshHostKeyVerificationStrategy.
type HostKeyStrategy struct {
	Class string // one of sshagent.Class*
	// Missing says the element was absent: NonVerifying applies, and
	// Jenkins warns administrators.
	Missing bool
	// RequireInitialManualTrust is ManuallyTrusted's setting.
	RequireInitialManualTrust bool
	// Key is ManuallyProvided's key.
	Key ssh.PublicKey
}

// KeyString is ManuallyProvided's key as the form shows it,
// "algorithm base64".
func (h HostKeyStrategy) KeyString() string {
	if h.Key == nil {
		return ""
	}
	return h.Key.Type() + " " + base64.StdEncoding.EncodeToString(h.Key.Marshal())
}

// Summary is SSHLauncher.logConfiguration, the launch log's first line.
func (s *SSHLauncher) Summary() string {
	strategy := s.HostKey.Class
	if s.HostKey.Missing {
		strategy = "None"
	}
	return fmt.Sprintf("SSHLauncher{host='%s', port=%d, credentialsId='%s', jvmOptions='%s', javaPath='%s', prefixStartSlaveCmd='%s', suffixStartSlaveCmd='%s', launchTimeoutSeconds=%d, maxNumRetries=%d, retryWaitTime=%d, sshHostKeyVerificationStrategy=%s, tcpNoDelay=%t, trackCredentials=true}",
		s.Host, s.Port, s.CredentialsID, s.JVMOptions, s.JavaPath, s.Prefix, s.Suffix, s.LaunchTimeoutSeconds, s.MaxNumRetries, s.RetryWaitTime, strategy, s.TCPNoDelay)
}

// elem is an XML element, as read.
type elem struct {
	name     string
	class    string
	text     strings.Builder
	children []*elem
}

func (e *elem) child(name string) *elem {
	if e == nil {
		return nil
	}
	for _, c := range e.children {
		if c.name == name {
			return c
		}
	}
	return nil
}

func (e *elem) str(name string) string {
	if c := e.child(name); c != nil {
		return c.text.String()
	}
	return ""
}

var versionRE = regexp.MustCompile(`^\s*<\?xml[^>]*version\s*=\s*["']1\.1["']`)

// MaxDepth bounds the nesting Parse reads.
const MaxDepth = 64

func parseTree(data []byte) (*elem, error) {
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	if loc := versionRE.FindIndex(data); loc != nil {
		data = bytes.Clone(data)
		data[loc[1]-2] = '0' // XML 1.1 → 1.0, which encoding/xml reads
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	var stack []*elem
	var root *elem
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, invalid("config.xml is not well-formed XML: %v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) >= MaxDepth {
				return nil, invalid("config.xml nests deeper than %d elements", MaxDepth)
			}
			e := &elem{name: t.Name.Local}
			for _, a := range t.Attr {
				if a.Name.Local == "class" {
					e.class = a.Value
				}
			}
			if len(stack) == 0 {
				if root != nil {
					return nil, invalid("config.xml has more than one root element")
				}
				root = e
			} else {
				p := stack[len(stack)-1]
				p.children = append(p.children, e)
			}
			stack = append(stack, e)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(t)
			}
		}
	}
	if root == nil {
		return nil, invalid("config.xml is empty")
	}
	return root, nil
}

// Parse reads a node's config.xml.
func Parse(data []byte) (*Node, error) {
	root, err := parseTree(data)
	if err != nil {
		return nil, err
	}
	if root.name != "slave" && root.name != ClassDumbSlave {
		return nil, invalid("the root element is <%s>; a permanent agent's is <slave> (hudson.slaves.DumbSlave)", root.name)
	}
	n := &Node{
		Name:        strings.TrimSpace(root.str("name")),
		Description: root.str("description"),
		RemoteFS:    strings.TrimSpace(root.str("remoteFS")),
		Mode:        Mode(strings.TrimSpace(root.str("mode"))),
		LabelString: root.str("label"),
	}
	if n.NumExecutors, err = intField("numExecutors", root.str("numExecutors"), 1); err != nil {
		return nil, err
	}
	rs := root.child("retentionStrategy")
	if rs != nil {
		n.Retention.Class = rs.class
		if n.Retention.InDemandDelay, err = int64Field("retentionStrategy/inDemandDelay", rs.str("inDemandDelay")); err != nil {
			return nil, err
		}
		if n.Retention.IdleDelay, err = int64Field("retentionStrategy/idleDelay", rs.str("idleDelay")); err != nil {
			return nil, err
		}
	}
	l := root.child("launcher")
	n.Launcher.Class = ClassJNLPLauncher // Slave.getLauncher's default
	if l != nil {
		n.Launcher.Class = l.class
	}
	if l != nil && l.class == ClassSSHLauncher {
		if n.Launcher.SSH, err = parseSSH(l); err != nil {
			return nil, err
		}
	}
	if props := root.child("nodeProperties"); props != nil {
		for _, p := range props.children {
			if p.name != ClassEnvProperty {
				n.OtherProperties = append(n.OtherProperties, p.name)
				continue
			}
			env, err := parseEnv(p)
			if err != nil {
				return nil, err
			}
			n.Env = append(n.Env, env...)
		}
	}
	n.TemporarilyOffline = root.child("temporaryOfflineCause") != nil
	if err := n.normalize(); err != nil {
		return nil, err
	}
	return n, nil
}

func intField(name, s string, def int) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return def, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		return 0, invalid("%s must be a whole number, not %q", name, truncate(s))
	}
	return v, nil
}

func int64Field(name, s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, invalid("%s must be a whole number, not %q", name, truncate(s))
	}
	return v, nil
}

func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

func parseSSH(l *elem) (*SSHLauncher, error) {
	s := &SSHLauncher{
		Host:          strings.TrimSpace(l.str("host")),
		CredentialsID: strings.TrimSpace(l.str("credentialsId")),
		JavaPath:      strings.TrimSpace(l.str("javaPath")),
		JVMOptions:    strings.TrimSpace(l.str("jvmOptions")),
		Prefix:        l.str("prefixStartSlaveCmd"),
		Suffix:        l.str("suffixStartSlaveCmd"),
		WorkDir:       strings.TrimSpace(l.str("workDir")),
		TCPNoDelay:    strings.TrimSpace(l.str("tcpNoDelay")) != "false",
	}
	var err error
	if s.Port, err = intField("launcher/port", l.str("port"), 0); err != nil {
		return nil, err
	}
	if s.LaunchTimeoutSeconds, err = intField("launcher/launchTimeoutSeconds", l.str("launchTimeoutSeconds"), 0); err != nil {
		return nil, err
	}
	if s.MaxNumRetries, err = intField("launcher/maxNumRetries", l.str("maxNumRetries"), -1); err != nil {
		return nil, err
	}
	if s.RetryWaitTime, err = intField("launcher/retryWaitTime", l.str("retryWaitTime"), -1); err != nil {
		return nil, err
	}
	hk := l.child("sshHostKeyVerificationStrategy")
	if hk == nil {
		s.HostKey = HostKeyStrategy{Class: sshagent.ClassNonVerifying, Missing: true}
	} else {
		s.HostKey.Class = hk.class
		s.HostKey.RequireInitialManualTrust = strings.TrimSpace(hk.str("requireInitialManualTrust")) == "true"
		if k := hk.child("key"); k != nil && hk.class == sshagent.ClassManuallyProvided {
			key, err := sshagent.ParseKeyParts(strings.TrimSpace(k.str("algorithm")), strings.TrimSpace(k.str("key")))
			if err != nil {
				return nil, invalid("launcher/sshHostKeyVerificationStrategy/key: %v", err)
			}
			s.HostKey.Key = key
		}
	}
	return s, nil
}

// parseEnv reads EnvironmentVariablesNodeProperty's XStream tree-map:
// <int>N</int> then N pairs of <string>.
func parseEnv(p *elem) ([]EnvVar, error) {
	tm := p.child("envVars").child("tree-map")
	if tm == nil {
		return nil, nil
	}
	var strs []string
	count := -1
	for _, c := range tm.children {
		switch c.name {
		case "int":
			v, err := strconv.Atoi(strings.TrimSpace(c.text.String()))
			if err != nil || v < 0 {
				return nil, invalid("%s: the variables' count %q is not a number", ClassEnvProperty, truncate(c.text.String()))
			}
			count = v
		case "string":
			strs = append(strs, c.text.String())
		}
	}
	if len(strs)%2 != 0 || (count >= 0 && count != len(strs)/2) {
		return nil, invalid("%s: the tree-map holds %d strings for %d variables", ClassEnvProperty, len(strs), count)
	}
	var out []EnvVar
	for i := 0; i < len(strs); i += 2 {
		out = append(out, EnvVar{strs[i], strs[i+1]})
	}
	return out, nil
}

// normalize applies the defaults and checks the node (Validate).
func (n *Node) normalize() error {
	n.RemoteFS = strings.TrimSpace(n.RemoteFS)
	if n.Mode == "" {
		n.Mode = Normal
	}
	if n.Retention.Class == "" {
		n.Retention.Class = ClassAlways
	}
	n.Labels = label.ParseAtoms(n.LabelString)
	if s := n.Launcher.SSH; s != nil {
		if s.Port == 0 {
			s.Port = DefaultPort
		}
		if s.LaunchTimeoutSeconds <= 0 || s.LaunchTimeoutSeconds == 210 {
			s.LaunchTimeoutSeconds = DefaultLaunchTimeoutSeconds
		}
		if s.MaxNumRetries < 0 {
			s.MaxNumRetries = DefaultMaxNumRetries
		}
		if s.RetryWaitTime < 0 {
			s.RetryWaitTime = DefaultRetryWaitTime
		}
		if s.HostKey.Class == "" {
			s.HostKey = HostKeyStrategy{Class: sshagent.ClassNonVerifying, Missing: true}
		}
	}
	return n.Validate()
}

// Validate checks a node as jeeves stores it.
func (n *Node) Validate() error {
	if n.NumExecutors <= 0 {
		return invalid("numExecutors must be a positive whole number, not %d", n.NumExecutors)
	}
	if n.Mode != Normal && n.Mode != Exclusive {
		return invalid("mode must be NORMAL or EXCLUSIVE, not %q", truncate(string(n.Mode)))
	}
	switch n.Retention.Class {
	case ClassAlways:
	case ClassDemand:
		if n.Retention.InDemandDelay < 0 || n.Retention.IdleDelay < 0 {
			return invalid("retentionStrategy: inDemandDelay and idleDelay are minutes, not negative")
		}
	default:
		return invalid("retentionStrategy: the class %q is not one jeeves knows (%s, %s)", truncate(n.Retention.Class), ClassAlways, ClassDemand)
	}
	if q := unterminatedQuote(n.LabelString); q != 0 {
		return invalid("label: the label string %q opens a quote (%c) it does not close", truncate(n.LabelString), q)
	}
	for _, a := range n.Labels {
		for _, r := range a {
			if unicode.IsControl(r) {
				return invalid("label: the label %q holds a control character", truncate(a))
			}
		}
	}
	for _, e := range n.Env {
		if e.Name == "" {
			return invalid("%s: a variable has no name", ClassEnvProperty)
		}
	}
	switch n.Launcher.Class {
	case ClassSSHLauncher:
		return n.Launcher.SSH.validate(n.RemoteFS)
	case ClassJNLPLauncher, ClassCommandLauncher:
		return nil
	case "":
		return invalid("launcher: no class; jeeves connects agents with %s", ClassSSHLauncher)
	}
	return invalid("launcher: the class %q is not a launcher jeeves knows; it connects agents with %s (and keeps %s and %s agents without connecting them)", truncate(n.Launcher.Class), ClassSSHLauncher, ClassJNLPLauncher, ClassCommandLauncher)
}

// unterminatedQuote is the quote a label string opens and does not
// close (label.ParseAtoms reads it to the end), or 0.
func unterminatedQuote(labels string) rune {
	var quote rune
	esc := false
	for _, r := range labels {
		switch {
		case quote != 0 && esc:
			esc = false
		case quote != 0 && r == '\\':
			esc = true
		case quote != 0 && r == quote:
			quote = 0
		case quote == 0 && (r == '"' || r == '\''):
			quote = r
		}
	}
	return quote
}

func (s *SSHLauncher) validate(remoteFS string) error {
	if s == nil {
		return invalid("launcher: the SSH launcher has no settings")
	}
	if s.Host == "" {
		return invalid("launcher/host: The Host must be specified")
	}
	if strings.ContainsAny(s.Host, " \t\r\n/") {
		return invalid("launcher/host: %q is not a host name or address", truncate(s.Host))
	}
	if s.Port < 0 {
		return invalid("launcher/port: The port value must be greater than 0")
	}
	if s.Port > 65535 {
		return invalid("launcher/port: The port value must be less than 65536")
	}
	if s.CredentialsID == "" {
		return invalid("launcher/credentialsId: The selected credentials cannot be found (give the id of an ‘SSH Username with private key’ or ‘Username with password’ credential)")
	}
	if !strings.HasPrefix(remoteFS, "/") {
		return invalid("remoteFS: an SSH agent's remote root directory must be an absolute path, not %q", truncate(remoteFS))
	}
	switch s.HostKey.Class {
	case sshagent.ClassNonVerifying, sshagent.ClassKnownHostsFile, sshagent.ClassManuallyTrusted:
	case sshagent.ClassManuallyProvided:
		if s.HostKey.Key == nil {
			return invalid("launcher/sshHostKeyVerificationStrategy: the manually provided key is missing")
		}
	default:
		return invalid("launcher/sshHostKeyVerificationStrategy: the class %q is not a host key verification strategy jeeves knows", truncate(s.HostKey.Class))
	}
	return nil
}
