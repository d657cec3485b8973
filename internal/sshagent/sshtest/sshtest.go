// Package sshtest starts real OpenSSH servers for tests, each in a
// network namespace of its own, so tests can connect to "machines",
// break their network and kill their connections.
//
// Start creates, for one test:
//
//   - a network namespace jvt-N joined to the host by a veth pair: the
//     agent at 10.77.N.2/24, the host side at 10.77.N.1/24 (N is the
//     first number from 1 to 250 whose namespace can be created, so
//     concurrent test processes do not collide);
//   - a user of its own (name User, uid 61000+N) that exists only for
//     that sshd: sshd runs with a private /etc/passwd and /etc/shadow
//     bind-mounted in its mount namespace, the real ones untouched;
//   - the user's home (Home) in a fresh directory, its authorized_keys
//     holding ClientKey, and an optional password;
//   - sshd (/usr/sbin/sshd -D) listening on 10.77.N.2:22 with its own
//     host key (HostKey), StrictModes and PAM off.
//
// Everything is undone in t.Cleanup, failed or not: every process in the
// namespace is killed, the namespace and its veth pair removed, the
// directories deleted. What a test process killed before its cleanup
// (a -timeout panic) left is removed by the next Start: each namespace
// records its owner's pid in $TMPDIR/jvt-N.owner.
//
// Requirements: root, ip (iproute2), /usr/sbin/sshd (openssh-server) and
// openssl. Without them Start skips the test, naming what to install,
// unless the environment variable CI is set, where it fails.
//
// LinkDown and LinkUp cut and restore the network (packets are dropped,
// connections stay open until a side gives up); KillConnections kills
// the sshd processes serving connections (the clients see the connection
// closed at once; processes started over it that detached survive);
// Restart stops and starts the listening sshd.
package sshtest

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// Options shape a server.
type Options struct {
	// Password, when set, is the user's password and password logins
	// are allowed.
	Password string
	// RSAHostKey adds an RSA host key besides the ed25519 one.
	RSAHostKey bool
	// Config lines are added to sshd_config.
	Config []string
}

// Server is one running sshd in its namespace.
type Server struct {
	N        int
	NS       string // the namespace's name
	Addr     string // "10.77.N.2"
	HostSide string // "10.77.N.1"
	Port     int    // 22
	User     string
	UID      int
	Home     string
	Dir      string // sshd's own files: config, keys, pid file

	HostKey    ssh.Signer // ed25519
	RSAHostKey ssh.Signer // when Options.RSAHostKey
	ClientKey  ssh.Signer // in the user's authorized_keys
	// ClientKeyPEM is ClientKey as an OpenSSH private key file.
	ClientKeyPEM []byte

	t      testing.TB
	hostIf string
	sshd   *exec.Cmd
	exited chan struct{}
}

// HostPort is "10.77.N.2:22".
func (s *Server) HostPort() string { return net.JoinHostPort(s.Addr, strconv.Itoa(s.Port)) }

// Require skips t (or fails it when CI is set) unless this machine can
// run servers: root, ip, sshd and openssl.
func Require(t testing.TB) {
	t.Helper()
	var missing []string
	if os.Geteuid() != 0 {
		missing = append(missing, "root (run the tests as root)")
	}
	for _, p := range []string{"ip", "/usr/sbin/sshd", "openssl", "setsid", "tail"} {
		if _, err := exec.LookPath(p); err != nil {
			missing = append(missing, p)
		}
	}
	if len(missing) == 0 {
		return
	}
	msg := "needs " + strings.Join(missing, ", ") + ": apt-get install openssh-server iproute2 openssl, and run as root"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

func run(name string, args ...string) error {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return nil
}

// Start starts a server for t; see the package comment.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	Require(t)
	s := &Server{t: t, Port: 22}
	reapStale()
	// Claim a namespace: "ip netns add" fails when the name is taken.
	start := int(time.Now().UnixNano()%250) + 1
	for i := range 250 {
		n := (start+i-1)%250 + 1
		if exec.Command("ip", "netns", "add", fmt.Sprintf("jvt-%d", n)).Run() == nil {
			s.N = n
			break
		}
	}
	if s.N == 0 {
		t.Fatal("sshtest: no free network namespace jvt-1…jvt-250")
	}
	s.NS = fmt.Sprintf("jvt-%d", s.N)
	os.WriteFile(ownerFile(s.N), []byte(strconv.Itoa(os.Getpid())), 0o644)
	s.Addr = fmt.Sprintf("10.77.%d.2", s.N)
	s.HostSide = fmt.Sprintf("10.77.%d.1", s.N)
	s.hostIf = fmt.Sprintf("jvt-%d-h", s.N)
	peer := fmt.Sprintf("jvt-%d-a", s.N)
	t.Cleanup(s.cleanup)

	must := func(err error) {
		if err != nil {
			t.Helper()
			t.Fatal("sshtest: ", err)
		}
	}
	must(run("ip", "link", "add", s.hostIf, "type", "veth", "peer", "name", peer))
	must(run("ip", "link", "set", peer, "netns", s.NS))
	must(run("ip", "addr", "add", s.HostSide+"/24", "dev", s.hostIf))
	must(run("ip", "link", "set", s.hostIf, "up"))
	must(run("ip", "netns", "exec", s.NS, "ip", "addr", "add", s.Addr+"/24", "dev", peer))
	must(run("ip", "netns", "exec", s.NS, "ip", "link", "set", peer, "up"))
	must(run("ip", "netns", "exec", s.NS, "ip", "link", "set", "lo", "up"))

	base, err := os.MkdirTemp("", "jvt-"+strconv.Itoa(s.N)+"-")
	must(err)
	s.Dir = base
	must(os.Chmod(base, 0o755))
	s.User = fmt.Sprintf("jvt%d", s.N)
	s.UID = 61000 + s.N
	s.Home = filepath.Join(base, "home")
	must(os.Mkdir(s.Home, 0o755))
	must(os.Chown(s.Home, s.UID, s.UID))

	// Keys.
	_, hostPriv, _ := ed25519.GenerateKey(rand.Reader)
	s.HostKey, err = ssh.NewSignerFromKey(hostPriv)
	must(err)
	must(writeKey(filepath.Join(base, "host_ed25519"), hostPriv))
	hostKeys := []string{filepath.Join(base, "host_ed25519")}
	if opts.RSAHostKey {
		rk, err := rsa.GenerateKey(rand.Reader, 2048)
		must(err)
		s.RSAHostKey, err = ssh.NewSignerFromKey(rk)
		must(err)
		must(writeKey(filepath.Join(base, "host_rsa"), rk))
		hostKeys = append(hostKeys, filepath.Join(base, "host_rsa"))
	}
	_, clientPriv, _ := ed25519.GenerateKey(rand.Reader)
	s.ClientKey, err = ssh.NewSignerFromKey(clientPriv)
	must(err)
	blk, err := ssh.MarshalPrivateKey(clientPriv, "")
	must(err)
	s.ClientKeyPEM = pem.EncodeToMemory(blk)
	must(os.WriteFile(filepath.Join(base, "authorized_keys"), ssh.MarshalAuthorizedKey(s.ClientKey.PublicKey()), 0o644))

	// The user, for this sshd only.
	passwd, err := os.ReadFile("/etc/passwd")
	must(err)
	passwd = append(passwd, fmt.Sprintf("%s:x:%d:%d:jeeves test agent:%s:/bin/sh\n", s.User, s.UID, s.UID, s.Home)...)
	must(os.WriteFile(filepath.Join(base, "passwd"), passwd, 0o644))
	shadow, _ := os.ReadFile("/etc/shadow")
	hash := "*"
	if opts.Password != "" {
		out, err := exec.Command("openssl", "passwd", "-6", opts.Password).Output()
		must(err)
		hash = strings.TrimSpace(string(out))
	}
	shadow = append(shadow, fmt.Sprintf("%s:%s:19000:0:99999:7:::\n", s.User, hash)...)
	must(os.WriteFile(filepath.Join(base, "shadow"), shadow, 0o600))

	cfg := []string{
		"Port 22",
		"ListenAddress " + s.Addr,
		"PidFile " + filepath.Join(base, "sshd.pid"),
		"AuthorizedKeysFile " + filepath.Join(base, "authorized_keys"),
		"StrictModes no",
		"UsePAM no",
		"PermitRootLogin no",
		"KbdInteractiveAuthentication no",
		"PasswordAuthentication " + map[bool]string{true: "yes", false: "no"}[opts.Password != ""],
		"AllowUsers " + s.User,
		"LogLevel ERROR",
	}
	for _, k := range hostKeys {
		cfg = append(cfg, "HostKey "+k)
	}
	cfg = append(cfg, opts.Config...)
	must(os.WriteFile(filepath.Join(base, "sshd_config"), []byte(strings.Join(cfg, "\n")+"\n"), 0o644))
	// sshd needs its privilege separation directory, which only its
	// service's start creates.
	must(os.MkdirAll("/run/sshd", 0o755))
	must(s.startSSHD())
	return s
}

func writeKey(path string, key any) error {
	blk, err := ssh.MarshalPrivateKey(key, "")
	if err != nil {
		return err
	}
	return os.WriteFile(path, pem.EncodeToMemory(blk), 0o600)
}

func (s *Server) startSSHD() error {
	script := fmt.Sprintf("mount --bind %s /etc/passwd && mount --bind %s /etc/shadow && exec /usr/sbin/sshd -D -e -f %s",
		filepath.Join(s.Dir, "passwd"), filepath.Join(s.Dir, "shadow"), filepath.Join(s.Dir, "sshd_config"))
	cmd := exec.Command("ip", "netns", "exec", s.NS, "sh", "-c", script)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	// The sshd serving a connection inherits the listener's stderr: Wait
	// must not wait for it to close once the listener has exited.
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		return err
	}
	s.sshd = cmd
	s.exited = make(chan struct{})
	go func(done chan struct{}) { cmd.Wait(); close(done) }(s.exited)
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", s.HostPort(), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("sshd exited: %s", bytes.TrimSpace(stderr.Bytes()))
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("sshd does not listen on %s after 10 s: %v", s.HostPort(), err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Pids lists the processes in the server's namespace: sshd and all it
// started, detached or not.
func (s *Server) Pids() []int {
	out, _ := exec.Command("ip", "netns", "pids", s.NS).Output()
	var pids []int
	for _, f := range strings.Fields(string(out)) {
		if p, err := strconv.Atoi(f); err == nil {
			pids = append(pids, p)
		}
	}
	return pids
}

// LinkDown cuts the network between the host and the server.
func (s *Server) LinkDown() {
	s.t.Helper()
	if err := run("ip", "link", "set", s.hostIf, "down"); err != nil {
		s.t.Fatal(err)
	}
}

// LinkUp restores it.
func (s *Server) LinkUp() {
	s.t.Helper()
	if err := run("ip", "link", "set", s.hostIf, "up"); err != nil {
		s.t.Fatal(err)
	}
	if err := run("ip", "addr", "replace", s.HostSide+"/24", "dev", s.hostIf); err != nil {
		s.t.Fatal(err)
	}
}

// KillConnections kills the sshd processes that serve connections (all
// sshd processes but the listener: the privileged monitor and its
// unprivileged child) and reports how many it killed.
func (s *Server) KillConnections() int {
	listener := s.listenerPid()
	n := 0
	for _, p := range s.Pids() {
		if p == listener || comm(p) != "sshd" {
			continue
		}
		if syscall.Kill(p, syscall.SIGKILL) == nil {
			n++
		}
	}
	return n
}

// listenerPid is the listening sshd's pid (the sh that started it exec'd
// into it).
func (s *Server) listenerPid() int {
	if s.sshd == nil || s.sshd.Process == nil {
		return 0
	}
	// "ip netns exec" execs sh, which execs sshd: the pid is sshd's.
	return s.sshd.Process.Pid
}

// Stop stops the listening sshd (connections it serves go on).
func (s *Server) Stop() {
	if s.sshd == nil {
		return
	}
	s.sshd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(5 * time.Second):
		s.sshd.Process.Kill()
		<-s.exited
	}
	s.sshd = nil
}

// Restart stops and starts the listening sshd.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	if err := s.startSSHD(); err != nil {
		s.t.Fatal(err)
	}
}

func comm(pid int) string {
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	return strings.TrimSpace(string(b))
}

// Alive reports whether pid is a live process (not gone, not a zombie).
func Alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(b, ')')
	return i >= 0 && i+2 < len(b) && b[i+2] != 'Z' && b[i+2] != 'X'
}

func (s *Server) cleanup() {
	s.Stop()
	// Kill everything left in the namespace, until nothing is.
	for i := 0; i < 100; i++ {
		pids := s.Pids()
		if len(pids) == 0 {
			break
		}
		for _, p := range pids {
			syscall.Kill(p, syscall.SIGKILL)
		}
		time.Sleep(20 * time.Millisecond)
	}
	exec.Command("ip", "link", "del", s.hostIf).Run()
	if err := exec.Command("ip", "netns", "del", s.NS).Run(); err != nil && !errors.Is(err, os.ErrNotExist) {
		s.t.Logf("sshtest: ip netns del %s: %v", s.NS, err)
	}
	if s.Dir != "" {
		os.RemoveAll(s.Dir)
	}
	os.Remove(ownerFile(s.N))
}

// ownerFile holds the pid of the test process that owns namespace jvt-n.
func ownerFile(n int) string { return filepath.Join(os.TempDir(), fmt.Sprintf("jvt-%d.owner", n)) }

// reapStale removes the namespaces (and their processes) of test
// processes that died without cleaning up (killed by a timeout).
func reapStale() {
	out, _ := exec.Command("ip", "netns", "list").Output()
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || !strings.HasPrefix(f[0], "jvt-") {
			continue
		}
		n, err := strconv.Atoi(strings.TrimPrefix(f[0], "jvt-"))
		if err != nil {
			continue
		}
		b, err := os.ReadFile(ownerFile(n))
		if err != nil {
			continue // being set up now, or not ours
		}
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err != nil || syscall.Kill(pid, 0) == nil {
			continue
		}
		// Its directories first: while the namespace exists, no other
		// process can take its number.
		dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), fmt.Sprintf("jvt-%d-*", n)))
		for _, d := range dirs {
			os.RemoveAll(d)
		}
		stale := &Server{N: n, NS: f[0], hostIf: fmt.Sprintf("jvt-%d-h", n), t: nopTB{}}
		stale.cleanup()
	}
}

// nopTB is enough of a testing.TB for cleaning up a stale server.
type nopTB struct{ testing.TB }

func (nopTB) Logf(string, ...any) {}
func (nopTB) Helper()             {}

// Eventually polls cond every 10 ms until it holds or timeout passes.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
