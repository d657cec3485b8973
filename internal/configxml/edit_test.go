package configxml

import (
	"strings"
	"testing"
)

func TestSetTopLevel(t *testing.T) {
	for _, c := range []struct {
		name, in, elem, value, want string
	}{
		{"an existing element's text is replaced and nothing else changes",
			"<?xml version='1.1' encoding='UTF-8'?>\n<project>\n  <!-- <disabled>x</disabled> -->\n  <disabled>false</disabled>\n  <x a=\"b>c\"/>\n</project>",
			"disabled", "true",
			"<?xml version='1.1' encoding='UTF-8'?>\n<project>\n  <!-- <disabled>x</disabled> -->\n  <disabled>true</disabled>\n  <x a=\"b>c\"/>\n</project>"},
		{"a self-closing element gets its text",
			"<project><description/><disabled>false</disabled></project>",
			"description", "a <b> & c",
			"<project><description>a &lt;b&gt; &amp; c</description><disabled>false</disabled></project>"},
		{"a nested element of the same name is left alone",
			"<project>\n  <properties><disabled>keep</disabled></properties>\n</project>",
			"disabled", "true",
			"<project>\n  <properties><disabled>keep</disabled></properties>\n  <disabled>true</disabled>\n</project>"},
		{"a missing element is added before the root's end",
			"<project><builders/></project>",
			"disabled", "true",
			"<project><builders/>\n  <disabled>true</disabled>\n</project>"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := SetTopLevel([]byte(c.in), c.elem, c.value)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.want {
				t.Fatalf("got\n%s\nwant\n%s", got, c.want)
			}
			cfg, err := Parse(got)
			if err != nil {
				t.Fatal(err)
			}
			if c.elem == "disabled" && !cfg.Disabled {
				t.Fatal("not disabled after the edit")
			}
		})
	}
	t.Run("malformed XML is refused", func(t *testing.T) {
		if _, err := SetTopLevel([]byte("<project>"), "disabled", "true"); err == nil {
			t.Fatal("no error")
		}
	})
}

// TestSubmitViewKeepsWhatTheFormDoesNotSet: a configSubmit replaces the
// status filter among the job filters and keeps the others, removes the
// regex when none is given, and keeps unknown elements byte for byte.
func TestSubmitViewKeepsWhatTheFormDoesNotSet(t *testing.T) {
	in := `<hudson.model.ListView>
  <name>v</name>
  <description>old</description>
  <jobNames>
    <comparator class="hudson.util.CaseInsensitiveComparator"/>
    <string>a</string>
  </jobNames>
  <jobFilters>
    <hudson.views.RegExJobFilter><regex>x</regex></hudson.views.RegExJobFilter>
    <hudson.views.StatusFilter>
      <statusFilter>false</statusFilter>
    </hudson.views.StatusFilter>
  </jobFilters>
  <columns><hudson.views.JobColumn/></columns>
  <includeRegex>old.*</includeRegex>
  <recurse>false</recurse>
</hudson.model.ListView>`
	enabled := true
	for _, tc := range []struct {
		name   string
		form   ViewForm
		want   []string
		absent []string
	}{
		{"a status filter replaces the old one", ViewForm{Name: "w", Description: "new", JobNames: []string{"b"}, StatusFilter: &enabled},
			[]string{"<name>w</name>", "<description>new</description>", "<string>b</string>", "<statusFilter>true</statusFilter>",
				"<hudson.views.RegExJobFilter><regex>x</regex></hudson.views.RegExJobFilter>", "<columns><hudson.views.JobColumn/></columns>"},
			[]string{"<statusFilter>false</statusFilter>", "<string>a</string>", "includeRegex"}},
		{"no status filter removes it and keeps the other filters", ViewForm{Name: "v", IncludeRegex: "n.*"},
			[]string{"<includeRegex>n.*</includeRegex>", "<hudson.views.RegExJobFilter>"},
			[]string{"StatusFilter"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := SubmitView([]byte(in), tc.form)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("lacks %s:\n%s", w, out)
				}
			}
			for _, a := range tc.absent {
				if strings.Contains(string(out), a) {
					t.Errorf("still has %s:\n%s", a, out)
				}
			}
			cfg, err := ParseView(out)
			if err != nil {
				t.Fatalf("the result does not parse: %v\n%s", err, out)
			}
			if (cfg.StatusFilter != nil) != (tc.form.StatusFilter != nil) {
				t.Errorf("status filter read back as %v", cfg.StatusFilter)
			}
		})
	}
}
