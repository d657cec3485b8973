// Package sshagent runs builds' processes on agents over plain SSH, with
// no agent program: one *ssh.Client per agent, a session per command.
//
// # Connecting
//
// Dial connects as Jenkins's SSHLauncher launches an agent, writing the
// same lines to Config.Log ("[11/29/26 21:30:00] [SSH] Opening SSH
// connection to 10.0.0.5:22.", the host-key verdict, "Authentication
// successful.", the remote user's environment, …):
//
//  1. TCP connect and SSH handshake, each attempt bounded by
//     LaunchTimeout, retried MaxRetries times RetryWait apart. A host key
//     that does not verify (Config.HostKey: one of the four strategies
//     of the ssh-slaves plugin, see hostkey.go) and a refused login are
//     not retried: retrying cannot help.
//  2. The junk check: "exit 0" must print nothing.
//  3. `set`, logged; then a check of the machine: uname, the tools the
//     durable wrapper needs (setsid, tail, head, wc) and RemoteFS,
//     created if missing, which must be a writable directory.
//
// Once connected, an Agent sends keepalive@openssh.com every
// KeepAliveInterval and declares the connection dead when one goes
// unanswered for KeepAliveInterval × KeepAliveCountMax (or the
// connection fails). With Reconnect it then connects again, backing off
// from 250 ms up to RetryWait between attempts, until Close. OnState
// reports every change (for a node's offline cause).
//
// # Commands and files
//
// Every remote command runs in a session of its own over the one
// connection (at most MaxSessions at a time; sshd's MaxSessions defaults
// to 10); commands are POSIX sh, wrapped in the node's
// prefixStartSlaveCmd/suffixStartSlaveCmd as `prefix sh -c '…' suffix`
// when those are set. Run runs a command. The file operations (MkdirAll,
// MkdirTemp, CreateTemp, WriteFile, Open, Stat, ReadDir, Walk, Remove,
// RemoveAll, Rename) take absolute paths and run GNU coreutils/findutils
// commands (mkdir -p, mktemp, head -c, cat, find -printf, rm -rf, mv -T);
// a missing file gives an error wrapping fs.ErrNotExist.
//
// # Steps
//
// Start runs a process durably (durable.go): under a small sh supervisor
// that survives the connection, with its output in a log file beside the
// workspace, its exit status written to a result file, and its own
// process group. Its Process streams the output, survives dropped
// connections and controller restarts (Attach), and ends on the result
// file. Stop kills the step's process group (TERM, then KILL after a
// grace); KillAll kills every process carrying one of the given
// JENKINS_NODE_COOKIEs.
// Environment variables travel in a generated script, never on a command
// line (sshd refuses Setenv, and command lines show in ps).
//
// # Wiring
//
// The method shapes are those of the launcher interface the executor
// uses, so an SSH launcher is a thin adapter over an Agent: its Proc
// converts to Proc field by field, *Process has the launcher's Wait and
// Stop, and the file methods and KillAll have its signatures. To survive
// a controller restart, the executor records a running step's
// ControlDir (ControlDirFor gives it from the workspace and ID) and, as
// the log reaches the console, its Offset; after a restart it dials the
// agent again and calls Attach with them.
//
// The nodes service owns the Agents: one Dial per node to connect
// (nodeconfig's Node.AgentConfig with AuthFromCredential), Config.Log to
// the node's log, OnState to set its offline cause (a drop is Jenkins's
// ChannelTermination, "Connection was broken"; a failed Dial is
// LaunchFailed), Close when the node is disconnected or deleted.
package sshagent

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/jeeves-ci/jeeves/internal/credentials"
)

// Defaults, as SSHLauncher's for the first three.
const (
	DefaultLaunchTimeout     = 60 * time.Second
	DefaultMaxRetries        = 10
	DefaultRetryWait         = 15 * time.Second
	DefaultKeepAliveInterval = 10 * time.Second
	DefaultKeepAliveCountMax = 3
	DefaultOfflineTimeout    = 5 * time.Minute
	DefaultMaxSessions       = 10
)

// Errors callers tell apart.
var (
	// ErrOffline: the agent is not connected and did not come back in
	// time.
	ErrOffline = errors.New("agent is offline")
	// ErrAgentWentOffline is what a Process's Wait returns when the
	// agent stayed away longer than OfflineTimeout during a step: the
	// build ends FAILURE with "Agent went offline during the build".
	ErrAgentWentOffline = errors.New("Agent went offline during the build")
	// ErrClosed: the Agent was closed.
	ErrClosed = errors.New("agent connection closed")
	// ErrHostKey wraps every host key refusal.
	ErrHostKey = errors.New("host key not verified")
	// ErrAuth: the login was refused.
	//lint:ignore ST1005 the ssh-agents plugin's own words, shown to users as they are
	ErrAuth = errors.New("Authentication failed.")
	// ErrRemote wraps a bad remote: junk output, a missing tool, a
	// remote root that is not a writable directory.
	ErrRemote = errors.New("agent check failed")
)

// Auth is who to log in as.
type Auth struct {
	User string
	// Signers are private keys, tried in order.
	Signers []ssh.Signer
	// Password is tried after the keys (as "password" and as
	// "keyboard-interactive").
	Password string
}

// AuthFromCredential turns the credential a node's credentialsId names
// into an Auth: an "SSH Username with private key" (every key, decrypted
// with its passphrase) or a "Username with password". c nil means the id
// names no credential.
func AuthFromCredential(id string, c *credentials.Credential) (Auth, error) {
	if c == nil {
		//lint:ignore ST1005 the ssh-agents plugin's own words, shown to users as they are
		return Auth{}, fmt.Errorf("Cannot find SSH User credentials with id: %s", id)
	}
	switch c.Kind {
	case credentials.KindSSHKey:
		a := Auth{User: c.Username}
		for k := range strings.SplitSeq(c.PrivateKey.Reveal(), "\f") {
			if strings.TrimSpace(k) == "" {
				continue
			}
			var s ssh.Signer
			var err error
			if c.Passphrase != "" {
				s, err = ssh.ParsePrivateKeyWithPassphrase([]byte(k), []byte(c.Passphrase.Reveal()))
			} else {
				s, err = ssh.ParsePrivateKey([]byte(k))
			}
			if err != nil {
				return Auth{}, fmt.Errorf("the private key of credential ‘%s’ does not parse: %v", id, err)
			}
			a.Signers = append(a.Signers, s)
		}
		if len(a.Signers) == 0 {
			return Auth{}, fmt.Errorf("credential ‘%s’ holds no private key", id)
		}
		return a, nil
	case credentials.KindUsernamePassword:
		return Auth{User: c.Username, Password: c.Password.Reveal()}, nil
	}
	return Auth{}, fmt.Errorf("credential ‘%s’ is a ‘%s’; an SSH agent needs an ‘SSH Username with private key’ or a ‘Username with password’", id, c.Kind.TypeName())
}

func (a Auth) methods() []ssh.AuthMethod {
	var m []ssh.AuthMethod
	if len(a.Signers) > 0 {
		m = append(m, ssh.PublicKeys(a.Signers...))
	}
	if a.Password != "" {
		pw := a.Password
		m = append(m, ssh.Password(pw), ssh.KeyboardInteractive(func(_, _ string, qs []string, _ []bool) ([]string, error) {
			ans := make([]string, len(qs))
			for i := range ans {
				ans[i] = pw
			}
			return ans, nil
		}))
	}
	return m
}

// State is a connection's state.
type State int

// The states.
const (
	Connecting State = iota
	Connected
	Disconnected // dropped; reconnecting when Config.Reconnect
	Closed
)

func (s State) String() string {
	return [...]string{"connecting", "connected", "disconnected", "closed"}[s]
}

// Config says how to reach an agent. Zero durations and counts take the
// defaults above; MaxRetries < 0 means none.
type Config struct {
	Name string // the node's name, for messages
	Host string
	Port int // 0 is 22
	Auth Auth
	// HostKey verifies the agent's host key; nil is
	// NonVerifyingKeyVerificationStrategy, as in Jenkins when the
	// element is missing.
	HostKey HostKeyVerifier
	// RemoteFS is the agent's root directory (absolute).
	RemoteFS string
	// Prefix and Suffix wrap every command (prefixStartSlaveCmd,
	// suffixStartSlaveCmd).
	Prefix, Suffix string

	LaunchTimeout     time.Duration
	MaxRetries        int
	RetryWait         time.Duration
	KeepAliveInterval time.Duration
	KeepAliveCountMax int
	// OfflineTimeout is how long an operation or a running step waits
	// for a dropped connection to come back before failing.
	OfflineTimeout time.Duration
	// Reconnect keeps reconnecting after a drop (RetentionStrategy
	// Always).
	Reconnect   bool
	MaxSessions int
	// Summary is written first to the log on each launch (SSHLauncher's
	// logConfiguration line), when set.
	Summary string
	// Log receives the connection log; nil discards it.
	Log io.Writer
	// OnState is called on each state change, with the cause of a drop
	// or a failed reconnection. It must not block.
	OnState func(State, error)
	// Now is the clock for log timestamps (time.Now when nil).
	Now func() time.Time
}

func (c *Config) defaults() error {
	if strings.TrimSpace(c.Host) == "" {
		//lint:ignore ST1005 the ssh-agents plugin's own words, shown to users as they are
		return errors.New("The Host must be specified")
	}
	if c.Port == 0 {
		c.Port = 22
	}
	if c.Port < 0 || c.Port > 65535 {
		//lint:ignore ST1005 the ssh-agents plugin's own words, shown to users as they are
		return fmt.Errorf("The port value must be less than 65536, not %d", c.Port)
	}
	if c.Auth.User == "" {
		return errors.New("the credential gives no user name")
	}
	if len(c.Auth.Signers) == 0 && c.Auth.Password == "" {
		return errors.New("the credential gives neither a private key nor a password")
	}
	if !strings.HasPrefix(c.RemoteFS, "/") {
		return fmt.Errorf("the remote root directory must be an absolute path, not %q", c.RemoteFS)
	}
	c.RemoteFS = strings.TrimRight(c.RemoteFS, "/")
	if c.RemoteFS == "" {
		c.RemoteFS = "/"
	}
	if c.HostKey == nil {
		c.HostKey = NonVerifying{}
	}
	if c.LaunchTimeout <= 0 {
		c.LaunchTimeout = DefaultLaunchTimeout
	}
	if c.MaxRetries == 0 {
		c.MaxRetries = DefaultMaxRetries
	} else if c.MaxRetries < 0 {
		c.MaxRetries = 0
	}
	if c.RetryWait <= 0 {
		c.RetryWait = DefaultRetryWait
	}
	if c.KeepAliveInterval <= 0 {
		c.KeepAliveInterval = DefaultKeepAliveInterval
	}
	if c.KeepAliveCountMax <= 0 {
		c.KeepAliveCountMax = DefaultKeepAliveCountMax
	}
	if c.OfflineTimeout <= 0 {
		c.OfflineTimeout = DefaultOfflineTimeout
	}
	if c.MaxSessions <= 0 {
		c.MaxSessions = DefaultMaxSessions
	}
	if c.Log == nil {
		c.Log = io.Discard
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return nil
}

// RemoteInfo is what the agent check found.
type RemoteInfo struct {
	OS, Arch string // uname -s, uname -m
}

// Agent is a connection to one agent. Its methods are safe for
// concurrent use.
type Agent struct {
	cfg      Config
	addr     string
	sessions chan struct{} // a token per open session
	watchers chan struct{} // tokens for steps' long sessions

	logMu sync.Mutex

	mu      sync.Mutex
	client  *ssh.Client
	state   State
	up      chan struct{} // closed while connected
	info    RemoteInfo
	closed  chan struct{}
	lastErr error
	wg      sync.WaitGroup
}

// Dial validates cfg and connects (see the package comment); it fails
// when the launch fails after its retries, or ctx ends.
func Dial(ctx context.Context, cfg Config) (*Agent, error) {
	if err := cfg.defaults(); err != nil {
		return nil, fmt.Errorf("agent %s: %w", cfg.Name, err)
	}
	a := &Agent{
		cfg:      cfg,
		addr:     net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)),
		sessions: make(chan struct{}, cfg.MaxSessions),
		watchers: make(chan struct{}, max(cfg.MaxSessions-2, 1)),
		up:       make(chan struct{}),
		closed:   make(chan struct{}),
	}
	a.setState(Connecting, nil)
	c, err := a.launch(ctx, cfg.MaxRetries)
	if err != nil {
		a.mu.Lock()
		a.state = Closed
		close(a.closed)
		a.mu.Unlock()
		return nil, err
	}
	a.attach(c)
	return a, nil
}

// logf writes one line to the connection log, prefixed by the
// timestamp as SSHLauncher.getTimestamp writes it: "[MM/dd/yy HH:mm:ss]".
func (a *Agent) logf(format string, args ...any) {
	a.logRaw(a.stamp() + " " + fmt.Sprintf(format, args...))
}

func (a *Agent) stamp() string { return a.cfg.Now().Format("[01/02/06 15:04:05]") }

func (a *Agent) logRaw(line string) {
	a.logMu.Lock()
	defer a.logMu.Unlock()
	io.WriteString(a.cfg.Log, strings.TrimRight(line, "\n")+"\n")
}

func (a *Agent) setState(s State, cause error) {
	a.mu.Lock()
	a.state = s
	a.mu.Unlock()
	if a.cfg.OnState != nil {
		a.cfg.OnState(s, cause)
	}
}

// State is the connection's state and, when not connected, why.
func (a *Agent) State() (State, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.state, a.lastErr
}

// Info is what the last connection found of the machine.
func (a *Agent) Info() RemoteInfo {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.info
}

// Name is the node's name.
func (a *Agent) Name() string { return a.cfg.Name }

// RemoteFS is the agent's root directory.
func (a *Agent) RemoteFS() string { return a.cfg.RemoteFS }

// launch runs the connect sequence with up to retries retries.
func (a *Agent) launch(ctx context.Context, retries int) (*ssh.Client, error) {
	if a.cfg.Summary != "" {
		a.logRaw(a.cfg.Summary)
	}
	a.logf("[SSH] Opening SSH connection to %s.", a.addr)
	var c *ssh.Client
	for i := 0; ; i++ {
		var err error
		c, err = a.connect(ctx)
		if err == nil {
			break
		}
		if errors.Is(err, ErrHostKey) || errors.Is(err, ErrAuth) || ctx.Err() != nil {
			a.logRaw(a.stamp() + " Launch failed - cleaning up connection")
			return nil, fmt.Errorf("agent %s: %w", a.cfg.Name, err)
		}
		a.logRaw(err.Error())
		if i >= retries {
			a.logRaw(a.stamp() + " Launch failed - cleaning up connection")
			return nil, fmt.Errorf("agent %s: connecting to %s: %w", a.cfg.Name, a.addr, err)
		}
		a.logRaw(fmt.Sprintf("SSH Connection failed with IOException: %q, retrying in %d seconds. There are %d more retries left.",
			err.Error(), int(a.cfg.RetryWait/time.Second), retries-i))
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("agent %s: %w", a.cfg.Name, ctx.Err())
		case <-time.After(a.cfg.RetryWait):
		}
	}
	a.logf("[SSH] Authentication successful.")
	info, err := a.check(ctx, c)
	if err != nil {
		c.Close()
		a.logRaw(a.stamp() + " Launch failed - cleaning up connection")
		a.logf("[SSH] Connection closed.")
		return nil, fmt.Errorf("agent %s: %w", a.cfg.Name, err)
	}
	a.mu.Lock()
	a.info = info
	a.mu.Unlock()
	a.logRaw("Agent successfully connected and online")
	return c, nil
}

// connect dials and does the handshake within LaunchTimeout.
func (a *Agent) connect(ctx context.Context) (*ssh.Client, error) {
	ctx, cancel := context.WithTimeout(ctx, a.cfg.LaunchTimeout)
	defer cancel()
	d := net.Dialer{KeepAlive: 15 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", a.addr)
	if err != nil {
		return nil, err
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
	}
	deadline, _ := ctx.Deadline()
	conn.SetDeadline(deadline)
	var hostKeyErr error
	cc := &ssh.ClientConfig{
		User: a.cfg.Auth.User,
		Auth: a.cfg.Auth.methods(),
		HostKeyCallback: func(_ string, _ net.Addr, key ssh.PublicKey) error {
			hostKeyErr = a.cfg.HostKey.Verify(a.logRaw, a.stamp, a.cfg.Host, a.cfg.Port, key)
			return hostKeyErr
		},
		HostKeyAlgorithms: a.cfg.HostKey.Algorithms(a.cfg.Host, a.cfg.Port),
		Timeout:           a.cfg.LaunchTimeout,
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	sc, chans, reqs, err := ssh.NewClientConn(conn, a.addr, cc)
	stop()
	if err != nil {
		conn.Close()
		switch {
		case hostKeyErr != nil:
			return nil, hostKeyErr
		case strings.Contains(err.Error(), "unable to authenticate"):
			a.logf("[SSH] Authentication failed.")
			return nil, fmt.Errorf("%w (%s as %s)", ErrAuth, a.addr, a.cfg.Auth.User)
		case ctx.Err() != nil:
			return nil, fmt.Errorf("timed out after %v connecting to %s", a.cfg.LaunchTimeout, a.addr)
		}
		return nil, err
	}
	conn.SetDeadline(time.Time{})
	return ssh.NewClient(sc, chans, reqs), nil
}

// check is the junk check, the environment report and the machine check.
func (a *Agent) check(ctx context.Context, c *ssh.Client) (RemoteInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, a.cfg.LaunchTimeout)
	defer cancel()
	out, _, code, err := a.output(ctx, c, "exit 0")
	if err != nil {
		return RemoteInfo{}, err
	}
	if len(out) > 0 || code != 0 {
		a.logRaw("SSH connection reports a garbage before a command execution.\nCheck your .bashrc, .profile, and so on to make sure it is quiet.\nThe received junk text is as follows:")
		a.logRaw(string(out))
		return RemoteInfo{}, fmt.Errorf("%w: the login shell prints %q before every command: make .bashrc, .profile and the like quiet", ErrRemote, truncate(out, 200))
	}
	a.logf("[SSH] The remote user's environment is:")
	env, _, _, err := a.output(ctx, c, "set")
	if err != nil {
		return RemoteInfo{}, err
	}
	a.logRaw(string(env))
	rfs := shq(a.cfg.RemoteFS)
	script := `uname -s; uname -m
for t in setsid tail head wc find mkdir mv rm grep; do command -v $t >/dev/null 2>&1 || echo "missing $t"; done
if [ -e ` + rfs + ` ] && [ ! -d ` + rfs + ` ]; then echo notdir; exit 0; fi
[ -d ` + rfs + ` ] || { echo created; mkdir -p -m 700 ` + rfs + ` 2>&1 || exit 0; }
[ -w ` + rfs + ` ] && [ -x ` + rfs + ` ] && echo writable; mkdir -p ` + rfs + `/workspace 2>/dev/null; exit 0`
	o, stderr, _, err := a.output(ctx, c, script)
	if err != nil {
		return RemoteInfo{}, err
	}
	lines := strings.Split(strings.TrimSpace(string(o)), "\n")
	if len(lines) < 2 {
		return RemoteInfo{}, fmt.Errorf("%w: the agent's check printed %q %q", ErrRemote, truncate(o, 200), truncate(stderr, 200))
	}
	info := RemoteInfo{OS: strings.TrimSpace(lines[0]), Arch: strings.TrimSpace(lines[1])}
	writable := false
	var missing []string
	for _, l := range lines[2:] {
		switch {
		case strings.HasPrefix(l, "missing "):
			missing = append(missing, strings.TrimPrefix(l, "missing "))
		case l == "notdir":
			a.logRaw(fmt.Sprintf("Remote file system root %s is a file not a directory or a symlink.", a.cfg.RemoteFS))
			//lint:ignore ST1005 the ssh-agents plugin's own words, shown to users as they are
			return info, fmt.Errorf("%w: Remote file system root %s is a file not a directory or a symlink.", ErrRemote, a.cfg.RemoteFS)
		case l == "created":
			a.logf("[SSH] Remote file system root %s does not exist. Will try to create it...", a.cfg.RemoteFS)
		case l == "writable":
			writable = true
		default:
			a.logRaw(l)
		}
	}
	if len(missing) > 0 {
		return info, fmt.Errorf("%w: the agent lacks %s (jeeves needs util-linux, coreutils, findutils and grep there)", ErrRemote, strings.Join(missing, ", "))
	}
	if !writable {
		return info, fmt.Errorf("%w: Remote file system root %s is not a writable directory for %s", ErrRemote, a.cfg.RemoteFS, a.cfg.Auth.User)
	}
	a.logf("[SSH] Agent %s is %s %s; remote file system root %s", a.cfg.Name, info.OS, info.Arch, a.cfg.RemoteFS)
	return info, nil
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

// attach makes c the agent's connection and watches it.
func (a *Agent) attach(c *ssh.Client) {
	a.mu.Lock()
	a.client = c
	a.lastErr = nil
	close(a.up)
	a.mu.Unlock()
	a.setState(Connected, nil)
	a.wg.Add(1)
	go a.watch(c)
}

// watch keeps c alive with keepalives and handles its end.
func (a *Agent) watch(c *ssh.Client) {
	defer a.wg.Done()
	dead := make(chan error, 2)
	go func() { dead <- c.Wait() }()
	go func() {
		t := time.NewTicker(a.cfg.KeepAliveInterval)
		defer t.Stop()
		limit := a.cfg.KeepAliveInterval * time.Duration(a.cfg.KeepAliveCountMax)
		for {
			select {
			case <-t.C:
			case <-a.closed:
				return
			}
			reply := make(chan error, 1)
			go func() { _, _, err := c.SendRequest("keepalive@openssh.com", true, nil); reply <- err }()
			select {
			case err := <-reply:
				if err != nil {
					dead <- err
					return
				}
			case <-time.After(limit):
				dead <- fmt.Errorf("no answer to keepalives for %v", limit)
				return
			case <-a.closed:
				return
			}
		}
	}()
	var cause error
	select {
	case cause = <-dead:
	case <-a.closed:
		c.Close()
		return
	}
	c.Close()
	if cause == nil || errors.Is(cause, io.EOF) {
		cause = errors.New("the connection was closed")
	}
	a.mu.Lock()
	if a.state == Closed {
		a.mu.Unlock()
		return
	}
	a.client = nil
	a.up = make(chan struct{})
	a.lastErr = cause
	a.mu.Unlock()
	a.logRaw("ERROR: Socket connection to SSH server was lost: " + cause.Error())
	a.logf("[SSH] Connection closed.")
	a.setState(Disconnected, cause)
	if a.cfg.Reconnect {
		a.wg.Add(1)
		go a.reconnect()
	}
}

// reconnect launches again with backoff until it succeeds or the agent
// is closed.
func (a *Agent) reconnect() {
	defer a.wg.Done()
	wait := time.Duration(0)
	for {
		select {
		case <-a.closed:
			return
		case <-time.After(wait):
		}
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			select {
			case <-a.closed:
				cancel()
			case <-ctx.Done():
			}
		}()
		c, err := a.launch(ctx, 0)
		cancel()
		if err == nil {
			a.mu.Lock()
			if a.state == Closed {
				a.mu.Unlock()
				c.Close()
				return
			}
			a.mu.Unlock()
			a.attach(c)
			return
		}
		a.mu.Lock()
		a.lastErr = err
		a.mu.Unlock()
		a.setState(Disconnected, err)
		wait = min(max(2*wait, 250*time.Millisecond), a.cfg.RetryWait)
	}
}

// Close disconnects and stops reconnecting. Steps keep running on the
// agent.
func (a *Agent) Close() error {
	a.mu.Lock()
	if a.state == Closed {
		a.mu.Unlock()
		return nil
	}
	a.state = Closed
	close(a.closed)
	c := a.client
	a.client = nil
	a.mu.Unlock()
	if c != nil {
		c.Close()
	}
	a.wg.Wait()
	a.logf("[SSH] Connection closed.")
	if a.cfg.OnState != nil {
		a.cfg.OnState(Closed, nil)
	}
	return nil
}

// Connected reports whether the agent is connected now.
func (a *Agent) Connected() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.client != nil
}

// conn is the connection, waiting up to OfflineTimeout (or ctx) for one.
func (a *Agent) conn(ctx context.Context) (*ssh.Client, error) {
	return a.connWithin(ctx, a.cfg.OfflineTimeout)
}

func (a *Agent) connWithin(ctx context.Context, d time.Duration) (*ssh.Client, error) {
	a.mu.Lock()
	c, up, st, cause := a.client, a.up, a.state, a.lastErr
	a.mu.Unlock()
	if c != nil {
		return c, nil
	}
	if st == Closed {
		return nil, ErrClosed
	}
	if st == Disconnected && !a.cfg.Reconnect {
		return nil, fmt.Errorf("agent ‘%s’: %w: %v", a.cfg.Name, ErrOffline, cause)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-up:
		return a.connWithin(ctx, 0)
	case <-a.closed:
		return nil, ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-t.C:
		return nil, fmt.Errorf("agent ‘%s’: %w: %v", a.cfg.Name, ErrOffline, cause)
	}
}

// wrap applies the node's prefix and suffix to a command.
func (a *Agent) wrap(script string) string {
	if a.cfg.Prefix == "" && a.cfg.Suffix == "" {
		return script
	}
	return a.cfg.Prefix + "sh -c " + shq(script) + a.cfg.Suffix
}

// session opens a session on c, holding a session token until release.
func (a *Agent) session(ctx context.Context, c *ssh.Client) (*ssh.Session, func(), error) {
	select {
	case a.sessions <- struct{}{}:
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
	// sshd counts a session until its close handshake is done, so a
	// session opened just after another closed may be refused: retry
	// those refusals a while.
	var s *ssh.Session
	var err error
	for wait := 5 * time.Millisecond; ; wait *= 2 {
		s, err = c.NewSession()
		var oce *ssh.OpenChannelError
		if err == nil || !errors.As(err, &oce) || wait > time.Second {
			break
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
		}
	}
	if err != nil {
		<-a.sessions
		return nil, nil, fmt.Errorf("agent ‘%s’: opening a session: %w", a.cfg.Name, err)
	}
	var once sync.Once
	return s, func() { once.Do(func() { s.Close(); <-a.sessions }) }, nil
}

// exec runs script on c: stdin, stdout and stderr as given; the exit
// status, or an error when there is none (connection lost, ctx ended).
func (a *Agent) exec(ctx context.Context, c *ssh.Client, script string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	s, release, err := a.session(ctx, c)
	if err != nil {
		return -1, err
	}
	defer release()
	s.Stdin, s.Stdout, s.Stderr = stdin, stdout, stderr
	stop := context.AfterFunc(ctx, release)
	defer stop()
	err = s.Run(a.wrap(script))
	if err == nil {
		return 0, nil
	}
	var ee *ssh.ExitError
	if errors.As(err, &ee) {
		return ee.ExitStatus(), nil
	}
	if ctx.Err() != nil {
		return -1, ctx.Err()
	}
	return -1, fmt.Errorf("agent ‘%s’: %w", a.cfg.Name, err)
}

// output runs script and collects its output.
func (a *Agent) output(ctx context.Context, c *ssh.Client, script string) (stdout, stderr []byte, code int, err error) {
	var o, e bytes.Buffer
	code, err = a.exec(ctx, c, script, nil, &o, &e)
	return o.Bytes(), e.Bytes(), code, err
}

// Run runs a POSIX sh command on the agent and returns its exit status.
// It waits up to OfflineTimeout for a connection.
func (a *Agent) Run(ctx context.Context, script string, stdout, stderr io.Writer) (int, error) {
	c, err := a.conn(ctx)
	if err != nil {
		return -1, err
	}
	return a.exec(ctx, c, script, nil, stdout, stderr)
}

// shq quotes s for POSIX sh: in single quotes, each ' written as '\”.
func shq(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
