package gitscm

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/blob"
	"github.com/jeeves-ci/jeeves/internal/credentials"
	"github.com/jeeves-ci/jeeves/internal/executor"
	"github.com/jeeves-ci/jeeves/internal/farm"
	"github.com/jeeves-ci/jeeves/internal/jobs"
	"github.com/jeeves-ci/jeeves/internal/launcher"
	"github.com/jeeves-ci/jeeves/internal/launcher/local"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/store"
	"github.com/jeeves-ci/jeeves/internal/store/sqlite"
)

// needTool skips (or, under CI, fails) a test when a program is missing.
func needTool(t testing.TB, prog, install string) {
	t.Helper()
	if _, err := exec.LookPath(prog); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is required: %s", prog, install)
		}
		t.Skipf("%s is not installed: %s", prog, install)
	}
}

// testEnv is the environment of git in the tests and of the builds: an
// empty home, no system configuration, fixed identities.
func testEnv(home string) []string {
	return []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=Ada Author", "GIT_AUTHOR_EMAIL=ada@example.com",
		"GIT_COMMITTER_NAME=Carl Committer", "GIT_COMMITTER_EMAIL=carl@example.com",
		"LANG=C", "LC_ALL=C",
	}
}

// repo is a repository the tests commit to.
type repo struct {
	t    testing.TB
	dir  string
	env  []string
	tick int
}

func newRepo(t testing.TB, dir string) *repo {
	t.Helper()
	needTool(t, "git", "apt-get install git")
	r := &repo{t: t, dir: dir, env: testEnv(t.TempDir())}
	r.git("init", "-q", "-b", "main", dir)
	return r
}

func (r *repo) git(args ...string) string {
	r.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = r.dir
	if args[0] == "init" {
		cmd.Dir = ""
	}
	date := fmt.Sprintf("@%d +0200", 1700000000+r.tick*60)
	cmd.Env = append(append([]string{}, r.env...), "GIT_AUTHOR_DATE="+date, "GIT_COMMITTER_DATE="+date)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		r.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, errb.String())
	}
	return strings.TrimSpace(out.String())
}

// commit writes files (name → content) and commits them.
func (r *repo) commit(msg string, files map[string]string) string {
	r.t.Helper()
	r.tick++
	for name, content := range files {
		p := filepath.Join(r.dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			r.t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			r.t.Fatal(err)
		}
		r.git("add", name)
	}
	r.git("commit", "-q", "--allow-empty", "-m", msg)
	return r.git("rev-parse", "HEAD")
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// waitPort waits (bounded) until something accepts connections on port.
func waitPort(t testing.TB, port int, proc *exec.Cmd, stderr *syncBuffer) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for wait := time.Millisecond; ; wait *= 2 {
		c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err == nil {
			c.Close()
			return
		}
		if proc.ProcessState != nil || time.Now().After(deadline) {
			t.Fatalf("%s did not listen on %d: %s", proc.Path, port, stderr.String())
		}
		time.Sleep(min(wait, 100*time.Millisecond))
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// daemon serves every repository under base as git://127.0.0.1:port/<path>.
func daemon(t testing.TB, base string) string {
	t.Helper()
	needTool(t, "git", "apt-get install git")
	port := freePort(t)
	cmd := exec.Command("git", "daemon", "--reuseaddr", "--export-all", "--base-path="+base,
		"--listen=127.0.0.1", "--port="+strconv.Itoa(port), "--informative-errors", base)
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	cmd.Env = testEnv(t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go cmd.Wait()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	waitPort(t, port, cmd, stderr)
	return "git://127.0.0.1:" + strconv.Itoa(port)
}

// served is a repository served by git daemon.
type served struct {
	*repo
	url  string // git://127.0.0.1:port/<name>
	base string // what the daemon serves
}

// serve makes a repository at base/name, served by a new daemon.
func serve(t testing.TB, name string) *served {
	t.Helper()
	base := t.TempDir()
	r := newRepo(t, filepath.Join(base, name))
	return &served{repo: r, url: daemon(t, base) + "/" + name, base: base}
}

// countingLauncher is the local launcher, counting the git ls-remote
// commands it starts.
type countingLauncher struct {
	launcher.Launcher
	lsRemotes atomic.Int32
}

func (c *countingLauncher) Start(ctx context.Context, p launcher.Proc) (launcher.Process, error) {
	for _, a := range p.Argv {
		if a == "ls-remote" {
			c.lsRemotes.Add(1)
		}
	}
	return c.Launcher.Start(ctx, p)
}

// fakeCreds is a credentials service holding fixed credentials.
type fakeCreds struct {
	mu sync.Mutex
	m  map[string]*credentials.Credential
}

func (f *fakeCreds) Resolve(_ context.Context, id string, _ *model.Job) (*credentials.Credential, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.m[id]; ok {
		return c, nil
	}
	return nil, fmt.Errorf("credential %q: %w", id, store.ErrNotFound)
}

func (f *fakeCreds) add(c *credentials.Credential) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.m[c.ID] = c
}

// world is jeeves's build farm on the real store with the git plugin as
// its contributor: builds are real processes, checkouts real git.
type world struct {
	t        testing.TB
	home     string
	st       *sqlite.Store
	js       *jobs.Service
	blobs    blob.Store
	farm     *farm.Farm
	plugin   *Plugin
	settings *Settings
	creds    *fakeCreds
	l        *countingLauncher
	env      []string
	finished chan model.Build
	timing   *timing // the checkout phases' times, in a benchWorld
}

func newWorld(t *testing.T, mods ...func(*Config)) *world {
	t.Helper()
	return makeWorld(t, false, mods...)
}

// benchWorld is a world whose checkouts are timed.
func benchWorld(b *testing.B) *world {
	b.Helper()
	return makeWorld(b, true)
}

func makeWorld(t testing.TB, timed bool, mods ...func(*Config)) *world {
	t.Helper()
	needTool(t, "git", "apt-get install git")
	ctx := context.Background()
	home := t.TempDir()
	st, err := sqlite.Open(home)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	js, err := jobs.New(ctx, st, blob.NewDir(home))
	if err != nil {
		t.Fatal(err)
	}
	settings, err := LoadSettings(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, home: home, st: st, js: js, blobs: blob.NewDir(home), settings: settings,
		creds: &fakeCreds{m: map[string]*credentials.Credential{}}, l: &countingLauncher{Launcher: local.New()},
		env: testEnv(t.TempDir()), finished: make(chan model.Build, 64)}
	cfg := Config{Jobs: js, Builds: st, Blobs: w.blobs, Credentials: w.creds, Settings: settings,
		Launcher: w.l, Home: home, Env: w.env}
	for _, m := range mods {
		m(&cfg)
	}
	w.plugin = New(cfg)
	var contrib executor.Contributor = w.plugin
	if timed {
		w.timing = &timing{p: w.plugin}
		contrib = w.timing
	}
	w.farm, err = farm.New(ctx, farm.Config{Executors: 4, Home: home, Env: w.env, Logs: w.blobs, Launcher: w.l,
		OnFinish: func(b model.Build) { w.finished <- b }, Contributors: []executor.Contributor{contrib}}, st, js)
	if err != nil {
		t.Fatal(err)
	}
	w.plugin.SetQueue(w.farm)
	t.Cleanup(func() {
		w.plugin.Close()
		w.farm.Shutdown(0)
	})
	return w
}

// gitJobXML is a freestyle job checking url out with the branch spec,
// extensions and triggers given, and one shell step.
func gitJobXML(url, branch, extensions, triggers, command string) string {
	esc := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	return `<?xml version='1.1' encoding='UTF-8'?>
<project>
  <scm class="hudson.plugins.git.GitSCM" plugin="git@5.7.0">
    <configVersion>2</configVersion>
    <userRemoteConfigs><hudson.plugins.git.UserRemoteConfig><url>` + esc.Replace(url) + `</url></hudson.plugins.git.UserRemoteConfig></userRemoteConfigs>
    <branches><hudson.plugins.git.BranchSpec><name>` + branch + `</name></hudson.plugins.git.BranchSpec></branches>
    <doGenerateSubmoduleConfigurations>false</doGenerateSubmoduleConfigurations>
    <submoduleCfg class="empty-list"/>
    <extensions>` + extensions + `</extensions>
  </scm>
  <triggers>` + triggers + `</triggers>
  <builders><hudson.tasks.Shell><command>` + esc.Replace(command) + `</command></hudson.tasks.Shell></builders>
</project>`
}

// scmTrigger is an SCM trigger with the schedule spec.
func scmTrigger(spec string, ignoreHooks bool) string {
	return `<hudson.triggers.SCMTrigger><spec>` + spec + `</spec><ignorePostCommitHooks>` + strconv.FormatBool(ignoreHooks) +
		`</ignorePostCommitHooks></hudson.triggers.SCMTrigger>`
}

func (w *world) job(name, xml string) *model.Job {
	w.t.Helper()
	j, err := w.js.Create(context.Background(), "", name, []byte(xml), &model.Authority{User: "admin"})
	if err != nil {
		w.t.Fatal(err)
	}
	return j
}

// build schedules a build of j by a user and waits for it.
func (w *world) build(j *model.Job) (model.Build, string) {
	w.t.Helper()
	zero := time.Duration(0)
	if _, _, err := w.farm.Schedule(context.Background(), j, model.Cause{Kind: model.CauseUser, UserID: "admin", UserName: "admin"},
		&model.Authority{User: "admin"}, nil, &zero); err != nil {
		w.t.Fatal(err)
	}
	b := w.await()
	return b, w.log(b)
}

// await waits for the next build to finish.
func (w *world) await() model.Build {
	w.t.Helper()
	select {
	case b := <-w.finished:
		return b
	case <-time.After(60 * time.Second):
		w.t.Fatal("no build finished")
		return model.Build{}
	}
}

// noBuild checks that no build finishes while the farm is idle.
func (w *world) noBuild() {
	w.t.Helper()
	if items := w.farm.Items(); len(items) != 0 {
		w.t.Fatalf("items waiting: %+v", items)
	}
	select {
	case b := <-w.finished:
		w.t.Fatalf("an unexpected build finished: %+v", b)
	default:
	}
}

func (w *world) log(b model.Build) string {
	w.t.Helper()
	return w.read(blob.LogKey(b.JobID, b.Number))
}

func (w *world) read(key string) string {
	w.t.Helper()
	r, err := w.blobs.Open(key)
	if err != nil {
		w.t.Fatalf("%s: %v", key, err)
	}
	defer r.Close()
	s, _ := io.ReadAll(r)
	return string(s)
}

// workspace is the job's workspace on the built-in node.
func (w *world) workspace(j *model.Job) string { return filepath.Join(w.home, "workspace", j.Name) }

// mustContain fails unless text holds every one of want.
func mustContain(t *testing.T, what, text string, want ...string) {
	t.Helper()
	for _, s := range want {
		if !strings.Contains(text, s) {
			t.Errorf("%s lacks %q:\n%s", what, s, text)
		}
	}
}
