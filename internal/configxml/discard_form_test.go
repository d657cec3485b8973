package configxml

import (
	"errors"
	"strings"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/discard"
)

// TestEditProjectDiscardOldBuilds: the form's "Discard old builds"
// section changes config.xml as Jenkins's form does when it changed (the
// property written in place or added to <properties>, the legacy
// <logRotator> dropped), and leaves every byte alone when it did not.
func TestEditProjectDiscardOldBuilds(t *testing.T) {
	keep := func(num int) *FormDiscard {
		r := discard.Unlimited
		r.NumToKeep = num
		return &FormDiscard{On: true, Rotator: r}
	}
	const prop = "<jenkins.model.BuildDiscarderProperty>\n      <strategy class=\"hudson.tasks.LogRotator\">\n        <daysToKeep>-1</daysToKeep>\n        <numToKeep>%d</numToKeep>"
	cases := []struct {
		name, in string
		form     *FormDiscard
		want     []string // substrings of the result, in order
		absent   []string
		same     bool
	}{
		{"a form without the section keeps the discarder", "<project><logRotator><numToKeep>3</numToKeep></logRotator></project>", nil, nil, nil, true},
		{"the section as stored changes nothing, even the legacy form",
			"<project>\n  <logRotator><daysToKeep>-1</daysToKeep><numToKeep>3</numToKeep><artifactDaysToKeep>-1</artifactDaysToKeep><artifactNumToKeep>-1</artifactNumToKeep></logRotator>\n</project>",
			keep(3), nil, nil, true},
		{"an unchecked box on a job without a discarder changes nothing", "<project>\n  <properties/>\n</project>", &FormDiscard{Rotator: discard.Unlimited}, nil, nil, true},
		{"a new discarder goes at the end of the properties",
			"<project>\n  <properties>\n    <hudson.model.ParametersDefinitionProperty/>\n  </properties>\n</project>", keep(2),
			[]string{"<hudson.model.ParametersDefinitionProperty/>\n    <jenkins.model.BuildDiscarderProperty>", "<numToKeep>2</numToKeep>", "</jenkins.model.BuildDiscarderProperty>\n  </properties>"}, nil, false},
		{"a new discarder in a job without properties adds them where Jenkins writes them",
			"<project>\n  <description>d</description>\n  <scm class=\"hudson.scm.NullSCM\"/>\n</project>", keep(2),
			[]string{"<description>d</description>\n  <properties>\n    <jenkins.model.BuildDiscarderProperty>", "</properties>\n  <scm"}, nil, false},
		{"a changed discarder is replaced in place",
			"<project>\n  <properties>\n    <a/>\n    <jenkins.model.BuildDiscarderProperty><strategy class=\"hudson.tasks.LogRotator\"><numToKeep>5</numToKeep></strategy></jenkins.model.BuildDiscarderProperty>\n    <b/>\n  </properties>\n</project>",
			keep(9), []string{"<a/>\n    " + strings.Replace(prop, "%d", "9", 1), "</jenkins.model.BuildDiscarderProperty>\n    <b/>"}, []string{"<numToKeep>5"}, false},
		{"a changed legacy discarder becomes the property, as Jenkins's form saves it",
			"<project>\n  <logRotator><numToKeep>3</numToKeep></logRotator>\n  <properties/>\n</project>", keep(4),
			[]string{"<properties>\n    <jenkins.model.BuildDiscarderProperty>", "<numToKeep>4</numToKeep>"}, []string{"logRotator>"}, false},
		{"unchecking the box removes the property and the legacy element",
			"<project>\n  <logRotator><numToKeep>3</numToKeep></logRotator>\n  <properties>\n    <jenkins.model.BuildDiscarderProperty><strategy class=\"hudson.tasks.LogRotator\"><numToKeep>5</numToKeep></strategy></jenkins.model.BuildDiscarderProperty>\n  </properties>\n</project>",
			&FormDiscard{Rotator: discard.Unlimited}, []string{"<properties/>"}, []string{"logRotator", "BuildDiscarderProperty"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := Parse([]byte(c.in))
			if err != nil {
				t.Fatal(err)
			}
			f := FormOf(cfg)
			f.Discard = c.form
			out, err := EditProject([]byte(c.in), f)
			if err != nil {
				t.Fatal(err)
			}
			got := string(out)
			if c.same {
				if got != c.in {
					t.Fatalf("changed:\n%s", got)
				}
				return
			}
			at := 0
			for _, w := range c.want {
				i := strings.Index(got[at:], w)
				if i < 0 {
					t.Fatalf("no %q (in order) in:\n%s", w, got)
				}
				at += i + len(w)
			}
			for _, a := range c.absent {
				if strings.Contains(got, a) {
					t.Fatalf("%q left in:\n%s", a, got)
				}
			}
			back, ok := DiscardOf(out)
			if !ok || back.On != c.form.On || c.form.On && back.Rotator != c.form.Rotator {
				t.Fatalf("reads back as %+v %v", back, ok)
			}
		})
	}
	t.Run("a strategy the form cannot show is refused, not overwritten", func(t *testing.T) {
		in := `<project><properties><jenkins.model.BuildDiscarderProperty><strategy class="org.example.Other"/></jenkins.model.BuildDiscarderProperty></properties></project>`
		if _, ok := DiscardOf([]byte(in)); ok {
			t.Fatal("DiscardOf shows it")
		}
		cfg, _ := Parse([]byte(in))
		f := FormOf(cfg)
		f.Discard = keep(1)
		if _, err := EditProject([]byte(in), f); !errors.Is(err, ErrDiscarderNotEditable) {
			t.Fatalf("err %v", err)
		}
	})
}
