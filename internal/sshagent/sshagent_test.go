package sshagent

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/jeeves-ci/jeeves/internal/sshagent/sshtest"
)

// syncBuf is a bytes.Buffer safe for concurrent use.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// config is a Config for srv with quick timeouts.
func config(srv *sshtest.Server, log io.Writer) Config {
	return Config{
		Name:              "agent-" + strconv.Itoa(srv.N),
		Host:              srv.Addr,
		Port:              srv.Port,
		Auth:              Auth{User: srv.User, Signers: []ssh.Signer{srv.ClientKey}},
		HostKey:           ManuallyProvided{Key: srv.HostKey.PublicKey()},
		RemoteFS:          srv.Home + "/agent",
		LaunchTimeout:     3 * time.Second,
		MaxRetries:        -1,
		RetryWait:         500 * time.Millisecond,
		KeepAliveInterval: 200 * time.Millisecond,
		KeepAliveCountMax: 3,
		OfflineTimeout:    20 * time.Second,
		Reconnect:         true,
		Log:               log,
	}
}

func dial(t testing.TB, cfg Config) *Agent {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	a, err := Dial(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestConnect(t *testing.T) {
	srv := sshtest.Start(t, sshtest.Options{})
	var log syncBuf
	cfg := config(srv, &log)
	cfg.Summary = "SSHLauncher{host='" + srv.Addr + "', port=22}"
	a := dial(t, cfg)
	if info := a.Info(); info.OS != "Linux" || info.Arch == "" {
		t.Fatalf("info %+v", info)
	}
	for _, want := range []string{
		"SSHLauncher{host=",
		"] [SSH] Opening SSH connection to " + srv.Addr + ":22.",
		"] [SSH] SSH host key matched the key required for this connection. Connection will be allowed.",
		"] [SSH] Authentication successful.",
		"] [SSH] The remote user's environment is:",
		"] [SSH] Remote file system root " + srv.Home + "/agent does not exist. Will try to create it...",
		"Agent successfully connected and online",
	} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("the log lacks %q:\n%s", want, log.String())
		}
	}
	var out bytes.Buffer
	if code, err := a.Run(ctx(t), "id -u; exit 3", &out, io.Discard); err != nil || code != 3 || strings.TrimSpace(out.String()) != strconv.Itoa(srv.UID) {
		t.Fatalf("Run: %d %v %q", code, err, out.String())
	}
	t.Run("the prefix and suffix wrap every command", func(t *testing.T) {
		cfg := config(srv, io.Discard)
		cfg.Prefix, cfg.Suffix = "X=from-prefix exec ", " sfx"
		b := dial(t, cfg)
		var out bytes.Buffer
		if _, err := b.Run(ctx(t), `echo "$X $0"`, &out, io.Discard); err != nil || strings.TrimSpace(out.String()) != "from-prefix sfx" {
			t.Fatalf("%v %q", err, out.String())
		}
	})
}

func TestHostKeyStrategies(t *testing.T) {
	srv := sshtest.Start(t, sshtest.Options{RSAHostKey: true})
	other := sshtest.Start(t, sshtest.Options{})
	dir := t.TempDir()
	knownHosts := func(lines ...string) string {
		p := filepath.Join(dir, fmt.Sprintf("known_hosts_%d", time.Now().UnixNano()))
		os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o600)
		return p
	}
	line := func(host string, k ssh.PublicKey) string {
		return host + " " + strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k)))
	}
	trusted := &MemoryTrustStore{}
	changed := &MemoryTrustStore{}
	changed.Trust(other.HostKey.PublicKey())
	waiting := &MemoryTrustStore{}
	tests := []struct {
		name    string
		v       HostKeyVerifier
		ok      bool
		logLine string
	}{
		{"not verifying accepts with a warning", NonVerifying{}, true, "WARNING: SSH Host Keys are not being verified."},
		{"a known_hosts entry for the host is accepted", KnownHostsFile{Path: knownHosts(line(srv.Addr, srv.HostKey.PublicKey()))}, true, "SSH host key matches key in Known Hosts file."},
		{"an RSA-only known_hosts entry still matches (the RSA key is asked for)", KnownHostsFile{Path: knownHosts(line(srv.Addr, srv.RSAHostKey.PublicKey()))}, true, "SSH host key matches key in Known Hosts file."},
		{"a hashed known_hosts entry is accepted", KnownHostsFile{Path: knownHosts(line(hashHost(srv.Addr), srv.HostKey.PublicKey()))}, true, "matches key in Known Hosts file"},
		{"a host missing from known_hosts is refused", KnownHostsFile{Path: knownHosts(line("10.99.99.99", srv.HostKey.PublicKey()))}, false, "No entry currently exists in the Known Hosts file for this host."},
		{"a changed key in known_hosts is refused", KnownHostsFile{Path: knownHosts(line(srv.Addr, other.HostKey.PublicKey()))}, false, "does not match the key saved in the Known Hosts file"},
		{"a missing known_hosts file is refused", KnownHostsFile{Path: filepath.Join(dir, "none")}, false, "No Known Hosts file was found at"},
		{"the provided key is accepted", ManuallyProvided{Key: srv.HostKey.PublicKey()}, true, "SSH host key matched the key required for this connection."},
		{"another provided key is refused", ManuallyProvided{Key: other.HostKey.PublicKey()}, false, "does not match the key required in the connection configuration"},
		{"trust on first use trusts the first key", ManuallyTrusted{Store: trusted}, true, "has been automatically trusted for connections to this machine."},
		{"trust on first use accepts the trusted key again", ManuallyTrusted{Store: trusted}, true, "SSH host key matches key seen previously for this host."},
		{"trust on first use refuses a changed key", ManuallyTrusted{Store: changed}, false, "The SSH key for this host is not currently trusted."},
		{"requireInitialManualTrust refuses the first key", ManuallyTrusted{RequireInitialManualTrust: true, Store: waiting}, false, "The SSH key for this host is not currently trusted."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log syncBuf
			cfg := config(srv, &log)
			cfg.HostKey = tt.v
			a, err := Dial(ctx(t), cfg)
			if a != nil {
				defer a.Close()
			}
			if tt.ok != (err == nil) {
				t.Fatalf("Dial: %v\n%s", err, log.String())
			}
			if !tt.ok && !errors.Is(err, ErrHostKey) {
				t.Fatalf("the error does not say the host key: %v", err)
			}
			if !strings.Contains(log.String(), tt.logLine) {
				t.Fatalf("the log lacks %q:\n%s", tt.logLine, log.String())
			}
		})
	}
	// The server has two host keys; either may be the one negotiated.
	isSrv := func(k ssh.PublicKey) bool {
		return sameKey(k, srv.HostKey.PublicKey()) || sameKey(k, srv.RSAHostKey.PublicKey())
	}
	if k, _ := trusted.TrustedKey(); !isSrv(k) {
		t.Error("trust on first use did not store the key")
	}
	if !isSrv(changed.Offered()) || !isSrv(waiting.Offered()) {
		t.Error("a refused key was not offered for trust")
	}
	if k, _ := waiting.TrustedKey(); k != nil {
		t.Error("requireInitialManualTrust trusted the key")
	}
}

// hashHost is an OpenSSH hashed host name (|1|salt|hmac).
func hashHost(h string) string {
	return knownhostsHash(h)
}

func TestBadInput(t *testing.T) {
	srv := sshtest.Start(t, sshtest.Options{Password: "s3cret"})
	wrongKey, _ := ssh.NewSignerFromKey(mustEd25519())
	tests := []struct {
		name   string
		change func(*Config)
		is     error
		want   string
	}{
		{"an unreachable host fails within the launch timeout", func(c *Config) { c.Host = "10.77." + strconv.Itoa(srv.N) + ".3"; c.LaunchTimeout = time.Second }, nil, "10.77."},
		{"a closed port fails", func(c *Config) { c.Port = 2222 }, nil, "connection refused"},
		{"a key the agent does not know is refused", func(c *Config) { c.Auth.Signers = []ssh.Signer{wrongKey} }, ErrAuth, "Authentication failed."},
		{"a wrong password is refused", func(c *Config) { c.Auth = Auth{User: srv.User, Password: "nope"} }, ErrAuth, "Authentication failed."},
		{"a remote root that is not writable is refused", func(c *Config) { c.RemoteFS = "/proc/agent" }, ErrRemote, "/proc/agent"},
		{"a remote root that is a file is refused", func(c *Config) { c.RemoteFS = "/etc/hostname" }, ErrRemote, "is a file not a directory"},
		{"a relative remote root is refused", func(c *Config) { c.RemoteFS = "agent" }, nil, "absolute path"},
		{"no host is refused", func(c *Config) { c.Host = "" }, nil, "The Host must be specified"},
		{"no credential is refused", func(c *Config) { c.Auth = Auth{User: "x"} }, nil, "neither a private key nor a password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := config(srv, io.Discard)
			tt.change(&cfg)
			a, err := Dial(ctx(t), cfg)
			if err == nil {
				a.Close()
				t.Fatal("Dial succeeded")
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Fatalf("got %v, want %v", err, tt.is)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("%q does not say %q", err, tt.want)
			}
		})
	}
	t.Run("a password login works", func(t *testing.T) {
		cfg := config(srv, io.Discard)
		cfg.Auth = Auth{User: srv.User, Password: "s3cret"}
		dial(t, cfg)
	})
}

func TestFiles(t *testing.T) {
	srv := sshtest.Start(t, sshtest.Options{})
	a := dial(t, config(srv, io.Discard))
	c := ctx(t)
	root := a.RemoteFS() + "/files"
	if err := a.MkdirAll(c, root+"/a/b", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := a.WriteFile(c, root+"/a/b/f.txt", strings.NewReader("hello 'world'\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	go func() { pw.Write([]byte("from a pipe")); pw.Close() }()
	if err := a.WriteFile(c, root+"/a/p.txt", pr, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Run("a file reads back", func(t *testing.T) {
		f, err := a.Open(c, root+"/a/b/f.txt")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(f)
		f.Close()
		if string(b) != "hello 'world'\n" {
			t.Fatalf("%q", b)
		}
	})
	t.Run("stat gives size, mode and type", func(t *testing.T) {
		fi, err := a.Stat(c, root+"/a/b/f.txt")
		if err != nil || fi.Size() != 14 || fi.Mode().Perm() != 0o640 || fi.IsDir() || fi.Name() != "f.txt" {
			t.Fatalf("%v %+v", err, fi)
		}
		if d, err := a.Stat(c, root+"/a"); err != nil || !d.IsDir() {
			t.Fatalf("%v %v", err, d)
		}
	})
	t.Run("a missing file is fs.ErrNotExist everywhere", func(t *testing.T) {
		missing := root + "/nope"
		if _, err := a.Stat(c, missing); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Stat: %v", err)
		}
		if _, err := a.Open(c, missing); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Open: %v", err)
		}
		if err := a.Rename(c, missing, root+"/x"); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Rename: %v", err)
		}
		if err := a.WriteFile(c, missing+"/f", strings.NewReader("x"), 0o644); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("WriteFile into a missing dir: %v", err)
		}
		if err := a.Walk(c, missing, func(p string, fi fs.FileInfo, err error) error { return err }); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Walk: %v", err)
		}
	})
	t.Run("walk lists everything once, parents first", func(t *testing.T) {
		var got []string
		err := a.Walk(c, root, func(p string, fi fs.FileInfo, err error) error {
			got = append(got, strings.TrimPrefix(p, root))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(sorted(got), ",") != ",/a,/a/b,/a/b/f.txt,/a/p.txt" {
			t.Fatalf("%q", got)
		}
		if got[0] != "" {
			t.Fatal("the root is not first")
		}
		got = nil
		a.Walk(c, root, func(p string, fi fs.FileInfo, err error) error {
			got = append(got, strings.TrimPrefix(p, root))
			if fi.IsDir() && strings.HasSuffix(p, "/b") {
				return fs.SkipDir
			}
			return nil
		})
		if strings.Join(sorted(got), ",") != ",/a,/a/b,/a/p.txt" {
			t.Fatalf("SkipDir: %q", got)
		}
	})
	t.Run("rename replaces, and does not move into a directory", func(t *testing.T) {
		if err := a.Rename(c, root+"/a/p.txt", root+"/a/q.txt"); err != nil {
			t.Fatal(err)
		}
		if err := a.Rename(c, root+"/a/q.txt", root+"/a/b"); err == nil {
			t.Fatal("a file replaced a directory")
		}
	})
	t.Run("temporary files and directories get unique names, mode 0600 and 0700", func(t *testing.T) {
		f1, err := a.CreateTemp(c, root, "jeeves*.sh", strings.NewReader("echo hi\n"))
		if err != nil {
			t.Fatal(err)
		}
		pr, pw := io.Pipe()
		go func() { pw.Write([]byte("piped")); pw.Close() }()
		f2, err := a.CreateTemp(c, root, "jeeves*.sh", pr)
		if err != nil {
			t.Fatal(err)
		}
		if f1 == f2 || !strings.HasPrefix(f1, root+"/jeeves") || !strings.HasSuffix(f1, ".sh") {
			t.Fatalf("%q %q", f1, f2)
		}
		if fi, err := a.Stat(c, f1); err != nil || fi.Mode().Perm() != 0o600 || fi.Size() != 8 {
			t.Fatalf("%v %+v", err, fi)
		}
		if f, err := a.CreateTemp(c, "", "x-*", strings.NewReader("")); err != nil || !strings.HasPrefix(f, "/tmp/x-") {
			t.Fatalf("in the temporary directory: %q %v", f, err)
		} else {
			a.Remove(c, f)
		}
		d, err := a.MkdirTemp(c, root, "workspace-")
		if err != nil || !strings.HasPrefix(d, root+"/workspace-") {
			t.Fatalf("%q %v", d, err)
		}
		if fi, err := a.Stat(c, d); err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o700 {
			t.Fatalf("%v %+v", err, fi)
		}
		if _, err := a.CreateTemp(c, root+"/nope", "x", strings.NewReader("")); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("into a missing directory: %v", err)
		}
		if _, err := a.CreateTemp(c, root, "a/b", strings.NewReader("")); err == nil {
			t.Fatal("took a pattern with a slash")
		}
		for _, p := range []string{f1, f2, d} {
			if err := a.Remove(c, p); err != nil {
				t.Fatal(err)
			}
		}
		if err := a.Remove(c, f1); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("removing it again: %v", err)
		}
		if err := a.Remove(c, root+"/a"); err == nil {
			t.Fatal("removed a directory that is not empty")
		}
	})
	t.Run("readdir lists entries sorted by name, links as links", func(t *testing.T) {
		if _, err := a.Run(c, "ln -s b "+shq(root+"/a/link"), io.Discard, io.Discard); err != nil {
			t.Fatal(err)
		}
		list, err := a.ReadDir(c, root+"/a")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range list {
			got = append(got, fmt.Sprintf("%s:%v:%v", e.Name(), e.IsDir(), e.Type()&fs.ModeSymlink != 0))
		}
		if strings.Join(got, ",") != "b:true:false,link:false:true,q.txt:false:false" {
			t.Fatalf("%q", got)
		}
		if _, err := a.ReadDir(c, root+"/nope"); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("a missing directory: %v", err)
		}
	})
	t.Run("remove removes a tree left without write permission", func(t *testing.T) {
		ro := root + "/ro"
		if _, err := a.Run(c, "mkdir -p "+shq(ro+"/d")+" && touch "+shq(ro+"/d/f")+" && chmod 500 "+shq(ro+"/d"), io.Discard, io.Discard); err != nil {
			t.Fatal(err)
		}
		if err := a.RemoveAll(c, ro); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Stat(c, ro); !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
	})
	t.Run("remove removes a tree and refuses /", func(t *testing.T) {
		if err := a.RemoveAll(c, root); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Stat(c, root); !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
		if err := a.RemoveAll(c, root); err != nil {
			t.Fatal("removing a missing path:", err)
		}
		if err := a.RemoveAll(c, "/"); err == nil {
			t.Fatal("removed /")
		}
		if err := a.MkdirAll(c, "relative", 0o755); err == nil {
			t.Fatal("took a relative path")
		}
	})
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// workspace makes a workspace on the agent.
func workspace(t testing.TB, a *Agent, name string) string {
	t.Helper()
	ws := a.RemoteFS() + "/workspace/" + name
	if err := a.MkdirAll(ctx(t), ws, 0o755); err != nil {
		t.Fatal(err)
	}
	return ws
}

func TestStep(t *testing.T) {
	srv := sshtest.Start(t, sshtest.Options{})
	a := dial(t, config(srv, io.Discard))
	ws := workspace(t, a, "job")
	t.Run("a step's output, environment, stdin and exit status arrive", func(t *testing.T) {
		var out syncBuf
		p, err := a.Start(ctx(t), Proc{
			Argv:   []string{"sh", "-c", `echo "$GREETING"; printf '%s|\n' "$ODD"; pwd; cat; echo err >&2; exit 7`},
			Dir:    ws,
			Env:    []string{"GREETING=it's a \"test\" $HOME", "ODD= two\nlines \\n\t`x`\\"},
			Stdin:  strings.NewReader("from stdin\n"),
			Stdout: &out,
			Cookie: "c1",
		})
		if err != nil {
			t.Fatal(err)
		}
		code, err := p.Wait()
		if err != nil || code != 7 {
			t.Fatalf("Wait: %d %v", code, err)
		}
		want := "it's a \"test\" $HOME\n two\nlines \\n\t`x`\\|\n" + ws + "\nfrom stdin\nerr\n"
		if out.String() != want {
			t.Fatalf("got %q, want %q", out.String(), want)
		}
		if p.Offset() != int64(len(want)) {
			t.Fatalf("offset %d", p.Offset())
		}
	})
	t.Run("a finished step leaves no control directory, so no copy of its environment", func(t *testing.T) {
		p, err := a.Start(ctx(t), Proc{Argv: []string{"true"}, Dir: ws, Env: []string{"SECRET=s3cret"}})
		if err != nil {
			t.Fatal(err)
		}
		if code, err := p.Wait(); err != nil || code != 0 {
			t.Fatal(code, err)
		}
		sshtest.Eventually(t, 10*time.Second, "the control directory goes", func() bool {
			_, err := os.Stat(p.ControlDir())
			return errors.Is(err, fs.ErrNotExist)
		})
	})
	t.Run("secrets in the environment never show on a command line", func(t *testing.T) {
		secret := "hunter2-" + randomID()
		p, err := a.Start(ctx(t), Proc{Argv: []string{"sleep", "2"}, Dir: ws, Env: []string{"SECRET=" + secret}})
		if err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(1500 * time.Millisecond)
		for time.Now().Before(deadline) {
			for _, pid := range srv.Pids() {
				b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
				if bytes.Contains(b, []byte(secret)) {
					t.Fatalf("pid %d shows the secret: %q", pid, b)
				}
			}
			time.Sleep(20 * time.Millisecond)
		}
		p.Wait()
	})
	t.Run("a bad environment name is refused before anything runs", func(t *testing.T) {
		if _, err := a.Start(ctx(t), Proc{Argv: []string{"true"}, Dir: ws, Env: []string{"A-B=1"}}); err == nil {
			t.Fatal("started")
		}
	})
	t.Run("a missing working directory is made", func(t *testing.T) {
		var out syncBuf
		p, err := a.Start(ctx(t), Proc{Argv: []string{"pwd"}, Dir: ws + "/missing", Stdout: &out})
		if err != nil {
			t.Fatal(err)
		}
		if code, err := p.Wait(); err != nil || code != 0 || out.String() != ws+"/missing\n" {
			t.Fatalf("%d %v %q", code, err, out.String())
		}
	})
	t.Run("a working directory that cannot be made fails the step", func(t *testing.T) {
		p, err := a.Start(ctx(t), Proc{Argv: []string{"true"}, Dir: "/proc/missing"})
		if err == nil {
			var code int
			code, err = p.Wait()
			if err == nil && code == 0 {
				t.Fatal("ran")
			}
		}
		if !strings.Contains(err.Error(), "/proc/missing") {
			t.Fatal(err)
		}
	})
	t.Run("a script goes with the step, and the last step sweeps its cookie", func(t *testing.T) {
		var out syncBuf
		id := NewID()
		script := "echo from the script $0\nsetsid sleep 4001 </dev/null >/dev/null 2>&1 &\n"
		p, err := a.Start(ctx(t), Proc{Argv: []string{"sh", ScriptPathFor(ws, id)}, Dir: ws, Stdout: &out, ID: id, Script: []byte(script),
			Cookie: "sweep-me", KillAfter: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if code, err := p.Wait(); err != nil || code != 0 || out.String() != "from the script "+ScriptPathFor(ws, id)+"\n" || !p.Swept() {
			t.Fatalf("%d %v %q swept %v", code, err, out.String(), p.Swept())
		}
		if n, err := a.KillAll(ctx(t), 0, "sweep-me"); err != nil || n != 0 {
			t.Fatalf("left %d: %v", n, err)
		}
		if _, err := a.Start(ctx(t), Proc{Argv: []string{"true"}, Dir: ws, ID: "../x"}); err == nil {
			t.Fatal("took a bad id")
		}
	})
	t.Run("more steps than sessions all finish", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make(chan error, 15)
		for i := range 15 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var out syncBuf
				p, err := a.Start(ctx(t), Proc{Argv: []string{"sh", "-c", "sleep 0.3; echo " + strconv.Itoa(i)}, Dir: ws, Stdout: &out})
				if err != nil {
					errs <- err
					return
				}
				if code, err := p.Wait(); err != nil || code != 0 || out.String() != strconv.Itoa(i)+"\n" {
					errs <- fmt.Errorf("step %d: %d %v %q", i, code, err, out.String())
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	})
}

func TestStopAndKillAll(t *testing.T) {
	srv := sshtest.Start(t, sshtest.Options{})
	a := dial(t, config(srv, io.Discard))
	ws := workspace(t, a, "job")
	var out syncBuf
	script := `setsid sleep 1001 </dev/null >/dev/null 2>&1 &
BUILD_ID=dontKillMe setsid sleep 1002 </dev/null >/dev/null 2>&1 &
trap '' TERM; echo started; sleep 1003; echo never`
	p, err := a.Start(ctx(t), Proc{Argv: []string{"sh", "-c", script}, Dir: ws, Stdout: &out, Cookie: "build-42"})
	if err != nil {
		t.Fatal(err)
	}
	sshtest.Eventually(t, 10*time.Second, "the step starts", func() bool { return strings.Contains(out.String(), "started") })
	find := func(arg string) int {
		for _, pid := range srv.Pids() {
			b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
			if string(b) == "sleep\x00"+arg+"\x00" && sshtest.Alive(pid) {
				return pid
			}
		}
		return 0
	}
	sshtest.Eventually(t, 5*time.Second, "the detached children run", func() bool { return find("1001") != 0 && find("1002") != 0 })
	t.Run("stop kills the step's group, TERM then KILL", func(t *testing.T) {
		if err := p.Stop(300 * time.Millisecond); err != nil {
			t.Fatal(err)
		}
		code, err := p.Wait()
		if err != nil || (code != 137 && code != 143) {
			t.Fatalf("Wait: %d %v", code, err)
		}
		if strings.Contains(out.String(), "never") {
			t.Fatal("the step went on")
		}
		// SIGKILL went to the whole group at once; the sleep may take a
		// moment longer than the shell to go.
		sshtest.Eventually(t, 5*time.Second, "the step's sleep dies", func() bool { return find("1003") == 0 })
		if find("1001") == 0 {
			t.Fatal("the detached child left the group but died too")
		}
	})
	t.Run("killall finds the leftover by its cookie and spares dontKillMe", func(t *testing.T) {
		n, err := a.KillAll(ctx(t), 0, "build-42")
		if err != nil || n != 1 {
			t.Fatalf("KillAll: %d %v", n, err)
		}
		sshtest.Eventually(t, 5*time.Second, "the leftover dies", func() bool { return find("1001") == 0 })
		if find("1002") == 0 {
			t.Fatal("dontKillMe was killed")
		}
		if n, err := a.KillAll(ctx(t), 0, "build-42"); err != nil || n != 0 {
			t.Fatalf("a second KillAll: %d %v", n, err)
		}
		if _, err := a.KillAll(ctx(t), 0, DontKillMe); err == nil {
			t.Fatal("took dontKillMe as a cookie")
		}
	})
}

// counter is a step that prints n numbered lines, one every d.
func counter(n int, d time.Duration) []string {
	return []string{"sh", "-c", fmt.Sprintf(`i=1; while [ $i -le %d ]; do echo line $i; i=$((i+1)); sleep %.2f; done; exit 5`, n, d.Seconds())}
}

func wantLines(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "line %d\n", i)
	}
	return b.String()
}

func TestDroppedConnection(t *testing.T) {
	srv := sshtest.Start(t, sshtest.Options{})
	var states syncBuf
	cfg := config(srv, io.Discard)
	cfg.OnState = func(s State, err error) { fmt.Fprintf(&states, "%s\n", s) }
	a := dial(t, cfg)
	ws := workspace(t, a, "job")
	drops := []struct {
		name       string
		drop, heal func()
	}{
		{"the sshd serving the connection is killed", func() { srv.KillConnections() }, func() {}},
		{"the network goes down for a while", srv.LinkDown, srv.LinkUp},
	}
	for _, d := range drops {
		t.Run("a step survives when "+d.name, func(t *testing.T) {
			var out syncBuf
			p, err := a.Start(ctx(t), Proc{Argv: counter(30, 50*time.Millisecond), Dir: ws, Stdout: &out})
			if err != nil {
				t.Fatal(err)
			}
			sshtest.Eventually(t, 10*time.Second, "output begins", func() bool { return strings.Contains(out.String(), "line 3\n") })
			d.drop()
			sshtest.Eventually(t, 10*time.Second, "the drop is seen", func() bool { return !a.Connected() })
			d.heal()
			code, err := p.Wait()
			if err != nil || code != 5 {
				t.Fatalf("Wait: %d %v", code, err)
			}
			if out.String() != wantLines(30) {
				t.Fatalf("the output is not whole:\n%s", out.String())
			}
			if !a.Connected() {
				t.Fatal("not reconnected")
			}
			sshtest.Eventually(t, 10*time.Second, "the control directory of a step followed from its files goes", func() bool {
				_, err := os.Stat(p.ControlDir())
				return errors.Is(err, fs.ErrNotExist)
			})
		})
	}
	if !strings.Contains(states.String(), "disconnected\nconnecting") && !strings.Contains(states.String(), "disconnected\nconnected") {
		t.Logf("states: %s", states.String())
	}
}

func TestDroppedForGood(t *testing.T) {
	srv := sshtest.Start(t, sshtest.Options{})
	cfg := config(srv, io.Discard)
	cfg.OfflineTimeout = 1500 * time.Millisecond
	cfg.LaunchTimeout = 500 * time.Millisecond
	a := dial(t, cfg)
	ws := workspace(t, a, "job")
	p, err := a.Start(ctx(t), Proc{Argv: []string{"sleep", "30"}, Dir: ws})
	if err != nil {
		t.Fatal(err)
	}
	srv.LinkDown()
	defer srv.LinkUp()
	done := make(chan struct{})
	var code int
	go func() { code, err = p.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("Wait hangs while the agent is gone")
	}
	if !errors.Is(err, ErrAgentWentOffline) || code != -1 {
		t.Fatalf("Wait: %d %v", code, err)
	}
	if !strings.Contains(err.Error(), "Agent went offline during the build") {
		t.Fatal(err)
	}
}

// TestControllerRestart starts a step from a separate controller
// process, kills that process with SIGKILL mid-step, and attaches to the
// step from this one.
func TestControllerRestart(t *testing.T) {
	srv := sshtest.Start(t, sshtest.Options{})
	a := dial(t, config(srv, io.Discard))
	ws := workspace(t, a, "job")

	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperController$")
	cmd.Env = append(os.Environ(),
		"JEEVES_SSHAGENT_HELPER=1",
		"HELPER_ADDR="+srv.Addr,
		"HELPER_USER="+srv.User,
		"HELPER_KEY="+base64.StdEncoding.EncodeToString(srv.ClientKeyPEM),
		"HELPER_HOSTKEY="+base64.StdEncoding.EncodeToString(srv.HostKey.PublicKey().Marshal()),
		"HELPER_FS="+a.RemoteFS(),
		"HELPER_WS="+ws,
	)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	// The helper prints "ctl DIR" and then the step's output.
	br := bufio.NewReader(stdout)
	var ctl string
	for ctl == "" {
		l, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("the helper controller ended: %v", err)
		}
		if c, ok := strings.CutPrefix(l, "ctl "); ok {
			ctl = strings.TrimSpace(c)
		}
	}
	var got1 strings.Builder
	for !strings.Contains(got1.String(), "line 5\n") {
		l, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("the helper controller ended: %v", err)
		}
		got1.WriteString(l)
	}
	cmd.Process.Signal(syscall.SIGKILL) // the controller dies
	cmd.Wait()
	rest, _ := io.ReadAll(br) // what it wrote before dying
	got1.Write(rest)

	var out2 syncBuf
	q, err := a.Attach(ctx(t), ctl, int64(got1.Len()), &out2)
	if err != nil {
		t.Fatal(err)
	}
	code, err := q.Wait()
	if err != nil || code != 5 {
		t.Fatalf("Wait: %d %v", code, err)
	}
	if got1.String()+out2.String() != wantLines(30) {
		t.Fatalf("the output is not whole:\n%s|\n%s", got1.String(), out2.String())
	}
	t.Run("attaching to a step that never was fails", func(t *testing.T) {
		r, err := a.Attach(ctx(t), ws+"@tmp/durable-0000", 0, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if code, err := r.Wait(); err == nil || code != -2 || !strings.Contains(err.Error(), "process apparently never started") {
			t.Fatalf("%d %v", code, err)
		}
	})
}

// TestHelperController is the first controller of TestControllerRestart,
// run as a separate process.
func TestHelperController(t *testing.T) {
	if os.Getenv("JEEVES_SSHAGENT_HELPER") != "1" {
		t.Skip("a helper process of TestControllerRestart")
	}
	keyPEM, _ := base64.StdEncoding.DecodeString(os.Getenv("HELPER_KEY"))
	signer, err := ssh.ParsePrivateKey(keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	hk, _ := base64.StdEncoding.DecodeString(os.Getenv("HELPER_HOSTKEY"))
	hostKey, err := ssh.ParsePublicKey(hk)
	if err != nil {
		t.Fatal(err)
	}
	a, err := Dial(context.Background(), Config{
		Name: "helper", Host: os.Getenv("HELPER_ADDR"), Auth: Auth{User: os.Getenv("HELPER_USER"), Signers: []ssh.Signer{signer}},
		HostKey: ManuallyProvided{Key: hostKey}, RemoteFS: os.Getenv("HELPER_FS"), LaunchTimeout: 5 * time.Second, MaxRetries: -1,
	})
	if err != nil {
		t.Fatal(err)
	}
	// The step's output waits for the "ctl" line.
	gate := &gatedWriter{w: os.Stdout}
	gate.mu.Lock()
	p, err := a.Start(context.Background(), Proc{Argv: counter(30, 50*time.Millisecond), Dir: os.Getenv("HELPER_WS"), Stdout: gate})
	if err != nil {
		t.Fatal(err)
	}
	os.Stdout.WriteString("ctl " + p.ControlDir() + "\n")
	gate.mu.Unlock()
	select {} // until killed
}

func TestTwoAgents(t *testing.T) {
	srvs := []*sshtest.Server{sshtest.Start(t, sshtest.Options{}), sshtest.Start(t, sshtest.Options{})}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for _, srv := range srvs {
		a := dial(t, config(srv, io.Discard))
		ws := workspace(t, a, "job")
		for j := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var out syncBuf
				p, err := a.Start(ctx(t), Proc{Argv: []string{"sh", "-c", "id -u; sleep 0.2; echo " + strconv.Itoa(j)}, Dir: ws, Stdout: &out})
				if err != nil {
					errs <- err
					return
				}
				if code, err := p.Wait(); err != nil || code != 0 || out.String() != fmt.Sprintf("%d\n%d\n", srv.UID, j) {
					errs <- fmt.Errorf("%s step %d: %d %v %q", srv.Addr, j, code, err, out.String())
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

type gatedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (g *gatedWriter) Write(b []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.w.Write(b)
}

func TestKnownHostsOnAnotherPort(t *testing.T) {
	srv := sshtest.Start(t, sshtest.Options{Config: []string{"Port 2222"}})
	dir := t.TempDir()
	key := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(srv.HostKey.PublicKey())))
	tests := []struct {
		name, entry string
		ok          bool
	}{
		{"an [host]:port entry is found", "[" + srv.Addr + "]:2222 " + key, true},
		{"a bare host entry covers every port, as in Jenkins", srv.Addr + " " + key, true},
		{"an entry for another port is not this one", "[" + srv.Addr + "]:2200 " + key, false},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, strconv.Itoa(i))
			os.WriteFile(p, []byte(tt.entry+"\n"), 0o600)
			cfg := config(srv, io.Discard)
			cfg.Port = 2222
			cfg.HostKey = KnownHostsFile{Path: p}
			a, err := Dial(ctx(t), cfg)
			if a != nil {
				a.Close()
			}
			if (err == nil) != tt.ok {
				t.Fatalf("Dial: %v", err)
			}
		})
	}
}
