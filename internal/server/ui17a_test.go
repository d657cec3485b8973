package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/auth"
	"github.com/jeeves-ci/jeeves/internal/authz"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/nodeconfig"
	"github.com/jeeves-ci/jeeves/internal/sshagent"
)

// The pages of items, views, nodes, people and history over real HTTP:
// what they show, what their forms do and refuse, and the checks and
// completions their scripts fetch.

// uiForm POSTs v as one of the web UI's forms, with header's
// credentials (an API token: no session, so a refused form's page is
// the answer itself rather than held for a redirect).
func (rs *routeStack) uiForm(t *testing.T, path string, v url.Values, header map[string]string) rawResp {
	t.Helper()
	v = cloneValues(v)
	v.Set("jeeves-form", "1")
	h := map[string]string{"Accept": "text/html"}
	for k, x := range header {
		h[k] = x
	}
	return rs.raw(t, "POST", path, v.Encode(), h)
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, x := range v {
		out[k] = slices.Clone(x)
	}
	return out
}

// page GETs path with header, wanting status.
func (rs *routeStack) page(t *testing.T, path string, header map[string]string, status int) string {
	t.Helper()
	r := rs.raw(t, "GET", path, "", header)
	if r.status != status {
		t.Fatalf("GET %s: %d, want %d\n%s", path, r.status, status, r.body)
	}
	return r.body
}

func has(t *testing.T, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("the answer lacks %q", w)
		}
	}
	if t.Failed() {
		t.Logf("answer:\n%s", body)
	}
}

func hasNot(t *testing.T, body string, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(body, w) {
			t.Errorf("the answer has %q", w)
		}
	}
}

func TestItemPages(t *testing.T) {
	rs := newRouteStack(t)
	admin := basic("admin", rs.adminToken)
	rs.adminDo(t, "POST", "createItem?name=src", postedXML)
	rs.adminDo(t, "POST", "createItem?name=team&mode=com.cloudbees.hudson.plugins.folder.Folder", "")
	rs.adminDo(t, "POST", "job/team/createItem?name=inner", shellXML)
	src := job(t, rs, "src")

	t.Run("Copy from makes the item from the source's config.xml and opens its Configure page", func(t *testing.T) {
		res := rs.browserPost(t, "view/all/newJob", "view/all/newJob", "mode=copy&name=copied&from=src", rs.session, rs.sessionCrumb)
		if res.status != http.StatusSeeOther || res.header.Get("Location") != rs.url+"job/copied/configure" {
			t.Fatalf("%d %q\n%s", res.status, res.header.Get("Location"), res.body)
		}
		if got := string(job(t, rs, "copied").ConfigXML); got != string(src.ConfigXML) {
			t.Fatalf("the copy's config.xml:\n%s\nwant the source's:\n%s", got, src.ConfigXML)
		}
	})
	t.Run("in a folder Copy from names its source from the folder, or from the top with a leading slash", func(t *testing.T) {
		for _, c := range []struct{ name, from, source string }{{"c1", "inner", "team/inner"}, {"c2", "/src", "src"}} {
			res := rs.uiForm(t, "job/team/newJob", url.Values{"mode": {"copy"}, "name": {c.name}, "from": {c.from}}, admin)
			if res.status != http.StatusSeeOther || res.header.Get("Location") != rs.url+"job/team/job/"+c.name+"/configure" {
				t.Fatalf("from %s: %d %q", c.from, res.status, res.header.Get("Location"))
			}
			if string(job(t, rs, "team/"+c.name).ConfigXML) != string(job(t, rs, c.source).ConfigXML) {
				t.Fatalf("team/%s is not a copy of %s", c.name, c.source)
			}
		}
	})
	t.Run("Copy from that cannot copy comes back as typed, the reason beside its field, and stores nothing", func(t *testing.T) {
		for _, c := range []struct{ name, from, want string }{
			{"n1", "", "Enter the name of the item to copy"},
			{"n2", "nope", "No such item: nope"},
			{"a&lt;b", "src", "is an unsafe character"},
			{"src", "src", "A job already exists with the name ‘src’"},
			{"", "src", "Enter an item name"},
		} {
			name, _ := url.QueryUnescape(strings.ReplaceAll(c.name, "&lt;", "%3C"))
			res := rs.uiForm(t, "view/all/newJob", url.Values{"mode": {"copy"}, "name": {name}, "from": {c.from}}, admin)
			if res.status != http.StatusBadRequest {
				t.Fatalf("%q from %q: %d, want 400", name, c.from, res.status)
			}
			has(t, res.body, c.want, `id="copy-name" name="name" value="`+c.name+`"`, `id="form-error"`)
			if name != "src" && name != "" {
				if _, err := rs.jobs.Get(name); err == nil {
					t.Fatalf("%q was stored", name)
				}
			}
		}
	})
	t.Run("Copy from needs Job/ExtendedRead on its source", func(t *testing.T) {
		if _, err := rs.au.CreateUser(context.Background(), "carol", "carol-pw", "", "", false); err != nil {
			t.Fatal(err)
		}
		st := stackStrategy
		st.Grants = append(slices.Clone(st.Grants), authz.Grant{Type: "USER", Sid: "carol", Permissions: []string{authz.ItemCreate}})
		if err := rs.app.Authz.Set(context.Background(), st); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(rs.reset)
		h := basic("carol", "carol-pw")
		h["Jenkins-Crumb"] = crumbOf(t, rs, h)
		res := rs.uiForm(t, "view/all/newJob", url.Values{"mode": {"copy"}, "name": {"stolen"}, "from": {"src"}}, h)
		if res.status != http.StatusForbidden || res.header.Get("X-Required-Permission") != authz.ItemExtRead {
			t.Fatalf("%d %q", res.status, res.header.Get("X-Required-Permission"))
		}
		if _, err := rs.jobs.Get("stolen"); err == nil {
			t.Fatal("the copy was made")
		}
	})
	t.Run("checkJobName says what is wrong with a new item's name as it is typed", func(t *testing.T) {
		for _, c := range []struct{ path, want string }{
			{"view/all/checkJobName?value=", ""},
			{"view/all/checkJobName?value=fine", ""},
			{"view/all/checkJobName?value=a%3Cb", `<div class="error">‘&lt;’ is an unsafe character</div>`},
			{"view/all/checkJobName?value=src", `<div class="error">A job already exists with the name ‘src’</div>`},
			{"job/team/view/all/checkJobName?value=inner", `<div class="error">A job already exists with the name ‘inner’</div>`},
			{"job/team/view/all/checkJobName?value=src", ""},
		} {
			r := rs.raw(t, "GET", c.path, "", admin)
			if r.status != 200 || r.body != c.want || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
				t.Errorf("%s: %d %q, want %q", c.path, r.status, r.body, c.want)
			}
		}
		if r := rs.raw(t, "GET", "view/all/checkJobName?value=x", "", basic("bob", "bob-pw")); r.status != 403 {
			t.Errorf("bob, who may not create, was answered %d", r.status)
		}
	})
	t.Run("Copy from's completion offers the items whose names start with what is typed", func(t *testing.T) {
		complete := func(path string) []string {
			t.Helper()
			r := rs.raw(t, "GET", path, "", admin)
			var got struct {
				Class       string `json:"_class"`
				Suggestions []struct{ Name string }
			}
			if err := json.Unmarshal([]byte(r.body), &got); err != nil || r.status != 200 || got.Class != "hudson.model.AutoCompletionCandidates" {
				t.Fatalf("%s: %d %s", path, r.status, r.body)
			}
			var names []string
			for _, s := range got.Suggestions {
				names = append(names, s.Name)
			}
			return names
		}
		root := "view/all/descriptorByName/hudson.model.AllView/autoCompleteCopyNewItemFrom?value="
		folder := "job/team/view/all/descriptorByName/hudson.model.AllView/autoCompleteCopyNewItemFrom?value="
		for _, c := range []struct {
			path string
			want []string
		}{
			{root + "S", []string{"src"}},
			{root + "team/", []string{"team/c1", "team/c2", "team/inner"}},
			{folder + "in", []string{"inner"}},
			{folder + "/s", []string{"/src"}},
		} {
			if got := complete(c.path); !slices.Equal(got, c.want) {
				t.Errorf("%s: %v, want %v", c.path, got, c.want)
			}
		}
	})
	t.Run("the Rename page posts to confirmRename, whose refusal comes back as typed", func(t *testing.T) {
		rs.adminDo(t, "POST", "createItem?name=old", shellXML)
		body := rs.page(t, "job/old/confirm-rename", admin, 200)
		has(t, body, `action="`+rs.url+`job/old/confirmRename"`, `id="newName" name="newName" value="old"`, `data-check="`+rs.url+`job/old/checkNewName"`)
		for _, c := range []struct{ newName, want string }{
			{"a<b", "is an unsafe character"},
			{"src", "A job already exists with the name ‘src’"},
		} {
			res := rs.uiForm(t, "job/old/confirmRename", url.Values{"newName": {c.newName}}, admin)
			if res.status != 400 {
				t.Fatalf("%s: %d", c.newName, res.status)
			}
			has(t, res.body, c.want, `id="newName-check"`, `id="rename-form"`)
			job(t, rs, "old")
		}
		res := rs.uiForm(t, "job/old/confirmRename", url.Values{"newName": {" new "}}, admin)
		if res.status != http.StatusSeeOther || res.header.Get("Location") != rs.url+"job/new/" {
			t.Fatalf("%d %q", res.status, res.header.Get("Location"))
		}
		job(t, rs, "new")
	})
	t.Run("checkNewName says what is wrong with the new name as it is typed", func(t *testing.T) {
		for _, c := range []struct{ value, want string }{
			{"new", `<div class="warning">The new name is the same as the current name.</div>`},
			{"src", `<div class="error">The name “src” is already in use.</div>`},
			{"a%2Fb", `<div class="error">‘/’ is an unsafe character</div>`},
			{"renamed", ""},
		} {
			r := rs.raw(t, "GET", "job/new/checkNewName?newName="+c.value, "", admin)
			if r.status != 200 || r.body != c.want {
				t.Errorf("%s: %d %q, want %q", c.value, r.status, r.body, c.want)
			}
		}
		if r := rs.raw(t, "GET", "job/new/checkNewName?newName=x", "", basic("bob", "bob-pw")); r.status != 403 {
			t.Errorf("bob, who may not configure, was answered %d", r.status)
		}
	})
	t.Run("a job and a folder offer Rename; deleting a folder says what goes with it", func(t *testing.T) {
		has(t, rs.page(t, "job/src/", admin, 200), `id="rename" href="`+rs.url+`job/src/confirm-rename"`)
		has(t, rs.page(t, "job/team/", admin, 200), `id="rename" href="`+rs.url+`job/team/confirm-rename"`, `href="`+rs.url+`job/team/newJob"`)
		has(t, rs.page(t, "job/team/delete", admin, 200), "and the 3 items in it, with their builds?")
	})
}

func TestViewPages(t *testing.T) {
	rs := newRouteStack(t)
	admin := basic("admin", rs.adminToken)
	for _, n := range []string{"a1", "a2", "b1"} {
		rs.adminDo(t, "POST", "createItem?name="+n, shellXML)
	}
	rs.adminDo(t, "POST", "job/a2/disable", "")
	rs.adminDo(t, "POST", "createView?name=picked&mode=hudson.model.ListView", "")
	rs.adminDo(t, "POST", "view/picked/addJobToView?name=a1", "")
	rs.adminDo(t, "POST", "view/picked/addJobToView?name=b1", "")

	t.Run("a view's page lists its jobs only, under the tabs of every view", func(t *testing.T) {
		body := rs.page(t, "view/picked/", admin, 200)
		has(t, body, `<a href="`+rs.url+`view/picked/" aria-current="page">picked</a>`, `<a href="`+rs.url+`">All</a>`,
			`href="`+rs.url+`job/a1/"`, `href="`+rs.url+`job/b1/"`, `id="edit-view"`, `id="delete-view"`, `id="new-view"`)
		hasNot(t, body, `href="`+rs.url+`job/a2/"`)
		all := rs.page(t, "", admin, 200)
		has(t, all, `<a href="`+rs.url+`" aria-current="page">All</a>`, `href="`+rs.url+`job/a2/"`, `<a href="`+rs.url+`view/picked/">picked</a>`)
	})
	t.Run("New View from its form lands on Edit View; one refused comes back as typed", func(t *testing.T) {
		has(t, rs.page(t, "newView", admin, 200), `action="`+rs.url+`createView"`, `value="hudson.model.ListView" checked`)
		res := rs.browserPost(t, "createView", "newView", "name=fresh&mode=hudson.model.ListView", rs.session, rs.sessionCrumb)
		if res.status != http.StatusSeeOther || res.header.Get("Location") != rs.url+"view/fresh/configure" {
			t.Fatalf("%d %q", res.status, res.header.Get("Location"))
		}
		for _, c := range []struct{ name, want string }{
			{"picked", "A view already exists with the name"},
			{"all", "A view already exists with the name"},
			{"a<b", "is an unsafe character"},
		} {
			res := rs.uiForm(t, "createView", url.Values{"name": {c.name}, "mode": {"hudson.model.ListView"}}, admin)
			if res.status != 400 {
				t.Fatalf("%s: %d", c.name, res.status)
			}
			has(t, res.body, c.want, `id="new-view-form"`)
		}
		if r := rs.raw(t, "GET", "newView", "", basic("bob", "bob-pw")); r.status != 403 {
			t.Errorf("bob, who may not create views, was answered %d", r.status)
		}
	})
	t.Run("Edit View sets the jobs by checkbox and by regex, the status filter and the description", func(t *testing.T) {
		has(t, rs.page(t, "view/picked/configure", admin, 200), `name="item_a1" checked`, `name="item_a2">`, `name="item_b1" checked`, `name="json" value="{}"`)
		res := rs.uiForm(t, "view/picked/configSubmit", url.Values{"json": {"{}"}, "name": {"picked"}, "description": {"Team A"},
			"item_a2": {"on"}, "useincluderegex": {"on"}, "includeRegex": {"a.*"}, "statusFilter": {"1"}}, admin)
		if res.status != http.StatusSeeOther {
			t.Fatalf("%d\n%s", res.status, res.body)
		}
		v := view(rs, "picked")
		if v.Config.Description != "Team A" || !slices.Equal(v.Config.JobNames, []string{"a2"}) || v.Config.IncludeRegex != "a.*" || v.Config.StatusFilter == nil || !*v.Config.StatusFilter {
			t.Fatalf("%+v", v.Config)
		}
		body := rs.page(t, "view/picked/", admin, 200)
		has(t, body, `href="`+rs.url+`job/a1/"`, "Team A")
		hasNot(t, body, `href="`+rs.url+`job/a2/"`, `href="`+rs.url+`job/b1/"`) // a2 is disabled; b1 left the view
	})
	t.Run("Edit View with a regex that does not compile comes back as typed, and changes nothing", func(t *testing.T) {
		before := view(rs, "picked").Config
		res := rs.uiForm(t, "view/picked/configSubmit", url.Values{"json": {"{}"}, "name": {"picked"}, "description": {"typed"},
			"item_b1": {"on"}, "useincluderegex": {"on"}, "includeRegex": {"a("}}, admin)
		if res.status != 400 {
			t.Fatalf("%d", res.status)
		}
		has(t, res.body, "is not valid", `name="includeRegex" value="a("`, `name="item_b1" checked`, ">\ntyped</textarea>")
		if after := view(rs, "picked").Config; after.Description != before.Description || after.IncludeRegex != before.IncludeRegex {
			t.Fatalf("the view changed: %+v", after)
		}
	})
	t.Run("Edit View keeps the jobs the editor cannot see", func(t *testing.T) {
		rs.adminDo(t, "POST", "view/picked/addJobToView?name=b1", "")
		value, _ := rs.newToken(t, "a-only", auth.TokenOptions{Jobs: "a*"})
		limited := basic("admin", value)
		has(t, rs.page(t, "view/picked/configure", limited, 200), `name="item_a1"`)
		hasNot(t, rs.page(t, "view/picked/configure", limited, 200), `name="item_b1"`)
		res := rs.uiForm(t, "view/picked/configSubmit", url.Values{"json": {"{}"}, "name": {"picked"}, "item_a1": {"on"}}, limited)
		if res.status != http.StatusSeeOther {
			t.Fatalf("%d\n%s", res.status, res.body)
		}
		if got := view(rs, "picked").Config.JobNames; !slices.Equal(got, []string{"a1", "b1"}) {
			t.Fatalf("the view lists %v, want a1 and the hidden b1", got)
		}
	})
	t.Run("Delete View asks, then its button deletes the view", func(t *testing.T) {
		has(t, rs.page(t, "view/fresh/delete", admin, 200), `action="`+rs.url+`view/fresh/doDelete"`, "Delete the view ‘fresh’?")
		res := rs.uiForm(t, "view/fresh/doDelete", nil, admin)
		if res.status != http.StatusSeeOther {
			t.Fatalf("%d", res.status)
		}
		if _, err := rs.app.Views.Get("fresh"); err == nil {
			t.Fatal("the view is still there")
		}
	})
	t.Run("a folder's page has its All tab", func(t *testing.T) {
		rs.adminDo(t, "POST", "createItem?name=f&mode=com.cloudbees.hudson.plugins.folder.Folder", "")
		body := rs.page(t, "job/f/", admin, 200)
		has(t, body, `<a href="`+rs.url+`job/f/" aria-current="page">All</a>`)
		hasNot(t, body, `view/picked/`)
	})
}

// sshAgentForm is the agent form for an SSH agent with every setting.
func sshAgentForm(name string) url.Values {
	return url.Values{
		"name": {name}, "nodeDescription": {"builds <things>"}, "numExecutors": {"2"}, "remoteFS": {"/home/jenkins"}, "labelString": {"linux x64"},
		"mode": {"EXCLUSIVE"}, "launcher": {nodeconfig.ClassSSHLauncher}, "host": {"agent.example.com"}, "port": {"2222"}, "credentialsId": {"deploy-key"},
		"hostKey": {sshagent.ClassManuallyTrusted}, "requireInitialManualTrust": {"true"}, "launchTimeoutSeconds": {"30"}, "maxNumRetries": {"3"},
		"retryWaitTime": {"5"}, "prefixStartSlaveCmd": {"sudo -u ci"}, "suffixStartSlaveCmd": {""},
		"retention": {nodeconfig.ClassDemand}, "inDemandDelay": {"1"}, "idleDelay": {"5"},
		"env.name": {"JAVA_HOME", ""}, "env.value": {"/opt/jdk", ""},
	}
}

func TestNodePages(t *testing.T) {
	rs := newRouteStack(t)
	admin := basic("admin", rs.adminToken)
	rs.adminDo(t, "POST", "computer/doCreateItem?name=plain&type=hudson.slaves.DumbSlave", `json={"nodeDescription":"","numExecutors":"1","remoteFS":"/tmp","labelString":"docker","mode":"NORMAL"}`)
	// The SSH agents' credentials: an agent naming one that does not
	// exist is refused at save.
	for _, id := range []string{"deploy-key", "c"} {
		rs.adminDo(t, "POST", "credentials/store/system/domain/_/createCredentials", sshKeyXML(id, "ci", agentKeyPEM(t), ""))
	}

	t.Run("/computer/ lists every node with its state, labels and executors", func(t *testing.T) {
		body := rs.page(t, "computer/", admin, 200)
		has(t, body, `Built-In Node</a>`, `href="`+rs.url+`computer/plain/">plain</a>`, "Offline: not connected", "docker", `<span class="muted">Idle</span>`, `id="new-node"`)
		hasNot(t, rs.page(t, "computer/", basic("bob", "bob-pw"), 200), `id="new-node"`)
	})
	t.Run("New Node's form makes an SSH agent with every setting in its config.xml", func(t *testing.T) {
		has(t, rs.page(t, "computer/new", admin, 200), `id="node-form"`, `value="`+sshagent.ClassKnownHostsFile+`" selected`, `name="port" type="number" min="1" max="65535" value="22"`)
		res := rs.browserPost(t, "computer/new", "computer/new", sshAgentForm("ssh-1").Encode(), rs.session, rs.sessionCrumb)
		if res.status != http.StatusSeeOther || res.header.Get("Location") != rs.url+"computer/ssh-1/" {
			t.Fatalf("%d %q\n%s", res.status, res.header.Get("Location"), res.body)
		}
		n, err := rs.app.Nodes.Get("ssh-1")
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := nodeconfig.Parse(n.ConfigXML)
		if err != nil {
			t.Fatalf("%v\n%s", err, n.ConfigXML)
		}
		s := cfg.Launcher.SSH
		if cfg.Description != "builds <things>" || cfg.NumExecutors != 2 || cfg.RemoteFS != "/home/jenkins" || cfg.LabelString != "linux x64" || cfg.Mode != nodeconfig.Exclusive ||
			s == nil || s.Host != "agent.example.com" || s.Port != 2222 || s.CredentialsID != "deploy-key" || s.HostKey.Class != sshagent.ClassManuallyTrusted ||
			!s.HostKey.RequireInitialManualTrust || s.LaunchTimeoutSeconds != 30 || s.MaxNumRetries != 3 || s.RetryWaitTime != 5 || s.Prefix != "sudo -u ci" ||
			cfg.Retention.Class != nodeconfig.ClassDemand || cfg.Retention.InDemandDelay != 1 || cfg.Retention.IdleDelay != 5 ||
			!slices.Equal(cfg.Env, []nodeconfig.EnvVar{{Name: "JAVA_HOME", Value: "/opt/jdk"}}) {
			t.Fatalf("%+v %+v\n%s", cfg, s, n.ConfigXML)
		}
		body := rs.page(t, "computer/ssh-1/", admin, 200)
		has(t, body, "Agent ssh-1", "builds &lt;things&gt;", "<code>agent.example.com:2222</code>", "<code>deploy-key</code>", "Manually trusted key Verification Strategy",
			"3 retries, 5 s apart; 30 s to connect", "<code>sudo -u ci</code>", "Only build jobs with label expressions matching this node",
			"<code>JAVA_HOME</code>", "<code>/opt/jdk</code>", `<span class="tag">linux</span> <span class="tag">x64</span>`, `id="node-state-words"`, `id="mark-offline"`)
	})
	t.Run("New Node refuses what Jenkins's form refuses, as typed, the reason beside the field, and stores nothing", func(t *testing.T) {
		for _, c := range []struct {
			name   string
			change func(url.Values)
			want   string
		}{
			{"no host", func(v url.Values) { v.Set("host", "") }, `id="host-error">launcher/host: The Host must be specified`},
			{"a port that is no number", func(v url.Values) { v.Set("port", "ssh") }, `id="port-error">launcher/port must be a whole number`},
			{"no credential", func(v url.Values) { v.Set("credentialsId", "") }, `id="credentials-error">launcher/credentialsId: The selected credentials cannot be found`},
			{"a relative remote root", func(v url.Values) { v.Set("remoteFS", "work") }, `id="remote-fs-error">remoteFS: an SSH agent&#39;s remote root directory must be an absolute path`},
			{"no executors", func(v url.Values) { v.Set("numExecutors", "0") }, `id="num-executors-error">numExecutors must be a positive whole number`},
			{"a manually provided key that does not parse", func(v url.Values) {
				v.Set("hostKey", sshagent.ClassManuallyProvided)
				v.Set("hostKeyValue", "ssh-ed25519 not-base64")
			}, `id="host-key-value-error">launcher/sshHostKeyVerificationStrategy/key`},
			{"a variable without a name", func(v url.Values) { v["env.name"], v["env.value"] = []string{""}, []string{"x"} }, "An environment variable has a value but no name"},
			{"a name taken", func(v url.Values) { v.Set("name", "plain") }, "already exists"},
			{"no name", func(v url.Values) { v.Set("name", "") }, "Enter a node name"},
			{"the built-in node's name", func(v url.Values) { v.Set("name", "built-in") }, "is the built-in node"},
			{"a 2 KB label", func(v url.Values) { v.Set("labelString", strings.Repeat("l", 2048)) }, "labelString is 2048 bytes long"},
		} {
			t.Run(c.name, func(t *testing.T) {
				v := sshAgentForm("refused")
				c.change(v)
				res := rs.uiForm(t, "computer/new", v, admin)
				if res.status != 400 {
					t.Fatalf("%d\n%s", res.status, res.body)
				}
				has(t, res.body, c.want, `id="form-error"`, `id="node-form"`)
				if _, err := rs.app.Nodes.Get("refused"); err == nil {
					t.Fatal("the agent was stored")
				}
			})
		}
	})
	t.Run("Configure shows the agent's settings and saves them, keeping what the form does not show", func(t *testing.T) {
		xml := `<slave><name>kept</name><remoteFS>/srv</remoteFS><numExecutors>1</numExecutors><mode>NORMAL</mode>` +
			`<launcher class="hudson.plugins.sshslaves.SSHLauncher"><host>h</host><port>22</port><credentialsId>c</credentialsId><javaPath>/opt/java</javaPath><jvmOptions>-Xmx1g</jvmOptions></launcher></slave>`
		if r := rs.raw(t, "POST", "computer/createItem?name=kept", xml, admin); r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		body := rs.page(t, "computer/kept/configure", admin, 200)
		has(t, body, `action="`+rs.url+`computer/kept/configSubmit"`, `name="host" value="h"`, `name="remoteFS" value="/srv"`,
			`value="`+sshagent.ClassNonVerifying+`" selected`)
		hasNot(t, body, `id="node-name"`)
		v := sshAgentForm("kept")
		v.Set("nodeDescription", "changed")
		res := rs.uiForm(t, "computer/kept/configSubmit", v, admin)
		if res.status != http.StatusSeeOther || res.header.Get("Location") != rs.url+"computer/kept/" {
			t.Fatalf("%d %q\n%s", res.status, res.header.Get("Location"), res.body)
		}
		n, _ := rs.app.Nodes.Get("kept")
		cfg, err := nodeconfig.Parse(n.ConfigXML)
		if err != nil || cfg.Description != "changed" || cfg.Launcher.SSH.JavaPath != "/opt/java" || cfg.Launcher.SSH.JVMOptions != "-Xmx1g" || cfg.Launcher.SSH.Host != "agent.example.com" {
			t.Fatalf("%v %+v\n%s", err, cfg, n.ConfigXML)
		}
	})
	t.Run("Configure refuses to drop the node properties it does not show", func(t *testing.T) {
		xml := `<slave><name>props</name><remoteFS>/srv</remoteFS><numExecutors>1</numExecutors><mode>NORMAL</mode><launcher class="hudson.slaves.JNLPLauncher"/>` +
			`<nodeProperties><hudson.tools.ToolLocationNodeProperty/></nodeProperties></slave>`
		if r := rs.raw(t, "POST", "computer/createItem?name=props", xml, admin); r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		has(t, rs.page(t, "computer/props/configure", admin, 200), `id="node-kept"`, "hudson.tools.ToolLocationNodeProperty")
		v := sshAgentForm("props")
		res := rs.uiForm(t, "computer/props/configSubmit", v, admin)
		if res.status != 400 {
			t.Fatalf("%d", res.status)
		}
		has(t, res.body, "which saving the form would drop")
		n, _ := rs.app.Nodes.Get("props")
		if !strings.Contains(string(n.ConfigXML), "ToolLocationNodeProperty") {
			t.Fatal("the property was dropped")
		}
	})
	t.Run("New Node copies an agent; checkName says what is wrong with a name", func(t *testing.T) {
		res := rs.uiForm(t, "computer/new", url.Values{"mode": {"copy"}, "name": {"ssh-2"}, "from": {"ssh-1"}}, admin)
		if res.status != http.StatusSeeOther || res.header.Get("Location") != rs.url+"computer/ssh-2/configure" {
			t.Fatalf("%d %q\n%s", res.status, res.header.Get("Location"), res.body)
		}
		res = rs.uiForm(t, "computer/new", url.Values{"mode": {"copy"}, "name": {"ssh-3"}, "from": {"nowhere"}}, admin)
		if res.status != 400 {
			t.Fatalf("%d", res.status)
		}
		has(t, res.body, `id="copy-node-from-error">No such agent: nowhere`)
		for _, c := range []struct{ value, want string }{
			{"fine", ""},
			{"plain", `<div class="error">Agent called ‘plain’ already exists</div>`},
			{"a%3Cb", `<div class="error">‘&lt;’ is an unsafe character</div>`},
		} {
			if r := rs.raw(t, "GET", "computer/checkName?value="+c.value, "", admin); r.status != 200 || r.body != c.want {
				t.Errorf("%s: %d %q, want %q", c.value, r.status, r.body, c.want)
			}
		}
	})
	t.Run("an agent's log, delete page, and taking it offline from its page", func(t *testing.T) {
		has(t, rs.page(t, "computer/plain/log", admin, 200), `data-progressive="`+rs.url+`computer/plain/logText/progressiveText"`, `id="no-log"`)
		hasNot(t, rs.page(t, "computer/plain/log", admin, 200), `data-more`)
		rs.page(t, "computer/plain/log", basic("bob", "bob-pw"), 403)
		has(t, rs.page(t, "computer/plain/delete", admin, 200), `action="`+rs.url+`computer/plain/doDelete"`)
		res := rs.uiForm(t, "computer/plain/toggleOffline", url.Values{"offlineMessage": {"disk <full>"}}, admin)
		if res.status != http.StatusSeeOther || res.header.Get("Location") != rs.url+"computer/plain/" {
			t.Fatalf("%d %q", res.status, res.header.Get("Location"))
		}
		has(t, rs.page(t, "computer/plain/", admin, 200), "Offline: taken offline (disk &lt;full&gt;)", `id="bring-online"`)
	})
	t.Run("the built-in node's page shows its executors and takes it offline", func(t *testing.T) {
		body := rs.page(t, "computer/(built-in)/", admin, 200)
		has(t, body, "Built-In Node", "Online", `id="node-executors"`, `action="`+rs.url+`computer/%28built-in%29/toggleOffline"`)
	})
}

func TestUserPage(t *testing.T) {
	rs := newRouteStack(t)
	admin := basic("admin", rs.adminToken)
	rs.adminDo(t, "POST", "createItem?name=mine", shellXML)
	rs.adminDo(t, "POST", "createItem?name=secret", shellXML)
	for _, name := range []string{"mine", "secret"} {
		rs.adminDo(t, "POST", "job/"+name+"/build?delay=0sec", "")
	}
	for seen := 0; seen < 2; {
		select {
		case <-rs.finished:
			seen++
		case <-time.After(20 * time.Second):
			t.Fatal("the builds did not finish")
		}
	}
	if err := rs.au.SetUserDescription(context.Background(), "admin", "Runs <the> place"); err != nil {
		t.Fatal(err)
	}

	t.Run("a user's page shows their name, description and the builds they started", func(t *testing.T) {
		body := rs.page(t, "user/admin/", map[string]string{"Accept": "text/html", "Authorization": admin["Authorization"]}, 200)
		has(t, body, `<h1 id="user-h">admin</h1>`, "Runs &lt;the&gt; place", `href="`+rs.url+`job/mine/1/">mine #1</a>`, `href="`+rs.url+`job/secret/1/">secret #1</a>`,
			`id="user-security" href="`+rs.url+`user/admin/security/"`, `action="`+rs.url+`user/admin/submitDescription"`)
	})
	t.Run("another user sees neither the Security link nor the description form, and only the builds they may see", func(t *testing.T) {
		body := rs.page(t, "user/admin/", basic("bob", "bob-pw"), 200)
		hasNot(t, body, `id="user-security"`, `submitDescription`)
		value, _ := rs.newToken(t, "mine-only", auth.TokenOptions{Jobs: "mine"})
		body = rs.page(t, "user/admin/", basic("admin", value), 200)
		has(t, body, "mine #1")
		hasNot(t, body, "secret #1")
		has(t, rs.page(t, "user/bob/", basic("bob", "bob-pw"), 200), `id="user-security"`, "No builds they started")
	})
	t.Run("the description form saves through submitDescription", func(t *testing.T) {
		res := rs.uiForm(t, "user/admin/submitDescription", url.Values{"description": {"new words"}}, admin)
		if res.status != http.StatusSeeOther || res.header.Get("Location") != rs.url+"user/admin/" {
			t.Fatalf("%d %q", res.status, res.header.Get("Location"))
		}
		has(t, rs.page(t, "user/admin/", admin, 200), "new words")
	})
	t.Run("Manage → Users and the user menu link to the user's page", func(t *testing.T) {
		has(t, rs.page(t, "manage/users/", admin, 200), `<a href="`+rs.url+`user/bob/">bob</a>`, `id="user-page-link" href="`+rs.url+`user/admin/"`)
	})
}

// importBuilds records finished builds of job numbered 1…n but the
// holes, and tells the job registry its new status.
func importBuilds(t *testing.T, rs *routeStack, name string, n int64, holes ...int64) {
	t.Helper()
	ctx := context.Background()
	j := job(t, rs, name)
	var bs []model.Build
	base := time.Now().Add(-time.Duration(n) * time.Hour)
	for i := int64(1); i <= n; i++ {
		if slices.Contains(holes, i) {
			continue
		}
		r := model.Success
		if i%10 == 0 {
			r = model.Failure
		}
		bs = append(bs, model.Build{Number: i, Result: r, StartedAt: base.Add(time.Duration(i) * time.Hour), Duration: time.Second,
			Causes: []model.Cause{{Kind: model.CauseUser, UserID: "admin"}}})
	}
	if err := rs.app.Store.ImportBuilds(ctx, j.ID, bs); err != nil {
		t.Fatal(err)
	}
	st, err := rs.app.Store.JobStatus(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	rs.jobs.SetStatus(j.ID, st)
}

func TestHistoryPages(t *testing.T) {
	rs := newRouteStack(t)
	admin := basic("admin", rs.adminToken)
	rs.adminDo(t, "POST", "createItem?name=long", shellXML)
	importBuilds(t, rs, "long", 75, 40, 41)
	u := rs.url + "job/long/"
	row := regexp.MustCompile(`<a href="` + regexp.QuoteMeta(u) + `(\d+)/">#`)
	rows := func(body string) []string {
		var out []string
		for _, m := range row.FindAllStringSubmatch(body, -1) {
			out = append(out, m[1])
		}
		return out
	}

	t.Run("the job page's history pages back to the first build and forward again", func(t *testing.T) {
		body := rs.page(t, "job/long/", admin, 200)
		got := rows(body)
		if len(got) != 30 || got[0] != "75" || got[29] != "46" {
			t.Fatalf("the first page lists %v", got)
		}
		has(t, body, `href="`+u+`?older-than=46" id="history-older"`, `href="`+u+`builds" id="history-full"`)
		hasNot(t, body, `id="history-newer"`)
		body = rs.page(t, "job/long/?older-than=46", admin, 200)
		if got := rows(body); len(got) != 30 || got[0] != "45" || got[4] != "39" || got[29] != "14" {
			t.Fatalf("the second page lists %v", got)
		}
		has(t, body, `href="`+u+`?newer-than=45" id="history-newer"`, `href="`+u+`?older-than=14"`)
		body = rs.page(t, "job/long/?older-than=14", admin, 200)
		if got := rows(body); len(got) != 13 || got[0] != "13" || got[12] != "1" {
			t.Fatalf("the last page lists %v", got)
		}
		hasNot(t, body, `id="history-older"`)
		body = rs.page(t, "job/long/?newer-than=45", admin, 200)
		if got := rows(body); len(got) != 30 || got[0] != "75" || got[29] != "46" {
			t.Fatalf("back to the newest: %v", got)
		}
		hasNot(t, body, `id="history-newer"`)
	})
	t.Run("the full history page lists 50 builds a page", func(t *testing.T) {
		body := rs.page(t, "job/long/builds", admin, 200)
		if got := rows(body); len(got) != 50 || got[0] != "75" || got[49] != "24" {
			t.Fatalf("%v", got)
		}
		has(t, body, `href="`+u+`builds?older-than=24"`)
	})
	t.Run("a build links to the builds before and after it, across deleted ones", func(t *testing.T) {
		for _, c := range []struct {
			n          string
			prev, next string
		}{{"42", "39", "43"}, {"39", "38", "42"}, {"1", "", "2"}, {"75", "74", ""}} {
			body := rs.page(t, "job/long/"+c.n+"/", admin, 200)
			if c.prev != "" {
				has(t, body, `<a href="`+u+c.prev+`/" id="previous-build"`)
			} else {
				hasNot(t, body, `id="previous-build"`)
			}
			if c.next != "" {
				has(t, body, `<a href="`+u+c.next+`/" id="next-build"`)
			} else {
				hasNot(t, body, `id="next-build"`)
			}
		}
	})
	t.Run("the job page lists its permalinks", func(t *testing.T) {
		has(t, rs.page(t, "job/long/", admin, 200), `<a href="`+u+`75/">Last build (#75)`, `<a href="`+u+`70/">Last failed build (#70)`,
			`<a href="`+u+`75/">Last successful build (#75)`, `<a href="`+u+`70/">Last unsuccessful build (#70)`)
	})
	t.Run("a paging link that is not a number is the first page", func(t *testing.T) {
		if got := rows(rs.page(t, "job/long/?older-than=x&newer-than=-3", admin, 200)); len(got) != 30 || got[0] != "75" {
			t.Fatalf("%v", got)
		}
	})
}

func TestSearch(t *testing.T) {
	rs := newRouteStack(t)
	admin := basic("admin", rs.adminToken)
	rs.adminDo(t, "POST", "createItem?name=web&mode=com.cloudbees.hudson.plugins.folder.Folder", "")
	rs.adminDo(t, "POST", "job/web/createItem?name=deploy", shellXML)
	rs.adminDo(t, "POST", "createItem?name=deploy-docs", shellXML)
	rs.adminDo(t, "POST", "createItem?name=api", shellXML)
	rs.adminDo(t, "POST", "createView?name=deployments&mode=hudson.model.ListView", "")

	t.Run("a query that names one item goes to it", func(t *testing.T) {
		for _, c := range []struct{ q, to string }{
			{"web/deploy", "job/web/job/deploy/"},
			{"DEPLOY", "job/web/job/deploy/"},
			{"api", "job/api/"},
			{"deployments", "view/deployments/"},
			{"built-in", ""},
		} {
			r := rs.raw(t, "GET", "search/?q="+url.QueryEscape(c.q), "", admin)
			if c.to == "" {
				if r.status != 404 {
					t.Errorf("%s: %d, want the 404 page", c.q, r.status)
				}
				continue
			}
			if r.status != http.StatusFound || r.header.Get("Location") != rs.url+c.to {
				t.Errorf("%s: %d %q, want 302 to %s", c.q, r.status, r.header.Get("Location"), c.to)
			}
		}
	})
	t.Run("a query that names none lists what holds it, with Jenkins's 404", func(t *testing.T) {
		body := rs.page(t, "search/?q=dep", admin, 404)
		has(t, body, `<a href="`+rs.url+`job/deploy-docs/">deploy-docs</a>`, `<a href="`+rs.url+`job/web/job/deploy/">web/deploy</a>`, `<a href="`+rs.url+`view/deployments/">deployments</a>`)
		has(t, rs.page(t, "search/?q=zzz", admin, 404), "Nothing seems to match.")
		rs.page(t, "search/", admin, 200)
		rs.page(t, "search/?q="+strings.Repeat("x", 2000), admin, 400)
	})
	t.Run("suggest answers as Jenkins's Search.doSuggest, the closest first, and only what the caller may see", func(t *testing.T) {
		suggest := func(h map[string]string, q string) []map[string]string {
			r := rs.raw(t, "GET", "search/suggest?query="+url.QueryEscape(q), "", h)
			var got struct {
				Class       string `json:"_class"`
				Suggestions []map[string]string
			}
			if err := json.Unmarshal([]byte(r.body), &got); err != nil || r.status != 200 || got.Class != "hudson.search.Search$Result" {
				t.Fatalf("%d %s", r.status, r.body)
			}
			return got.Suggestions
		}
		got := suggest(admin, "deploy")
		var names []string
		for _, s := range got {
			names = append(names, s["name"])
		}
		if !slices.Equal(names, []string{"web/deploy", "deploy-docs", "deployments"}) {
			t.Fatalf("%v", names)
		}
		if got[0]["url"] != "/job/web/job/deploy/" || got[0]["group"] != "Items" || got[2]["group"] != "Views" {
			t.Fatalf("%v", got)
		}
		value, _ := rs.newToken(t, "api-only", auth.TokenOptions{Jobs: "api"})
		for _, s := range suggest(basic("admin", value), "d") {
			if s["group"] == "Items" {
				t.Errorf("a hidden item was suggested: %v", s)
			}
		}
		if n := len(suggest(admin, "")); n != 0 {
			t.Errorf("an empty query suggests %d", n)
		}
	})
	t.Run("the header's search box is on every page", func(t *testing.T) {
		has(t, rs.page(t, "job/api/", admin, 200), `action="`+rs.url+`search/"`, `data-suggest="`+rs.url+`search/suggest"`, `<label for="search-box" class="sr">`)
	})
}

// The forms of the node, view and people pages under
// Post/Redirect/Get, with TestEveryUIFormPOSTAnswersSeeOther's.
func init() {
	uiPOSTRoutes = append(uiPOSTRoutes, []struct {
		route, referer, body string
		setup                func(t *testing.T, rs *routeStack, path string)
		held                 string
		notice               string
		status               int
	}{
		{route: "job/{job}/confirmRename?newName={fresh}", referer: "job/{job}/confirm-rename"},
		{route: "createView?name={fresh}&mode=hudson.model.ListView", referer: "newView"},
		// The form's name is the view's; the table cannot fill it in, so
		// it posts none: the refusal comes back through the flash store.
		{route: "view/{view}/configSubmit", referer: "view/{view}/configure", body: "json={}", held: "No name is specified", status: http.StatusBadRequest},
		{route: "view/{view}/doDelete", referer: "view/{view}/delete"},
		{route: "user/{user}/submitDescription?description=new", referer: "user/{user}/"},
		{route: "computer/new", referer: "computer/new", body: "name=ui-node&" + agentForm},
		{route: "computer/{node}/configSubmit", referer: "computer/{node}/configure", body: agentForm},
		{route: "computer/{node}/toggleOffline", referer: "computer/{node}/"},
		{route: "computer/(built-in)/toggleOffline", referer: "computer/(built-in)/"},
		{route: "computer/{node}/doDelete", referer: "computer/{node}/delete"},
		// The fixture agent is an inbound one: jeeves does not launch it, and the answer is the refusal, shown once.
		{route: "computer/{node}/launchSlaveAgent", referer: "computer/{node}/", held: "is an inbound agent", status: http.StatusBadRequest},
	}...)
}
