package e2e

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestSeedBaeldung performs every flow of the first seed document
// (../shared/seeds/000_*.txt) with curl, as written there.
func TestSeedBaeldung(t *testing.T) {
	need(t, "curl", "curl", "apt-get install curl") // the seeds are curl commands
	j := start(t, "", nil, "--executors", "2")
	base := "http://" + j.host()
	j.createJob(t, "sample-job", shellJob("echo hello"))
	token := j.token(t, "admin", adminPassword, "seed-1")

	t.Run("a token reads the root API, pretty-printed", func(t *testing.T) {
		out := curl(t, "--user", "admin:"+token, base+"/api/json?pretty=true")
		for _, want := range []string{
			`"nodeDescription" : "the Jenkins controller's built-in node",`,
			`"nodeName" : "",`,
			`"numExecutors" : 2,`,
			`"description" : null,`,
			`"_class" : "hudson.model.FreeStyleProject",`,
			`"name" : "sample-job",`,
			`"url" : "` + base + `/job/sample-job/",`,
			`"color" : "notbuilt"`,
		} {
			if !strings.Contains(out, want) {
				t.Errorf("api/json lacks %s:\n%s", want, out)
			}
		}
		var root struct {
			UseCrumbs, UseSecurity bool
		}
		if err := json.Unmarshal([]byte(out), &root); err != nil || !root.UseCrumbs || !root.UseSecurity {
			t.Errorf("root API: %v %+v", err, root)
		}
	})

	t.Run("a password POST without a crumb is refused with Jenkins's page", func(t *testing.T) {
		out := curl(t, "-X", "POST", "--user", "admin:"+adminPassword, base+"/job/sample-job/build")
		for _, want := range []string{
			"<title>Error 403 No valid crumb was included in the request</title>",
			"<h2>HTTP ERROR 403 No valid crumb was included in the request</h2>",
			"<tr><th>URI:</th><td>/job/sample-job/build</td></tr>",
			"<tr><th>STATUS:</th><td>403</td></tr>",
			"<tr><th>MESSAGE:</th><td>No valid crumb was included in the request</td></tr>",
			"<tr><th>SERVLET:</th><td>Stapler</td></tr>",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("403 page lacks %s:\n%s", want, out)
			}
		}
		code := curl(t, "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "--user", "admin:"+adminPassword, base+"/job/sample-job/build")
		if code != "403" {
			t.Errorf("status %s, want 403", code)
		}
	})

	var crumb string
	t.Run("the crumb issuer gives a crumb to a password user", func(t *testing.T) {
		out := curl(t, base+"/crumbIssuer/api/json?pretty=true", "--user", "admin:"+adminPassword)
		var c struct {
			Class             string `json:"_class"`
			Crumb             string
			CrumbRequestField string
		}
		if err := json.Unmarshal([]byte(out), &c); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		if c.Class != "hudson.security.csrf.DefaultCrumbIssuer" || c.CrumbRequestField != "Jenkins-Crumb" || len(c.Crumb) != 64 {
			t.Fatalf("crumb answer %+v", c)
		}
		if !strings.Contains(out, `"crumbRequestField" : "Jenkins-Crumb"`) {
			t.Errorf("not pretty-printed as Jenkins does:\n%s", out)
		}
		crumb = c.Crumb
	})

	t.Run("a password POST with the crumb header triggers the job", func(t *testing.T) {
		code := curl(t, "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", base+"/job/sample-job/build",
			"--user", "admin:"+adminPassword, "-H", "Jenkins-Crumb: "+crumb)
		if code != "201" {
			t.Fatalf("status %s, want 201", code)
		}
	})

	t.Run("a token POST needs no crumb", func(t *testing.T) {
		out := curl(t, "-i", "-X", "POST", base+"/job/sample-job/build", "--user", "admin:"+token)
		if !strings.HasPrefix(out, "HTTP/1.1 201") {
			t.Fatalf("want 201:\n%s", out)
		}
		loc := headerLine(out, "Location")
		if !strings.HasPrefix(loc, base+"/queue/item/") || !strings.HasSuffix(loc, "/") {
			t.Fatalf("Location %q", loc)
		}
		b := j.waitBuild(t, loc)
		if b.Result == nil || *b.Result != "SUCCESS" {
			t.Fatalf("build %+v", b)
		}
	})
}

// TestSeedAlice performs the second seed document: alice triggers
// TestJob with her API token and reads "Started build for job TestJob".
func TestSeedAlice(t *testing.T) {
	need(t, "curl", "curl", "apt-get install curl") // the seeds are curl commands
	j := start(t, "", nil)
	base := "http://" + j.host()
	j.createJob(t, "TestJob", shellJob("echo from TestJob"))
	j.must(t, 302, req{method: "POST", path: "securityRealm/createAccountByAdmin", user: "admin", secret: j.adminToken(t),
		header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
		body:   "username=alice&password1=myPassword&password2=myPassword&fullname=Alice+Example&email=alice%40example.com"})
	aliceToken := j.token(t, "alice", "myPassword", "alice's script")

	t.Run("alice's token triggers TestJob", func(t *testing.T) {
		out := curl(t, "-X", "POST", "-u", "alice:"+aliceToken, base+"/job/TestJob/build")
		if strings.TrimSpace(out) != "Started build for job TestJob" {
			t.Fatalf("output %q", out)
		}
	})
	t.Run("the build says alice started it", func(t *testing.T) {
		out := curl(t, "-i", "-X", "POST", "-u", "alice:"+aliceToken, base+"/job/TestJob/build")
		b := j.waitBuild(t, headerLine(out, "Location"))
		log := curl(t, "-u", "alice:"+aliceToken, b.URL+"consoleText")
		if !strings.HasPrefix(log, "Started by user Alice Example\n") || !strings.HasSuffix(log, "Finished: SUCCESS\n") {
			t.Fatalf("console:\n%s", log)
		}
	})
	t.Run("a GET on build is refused: the URL requires POST", func(t *testing.T) {
		out := curl(t, "-i", "-u", "alice:"+aliceToken, base+"/job/TestJob/build")
		if !strings.HasPrefix(out, "HTTP/1.1 405") || !strings.Contains(out, "This URL requires POST") || headerLine(out, "Allow") != "POST" {
			t.Fatalf("want 405 with Allow: POST:\n%s", out)
		}
	})
	t.Run("a wrong token is 401 with a Basic challenge", func(t *testing.T) {
		out := curl(t, "-i", "-X", "POST", "-u", "alice:1234abcd5678efgh", base+"/job/TestJob/build")
		if !strings.HasPrefix(out, "HTTP/1.1 401") || headerLine(out, "WWW-Authenticate") != `Basic realm="Jenkins"` {
			t.Fatalf("want 401 with WWW-Authenticate:\n%s", out)
		}
	})
}

// headerLine finds a header's value in curl -i output.
func headerLine(out, name string) string {
	for _, line := range strings.Split(out, "\r\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, name) {
			return strings.TrimSpace(v)
		}
		if line == "" {
			break
		}
	}
	return ""
}
