package configxml

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/git"
	"github.com/jeeves-ci/jeeves/internal/model"
)

// ProjectForm is what the Configure form of a freestyle project edits.
// Everything else in config.xml is not the form's: EditProject keeps it
// byte for byte.
type ProjectForm struct {
	Description string
	Disabled    bool
	Concurrent  bool
	Timer       string // the TimerTrigger's spec; "" for none
	Params      []FormParam
	Steps       []FormStep
	// Discard is the "Discard old builds" section; nil when the form did
	// not carry it, which keeps the job's discarder as it is.
	Discard *FormDiscard
	// SCM is the source section ("Source Code Management" and "Poll
	// SCM"); nil leaves the scm element and the SCMTrigger as they are.
	SCM *SCMForm
}

// FormParam is one parameter row of the form. Orig is the index, in the
// job's parameterDefinitions, of the definition the row shows; -1 for a
// row added in the form. A row whose name is emptied removes its
// definition; a new row without a name is nothing.
type FormParam struct {
	Orig int
	Def  model.ParamDef // Kind, Name, Description, Default, Choices
}

// FormStep is one Execute shell row of the form. Orig is the index,
// counting the job's shell steps only, of the step the row shows; -1 for
// a row added in the form. A row emptied removes its step (a step stored
// with an empty command stays while its row is left empty).
type FormStep struct {
	Orig    int
	Command string
}

// ErrStaleForm is returned when the form's rows do not fit the config.xml
// (a row names a step or parameter the job does not have, twice, or out
// of order): the job changed since the form was loaded.
var ErrStaleForm = errors.New("the form does not match the job's current configuration; reload the page and make the change again")

// FormOf is the form of a stored project: each row names the element it
// shows.
func FormOf(cfg *model.JobConfig) ProjectForm {
	f := ProjectForm{Description: cfg.Description, Disabled: cfg.Disabled, Concurrent: cfg.Concurrent, Timer: cfg.TimerSpecs}
	for i, p := range cfg.Params {
		f.Params = append(f.Params, FormParam{Orig: i, Def: p})
	}
	n := 0
	for _, b := range cfg.Builders {
		if b.IsShell() {
			f.Steps = append(f.Steps, FormStep{Orig: n, Command: b.Command})
			n++
		}
	}
	return f
}

// projectOrder is the order in which Jenkins writes a freestyle project's
// elements (the fields of AbstractItem, Job, AbstractProject and Project,
// superclass first); an element the form adds goes where Jenkins would
// put it.
var projectOrder = []string{
	"actions", "description", "displayName", "logRotator", "keepDependencies", "properties", "scm",
	"quietPeriod", "scmCheckoutRetryCount", "assignedNode", "canRoam", "disabled",
	"blockBuildWhenDownstreamBuilding", "blockBuildWhenUpstreamBuilding", "jdk", "authToken",
	"triggers", "concurrentBuild", "customWorkspace", "builders", "publishers", "buildWrappers",
}

// EditProject applies the Configure form to a freestyle project's
// config.xml, in place: an element whose value the form leaves as it was
// is not touched, and everything the form does not edit — other steps,
// the SCM, publishers, wrappers, other properties and triggers, unknown
// elements, attributes, comments and formatting — is kept byte for byte.
//
// The rules for what the form edits:
//   - description, disabled and concurrentBuild get their new text where
//     they are; a missing one is added where Jenkins writes it.
//   - Schedule: the first TimerTrigger's spec is set in place; an empty
//     schedule removes that TimerTrigger; a new one is appended to
//     <triggers>. Other triggers stay.
//   - Parameters: a row edits its definition in place (its name,
//     description, default, choices; other fields such as trim stay), or
//     replaces it when its type changed; a definition without a row is
//     removed; a new row is inserted after the row above it. The
//     ParametersDefinitionProperty keeps its place among the properties;
//     without parameters it is removed, and it is appended to
//     <properties> when the job had none.
//   - Execute shell steps: a row sets its step's command in place, so a
//     shell step keeps its position among the other steps and its other
//     settings (unstableReturn); a step whose row is emptied or missing
//     is removed; new rows are appended after the last step, as Jenkins's
//     "Add build step" does. Removing the last step leaves <builders/>.
//   - Source (when the form has its section, ProjectForm.SCM): a GitSCM's
//     first remote gets its url and credentialsId in place (an emptied
//     credentialsId is removed), its branch specifiers are set in place,
//     removed or appended; its other remotes, refspecs, extensions and
//     legacy elements stay. Choosing Git for a project without an SCM
//     writes a GitSCM as the git plugin saves one; choosing none for a
//     Git project leaves a NullSCM. Another plugin's SCM is kept
//     whatever the form says.
//   - Poll SCM: the first SCMTrigger's spec is set in place (its
//     ignorePostCommitHooks stays); unchecked, it is removed; checked on
//     a project without one, it is appended to <triggers> (one <triggers>
//     is added for it and a new schedule together).
//
// The result must read back (Parse); an error names what went wrong.
// ErrStaleForm is returned when the rows do not fit the document.
func EditProject(data []byte, f ProjectForm) ([]byte, error) {
	old, err := Parse(data)
	if err != nil {
		return nil, err
	}
	if old.Kind != KindProject {
		return nil, errors.New("only a freestyle project has this form; edit its config.xml")
	}
	root, err := spans(data)
	if err != nil {
		return nil, err
	}
	pe := &projectEdit{e: &edits{data: data}, root: root}
	var oldSCM SCMForm
	if f.SCM != nil {
		if oldSCM, err = SCMFormOf(data); err != nil {
			return nil, err
		}
	}
	// In Jenkins's order, so that elements added at one place come in it.
	if f.Description != old.Description {
		pe.setTop("description", f.Description)
	}
	if err := pe.params(old.Params, f.Params); err != nil {
		return nil, err
	}
	if f.SCM != nil {
		pe.scm(oldSCM, *f.SCM)
	}
	if f.Disabled != old.Disabled {
		pe.setTop("disabled", strconv.FormatBool(f.Disabled))
	}
	var timer *string
	if strings.TrimSpace(f.Timer) != strings.TrimSpace(old.TimerSpecs) {
		timer = &f.Timer
	}
	var poll *SCMForm
	if f.SCM != nil && (f.SCM.Poll != oldSCM.Poll || f.SCM.Poll && strings.TrimSpace(f.SCM.PollSpec) != oldSCM.PollSpec) {
		poll = f.SCM
	}
	pe.triggers(timer, poll)
	if f.Concurrent != old.Concurrent {
		pe.setTop("concurrentBuild", strconv.FormatBool(f.Concurrent))
	}
	if err := pe.steps(old.Builders, f.Steps); err != nil {
		return nil, err
	}
	out, err := pe.e.apply()
	if err != nil {
		return nil, err
	}
	if f.Discard != nil {
		// On the document as edited so far: the parameters may have
		// added the <properties> the discarder goes in.
		if out, err = editDiscard(out, *f.Discard); err != nil {
			return nil, err
		}
	}
	if _, err := Parse(out); err != nil {
		return nil, fmt.Errorf("the edited config.xml does not read back: %w", err)
	}
	return out, nil
}

type projectEdit struct {
	e    *edits
	root *span
}

// leaf is <name>text</name>, text escaped.
func leaf(name, text string) string {
	var b bytes.Buffer
	b.WriteString("<" + name + ">")
	escape(&b, text)
	b.WriteString("</" + name + ">")
	return b.String()
}

// setTop sets the text of the root's child name, adding it if missing.
func (pe *projectEdit) setTop(name, text string) {
	if s := pe.root.child(name); s != nil {
		pe.e.setText(s, text)
		return
	}
	pe.insertTop(name, func(string) string { return leaf(name, text) })
}

// insertTop adds a child of the root where Jenkins writes it: after the
// last child that comes before it in projectOrder, else before the first
// that comes after it, else at the end. markup gets the indentation the
// element will have.
func (pe *projectEdit) insertTop(name string, markup func(indent string) string) {
	rank := slices.Index(projectOrder, name)
	var after, before *span
	for _, k := range pe.root.kids {
		r := slices.Index(projectOrder, k.name)
		switch {
		case r < 0:
		case r < rank:
			after = k
		case r > rank && before == nil:
			before = k
		}
	}
	e := pe.e
	switch {
	case after != nil:
		e.insertAfter(after, markup(e.indentOf(after)))
	case before != nil:
		e.insertBefore(before, markup(e.indentOf(before)))
	default:
		e.appendChild(pe.root, markup(e.kidIndent(pe.root)))
	}
}

// setChild sets the text of s's child name, adding the child when the
// text is not empty: after its sibling after (if s has one), else first.
func (pe *projectEdit) setChild(s *span, name, text, after string) {
	e := pe.e
	if c := s.child(name); c != nil {
		e.setText(c, text)
		return
	}
	if text == "" {
		return
	}
	switch a := s.child(after); {
	case a != nil:
		e.insertAfter(a, leaf(name, text))
	case len(s.kids) > 0:
		e.insertBefore(s.kids[0], leaf(name, text))
	default:
		e.appendChild(s, leaf(name, text))
	}
}

// triggers applies a changed schedule (timer, nil when unchanged) and a
// changed Poll SCM (poll, nil when unchanged) to <triggers>: the first
// trigger of each class is edited in place or removed; a new one is
// appended to <triggers>, which is added where Jenkins writes it when
// the project has none.
func (pe *projectEdit) triggers(timer *string, poll *SCMForm) {
	e := pe.e
	trig := pe.root.child("triggers")
	var added []func(w *writer)
	if timer != nil {
		spec := *timer
		switch tt := trig.child(timerClass); {
		case strings.TrimSpace(spec) == "":
			if tt != nil {
				e.remove(tt)
			}
		case tt != nil:
			pe.setChild(tt, "spec", spec, "")
		default:
			added = append(added, func(w *writer) {
				w.open(timerClass)
				w.leaf("spec", spec)
				w.close(timerClass)
			})
		}
	}
	if poll != nil {
		spec := strings.TrimSpace(poll.PollSpec)
		switch st := trig.child(scmTriggerClass); {
		case !poll.Poll:
			if st != nil {
				e.remove(st)
			}
		case st != nil:
			pe.setChild(st, "spec", spec, "")
		default:
			added = append(added, scmTrigger(spec))
		}
	}
	switch {
	case len(added) == 0:
	case trig != nil:
		for _, fn := range added {
			e.appendChild(trig, fragment(e.kidIndent(trig), fn))
		}
	default:
		pe.insertTop("triggers", func(in string) string {
			return fragment(in, func(w *writer) {
				w.open("triggers")
				for _, fn := range added {
					fn(w)
				}
				w.close("triggers")
			})
		})
	}
}

// checkOrigs validates rows' Orig indexes against n elements: each in
// range, none twice, and increasing, since the form cannot reorder.
func checkOrigs(origs []int, n int) error {
	last := -1
	for _, o := range origs {
		if o < 0 {
			continue
		}
		if o >= n || o <= last {
			return ErrStaleForm
		}
		last = o
	}
	return nil
}

// sameParam reports whether the form leaves a definition as it was.
func sameParam(a, b model.ParamDef) bool {
	return a.Kind == b.Kind && a.Name == b.Name && a.Description == b.Description &&
		a.Default == b.Default && slices.Equal(a.Choices, b.Choices)
}

func (pe *projectEdit) params(old []model.ParamDef, all []FormParam) error {
	origs := make([]int, len(all))
	for i, r := range all {
		origs[i] = r.Orig
	}
	if err := checkOrigs(origs, len(old)); err != nil {
		return err
	}
	// A row without a name stands for nothing, or removes its definition;
	// a definition stored without a name stays when its row is left so.
	var rows []FormParam
	for _, r := range all {
		if r.Def.Name != "" || r.Orig >= 0 && old[r.Orig].Name == "" {
			rows = append(rows, r)
		}
	}
	same := len(rows) == len(old)
	for i, r := range rows {
		same = same && r.Orig == i && sameParam(r.Def, old[i])
	}
	if same {
		return nil
	}
	e := pe.e
	props := pe.root.child("properties")
	prop := props.child(paramsProperty)
	defs := prop.child("parameterDefinitions")
	render := func(in string, d model.ParamDef) string {
		d.Class = classOf(d.Kind)
		return fragment(in, func(w *writer) { w.param(d) })
	}
	switch {
	case len(rows) == 0:
		if prop != nil {
			e.remove(prop)
		}
		return nil
	case defs == nil:
		all := func(in string) string {
			return fragment(in, func(w *writer) {
				w.open("parameterDefinitions")
				for _, r := range rows {
					d := r.Def
					d.Class = classOf(d.Kind)
					w.param(d)
				}
				w.close("parameterDefinitions")
			})
		}
		switch {
		case prop != nil:
			e.appendChild(prop, all(e.kidIndent(prop)))
		case props != nil:
			in := e.kidIndent(props)
			e.appendChild(props, fragment(in, func(w *writer) { w.open(paramsProperty) })+"\n"+in+"  "+
				all(in+"  ")+"\n"+in+"</"+paramsProperty+">")
		default:
			pe.insertTop("properties", func(in string) string {
				return "<properties>\n" + in + "  <" + paramsProperty + ">\n" + in + "    " + all(in+"    ") +
					"\n" + in + "  </" + paramsProperty + ">\n" + in + "</properties>"
			})
		}
		return nil
	}
	kids := defs.kids
	kept := make([]bool, len(kids))
	var prev *span
	var leading []model.ParamDef // new rows above every kept one
	for _, r := range rows {
		if r.Orig < 0 {
			if prev != nil {
				e.insertAfter(prev, render(e.indentOf(prev), r.Def))
			} else {
				leading = append(leading, r.Def)
			}
			continue
		}
		k := kids[r.Orig]
		kept[r.Orig] = true
		pe.editParam(k, old[r.Orig], r.Def, render)
		prev = k
	}
	for _, d := range leading {
		if prev == nil {
			e.appendChild(defs, render(e.kidIndent(defs), d))
			continue
		}
		first := kids[slices.Index(kept, true)]
		e.insertBefore(first, render(e.indentOf(first), d))
	}
	for i, k := range kids {
		if !kept[i] {
			e.remove(k)
		}
	}
	return nil
}

// editParam edits one definition in place, or rewrites it when the row
// changed its type.
func (pe *projectEdit) editParam(k *span, old, d model.ParamDef, render func(string, model.ParamDef) string) {
	if sameParam(old, d) {
		return
	}
	e := pe.e
	if kindOf(k.name) != d.Kind {
		e.replace(k, render(e.indentOf(k), d))
		return
	}
	if d.Name != old.Name {
		pe.setChild(k, "name", d.Name, "")
	}
	if d.Description != old.Description {
		pe.setChild(k, "description", d.Description, "name")
	}
	if d.Kind == model.ParamChoice && !slices.Equal(d.Choices, old.Choices) {
		in := e.kidIndent(k)
		if c := k.child("choices"); c != nil {
			in = e.indentOf(c)
			e.replace(c, fragment(in, func(w *writer) { w.choices(d.Choices) }))
		} else {
			e.appendChild(k, fragment(in, func(w *writer) { w.choices(d.Choices) }))
		}
	}
	if d.Default != old.Default {
		implied := d.Kind == model.ParamChoice && len(d.Choices) > 0 && d.Default == d.Choices[0]
		if c := k.child("defaultValue"); c != nil {
			e.setText(c, d.Default)
		} else if !implied {
			e.appendChild(k, leaf("defaultValue", d.Default))
		}
	}
}

func (pe *projectEdit) steps(old []model.Builder, rows []FormStep) error {
	e := pe.e
	builders := pe.root.child("builders")
	var shells []*span
	var cmds []string
	if builders != nil {
		for i, k := range builders.kids {
			if old[i].IsShell() {
				shells = append(shells, k)
				cmds = append(cmds, old[i].Command)
			}
		}
	}
	var origs []int
	for _, r := range rows {
		origs = append(origs, r.Orig)
	}
	if err := checkOrigs(origs, len(shells)); err != nil {
		return err
	}
	kept := make([]bool, len(shells))
	var added []string
	for _, r := range rows {
		blank := strings.TrimSpace(r.Command) == ""
		switch {
		case r.Orig < 0 && blank:
		case r.Orig < 0:
			added = append(added, r.Command)
		case blank && strings.TrimSpace(cmds[r.Orig]) != "":
			// Emptied: the step goes. One stored empty stays.
		default:
			kept[r.Orig] = true
			if r.Command != cmds[r.Orig] {
				pe.setChild(shells[r.Orig], "command", r.Command, "")
			}
		}
	}
	for i, s := range shells {
		if !kept[i] {
			e.remove(s)
		}
	}
	if len(added) == 0 {
		return nil
	}
	if builders == nil {
		pe.insertTop("builders", func(in string) string {
			return fragment(in, func(w *writer) {
				w.open("builders")
				for _, c := range added {
					w.shell(model.Builder{Class: shellClass, Command: c})
				}
				w.close("builders")
			})
		})
		return nil
	}
	in := e.kidIndent(builders)
	for _, c := range added {
		e.appendChild(builders, fragment(in, func(w *writer) { w.shell(model.Builder{Class: shellClass, Command: c}) }))
	}
	return nil
}

// FormKeeps lists what a project (cfg, read from data) has that the
// Configure form keeps as it is but does not show: every element jeeves
// does not run but parameter definitions (the form shows those as string
// parameters), a GitSCM and the SCMTrigger (its source section shows
// them), and those it runs that the form does not edit.
func FormKeeps(cfg *model.JobConfig, data []byte) []model.Unsupported {
	var out []model.Unsupported
	for _, k := range formKeepsRun(data) {
		out = append(out, unsupportedItem(k.kind, k.class))
	}
	for _, u := range cfg.Unsupported {
		// The source section shows the GitSCM and Poll SCM.
		if u.Class == git.SCMClass || u.Class == scmTriggerClass {
			continue
		}
		if u.Kind != model.KindParameter {
			out = append(out, u)
		}
	}
	if cfg.Authorization != nil {
		out = append(out, unsupportedItem(model.KindProperty, matrixProperty))
	}
	if len(cfg.Children) > 0 || cfg.Threshold != "" {
		out = append(out, unsupportedItem(model.KindPublisher, buildTrigClass))
	}
	if cfg.AuthToken != "" {
		out = append(out, unsupportedItem(model.KindSetting, "authToken"))
	}
	if cfg.QuietPeriod != nil {
		out = append(out, unsupportedItem(model.KindSetting, "quietPeriod"))
	}
	return out
}
