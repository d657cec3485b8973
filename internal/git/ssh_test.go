package git

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// sshServer is an OpenSSH server on a loopback port, started by the
// test as the current user with its own host key and authorized keys.
type sshServer struct {
	port     int
	hostPub  string // the host's public key line
	key      []byte // an authorized private key
	ppKey    []byte // an authorized private key with a passphrase
	ppPhrase string
	otherKey []byte // a key the server does not accept
	user     string
}

func keygen(t *testing.T, path, passphrase string) {
	t.Helper()
	out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", passphrase, "-C", "test", "-f", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
}

func startSSH(t *testing.T) *sshServer {
	t.Helper()
	sshd := "/usr/sbin/sshd"
	if _, err := os.Stat(sshd); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is required: apt-get install openssh-server", sshd)
		}
		t.Skipf("%s is not installed: apt-get install openssh-server", sshd)
	}
	needTool(t, "ssh-keygen", "apt-get install openssh-client")
	needTool(t, "ssh", "apt-get install openssh-client")
	if os.Geteuid() == 0 {
		if _, err := os.Stat("/run/sshd"); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatal("sshd run as root needs its privilege separation directory: mkdir -p /run/sshd")
			}
			t.Skip("sshd run as root needs its privilege separation directory: mkdir -p /run/sshd")
		}
	}
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, k := range []struct{ name, phrase string }{{"host", ""}, {"user", ""}, {"userpp", "correct horse"}, {"other", ""}} {
		keygen(t, filepath.Join(dir, k.name), k.phrase)
	}
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if err := os.WriteFile(filepath.Join(dir, "authorized_keys"), []byte(read("user.pub")+read("userpp.pub")), 0o600); err != nil {
		t.Fatal(err)
	}
	s := &sshServer{port: freePort(t), hostPub: strings.TrimSpace(read("host.pub")), key: []byte(read("user")),
		ppKey: []byte(read("userpp")), ppPhrase: "correct horse", otherKey: []byte(read("other")), user: u.Username}
	config := fmt.Sprintf(`Port %d
ListenAddress 127.0.0.1
HostKey %s
PidFile %s
AuthorizedKeysFile %s
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
LogLevel ERROR
`, s.port, filepath.Join(dir, "host"), filepath.Join(dir, "sshd.pid"), filepath.Join(dir, "authorized_keys"))
	cfg := filepath.Join(dir, "sshd_config")
	if err := os.WriteFile(cfg, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(sshd, "-D", "-e", "-f", cfg)
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go cmd.Wait()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	waitPort(t, s.port, cmd, stderr)
	return s
}

// knownHostsLine is the server's key as a known_hosts line.
func (s *sshServer) knownHostsLine() string {
	return "[127.0.0.1]:" + strconv.Itoa(s.port) + " " + s.hostPub
}

func TestSSHCredentials(t *testing.T) {
	srv := startSSH(t)
	newSSHFixture := func(t *testing.T) (*fixture, *SCM) {
		f := newFixture(t)
		f.repo.commit("one", map[string]string{"a.txt": "a\n"})
		url := "ssh://" + srv.user + "@127.0.0.1:" + strconv.Itoa(srv.port) + filepath.Join(f.served, "app.git")
		s := scmFor(t, url, "*/main", "")
		s.Remotes[0].CredentialsID = "key"
		return f, s
	}
	otherHostKey := func() string {
		dir := t.TempDir()
		keygen(t, filepath.Join(dir, "k"), "")
		b, _ := os.ReadFile(filepath.Join(dir, "k.pub"))
		return "[127.0.0.1]:" + strconv.Itoa(srv.port) + " " + strings.TrimSpace(string(b))
	}()
	key := &Credential{ID: "key", Description: "deploy key", Username: srv.user, PrivateKey: srv.key}
	cases := []struct {
		name     string
		cred     *Credential
		hk       func(f *fixture) HostKeys
		setup    func(f *fixture)
		mirror   bool
		wantErr  string // "" for success; else text the console must hold
		wantLine string
	}{
		{name: "the known hosts file strategy accepts a host in ~/.ssh/known_hosts",
			cred: key, hk: func(*fixture) HostKeys { return HostKeys{} }, mirror: true,
			setup: func(f *fixture) {
				os.MkdirAll(filepath.Join(f.home, ".ssh"), 0o700)
				os.WriteFile(filepath.Join(f.home, ".ssh", "known_hosts"), []byte(srv.knownHostsLine()+"\n"), 0o600)
			},
			wantLine: "Verifying host key using known hosts file\n"},
		{name: "the known hosts file strategy refuses an unknown host",
			cred: key, hk: func(*fixture) HostKeys { return HostKeys{} }, mirror: true,
			wantErr: "Host key verification failed"},
		{name: "accepting the first connection works and remembers the key in the cache",
			cred: key, hk: func(*fixture) HostKeys { return HostKeys{Strategy: AcceptFirstConnection} }, mirror: true,
			wantLine: "Verifying host key using known hosts file, will automatically accept unseen keys\n"},
		{name: "accepting the first connection refuses a key that changed",
			cred: key, hk: func(f *fixture) HostKeys {
				p := filepath.Join(f.tmp+"-kh", "known_hosts")
				os.MkdirAll(filepath.Dir(p), 0o700)
				os.WriteFile(p, []byte(otherHostKey+"\n"), 0o600)
				return HostKeys{Strategy: AcceptFirstConnection, AcceptFile: p}
			}, wantErr: "Host key verification failed"},
		{name: "manually provided keys accept the right key",
			cred: key, hk: func(*fixture) HostKeys {
				return HostKeys{Strategy: ManuallyProvided, KnownHosts: srv.knownHostsLine()}
			}, wantLine: "Verifying host key using manually-configured host key entries\n"},
		{name: "manually provided keys refuse another key",
			cred: key, hk: func(*fixture) HostKeys { return HostKeys{Strategy: ManuallyProvided, KnownHosts: otherHostKey} },
			mirror: true, wantErr: "Host key verification failed"},
		{name: "no verification accepts any host",
			cred: key, hk: func(*fixture) HostKeys { return HostKeys{Strategy: NoVerification} }},
		{name: "a key with a passphrase is unlocked by SSH_ASKPASS",
			cred: &Credential{ID: "key", Username: srv.user, PrivateKey: srv.ppKey, Passphrase: srv.ppPhrase},
			hk:   func(*fixture) HostKeys { return HostKeys{Strategy: NoVerification} }, mirror: true},
		{name: "a wrong passphrase fails at once",
			cred: &Credential{ID: "key", Username: srv.user, PrivateKey: srv.ppKey, Passphrase: "battery staple"},
			hk:   func(*fixture) HostKeys { return HostKeys{Strategy: NoVerification} }, wantErr: "Permission denied"},
		{name: "of several keys in one credential, the one the server knows is used",
			cred: &Credential{ID: "key", Username: srv.user, PrivateKey: append(append(append([]byte(nil), srv.otherKey...), '\f'), srv.key...)},
			hk:   func(*fixture) HostKeys { return HostKeys{Strategy: NoVerification} }, mirror: true},
		{name: "a key the server does not know fails at once",
			cred: &Credential{ID: "key", Username: srv.user, PrivateKey: srv.otherKey},
			hk:   func(*fixture) HostKeys { return HostKeys{Strategy: NoVerification} }, mirror: true, wantErr: "Permission denied"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, s := newSSHFixture(t)
			if c.setup != nil {
				c.setup(f)
			}
			rec := &recorder{}
			hk := c.hk(f)
			_, console, err := f.checkout(s, nil, 1, func(co *Checkout) {
				co.Runner = rec
				co.Credentials = map[string]*Credential{"key": c.cred}
				co.HostKeys = hk
				if !c.mirror {
					co.CacheDir = ""
				}
			})
			if c.wantErr == "" && err != nil {
				t.Fatalf("checkout: %v\n%s", err, console)
			}
			if c.wantErr != "" && (err == nil || !strings.Contains(console, c.wantErr)) {
				t.Fatalf("err = %v, console lacks %q:\n%s", err, c.wantErr, console)
			}
			if c.wantLine != "" && !strings.Contains(console, c.wantLine) {
				t.Errorf("console lacks %q:\n%s", c.wantLine, console)
			}
			if !strings.Contains(console, "using GIT_SSH to set credentials "+c.cred.Description+"\n") {
				t.Errorf("console lacks the credential line:\n%s", console)
			}
			keyText := strings.Split(string(c.cred.PrivateKey), "\n")[1]
			assertNoSecret(t, keyText, rec, console, f)
			if c.cred.Passphrase != "" {
				assertNoSecret(t, c.cred.Passphrase, rec, console, f)
			}
			for p, mode := range rec.files {
				if strings.Contains(filepath.Base(p), "key-") && mode != 0o400 {
					t.Errorf("the key %s has mode %o", p, mode)
				}
			}
			if hk.Strategy == AcceptFirstConnection && c.wantErr == "" {
				kh, _ := os.ReadFile(filepath.Join(f.cache, "known_hosts"))
				if !strings.Contains(string(kh), srv.hostPub[strings.Index(srv.hostPub, " ")+1:][:20]) {
					t.Errorf("the accepted key was not remembered: %q", kh)
				}
			}
		})
	}
}
