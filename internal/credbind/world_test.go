package credbind

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/pem"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/jeeves-ci/jeeves/internal/audit"
	"github.com/jeeves-ci/jeeves/internal/blob"
	"github.com/jeeves-ci/jeeves/internal/credentials/binding"
	"github.com/jeeves-ci/jeeves/internal/credstore"
	"github.com/jeeves-ci/jeeves/internal/executor"
	"github.com/jeeves-ci/jeeves/internal/jobs"
	"github.com/jeeves-ci/jeeves/internal/launcher/local"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/store/sqlite"
	"github.com/jeeves-ci/jeeves/internal/workspace"
)

// world is what runs builds as jeeves does, on a home: the SQLite store,
// the jobs service, the executor on the local launcher with the
// credentials contributor registered, the credentials service auditing
// to the home's audit log, and jeeves's own log in HOME/jeeves.log.
type world struct {
	home     string
	st       *sqlite.Store
	js       *jobs.Service
	ex       *executor.Executor
	node     *executor.Node
	logs     blob.Store
	svc      *credstore.Service
	audit    *audit.Log
	finished chan model.Build

	mu     sync.Mutex
	events []credstore.Event
}

// open puts a world together on home (a new one when home is "").
func open(t testing.TB, home string) *world {
	t.Helper()
	ctx := context.Background()
	if home == "" {
		home = t.TempDir()
	}
	w := &world{home: home, logs: blob.NewDir(home), finished: make(chan model.Build, 16)}
	st, err := sqlite.Open(home)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	w.st = st
	if w.js, err = jobs.New(ctx, st, w.logs); err != nil {
		t.Fatal(err)
	}
	if w.audit, err = audit.Open(filepath.Join(home, "audit"), audit.DefaultPolicy); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.audit.Close() })
	logFile, err := os.OpenFile(filepath.Join(home, "jeeves.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logFile.Close() })
	logger := slog.New(slog.NewTextHandler(logFile, &slog.HandlerOptions{Level: slog.LevelDebug}))
	toLog := credstore.AuditTo(w.audit, func(err error) { t.Error(err) })
	if w.svc, err = credstore.Open(home, st, func(ev credstore.Event) {
		w.mu.Lock()
		w.events = append(w.events, ev)
		w.mu.Unlock()
		toLog(ev)
	}); err != nil {
		t.Fatal(err)
	}
	w.ex = executor.New(executor.Config{Home: home, Logger: logger, Env: []string{"PATH=" + os.Getenv("PATH")}, KillGrace: time.Second}, st, w.logs, w.js)
	w.ex.OnFinished(func(b model.Build) { w.finished <- b })
	w.ex.Register(New(w.svc, logger))
	l := local.New()
	w.node = &executor.Node{Name: "built-in", Labels: []string{"built-in"}, Launcher: l, Workspaces: workspace.New(l, home, logger)}
	t.Cleanup(func() { w.ex.Shutdown(0) })
	return w
}

// create stores credentials from their XML.
func (w *world) create(t testing.TB, xmls ...string) {
	t.Helper()
	for _, x := range xmls {
		if _, err := w.svc.CreateXML(context.Background(), credstore.Actor{User: "admin", Auth: "session"}, []byte(x)); err != nil {
			t.Fatal(err)
		}
	}
}

// bindings is a SecretBuildWrapper element with the given bindings,
// each "Class field=value field=value…".
func bindings(items ...string) string {
	var b strings.Builder
	b.WriteString("<buildWrappers><" + binding.WrapperClass + ` plugin="credentials-binding@687.v619cb_15e923f"><bindings>`)
	for _, it := range items {
		f := strings.Fields(it)
		class := "org.jenkinsci.plugins.credentialsbinding.impl." + f[0]
		b.WriteString("<" + class + ">")
		for _, kv := range f[1:] {
			k, v, _ := strings.Cut(kv, "=")
			b.WriteString("<" + k + ">" + v + "</" + k + ">")
		}
		b.WriteString("</" + class + ">")
	}
	b.WriteString("</bindings></" + binding.WrapperClass + "></buildWrappers>")
	return b.String()
}

// job creates a freestyle job with a wrapper (or "") and one shell step.
func (w *world) job(t testing.TB, name, wrapper, command string) *model.Job {
	t.Helper()
	xml := `<?xml version='1.1' encoding='UTF-8'?><project>` + wrapper + `<builders><hudson.tasks.Shell><command>` +
		strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(command) +
		`</command></hudson.tasks.Shell></builders></project>`
	j, err := w.js.Create(context.Background(), "", name, []byte(xml), &model.Authority{User: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func (w *world) start(t testing.TB, j *model.Job) *executor.Run {
	t.Helper()
	r, err := w.ex.Start(&model.QueueItem{JobID: j.ID, Auth: &model.Authority{User: "alice"},
		Causes: []model.Cause{{Kind: model.CauseUser, UserID: "alice", UserName: "Alice"}}}, j, w.node, 0, func() {})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (w *world) await(t testing.TB) model.Build {
	t.Helper()
	select {
	case b := <-w.finished:
		return b
	case <-time.After(60 * time.Second):
		t.Fatal("no build finished")
		return model.Build{}
	}
}

func (w *world) console(t testing.TB, b model.Build) string {
	t.Helper()
	r, err := w.logs.Open(blob.LogKey(b.JobID, b.Number))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	s, _ := io.ReadAll(r)
	return string(s)
}

// secretDirs lists what is in a job's WORKSPACE@tmp/secretFiles.
func (w *world) secretDirs(t testing.TB, job string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(w.home, "workspace", job+"@tmp", SecretFilesDir))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// secretDirLeft fails t if a job's WORKSPACE@tmp/secretFiles exists:
// the teardown removes it with the files.
func (w *world) secretDirLeft(t testing.TB, job string) {
	t.Helper()
	dir := filepath.Join(w.home, "workspace", job+"@tmp", SecretFilesDir)
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s is still there (%v)", dir, err)
	}
}

// waitFor polls cond until it holds, failing t after a bound.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	wait := time.Millisecond
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); wait = min(2*wait, 100*time.Millisecond) {
		if cond() {
			return
		}
		time.Sleep(wait)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// The secrets the tests store, one of each type.
type secrets struct {
	password, token, passphrase, key string
	file                             []byte
}

func newSecrets(t testing.TB) secrets {
	t.Helper()
	s := secrets{
		password:   "pa55-w0rd-deploy",
		token:      "ghp_t0ken-0123456789abcdef",
		passphrase: "key pass phrase 42",
		file:       []byte("//registry.npmjs.org/:_authToken=npm-s3cret-4242\n"),
	}
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	b, err := ssh.MarshalPrivateKeyWithPassphrase(priv, "test", []byte(s.passphrase))
	if err != nil {
		t.Fatal(err)
	}
	s.key = string(pem.EncodeToMemory(b))
	return s
}

// xmls are the credentials' createCredentials bodies: deploy
// (username/password), gh-token (text), npmrc (file), github-ssh (key),
// and sys-token (text, SYSTEM).
func (s secrets) xmls() []string {
	esc := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace
	return []string{
		`<com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl><scope>GLOBAL</scope><id>deploy</id>
<username>deployer</username><password>` + esc(s.password) + `</password><usernameSecret>false</usernameSecret></com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>`,
		`<org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl><scope>GLOBAL</scope><id>gh-token</id><secret>` + esc(s.token) + `</secret></org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl>`,
		`<org.jenkinsci.plugins.plaincredentials.impl.FileCredentialsImpl><scope>GLOBAL</scope><id>npmrc</id><fileName>.npmrc</fileName><secretBytes>` +
			base64.StdEncoding.EncodeToString(s.file) + `</secretBytes></org.jenkinsci.plugins.plaincredentials.impl.FileCredentialsImpl>`,
		`<com.cloudbees.jenkins.plugins.sshcredentials.impl.BasicSSHUserPrivateKey><scope>GLOBAL</scope><id>github-ssh</id><username>git</username>
<usernameSecret>false</usernameSecret><passphrase>` + esc(s.passphrase) + `</passphrase>
<privateKeySource class="com.cloudbees.jenkins.plugins.sshcredentials.impl.BasicSSHUserPrivateKey$DirectEntryPrivateKeySource"><privateKey>` + esc(s.key) + `</privateKey></privateKeySource>
</com.cloudbees.jenkins.plugins.sshcredentials.impl.BasicSSHUserPrivateKey>`,
		`<org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl><scope>SYSTEM</scope><id>sys-token</id><secret>syst3m-t0ken-99</secret></org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl>`,
	}
}

// needles are what must never appear in the home: every secret, its
// base64 forms, and each line of the private key's body.
func (s secrets) needles() []string {
	values := []string{s.password, s.token, s.passphrase, string(s.file), strings.TrimSpace(string(s.file)), s.key, "syst3m-t0ken-99"}
	var out []string
	for _, v := range values {
		out = append(out, v, base64.StdEncoding.EncodeToString([]byte(v)), base64.RawURLEncoding.EncodeToString([]byte(v)))
	}
	for _, line := range strings.Split(s.key, "\n") {
		if len(line) >= 16 && !strings.HasPrefix(line, "-----") {
			out = append(out, line)
		}
	}
	return out
}
