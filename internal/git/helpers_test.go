package git

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// needTool skips (or, under CI, fails) a test when a program is missing.
func needTool(t testing.TB, prog, install string) string {
	t.Helper()
	p, err := exec.LookPath(prog)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is required: %s", prog, install)
		}
		t.Skipf("%s is not installed: %s", prog, install)
	}
	return p
}

// testEnv is the environment of git in the tests: an empty home, no
// system configuration, fixed identities and dates so that commits have
// the same SHAs on every run.
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

// commit writes files (name → content; "" deletes) and commits them.
func (r *repo) commit(msg string, files map[string]string) string {
	r.t.Helper()
	r.tick++
	for name, content := range files {
		p := filepath.Join(r.dir, name)
		if content == "" {
			r.git("rm", "-q", name)
			continue
		}
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

// freePort finds a free loopback port.
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
		if wait > 100*time.Millisecond {
			wait = 100 * time.Millisecond
		}
		time.Sleep(wait)
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

// daemon serves every repository under base as git://127.0.0.1:port/<name>.
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

// fixture is a served repository and a place to check it out.
type fixture struct {
	t      testing.TB
	repo   *repo
	url    string
	ws     string
	tmp    string
	cache  string
	home   string
	served string // the directory git daemon serves
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	base := t.TempDir()
	f := &fixture{t: t, served: base}
	f.repo = newRepo(t, filepath.Join(base, "app.git"))
	f.url = daemon(t, base) + "/app.git"
	root := t.TempDir()
	f.ws = filepath.Join(root, "workspace", "job")
	f.tmp = filepath.Join(root, "workspace", "job@tmp")
	f.cache = filepath.Join(root, "caches", "git")
	f.home = t.TempDir()
	return f
}

// checkout runs a checkout of scmXML (with URL standing for the
// fixture's URL) and returns its result, its console and its error.
func (f *fixture) checkout(s *SCM, prev *BuildData, number int, mod func(*Checkout)) (*Result, string, error) {
	f.t.Helper()
	var log bytes.Buffer
	c := &Checkout{
		SCM: s, Runner: LocalRunner{}, Workspace: f.ws, TmpDir: f.tmp, CacheDir: f.cache,
		Env: testEnv(f.home), Previous: prev, BuildNumber: number, JobName: "job", Log: &log,
	}
	if mod != nil {
		mod(c)
	}
	res, err := c.Run(context.Background())
	return res, log.String(), err
}

// scmFor parses a GitSCM of url with the branch spec and extensions XML.
func scmFor(t testing.TB, url, branch, extensions string) *SCM {
	t.Helper()
	x := `<scm class="hudson.plugins.git.GitSCM" plugin="git@5.7.0"><configVersion>2</configVersion>
<userRemoteConfigs><hudson.plugins.git.UserRemoteConfig><url>` + url + `</url></hudson.plugins.git.UserRemoteConfig></userRemoteConfigs>
<branches><hudson.plugins.git.BranchSpec><name>` + branch + `</name></hudson.plugins.git.BranchSpec></branches>
<extensions>` + extensions + `</extensions></scm>`
	s, err := Parse([]byte(x))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var (
	shaRE     = regexp.MustCompile(`\b[0-9a-f]{40}\b`)
	portRE    = regexp.MustCompile(`127\.0\.0\.1:\d+`)
	versionLn = regexp.MustCompile(`'git version [^']*'`)
)

// normalize makes a console comparable: SHAs become <sha1>, <sha2>… in
// order of appearance, the port and paths fixed, the git version hidden.
func normalize(console string, paths map[string]string) string {
	for p, name := range paths {
		console = strings.ReplaceAll(console, p, name)
	}
	console = portRE.ReplaceAllString(console, "127.0.0.1:PORT")
	console = versionLn.ReplaceAllString(console, "'git version X'")
	seen := map[string]string{}
	return shaRE.ReplaceAllStringFunc(console, func(s string) string {
		if n, ok := seen[s]; ok {
			return n
		}
		seen[s] = "<sha" + strconv.Itoa(len(seen)+1) + ">"
		return seen[s]
	})
}
