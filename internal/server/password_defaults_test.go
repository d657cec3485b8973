package server_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// passwordJob has a password parameter whose default is pwDefault, and a
// step that says whether the build got it (the console masks the value
// itself; the step spells it in two pieces, so that it is not in the
// document but in the default).
const pwDefault = "s3cret-default-VALUE"

const passwordJob = `<?xml version='1.1' encoding='UTF-8'?>
<project>
  <description>has a secret</description>
  <properties>
    <hudson.model.ParametersDefinitionProperty>
      <parameterDefinitions>
        <hudson.model.StringParameterDefinition><name>GREETING</name><defaultValue>hello</defaultValue></hudson.model.StringParameterDefinition>
        <hudson.model.PasswordParameterDefinition>
          <name>PW</name>
          <description>the deploy password</description>
          <defaultValue>` + pwDefault + `</defaultValue>
        </hudson.model.PasswordParameterDefinition>
      </parameterDefinitions>
    </hudson.model.ParametersDefinitionProperty>
  </properties>
  <builders>
    <hudson.tasks.Shell><command>if [ "$PW" = "s3cret-default-""VALUE" ]; then echo PW-IS-THE-DEFAULT; else echo PW-IS-SOMETHING-ELSE; fi</command></hudson.tasks.Shell>
  </builders>
</project>`

// buildConsole triggers the job named job (a full name) with the admin token
// (parameters take their defaults) and returns the finished build's
// console.
func (rs *routeStack) buildConsole(t *testing.T, job string) string {
	t.Helper()
	j, err := rs.jobs.Get(job)
	if err != nil {
		t.Fatal(err)
	}
	verb := "build"
	if len(j.Config.Params) > 0 {
		verb = "buildWithParameters"
	}
	r := rs.raw(t, "POST", jobPath(job)+verb, "", basic("admin", rs.adminToken))
	if r.status != 201 {
		t.Fatalf("%s: %d %s", verb, r.status, r.body)
	}
	deadline := time.After(30 * time.Second)
	for {
		select {
		case b := <-rs.finished:
			if b.JobID != j.ID {
				continue
			}
			log := rs.raw(t, "GET", jobPath(job)+strconv.FormatInt(b.Number, 10)+"/consoleText", "", basic("admin", rs.adminToken))
			return log.body
		case <-deadline:
			t.Fatalf("the build of %s never finished", job)
		}
	}
}

// TestPasswordDefaultsAreNeverServed: a password parameter's default is
// a secret: no read of the job shows it, to anyone, and what is shown in
// its place keeps the stored value when posted back.
func TestPasswordDefaultsAreNeverServed(t *testing.T) {
	rs := newRouteStack(t)
	admin := basic("admin", rs.adminToken)
	create := func(t *testing.T, name string) {
		t.Helper()
		if r := rs.raw(t, "POST", "createItem?name="+name, passwordJob, admin); r.status != 200 {
			t.Fatalf("createItem: %d %s", r.status, r.body)
		}
	}
	create(t, "pw")
	reads := []struct {
		name, path string
		header     map[string]string
		session    bool
	}{
		{"config.xml to admin's token", "job/pw/config.xml", admin, false},
		{"config.xml to a read-scoped token", "job/pw/config.xml", basic("admin", rs.readToken), false},
		{"config.xml to admin's password", "job/pw/config.xml", basic("admin", "pw"), false},
		{"the Configure page", "job/pw/configure", nil, true},
		{"the job page with its Build with Parameters form", "job/pw/", nil, true},
		{"api/json at depth 2", "job/pw/api/json?depth=2", admin, false},
		{"api/xml at depth 2", "job/pw/api/xml?depth=2", admin, false},
		{"api/python at depth 2", "job/pw/api/python?depth=2", admin, false},
		{"the root api/json at depth 3", "api/json?depth=3", admin, false},
	}
	for _, rd := range reads {
		t.Run(rd.name+" does not show the password default", func(t *testing.T) {
			var r rawResp
			if rd.session {
				r = rs.raw(t, "GET", rd.path, "", nil, rs.session)
			} else {
				r = rs.raw(t, "GET", rd.path, "", rd.header)
			}
			if r.status != 200 {
				t.Fatalf("%d %s", r.status, r.body)
			}
			if strings.Contains(r.body, pwDefault) {
				t.Fatalf("the default is served:\n%s", r.body)
			}
		})
	}
	served := rs.raw(t, "GET", "job/pw/config.xml", "", admin).body
	t.Run("config.xml keeps everything else as stored", func(t *testing.T) {
		for _, want := range []string{"<description>the deploy password</description>", "<defaultValue>hello</defaultValue>", "<name>PW</name>", "<defaultValue>{"} {
			if !strings.Contains(served, want) {
				t.Errorf("config.xml lacks %q:\n%s", want, served)
			}
		}
	})
	t.Run("config.xml posted back as served keeps the default", func(t *testing.T) {
		if r := rs.raw(t, "POST", "job/pw/config.xml", served, admin); r.status != 200 {
			t.Fatalf("POST config.xml: %d %s", r.status, r.body)
		}
		if log := rs.buildConsole(t, "pw"); !strings.Contains(log, "\nPW-IS-THE-DEFAULT\n") {
			t.Fatalf("the build did not get the default:\n%s", log)
		}
		if again := rs.raw(t, "GET", "job/pw/config.xml", "", admin).body; again != served {
			t.Fatalf("config.xml changed:\n%s\nwas:\n%s", again, served)
		}
	})
	t.Run("the raw config.xml editor posted back as shown keeps the default", func(t *testing.T) {
		r := rs.raw(t, "POST", "job/pw/configSubmit", "mode=xml&config.xml="+url.QueryEscape(served),
			map[string]string{"Jenkins-Crumb": rs.sessionCrumb}, rs.session)
		if r.status != 303 {
			t.Fatalf("configSubmit: %d %s", r.status, r.body)
		}
		if log := rs.buildConsole(t, "pw"); !strings.Contains(log, "\nPW-IS-THE-DEFAULT\n") {
			t.Fatalf("the build did not get the default:\n%s", log)
		}
	})
	t.Run("a form error after a freestyle submit does not show the default", func(t *testing.T) {
		form := url.Values{"mode": {"hudson.model.FreeStyleProject"}, "timer": {"not a cron spec"}, "shell": {"true"},
			"param.kind": {"password"}, "param.name": {"PW"}, "param.default": {""}, "param.choices": {""}, "param.description": {""}}
		r := rs.raw(t, "POST", "job/pw/configSubmit", form.Encode(), map[string]string{"Jenkins-Crumb": rs.sessionCrumb}, rs.session)
		if r.status != 400 {
			t.Fatalf("configSubmit: %d, want 400\n%s", r.status, r.body)
		}
		if strings.Contains(r.body, pwDefault) {
			t.Fatalf("the error page shows the default:\n%s", r.body)
		}
	})
	t.Run("a new default posted in clear replaces the old one", func(t *testing.T) {
		changed := strings.Replace(passwordJob, "<defaultValue>"+pwDefault+"</defaultValue>", "<defaultValue>another</defaultValue>", 1)
		if r := rs.raw(t, "POST", "job/pw/config.xml", changed, admin); r.status != 200 {
			t.Fatalf("POST config.xml: %d %s", r.status, r.body)
		}
		if log := rs.buildConsole(t, "pw"); !strings.Contains(log, "\nPW-IS-SOMETHING-ELSE\n") {
			t.Fatalf("the build got the old default:\n%s", log)
		}
		if r := rs.raw(t, "POST", "job/pw/config.xml", passwordJob, admin); r.status != 200 {
			t.Fatalf("POST config.xml: %d %s", r.status, r.body)
		}
	})
	t.Run("the placeholder for a parameter the job does not have is refused", func(t *testing.T) {
		renamed := strings.Replace(served, "<name>PW</name>", "<name>OTHER</name>", 1)
		r := rs.raw(t, "POST", "job/pw/config.xml", renamed, admin)
		if r.status != 400 || !strings.Contains(r.body, "OTHER") {
			t.Fatalf("want a 400 naming the parameter, got %d %s", r.status, r.body)
		}
		if log := rs.buildConsole(t, "pw"); !strings.Contains(log, "\nPW-IS-THE-DEFAULT\n") {
			t.Fatalf("the refused post changed the job:\n%s", log)
		}
	})
	t.Run("a new item from a served config.xml is refused, not given the placeholder as its password", func(t *testing.T) {
		r := rs.raw(t, "POST", "createItem?name=pw-copy", served, admin)
		if r.status != 400 || !strings.Contains(r.body, "PW") {
			t.Fatalf("want a 400 naming the parameter, got %d %s", r.status, r.body)
		}
		if _, err := rs.jobs.Get("pw-copy"); err == nil {
			t.Fatal("the item was created")
		}
	})
	t.Run("a copy made with mode=copy keeps the default", func(t *testing.T) {
		if r := rs.raw(t, "POST", "createItem?name=pw-copied&mode=copy&from=pw", "", admin); r.status != 302 {
			t.Fatalf("copy: %d %s", r.status, r.body)
		}
		if log := rs.buildConsole(t, "pw-copied"); !strings.Contains(log, "\nPW-IS-THE-DEFAULT\n") {
			t.Fatalf("the copy did not get the default:\n%s", log)
		}
	})
}
