package nodes

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jeeves-ci/jeeves/internal/blob"
	"github.com/jeeves-ci/jeeves/internal/credentials"
	"github.com/jeeves-ci/jeeves/internal/executor"
	"github.com/jeeves-ci/jeeves/internal/launcher/sshlauncher"
	"github.com/jeeves-ci/jeeves/internal/limits"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/nodeconfig"
	"github.com/jeeves-ci/jeeves/internal/scheduler"
	"github.com/jeeves-ci/jeeves/internal/sshagent"
	"github.com/jeeves-ci/jeeves/internal/store"
	"github.com/jeeves-ci/jeeves/internal/usererr"
	"github.com/jeeves-ci/jeeves/internal/workspace"
)

// Credentials finds the credential a node's credentialsId names: the
// credentials service. A credential that does not exist is (nil, nil),
// or an error wrapping store.ErrNotFound.
type Credentials interface {
	Resolve(ctx context.Context, id string) (*credentials.Credential, error)
}

// Farm is where agents are put to work: the build farm. Every agent is
// set there, connected or not (so that the queue can say "‘agent1’ is
// offline"), with its executors, labels, mode and state.
type Farm interface {
	SetNode(scheduler.NodeConfig) error
	RemoveNode(name string)
	// NodeExecutors is the build on each executor of a node (nil: idle).
	NodeExecutors(name string) []*model.Build
}

// Defaults of Config.
const (
	// DefaultOfflineTimeout is how long a build waits for its agent to
	// come back: after a dropped connection, and after a restart of
	// jeeves.
	DefaultOfflineTimeout = sshagent.DefaultOfflineTimeout
	// DefaultRetentionCheck is how long an agent disconnected by a user
	// stays disconnected before RetentionStrategy.Always connects it
	// again (Jenkins's retention check runs every 60 s), and the longest
	// wait between two launches that failed.
	DefaultRetentionCheck = 60 * time.Second
	// DefaultMaxLogSize bounds an agent's connection log; a longer one is
	// rotated (as it is at each launch), ten kept.
	DefaultMaxLogSize = 1 << 20
)

// Config says how the service connects agents.
type Config struct {
	Credentials Credentials
	Farm        Farm
	// Blobs keeps each agent's connection log (nodes/NAME/log, rotated
	// to log.1 … log.9) and the host key it trusts
	// (nodes/NAME/ssh-host-key.xml, for
	// ManuallyTrustedKeyVerificationStrategy).
	Blobs blob.Store
	// KnownHosts is the file KnownHostsFileKeyVerificationStrategy reads;
	// "": ~/.ssh/known_hosts of the user running jeeves.
	KnownHosts string
	// OfflineTimeout is how long a build waits for its agent to come
	// back (DefaultOfflineTimeout when 0).
	OfflineTimeout time.Duration
	// RetentionCheck: see DefaultRetentionCheck.
	RetentionCheck time.Duration
	MaxLogSize     int64
	Logger         *slog.Logger
	// Tune, when set, adjusts each agent's connection settings before it
	// connects (tests shorten the timeouts).
	Tune func(*sshagent.Config)
}

// agent is one permanent agent: its configuration and, once the service
// has started, its connection.
type agent struct {
	s      *Service
	m      *model.Node      // as stored
	cfg    *nodeconfig.Node // nil when the stored configuration no longer reads
	cfgErr error

	offlineBy string // who marked it offline (not stored)
	offlineAt time.Time

	node   *executor.Node // what the farm runs builds on
	ws     *workspace.Set
	wsRoot string
	src    *source
	log    *connLog
	pub    sync.Mutex // orders what is published to the farm

	// Guarded by the service's mu.
	conn       *sshagent.Agent // from a launch until it is closed
	gen        int             // the connection's generation; older callbacks are ignored
	dialing    bool
	online     bool
	up         chan struct{} // closed while online
	connecting bool
	cause      *OfflineCause
	since      time.Time
	monitor    *Monitor
	trust      *trustStore
	launchNow  bool
	disconnect *OfflineCause // a user's disconnect, to carry out
	userDown   bool          // disconnected by a user: wait RetentionCheck
	reconf     bool          // the connection settings changed
	wake       chan struct{}
	stop       chan struct{}
	done       chan struct{}
	running    bool // a keeper runs
}

func newAgent(s *Service, m *model.Node, cfg *nodeconfig.Node, err error) *agent {
	a := &agent{s: s, m: m, cfg: cfg, cfgErr: err, up: make(chan struct{}), wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	if err != nil {
		a.cfg = nil
		a.cfgErr = fmt.Errorf("the stored configuration of ‘%s’ is not one jeeves can connect: %w", m.Name, err)
	}
	if a.cfg != nil {
		a.cfg.Name = m.Name
	}
	a.src = &source{a: a}
	return a
}

// launchable reports whether jeeves connects the agent: it has an SSH
// launcher and a configuration that reads.
func (a *agent) launchable() bool { return a.cfg != nil && a.cfg.Launcher.SSH != nil }

// remoteFS is the agent's root directory.
func (a *agent) remoteFS() string {
	if a.cfg != nil {
		return a.cfg.RemoteFS
	}
	return a.m.Config.RemoteFS
}

// labels are the agent's label atoms (without its name).
func (a *agent) labels() []string {
	if a.cfg != nil {
		return a.cfg.Labels
	}
	return a.m.Config.Labels
}

// buildNode makes the node the farm runs builds on from the agent's
// configuration. Its launcher follows the agent's connection; its
// workspaces are kept while remoteFS stays. Called with s.mu, or before
// the agent is shared.
func (s *Service) buildNode(a *agent) {
	l := sshlauncher.New(a.src)
	if root := a.remoteFS(); a.ws == nil || root != a.wsRoot {
		a.wsRoot = root
		if root == "" {
			root = "/"
		}
		a.ws = workspace.New(l, root, s.cfg.Logger)
	}
	n := &executor.Node{
		Name: a.m.Name, Labels: append(slices.Clone(a.labels()), a.m.Name),
		Launcher: l, Workspaces: a.ws,
	}
	if a.cfg != nil {
		for _, e := range a.cfg.Env {
			n.Env = append(n.Env, e.Name+"="+e.Value)
		}
	}
	a.node = n
}

// source gives the sshlauncher the agent's connection.
type source struct{ a *agent }

func (src *source) Agent(ctx context.Context) (*sshagent.Agent, error) {
	a := src.a
	for {
		a.s.mu.RLock()
		c, up := a.conn, a.up
		a.s.mu.RUnlock()
		if c != nil {
			return c, nil
		}
		select {
		case <-up:
		case <-a.stop:
			return nil, fmt.Errorf("agent ‘%s’ was removed: %w", a.m.Name, sshagent.ErrClosed)
		case <-ctx.Done():
			return nil, fmt.Errorf("agent ‘%s’ is not connected: %w", a.m.Name, ctx.Err())
		}
	}
}

// Start connects the agents, and keeps them connected, as configured:
// each SSH agent is connected at once and again whenever its connection
// drops (RetentionStrategy.Always; an agent configured with
// RetentionStrategy.Demand is treated the same), and every agent, SSH or
// not, is set in the farm. Nodes created later are connected as they
// are. Start may be called once.
func (s *Service) Start(ctx context.Context, cfg Config) error {
	if cfg.Blobs == nil {
		return errors.New("nodes: no blob store for the agents' logs")
	}
	if cfg.OfflineTimeout <= 0 {
		cfg.OfflineTimeout = DefaultOfflineTimeout
	}
	if cfg.RetentionCheck <= 0 {
		cfg.RetentionCheck = DefaultRetentionCheck
	}
	if cfg.MaxLogSize <= 0 {
		cfg.MaxLogSize = DefaultMaxLogSize
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s.mu.Lock()
	if s.started {
		s.mu.Unlock()
		return errors.New("nodes: started twice")
	}
	s.cfg, s.started = cfg, true
	var all []*agent
	for _, a := range s.nodes {
		s.adopt(a)
		all = append(all, a)
	}
	s.mu.Unlock()
	for _, a := range all {
		s.publish(a)
	}
	return nil
}

// adopt gives a new agent its runtime: its node, its log, and a keeper
// that connects it. Called with s.mu, once started.
func (s *Service) adopt(a *agent) {
	if !s.started || s.closed || a.running {
		return
	}
	s.buildNode(a)
	a.log = newConnLog(s.cfg.Blobs, a.m.Name, s.cfg.MaxLogSize)
	a.trust = &trustStore{blobs: s.cfg.Blobs, key: nodeKey(a.m.Name) + "/ssh-host-key.xml"}
	if a.cfgErr != nil {
		a.cause = launchFailed(a.cfgErr)
	}
	a.running = true
	s.wg.Add(1)
	go s.keep(a)
}

// nodeKey is the blob key below which an agent keeps its files.
func nodeKey(name string) string { return "nodes/" + name }

// Close disconnects every agent, for good: steps running on agents go on
// there (a later start resumes their builds). The farm should be shut
// down first.
func (s *Service) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	for _, a := range s.nodes {
		close(a.stop)
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// retire stops a deleted agent: its keeper, its connection, its place in
// the farm and its files.
func (s *Service) retire(a *agent) {
	s.mu.Lock()
	select {
	case <-a.stop:
	default:
		close(a.stop)
	}
	running, started := a.running, s.started
	s.mu.Unlock()
	if running {
		<-a.done
	}
	if !started {
		return
	}
	if s.cfg.Farm != nil {
		s.cfg.Farm.RemoveNode(a.m.Name)
	}
	if a.log != nil {
		a.log.close()
	}
	if err := s.cfg.Blobs.Delete(nodeKey(a.m.Name)); err != nil {
		s.cfg.Logger.Warn("cannot delete a deleted agent's files", "node", a.m.Name, "err", err)
	}
}

// reconfigure applies a new configuration to an agent: the farm gets its
// new executors, labels and mode; a change in how it connects (launcher,
// remote root, credential, retention) reconnects it. Called with s.mu.
func (s *Service) reconfigure(a *agent, cfg *nodeconfig.Node) {
	old := a.cfg
	a.cfg, a.cfgErr = cfg, nil
	if !s.started {
		return
	}
	s.buildNode(a)
	if old == nil || connectionKey(old) != connectionKey(cfg) {
		a.reconf = true
		a.cause = nil
		poke(a.wake)
	}
}

// connectionKey is what, in a configuration, a connection depends on.
func connectionKey(n *nodeconfig.Node) string {
	b := nodeconfig.Render(&nodeconfig.Node{Name: n.Name, RemoteFS: n.RemoteFS, NumExecutors: 1, Mode: nodeconfig.Normal, Retention: n.Retention, Launcher: n.Launcher})
	return string(b)
}

func poke(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// publish sets the agent, as it is now, in the farm.
func (s *Service) publish(a *agent) {
	a.pub.Lock()
	defer a.pub.Unlock()
	s.mu.RLock()
	farm := s.cfg.Farm
	if !s.started || farm == nil || a.node == nil {
		s.mu.RUnlock()
		return
	}
	select {
	case <-a.stop:
		s.mu.RUnlock()
		return
	default:
	}
	nc := scheduler.NodeConfig{
		Node: a.node, Executors: a.m.Config.NumExecutors, Exclusive: a.m.Config.Mode == "EXCLUSIVE",
		Connected: a.online, Offline: a.m.TempOffline, Reason: a.m.OfflineReason,
	}
	if a.cfg != nil {
		nc.Executors, nc.Exclusive = a.cfg.NumExecutors, a.cfg.Mode == nodeconfig.Exclusive
	}
	s.mu.RUnlock()
	if err := farm.SetNode(nc); err != nil {
		s.cfg.Logger.Error("cannot set an agent in the farm", "node", a.m.Name, "err", err)
	}
}

// checkCredential refuses an SSH launcher whose credential does not
// exist or cannot log in over SSH (its kind), once the service has its
// credentials.
func (s *Service) checkCredential(ctx context.Context, n *nodeconfig.Node) error {
	s.mu.RLock()
	creds := s.cfg.Credentials
	s.mu.RUnlock()
	if n.Launcher.SSH == nil || creds == nil {
		return nil
	}
	id := n.Launcher.SSH.CredentialsID
	c, err := creds.Resolve(ctx, id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if _, err := sshagent.AuthFromCredential(id, c); err != nil {
		return usererr.Newf(ErrBad, "launcher/credentialsId: %v", err)
	}
	return nil
}

// agentConfig is the connection settings of the agent's next launch.
func (s *Service) agentConfig(ctx context.Context, a *agent, gen int) (sshagent.Config, error) {
	s.mu.RLock()
	n, trust := a.cfg, a.trust
	s.mu.RUnlock()
	id := n.Launcher.SSH.CredentialsID
	var c *credentials.Credential
	if s.cfg.Credentials != nil {
		var err error
		if c, err = s.cfg.Credentials.Resolve(ctx, id); err != nil && !errors.Is(err, store.ErrNotFound) {
			return sshagent.Config{}, fmt.Errorf("cannot read the credential ‘%s’: %w", id, err)
		}
	}
	auth, err := sshagent.AuthFromCredential(id, c)
	if err != nil {
		return sshagent.Config{}, err
	}
	cfg, err := n.AgentConfig(auth, trust, s.cfg.KnownHosts)
	if err != nil {
		return sshagent.Config{}, err
	}
	cfg.Log = a.log
	cfg.OfflineTimeout = s.cfg.OfflineTimeout
	// RetentionStrategy.Demand is kept connected as Always is.
	cfg.Reconnect = true
	cfg.OnState = func(st sshagent.State, err error) { s.onState(a, gen, st, err) }
	if s.cfg.Tune != nil {
		s.cfg.Tune(&cfg)
	}
	return cfg, nil
}

// keep connects the agent and keeps it connected until it is deleted or
// the service closes.
func (s *Service) keep(a *agent) {
	defer s.wg.Done()
	defer close(a.done)
	backoff := time.Second
	for {
		s.mu.Lock()
		launchable, userDown, now := a.launchable(), a.userDown, a.launchNow
		a.launchNow, a.reconf = false, false
		s.mu.Unlock()
		if !launchable {
			if !s.wait(a, 0) {
				return
			}
			continue
		}
		if userDown && !now {
			// RetentionStrategy.Always connects an agent a user
			// disconnected again at its next check.
			if !s.wait(a, s.cfg.RetentionCheck) {
				return
			}
			s.mu.Lock()
			a.userDown = false
			s.mu.Unlock()
			continue
		}
		conn, err := s.launch(a)
		if errors.Is(err, errStopped) {
			return
		}
		if err != nil {
			if !s.wait(a, backoff) {
				return
			}
			backoff = min(2*backoff, s.cfg.RetentionCheck)
			continue
		}
		backoff = time.Second
		if !s.hold(a, conn) {
			return
		}
	}
}

var errStopped = errors.New("stopped")

// wait waits d (0: until woken) for a wake-up; false once the agent
// stops.
func (s *Service) wait(a *agent, d time.Duration) bool {
	var t <-chan time.Time
	if d > 0 {
		timer := time.NewTimer(d)
		defer timer.Stop()
		t = timer.C
	}
	select {
	case <-a.stop:
		return false
	case <-a.wake:
	case <-t:
	}
	return true
}

// launch connects the agent once.
func (s *Service) launch(a *agent) (*sshagent.Agent, error) {
	s.mu.Lock()
	a.gen++
	gen := a.gen
	a.connecting, a.dialing = true, true
	s.mu.Unlock()
	s.publish(a)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-a.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	a.log.rotate()
	started := time.Now()
	cfg, err := s.agentConfig(ctx, a, gen)
	var conn *sshagent.Agent
	if err != nil {
		fmt.Fprintf(a.log, "%s [SSH] %v\n", stamp(), err)
	} else {
		conn, err = sshagent.Dial(ctx, cfg)
	}
	s.mu.Lock()
	a.dialing, a.connecting = false, false
	select {
	case <-a.stop:
		s.mu.Unlock()
		if conn != nil {
			conn.Close()
		}
		return nil, errStopped
	default:
	}
	if err != nil {
		a.cause = launchFailed(err)
		s.mu.Unlock()
		s.cfg.Logger.Warn("cannot connect an agent", "node", a.m.Name, "err", err)
		s.publish(a)
		return nil, err
	}
	a.conn, a.online, a.cause, a.since = conn, true, nil, time.Now()
	close(a.up)
	s.mu.Unlock()
	s.cfg.Logger.Info("agent connected", "node", a.m.Name, "took", time.Since(started))
	s.publish(a)
	s.measure(a, conn)
	return conn, nil
}

// hold keeps a connected agent until it must be closed: deleted (false),
// disconnected by a user, or its connection settings changed.
func (s *Service) hold(a *agent, conn *sshagent.Agent) bool {
	for {
		select {
		case <-a.stop:
			s.closeConn(a, conn, nil)
			return false
		case <-a.wake:
		}
		s.mu.Lock()
		cause, reconf := a.disconnect, a.reconf
		a.disconnect, a.launchNow = nil, false
		s.mu.Unlock()
		switch {
		case cause != nil:
			fmt.Fprintf(a.log, "%s %s\n", stamp(), cause.Description)
			s.closeConn(a, conn, cause)
			s.mu.Lock()
			a.userDown = true
			s.mu.Unlock()
			return true
		case reconf:
			fmt.Fprintf(a.log, "%s [SSH] The agent's connection settings changed: connecting again.\n", stamp())
			s.closeConn(a, conn, nil)
			return true
		}
	}
}

// closeConn closes the agent's connection, with cause as its offline
// cause (nil: none).
func (s *Service) closeConn(a *agent, conn *sshagent.Agent, cause *OfflineCause) {
	s.mu.Lock()
	a.gen++ // the connection's callbacks are stale from now on
	a.conn = nil
	if a.online {
		a.up = make(chan struct{})
	}
	a.online, a.cause = false, cause
	s.mu.Unlock()
	conn.Close()
	s.publish(a)
}

// onState follows the connection's state changes (sshagent reconnects by
// itself after a drop).
func (s *Service) onState(a *agent, gen int, st sshagent.State, err error) {
	s.mu.Lock()
	if a.gen != gen || a.dialing {
		// The launch itself reports its end; an older connection's news
		// is stale.
		s.mu.Unlock()
		return
	}
	switch st {
	case sshagent.Connected:
		if !a.online {
			a.online, a.cause, a.since = true, nil, time.Now()
			close(a.up)
		}
	case sshagent.Disconnected:
		if a.online {
			a.up = make(chan struct{})
			a.online = false
			a.cause = &OfflineCause{Class: ClassChannelTermination, Timestamp: time.Now(), Detail: errText(err)}
		} else if a.cause == nil || a.cause.Class != ClassChannelTermination {
			a.cause = launchFailed(err)
		}
	default:
		s.mu.Unlock()
		return
	}
	conn := a.conn
	s.mu.Unlock()
	s.publish(a)
	if st == sshagent.Connected && conn != nil {
		go s.measure(a, conn)
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// Await returns the node of the agent named name once it is connected,
// waiting up to the offline timeout (or until ctx ends): builds that a
// previous run of jeeves left running on the agent resume on it.
func (s *Service) Await(ctx context.Context, name string) (*executor.Node, error) {
	s.mu.RLock()
	timeout := s.cfg.OfflineTimeout
	s.mu.RUnlock()
	if timeout <= 0 {
		timeout = DefaultOfflineTimeout
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		s.mu.RLock()
		a, ok := s.nodes[name]
		if !ok {
			s.mu.RUnlock()
			return nil, fmt.Errorf("the agent ‘%s’ no longer exists", name)
		}
		if a.online && a.node != nil {
			n := a.node
			s.mu.RUnlock()
			return n, nil
		}
		up, stop := a.up, a.stop
		s.mu.RUnlock()
		select {
		case <-up:
		case <-stop:
			return nil, fmt.Errorf("the agent ‘%s’ was removed", name)
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-t.C:
			return nil, fmt.Errorf("the agent ‘%s’ did not come back within %v", name, timeout)
		}
	}
}

// Launch is SlaveComputer.doLaunchSlaveAgent: it connects the agent now
// (already: it is connected, nothing is done). An agent jeeves does not
// connect (an inbound one, or one whose configuration does not read) is
// refused with the reason.
func (s *Service) Launch(ctx context.Context, name string) (already bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.nodes[name]
	if !ok {
		return false, notFound(name)
	}
	switch {
	case a.cfgErr != nil:
		return false, usererr.Wrap(ErrBad, a.cfgErr)
	case !a.launchable():
		return false, usererr.Newf(ErrBad, "‘%s’ is an inbound agent (%s): it connects to jeeves, jeeves does not launch it", name, a.cfg.Launcher.Class)
	case !s.started:
		return false, usererr.Newf(ErrBad, "agents are not connected by this jeeves")
	case a.conn != nil:
		return true, nil
	}
	a.launchNow, a.userDown = true, false
	poke(a.wake)
	return false, nil
}

// Disconnect is Computer.doDoDisconnect: it closes the agent's
// connection with the offline cause "Disconnected by BY : MESSAGE"
// (OfflineCause.UserCause). Builds running there end FAILURE, their
// agent gone, unless it comes back within the offline timeout; the agent
// reconnects at the next retention check, as RetentionStrategy.Always
// does, or at once through Launch.
func (s *Service) Disconnect(ctx context.Context, name, by, message string) error {
	if err := limits.Check("offlineMessage", message, limits.Message); err != nil {
		return usererr.Wrap(ErrBad, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.nodes[name]
	if !ok {
		return notFound(name)
	}
	if a.conn == nil {
		return nil // Jenkins acts only on a connected agent
	}
	a.disconnect = userCause(by, message)
	poke(a.wake)
	return nil
}

// measure reads the agent's monitor data (ResponseTimeMonitor,
// DiskSpaceMonitor, TemporarySpaceMonitor, ArchitectureMonitor) once it
// is connected.
func (s *Service) measure(a *agent, conn *sshagent.Agent) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	var out bytes.Buffer
	code, err := conn.Run(ctx, "df -Pk "+shq(conn.RemoteFS())+" \"${TMPDIR:-/tmp}\" 2>/dev/null | tail -n 2", &out, io.Discard)
	took := time.Since(start)
	m := &Monitor{Timestamp: time.Now(), ResponseTime: took, Architecture: architecture(conn.Info())}
	if err == nil && code == 0 {
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		if len(lines) == 2 {
			m.DiskFree, m.DiskPath = dfFree(lines[0])
			m.TmpFree, m.TmpPath = dfFree(lines[1])
		}
	}
	s.mu.Lock()
	a.monitor = m
	s.mu.Unlock()
}

// dfFree reads a `df -Pk` line: the free bytes and the mount point.
func dfFree(line string) (int64, string) {
	f := strings.Fields(line)
	if len(f) < 6 {
		return 0, ""
	}
	kb, err := strconv.ParseInt(f[3], 10, 64)
	if err != nil {
		return 0, ""
	}
	return kb * 1024, f[len(f)-1]
}

// architecture is ArchitectureMonitor's text, as Java names it:
// "Linux (amd64)".
func architecture(i sshagent.RemoteInfo) string {
	arch := i.Arch
	switch arch {
	case "x86_64":
		arch = "amd64"
	case "i386", "i486", "i586", "i686":
		arch = "x86"
	}
	return i.OS + " (" + arch + ")"
}

func shq(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// stamp is the connection log's timestamp, as SSHLauncher writes it.
func stamp() string { return time.Now().Format("[01/02/06 15:04:05]") }
