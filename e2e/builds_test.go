package e2e

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const paramJob = `<?xml version='1.1' encoding='UTF-8'?>
<project>
  <properties>
    <hudson.model.ParametersDefinitionProperty>
      <parameterDefinitions>
        <hudson.model.StringParameterDefinition><name>greeting</name><defaultValue>hello</defaultValue><trim>false</trim></hudson.model.StringParameterDefinition>
        <hudson.model.BooleanParameterDefinition><name>LOUD</name><defaultValue>false</defaultValue></hudson.model.BooleanParameterDefinition>
        <hudson.model.ChoiceParameterDefinition><name>ENV</name><choices class="java.util.Arrays$ArrayList"><a class="string-array"><string>dev</string><string>prod</string></a></choices></hudson.model.ChoiceParameterDefinition>
        <hudson.model.TextParameterDefinition><name>NOTES</name><defaultValue>a
b</defaultValue></hudson.model.TextParameterDefinition>
        <hudson.model.PasswordParameterDefinition><name>PW</name><defaultValue>s3cret</defaultValue></hudson.model.PasswordParameterDefinition>
      </parameterDefinitions>
    </hudson.model.ParametersDefinitionProperty>
  </properties>
  <builders>
    <hudson.tasks.Shell><command>echo "greeting=$greeting GREETING=$GREETING LOUD=$LOUD ENV=$ENV PW=$PW"</command></hudson.tasks.Shell>
  </builders>
</project>`

// TestBuilds runs builds end to end: environment, results, parameters,
// console, permalinks and stop.
func TestBuilds(t *testing.T) {
	j := start(t, "", nil, "--executors", "2")
	tok := j.adminToken(t)
	console := func(t *testing.T, b build) string {
		return j.must(t, 200, req{path: strings.TrimPrefix(b.URL, j.url) + "consoleText", user: "admin", secret: tok}).body
	}

	t.Run("a build runs its shell step with Jenkins's environment", func(t *testing.T) {
		j.createJob(t, "env-job", shellJob(`echo "N=$BUILD_NUMBER ID=$BUILD_ID JOB=$JOB_NAME BASE=$JOB_BASE_NAME TAG=$BUILD_TAG EXEC=$EXECUTOR_NUMBER NODE=$NODE_NAME"
echo "URL=$BUILD_URL JOBURL=$JOB_URL ROOT=$JENKINS_URL"
echo "WS=$WORKSPACE HOME=$JENKINS_HOME PWD=$(pwd)"`))
		b := j.waitBuild(t, j.trigger(t, "env-job"))
		log := console(t, b)
		ws := filepath.Join(j.home, "workspace", "env-job")
		for _, want := range []string{
			"Started by user admin\n",
			"Building in workspace " + ws + "\n",
			"[env-job] $ /bin/sh -xe ",
			"N=1 ID=1 JOB=env-job BASE=env-job TAG=jenkins-env-job-1 EXEC=",
			"NODE=built-in",
			"URL=" + j.url + "job/env-job/1/ JOBURL=" + j.url + "job/env-job/ ROOT=" + j.url + "\n",
			"WS=" + ws + " HOME=" + j.home + " PWD=" + ws + "\n",
			"+ echo ",
		} {
			if !strings.Contains(log, want) {
				t.Errorf("console lacks %q:\n%s", want, log)
			}
		}
		if !strings.HasSuffix(log, "\nFinished: SUCCESS\n") {
			t.Errorf("console does not end with Finished: SUCCESS:\n%s", log)
		}
	})

	t.Run("a failing step fails the build and stops the next steps", func(t *testing.T) {
		j.createJob(t, "fail-job", `<project><builders>
<hudson.tasks.Shell><command>echo first; exit 3</command></hudson.tasks.Shell>
<hudson.tasks.Shell><command>echo never</command></hudson.tasks.Shell>
</builders></project>`)
		b := j.waitBuild(t, j.trigger(t, "fail-job"))
		if *b.Result != "FAILURE" {
			t.Fatalf("result %s", *b.Result)
		}
		log := console(t, b)
		if strings.Contains(log, "never") || !strings.Contains(log, "Build step 'Execute shell' marked build as failure\nFinished: FAILURE\n") {
			t.Fatalf("console:\n%s", log)
		}
	})

	t.Run("unstableReturn makes the build UNSTABLE", func(t *testing.T) {
		j.createJob(t, "unstable-job", `<project><builders><hudson.tasks.Shell><command>exit 2</command><unstableReturn>2</unstableReturn></hudson.tasks.Shell></builders></project>`)
		b := j.waitBuild(t, j.trigger(t, "unstable-job"))
		if *b.Result != "UNSTABLE" {
			t.Fatalf("result %s", *b.Result)
		}
	})

	t.Run("permalinks name the right builds", func(t *testing.T) {
		var job struct {
			Color                                                       string
			NextBuildNumber                                             int
			LastBuild, LastFailedBuild, LastSuccessfulBuild, FirstBuild *struct{ Number int }
			LastCompletedBuild                                          *struct{ Number int }
			Builds                                                      []struct{ Number int }
			HealthReport                                                []struct{ Score int }
		}
		j.json(t, "job/fail-job/api/json", &job)
		if job.Color != "red" || job.NextBuildNumber != 2 || job.LastBuild.Number != 1 || job.LastFailedBuild.Number != 1 ||
			job.LastSuccessfulBuild != nil || job.FirstBuild.Number != 1 || len(job.Builds) != 1 || job.HealthReport[0].Score != 0 {
			t.Fatalf("fail-job: %+v", job)
		}
		j.must(t, 200, req{path: "job/fail-job/lastFailedBuild/api/json", user: "admin", secret: tok})
		j.must(t, 404, req{path: "job/fail-job/lastSuccessfulBuild/api/json", user: "admin", secret: tok})
		log := j.must(t, 200, req{path: "job/fail-job/lastBuild/consoleText", user: "admin", secret: tok})
		if !strings.HasSuffix(log.body, "Finished: FAILURE\n") {
			t.Fatal(log.body)
		}
	})

	t.Run("buildWithParameters reads the query, defaults the rest, and exports each parameter", func(t *testing.T) {
		j.createJob(t, "param-job", paramJob)
		r := j.must(t, 201, req{method: "POST", path: "job/param-job/buildWithParameters?greeting=hi+there&LOUD=True&ENV=prod", user: "admin", secret: tok})
		b := j.waitBuild(t, r.header.Get("Location"))
		log := console(t, b)
		if !strings.Contains(log, "greeting=hi there GREETING=hi there LOUD=true ENV=prod PW=****\n") {
			t.Fatalf("console:\n%s", log)
		}
		var api struct {
			Actions []struct {
				Class      string `json:"_class"`
				Parameters []struct {
					Class string `json:"_class"`
					Name  string
					Value any
				}
			}
		}
		j.json(t, strings.TrimPrefix(b.URL, j.url)+"api/json", &api)
		var params []string
		for _, a := range api.Actions {
			if a.Class == "hudson.model.ParametersAction" {
				for _, p := range a.Parameters {
					params = append(params, p.Class+" "+p.Name+"="+jsonString(p.Value))
				}
			}
		}
		want := []string{
			"hudson.model.StringParameterValue greeting=\"hi there\"",
			"hudson.model.BooleanParameterValue LOUD=true",
			"hudson.model.StringParameterValue ENV=\"prod\"",
			"hudson.model.TextParameterValue NOTES=\"a\\nb\"",
			"hudson.model.PasswordParameterValue PW=null",
		}
		if strings.Join(params, "|") != strings.Join(want, "|") {
			t.Fatalf("parameters:\n%s\nwant\n%s", strings.Join(params, "\n"), strings.Join(want, "\n"))
		}
	})

	t.Run("buildWithParameters reads a form body", func(t *testing.T) {
		r := j.must(t, 201, req{method: "POST", path: "job/param-job/buildWithParameters", user: "admin", secret: tok,
			header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, body: "greeting=formed&ENV=dev"})
		if log := console(t, j.waitBuild(t, r.header.Get("Location"))); !strings.Contains(log, "greeting=formed ") {
			t.Fatal(log)
		}
	})

	t.Run("build reads the json form field", func(t *testing.T) {
		js := `{"parameter":[{"name":"greeting","value":"from json"},{"name":"LOUD","value":true}]}`
		r := j.must(t, 201, req{method: "POST", path: "job/param-job/build", user: "admin", secret: tok,
			header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, body: "json=" + url.QueryEscape(js)})
		if log := console(t, j.waitBuild(t, r.header.Get("Location"))); !strings.Contains(log, "greeting=from json GREETING=from json LOUD=true ENV=dev") {
			t.Fatal(log)
		}
	})

	t.Run("a bad choice is refused", func(t *testing.T) {
		r := j.must(t, 400, req{method: "POST", path: "job/param-job/buildWithParameters?ENV=staging", user: "admin", secret: tok})
		if !strings.Contains(r.body, "Illegal choice for parameter ENV: staging") {
			t.Fatal(r.body)
		}
	})

	t.Run("stop kills the whole process group and the build is ABORTED", func(t *testing.T) {
		pidFile := filepath.Join(t.TempDir(), "child.pid")
		j.createJob(t, "long-job", shellJob(`sleep 300 &
echo $! > `+pidFile+`
echo started
wait`))
		loc := j.trigger(t, "long-job")
		var item struct{ Executable *build }
		for item.Executable == nil {
			j.json(t, strings.TrimPrefix(loc, j.url)+"api/json", &item)
		}
		buildPath := strings.TrimPrefix(item.Executable.URL, j.url)
		// Wait until the step has started its child (the log says so).
		for !strings.Contains(j.must(t, 200, req{path: buildPath + "consoleText", user: "admin", secret: tok}).body, "started") {
		}
		var running struct {
			Building bool
			Result   *string
			Executor any
		}
		j.json(t, buildPath+"api/json", &running)
		if !running.Building || running.Result != nil || running.Executor == nil {
			t.Fatalf("running build: %+v", running)
		}
		var job struct{ Color string }
		j.json(t, "job/long-job/api/json", &job)
		if job.Color != "notbuilt_anime" {
			t.Errorf("color while building %q", job.Color)
		}
		j.must(t, 302, req{method: "POST", path: buildPath + "stop", user: "admin", secret: tok})
		b := j.waitBuild(t, loc)
		if *b.Result != "ABORTED" {
			t.Fatalf("result %s", *b.Result)
		}
		log := console(t, b)
		if !strings.HasSuffix(log, "Build was aborted\nAborted by admin\nFinished: ABORTED\n") {
			t.Fatalf("console:\n%s", log)
		}
		pid, err := strconv.Atoi(strings.TrimSpace(readFile(t, pidFile)))
		if err != nil {
			t.Fatal(err)
		}
		// Killed with the build; on a loaded machine the signal may take
		// a moment to land, so wait (within the kill grace) rather than
		// look once.
		waitGone(t, "step's child", pid)
	})

	t.Run("progressiveText serves the log from an offset with X-Text-Size", func(t *testing.T) {
		full := j.must(t, 200, req{path: "job/env-job/1/consoleText", user: "admin", secret: tok}).body
		r := j.must(t, 200, req{path: "job/env-job/1/logText/progressiveText?start=0", user: "admin", secret: tok})
		if r.body != full || r.header.Get("X-Text-Size") != strconv.Itoa(len(full)) || r.header.Get("X-More-Data") != "" {
			t.Fatalf("progressiveText: %q size %s more %q", r.body, r.header.Get("X-Text-Size"), r.header.Get("X-More-Data"))
		}
		r = j.must(t, 200, req{path: "job/env-job/1/logText/progressiveText?start=" + strconv.Itoa(len(full)-17), user: "admin", secret: tok})
		if r.body != full[len(full)-17:] {
			t.Fatalf("tail %q", r.body)
		}
	})
}

// TestQueue covers quiet periods, delays, coalescing and cancelling.
func TestQueue(t *testing.T) {
	j := start(t, "", nil, "--quiet-period", "5s")
	tok := j.adminToken(t)
	j.createJob(t, "slow-start", shellJob("true"))

	loc := j.must(t, 201, req{method: "POST", path: "job/slow-start/build?delay=3600sec", user: "admin", secret: tok}).header.Get("Location")
	t.Run("a delayed build waits in the queue", func(t *testing.T) {
		var q struct {
			Items []struct {
				Class string `json:"_class"`
				ID    int
				Why   string
				Task  struct{ Name string }
			}
		}
		j.json(t, "queue/api/json", &q)
		if len(q.Items) != 1 || q.Items[0].Class != "hudson.model.Queue$WaitingItem" || q.Items[0].Task.Name != "slow-start" ||
			!strings.HasPrefix(q.Items[0].Why, "In the quiet period. Expires in ") {
			t.Fatalf("queue: %+v", q)
		}
		var job struct {
			InQueue   bool
			QueueItem *struct{ ID int }
		}
		j.json(t, "job/slow-start/api/json", &job)
		if !job.InQueue || job.QueueItem == nil || job.QueueItem.ID != q.Items[0].ID {
			t.Fatalf("job: %+v", job)
		}
	})
	t.Run("a second trigger folds into the waiting item, still 201", func(t *testing.T) {
		again := j.must(t, 201, req{method: "POST", path: "job/slow-start/build?delay=3600sec", user: "admin", secret: tok})
		if again.header.Get("Location") != loc {
			t.Fatalf("Location %q, want %q", again.header.Get("Location"), loc)
		}
	})
	t.Run("cancelItem takes it out and the item says cancelled", func(t *testing.T) {
		id := strings.TrimSuffix(strings.TrimPrefix(loc, j.url+"queue/item/"), "/")
		j.must(t, 302, req{method: "POST", path: "queue/cancelItem?id=" + id, user: "admin", secret: tok})
		var item struct {
			Class      string `json:"_class"`
			Cancelled  bool
			Executable any
		}
		j.json(t, "queue/item/"+id+"/api/json", &item)
		if item.Class != "hudson.model.Queue$LeftItem" || !item.Cancelled || item.Executable != nil {
			t.Fatalf("item: %+v", item)
		}
		j.must(t, 404, req{method: "POST", path: "queue/cancelItem?id=" + id, user: "admin", secret: tok})
	})
	t.Run("delay=0sec starts at once despite the global quiet period", func(t *testing.T) {
		loc := j.must(t, 201, req{method: "POST", path: "job/slow-start/build?delay=0sec", user: "admin", secret: tok}).header.Get("Location")
		if b := j.waitBuild(t, loc); *b.Result != "SUCCESS" {
			t.Fatalf("build %+v", b)
		}
	})
}

// TestRestartKeepsEverything restarts jeeves on the same home.
func TestRestartKeepsEverything(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	j := start(t, home, nil)
	tok := j.adminToken(t)
	j.createJob(t, "kept", shellJob("echo kept-output"))
	b := j.waitBuild(t, j.trigger(t, "kept"))
	j.must(t, 302, req{method: "POST", path: "securityRealm/createAccountByAdmin", user: "admin", secret: tok,
		header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
		body:   "username=bob&password1=bobpw&password2=bobpw&fullname=Bob"})
	j.stop()

	j2 := start(t, home, nil)
	t.Run("the token, the user, the job, the build and its log are still there", func(t *testing.T) {
		j2.must(t, 200, req{path: "api/json", user: "admin", secret: tok})
		j2.must(t, 200, req{path: "api/json", user: "bob", secret: "bobpw"})
		log := j2.must(t, 200, req{path: "job/kept/1/consoleText", user: "admin", secret: tok})
		if !strings.Contains(log.body, "kept-output") {
			t.Fatal(log.body)
		}
		if b.Number != 1 {
			t.Fatalf("first build number %d", b.Number)
		}
	})
	t.Run("build numbers go on from where they were", func(t *testing.T) {
		b2 := j2.waitBuild(t, j2.must(t, 201, req{method: "POST", path: "job/kept/build", user: "admin", secret: tok}).header.Get("Location"))
		if b2.Number != 2 {
			t.Fatalf("build number after restart %d, want 2", b2.Number)
		}
	})
	t.Run("token statistics were saved", func(t *testing.T) {
		var list struct {
			Tokens []struct {
				Name     string
				UseCount int
			}
		}
		j2.json(t, "user/admin/apiTokens/api/json", &list)
		if len(list.Tokens) != 1 || list.Tokens[0].UseCount < 3 {
			t.Fatalf("tokens %+v", list)
		}
	})
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// processAlive reports whether pid exists and is not a zombie.
func processAlive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	fields := strings.Fields(string(b))
	return len(fields) > 2 && fields[2] != "Z"
}

// TestOneBuildOfAJobAtATime: a job that is not concurrent never runs two
// builds at once, even with executors free.
func TestOneBuildOfAJobAtATime(t *testing.T) {
	j := start(t, "", nil, "--executors", "3")
	tok := j.adminToken(t)
	lock := filepath.Join(t.TempDir(), "lock")
	j.createJob(t, "serial", `<project>
  <properties><hudson.model.ParametersDefinitionProperty><parameterDefinitions>
    <hudson.model.StringParameterDefinition><name>N</name><defaultValue>0</defaultValue></hudson.model.StringParameterDefinition>
  </parameterDefinitions></hudson.model.ParametersDefinitionProperty></properties>
  <builders><hudson.tasks.Shell><command>set -e
if [ -e `+lock+` ]; then echo "overlap"; exit 1; fi
touch `+lock+`
sleep 0.3
rm `+lock+`</command></hudson.tasks.Shell></builders>
</project>`)
	var locs []string
	for i := 0; i < 3; i++ {
		r := j.must(t, 201, req{method: "POST", path: "job/serial/buildWithParameters?N=" + strconv.Itoa(i), user: "admin", secret: tok})
		locs = append(locs, r.header.Get("Location"))
	}
	var prevEnd int64
	for i, loc := range locs {
		b := j.waitBuild(t, loc)
		var api struct {
			Result              string
			Timestamp, Duration int64
		}
		j.json(t, strings.TrimPrefix(b.URL, j.url)+"api/json", &api)
		if api.Result != "SUCCESS" {
			t.Fatalf("build %d: %s", i, api.Result)
		}
		if api.Timestamp < prevEnd {
			t.Fatalf("build %d started at %d, before the previous one ended at %d", i, api.Timestamp, prevEnd)
		}
		prevEnd = api.Timestamp + api.Duration
	}
}
