package server_test

import (
	"html"
	"strings"
	"testing"
)

// TestConfigureDiscardOldBuilds drives the Configure form's "Discard old
// builds" section over HTTP: it shows the job's LogRotator, saving it
// writes the BuildDiscarderProperty, a limit that is not a whole number
// comes back (400) with the reason beside it and nothing stored, and
// unchecking the box removes the discarder.
func TestConfigureDiscardOldBuilds(t *testing.T) {
	rs := newRouteStack(t)
	rs.createJob(t, "rotated", shellXML)
	page := func(t *testing.T) rawResp {
		t.Helper()
		p := rs.asSession(t, "GET", "job/rotated/configure", nil)
		if p.status != 200 {
			t.Fatalf("%d %s", p.status, p.body)
		}
		return p
	}
	t.Run("a job without a discarder shows the box unchecked", func(t *testing.T) {
		form := formValues(t, page(t).body, "configure-form")
		if form.Get("discard.shown") != "1" || form.Has("discard") || form.Get("discard.numToKeep") != "" {
			t.Fatalf("%v", form)
		}
	})
	t.Run("checking the box with limits stores the BuildDiscarderProperty", func(t *testing.T) {
		form := formValues(t, page(t).body, "configure-form")
		form.Set("discard", "true")
		form.Set("discard.numToKeep", "2")
		form.Set("discard.artifactNumToKeep", " 1 ")
		if r := rs.asSession(t, "POST", "job/rotated/configSubmit", form); r.status != 303 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		xml := rs.configXML(t, "rotated")
		for _, want := range []string{"<jenkins.model.BuildDiscarderProperty>", `<strategy class="hudson.tasks.LogRotator">`, "<daysToKeep>-1</daysToKeep>",
			"<numToKeep>2</numToKeep>", "<artifactNumToKeep>1</artifactNumToKeep>"} {
			if !strings.Contains(xml, want) {
				t.Fatalf("config.xml lacks %s:\n%s", want, xml)
			}
		}
		form = formValues(t, page(t).body, "configure-form")
		if form.Get("discard") != "true" || form.Get("discard.numToKeep") != "2" || form.Get("discard.artifactNumToKeep") != "1" || form.Get("discard.daysToKeep") != "" {
			t.Fatalf("the form shows %v", form)
		}
	})
	for _, bad := range []struct{ field, value, msg string }{
		{"discard.numToKeep", "ten", "Max # of builds to keep must be a whole number from 0, or blank for no limit"},
		{"discard.daysToKeep", "-3", "Days to keep builds must be a whole number from 0"},
		{"discard.artifactDaysToKeep", "99999999999", "Days to keep artifacts must be a whole number from 0"},
	} {
		t.Run(bad.field+"="+bad.value+" comes back with the reason and stores nothing", func(t *testing.T) {
			before := rs.configXML(t, "rotated")
			form := formValues(t, page(t).body, "configure-form")
			form.Set(bad.field, bad.value)
			r := rs.asSession(t, "POST", "job/rotated/configSubmit", form)
			if r.status != 400 || !strings.Contains(html.UnescapeString(r.body), bad.msg) {
				t.Fatalf("%d %s", r.status, r.body)
			}
			if back := formValues(t, r.body, "configure-form"); back.Get(bad.field) != strings.TrimSpace(bad.value) {
				t.Fatalf("the form does not come back as typed: %v", back)
			}
			if after := rs.configXML(t, "rotated"); after != before {
				t.Fatalf("config.xml changed:\n%s", after)
			}
		})
	}
	t.Run("unchecking the box removes the discarder", func(t *testing.T) {
		form := formValues(t, page(t).body, "configure-form")
		form.Del("discard")
		if r := rs.asSession(t, "POST", "job/rotated/configSubmit", form); r.status != 303 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if xml := rs.configXML(t, "rotated"); strings.Contains(xml, "BuildDiscarderProperty") {
			t.Fatalf("config.xml:\n%s", xml)
		}
	})
	t.Run("a client that posts the form without the section keeps the discarder", func(t *testing.T) {
		rs.createJob(t, "legacy", `<project><logRotator><numToKeep>3</numToKeep></logRotator><builders/></project>`)
		form := formValues(t, rs.asSession(t, "GET", "job/legacy/configure", nil).body, "configure-form")
		for k := range form {
			if strings.HasPrefix(k, "discard") {
				form.Del(k)
			}
		}
		form.Set("description", "changed")
		if r := rs.asSession(t, "POST", "job/legacy/configSubmit", form); r.status != 303 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if xml := rs.configXML(t, "legacy"); !strings.Contains(xml, "<logRotator><numToKeep>3</numToKeep></logRotator>") {
			t.Fatalf("config.xml:\n%s", xml)
		}
	})
}
