package configxml

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/model"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// toJSON is the golden form of a parsed config.
func toJSON(t *testing.T, cfg *model.JobConfig) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(cfg); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// golden compares got with the named golden file, or rewrites it under -update.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
	}
}

func TestParseGolden(t *testing.T) {
	inputs, err := filepath.Glob(filepath.Join("testdata", "*.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var n int
	for _, in := range inputs {
		if strings.HasSuffix(in, ".golden.xml") {
			continue
		}
		n++
		t.Run(filepath.Base(in), func(t *testing.T) {
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := Parse(data)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			golden(t, strings.TrimSuffix(in, ".xml")+".golden.json", toJSON(t, cfg))
		})
	}
	if n < 6 {
		t.Fatalf("found %d input files, want at least 6", n)
	}
}

// TestParseDetails checks by hand the values the goldens are easiest to
// get wrong.
func TestParseDetails(t *testing.T) {
	read := func(name string) *model.JobConfig {
		t.Helper()
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := Parse(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return cfg
	}

	t.Run("carries an escape character reference into the command", func(t *testing.T) {
		cfg := read("full.xml")
		want := "printf '\x1b[31mred\x1b[0m\\n'\necho \"done\""
		if got := cfg.Builders[0].Command; got != want {
			t.Errorf("command %q, want %q", got, want)
		}
	})
	t.Run("keeps private-use characters apart from control characters", func(t *testing.T) {
		cfg := read("controls.xml")
		wantDesc := "literal &#x1b; & <tags> then \x1b[1mbold\x1b[0m and \x07bell\r"
		if cfg.Description != wantDesc {
			t.Errorf("description %q, want %q", cfg.Description, wantDesc)
		}
		wantCmd := "printf \"\U000F001B private use stays \U000F001B \x1b\""
		if got := cfg.Builders[0].Command; got != wantCmd {
			t.Errorf("command %q, want %q", got, wantCmd)
		}
	})
	t.Run("keeps the JJB managed marker and trailing newline", func(t *testing.T) {
		cfg := read("jjb-freestyle.xml")
		if !strings.HasSuffix(cfg.Description, "<!-- Managed by Jenkins Job Builder -->") {
			t.Errorf("description %q lacks the marker", cfg.Description)
		}
		if !strings.HasSuffix(cfg.Builders[0].Command, "out/result.txt\n") {
			t.Errorf("command %q lost its trailing newline", cfg.Builders[0].Command)
		}
		if cfg.AuthToken != "s3cr3t-trigger-token" || !cfg.Concurrent || cfg.TimerSpecs != "H/15 * * * *" {
			t.Errorf("token/concurrent/timer wrong: %+v", cfg)
		}
		if got := cfg.Params[2].Choices; !reflect.DeepEqual(got, []string{"dev", "staging", "prod"}) {
			t.Errorf("choices %q", got)
		}
	})
}

func TestParseErrors(t *testing.T) {
	deep := strings.Repeat("<a>", 300) + strings.Repeat("</a>", 300)
	cases := []struct {
		name  string
		input string
		want  string // in the error message
	}{
		{"rejects empty input", "", "empty document"},
		{"rejects whitespace-only input", " \n\t\r\n", "empty document"},
		{"rejects text that is not XML", "not xml", `text "not xml" before the root element`},
		{"rejects a document with two roots", "<project/><project/>", "a document has one root"},
		{"rejects trailing text after the root", "<project/>\ngarbage", `text "garbage" after the root element`},
		{"rejects an unclosed root", "<project><description>x</description>", "<project> is not closed"},
		{"rejects a mismatched end tag", "<project><description>x</disabled></project>", "<description> is closed by </disabled>"},
		{"rejects a stray end tag", "</project>", "without a start tag"},
		{"rejects a raw control character", "<project><description>a\x1bb</description></project>", "control character U+001B"},
		{"rejects a raw NUL byte", "<project>\n<description>\x00</description></project>", "line 2: control character U+0000"},
		{"rejects a reference to NUL", "<project><description>&#0;</description></project>", "illegal character code U+0000"},
		{"rejects an undefined entity", "<project><description>&nbsp;</description></project>", "invalid character entity &nbsp;"},
		{"rejects a non-UTF-8 encoding", "<?xml version='1.0' encoding='ISO-8859-1'?><project/>", "config.xml must be UTF-8"},
		{"rejects a UTF-16 document", "\xff\xfe<\x00p\x00/\x00>\x00", "UTF-16"},
		{"rejects an unsupported XML version", "<?xml version='2.0'?><project/>", "unsupported version"},
		{"rejects an XML declaration after a comment", "<!-- c --><?xml version='1.0'?><project/>", "must begin the document"},
		{"rejects a DOCTYPE inside the root", "<project><!DOCTYPE project></project>", "only allowed before the root"},
		{"rejects a non-integer quiet period", "<project><quietPeriod>soon</quietPeriod></project>", `<quietPeriod> must be an integer, not "soon"`},
		{"rejects a non-integer unstable return", "<project><builders><hudson.tasks.Shell><unstableReturn>x</unstableReturn></hudson.tasks.Shell></builders></project>", "<unstableReturn> must be an integer"},
		{"rejects nesting deeper than the limit", "<project>" + deep + "</project>", "nested more than 200 deep"},
		{"rejects a truncated element", "<project><descr", "XML syntax error"},
		{"names the unknown root element", "<flow-definition plugin=\"workflow-job\"/>", "no item type ‘flow-definition’ is known"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := Parse([]byte(c.input))
			if err == nil {
				t.Fatalf("Parse succeeded with %+v", cfg)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not contain %q", err, c.want)
			}
		})
	}

	t.Run("reports an unknown root as an UnknownKindError", func(t *testing.T) {
		_, err := Parse([]byte("<?xml version='1.1' encoding='UTF-8'?>\n<flow-definition/>"))
		if !errors.Is(err, ErrUnknownKind) {
			t.Errorf("errors.Is(%v, ErrUnknownKind) is false", err)
		}
		var uk *UnknownKindError
		if !errors.As(err, &uk) || uk.Root != "flow-definition" {
			t.Errorf("errors.As gave %+v", uk)
		}
	})
	t.Run("does not call a syntax error an unknown kind", func(t *testing.T) {
		if _, err := Parse([]byte("<project>")); errors.Is(err, ErrUnknownKind) {
			t.Errorf("error %v matches ErrUnknownKind", err)
		}
	})
}

func TestParseAccepts(t *testing.T) {
	cases := []struct {
		name  string
		input string
		desc  string
	}{
		{"accepts a document without a declaration", "<project><description>d</description></project>", "d"},
		{"accepts a lowercase utf-8 declaration", `<?xml version="1.0" encoding="utf-8"?><project><description>d</description></project>`, "d"},
		{"accepts a US-ASCII declaration", `<?xml version="1.0" encoding="US-ASCII"?><project><description>d</description></project>`, "d"},
		{"accepts a double-quoted XML 1.1 declaration", `<?xml version="1.1" encoding="UTF-8"?><project><description>d</description></project>`, "d"},
		{"accepts spaces around the version's equals sign", `<?xml version = '1.1'?><project><description>d</description></project>`, "d"},
		{"accepts a byte order mark", "\uFEFF<?xml version='1.1' encoding='UTF-8'?><project><description>d</description></project>", "d"},
		{"accepts white space before the declaration", "\n  <?xml version='1.1'?>\n<project><description>d</description></project>\n\n", "d"},
		{"accepts comments and a DOCTYPE around the root", "<!DOCTYPE project><!-- a --><project><description>d</description></project><!-- b --><?pi x?>", "d"},
		{"accepts a decimal reference to a control character", "<project><description>&#27;&#x1B;&#x001b;</description></project>", "\x1b\x1b\x1b"},
		{"accepts CRLF line ends, reading them as LF", "<project>\r\n<description>a\r\nb</description></project>", "a\nb"},
		{"accepts C1 controls and DEL", "<project><description>\u0085\u007f&#x80;</description></project>", "\u0085\u007f\u0080"},
		{"accepts a namespace prefix without reading it", `<project xmlns:x="urn:x"><x:description>no</x:description><description>d</description></project>`, "d"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := Parse([]byte(c.input))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if cfg.Description != c.desc {
				t.Errorf("description %q, want %q", cfg.Description, c.desc)
			}
		})
	}

	t.Run("reads a threshold by ordinal when the name is missing", func(t *testing.T) {
		cfg, err := Parse([]byte(`<project><publishers><hudson.tasks.BuildTrigger><childProjects>a</childProjects><threshold><ordinal>2</ordinal></threshold></hudson.tasks.BuildTrigger></publishers></project>`))
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Threshold != model.Failure {
			t.Errorf("threshold %q, want FAILURE", cfg.Threshold)
		}
	})
	t.Run("treats a blank quiet period as unset", func(t *testing.T) {
		cfg, err := Parse([]byte(`<project><quietPeriod> </quietPeriod></project>`))
		if err != nil {
			t.Fatal(err)
		}
		if cfg.QuietPeriod != nil {
			t.Errorf("quiet period %d, want nil", *cfg.QuietPeriod)
		}
	})
}

func intp(i int) *int { return &i }

// roundTripConfigs are configs whose fields Render must preserve.
func roundTripConfigs() map[string]*model.JobConfig {
	return map[string]*model.JobConfig{
		"empty project": {Kind: KindProject},
		"folder":        {Kind: KindFolder, Description: "a folder & its <jobs>"},
		"everything": {
			Kind:        KindProject,
			Description: "line one\nline \"two\" & 'three' <b>\r\n\tend ]]>",
			Disabled:    true,
			Concurrent:  true,
			QuietPeriod: intp(0),
			AuthToken:   "{AQAAABAAAAAQ}",
			TimerSpecs:  "H/15 * * * *\nH 2 * * 1-5",
			Children:    []string{"down one", "down-two"},
			Threshold:   model.Unstable,
			Params: []model.ParamDef{
				{Kind: model.ParamString, Class: "hudson.model.StringParameterDefinition", Name: "S", Description: "s", Default: " padded ", Trim: true},
				{Kind: model.ParamBoolean, Class: "hudson.model.BooleanParameterDefinition", Name: "B", Default: "true"},
				{Kind: model.ParamChoice, Class: "hudson.model.ChoiceParameterDefinition", Name: "C", Default: "a", Choices: []string{"a", "", "c\nd"}},
				{Kind: model.ParamChoice, Class: "hudson.model.ChoiceParameterDefinition", Name: "C2", Default: "other", Choices: []string{"x"}},
				{Kind: model.ParamChoice, Class: "hudson.model.ChoiceParameterDefinition", Name: "NONE"},
				{Kind: model.ParamText, Class: "hudson.model.TextParameterDefinition", Name: "T", Default: "a\nb\n"},
				{Kind: model.ParamPassword, Class: "hudson.model.PasswordParameterDefinition", Name: "P", Default: "{AQAAAB}", Trim: true},
				{Kind: model.ParamString, Class: "hudson.model.FileParameterDefinition", Name: "F"},
			},
			Builders: []model.Builder{
				{Class: shellClass, Command: "echo \x1b[1mbold\x1b[0m \u0085 \u2028 \x7f\r\n", UnstableReturn: 3},
				{Class: "jenkins.tasks.Shell"},
				{Class: shellClass},
			},
		},
		"controls and private use": {
			Kind:        KindProject,
			Description: "\x01\x02\x1f \U000F0001 \U000F0021 \uE000",
			Builders:    []model.Builder{{Class: shellClass, Command: "\x1b"}},
		},
		"threshold without children":  {Kind: KindProject, Threshold: model.Aborted},
		"children default to SUCCESS": {Kind: KindProject, Children: []string{"a"}, Threshold: model.Success},
		"negative quiet period":       {Kind: KindProject, QuietPeriod: intp(-3)},
	}
}

// withoutUnsupported is cfg without its list of what jeeves does not run,
// which Render does not write (it writes no publishers, wrappers, SCM…).
func withoutUnsupported(cfg *model.JobConfig) *model.JobConfig {
	c := *cfg
	c.Unsupported = nil
	return &c
}

func TestRoundTrip(t *testing.T) {
	for name, cfg := range roundTripConfigs() {
		t.Run(name, func(t *testing.T) {
			out := Render(cfg)
			got, err := Parse(out)
			if err != nil {
				t.Fatalf("Parse(Render): %v\n%s", err, out)
			}
			if got = withoutUnsupported(got); !reflect.DeepEqual(got, cfg) {
				t.Errorf("round trip changed the config:\n got %s\nwant %s\nxml:\n%s", toJSON(t, got), toJSON(t, cfg), out)
			}
		})
	}
}

func TestRenderGolden(t *testing.T) {
	golden(t, filepath.Join("testdata", "render-everything.golden.xml"), Render(roundTripConfigs()["everything"]))
	golden(t, filepath.Join("testdata", "render-folder.golden.xml"), Render(roundTripConfigs()["folder"]))
}

func TestRenderNormalizes(t *testing.T) {
	cfg := &model.JobConfig{
		Params: []model.ParamDef{
			{Kind: model.ParamBoolean, Name: "B", Default: "yes"},
			{Kind: model.ParamChoice, Class: "not a name", Name: "C", Choices: []string{"x"}, Default: "x"},
		},
		Builders: []model.Builder{
			{Command: "echo form"},
			{Class: "bad<name"},
		},
		Children:    []string{" a ", "", "b"},
		Threshold:   "WHATEVER",
		Description: "nul\x00 invalid\xff nonchar\uFFFE",
	}
	got, err := Parse(Render(cfg))
	if err != nil {
		t.Fatal(err)
	}
	got = withoutUnsupported(got)
	want := &model.JobConfig{
		Kind: KindProject,
		Params: []model.ParamDef{
			{Kind: model.ParamBoolean, Class: "hudson.model.BooleanParameterDefinition", Name: "B", Default: "false"},
			{Kind: model.ParamChoice, Class: "hudson.model.ChoiceParameterDefinition", Name: "C", Choices: []string{"x"}, Default: "x"},
		},
		Builders:    []model.Builder{{Class: shellClass, Command: "echo form"}},
		Children:    []string{"a", "b"},
		Threshold:   model.Success,
		Description: "nul\uFFFD invalid\uFFFD nonchar\uFFFD",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %s\nwant %s", toJSON(t, got), toJSON(t, want))
	}
	if out := Render(nil); !bytes.HasPrefix(out, []byte("<?xml version='1.1' encoding='UTF-8'?>\n<project>")) {
		t.Errorf("Render(nil) = %s", out)
	}
}

func FuzzParse(f *testing.F) {
	inputs, _ := filepath.Glob(filepath.Join("testdata", "*.xml"))
	for _, in := range inputs {
		if data, err := os.ReadFile(in); err == nil {
			f.Add(data)
		}
	}
	for _, cfg := range roundTripConfigs() {
		f.Add(Render(cfg))
	}
	f.Add([]byte("<project><description>&#x1b;\U000F0001</description></project>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data)
		if err != nil {
			return
		}
		out := Render(cfg)
		again, err := Parse(out)
		if err != nil {
			t.Fatalf("Parse(Render(cfg)): %v\n%s", err, out)
		}
		if !reflect.DeepEqual(withoutUnsupported(again), withoutUnsupported(cfg)) {
			t.Fatalf("round trip changed the config:\n got %#v\nwant %#v", again, cfg)
		}
	})
}

// TestNotRunListsWhatBuildsLeaveBehindOnlyWhenJeevesCannotRunIt: the
// archiver, the JUnit recorder, the mailer and the build discarder run,
// so a job asking for them is not told otherwise; a discarder strategy
// other than LogRotator is not run, and is named.
func TestNotRunListsWhatBuildsLeaveBehindOnlyWhenJeevesCannotRunIt(t *testing.T) {
	cases := []struct {
		name, xml string
		want      []string
	}{
		{"the archiver, the JUnit recorder and the mailer run",
			`<project><publishers><hudson.tasks.ArtifactArchiver><artifacts>x</artifacts></hudson.tasks.ArtifactArchiver>` +
				`<hudson.tasks.junit.JUnitResultArchiver><testResults>x</testResults></hudson.tasks.junit.JUnitResultArchiver>` +
				`<hudson.tasks.Mailer><recipients>a@b</recipients></hudson.tasks.Mailer></publishers></project>`, nil},
		{"a second archiver is not run", `<project><publishers><hudson.tasks.ArtifactArchiver/><hudson.tasks.ArtifactArchiver/></publishers></project>`,
			[]string{"hudson.tasks.ArtifactArchiver"}},
		{"the build discarder property with a LogRotator runs",
			`<project><properties><jenkins.model.BuildDiscarderProperty><strategy class="hudson.tasks.LogRotator"><numToKeep>1</numToKeep></strategy></jenkins.model.BuildDiscarderProperty></properties></project>`, nil},
		{"another strategy is named",
			`<project><properties><jenkins.model.BuildDiscarderProperty><strategy class="org.example.KeepEverything"/></jenkins.model.BuildDiscarderProperty></properties></project>`,
			[]string{"org.example.KeepEverything"}},
		{"the legacy logRotator without a class runs", `<project><logRotator><numToKeep>1</numToKeep></logRotator></project>`, nil},
		{"the legacy logRotator of class LogRotator runs", `<project><logRotator class="hudson.tasks.LogRotator"><numToKeep>1</numToKeep></logRotator></project>`, nil},
		{"a legacy logRotator of another class is named", `<project><logRotator class="org.example.Other"/></project>`, []string{"org.example.Other"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := Parse([]byte(c.xml))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, u := range cfg.Unsupported {
				got = append(got, u.Class)
			}
			if !slices.Equal(got, c.want) {
				t.Fatalf("not run: %v, want %v", got, c.want)
			}
		})
	}
}

func TestAssignedLabel(t *testing.T) {
	cases := []struct {
		name, xml, want string
	}{
		{"canRoam true runs anywhere", `<canRoam>true</canRoam>`, ""},
		{"canRoam true wins over an assignedNode", `<assignedNode>linux</assignedNode><canRoam>true</canRoam>`, ""},
		{"an assignedNode with canRoam false is the label expression", `<assignedNode> linux &amp;&amp; !arm </assignedNode><canRoam>false</canRoam>`, "linux && !arm"},
		{"an assignedNode without canRoam is the label expression", `<assignedNode>agent1</assignedNode>`, "agent1"},
		{"canRoam false without an assignedNode is the built-in node", `<canRoam>false</canRoam>`, "built-in"},
		{"no canRoam and no assignedNode is the built-in node, as in Jenkins", ``, "built-in"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := Parse([]byte(`<project>` + c.xml + `<builders/></project>`))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.AssignedLabel != c.want {
				t.Fatalf("AssignedLabel %q, want %q", cfg.AssignedLabel, c.want)
			}
			if len(cfg.Unsupported) != 0 {
				t.Fatalf("listed as not run: %v", cfg.Unsupported)
			}
			again, err := Parse(Render(cfg))
			if err != nil || again.AssignedLabel != c.want {
				t.Fatalf("after Render: %q %v", again.AssignedLabel, err)
			}
		})
	}
	t.Run("a new project roams", func(t *testing.T) {
		if !strings.Contains(string(Render(&model.JobConfig{Kind: KindProject})), "<canRoam>true</canRoam>") {
			t.Fatal("a new project is tied to a node")
		}
	})
}
