package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

func downstreamJob(command, children, threshold string) string {
	return `<?xml version='1.1' encoding='UTF-8'?>
<project>
  <builders>
    <hudson.tasks.Shell>
      <command>` + xmlEscape(command) + `</command>
    </hudson.tasks.Shell>
  </builders>
  <publishers>
    <hudson.tasks.BuildTrigger>
      <childProjects>` + children + `</childProjects>
      <threshold>
        <name>` + threshold + `</name>
        <ordinal>0</ordinal>
        <color>BLUE</color>
        <completeBuild>true</completeBuild>
      </threshold>
    </hudson.tasks.BuildTrigger>
  </publishers>
</project>`
}

// TestDownstreamTrigger covers hudson.tasks.BuildTrigger: children
// start when the result reaches the threshold, with an upstream cause.
func TestDownstreamTrigger(t *testing.T) {
	j := start(t, "", nil)
	tok := j.adminToken(t)
	j.createJob(t, "child", shellJob("echo child"))
	j.createJob(t, "other", shellJob("echo other"))
	j.createJob(t, "up", downstreamJob("echo up", "child, other", "SUCCESS"))
	j.createJob(t, "failing", downstreamJob("exit 1", "other", "SUCCESS"))

	t.Run("a successful build starts each child with an upstream cause", func(t *testing.T) {
		j.waitBuild(t, j.trigger(t, "up"))
		for _, name := range []string{"child", "other"} {
			var job struct{ LastBuild *struct{ Number int64 } }
			for job.LastBuild == nil {
				j.json(t, "job/"+name+"/api/json", &job)
			}
			var b struct{ Building bool }
			for b.Building = true; b.Building; {
				j.json(t, "job/"+name+"/lastBuild/api/json", &b)
			}
			text := j.must(t, 200, req{path: "job/" + name + "/lastBuild/consoleText", user: "admin", secret: tok}).body
			if !strings.HasPrefix(text, `Started by upstream project "up" build number 1`) {
				t.Fatalf("%s console:\n%s", name, text)
			}
		}
	})
	t.Run("the upstream console says what it triggered, before Finished", func(t *testing.T) {
		text := j.must(t, 200, req{path: "job/up/1/consoleText", user: "admin", secret: tok}).body
		if !strings.Contains(text, "Triggering a new build of child\nTriggering a new build of other\nFinished: SUCCESS\n") {
			t.Fatalf("console:\n%s", text)
		}
	})
	t.Run("a token limited to up starts no downstream, and the console says why", func(t *testing.T) {
		var g struct{ Data struct{ TokenValue string } }
		r := j.must(t, 200, req{method: "POST", path: "me/descriptorByName/jenkins.security.ApiTokenProperty/generateNewToken?newTokenName=up-only&scope=build&jobs=up",
			user: "admin", secret: tok})
		if err := json.Unmarshal([]byte(r.body), &g); err != nil || g.Data.TokenValue == "" {
			t.Fatalf("token: %v %s", err, r.body)
		}
		var before struct{ NextBuildNumber int64 }
		j.json(t, "job/child/api/json", &before)
		loc := j.must(t, 201, req{method: "POST", path: "job/up/build", user: "admin", secret: g.Data.TokenValue}).header.Get("Location")
		b := j.waitBuild(t, loc)
		text := j.must(t, 200, req{path: fmt.Sprintf("job/up/%d/consoleText", b.Number), user: "admin", secret: tok}).body
		if !strings.Contains(text, "No such project ‘child’, or no permission to see it: not triggered\n") {
			t.Fatalf("console:\n%s", text)
		}
		var after struct {
			NextBuildNumber int64
			InQueue         bool
		}
		j.json(t, "job/child/api/json", &after)
		if after.InQueue || after.NextBuildNumber != before.NextBuildNumber {
			t.Fatalf("child was triggered: %+v", after)
		}
	})
	t.Run("the API names upstream and downstream projects", func(t *testing.T) {
		var up struct{ DownstreamProjects []struct{ Name string } }
		j.json(t, "job/up/api/json", &up)
		var child struct{ UpstreamProjects []struct{ Name string } }
		j.json(t, "job/child/api/json", &child)
		if len(up.DownstreamProjects) != 2 || len(child.UpstreamProjects) != 1 || child.UpstreamProjects[0].Name != "up" {
			t.Fatalf("%+v %+v", up, child)
		}
	})
	t.Run("a failed build below the threshold starts nothing", func(t *testing.T) {
		var before struct{ NextBuildNumber int64 }
		j.json(t, "job/other/api/json", &before)
		j.waitBuild(t, j.trigger(t, "failing"))
		// The trigger runs before the upstream build is recorded as
		// finished, so by now a downstream item would be in the queue.
		var q struct {
			Items []struct{ Task struct{ Name string } }
		}
		j.json(t, "queue/api/json", &q)
		var after struct {
			NextBuildNumber int64
			InQueue         bool
		}
		j.json(t, "job/other/api/json", &after)
		if after.InQueue || after.NextBuildNumber != before.NextBuildNumber {
			t.Fatalf("other was triggered: %+v", after)
		}
	})
}

// TestRemoteTriggerToken covers the job's authToken
// (hudson/model/BuildAuthorizationToken.java).
func TestRemoteTriggerToken(t *testing.T) {
	j := start(t, "", nil)
	tok := j.adminToken(t)
	j.createJob(t, "remote", strings.Replace(shellJob("echo remote"), "<builders>", "<authToken>s3cr3t</authToken>\n  <builders>", 1))
	if r := j.do(t, req{method: "POST", path: "securityRealm/createAccountByAdmin", user: "admin", secret: tok,
		header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
		body:   "username=bot&password1=pw-bot-pw&password2=pw-bot-pw"}); r.status >= 400 {
		t.Fatalf("create bot: %d", r.status)
	}

	t.Run("the right token triggers with a GET and a remote cause", func(t *testing.T) {
		r := j.must(t, 201, req{path: "job/remote/build?token=s3cr3t&cause=nightly", user: "bot", secret: "pw-bot-pw"})
		j.waitBuild(t, r.header.Get("Location"))
		text := j.must(t, 200, req{path: "job/remote/lastBuild/consoleText", user: "admin", secret: tok}).body
		if !strings.HasPrefix(text, "Started by remote host 127.0.0.1 with note: nightly") {
			t.Fatal(text)
		}
	})
	t.Run("a wrong token is 403 Invalid token provided", func(t *testing.T) {
		r := j.do(t, req{path: "job/remote/build?token=wrong", user: "bot", secret: "pw-bot-pw"})
		if r.status != 403 || !strings.Contains(r.body, "Invalid token provided.") {
			t.Fatalf("%d %s", r.status, r.body)
		}
	})
	t.Run("without a token a GET is still 405", func(t *testing.T) {
		j.must(t, 405, req{path: "job/remote/build", user: "bot", secret: "pw-bot-pw"})
	})
	t.Run("anonymous callers cannot use the token", func(t *testing.T) {
		j.must(t, 403, req{path: "job/remote/build?token=s3cr3t"})
	})
}

// TestBuildDeleteAndCancelQueue covers /job/N/<n>/doDelete and
// /queue/item/N/cancelQueue (never a 204, which python-jenkins reads
// as an empty answer).
func TestBuildDeleteAndCancelQueue(t *testing.T) {
	j := start(t, "", nil)
	tok := j.adminToken(t)
	j.createJob(t, "b", shellJob("echo b"))
	j.waitBuild(t, j.trigger(t, "b"))
	j.waitBuild(t, j.trigger(t, "b"))

	t.Run("doDelete removes a finished build and the permalinks follow", func(t *testing.T) {
		j.must(t, 302, req{method: "POST", path: "job/b/2/doDelete", user: "admin", secret: tok})
		j.must(t, 404, req{path: "job/b/2/api/json", user: "admin", secret: tok})
		var job struct {
			LastBuild       struct{ Number int64 }
			NextBuildNumber int64
		}
		j.json(t, "job/b/api/json", &job)
		if job.LastBuild.Number != 1 || job.NextBuildNumber != 3 {
			t.Fatalf("%+v", job)
		}
	})
	t.Run("cancelQueue takes a waiting item out with a redirect", func(t *testing.T) {
		r := j.must(t, 201, req{method: "POST", path: "job/b/build?delay=600sec", user: "admin", secret: tok})
		path := strings.TrimPrefix(r.header.Get("Location"), j.url)
		c := j.must(t, 302, req{method: "POST", path: path + "cancelQueue", user: "admin", secret: tok})
		if c.header.Get("Location") != r.header.Get("Location")+"api/json" {
			t.Fatalf("Location %q", c.header.Get("Location"))
		}
		var item struct{ Cancelled bool }
		j.json(t, path+"api/json", &item)
		if !item.Cancelled {
			t.Fatal("not cancelled")
		}
	})
}

func timedJob(spec, command string) string {
	return `<?xml version='1.1' encoding='UTF-8'?>
<project>
  <triggers>
    <hudson.triggers.TimerTrigger>
      <spec>` + xmlEscape(spec) + `</spec>
    </hudson.triggers.TimerTrigger>
  </triggers>
  <builders>
    <hudson.tasks.Shell>
      <command>` + xmlEscape(command) + `</command>
    </hudson.tasks.Shell>
  </builders>
</project>`
}

// TestTimerTrigger covers hudson.triggers.TimerTrigger: a spec
// that does not parse is refused whole; a job every minute runs within
// a minute, started by timer. It waits for a real minute boundary, so it
// runs alongside the other slow tests.
func TestTimerTrigger(t *testing.T) {
	t.Parallel()
	j := start(t, "", nil)
	tok := j.adminToken(t)

	t.Run("a spec that does not parse is refused with Jenkins's message", func(t *testing.T) {
		cases := []struct{ spec, want string }{
			{"61 * * * *", "61 is an invalid value. Must be within 0 and 59"},
			{"H(0-3)/15 * * * *", "15 is an invalid value. Must be within 1 and 4"},
			{"@fortnightly", "token recognition error"},
			{"TZ=Nowhere/Special\nH * * * *", "Invalid or unsupported timezone 'Nowhere/Special'"},
		}
		for _, c := range cases {
			r := j.do(t, req{method: "POST", path: "createItem?name=badcron", user: "admin", secret: tok,
				header: map[string]string{"Content-Type": "application/xml"}, body: timedJob(c.spec, "true")})
			if r.status != 400 || !strings.Contains(r.header.Get("X-Error"), c.want) {
				t.Fatalf("spec %q: %d %s", c.spec, r.status, r.body)
			}
		}
		j.must(t, 404, req{path: "job/badcron/api/json", user: "admin", secret: tok})
	})
	t.Run("a bad spec posted to config.xml leaves the job as it was", func(t *testing.T) {
		good := timedJob("H 2 * * 1-5", "true")
		j.createJob(t, "nightly", good)
		j.must(t, 400, req{method: "POST", path: "job/nightly/config.xml", user: "admin", secret: tok,
			header: map[string]string{"Content-Type": "application/xml"}, body: timedJob("0 24 * * *", "true")})
		if got := j.must(t, 200, req{path: "job/nightly/config.xml", user: "admin", secret: tok}).body; got != good {
			t.Fatalf("config.xml changed:\n%s", got)
		}
	})
	t.Run("a job every minute is started by timer", func(t *testing.T) {
		j.createJob(t, "minutely", timedJob("# every minute\n* * * * *", "echo tick"))
		var job struct{ LastCompletedBuild *struct{ Number int64 } }
		waitWithin(t, "a timer build (the next minute)", 75*time.Second, func() bool {
			j.json(t, "job/minutely/api/json", &job)
			return job.LastCompletedBuild != nil
		})
		text := j.must(t, 200, req{path: "job/minutely/lastCompletedBuild/consoleText", user: "admin", secret: tok}).body
		if !strings.HasPrefix(text, "Started by timer\n") || !strings.Contains(text, "Finished: SUCCESS") {
			t.Fatalf("console:\n%s", text)
		}
		var b struct {
			Actions []struct {
				Causes []struct {
					Class string `json:"_class"`
				}
			}
		}
		j.json(t, "job/minutely/lastCompletedBuild/api/json", &b)
		if !strings.Contains(fmt.Sprint(b), "hudson.triggers.TimerTrigger$TimerTriggerCause") {
			t.Fatalf("causes: %+v", b)
		}
	})
}
