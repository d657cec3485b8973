package nodes

import (
	"context"
	"errors"
	"html"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/jeeves-ci/jeeves/internal/blob"
	"github.com/jeeves-ci/jeeves/internal/label"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/nodeconfig"
	"github.com/jeeves-ci/jeeves/internal/sshagent"
	"github.com/jeeves-ci/jeeves/internal/usererr"
)

// The offline causes' classes (hudson.slaves.OfflineCause's).
const (
	ClassLaunchFailed       = "hudson.slaves.OfflineCause$LaunchFailed"
	ClassChannelTermination = "hudson.slaves.OfflineCause$ChannelTermination"
	ClassUserCause          = "hudson.slaves.OfflineCause$UserCause"
)

// OfflineCause is why an agent is offline: Jenkins's OfflineCause.
type OfflineCause struct {
	Class     string
	Timestamp time.Time
	// Description is a UserCause's: "Disconnected by admin : message"
	// (SlaveComputer.DisconnectedBy), "Disconnected by admin" without a
	// message; Message is the message.
	Description string
	Message     string
	// Detail is jeeves's account of what failed, for LaunchFailed and
	// ChannelTermination (a host key that did not verify, a refused
	// login, a credential that does not exist…): what the agent's page
	// shows. Jenkins's API has no such field; its log has the same.
	Detail string
}

// Reason is IOfflineCause.getReason, the API's offlineCauseReason: the
// cause's text, a UserCause's without its "Disconnected by …" prefix,
// HTML-escaped.
func (c *OfflineCause) Reason() string {
	if c == nil {
		return ""
	}
	switch c.Class {
	case ClassLaunchFailed:
		return "This agent is offline because Jenkins failed to launch the agent process on it."
	case ClassChannelTermination:
		return "Connection was broken"
	}
	return html.EscapeString(c.Message)
}

func launchFailed(err error) *OfflineCause {
	return &OfflineCause{Class: ClassLaunchFailed, Timestamp: time.Now(), Detail: errText(err)}
}

// userCause is OfflineCause.UserCause: by is the user's id ("" is
// anonymous).
func userCause(by, message string) *OfflineCause {
	if by == "" {
		by = "anonymous"
	}
	d := "Disconnected by " + by
	if message != "" {
		d += " : " + message
	}
	return &OfflineCause{Class: ClassUserCause, Timestamp: time.Now(), Description: d, Message: message}
}

// Monitor is what Jenkins's node monitors report of a connected agent,
// read when it connects.
type Monitor struct {
	Timestamp time.Time
	// Architecture is ArchitectureMonitor's: "Linux (amd64)".
	Architecture string
	// ResponseTime is how long a command took to answer
	// (ResponseTimeMonitor's average, in milliseconds in the API).
	ResponseTime time.Duration
	// DiskFree and TmpFree are the free bytes of the file systems of
	// the remote root (DiskSpaceMonitor) and of the temporary directory
	// (TemporarySpaceMonitor), at DiskPath and TmpPath.
	DiskFree, TmpFree int64
	DiskPath, TmpPath string
}

// Computer is an agent as /computer/NAME/api/json reports it
// (hudson.slaves.SlaveComputer).
type Computer struct {
	Name         string
	Description  string
	NumExecutors int
	Mode         string // NORMAL or EXCLUSIVE
	// AssignedLabels are its labels, then its own name.
	AssignedLabels []string
	// Offline: not connected, or marked temporarily offline.
	Offline            bool
	TemporarilyOffline bool
	Connecting         bool
	// OfflineCause is nil when the agent is online or never launched;
	// OfflineCauseReason is its Reason ("" then).
	OfflineCause       *OfflineCause
	OfflineCauseReason string
	// Executors has the build on each executor (nil: idle): always
	// NumExecutors entries, more while builds finish on executors a
	// smaller count took away.
	Executors []*model.Build
	Idle      bool
	// JNLPAgent is an inbound agent's; LaunchSupported an SSH agent's.
	JNLPAgent, LaunchSupported bool
	// AbsoluteRemotePath is the remote root while connected ("": null).
	AbsoluteRemotePath string
	// Monitor is nil while the agent is offline.
	Monitor        *Monitor
	ConnectedSince time.Time // zero while not connected
	// ConfigError says why jeeves cannot connect the agent as stored.
	ConfigError string
	// OfferedHostKey is the fingerprint of a host key the agent offered
	// that waits for an administrator's trust (TrustHostKey).
	OfferedHostKey string
}

// Computer describes the agent named name as it is now.
func (s *Service) Computer(name string) (*Computer, error) {
	s.mu.RLock()
	a, ok := s.nodes[name]
	if !ok {
		s.mu.RUnlock()
		return nil, notFound(name)
	}
	c := s.computer(a)
	farm := s.cfg.Farm
	s.mu.RUnlock()
	s.fillExecutors(c, farm)
	return c, nil
}

// Computers describes every agent, sorted by name.
func (s *Service) Computers() []*Computer {
	s.mu.RLock()
	out := make([]*Computer, 0, len(s.nodes))
	for _, a := range s.nodes {
		out = append(out, s.computer(a))
	}
	farm := s.cfg.Farm
	s.mu.RUnlock()
	for _, c := range out {
		s.fillExecutors(c, farm)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// computer describes a. Called with s.mu.
func (s *Service) computer(a *agent) *Computer {
	c := &Computer{
		Name: a.m.Name, Description: a.m.Config.Description, NumExecutors: a.m.Config.NumExecutors, Mode: a.m.Config.Mode,
		AssignedLabels: append(append([]string(nil), a.labels()...), a.m.Name),
		Offline:        !a.online || a.m.TempOffline, TemporarilyOffline: a.m.TempOffline, Connecting: a.connecting,
		OfflineCause: a.cause,
		JNLPAgent:    !a.launchable() && a.cfgErr == nil && !a.commandLauncher(), LaunchSupported: a.launchable(),
	}
	if a.cfg != nil {
		c.NumExecutors, c.Mode = a.cfg.NumExecutors, string(a.cfg.Mode)
	}
	if a.m.TempOffline {
		c.OfflineCause = userCause(a.offlineBy, a.m.OfflineReason)
		if !a.offlineAt.IsZero() {
			c.OfflineCause.Timestamp = a.offlineAt
		}
	}
	if a.online {
		c.OfflineCause = nil
		if a.m.TempOffline {
			c.OfflineCause = userCause(a.offlineBy, a.m.OfflineReason)
		}
		c.AbsoluteRemotePath, c.Monitor, c.ConnectedSince = a.remoteFS(), a.monitor, a.since
	}
	if c.OfflineCause == nil && !a.online && a.cfgErr != nil {
		c.OfflineCause = launchFailed(a.cfgErr)
	}
	if c.OfflineCause == nil && !a.online && a.commandLauncher() {
		c.OfflineCause = launchFailed(errNotRunLauncher)
	}
	c.OfflineCauseReason = c.OfflineCause.Reason()
	if a.cfgErr != nil {
		c.ConfigError = a.cfgErr.Error()
	}
	if a.trust != nil {
		if k := a.trust.Offered(); k != nil {
			c.OfferedHostKey = sshagent.Fingerprint(k)
		}
	}
	return c
}

// fillExecutors sets what runs on each of c's executors.
func (s *Service) fillExecutors(c *Computer, farm Farm) {
	var running []*model.Build
	if farm != nil {
		running = farm.NodeExecutors(c.Name)
	}
	n := max(c.NumExecutors, len(running))
	c.Executors = make([]*model.Build, n)
	copy(c.Executors, running)
	c.Idle = true
	for _, b := range c.Executors {
		if b != nil {
			c.Idle = false
		}
	}
}

// LabelNodes lists the agents a label expression selects (Jenkins.getLabel:
// one that does not parse is one atom), by name; the built-in node is
// the caller's.
func (s *Service) LabelNodes(expr string) []string {
	l := label.ParseLax(expr)
	if l == nil {
		return nil
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []string
	for _, a := range s.nodes {
		atoms := map[string]bool{a.m.Name: true}
		for _, x := range a.labels() {
			atoms[x] = true
		}
		if l.MatchesSet(atoms) {
			out = append(out, a.m.Name)
		}
	}
	sort.Strings(out)
	return out
}

// MaxLogChunk bounds what LogText returns at once.
const MaxLogChunk = 1 << 20

// LogText is the agent's connection log from byte start on (at most
// MaxLogChunk of it), and the offset to ask for next: what
// /computer/NAME/logText/progressiveText serves (X-Text-Size is next;
// the log of a node never ends, so X-More-Data is true). A start past
// the end (the log was rotated since) gives the log from its beginning.
func (s *Service) LogText(name string, start int64) (text []byte, next int64, err error) {
	s.mu.RLock()
	_, ok := s.nodes[name]
	blobs := s.cfg.Blobs
	s.mu.RUnlock()
	if !ok {
		return nil, 0, notFound(name)
	}
	if blobs == nil {
		return nil, 0, nil
	}
	r, err := blobs.Open(logKey(name, 0))
	if errors.Is(err, blob.ErrNotFound) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	defer r.Close()
	size, err := r.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, 0, err
	}
	if start < 0 || start > size {
		start = 0
	}
	n := min(size-start, MaxLogChunk)
	buf := make([]byte, n)
	if _, err := r.ReadAt(buf, start); err != nil && !errors.Is(err, io.EOF) {
		return nil, 0, err
	}
	return buf, start + n, nil
}

// TrustHostKey is the ssh-slaves plugin's "Trust SSH Host Key" action
// for an agent with ManuallyTrustedKeyVerificationStrategy: the key the
// agent last offered (whose fingerprint Computer shows) becomes the
// trusted one, and the agent is launched.
func (s *Service) TrustHostKey(ctx context.Context, name, fingerprint string) error {
	s.mu.RLock()
	a, ok := s.nodes[name]
	var trust *trustStore
	if ok {
		trust = a.trust
	}
	s.mu.RUnlock()
	if !ok {
		return notFound(name)
	}
	if trust == nil || a.cfg == nil || a.cfg.Launcher.SSH == nil || a.cfg.Launcher.SSH.HostKey.Class != sshagent.ClassManuallyTrusted {
		return usererr.Newf(ErrBad, "‘%s’ does not trust host keys manually (%s)", name, sshagent.ClassManuallyTrusted)
	}
	k := trust.Offered()
	if k == nil || sshagent.Fingerprint(k) != strings.TrimSpace(fingerprint) {
		return usererr.Newf(ErrBad, "‘%s’ offers no host key with the fingerprint %q", name, fingerprint)
	}
	if err := trust.Trust(k); err != nil {
		return err
	}
	trust.mu.Lock()
	trust.offered = nil
	trust.mu.Unlock()
	_, err := s.Launch(ctx, name)
	return err
}

// errNotRunLauncher is the offline cause of a node launched by a command
// on the controller, which jeeves keeps but does not run.
var errNotRunLauncher = errors.New("jeeves does not run " + nodeconfig.ClassCommandLauncher + " (Launch agent via execution of command on the controller): the node is kept as configured, not connected; use " + nodeconfig.ClassSSHLauncher)

// commandLauncher is whether a is launched by a command on the
// controller.
func (a *agent) commandLauncher() bool {
	return a.cfg != nil && a.cfg.Launcher.Class == nodeconfig.ClassCommandLauncher
}
