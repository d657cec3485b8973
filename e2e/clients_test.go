package e2e

// The real Jenkins clients, driven against jeeves: python-jenkins 1.4.0
// and jenkins-job-builder 3.11.0 (Debian's python3-jenkins and
// jenkins-job-builder) and node-jenkins (npm jenkins 1.1.0, installed by
// `npm ci` in testdata/clients/node). .ci/run installs all three; a missing
// client fails its test rather than skipping it. gojenkins, the Go client,
// is driven from gojenkins_test.go through the same recording proxy.
//
// Each client talks to jeeves through a small recording proxy. The client
// scripts name each call before making it (GET /__step__?name=…), so a
// failed step is reported with the exact HTTP exchanges it made. The proxy
// keeps the Host header, so jeeves's absolute URLs name the proxy, as they
// would name the host a client used to reach Jenkins.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// exchange is one request through the recording proxy and its answer.
type exchange struct {
	step       string
	method     string
	uri        string
	reqHeader  http.Header
	reqBody    []byte
	status     int
	respHeader http.Header
	respBody   []byte
	err        error
}

// recorder is a logging reverse proxy in front of one jeeves.
type recorder struct {
	url      string // the proxy's root URL, ending in "/"
	target   string // jeeves's root URL
	mu       sync.Mutex
	step     string
	log      []exchange
	srv      *httptest.Server
	upstream *http.Transport
}

func recordProxy(t *testing.T, j *jeeves) *recorder {
	t.Helper()
	r := &recorder{target: j.url, upstream: &http.Transport{}}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	r.url = r.srv.URL + "/"
	t.Cleanup(func() {
		r.srv.Close()
		r.upstream.CloseIdleConnections()
	})
	return r
}

// setStep names the step whose exchanges follow.
func (r *recorder) setStep(name string) {
	r.mu.Lock()
	r.step = name
	r.mu.Unlock()
}

func (r *recorder) serve(w http.ResponseWriter, in *http.Request) {
	if in.URL.Path == "/__step__" {
		r.setStep(in.URL.Query().Get("name"))
		io.WriteString(w, "ok\n")
		return
	}
	body, _ := io.ReadAll(in.Body)
	r.mu.Lock()
	x := exchange{step: r.step, method: in.Method, uri: in.RequestURI, reqHeader: in.Header.Clone(), reqBody: body}
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.log = append(r.log, x)
		r.mu.Unlock()
	}()
	out, err := http.NewRequest(in.Method, strings.TrimSuffix(r.target, "/")+in.RequestURI, bytes.NewReader(body))
	if err != nil {
		x.err = err
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	out.Header = in.Header.Clone()
	out.Header.Del("Connection")
	out.Host = in.Host // jeeves builds absolute URLs from the Host the client used
	res, err := r.upstream.RoundTrip(out)
	if err != nil {
		x.err = err
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer res.Body.Close()
	x.status, x.respHeader = res.StatusCode, res.Header.Clone()
	x.respBody, x.err = io.ReadAll(res.Body)
	for k, v := range res.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(res.StatusCode)
	w.Write(x.respBody)
}

// exchanges returns what the proxy saw during the named step.
func (r *recorder) exchanges(step string) []exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	var xs []exchange
	for _, x := range r.log {
		if x.step == step {
			xs = append(xs, x)
		}
	}
	return xs
}

// all returns every exchange so far.
func (r *recorder) all() []exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]exchange(nil), r.log...)
}

// formatExchanges describes exchanges for a failure message: the request line, the
// headers that matter to Jenkins clients, and excerpts of both bodies.
func formatExchanges(xs []exchange) string {
	if len(xs) == 0 {
		return "    (no HTTP request was made)\n"
	}
	var b strings.Builder
	for _, x := range xs {
		fmt.Fprintf(&b, "    > %s %s", x.method, x.uri)
		b.WriteString(headerSummary(x.reqHeader, "Authorization", "Content-Type", "Jenkins-Crumb", "Cookie", "Accept"))
		if len(x.reqBody) > 0 {
			fmt.Fprintf(&b, "\n      body: %s", bodyExcerpt(x.reqBody, 200))
		}
		if x.status == 0 {
			fmt.Fprintf(&b, "\n    < (no answer: %v)\n", x.err)
			continue
		}
		fmt.Fprintf(&b, "\n    < %d %s", x.status, http.StatusText(x.status))
		b.WriteString(headerSummary(x.respHeader, "Location", "Content-Type", "Content-Length", "X-Error", "X-Text-Size", "X-More-Data", "X-Jenkins", "Set-Cookie"))
		if len(x.respBody) > 0 {
			fmt.Fprintf(&b, "\n      body: %s", bodyExcerpt(x.respBody, 300))
		}
		b.WriteString("\n")
	}
	return b.String()
}

func headerSummary(h http.Header, names ...string) string {
	var parts []string
	for _, n := range names {
		v := h.Get(n)
		if v == "" {
			continue
		}
		if n == "Authorization" { // say which scheme and user, not the secret
			if user, _, ok := (&http.Request{Header: http.Header{"Authorization": {v}}}).BasicAuth(); ok {
				v = "Basic " + user + ":…"
			}
		}
		parts = append(parts, n+": "+v)
	}
	if len(parts) == 0 {
		return ""
	}
	return " [" + strings.Join(parts, "; ") + "]"
}

func bodyExcerpt(b []byte, n int) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > n {
		s = s[:n] + "…"
	}
	return fmt.Sprintf("%q", s)
}

// stepResult is one "STEP {…}" line of a client script.
type stepResult struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// runSteps runs a client script that prints STEP lines and DONE, and
// reports each step as a subtest named after the client call, with the
// HTTP exchanges of a failed step.
func runSteps(t *testing.T, rec *recorder, j *jeeves, cmd *exec.Cmd) {
	t.Helper()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", cmd.Path, err)
	}
	var steps []stepResult
	var other []string
	done := false
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "STEP "):
			var s stepResult
			if err := json.Unmarshal([]byte(line[5:]), &s); err != nil {
				t.Errorf("bad STEP line %q: %v", line, err)
				continue
			}
			steps = append(steps, s)
		case line == "DONE":
			done = true
		default:
			other = append(other, line)
		}
	}
	waitErr := cmd.Wait()
	failed := 0
	for _, s := range steps {
		s := s
		t.Run(s.Name, func(t *testing.T) {
			if !s.OK {
				t.Errorf("%s\n  HTTP exchanges of this step:\n%s", s.Detail, formatExchanges(rec.exchanges(s.Name)))
			}
		})
		if !s.OK {
			failed++
		}
	}
	if waitErr != nil || !done {
		t.Errorf("%s did not finish (%v, DONE seen: %v)\nstdout:\n%s\nstderr:\n%s",
			filepath.Base(cmd.Args[1]), waitErr, done, strings.Join(other, "\n"), stderr.String())
	}
	t.Logf("%d of %d steps failed", failed, len(steps))
	traceAll(t, rec)
	if t.Failed() && testing.Verbose() {
		t.Logf("jeeves's log:\n%s", j.logBuf.String())
	}
}

// traceAll logs every exchange, step by step, when CLIENTS_TRACE is set
// (go test ./e2e -run TestNodeJenkins -v with CLIENTS_TRACE=1).
func traceAll(t *testing.T, rec *recorder) {
	if os.Getenv("CLIENTS_TRACE") == "" {
		return
	}
	var b strings.Builder
	last := "\x00"
	for _, x := range rec.all() {
		if x.step != last {
			fmt.Fprintf(&b, "  [%s]\n", x.step)
			last = x.step
		}
		b.WriteString(formatExchanges([]exchange{x}))
	}
	t.Logf("every HTTP exchange:\n%s", b.String())
}

// scriptContext bounds one client run well inside the test's time budget.
func scriptContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestPythonJenkinsWorkflow runs python-jenkins through every plugin-free
// call (testdata/clients/python_jenkins_workflow.py), once with admin's
// password, where python-jenkins fetches a crumb itself, and once with an
// API token. (TestPythonJenkins in pyjenkins_test.go is an older, smaller
// workflow without per-call reporting.)
func TestPythonJenkinsWorkflow(t *testing.T) {
	t.Parallel() // slow: a real client; runs beside the timer test
	python := needPythonJenkins(t)
	for _, auth := range []string{"password", "token"} {
		t.Run(auth, func(t *testing.T) {
			j := start(t, "", nil)
			secret := adminPassword
			if auth == "token" {
				secret = j.adminToken(t)
			}
			rec := recordProxy(t, j)
			cmd := exec.CommandContext(scriptContext(t), python, "testdata/clients/python_jenkins_workflow.py",
				strings.TrimSuffix(rec.url, "/"), "admin", secret, auth)
			cmd.Env = append(os.Environ(), "NO_PROXY=*", "no_proxy=*")
			runSteps(t, rec, j, cmd)
		})
	}
}

// nodeJenkinsDir holds package.json and package-lock.json for npm ci.
const nodeJenkinsDir = "testdata/clients/node"

// TestNodeJenkins runs node-jenkins 1.1.0 (testdata/clients/node/
// workflow.js) once with admin's password and crumbIssuer: true (a fresh
// crumb before every POST), and once with an API token and crumbIssuer:
// false.
func TestNodeJenkins(t *testing.T) {
	t.Parallel() // slow: a real client; runs beside the timer test
	node := needNodeJenkins(t)
	for _, mode := range []struct{ name, crumbs string }{{"password, crumbIssuer true", "true"}, {"token, crumbIssuer false", "false"}} {
		t.Run(mode.name, func(t *testing.T) {
			j := start(t, "", nil)
			secret := adminPassword
			if mode.crumbs == "false" {
				secret = j.adminToken(t)
			}
			rec := recordProxy(t, j)
			cmd := exec.CommandContext(scriptContext(t), node, "workflow.js", strings.TrimSuffix(rec.url, "/"), "admin", secret, mode.crumbs)
			cmd.Dir = nodeJenkinsDir
			cmd.Env = append(os.Environ(), "NO_PROXY=*", "no_proxy=*")
			runSteps(t, rec, j, cmd)
		})
	}
}

// jjb is Debian's jenkins-job-builder.
const jjb = "/usr/bin/jenkins-jobs"

// TestJenkinsJobBuilder runs `jenkins-jobs update` three times against
// jeeves (create; change; --delete-old with a job gone from the YAML) and
// checks that jeeves serves back byte for byte the config.xml that
// `jenkins-jobs test` generates, and that it runs the jobs as configured.
func TestJenkinsJobBuilder(t *testing.T) {
	t.Parallel() // slow: a real client; runs beside the timer test
	need(t, "jenkins-job-builder", jjb, "apt-get install jenkins-job-builder")
	if out, err := exec.Command(jjb, "--version").CombinedOutput(); err != nil {
		t.Fatalf("jenkins-jobs --version: %v\n%s", err, out)
	}
	j := start(t, "", nil)
	token := j.adminToken(t)
	rec := recordProxy(t, j)
	work := t.TempDir()
	ini := filepath.Join(work, "jenkins_jobs.ini")
	os.WriteFile(ini, []byte("[job_builder]\nignore_cache=True\n\n[jenkins]\nurl="+rec.url+
		"\nuser=admin\npassword="+token+"\nquery_plugins_info=False\n"), 0o600)
	env := append(os.Environ(), "XDG_CACHE_HOME="+filepath.Join(work, "cache"), "HOME="+work, "NO_PROXY=*", "no_proxy=*")

	// jobs runs jenkins-jobs with args as one step named name.
	jobs := func(t *testing.T, name string, args ...string) string {
		t.Helper()
		rec.setStep(name)
		cmd := exec.CommandContext(scriptContext(t), jjb, append([]string{"--conf", ini}, args...)...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("jenkins-jobs %s: %v\n%s\n  HTTP exchanges:\n%s", strings.Join(args, " "), err, out, formatExchanges(rec.exchanges(name)))
		}
		return string(out)
	}
	// generated is what `jenkins-jobs test` makes of dir: job name → XML.
	generated := func(t *testing.T, dir string) map[string]string {
		t.Helper()
		out := filepath.Join(work, "out-"+filepath.Base(dir))
		jobs(t, "test "+filepath.Base(dir), "test", "--config-xml", "-o", out, dir)
		xmls := map[string]string{}
		entries, err := os.ReadDir(out)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			b, err := os.ReadFile(filepath.Join(out, e.Name(), "config.xml"))
			if err != nil {
				t.Fatal(err)
			}
			xmls[e.Name()] = string(b)
		}
		return xmls
	}
	// The YAML's one view is jjb-view; every other item is a job.
	itemPath := func(name string) string {
		if name == "jjb-view" {
			return "view/" + name + "/"
		}
		return "job/" + name + "/"
	}
	// posted is the config.xml bodies jenkins-jobs sent during step.
	posted := func(step string) map[string]string {
		bodies := map[string]string{}
		for _, x := range rec.exchanges(step) {
			if x.method != "POST" {
				continue
			}
			if name, ok := strings.CutPrefix(x.uri, "/createItem?name="); ok {
				bodies[name] = string(x.reqBody)
			} else if name, ok := strings.CutPrefix(x.uri, "/createView?name="); ok {
				bodies[name] = string(x.reqBody)
			} else if strings.HasSuffix(x.uri, "/config.xml") {
				p := strings.Split(strings.TrimPrefix(x.uri, "/"), "/")
				if len(p) == 3 && (p[0] == "job" || p[0] == "view") {
					bodies[p[1]] = string(x.reqBody)
				}
			}
		}
		return bodies
	}
	// served checks that jeeves gives back what JJB generated and sent.
	served := func(t *testing.T, step string, want map[string]string) {
		t.Helper()
		sent := posted(step)
		for _, name := range sortedNames(want) {
			xml := want[name]
			if sent[name] != xml {
				t.Errorf("%s: what jenkins-jobs POSTed for %s is not its `test` output (test harness assumption broken):\n%s", step, name, sent[name])
			}
			got := j.do(t, req{path: itemPath(name) + "config.xml", user: "admin", secret: token})
			if got.status != 200 || got.body != xml {
				t.Errorf("GET /%sconfig.xml: status %d, body differs from JJB's XML\n--- jeeves\n%s\n--- jenkins-jobs test\n%s\n%s",
					itemPath(name), got.status, got.body, xml, firstDifference(got.body, xml))
			}
		}
	}

	v1 := filepath.Join("testdata", "clients", "jjb", "v1")
	v2 := filepath.Join("testdata", "clients", "jjb", "v2")
	v3 := filepath.Join("testdata", "clients", "jjb", "v3")

	t.Run("update creates the jobs", func(t *testing.T) {
		want := generated(t, v1)
		if got := sortedNames(want); strings.Join(got, " ") != "jjb-extra jjb-main jjb-other jjb-view" {
			t.Fatalf("jenkins-jobs test made %v", got)
		}
		jobs(t, "update v1", "update", v1)
		served(t, "update v1", want)
		var view struct{ Jobs []struct{ Name string } }
		j.json(t, "view/jjb-view/api/json", &view)
		if fmt.Sprint(view.Jobs) != "[{jjb-main} {jjb-other}]" {
			t.Errorf("view jjb-view lists %v, want jjb-main and jjb-other", view.Jobs)
		}
		if out := jobs(t, "list", "list"); !strings.Contains(out, "jjb-main") || !strings.Contains(out, "jjb-extra") {
			t.Errorf("jenkins-jobs list does not list the jobs:\n%s", out)
		}
		if t.Failed() {
			t.Logf("HTTP exchanges of update v1:\n%s", formatExchanges(rec.exchanges("update v1")))
		}
	})

	t.Run("jeeves reads JJB's XML", func(t *testing.T) {
		var main struct {
			ConcurrentBuild    bool
			Buildable          bool
			DownstreamProjects []struct{ Name string }
			Property           []struct {
				ParameterDefinitions []struct {
					Name, Type            string
					Choices               []string
					DefaultParameterValue struct{ Value any }
				}
			}
		}
		j.json(t, "job/jjb-main/api/json", &main)
		var params []string
		for _, p := range main.Property {
			for _, d := range p.ParameterDefinitions {
				params = append(params, fmt.Sprintf("%s:%s:%v:%v", d.Name, d.Type, d.DefaultParameterValue.Value, d.Choices))
			}
		}
		wantParams := "GREETING:StringParameterDefinition:hello:[] VERBOSE:BooleanParameterDefinition:false:[] TARGET:ChoiceParameterDefinition:dev:[dev staging prod]"
		if strings.Join(params, " ") != wantParams {
			t.Errorf("jjb-main parameter definitions: %v, want %s", params, wantParams)
		}
		if !main.ConcurrentBuild || !main.Buildable {
			t.Errorf("jjb-main: concurrentBuild %v, buildable %v; want both true", main.ConcurrentBuild, main.Buildable)
		}
		if len(main.DownstreamProjects) != 1 || main.DownstreamProjects[0].Name != "jjb-other" {
			t.Errorf("jjb-main downstreamProjects: %+v, want jjb-other", main.DownstreamProjects)
		}
		// The auth-token (Jenkins's "Trigger builds remotely"): a user
		// without the Build permission triggers with ?token=.
		if r := j.do(t, req{method: "POST", path: "securityRealm/createAccountByAdmin", user: "admin", secret: token,
			header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
			body:   "username=bot&password1=pw-bot-pw&password2=pw-bot-pw"}); r.status >= 400 {
			t.Fatalf("create user bot: %d %s", r.status, r.body)
		}
		// A GET, as remote-trigger scripts send (no crumb needed).
		r := j.do(t, req{path: "job/jjb-main/buildWithParameters?token=jjb-trigger-token&GREETING=from+jjb&TARGET=prod",
			user: "bot", secret: "pw-bot-pw"})
		if r.status != 201 || !strings.HasSuffix(r.header.Get("Location"), "/") {
			t.Fatalf("GET /job/jjb-main/buildWithParameters?token=…: %d Location %q, want 201 and a queue item URL\n%s", r.status, r.header.Get("Location"), r.body)
		}
		b := j.waitBuild(t, r.header.Get("Location"))
		if b.Result == nil || *b.Result != "SUCCESS" {
			t.Fatalf("jjb-main #%d: result %v, want SUCCESS", b.Number, b.Result)
		}
		console := j.must(t, 200, req{path: fmt.Sprintf("job/jjb-main/%d/consoleText", b.Number), user: "admin", secret: token}).body
		if !strings.Contains(console, "from jjb to prod (verbose=false) in jjb-main #1") {
			t.Errorf("jjb-main console lacks the shell step's output:\n%s", console)
		}
		// The trigger publisher: jjb-other runs after jjb-main succeeds.
		var ob build
		waitFor(t, "jjb-main's BuildTrigger publisher to build jjb-other", func() bool {
			var other struct{ LastBuild *build }
			j.json(t, "job/jjb-other/api/json", &other)
			if other.LastBuild == nil {
				return false
			}
			j.json(t, strings.TrimPrefix(other.LastBuild.URL, j.url)+"api/json", &ob)
			return !ob.Building
		})
		if ob.Result == nil || *ob.Result != "SUCCESS" {
			t.Errorf("downstream jjb-other #%d: %v, want SUCCESS", ob.Number, ob.Result)
		}
	})

	t.Run("update with a changed YAML reconfigures", func(t *testing.T) {
		want := generated(t, v2)
		jobs(t, "update v2", "update", v2)
		served(t, "update v2", want)
		for _, x := range rec.exchanges("update v2") {
			if x.method == "POST" && strings.HasPrefix(x.uri, "/createItem") {
				t.Errorf("second update created a job instead of reconfiguring it: %s %s", x.method, x.uri)
			}
		}
		var main struct {
			Description     string
			ConcurrentBuild bool
		}
		j.json(t, "job/jjb-main/api/json", &main)
		if !strings.HasPrefix(main.Description, "Changed by the second update.") || main.ConcurrentBuild {
			t.Errorf("jjb-main after update v2: %+v, want the new description and concurrentBuild false", main)
		}
	})

	t.Cleanup(func() { traceAll(t, rec) })

	t.Run("update --delete-old removes the job dropped from the YAML", func(t *testing.T) {
		want := generated(t, v3)
		jobs(t, "update v3 --delete-old", "update", "--delete-old", v3)
		served(t, "update v3 --delete-old", want)
		if r := j.do(t, req{path: "job/jjb-extra/api/json", user: "admin", secret: token}); r.status != 404 {
			t.Errorf("jjb-extra after --delete-old: GET /job/jjb-extra/api/json answered %d, want 404", r.status)
		}
		for _, name := range []string{"jjb-main", "jjb-other"} {
			if r := j.do(t, req{path: "job/" + name + "/api/json", user: "admin", secret: token}); r.status != 200 {
				t.Errorf("%s after --delete-old: %d, want 200 (it is still in the YAML)", name, r.status)
			}
		}
		if t.Failed() {
			t.Logf("HTTP exchanges of update --delete-old:\n%s", formatExchanges(rec.exchanges("update v3 --delete-old")))
		}
	})

	t.Run("delete and get-plugins-info", func(t *testing.T) {
		jobs(t, "delete jjb-other", "delete", "jjb-other")
		if r := j.do(t, req{path: "job/jjb-other/api/json", user: "admin", secret: token}); r.status != 404 {
			t.Errorf("jjb-other after jenkins-jobs delete: %d, want 404", r.status)
		}
		// The plugin query JJB makes with query_plugins_info=True (it
		// aborts on a 404): jeeves has no plugins, so an empty list.
		out := jobs(t, "get-plugins-info", "get-plugins-info", "-o", filepath.Join(work, "plugins.yaml"))
		b, err := os.ReadFile(filepath.Join(work, "plugins.yaml"))
		if err != nil || strings.TrimSpace(string(b)) != "[]" {
			t.Errorf("jenkins-jobs get-plugins-info wrote %q (%v), want []\n%s", b, err, out)
		}
	})
}

func sortedNames(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// firstDifference says where two texts first differ.
func firstDifference(got, want string) string {
	n := 0
	for n < len(got) && n < len(want) && got[n] == want[n] {
		n++
	}
	if n == len(got) && n == len(want) {
		return "(identical)"
	}
	from := max(0, n-40)
	return fmt.Sprintf("first difference at byte %d: jeeves %q… vs JJB %q…", n, got[from:min(len(got), n+40)], want[from:min(len(want), n+40)])
}
