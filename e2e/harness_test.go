// Package e2e drives the real jeeves binary over real HTTP: it builds
// cmd/jeeves with CGO_ENABLED=0, starts it on loopback with a fresh home,
// and talks to it with curl and net/http as users' scripts do.
package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

var binary string // the jeeves binary under test

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "jeeves-e2e-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "jeeves")
	build := exec.Command("go", "build", "-o", binary, "../cmd/jeeves")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building jeeves:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

const adminPassword = "admin-secret-pw"

// jeeves is one running server.
type jeeves struct {
	t      *testing.T
	home   string
	url    string // root URL, ending in "/"
	cmd    *exec.Cmd
	logBuf *lockedBuffer
	exited chan struct{}
	tok    string // admin's API token, once made
}

type lockedBuffer struct {
	mu  chan struct{}
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu <- struct{}{}
	defer func() { <-b.mu }()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu <- struct{}{}
	defer func() { <-b.mu }()
	return b.buf.String()
}

// start runs jeeves on a free loopback port with a new home (or the
// given one) and waits until it answers.
func start(t *testing.T, home string, env []string, args ...string) *jeeves {
	t.Helper()
	if home == "" {
		home = filepath.Join(t.TempDir(), "home")
	}
	j := &jeeves{t: t, home: home, logBuf: &lockedBuffer{mu: make(chan struct{}, 1)}, exited: make(chan struct{})}
	argv := append([]string{"serve", "--home", home, "--listen", "127.0.0.1:0", "--quiet-period", "0"}, args...)
	j.cmd = exec.Command(binary, argv...)
	j.cmd.Env = append(append(os.Environ(), "JEEVES_ADMIN_PASSWORD="+adminPassword), env...)
	stderr, err := j.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := j.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan string, 1)
	go func() {
		defer close(j.exited)
		sc := bufio.NewScanner(stderr)
		addr := regexp.MustCompile(`jeeves is ready.*listen=(\S+)`)
		for sc.Scan() {
			line := sc.Text()
			j.logBuf.Write([]byte(line + "\n"))
			if m := addr.FindStringSubmatch(line); m != nil {
				ready <- m[1]
			}
		}
		j.cmd.Wait()
	}()
	select {
	case addr := <-ready:
		j.url = "http://" + addr + "/"
	case <-j.exited:
		t.Fatalf("jeeves exited before it was ready:\n%s", j.logBuf.String())
	case <-time.After(30 * time.Second):
		j.cmd.Process.Kill()
		t.Fatalf("jeeves did not get ready:\n%s", j.logBuf.String())
	}
	t.Cleanup(func() { j.stop() })
	return j
}

// stop sends SIGTERM and waits for a clean exit.
func (j *jeeves) stop() {
	select {
	case <-j.exited:
		return
	default:
	}
	j.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-j.exited:
	case <-time.After(30 * time.Second):
		j.cmd.Process.Kill()
		<-j.exited
		j.t.Errorf("jeeves did not stop on SIGTERM")
	}
}

// host is HOST:PORT, for the seeds' {JENKINS-IP}:{JENKINS-PORT}.
func (j *jeeves) host() string { return strings.TrimSuffix(strings.TrimPrefix(j.url, "http://"), "/") }

// curl runs the real curl with args and returns its stdout; -s is added
// so progress meters stay out of the output.
func curl(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command(need(t, "curl", "curl", "apt-get install curl"), append([]string{"-s"}, args...)...).Output()
	if err != nil {
		t.Fatalf("curl %s: %v", strings.Join(args, " "), err)
	}
	return string(out)
}

// req is one HTTP request for do.
type req struct {
	method, path string
	user, secret string // Basic auth when user != ""
	header       map[string]string
	body         string
	cookies      []*http.Cookie
}

type resp struct {
	status int
	header http.Header
	body   string
}

var client = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Timeout:       60 * time.Second,
}

func (j *jeeves) do(t *testing.T, r req) resp {
	t.Helper()
	if r.method == "" {
		r.method = http.MethodGet
	}
	hr, err := http.NewRequest(r.method, j.url+strings.TrimPrefix(r.path, "/"), strings.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	if r.user != "" {
		hr.SetBasicAuth(r.user, r.secret)
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	for _, c := range r.cookies {
		hr.AddCookie(c)
	}
	res, err := client.Do(hr)
	if err != nil {
		t.Fatalf("%s %s: %v", r.method, r.path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp{status: res.StatusCode, header: res.Header, body: string(b)}
}

// must does the request and fails the test unless the status is want.
func (j *jeeves) must(t *testing.T, want int, r req) resp {
	t.Helper()
	got := j.do(t, r)
	if got.status != want {
		t.Fatalf("%s %s: status %d, want %d\n%s", r.method, r.path, got.status, want, got.body)
	}
	return got
}

// json GETs a path as admin and decodes it.
func (j *jeeves) json(t *testing.T, path string, v any) {
	t.Helper()
	r := j.must(t, 200, req{path: path, user: "admin", secret: adminPassword})
	if err := json.Unmarshal([]byte(r.body), v); err != nil {
		t.Fatalf("GET %s: %v\n%s", path, err, r.body)
	}
}

// crumb fetches a crumb with password Basic auth.
func (j *jeeves) crumb(t *testing.T, user, password string) string {
	t.Helper()
	var c struct{ Crumb, CrumbRequestField string }
	r := j.must(t, 200, req{path: "crumbIssuer/api/json", user: user, secret: password})
	if err := json.Unmarshal([]byte(r.body), &c); err != nil || c.Crumb == "" {
		t.Fatalf("crumb: %v %s", err, r.body)
	}
	return c.Crumb
}

// token generates an API token for user, authenticating with their
// password and a crumb, as a script would.
func (j *jeeves) token(t *testing.T, user, password, name string) string {
	t.Helper()
	header := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	if j.do(t, req{path: "crumbIssuer/api/json", user: user, secret: password}).status != 404 { // 404: --csrf=false
		header["Jenkins-Crumb"] = j.crumb(t, user, password)
	}
	r := j.must(t, 200, req{
		method: "POST", path: "me/descriptorByName/jenkins.security.ApiTokenProperty/generateNewToken",
		user: user, secret: password, header: header,
		body: "newTokenName=" + url.QueryEscape(name),
	})
	var g struct {
		Status string
		Data   struct{ TokenName, TokenUUID, TokenValue string }
	}
	if err := json.Unmarshal([]byte(r.body), &g); err != nil || g.Status != "ok" {
		t.Fatalf("generateNewToken: %v %s", err, r.body)
	}
	return g.Data.TokenValue
}

// createJob posts a config.xml as admin.
func (j *jeeves) createJob(t *testing.T, name, xml string) {
	t.Helper()
	j.must(t, 200, req{method: "POST", path: "createItem?name=" + url.QueryEscape(name), user: "admin", secret: j.adminToken(t),
		header: map[string]string{"Content-Type": "application/xml"}, body: xml})
}

// adminToken is an API token of admin's, made on first use.
func (j *jeeves) adminToken(t *testing.T) string {
	if j.tok == "" {
		j.tok = j.token(t, "admin", adminPassword, "tests")
	}
	return j.tok
}

// shellJob is a freestyle config.xml with one shell step.
func shellJob(command string) string {
	return `<?xml version='1.1' encoding='UTF-8'?>
<project>
  <description>made by a test</description>
  <builders>
    <hudson.tasks.Shell>
      <command>` + xmlEscape(command) + `</command>
    </hudson.tasks.Shell>
  </builders>
</project>`
}

func xmlEscape(s string) string {
	var b bytes.Buffer
	for _, r := range s {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

type build struct {
	Number   int64
	Result   *string
	Building bool
	URL      string
}

// waitBuild follows a queue item's Location the way python-jenkins
// does (poll the item until it has an executable, then the build until it
// is no longer building) and returns the finished build.
func (j *jeeves) waitBuild(t *testing.T, location string) build {
	t.Helper()
	itemPath := strings.TrimPrefix(location, j.url) + "api/json"
	var item struct {
		Executable *build
		Cancelled  bool
	}
	waitWithin(t, "queue item "+location+" to start", 60*time.Second, func() bool {
		j.json(t, itemPath, &item)
		return item.Executable != nil || item.Cancelled
	})
	if item.Cancelled {
		t.Fatalf("queue item %s was cancelled", location)
	}
	var b build
	waitWithin(t, "build "+item.Executable.URL+" to finish", 60*time.Second, func() bool {
		j.json(t, strings.TrimPrefix(item.Executable.URL, j.url)+"api/json", &b)
		return !b.Building
	})
	return b
}

// trigger POSTs /job/NAME/build with the admin token and returns Location.
func (j *jeeves) trigger(t *testing.T, name string) string {
	t.Helper()
	r := j.must(t, 201, req{method: "POST", path: "job/" + name + "/build", user: "admin", secret: j.adminToken(t)})
	return r.header.Get("Location")
}
