package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/token"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/app"
	"github.com/jeeves-ci/jeeves/internal/audit"
	"github.com/jeeves-ci/jeeves/internal/auth"
	"github.com/jeeves-ci/jeeves/internal/authz"
	"github.com/jeeves-ci/jeeves/internal/executor"
	"github.com/jeeves-ci/jeeves/internal/farm"
	"github.com/jeeves-ci/jeeves/internal/jobs"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/server"
	"golang.org/x/crypto/bcrypt"
)

// TestEveryWalkedSegmentIsARoute reads the walker's own source: every
// segment a walk* function (or tokenAction) matches must appear in the
// routes table, so a URL added to the walker without being classified
// fails here (and, once classified, is driven by TestRoutesByCaller).
func TestEveryWalkedSegmentIsARoute(t *testing.T) {
	known := map[string]bool{}
	for _, r := range server.Routes {
		path, query, _ := strings.Cut(strings.TrimPrefix(r.Path, "DELETE "), "?")
		for _, seg := range strings.Split(path, "/") {
			known[seg] = true
		}
		for _, kv := range strings.Split(query, "&") {
			k, _, _ := strings.Cut(kv, "=")
			known[k] = true
		}
	}
	fset := token.NewFileSet()
	found := 0
	for _, f := range parseSources(t, fset) {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || !strings.HasPrefix(fd.Name.Name, "walk") && fd.Name.Name != "tokenAction" {
				continue
			}
			check := func(e ast.Expr) {
				bl, ok := e.(*ast.BasicLit)
				if !ok || bl.Kind != token.STRING {
					return
				}
				seg := strings.Trim(bl.Value, `"`)
				found++
				if !known[seg] {
					t.Errorf("%s: %s matches %q, which no route in server.Routes.go classifies", fset.Position(bl.Pos()), fd.Name.Name, seg)
				}
			}
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				switch x := n.(type) {
				case *ast.CaseClause:
					for _, e := range x.List {
						check(e)
					}
				case *ast.BinaryExpr:
					if _, isIndex := x.X.(*ast.IndexExpr); isIndex && x.Op == token.EQL {
						check(x.Y)
					}
				}
				return true
			})
		}
	}
	if found < 50 {
		t.Fatalf("found only %d matched segments: has the walker's shape changed?", found)
	}
}

// routeStack is the whole server on a real listener with a real SQLite
// home, under the matrix strategy: admin is the first admin; bob holds
// only Overall/Read, Job/Read and View/Read.
type routeStack struct {
	url          string
	home         string
	adminToken   string
	readToken    string
	session      *http.Cookie
	app          *app.App
	jobs         *jobs.Service
	q            *farm.Farm
	au           *auth.Service
	finished     chan model.Build
	n            int
	sessionCrumb string
	adminCrumb   string
	bobCrumb     string
	panics       *panicLog
	audit        *audit.Log
	client       *http.Client      // what raw sends with
	fx           map[string]string // the placeholders of the fixtures made last
}

// panicLog keeps what the server logs when a handler panics.
type panicLog struct {
	mu     sync.Mutex
	panics []string
}

func (p *panicLog) Enabled(context.Context, slog.Level) bool { return true }

func (p *panicLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message != server.PanicMessage {
		return nil
	}
	var sb strings.Builder
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&sb, "%s=%v\n", a.Key, a.Value)
		return true
	})
	p.mu.Lock()
	p.panics = append(p.panics, sb.String())
	p.mu.Unlock()
	return nil
}

func (p *panicLog) WithAttrs([]slog.Attr) slog.Handler { return p }
func (p *panicLog) WithGroup(string) slog.Handler      { return p }

// all is every panic logged so far.
func (p *panicLog) all() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.panics...)
}

// stackOptions change a routeStack from its defaults.
type stackOptions struct {
	config   func(*app.Options)   // adjusts the server's options
	throttle *auth.ThrottlePolicy // replaces the default password throttle
	audit    audit.Policy         // the audit log's rotation
}

func newRouteStack(t *testing.T) *routeStack { return newRouteStackWith(t, stackOptions{}) }

// newRouteStackWith builds the stack as jeeves serves (internal/app):
// the server's own http.Server and connection-limiting listener, and
// builds told the address it listens on.
func newRouteStackWith(t *testing.T, opt stackOptions) *routeStack {
	t.Helper()
	ctx := context.Background()
	home := t.TempDir()
	hs := httptest.NewUnstartedServer(nil)
	rs := &routeStack{finished: make(chan model.Build, 4096), home: home, client: noRedirect, panics: &panicLog{}}
	opts := app.Options{
		Home: home, Version: "2.479.3", Logger: slog.New(rs.panics),
		Executors: 2, CSRF: true, ListenURL: "http://" + hs.Listener.Addr().String() + "/",
		AdminPassword: "pw", Throttle: opt.throttle, Audit: opt.audit,
		// bcrypt's lowest cost: at the default, hashing the passwords of
		// the stacks the tests make cost most of their CPU.
		BcryptCost: bcrypt.MinCost,
		OnFinish:   func(b model.Build) { rs.finished <- b },
	}
	if opt.config != nil {
		opt.config(&opts)
		// A connection per request: a stack with short connection
		// timeouts would otherwise race its own idle timeout.
		rs.client = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, CheckRedirect: noRedirect.CheckRedirect, Timeout: noRedirect.Timeout}
	}
	a, err := app.New(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(0) })
	rs.app, rs.jobs, rs.q, rs.au, rs.audit = a, a.Jobs, a.Farm, a.Auth, a.Audit
	if _, err := rs.au.CreateUser(ctx, "bob", "bob-pw", "Bob", "", false); err != nil {
		t.Fatal(err)
	}
	if rs.adminToken, _, err = rs.au.GenerateToken(ctx, "admin", "full", auth.TokenOptions{}); err != nil {
		t.Fatal(err)
	}
	if rs.readToken, _, err = rs.au.GenerateToken(ctx, "admin", "ro", auth.TokenOptions{Scopes: []string{"read"}}); err != nil {
		t.Fatal(err)
	}
	if err := a.Authz.Set(ctx, stackStrategy); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, p := range rs.panics.all() {
			t.Errorf("a handler panicked:\n%s", p)
		}
	})
	hs.Config = a.HTTPServer(nil)
	hs.Listener = a.Listener(hs.Listener)
	hs.Start()
	t.Cleanup(hs.Close)
	rs.url = hs.URL + "/"

	// A browser session for admin, and each caller's crumb.
	res := rs.raw(t, "POST", "j_spring_security_check", "j_username=admin&j_password=pw", nil)
	for _, ck := range res.cookies {
		if ck.Name == rs.au.CookieName() {
			rs.session = ck
		}
	}
	if rs.session == nil {
		t.Fatal("login gave no session cookie")
	}
	crumb := func(h map[string]string, ck *http.Cookie) string {
		r := rs.raw(t, "GET", "crumbIssuer/api/json", "", h, ck)
		var c struct{ Crumb string }
		if err := json.Unmarshal([]byte(r.body), &c); err != nil || c.Crumb == "" {
			t.Fatalf("crumb: %d %s", r.status, r.body)
		}
		return c.Crumb
	}
	rs.sessionCrumb = crumb(nil, rs.session)
	rs.adminCrumb = crumb(basic("admin", "pw"), nil)
	rs.bobCrumb = crumb(basic("bob", "bob-pw"), nil)
	return rs
}

func basic(user, secret string) map[string]string {
	r, _ := http.NewRequest("GET", "/", nil)
	r.SetBasicAuth(user, secret)
	return map[string]string{"Authorization": r.Header.Get("Authorization")}
}

type rawResp struct {
	status  int
	header  http.Header
	body    string
	cookies []*http.Cookie
}

var noRedirect = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Timeout:       30 * time.Second,
}

func (rs *routeStack) raw(t *testing.T, method, path, body string, header map[string]string, cookies ...*http.Cookie) rawResp {
	t.Helper()
	return rs.rawWith(t, rs.client, method, path, body, header, cookies...)
}

func (rs *routeStack) rawWith(t *testing.T, client *http.Client, method, path, body string, header map[string]string, cookies ...*http.Cookie) rawResp {
	t.Helper()
	req, err := http.NewRequest(method, rs.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		switch {
		case strings.HasPrefix(body, "<"):
			req.Header.Set("Content-Type", "application/xml")
		case strings.HasPrefix(body, "{"):
			req.Header.Set("Content-Type", "application/json")
		default:
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	for _, c := range cookies {
		if c != nil {
			req.AddCookie(c)
		}
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return rawResp{status: res.StatusCode, header: res.Header, body: string(b), cookies: res.Cookies()}
}

const shellXML = `<project><builders><hudson.tasks.Shell><command>true</command></hudson.tasks.Shell></builders></project>`

// postedXML is what the routes that replace a job's config.xml post.
const postedXML = `<project><description>posted</description><builders><hudson.tasks.Shell><command>true</command></hudson.tasks.Shell></builders></project>`

// paramsXML is a job with a parameter, for buildWithParameters.
const paramsXML = `<project><properties><hudson.model.ParametersDefinitionProperty><parameterDefinitions><hudson.model.StringParameterDefinition><name>P</name><defaultValue>d</defaultValue></hudson.model.StringParameterDefinition></parameterDefinitions></hudson.model.ParametersDefinitionProperty></properties><builders/></project>`

// sleepXML is a job whose build runs until it is stopped.
const sleepXML = `<project><builders><hudson.tasks.Shell><command>sleep 30</command></hudson.tasks.Shell></builders></project>`

// fixtures makes fresh objects for one request and fills in a route's
// placeholders, so a request that succeeds (deleting, renaming,
// cancelling) never spoils another's.
func (rs *routeStack) fixtures(t *testing.T, path string) string {
	t.Helper()
	ctx := context.Background()
	rs.n++
	n := rs.n
	admin := basic("admin", "pw")
	admin["Jenkins-Crumb"] = rs.adminCrumb
	must := func(method, p, body string) rawResp {
		r := rs.raw(t, method, p, body, admin)
		if r.status >= 400 {
			t.Fatalf("fixture %s %s: %d %s", method, p, r.status, r.body)
		}
		return r
	}
	repl := map[string]string{"{label}": "built-in", "{user}": "admin", "{fresh}": fmt.Sprintf("fresh-%d", n), "{value}": fmt.Sprintf("11%032x", n)}
	rs.fx = repl
	if strings.Contains(path, "{job}") || strings.Contains(path, "{n}") {
		job := fmt.Sprintf("job-%d", n)
		xml := shellXML
		switch {
		case strings.Contains(path, "/buildWithParameters"):
			xml = paramsXML
		case strings.HasSuffix(path, "/stop"):
			xml = sleepXML
		case leavesOutputs(path):
			xml = outputsXML
		}
		if strings.Contains(path, "{folder}") {
			must("POST", fmt.Sprintf("createItem?name=folder-%d&mode=com.cloudbees.hudson.plugins.folder.Folder", n), "")
			must("POST", fmt.Sprintf("job/folder-%d/createItem?name=%s", n, job), xml)
		} else {
			must("POST", "createItem?name="+job, xml)
		}
		repl["{job}"] = job
		if strings.HasSuffix(path, "/stop") {
			repl["{n}"] = itoa(rs.runningBuild(t, job))
		} else if strings.Contains(path, "{n}") || leavesOutputs(path) {
			j, err := rs.jobs.Get(job)
			if err != nil {
				t.Fatal(err)
			}
			zero := time.Duration(0)
			if _, _, err := rs.q.Schedule(ctx, j, model.Cause{Kind: model.CauseUser, UserID: "admin"}, &model.Authority{User: "admin"}, nil, &zero); err != nil {
				t.Fatal(err)
			}
			deadline := time.After(20 * time.Second)
		wait:
			for {
				select {
				case b := <-rs.finished:
					if b.JobID == j.ID {
						repl["{n}"] = itoa(b.Number)
						break wait
					}
				case <-deadline:
					t.Fatalf("fixture build of %s never finished: %s", job, rs.raw(t, "GET", "queue/api/json", "", basic("admin", rs.adminToken)).body)
				}
			}
		}
	}
	if strings.Contains(path, "{folder}") {
		repl["{folder}"] = fmt.Sprintf("folder-%d", n)
		if !strings.Contains(path, "{job}") {
			must("POST", fmt.Sprintf("createItem?name=folder-%d&mode=com.cloudbees.hudson.plugins.folder.Folder", n), "")
		}
	}
	if strings.Contains(path, "{view}") {
		repl["{view}"] = fmt.Sprintf("view-%d", n)
		must("POST", fmt.Sprintf("createView?name=view-%d&mode=hudson.model.ListView", n), "")
	}
	if strings.Contains(path, "{node}") {
		repl["{node}"] = fmt.Sprintf("agent-%d", n)
		must("POST", fmt.Sprintf("computer/doCreateItem?name=agent-%d&type=hudson.slaves.DumbSlave", n),
			`json={"nodeDescription":"","numExecutors":"1","remoteFS":"/tmp","labelString":"","mode":"NORMAL"}`)
	}
	if strings.Contains(path, "{item}") {
		job := fmt.Sprintf("waiting-%d", n)
		must("POST", "createItem?name="+job, shellXML)
		r := must("POST", "job/"+job+"/build?delay=3600sec", "")
		loc := strings.TrimSuffix(r.header.Get("Location"), "/")
		repl["{item}"] = loc[strings.LastIndex(loc, "/")+1:]
	}
	if strings.Contains(path, "{victim}") {
		repl["{victim}"] = fmt.Sprintf("victim-%d", n)
		if _, err := rs.au.CreateUser(ctx, repl["{victim}"], "victim-pw", "", "", false); err != nil {
			t.Fatal(err)
		}
	}
	repl["{asset}"] = strings.TrimPrefix(rs.app.UI.StaticPrefix(), "static/") + "jeeves.css"
	rs.credentialFixtures(t, path, n, repl)
	rs.gitFixtures(t, path, repl)
	if strings.Contains(path, "{token}") {
		value, tok, err := rs.au.GenerateToken(ctx, "admin", fmt.Sprintf("victim-%d", n), auth.TokenOptions{})
		if err != nil {
			t.Fatal(err)
		}
		repl["{token}"], repl["{token value}"] = tok.UUID, value
	}
	for k, v := range repl {
		path = strings.ReplaceAll(path, k, v)
	}
	if strings.Contains(path, "{") {
		t.Fatalf("unfilled placeholder in %s", path)
	}
	return path
}

// reset undoes what a cell may have switched server-wide (the built-in
// node taken offline, quiet-down, the strategy, the settings, a build
// left running), so later cells' builds can run and judge the same.
func (rs *routeStack) reset() {
	ctx := context.Background()
	rs.q.QuietDown(false)
	rs.q.SetOffline(false, "")
	if err := rs.app.Authz.Set(ctx, stackStrategy); err != nil {
		panic(err)
	}
	if v := rs.app.Settings.Get(); v.Executors != 2 {
		v.Executors = 2
		if err := rs.app.Settings.Set(ctx, v); err != nil {
			panic(err)
		}
	}
	for _, b := range rs.q.Executors() {
		if b != nil {
			rs.q.Stop(b.JobID, b.Number, "the test")
		}
	}
	rs.resetGit()
}

// stackStrategy is the matrix a routeStack starts with: every signed-in
// user reads (bob has nothing more); admin is the first admin.
var stackStrategy = authz.Strategy{Strategy: authz.Matrix, Grants: []authz.Grant{
	{Type: "GROUP", Sid: "authenticated", Permissions: []string{authz.Read, authz.ItemRead, authz.ViewRead}},
}}

// runningBuild starts a build of job (a sleep) and returns its number
// once it runs.
func (rs *routeStack) runningBuild(t *testing.T, job string) int64 {
	t.Helper()
	j, err := rs.jobs.Get(job)
	if err != nil {
		t.Fatal(err)
	}
	zero := time.Duration(0)
	if _, _, err := rs.q.Schedule(context.Background(), j, model.Cause{Kind: model.CauseUser, UserID: "admin"}, &model.Authority{User: "admin"}, nil, &zero); err != nil {
		t.Fatal(err)
	}
	var n int64
	eventually(t, "the build of "+job+" runs", func() bool {
		for _, b := range rs.q.Executors() {
			if b != nil && b.JobID == j.ID {
				n = b.Number
				return true
			}
		}
		return false
	})
	return n
}

// eventually waits, polling, until ok holds; it fails t when it does
// not within 20 s.
func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 20 s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// bodyFor is what a POST to a route sends, for the fixtures made last:
// what changes the object it reaches, visibly (routeEffects).
func (rs *routeStack) bodyFor(path string) string {
	if body, ok := rs.credentialBody(path); ok {
		return body
	}
	switch {
	case path == "computer/new" || strings.HasPrefix(path, "computer/") && strings.HasSuffix(path, "/configSubmit"):
		return "name=" + rs.fx["{fresh}"] + "&" + agentForm
	case strings.HasPrefix(path, "job/") && strings.HasSuffix(path, "/config.xml"):
		return postedXML
	case strings.HasPrefix(path, "view/") && strings.HasSuffix(path, "/config.xml"):
		return `<hudson.model.ListView><name>` + strings.Split(path, "/")[1] + `</name><description>posted</description><jobNames/></hudson.model.ListView>`
	case strings.HasPrefix(path, "computer/") && strings.HasSuffix(path, "/config.xml"):
		name := strings.Split(path, "/")[1]
		return `<slave><name>` + name + `</name><description>posted</description><remoteFS>/tmp</remoteFS><numExecutors>1</numExecutors><mode>NORMAL</mode></slave>`
	case strings.HasPrefix(path, "computer/doCreateItem"):
		return `json={"nodeDescription":"","numExecutors":"1","remoteFS":"/tmp","labelString":"","mode":"NORMAL"}`
	case strings.HasSuffix(path, "/changeOfflineCause"):
		return "offlineMessage=new+cause"
	case strings.HasPrefix(path, "job/") && strings.Count(path, "/") == 3 && strings.HasSuffix(path, "/configSubmit"):
		return `json={"displayName":"new name","description":"new description"}`
	case strings.HasPrefix(path, "view/") && strings.HasSuffix(path, "/configSubmit"):
		return "name=" + strings.Split(path, "/")[1] + `&json={"description":"new description"}`
	case strings.HasSuffix(path, "/configSubmit"):
		return "mode=xml&config.xml=" + url.QueryEscape(postedXML)
	case strings.HasSuffix(path, "newJob"):
		return "name=" + rs.fx["{fresh}"] + "&mode=hudson.model.FreeStyleProject&shell=true"
	case strings.Contains(path, "/security/generate"):
		return "newTokenName=" + rs.fx["{fresh}"] // the form's field, which the page reads from the body
	case strings.HasSuffix(path, "/security/password"):
		return "password1=new-pw&password2=new-pw"
	case path == "manage/configure":
		return "executors=3&quietPeriod=0&csrf=true"
	case path == "manage/mail/configure":
		return "mail.smtpHost=posted.example.com&mail.adminAddress=ci%40example.com"
	case path == "manage/mail/sendTestMail":
		return "mail.smtpHost=&mail.testRecipient=me%40example.com"
	case path == "manage/git/configure":
		return "allowLocalCheckout=true&hostKeyVerification=AcceptFirstConnectionStrategy"
	case path == "manage/security/authorization":
		return `{"strategy":"matrix","grants":[{"type":"GROUP","sid":"authenticated","permissions":["hudson.model.Hudson.Read","hudson.model.Item.Read","hudson.model.View.Read"]},{"type":"USER","sid":"carol","permissions":["hudson.model.Hudson.Read"]}]}`
	}
	return ""
}

// TestRoutesByCaller drives every state-changing route as each kind of
// caller, with no crumb, a wrong crumb and the right one, and asserts the
// answer: anonymous is always refused; a session or a password needs the
// crumb, for DELETE as for POST; a token needs none; a token without the scope and a user
// without the permission get Jenkins's 403 naming the permission; GET
// never runs the action. Each allowed request must have the route's
// effect (routeEffects), read back, and each refused one must not.
func TestRoutesByCaller(t *testing.T) {
	rs := newRouteStack(t)
	type caller struct {
		name    string
		header  func(crumb string) map[string]string
		cookie  *http.Cookie
		crumb   string // the right crumb; "" when the caller has none
		allowed bool   // holds every permission
		exempt  bool   // needs no crumb (API tokens)
		scoped  bool   // a read-only token
	}
	with := func(h map[string]string, crumb string) map[string]string {
		out := map[string]string{}
		for k, v := range h {
			out[k] = v
		}
		if crumb != "" {
			out["Jenkins-Crumb"] = crumb
		}
		return out
	}
	callers := []caller{
		{name: "anonymous", header: func(c string) map[string]string { return with(nil, c) }},
		{name: "a session", header: func(c string) map[string]string { return with(nil, c) }, cookie: rs.session, crumb: rs.sessionCrumb, allowed: true},
		{name: "password Basic", header: func(c string) map[string]string { return with(basic("admin", "pw"), c) }, crumb: rs.adminCrumb, allowed: true},
		{name: "a token", header: func(c string) map[string]string { return with(basic("admin", rs.adminToken), c) }, allowed: true, exempt: true},
		{name: "a token without the scope", header: func(c string) map[string]string { return with(basic("admin", rs.readToken), c) }, exempt: true, scoped: true},
		{name: "a user without the permission", header: func(c string) map[string]string { return with(basic("bob", "bob-pw"), c) }, crumb: rs.bobCrumb},
	}
	crumbs := []string{"no crumb", "a wrong crumb", "the right crumb"}
	for _, r := range server.Routes {
		if r.Kind != server.RouteAction && r.Kind != server.RouteReadWrite {
			continue
		}
		method, path := "POST", r.Path
		if rest, ok := strings.CutPrefix(path, "DELETE "); ok {
			method, path = "DELETE", rest
		}
		for _, c := range callers {
			for _, cr := range crumbs {
				name := fmt.Sprintf("%s %s as %s with %s", method, r.Path, c.name, cr)
				t.Run(name, func(t *testing.T) {
					t.Cleanup(rs.reset)
					p := rs.fixtures(t, path)
					fx, effect := rs.fx, routeEffects[r.Path]
					if effect.prepare != nil {
						effect.prepare(t, rs, fx)
					}
					crumb := map[string]string{"no crumb": "", "a wrong crumb": "0123456789abcdef0123456789abcdef"}[cr]
					if cr == "the right crumb" {
						crumb = c.crumb
					}
					res := rs.raw(t, method, p, rs.bodyFor(p), c.header(crumb), c.cookie)
					crumbOK := c.exempt || cr == "the right crumb" && c.crumb != ""
					ran := c.allowed || r.Perm == "" || c.scoped && strings.HasPrefix(r.Perm, "hudson.model.Item.Read")
					if crumbOK && c.name != "anonymous" && ran {
						eventually(t, "the action's effect", func() bool { return effect.done(t, rs, fx, res) })
					} else if effect.done(t, rs, fx, res) {
						t.Fatalf("a refused request had the action's effect: %d %s", res.status, res.body)
					}
					switch {
					case !crumbOK:
						if res.status != 403 || !strings.Contains(res.body, "No valid crumb") {
							t.Fatalf("want 403 No valid crumb, got %d %s", res.status, res.body)
						}
					case c.name == "anonymous":
						if res.status != 403 {
							t.Fatalf("want 403, got %d %s", res.status, res.body)
						}
					case ran:
						if res.status >= 500 || res.status == 401 || res.status == 403 || res.status == 404 || res.status == 405 {
							t.Fatalf("want the action to run, got %d %s", res.status, res.body)
						}
					default:
						if res.status != 403 {
							t.Fatalf("want 403, got %d %s", res.status, res.body)
						}
						if r.Perm != "self" && !c.scoped || r.Perm != "self" && res.header.Get("X-Required-Permission") != "" {
							if got := res.header.Get("X-Required-Permission"); got != r.Perm {
								t.Fatalf("X-Required-Permission %q, want %q", got, r.Perm)
							}
						}
					}
				})
			}
		}
		if method == "POST" && r.Kind == server.RouteAction {
			t.Run("GET "+r.Path+" never runs the action", func(t *testing.T) {
				t.Cleanup(rs.reset)
				p := rs.fixtures(t, path)
				fx, effect := rs.fx, routeEffects[r.Path]
				if effect.prepare != nil {
					effect.prepare(t, rs, fx)
				}
				res := rs.raw(t, "GET", p, "", basic("admin", rs.adminToken))
				if res.status != http.StatusMethodNotAllowed {
					t.Fatalf("GET: %d, want 405\n%s", res.status, res.body)
				}
				if effect.done(t, rs, fx, res) {
					t.Fatal("the GET had the action's effect")
				}
			})
		}
	}
}

// TestReadRoutesAnswer reads every GET route as admin's token (it must
// answer) and as anonymous under the matrix without anonymous read (it
// must refuse, unless the route is public), so the table stays true.
func TestReadRoutesAnswer(t *testing.T) {
	rs := newRouteStack(t)
	for _, r := range server.Routes {
		if strings.HasPrefix(r.Path, "DELETE ") || r.Kind == server.RouteAction || r.Kind == server.RouteHook {
			continue
		}
		t.Run("GET "+r.Path+" answers admin's token", func(t *testing.T) {
			t.Cleanup(rs.reset)
			p := rs.fixtures(t, r.Path)
			res := rs.raw(t, "GET", p, "", basic("admin", rs.adminToken))
			if res.status >= 400 && r.Kind != server.RoutePublic || res.status == 404 || res.status >= 500 {
				t.Fatalf("%d %s", res.status, res.body)
			}
		})
		t.Run("GET "+r.Path+" as anonymous", func(t *testing.T) {
			p := rs.fixtures(t, r.Path)
			res := rs.raw(t, "GET", p, "", nil)
			switch {
			case r.Kind == server.RoutePublic && (res.status == 403 || res.status == 404 || res.status >= 500):
				t.Fatalf("public route refused: %d %s", res.status, res.body)
			case r.Kind != server.RoutePublic && res.status != 403:
				t.Fatalf("want 403, got %d %s", res.status, res.body)
			}
		})
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// jobPath is a job's path under the root URL, "job/a/job/b/".
func jobPath(name string) string { return executor.JobPath(name) }
