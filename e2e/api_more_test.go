package e2e

import (
	"encoding/json"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// TestCrumbIssuer covers the crumb issuer: the API shapes, the xpath recipes clients
// use, the doubled path, and turning CSRF protection off.
func TestCrumbIssuer(t *testing.T) {
	j := start(t, "", nil)
	admin := func(t *testing.T, path string) resp {
		return j.must(t, 200, req{path: path, user: "admin", secret: adminPassword})
	}
	crumb := j.crumb(t, "admin", adminPassword)

	t.Run("api/xml carries the crumb and its field", func(t *testing.T) {
		r := admin(t, "crumbIssuer/api/xml")
		want := `<defaultCrumbIssuer _class='hudson.security.csrf.DefaultCrumbIssuer'><crumb>` + crumb + `</crumb><crumbRequestField>Jenkins-Crumb</crumbRequestField></defaultCrumbIssuer>`
		if !strings.Contains(r.body, want) {
			t.Fatalf("got %s", r.body)
		}
	})
	t.Run("the concat xpath gives a ready header line", func(t *testing.T) {
		r := admin(t, `crumbIssuer/api/xml?xpath=concat(//crumbRequestField,":",//crumb)`)
		if r.body != "Jenkins-Crumb:"+crumb {
			t.Fatalf("got %q", r.body)
		}
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
			t.Fatalf("Content-Type %q", ct)
		}
	})
	t.Run("the text() xpaths give the crumb and the field", func(t *testing.T) {
		if r := admin(t, `crumbIssuer/api/xml?xpath=/*/crumb/text()`); r.body != crumb {
			t.Fatalf("got %q", r.body)
		}
		if r := admin(t, `crumbIssuer/api/xml?xpath=/*/crumbRequestField/text()`); r.body != "Jenkins-Crumb" {
			t.Fatalf("got %q", r.body)
		}
	})
	t.Run("the doubled path python-jenkins once used answers the same", func(t *testing.T) {
		var c struct{ Crumb string }
		j.json(t, "crumbIssuer/api/json/api/json", &c)
		if c.Crumb != crumb {
			t.Fatalf("got %q", c.Crumb)
		}
	})
	t.Run("the crumb works in a form field too", func(t *testing.T) {
		j.createJob(t, "form-crumb", shellJob("true"))
		j.must(t, 201, req{method: "POST", path: "job/form-crumb/build?delay=0sec", user: "admin", secret: adminPassword,
			header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, body: "Jenkins-Crumb=" + crumb})
	})
	t.Run("another user's crumb is refused", func(t *testing.T) {
		if r := j.do(t, req{method: "POST", path: "securityRealm/createAccountByAdmin", user: "admin", secret: j.adminToken(t),
			header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
			body:   "username=mallory&password1=pw-mallory&password2=pw-mallory&fullname=M"}); r.status >= 400 {
			t.Fatalf("create mallory: %d %s", r.status, r.body)
		}
		r := j.do(t, req{method: "POST", path: "job/form-crumb/build", user: "mallory", secret: "pw-mallory",
			header: map[string]string{"Jenkins-Crumb": crumb}})
		if r.status != 403 || !strings.Contains(r.body, "No valid crumb was included in the request") {
			t.Fatalf("status %d\n%s", r.status, r.body)
		}
	})

	off := start(t, "", nil, "--csrf=false")
	t.Run("with --csrf=false the crumb issuer is 404", func(t *testing.T) {
		off.must(t, 404, req{path: "crumbIssuer/api/json", user: "admin", secret: adminPassword})
	})
	t.Run("with --csrf=false a password POST needs no crumb", func(t *testing.T) {
		off.createJob(t, "free", shellJob("true"))
		off.must(t, 201, req{method: "POST", path: "job/free/build", user: "admin", secret: adminPassword})
	})
	t.Run("with --csrf=false the root says useCrumbs false", func(t *testing.T) {
		var root struct{ UseCrumbs, UseSecurity bool }
		off.json(t, "api/json", &root)
		if root.UseCrumbs || !root.UseSecurity {
			t.Fatalf("%+v", root)
		}
	})
}

// TestTokenAPI covers the API token endpoints: several named tokens, listing
// without values, rename, revoke, and the same under /user/NAME/.
func TestTokenAPI(t *testing.T) {
	j := start(t, "", nil)
	admin := j.adminToken(t)
	const base = "me/descriptorByName/jenkins.security.ApiTokenProperty/"
	post := func(path, body string) map[string]any {
		t.Helper()
		r := j.must(t, 200, req{method: "POST", path: path, user: "admin", secret: admin,
			header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, body: body})
		var out map[string]any
		if err := json.Unmarshal([]byte(r.body), &out); err != nil || out["status"] != "ok" {
			t.Fatalf("%s: %v %s", path, err, r.body)
		}
		return out
	}
	second := post(base+"generateNewToken", "newTokenName=second")["data"].(map[string]any)
	value, uuid := second["tokenValue"].(string), second["tokenUuid"].(string)

	t.Run("the new token works at once", func(t *testing.T) {
		j.must(t, 200, req{path: "api/json", user: "admin", secret: value})
	})
	tokens := func() map[string]string {
		t.Helper()
		r := j.must(t, 200, req{path: "user/admin/apiTokens/api/json", user: "admin", secret: admin})
		if strings.Contains(r.body, value[2:]) || strings.Contains(r.body, admin[2:]) {
			t.Fatal("a token value appears in the token list")
		}
		var list struct{ Tokens []struct{ UUID, Name string } }
		if err := json.Unmarshal([]byte(r.body), &list); err != nil {
			t.Fatal(err)
		}
		byUUID := map[string]string{}
		for _, tk := range list.Tokens {
			byUUID[tk.UUID] = tk.Name
		}
		return byUUID
	}
	t.Run("the token list names each token, never its value", func(t *testing.T) {
		if got := tokens(); len(got) != 2 || got[uuid] != "second" {
			t.Fatalf("%v", got)
		}
	})
	t.Run("rename changes the name", func(t *testing.T) {
		post(base+"rename", "tokenUuid="+uuid+"&newName=renamed")
		if got := tokens(); got[uuid] != "renamed" {
			t.Fatalf("%v", got)
		}
	})
	t.Run("revoke under /user/NAME/ ends the token", func(t *testing.T) {
		post("user/admin/descriptorByName/jenkins.security.ApiTokenProperty/revoke", "tokenUuid="+uuid)
		r := j.do(t, req{path: "api/json", user: "admin", secret: value})
		if r.status != 401 {
			t.Fatalf("status %d after revoke", r.status)
		}
	})
	t.Run("no token value is in the server's log", func(t *testing.T) {
		if strings.Contains(j.logBuf.String(), value[2:]) || strings.Contains(j.logBuf.String(), admin[2:]) {
			t.Fatal("a token value was logged")
		}
	})
	t.Run("generateNewToken without a name makes one anyway, as Jenkins does", func(t *testing.T) {
		data := post(base+"generateNewToken", "")["data"].(map[string]any)
		if data["tokenName"] == "" || !strings.HasPrefix(data["tokenValue"].(string), "11") {
			t.Fatalf("%v", data)
		}
	})
}

// TestUsers covers /user/NAME/api/json, /me and createAccountByAdmin's
// checks.
func TestUsers(t *testing.T) {
	j := start(t, "", nil)
	tok := j.adminToken(t)
	create := func(body string) resp {
		return j.do(t, req{method: "POST", path: "securityRealm/createAccountByAdmin", user: "admin", secret: tok,
			header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, body: body})
	}
	if r := create("username=bob&password1=pw-bob-1&password2=pw-bob-1&fullname=Bob+Builder&email=bob%40example.com"); r.status >= 400 {
		t.Fatalf("create bob: %d %s", r.status, r.body)
	}
	t.Run("the user API names the user", func(t *testing.T) {
		var u struct {
			Class       string `json:"_class"`
			ID          string
			FullName    string
			AbsoluteURL string
		}
		j.json(t, "user/bob/api/json", &u)
		if u.Class != "hudson.model.User" || u.ID != "bob" || u.FullName != "Bob Builder" || !strings.HasSuffix(u.AbsoluteURL, "/user/bob") {
			t.Fatalf("%+v", u)
		}
	})
	t.Run("/me is whoever asks", func(t *testing.T) {
		r := j.must(t, 200, req{path: "me/api/json", user: "bob", secret: "pw-bob-1"})
		if !strings.Contains(r.body, `"id":"bob"`) {
			t.Fatal(r.body)
		}
	})
	t.Run("an unknown user is 404", func(t *testing.T) {
		j.must(t, 404, req{path: "user/nobody/api/json", user: "admin", secret: tok})
	})
	for _, c := range []struct{ name, body string }{
		{"mismatched passwords are refused", "username=carol&password1=a-password&password2=another"},
		{"an existing user is refused", "username=bob&password1=pw&password2=pw"},
		{"an empty name is refused", "username=&password1=pw&password2=pw"},
		{"a name with a slash is refused", "username=a%2Fb&password1=pw&password2=pw"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if r := create(c.body); r.status != 400 {
				t.Fatalf("status %d\n%s", r.status, r.body)
			}
		})
	}
	t.Run("only an admin may create users", func(t *testing.T) {
		r := j.do(t, req{method: "POST", path: "securityRealm/createAccountByAdmin", user: "bob", secret: "pw-bob-1",
			header: map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Jenkins-Crumb": j.crumb(t, "bob", "pw-bob-1")},
			body:   "username=eve&password1=pw&password2=pw"})
		if r.status != 403 {
			t.Fatalf("status %d", r.status)
		}
		j.must(t, 404, req{path: "user/eve/api/json", user: "admin", secret: tok})
	})
}

// TestJobConfig covers a job's config.xml: the XML is kept as posted, Jenkins's XML 1.1
// is accepted, updates and deletes work, and the job's API reflects them.
func TestJobConfig(t *testing.T) {
	j := start(t, "", nil)
	tok := j.adminToken(t)
	const posted = `<?xml version='1.1' encoding='UTF-8'?>
<project>
  <actions/>
  <description>tab&#9;and bell&#x7;</description>
  <keepDependencies>false</keepDependencies>
  <properties>
    <hudson.model.ParametersDefinitionProperty>
      <parameterDefinitions>
        <hudson.model.BooleanParameterDefinition>
          <name>FLAG</name>
          <defaultValue>true</defaultValue>
        </hudson.model.BooleanParameterDefinition>
      </parameterDefinitions>
    </hudson.model.ParametersDefinitionProperty>
  </properties>
  <scm class="hudson.scm.NullSCM"/>
  <canRoam>true</canRoam>
  <disabled>false</disabled>
  <quietPeriod>0</quietPeriod>
  <concurrentBuild>true</concurrentBuild>
  <builders>
    <hudson.tasks.Shell>
      <command>echo "flag=$FLAG"</command>
      <configuredLocalRules/>
    </hudson.tasks.Shell>
  </builders>
  <publishers/>
  <buildWrappers/>
  <com.example.SomePluginSetting>kept</com.example.SomePluginSetting>
</project>`
	j.createJob(t, "xml11", posted)

	t.Run("config.xml comes back as posted", func(t *testing.T) {
		r := j.must(t, 200, req{path: "job/xml11/config.xml", user: "admin", secret: tok})
		if r.body != posted {
			t.Fatalf("got\n%s", r.body)
		}
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/xml") {
			t.Fatalf("Content-Type %q", ct)
		}
	})
	t.Run("the job API shows the description, parameters and concurrency", func(t *testing.T) {
		var job struct {
			Description     string
			ConcurrentBuild bool
			Buildable       bool
			Property        []struct {
				Class                string `json:"_class"`
				ParameterDefinitions []struct {
					Name                  string
					Type                  string
					DefaultParameterValue struct{ Value any }
				}
			}
		}
		j.json(t, "job/xml11/api/json", &job)
		if job.Description != "tab\tand bell\a" || !job.ConcurrentBuild || !job.Buildable {
			t.Fatalf("%+v", job)
		}
		found := false
		for _, p := range job.Property {
			for _, d := range p.ParameterDefinitions {
				found = found || (d.Name == "FLAG" && d.Type == "BooleanParameterDefinition" && d.DefaultParameterValue.Value == true)
			}
		}
		if !found {
			t.Fatalf("no FLAG parameter: %+v", job.Property)
		}
	})
	t.Run("a boolean parameter reaches the build", func(t *testing.T) {
		r := j.must(t, 201, req{method: "POST", path: "job/xml11/buildWithParameters?FLAG=false", user: "admin", secret: tok})
		b := j.waitBuild(t, r.header.Get("Location"))
		text := j.must(t, 200, req{path: "job/xml11/" + strconv.FormatInt(b.Number, 10) + "/consoleText", user: "admin", secret: tok}).body
		if !strings.Contains(text, "flag=false") {
			t.Fatal(text)
		}
	})
	t.Run("POST config.xml replaces the job's config", func(t *testing.T) {
		updated := strings.Replace(posted, "<disabled>false</disabled>", "<disabled>true</disabled>", 1)
		j.must(t, 200, req{method: "POST", path: "job/xml11/config.xml", user: "admin", secret: tok,
			header: map[string]string{"Content-Type": "application/xml"}, body: updated})
		if got := j.must(t, 200, req{path: "job/xml11/config.xml", user: "admin", secret: tok}).body; got != updated {
			t.Fatalf("got\n%s", got)
		}
		var job struct {
			Color     string
			Buildable bool
		}
		j.json(t, "job/xml11/api/json", &job)
		if job.Color != "disabled" || job.Buildable {
			t.Fatalf("%+v", job)
		}
		j.must(t, 409, req{method: "POST", path: "job/xml11/build", user: "admin", secret: tok})
	})
	t.Run("doDelete removes the job", func(t *testing.T) {
		r := j.do(t, req{method: "POST", path: "job/xml11/doDelete", user: "admin", secret: tok})
		if r.status != 302 && r.status != 200 {
			t.Fatalf("status %d", r.status)
		}
		j.must(t, 404, req{path: "job/xml11/api/json", user: "admin", secret: tok})
		j.must(t, 404, req{path: "job/xml11/config.xml", user: "admin", secret: tok})
	})
	t.Run("a GET on doDelete deletes nothing", func(t *testing.T) {
		j.createJob(t, "keep", shellJob("true"))
		j.do(t, req{path: "job/keep/doDelete", user: "admin", secret: tok})
		j.must(t, 200, req{path: "job/keep/api/json", user: "admin", secret: tok})
	})
}

// TestReadAPI covers the read API: the three flavours, tree with ranges, depth,
// and the queue item's executable.
func TestReadAPI(t *testing.T) {
	j := start(t, "", nil)
	tok := j.adminToken(t)
	get := func(path string) resp { return j.must(t, 200, req{path: path, user: "admin", secret: tok}) }
	j.createJob(t, "alpha", shellJob("echo a"))
	j.createJob(t, "beta", shellJob("exit 1"))
	for i := 0; i < 3; i++ {
		j.waitBuild(t, j.trigger(t, "alpha"))
	}
	j.waitBuild(t, j.trigger(t, "beta"))

	t.Run("api/json is JSON with Jenkins's content type", func(t *testing.T) {
		r := get("api/json")
		if ct := r.header.Get("Content-Type"); ct != "application/json;charset=utf-8" {
			t.Fatalf("Content-Type %q", ct)
		}
	})
	t.Run("api/xml names the root hudson", func(t *testing.T) {
		r := get("api/xml?tree=jobs[name]")
		if r.body != `<hudson _class='hudson.model.Hudson'><job _class='hudson.model.FreeStyleProject'><name>alpha</name></job><job _class='hudson.model.FreeStyleProject'><name>beta</name></job></hudson>` {
			t.Fatalf("got %s", r.body)
		}
	})
	t.Run("api/python uses Python literals", func(t *testing.T) {
		r := get("job/alpha/lastBuild/api/python?tree=building,result,description")
		if r.body != `{"_class":"hudson.model.FreeStyleBuild","building":False,"description":None,"result":"SUCCESS"}` {
			t.Fatalf("got %s", r.body)
		}
	})
	t.Run("tree ranges pick builds", func(t *testing.T) {
		var job struct{ Builds []struct{ Number int64 } }
		if err := json.Unmarshal([]byte(get("job/alpha/api/json?tree=builds[number]{0,2}").body), &job); err != nil {
			t.Fatal(err)
		}
		if len(job.Builds) != 2 || job.Builds[0].Number != 3 || job.Builds[1].Number != 2 {
			t.Fatalf("%+v", job.Builds)
		}
	})
	t.Run("colours follow the last results", func(t *testing.T) {
		var root struct {
			Jobs []struct{ Name, Color string }
		}
		j.json(t, "api/json?tree=jobs[name,color]", &root)
		got := map[string]string{}
		for _, jb := range root.Jobs {
			got[jb.Name] = jb.Color
		}
		if got["alpha"] != "blue" || got["beta"] != "red" {
			t.Fatalf("%v", got)
		}
	})
	t.Run("depth=1 expands each build of a job", func(t *testing.T) {
		var job struct {
			Builds []struct {
				Result   string
				Duration *int64
			}
		}
		if err := json.Unmarshal([]byte(get("job/alpha/api/json?depth=1").body), &job); err != nil {
			t.Fatal(err)
		}
		if len(job.Builds) != 3 || job.Builds[0].Result != "SUCCESS" || job.Builds[0].Duration == nil {
			t.Fatalf("%+v", job.Builds)
		}
	})
	t.Run("the queue item shows its executable after the build started", func(t *testing.T) {
		loc := j.trigger(t, "alpha")
		b := j.waitBuild(t, loc)
		var item struct {
			Class      string `json:"_class"`
			Executable struct {
				Number int64
				URL    string
			}
			Task struct{ Name string }
		}
		j.json(t, strings.TrimPrefix(loc, j.url)+"api/json", &item)
		if item.Class != "hudson.model.Queue$LeftItem" || item.Executable.Number != b.Number || item.Task.Name != "alpha" {
			t.Fatalf("%+v", item)
		}
	})
	t.Run("pretty JSON is indented", func(t *testing.T) {
		if r := get("api/json?pretty=true&tree=jobs[name]"); !strings.Contains(r.body, "\n  \"jobs\" : [") {
			t.Fatalf("got %s", r.body)
		}
	})
	t.Run("permalinks resolve", func(t *testing.T) {
		var b struct{ Number int64 }
		j.json(t, "job/beta/lastFailedBuild/api/json", &b)
		if b.Number != 1 {
			t.Fatalf("%+v", b)
		}
		j.must(t, 404, req{path: "job/beta/lastSuccessfulBuild/api/json", user: "admin", secret: tok})
	})
}

// TestVersionCommand checks `jeeves version` prints the version the
// server sends as X-Jenkins.
func TestVersionCommand(t *testing.T) {
	out, err := exec.Command(binary, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	j := start(t, "", nil)
	r := j.do(t, req{path: "whoAmI/api/json"})
	if v := strings.TrimSpace(string(out)); v == "" || !strings.Contains(v, r.header.Get("X-Jenkins")) {
		t.Fatalf("version %q, X-Jenkins %q", v, r.header.Get("X-Jenkins"))
	}
}
