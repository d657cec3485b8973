package gitscm

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/credentials"
	"github.com/jeeves-ci/jeeves/internal/model"
)

// sshServer is an OpenSSH server on a loopback port, started by the test
// as the current user with its own host key and authorized key.
type sshServer struct {
	port     int
	hostPub  string // the host's public key line
	key      string // the authorized private key
	otherKey string // a key the server does not accept
	user     string
}

func keygen(t *testing.T, path string) {
	t.Helper()
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "test", "-f", path).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
}

func startSSH(t *testing.T) *sshServer {
	t.Helper()
	const sshd = "/usr/sbin/sshd"
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
	for _, k := range []string{"host", "user", "other"} {
		keygen(t, filepath.Join(dir, k))
	}
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if err := os.WriteFile(filepath.Join(dir, "authorized_keys"), []byte(read("user.pub")), 0o600); err != nil {
		t.Fatal(err)
	}
	s := &sshServer{port: freePort(t), hostPub: strings.TrimSpace(read("host.pub")), key: read("user"), otherKey: read("other"), user: u.Username}
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

// TestSSHCheckouts: builds check out over SSH with an SSH key credential
// and the host key verification strategy of the settings; a key or a
// host key that does not verify fails the build promptly, and the key
// never reaches the console.
func TestSSHCheckouts(t *testing.T) {
	srv := startSSH(t)
	w := newWorld(t)
	ctx := context.Background()
	r := serve(t, "app.git")
	sha := r.commit("one", map[string]string{"a.txt": "over ssh\n"})
	url := "ssh://" + srv.user + "@127.0.0.1:" + strconv.Itoa(srv.port) + filepath.Join(r.base, "app.git")
	xml := strings.Replace(gitJobXML(url, "*/main", "", scmTrigger("", false), "cat a.txt"),
		"</url>", "</url><credentialsId>deploy</credentialsId>", 1)
	setKey := func(key string) {
		w.creds.add(&credentials.Credential{ID: "deploy", Kind: credentials.KindSSHKey, Description: "deploy key",
			Username: srv.user, PrivateKey: credentials.Secret(key)})
	}
	setHostKeys := func(strategy, approved string) {
		v := w.settings.Get()
		v.HostKeyVerification, v.ApprovedHostKeys = strategy, approved
		if err := w.settings.Set(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	keyLine := strings.Split(srv.key, "\n")[1]
	cases := []struct {
		name, strategy, approved string
		key                      string
		ok                       bool
		want                     []string
	}{
		{"manually provided host keys verify the server, and the key checks out", "ManuallyProvidedKeyVerificationStrategy",
			srv.knownHostsLine(), srv.key, true,
			[]string{"using credential deploy\n", "using GIT_SSH to set credentials deploy key\n",
				"Verifying host key using manually-configured host key entries\n", "Checking out Revision " + sha, "\nover ssh\n"}},
		{"the known hosts file strategy refuses a host it does not know", "", "", srv.key, false,
			[]string{"Host key verification failed", "ERROR: Error cloning remote repo 'origin'\n"}},
		{"accepting the first connection checks out and remembers the key", "AcceptFirstConnectionStrategy", "", srv.key, true,
			[]string{"Verifying host key using known hosts file, will automatically accept unseen keys\n", "\nover ssh\n"}},
		{"a key the server does not accept fails", "NoHostKeyVerificationStrategy", "", srv.otherKey, false,
			[]string{"Permission denied", "ERROR: Error cloning remote repo 'origin'\n"}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			setKey(c.key)
			setHostKeys(c.strategy, c.approved)
			j := w.job("ssh"+strconv.Itoa(i), xml)
			b, log := w.build(j)
			if (b.Result == model.Success) != c.ok {
				t.Fatalf("%s:\n%s", b.Result, log)
			}
			mustContain(t, "console", log, c.want...)
			if strings.Contains(log, keyLine) {
				t.Errorf("the key is in the console:\n%s", log)
			}
			if entries, _ := os.ReadDir(filepath.Join(w.workspace(j) + "@tmp")); len(entries) != 0 {
				t.Errorf("the credential's files were left in @tmp: %v", entries)
			}
		})
	}
	t.Run("the accepted host key was remembered in the node's git cache", func(t *testing.T) {
		kh, _ := os.ReadFile(filepath.Join(w.home, "caches", "git", "known_hosts"))
		if !strings.Contains(string(kh), strings.Fields(srv.hostPub)[1]) {
			t.Errorf("known_hosts: %q", kh)
		}
	})
	t.Run("polling over SSH uses the credential and the host keys", func(t *testing.T) {
		setKey(srv.key)
		setHostKeys("ManuallyProvidedKeyVerificationStrategy", srv.knownHostsLine())
		j := w.job("ssh-poll", xml)
		if b, log := w.build(j); b.Result != model.Success {
			t.Fatalf("%s\n%s", b.Result, log)
		}
		res := w.plugin.Poll(ctx, j)
		log := w.read(PollingLogKey(j.ID))
		if res[0].Changes || res[0].Err != nil {
			t.Fatalf("%+v\n%s", res, log)
		}
		mustContain(t, "polling log", log, "using credential deploy\n", "using GIT_SSH to set credentials deploy key\n",
			"is: "+sha+" - already built by 1\n")
		if strings.Contains(log, keyLine) {
			t.Errorf("the key is in the polling log:\n%s", log)
		}
	})
	t.Run("a credential that cannot be found is the plugin's warning, and the checkout fails", func(t *testing.T) {
		setHostKeys("NoHostKeyVerificationStrategy", "")
		j := w.job("ssh-nocred", strings.Replace(xml, "<credentialsId>deploy</credentialsId>", "<credentialsId>nope</credentialsId>", 1))
		b, log := w.build(j)
		if b.Result != model.Failure {
			t.Fatalf("%s\n%s", b.Result, log)
		}
		mustContain(t, "console", log, `Warning: CredentialId "nope" could not be found.`+"\n", "ERROR: Error cloning remote repo 'origin'\n")
	})
}
