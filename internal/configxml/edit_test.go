package configxml

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/model"
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

// readTestdata reads a file under testdata.
func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// formOfFile is the Configure form of a testdata project, as shown.
func formOfFile(t *testing.T, name string) ([]byte, ProjectForm) {
	t.Helper()
	data := readTestdata(t, name)
	cfg, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return data, FormOf(cfg)
}

func TestEditProjectGolden(t *testing.T) {
	for _, c := range []struct {
		name, in string
		edit     func(f *ProjectForm)
		check    func(t *testing.T, cfg *model.JobConfig)
	}{
		{"a new description changes only the description", "imported.xml",
			func(f *ProjectForm) { f.Description = "Builds & tests <app>" },
			func(t *testing.T, cfg *model.JobConfig) {
				if cfg.Description != "Builds & tests <app>" {
					t.Errorf("description %q", cfg.Description)
				}
			}},
		{"an edited shell step keeps its place after the Maven step and its unstableReturn", "imported.xml",
			func(f *ProjectForm) { f.Steps[1].Command = "./scripts/report.sh --all > target/report.txt" },
			func(t *testing.T, cfg *model.JobConfig) {
				if b := cfg.Builders[2]; b.Command != "./scripts/report.sh --all > target/report.txt" || b.UnstableReturn != 3 || cfg.Builders[1].Class != "hudson.tasks.Maven" {
					t.Errorf("builders %+v", cfg.Builders)
				}
			}},
		{"an emptied shell step is removed and the others stay where they are", "imported.xml",
			func(f *ProjectForm) { f.Steps[0].Command = "" },
			func(t *testing.T, cfg *model.JobConfig) {
				if len(cfg.Builders) != 2 || cfg.Builders[0].Class != "hudson.tasks.Maven" || !cfg.Builders[1].IsShell() {
					t.Errorf("builders %+v", cfg.Builders)
				}
			}},
		{"removing every shell step leaves the Maven step alone", "imported.xml",
			func(f *ProjectForm) { f.Steps = nil },
			func(t *testing.T, cfg *model.JobConfig) {
				if len(cfg.Builders) != 1 || cfg.Builders[0].Class != "hudson.tasks.Maven" {
					t.Errorf("builders %+v", cfg.Builders)
				}
			}},
		{"a new shell step goes after the last step", "imported.xml",
			func(f *ProjectForm) { f.Steps = append(f.Steps, FormStep{Orig: -1, Command: "echo done"}) },
			func(t *testing.T, cfg *model.JobConfig) {
				if len(cfg.Builders) != 4 || cfg.Builders[3].Command != "echo done" {
					t.Errorf("builders %+v", cfg.Builders)
				}
			}},
		{"edited parameters stay in place between the other properties", "imported.xml",
			func(f *ProjectForm) {
				f.Params[0].Def.Default = "release"
				f.Params[0].Def.Description = ""
				f.Params[1].Def.Choices = []string{"17", "21", "25"}
				f.Params[1].Def.Default = "21"
				f.Params = append(f.Params, FormParam{Orig: -1, Def: model.ParamDef{Kind: model.ParamBoolean, Name: "DEPLOY", Default: "false"}})
			},
			func(t *testing.T, cfg *model.JobConfig) {
				if len(cfg.Params) != 3 || cfg.Params[0].Default != "release" || !cfg.Params[0].Trim || cfg.Params[1].Default != "21" || cfg.Params[2].Name != "DEPLOY" {
					t.Errorf("params %+v", cfg.Params)
				}
			}},
		{"a parameter whose type changed is rewritten where it was", "imported.xml",
			func(f *ProjectForm) {
				f.Params[0].Def = model.ParamDef{Kind: model.ParamText, Name: "NOTES", Default: "a\nb"}
			},
			func(t *testing.T, cfg *model.JobConfig) {
				if cfg.Params[0].Kind != model.ParamText || cfg.Params[1].Name != "JDK" {
					t.Errorf("params %+v", cfg.Params)
				}
			}},
		{"a new parameter above the kept ones goes before them", "imported.xml",
			func(f *ProjectForm) {
				f.Params = append([]FormParam{{Orig: -1, Def: model.ParamDef{Kind: model.ParamString, Name: "FIRST"}}}, f.Params[1:]...)
			},
			func(t *testing.T, cfg *model.JobConfig) {
				if len(cfg.Params) != 2 || cfg.Params[0].Name != "FIRST" || cfg.Params[1].Name != "JDK" {
					t.Errorf("params %+v", cfg.Params)
				}
			}},
		{"removing every parameter removes the property and keeps the others", "imported.xml",
			func(f *ProjectForm) { f.Params = nil },
			func(t *testing.T, cfg *model.JobConfig) {
				if len(cfg.Params) != 0 || len(cfg.Unsupported) != 5 {
					t.Errorf("params %+v, unsupported %v", cfg.Params, cfg.Unsupported)
				}
			}},
		{"a schedule is added after the SCM trigger", "imported.xml",
			func(f *ProjectForm) { f.Timer = "H 2 * * *" },
			func(t *testing.T, cfg *model.JobConfig) {
				if cfg.TimerSpecs != "H 2 * * *" {
					t.Errorf("timer %q", cfg.TimerSpecs)
				}
			}},
		{"disabled and concurrent change in place", "imported.xml",
			func(f *ProjectForm) { f.Disabled, f.Concurrent = true, true },
			func(t *testing.T, cfg *model.JobConfig) {
				if !cfg.Disabled || !cfg.Concurrent {
					t.Errorf("disabled %v concurrent %v", cfg.Disabled, cfg.Concurrent)
				}
			}},
		{"an empty project gets each element where Jenkins writes it", "minimal.xml",
			func(f *ProjectForm) {
				f.Description, f.Disabled, f.Concurrent, f.Timer = "d", true, true, "@daily"
				f.Params = []FormParam{{Orig: -1, Def: model.ParamDef{Kind: model.ParamChoice, Name: "C", Choices: []string{"a", "b"}, Default: "a"}}}
				f.Steps = []FormStep{{Orig: -1, Command: "echo one"}, {Orig: -1, Command: ""}, {Orig: -1, Command: "echo two"}}
			},
			func(t *testing.T, cfg *model.JobConfig) {
				if cfg.Description != "d" || !cfg.Disabled || !cfg.Concurrent || cfg.TimerSpecs != "@daily" || len(cfg.Params) != 1 || len(cfg.Builders) != 2 {
					t.Errorf("%+v", cfg)
				}
			}},
		{"JJB's element order is kept and additions fit in", "jjb-downstream.xml",
			func(f *ProjectForm) {
				f.Timer = "H H * * *"
				f.Params = []FormParam{{Orig: -1, Def: model.ParamDef{Kind: model.ParamString, Name: "S", Default: "x"}}}
			},
			func(t *testing.T, cfg *model.JobConfig) {
				if cfg.TimerSpecs != "H H * * *" || len(cfg.Params) != 1 {
					t.Errorf("%+v", cfg)
				}
			}},
		{"an emptied schedule removes the TimerTrigger", "full.xml",
			func(f *ProjectForm) { f.Timer = "" },
			func(t *testing.T, cfg *model.JobConfig) {
				if cfg.TimerSpecs != "" {
					t.Errorf("timer %q", cfg.TimerSpecs)
				}
			}},
		{"a schedule added to an empty trigger list keeps its class attribute", "old-style.xml",
			func(f *ProjectForm) { f.Timer = "H 3 * * 1-5" },
			func(t *testing.T, cfg *model.JobConfig) {
				if cfg.TimerSpecs != "H 3 * * 1-5" {
					t.Errorf("timer %q", cfg.TimerSpecs)
				}
			}},
		{"the steps and parameters of unknown classes are kept around the edit", "unknown-builder.xml",
			func(f *ProjectForm) {
				f.Steps[0].Command = "echo edited"
				f.Params[1].Def.Default = "origin/dev"
			},
			func(t *testing.T, cfg *model.JobConfig) {
				if len(cfg.Builders) != 4 || cfg.Builders[2].Command != "echo edited" || cfg.Params[1].Class != "net.uaznia.lukanus.hudson.plugins.gitparameter.GitParameterDefinition" || cfg.Params[1].Default != "origin/dev" {
					t.Errorf("%+v", cfg)
				}
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			data, f := formOfFile(t, c.in)
			c.edit(&f)
			out, err := EditProject(data, f)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("testdata", "edit", goldenName(c.name)), out)
			cfg, err := Parse(out)
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, cfg)
		})
	}
}

// goldenName turns a test case's sentence into a file name.
func goldenName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, strings.ToLower(s))
	return s + ".golden.xml"
}

func TestEditProjectUnchangedFormChangesNothing(t *testing.T) {
	inputs, _ := filepath.Glob(filepath.Join("testdata", "*.xml"))
	for _, in := range inputs {
		if strings.HasSuffix(in, ".golden.xml") || strings.Contains(in, "folder") {
			continue
		}
		t.Run(filepath.Base(in), func(t *testing.T) {
			data, f := formOfFile(t, filepath.Base(in))
			out, err := EditProject(data, f)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, data) {
				t.Errorf("the document changed:\n%s", out)
			}
		})
	}
}

func TestEditProjectRefusesRowsThatDoNotFit(t *testing.T) {
	for _, c := range []struct {
		name string
		edit func(f *ProjectForm)
	}{
		{"a step row naming a step the job does not have", func(f *ProjectForm) { f.Steps[1].Orig = 7 }},
		{"two step rows naming one step", func(f *ProjectForm) { f.Steps[1].Orig = 0 }},
		{"step rows out of order", func(f *ProjectForm) { f.Steps[0].Orig, f.Steps[1].Orig = 1, 0 }},
		{"a parameter row naming a parameter the job does not have", func(f *ProjectForm) { f.Params[0].Orig = 2 }},
		{"parameter rows out of order", func(f *ProjectForm) { f.Params[0].Orig, f.Params[1].Orig = 1, 0 }},
	} {
		t.Run(c.name, func(t *testing.T) {
			data, f := formOfFile(t, "imported.xml")
			c.edit(&f)
			if _, err := EditProject(data, f); !errors.Is(err, ErrStaleForm) {
				t.Fatalf("err %v, want ErrStaleForm", err)
			}
		})
	}
	t.Run("a folder has no form", func(t *testing.T) {
		if _, err := EditProject(readTestdata(t, "folder.xml"), ProjectForm{}); err == nil {
			t.Fatal("no error")
		}
	})
}

// FuzzEditProject: for any project Parse accepts, the form as shown
// changes nothing, and a new description, schedule and shell step change
// only those fields: what jeeves does not run is still there.
func FuzzEditProject(f *testing.F) {
	inputs, _ := filepath.Glob(filepath.Join("testdata", "*.xml"))
	for _, in := range inputs {
		if data, err := os.ReadFile(in); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("<project><!-- <builders> --><builders><![CDATA[<x>]]><hudson.tasks.Shell a='>'><command>x</command></hudson.tasks.Shell></builders></project>"))
	// Markup that ends as encoding/xml ends it: a comment with a quote
	// inside a DOCTYPE, nested brackets in a directive, a comment that
	// opens with "-->" in it.
	f.Add([]byte("<!DOCTYPE project <!-- ' --> ><project><description>d</description></project>"))
	f.Add([]byte("<!DOCTYPE project <!ELEMENT project ANY> ><project><builders/></project>"))
	f.Add([]byte("<project><!-->--><description>d</description></project>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data)
		if err != nil || cfg.Kind != KindProject {
			return
		}
		form := FormOf(cfg)
		out, err := EditProject(data, form)
		if err != nil {
			t.Fatalf("the form as shown: %v", err)
		}
		if !bytes.Equal(out, data) {
			t.Fatalf("the form as shown changed the document:\n%s", out)
		}
		form.Description = "fuzzed & <new>"
		form.Timer = "H H * * *"
		form.Steps = append(form.Steps, FormStep{Orig: -1, Command: "echo added"})
		out, err = EditProject(data, form)
		if err != nil {
			t.Fatalf("an edited form: %v\n%s", err, data)
		}
		got, err := Parse(out)
		if err != nil {
			t.Fatal(err)
		}
		if got.Description != form.Description || got.TimerSpecs != form.Timer || got.Builders[len(got.Builders)-1].Command != "echo added" ||
			!reflect.DeepEqual(got.Unsupported, cfg.Unsupported) || !reflect.DeepEqual(got.Params, cfg.Params) {
			t.Fatalf("the edit did not do just what it said:\n%s\n->\n%s", data, out)
		}
	})
}

// BenchmarkParseImported reads a job as Jenkins writes it, with the list
// of what jeeves does not run.
func BenchmarkParseImported(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("testdata", "imported.xml"))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEditProjectDescription is a Configure save that changes the
// description of a job as Jenkins writes it.
func BenchmarkEditProjectDescription(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("testdata", "imported.xml"))
	if err != nil {
		b.Fatal(err)
	}
	cfg, err := Parse(data)
	if err != nil {
		b.Fatal(err)
	}
	f := FormOf(cfg)
	f.Description = "new words"
	for b.Loop() {
		if _, err := EditProject(data, f); err != nil {
			b.Fatal(err)
		}
	}
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
