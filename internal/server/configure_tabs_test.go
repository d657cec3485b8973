package server_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/configxml"
)

// TestTheConfigureFormReadsAsJenkinssDoes: "This project is
// parameterized" is a checkbox whose unchecking removes the parameters;
// each parameter type posts its own default; the form shows no blank
// rows; config.xml is a tab of its own, indented, which changes nothing
// when saved as shown.
func TestTheConfigureFormReadsAsJenkinssDoes(t *testing.T) {
	rs := newRouteStack(t)
	const params = `<project><description>d</description><properties><hudson.model.ParametersDefinitionProperty><parameterDefinitions>` +
		`<hudson.model.StringParameterDefinition><name>WHO</name><defaultValue>world</defaultValue></hudson.model.StringParameterDefinition>` +
		`</parameterDefinitions></hudson.model.ParametersDefinitionProperty></properties><builders><hudson.tasks.Shell><command>true</command></hudson.tasks.Shell></builders></project>`
	configure := func(t *testing.T, job string) url.Values {
		t.Helper()
		r := rs.asSession(t, "GET", "job/"+job+"/configure", nil)
		if r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		return formValues(t, r.body, "configure-form")
	}
	save := func(t *testing.T, job string, form url.Values) {
		t.Helper()
		form.Set("jeeves-form", "1")
		if r := rs.asSession(t, "POST", "job/"+job+"/configSubmit", form); r.status != 303 {
			t.Fatalf("save: %d %s", r.status, r.body)
		}
	}

	t.Run("a job without parameters or steps shows no blank row", func(t *testing.T) {
		rs.createJob(t, "bare", `<project><builders/></project>`)
		form := configure(t, "bare")
		if len(form["param.name"]) != 0 || len(form["shell"]) != 0 {
			t.Fatalf("blank rows are sent: %v", form)
		}
		if got := form["parameterized"]; len(got) != 1 || got[0] != "false" {
			t.Fatalf("parameterized %v, want only the hidden false", got)
		}
	})

	t.Run("unchecking This project is parameterized removes the parameters", func(t *testing.T) {
		rs.createJob(t, "unparam", params)
		form := configure(t, "unparam")
		if got := form["parameterized"]; len(got) != 2 || got[1] != "true" {
			t.Fatalf("parameterized %v, want false and true (checked)", got)
		}
		form["parameterized"] = []string{"false"}
		save(t, "unparam", form)
		xml := rs.configXML(t, "unparam")
		if strings.Contains(xml, "ParametersDefinitionProperty") || strings.Contains(xml, "WHO") {
			t.Fatalf("the parameters stayed:\n%s", xml)
		}
	})

	t.Run("each type posts its own default", func(t *testing.T) {
		rs.createJob(t, "typed", `<project><builders/></project>`)
		form := configure(t, "typed")
		form["parameterized"] = []string{"false", "true"}
		row := func(kind, name, def, text, b, pw, choices string) {
			for k, v := range map[string]string{"param.orig": "", "param.kind": kind, "param.name": name, "param.default": def, "param.defaultText": text,
				"param.defaultBool": b, "param.defaultPassword": pw, "param.choices": choices, "param.description": ""} {
				form[k] = append(form[k], v)
			}
		}
		row("string", "S", "plain", "", "false", "", "")
		row("text", "T", "ignored", "line one\r\nline two", "false", "", "")
		row("boolean", "B", "ignored", "", "true", "", "")
		row("password", "P", "ignored", "", "false", "s3cret", "")
		row("choice", "C", "", "", "false", "", "dev\r\nprod")
		save(t, "typed", form)
		cfg, err := configxml.Parse([]byte(rs.configXML(t, "typed")))
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, p := range cfg.Params {
			got[p.Name] = p.Default
		}
		stored, _ := rs.jobs.Get("typed")
		for _, p := range stored.Config.Params {
			if p.Name == "P" {
				got["P"] = p.Default // the API redacts it
			}
		}
		want := map[string]string{"S": "plain", "T": "line one\nline two", "B": "true", "P": "s3cret", "C": "dev"}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("default of %s: %q, want %q", k, got[k], v)
			}
		}
	})

	t.Run("the config.xml tab shows the document indented, with a note on which save wins", func(t *testing.T) {
		rs.createJob(t, "compact", params)
		r := rs.asSession(t, "GET", "job/compact/configure?tab=xml", nil)
		for _, w := range []string{"<project>\n  &lt;description&gt;", `id="tab-xml" aria-current="page"`, "What you save last is what the job has"} {
			if !strings.Contains(strings.ReplaceAll(r.body, "&lt;project&gt;", "<project>"), w) {
				t.Errorf("the tab lacks %q", w)
			}
		}
		if strings.Contains(r.body, `id="configure-form"`) {
			t.Error("the config.xml tab also holds the form")
		}
		form := formValues(t, r.body, "configure-xml")
		// A browser sends the textarea's lines ended CRLF.
		form.Set("config.xml", strings.ReplaceAll(form.Get("config.xml"), "\n", "\r\n"))
		save(t, "compact", form)
		if got := rs.configXML(t, "compact"); got != params {
			t.Fatalf("saving the tab as shown changed config.xml:\n%s", got)
		}
		form.Set("config.xml", strings.Replace(form.Get("config.xml"), "<description>d</description>", "<description>edited</description>", 1))
		save(t, "compact", form)
		if got := rs.configXML(t, "compact"); !strings.Contains(got, "<description>edited</description>") || strings.Contains(got, "\r") {
			t.Fatalf("an edit on the tab was not saved as sent, in LF lines:\n%q", got)
		}
	})

	t.Run("the form tab keeps a stored password default it does not show", func(t *testing.T) {
		rs.createJob(t, "pw", `<project><properties><hudson.model.ParametersDefinitionProperty><parameterDefinitions>`+
			`<hudson.model.PasswordParameterDefinition><name>PW</name><defaultValue>pw-s3cr3t-x</defaultValue></hudson.model.PasswordParameterDefinition>`+
			`</parameterDefinitions></hudson.model.ParametersDefinitionProperty></properties><builders/></project>`)
		r := rs.asSession(t, "GET", "job/pw/configure", nil)
		if strings.Contains(r.body, "pw-s3cr3t-x") {
			t.Fatal("the page shows the password default")
		}
		save(t, "pw", formValues(t, r.body, "configure-form"))
		if j, _ := rs.jobs.Get("pw"); len(j.Config.Params) != 1 || j.Config.Params[0].Default != "pw-s3cr3t-x" {
			t.Fatalf("the password default was lost: %+v", j.Config.Params)
		}
	})
}
