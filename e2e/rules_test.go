package e2e

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestClientRules proves the 15 rules a server must follow for
// python-jenkins, JJB, node-jenkins, gojenkins, jcli and Backstage (what
// they send and expect), each subtest naming its rule, with requests
// shaped as those clients shape them.
func TestClientRules(t *testing.T) {
	j := start(t, "", nil)
	tok := j.adminToken(t)
	asToken := func(r req) req { r.user, r.secret = "admin", tok; return r }
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	j.createJob(t, "plain", shellJob("true"))
	j.createJob(t, "params", paramJob)
	j.createJob(t, "dir", `<com.cloudbees.hudson.plugins.folder.Folder plugin="cloudbees-folder"><description/></com.cloudbees.hudson.plugins.folder.Folder>`)
	first := j.waitBuild(t, j.trigger(t, "plain"))

	t.Run("rule 1: the crumb issuer answers its JSON, also at gojenkins's doubled path", func(t *testing.T) {
		for _, path := range []string{"crumbIssuer/api/json", "crumbIssuer/api/json/api/json"} {
			var c struct{ Class, Crumb, CrumbRequestField string }
			r := j.must(t, 200, req{path: path, user: "admin", secret: adminPassword})
			if err := json.Unmarshal([]byte(strings.Replace(r.body, `"_class"`, `"class"`, 1)), &c); err != nil {
				t.Fatal(err)
			}
			if c.Class != "hudson.security.csrf.DefaultCrumbIssuer" || c.Crumb == "" || c.CrumbRequestField != "Jenkins-Crumb" {
				t.Fatalf("%s: %s", path, r.body)
			}
		}
	})
	t.Run("rule 1: with CSRF protection off the crumb issuer is 404, not 403", func(t *testing.T) {
		off := start(t, "", nil, "--csrf=false")
		off.must(t, 404, req{path: "crumbIssuer/api/json", user: "admin", secret: adminPassword})
		off.createJob(t, "p", shellJob("true"))
		off.must(t, 201, req{method: "POST", path: "job/p/build?delay=0sec", user: "admin", secret: adminPassword})
	})
	t.Run("rule 2: token requests need no crumb and no cookie", func(t *testing.T) {
		j.must(t, 201, asToken(req{method: "POST", path: "job/plain/build?delay=0sec"}))
	})
	t.Run("rule 2: a crumb works without the session cookie, and GETs ignore crumb headers", func(t *testing.T) {
		crumb := j.crumb(t, "admin", adminPassword)
		j.must(t, 201, req{method: "POST", path: "job/plain/build?delay=0sec", user: "admin", secret: adminPassword,
			header: map[string]string{"Jenkins-Crumb": crumb}})
		j.must(t, 200, req{path: "api/json", user: "admin", secret: adminPassword, header: map[string]string{"Jenkins-Crumb": "stale"}})
	})
	t.Run("rule 3: build triggers answer 201 with an absolute Location ending in a slash", func(t *testing.T) {
		for _, path := range []string{"job/plain/build?delay=0sec", "job/params/buildWithParameters?delay=0sec"} {
			r := j.must(t, 201, asToken(req{method: "POST", path: path}))
			if !regexp.MustCompile(`^` + regexp.QuoteMeta(j.url) + `queue/item/\d+/$`).MatchString(r.header.Get("Location")) {
				t.Fatalf("%s: Location %q", path, r.header.Get("Location"))
			}
			j.waitBuild(t, r.header.Get("Location"))
		}
	})
	// params reads the parameters a queue item's build ran with.
	params := func(t *testing.T, location string) map[string]any {
		t.Helper()
		b := j.waitBuild(t, location)
		var got struct {
			Actions []struct {
				Parameters []struct {
					Name  string
					Value any
				}
			}
		}
		j.json(t, strings.TrimPrefix(b.URL, j.url)+"api/json?tree=actions[parameters[name,value]]", &got)
		out := map[string]any{}
		for _, a := range got.Actions {
			for _, p := range a.Parameters {
				out[p.Name] = p.Value
			}
		}
		return out
	}
	t.Run("rule 4: parameters arrive in the query, with + for spaces and Python's True", func(t *testing.T) {
		r := j.must(t, 201, asToken(req{method: "POST", path: "job/params/buildWithParameters?greeting=hi+there&LOUD=True&ENV=prod&delay=0sec"}))
		got := params(t, r.header.Get("Location"))
		if got["greeting"] != "hi there" || got["LOUD"] != true || got["ENV"] != "prod" {
			t.Fatalf("%v", got)
		}
	})
	t.Run("rule 4: parameters arrive in a form body", func(t *testing.T) {
		r := j.must(t, 201, asToken(req{method: "POST", path: "job/params/buildWithParameters?delay=0sec", header: form, body: "greeting=from+form&LOUD=TRUE"}))
		got := params(t, r.header.Get("Location"))
		if got["greeting"] != "from form" || got["LOUD"] != true {
			t.Fatalf("%v", got)
		}
	})
	t.Run("rule 4: parameters arrive in a json field sent to /build, urlencoded", func(t *testing.T) {
		js := `{"parameter":[{"name":"greeting","value":"from json"},{"name":"LOUD","value":true}]}`
		r := j.must(t, 201, asToken(req{method: "POST", path: "job/params/build?delay=0sec", header: form, body: "json=" + url.QueryEscape(js)}))
		got := params(t, r.header.Get("Location"))
		if got["greeting"] != "from json" || got["LOUD"] != true {
			t.Fatalf("%v", got)
		}
	})
	t.Run("rule 4: a single-object json field arrives in a multipart body", func(t *testing.T) {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		mw.WriteField("json", `{"parameter":{"name":"greeting","value":"from multipart"}}`)
		mw.Close()
		r := j.must(t, 201, asToken(req{method: "POST", path: "job/params/build?delay=0sec",
			header: map[string]string{"Content-Type": mw.FormDataContentType()}, body: body.String()}))
		if got := params(t, r.header.Get("Location")); got["greeting"] != "from multipart" {
			t.Fatalf("%v", got)
		}
	})
	t.Run("rule 5: redirecting POSTs answer a literal 302, to JSON for API clients and HTML for browsers", func(t *testing.T) {
		for _, path := range []string{"job/plain/disable", "job/plain/enable"} {
			r := j.must(t, 302, asToken(req{method: "POST", path: path}))
			loc := r.header.Get("Location")
			if !strings.HasSuffix(loc, "api/json") {
				t.Fatalf("%s: Location %q", path, loc)
			}
			target := j.must(t, 200, asToken(req{path: strings.TrimPrefix(loc, j.url)}))
			if !strings.HasPrefix(target.header.Get("Content-Type"), "application/json") || !json.Valid([]byte(target.body)) {
				t.Fatalf("%s: the target is not JSON: %s", path, target.body)
			}
			browser := j.must(t, 302, asToken(req{method: "POST", path: path, header: map[string]string{"Accept": "text/html,application/xhtml+xml"}}))
			if strings.Contains(browser.header.Get("Location"), "api/json") {
				t.Fatalf("%s: a browser is sent to %q", path, browser.header.Get("Location"))
			}
		}
	})
	t.Run("rule 6: cancelling a queue item is a 302, never a 204", func(t *testing.T) {
		r := j.must(t, 201, asToken(req{method: "POST", path: "job/plain/build?delay=600sec"}))
		id := regexp.MustCompile(`(\d+)/$`).FindStringSubmatch(r.header.Get("Location"))[1]
		j.must(t, 302, asToken(req{method: "POST", path: "queue/cancelItem?id=" + id}))
		r = j.must(t, 201, asToken(req{method: "POST", path: "job/plain/build?delay=600sec"}))
		j.must(t, 302, asToken(req{method: "POST", path: strings.TrimPrefix(r.header.Get("Location"), j.url) + "cancelQueue"}))
	})
	t.Run("rule 7: api/json is application/json;charset=utf-8", func(t *testing.T) {
		for _, path := range []string{"api/json", "job/plain/api/json", "queue/api/json", "computer/api/json", "crumbIssuer/api/json"} {
			if ct := j.must(t, 200, asToken(req{path: path})).header.Get("Content-Type"); ct != "application/json;charset=utf-8" {
				t.Fatalf("%s: Content-Type %q", path, ct)
			}
		}
	})
	t.Run("rule 8: absolute URLs use the host the client used", func(t *testing.T) {
		hr, _ := http.NewRequest("GET", j.url+"job/plain/api/json", nil)
		hr.Host = "ci.example.test:8443"
		hr.SetBasicAuth("admin", tok)
		res, err := client.Do(hr)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var job struct{ URL string }
		json.NewDecoder(res.Body).Decode(&job)
		if job.URL != "http://ci.example.test:8443/job/plain/" {
			t.Fatalf("url = %q", job.URL)
		}
	})
	t.Run("rule 8: or the configured root URL", func(t *testing.T) {
		u := start(t, "", nil, "--url", "https://jenkins.example.test/ci/")
		var job struct{ URL string }
		u.json(t, "api/json", &struct{}{})
		u.createJob(t, "x", shellJob("true"))
		u.json(t, "job/x/api/json", &job)
		if job.URL != "https://jenkins.example.test/ci/job/x/" {
			t.Fatalf("url = %q", job.URL)
		}
	})
	t.Run("rule 9: tolerant paths", func(t *testing.T) {
		for _, path := range []string{
			"job/plain/config.xml/",
			"job/plain/" + strconv.FormatInt(first.Number, 10) + "/consoleText/",
			"job/plain/" + strconv.FormatInt(first.Number, 10) + "/logText/progressiveText/?start=0",
			"job/plain//1/api/json?depth=1",
			"computer/(master)/api/json",
			"computer/(built-in)/api/json",
		} {
			j.must(t, 200, asToken(req{path: path}))
		}
		r := j.must(t, 200, asToken(req{method: "HEAD", path: "job/plain/api/json"}))
		if r.body != "" {
			t.Fatalf("HEAD has a body: %q", r.body)
		}
		j.must(t, 404, asToken(req{method: "HEAD", path: "job/nope/api/json"}))
		var label struct{ Nodes []any }
		j.json(t, "label/no-such-label/api/json", &label)
		if label.Nodes == nil || len(label.Nodes) != 0 {
			t.Fatalf("label nodes = %v", label.Nodes)
		}
	})
	t.Run("rule 10: tree with deep nesting, wildcards and ranges; depth 0 to 3; pretty", func(t *testing.T) {
		nested := "jobs[url,color,name,jobs[url,color,name,jobs[url,color,name,jobs[url,color,name,jobs[url,color,name,jobs[url,color,name,jobs[url,color,name,jobs[url,color,name,jobs[url,color,name,jobs[url,color,name]]]]]]]]]]"
		enc := strings.NewReplacer("[", "%5B", "]", "%5D").Replace(nested)
		var root struct{ Jobs []struct{ Name string } }
		j.json(t, "api/json?tree="+enc, &root)
		if len(root.Jobs) != 3 {
			t.Fatalf("jobs = %+v", root.Jobs)
		}
		for _, path := range []string{
			"job/plain/" + strconv.FormatInt(first.Number, 10) + "/api/json?tree=actions[*[*[*[*]]]]",
			"api/json?tree=jobs[name]{0,1}",
			"api/json?tree=jobs{0,50}",
			"job/plain/api/json?tree=name,inQueue{0,50},builds[number]{0,50}",
			"api/json?depth=0", "api/json?depth=1", "api/json?depth=2", "api/json?depth=3",
			"api/json?pretty=true",
		} {
			r := j.must(t, 200, asToken(req{path: path}))
			if !json.Valid([]byte(r.body)) {
				t.Fatalf("%s: %s", path, r.body)
			}
		}
		var one struct{ Jobs []any }
		j.json(t, "api/json?tree=jobs[name]{0,1}", &one)
		if len(one.Jobs) != 1 {
			t.Fatalf("{0,1} gave %d jobs", len(one.Jobs))
		}
	})
	t.Run("rule 11: X-Jenkins on every response, X-Error only on failures", func(t *testing.T) {
		for _, r := range []req{{path: ""}, asToken(req{path: "api/json"}), {path: "job/nope/api/json"}, asToken(req{path: "job/nope/api/json"})} {
			got := j.do(t, r)
			if got.header.Get("X-Jenkins") == "" {
				t.Fatalf("%q (%d): no X-Jenkins", r.path, got.status)
			}
			if got.status < 400 && got.header.Get("X-Error") != "" {
				t.Fatalf("%q: X-Error on a success", r.path)
			}
		}
		ok := j.do(t, asToken(req{method: "POST", path: "createItem?name=fresh", header: map[string]string{"Content-Type": "application/xml"}, body: shellJob("true")}))
		if ok.status != 200 || ok.header.Get("X-Error") != "" {
			t.Fatalf("createItem success: %d X-Error %q", ok.status, ok.header.Get("X-Error"))
		}
		dup := j.do(t, asToken(req{method: "POST", path: "createItem?name=fresh", header: map[string]string{"Content-Type": "application/xml"}, body: shellJob("true")}))
		if dup.status != 400 || !strings.Contains(dup.header.Get("X-Error"), "already exists") {
			t.Fatalf("createItem duplicate: %d X-Error %q", dup.status, dup.header.Get("X-Error"))
		}
		view := j.do(t, asToken(req{method: "POST", path: "createView?name=all", header: map[string]string{"Content-Type": "application/xml"},
			body: `<hudson.model.ListView><name>all</name></hudson.model.ListView>`}))
		if view.status != 400 || view.header.Get("X-Error") == "" {
			t.Fatalf("createView collision: %d X-Error %q", view.status, view.header.Get("X-Error"))
		}
	})
	t.Run("rule 12: a silent build's console is never empty", func(t *testing.T) {
		text := j.must(t, 200, asToken(req{path: "job/plain/" + strconv.FormatInt(first.Number, 10) + "/consoleText"})).body
		if !strings.HasPrefix(text, "Started by user") || !strings.HasSuffix(text, "Finished: SUCCESS\n") {
			t.Fatalf("console:\n%s", text)
		}
	})
	t.Run("rule 13: only folders have jobs", func(t *testing.T) {
		var plain, dir map[string]any
		j.json(t, "job/plain/api/json", &plain)
		j.json(t, "job/dir/api/json", &dir)
		if _, has := plain["jobs"]; has {
			t.Fatal("a freestyle job has jobs")
		}
		if _, has := dir["jobs"]; !has {
			t.Fatal("a folder has no jobs")
		}
	})
	t.Run("rule 14: the quiet period is 5 s by default, delay overrides it, left items stay", func(t *testing.T) {
		d := start(t, "", nil, "--quiet-period", "5s")
		dtok := d.adminToken(t)
		d.createJob(t, "q", shellJob("true"))
		r := d.must(t, 201, req{method: "POST", path: "job/q/build", user: "admin", secret: dtok})
		var job struct {
			InQueue   bool
			QueueItem *struct {
				ID  int64
				Why string
			}
		}
		d.json(t, "job/q/api/json?tree=inQueue,queueItem[id,why]", &job)
		if !job.InQueue || job.QueueItem == nil || !strings.HasPrefix(job.QueueItem.Why, "In the quiet period. Expires in ") {
			t.Fatalf("job right after the trigger: %+v %+v", job, job.QueueItem)
		}
		d.must(t, 302, req{method: "POST", path: strings.TrimPrefix(r.header.Get("Location"), d.url) + "cancelQueue", user: "admin", secret: dtok})
		loc := d.must(t, 201, req{method: "POST", path: "job/q/build?delay=0sec", user: "admin", secret: dtok}).header.Get("Location")
		b := d.waitBuild(t, loc)
		var left struct {
			Executable *struct {
				Number int64
				URL    string
			}
		}
		d.json(t, strings.TrimPrefix(loc, d.url)+"api/json", &left)
		if left.Executable == nil || left.Executable.Number != b.Number {
			t.Fatalf("left item: %+v", left)
		}
	})
	t.Run("rule 15: config.xml is stored as posted, unknown classes and comments included", func(t *testing.T) {
		xml := "<?xml version='1.1' encoding='UTF-8'?>\n<project>\n  <description>managed\n<!-- Managed by Jenkins Job Builder --></description>\n" +
			"  <builders><jenkins.tasks.Shell><command>echo hi</command></jenkins.tasks.Shell></builders>\n" +
			"  <buildWrappers><org.example.Unknown plugin=\"x@1\"><a>b</a></org.example.Unknown></buildWrappers>\n</project>"
		j.createJob(t, "asposted", xml)
		if got := j.must(t, 200, asToken(req{path: "job/asposted/config.xml"})).body; got != xml {
			t.Fatalf("read back:\n%s", got)
		}
	})
}
