package configxml

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jeeves-ci/jeeves/internal/model"
)

// Render writes a config.xml for cfg shaped as Jenkins writes it: an XML
// 1.1 declaration, then the elements of a freestyle project in Jenkins's
// order with two-space indentation (or a folder, when cfg.Kind is
// KindFolder). Parse(Render(cfg)) gives back cfg's fields but
// Unsupported (Render writes no SCM, publisher or wrapper but the
// BuildTrigger), with these normalizations: a builder without a Class is a shell step; builders and
// parameters whose Class is not a valid XML name are dropped (builders) or
// written with the class of their Kind (parameters); only shell steps keep
// a command; child project names are trimmed and must not contain commas;
// a BuildTrigger is written when there are children or a threshold, with
// SUCCESS standing in for an unknown threshold.
func Render(cfg *model.JobConfig) []byte {
	if cfg == nil {
		cfg = &model.JobConfig{}
	}
	w := &writer{}
	w.b.WriteString("<?xml version='1.1' encoding='UTF-8'?>\n")
	if cfg.Kind == KindFolder {
		w.folder(cfg)
	} else {
		w.project(cfg)
	}
	return bytes.TrimSuffix(w.b.Bytes(), []byte("\n"))
}

// writer writes indented XML; base goes before every line.
type writer struct {
	b     bytes.Buffer
	depth int
	base  string
}

// fragment is the markup fn writes, for splicing into a document at a
// place indented by base: the first line without its indentation, no
// final newline.
func fragment(base string, fn func(w *writer)) string {
	w := &writer{base: base}
	fn(w)
	return strings.TrimSuffix(strings.TrimPrefix(w.b.String(), base), "\n")
}

// line writes one line of markup at the current depth.
func (w *writer) line(markup string) {
	w.b.WriteString(w.base)
	w.b.WriteString(strings.Repeat("  ", w.depth))
	w.b.WriteString(markup)
	w.b.WriteByte('\n')
}

// open writes a start tag (name plus any attributes) and indents.
func (w *writer) open(tag string) {
	w.line("<" + tag + ">")
	w.depth++
}

// close unindents and writes an end tag.
func (w *writer) close(name string) {
	w.depth--
	w.line("</" + name + ">")
}

// leaf writes <name>text</name>, with text escaped.
func (w *writer) leaf(name, text string) {
	w.b.WriteString(w.base)
	w.b.WriteString(strings.Repeat("  ", w.depth))
	w.b.WriteString("<" + name + ">")
	escape(&w.b, text)
	w.b.WriteString("</" + name + ">\n")
}

func (w *writer) project(cfg *model.JobConfig) {
	w.open(KindProject)
	w.line("<actions/>")
	w.leaf("description", cfg.Description)
	w.leaf("keepDependencies", "false")
	if len(cfg.Params) == 0 && cfg.Authorization == nil {
		w.line("<properties/>")
	} else {
		w.open("properties")
		w.matrix(matrixProperty, cfg.Authorization)
	}
	if len(cfg.Params) > 0 {
		w.open(paramsProperty)
		w.open("parameterDefinitions")
		for _, pd := range cfg.Params {
			w.param(pd)
		}
		w.close("parameterDefinitions")
		w.close(paramsProperty)
	}
	if len(cfg.Params) > 0 || cfg.Authorization != nil {
		w.close("properties")
	}
	w.line(`<scm class="hudson.scm.NullSCM"/>`)
	if cfg.QuietPeriod != nil {
		w.leaf("quietPeriod", strconv.Itoa(*cfg.QuietPeriod))
	}
	if cfg.AssignedLabel != "" {
		w.leaf("assignedNode", cfg.AssignedLabel)
		w.leaf("canRoam", "false")
	} else {
		w.leaf("canRoam", "true")
	}
	w.leaf("disabled", strconv.FormatBool(cfg.Disabled))
	w.leaf("blockBuildWhenDownstreamBuilding", "false")
	w.leaf("blockBuildWhenUpstreamBuilding", "false")
	if cfg.AuthToken != "" {
		w.leaf("authToken", cfg.AuthToken)
	}
	if cfg.TimerSpecs == "" && cfg.SCMSpecs == "" {
		w.line("<triggers/>")
	} else {
		w.open("triggers")
		if cfg.TimerSpecs != "" {
			w.open(timerClass)
			w.leaf("spec", cfg.TimerSpecs)
			w.close(timerClass)
		}
		if cfg.SCMSpecs != "" {
			w.open(scmTriggerClass)
			w.leaf("spec", cfg.SCMSpecs)
			w.leaf("ignorePostCommitHooks", "false")
			w.close(scmTriggerClass)
		}
		w.close("triggers")
	}
	w.leaf("concurrentBuild", strconv.FormatBool(cfg.Concurrent))
	w.builders(cfg.Builders)
	if len(cfg.Children) == 0 && cfg.Threshold == "" {
		w.line("<publishers/>")
	} else {
		w.open("publishers")
		w.buildTrigger(cfg)
		w.close("publishers")
	}
	w.line("<buildWrappers/>")
	w.close(KindProject)
}

func (w *writer) folder(cfg *model.JobConfig) {
	w.open(KindFolder)
	w.line("<actions/>")
	w.leaf("description", cfg.Description)
	if cfg.Authorization == nil {
		w.line("<properties/>")
	} else {
		w.open("properties")
		w.matrix(folderMatrixProperty, cfg.Authorization)
		w.close("properties")
	}
	w.line("<healthMetrics/>")
	w.line(`<icon class="com.cloudbees.hudson.plugins.folder.icons.StockFolderIcon"/>`)
	w.close(KindFolder)
}

// matrix writes an AuthorizationMatrixProperty (nothing for nil) in
// matrix-auth's typed form; grants of another type are written untyped,
// which matrix-auth reads as EITHER.
func (w *writer) matrix(class string, m *model.AuthMatrix) {
	if m == nil {
		return
	}
	w.open(class)
	strategy := "InheritParentStrategy"
	switch m.Inheritance {
	case model.InheritNone:
		strategy = "NonInheritingStrategy"
	case model.InheritGlobal:
		strategy = "InheritGlobalStrategy"
	}
	w.line(`<inheritanceStrategy class="org.jenkinsci.plugins.matrixauth.inheritance.` + strategy + `"/>`)
	for _, g := range m.Grants {
		entry := g.Permission + ":" + g.Sid
		switch {
		case g.Type == "USER" || g.Type == "GROUP":
			entry = g.Type + ":" + entry
		case g.Permission == "USER" || g.Permission == "GROUP" || g.Permission == "EITHER":
			entry = "EITHER:" + entry
		}
		w.leaf("permission", entry)
	}
	w.close(class)
}

// param writes a parameter definition; its element name (Class, else the
// class of its Kind) decides which fields are written.
func (w *writer) param(pd model.ParamDef) {
	class := pd.Class
	if !validName(class) {
		class = classOf(pd.Kind)
	}
	kind := kindOf(class)
	w.open(class)
	w.leaf("name", pd.Name)
	w.leaf("description", pd.Description)
	switch kind {
	case model.ParamBoolean:
		w.leaf("defaultValue", strconv.FormatBool(isTrue(pd.Default)))
	case model.ParamChoice:
		w.choices(pd.Choices)
		first := ""
		if len(pd.Choices) > 0 {
			first = pd.Choices[0]
		}
		if pd.Default != first {
			w.leaf("defaultValue", pd.Default)
		}
	default:
		w.leaf("defaultValue", pd.Default)
	}
	if pd.Trim || class == classOf(model.ParamString) || class == classOf(model.ParamText) {
		w.leaf("trim", strconv.FormatBool(pd.Trim))
	}
	w.close(class)
}

// choices writes a ChoiceParameterDefinition's choices as the UI's text
// box stores them.
func (w *writer) choices(list []string) {
	w.open(`choices class="java.util.Arrays$ArrayList"`)
	if len(list) == 0 {
		w.line(`<a class="string-array"/>`)
	} else {
		w.open(`a class="string-array"`)
		for _, c := range list {
			w.leaf("string", c)
		}
		w.close("a")
	}
	w.close("choices")
}

// shell writes an Execute shell step as Jenkins 2.4xx does.
func (w *writer) shell(b model.Builder) {
	w.open(shellClass)
	w.leaf("command", b.Command)
	w.line("<configuredLocalRules/>")
	if b.UnstableReturn != 0 {
		w.leaf("unstableReturn", strconv.Itoa(b.UnstableReturn))
	}
	w.close(shellClass)
}

func (w *writer) builders(steps []model.Builder) {
	if len(steps) == 0 {
		w.line("<builders/>")
		return
	}
	w.open("builders")
	for _, b := range steps {
		class := b.Class
		if class == "" {
			class = shellClass
		}
		switch {
		case class == shellClass:
			w.shell(b)
		case validName(class):
			w.line("<" + class + "/>")
		}
	}
	w.close("builders")
}

func (w *writer) buildTrigger(cfg *model.JobConfig) {
	var names []string
	for _, c := range cfg.Children {
		if c = strings.TrimSpace(c); c != "" {
			names = append(names, c)
		}
	}
	r := cfg.Threshold
	ordinal := -1
	for i, known := range results() {
		if r == known {
			ordinal = i
		}
	}
	if ordinal < 0 {
		r, ordinal = model.Success, 0
	}
	w.open(buildTrigClass)
	w.leaf("childProjects", strings.Join(names, ", "))
	w.open("threshold")
	w.leaf("name", string(r))
	w.leaf("ordinal", strconv.Itoa(ordinal))
	w.leaf("color", strings.ToUpper(r.Color()))
	w.leaf("completeBuild", strconv.FormatBool(ordinal <= 2))
	w.close("threshold")
	w.close(buildTrigClass)
}

// escape writes s as XML text that reads back as s: markup characters
// as entities, characters XML 1.1 only allows (or would normalize) as
// character references, and what XML cannot hold at all (NUL, invalid
// UTF-8, U+FFFE, U+FFFF) as U+FFFD.
func escape(b *bytes.Buffer, s string) {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '"':
			b.WriteString("&quot;")
		case r == '\'':
			b.WriteString("&apos;")
		case r == 0, r == 0xFFFE, r == 0xFFFF, r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case r < 0x20 && r != '\t' && r != '\n', r >= 0x7F && r <= 0x9F, r == 0x2028:
			fmt.Fprintf(b, "&#x%x;", r)
		default:
			b.WriteRune(r)
		}
	}
}

// validName reports whether s is an element name that encoding/xml reads
// back unchanged.
func validName(s string) bool {
	if s == "" {
		return false
	}
	tok, err := xml.NewDecoder(strings.NewReader("<" + s + "/>")).RawToken()
	if err != nil {
		return false
	}
	start, ok := tok.(xml.StartElement)
	return ok && len(start.Attr) == 0 && fullName(start.Name) == s
}
