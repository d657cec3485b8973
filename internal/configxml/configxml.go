// Package configxml reads and writes Jenkins job config.xml documents.
//
// Parse extracts the part of a freestyle project (or folder) that jeeves
// acts on into a model.JobConfig, and lists what else a project asks for
// (JobConfig.Unsupported), so unknown elements and plugin classes never
// cause errors and are never ignored without a word. EditProject changes
// what the Configure form edits in place, keeping every other byte.
// Render writes a Jenkins-shaped freestyle config.xml for a JobConfig, such
// that Parse(Render(cfg)) gives back the same fields.
//
// Where Jenkins expects an element once (builders, triggers, a
// ParametersDefinitionProperty, a TimerTrigger, a BuildTrigger) and a
// document holds several, the first is used.
package configxml

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/jxml"

	"github.com/jeeves-ci/jeeves/internal/model"
)

// The item kinds jeeves knows, named by their config.xml root element.
const (
	KindProject = "project"                                    // hudson.model.FreeStyleProject
	KindFolder  = "com.cloudbees.hudson.plugins.folder.Folder" // cloudbees-folder
)

// Jenkins class names of the parts jeeves reads.
const (
	shellClass      = "hudson.tasks.Shell"
	timerClass      = "hudson.triggers.TimerTrigger"
	scmTriggerClass = "hudson.triggers.SCMTrigger"
	buildTrigClass  = "hudson.tasks.BuildTrigger"
	archiverClass   = "hudson.tasks.ArtifactArchiver"
	junitClass      = "hudson.tasks.junit.JUnitResultArchiver"
	mailerClass     = "hudson.tasks.Mailer"
	logRotatorClass = "hudson.tasks.LogRotator"
	// The build discarder property, and its old Pipeline name.
	discarderProperty = "jenkins.model.BuildDiscarderProperty"
	pipelineDiscarder = "org.jenkinsci.plugins.workflow.job.properties.BuildDiscarderProperty"
	paramsProperty    = "hudson.model.ParametersDefinitionProperty"
	// matrix-auth's per-item permissions, on jobs and on folders.
	matrixProperty       = "hudson.security.AuthorizationMatrixProperty"
	folderMatrixProperty = "com.cloudbees.hudson.plugins.folder.properties.AuthorizationMatrixProperty"
)

// ErrUnknownKind is matched (errors.Is) by the error Parse returns for a
// root element that is neither a freestyle project nor a folder.
var ErrUnknownKind = errors.New("unknown item type")

// UnknownKindError is the error Parse returns for a document whose root
// element names an item type jeeves does not know, such as
// flow-definition. errors.Is(err, ErrUnknownKind) holds for it.
type UnknownKindError struct {
	Root string // the root element's name
}

// Error says which item type is unknown, in Jenkins's words.
func (e *UnknownKindError) Error() string {
	return "no item type ‘" + e.Root + "’ is known"
}

// Is reports whether target is ErrUnknownKind.
func (e *UnknownKindError) Is(target error) bool { return target == ErrUnknownKind }

// Parse reads a job's config.xml.
//
// It accepts what Jenkins writes (an XML 1.1 declaration, character
// references to control characters such as &#x1b;) and what clients such
// as Jenkins Job Builder send. It returns an error for empty input,
// malformed XML, encodings other than UTF-8 and US-ASCII, and a root
// element other than project or a folder (an *UnknownKindError).
//
// Parameter definitions of classes jeeves does not know are kept with Kind
// model.ParamString and their Class, so that builds still get a value for
// them; builders of any class are kept, with Command and UnstableReturn
// read for hudson.tasks.Shell only.
func Parse(data []byte) (*model.JobConfig, error) {
	doc, base, err := prepare(data)
	if err != nil {
		return nil, err
	}
	root, err := buildTree(doc)
	if err != nil {
		return nil, err
	}
	p := reader{base: base, raw: data}
	switch root.name {
	case KindProject:
		return p.project(root)
	case KindFolder:
		cfg := &model.JobConfig{Kind: KindFolder, Description: p.str(root.child("description"))}
		cfg.Authorization, err = p.matrix(root.child("properties").child(folderMatrixProperty))
		if err != nil {
			return nil, err
		}
		return cfg, nil
	}
	return nil, &UnknownKindError{Root: root.name}
}

// reader extracts values from a parsed document. base is where control
// characters were moved to in the private-use area (0 if none were).
type reader struct {
	base rune
	// raw is the whole document as given, for the parts another package
	// reads (a GitSCM's extensions).
	raw []byte
}

// str is n's text with control characters restored; "" for a missing n.
func (p reader) str(n *node) string {
	if n == nil {
		return ""
	}
	return jxml.RestoreControls(string(n.text), p.base)
}

// bool reads a boolean as XStream does: "true" in any case is true,
// anything else (or a missing element) false.
func (p reader) bool(n *node) bool { return isTrue(p.str(n)) }

// optInt reads an optional integer element: nil when n is missing or blank.
func (p reader) optInt(n *node) (*int, error) {
	s := strings.TrimSpace(p.str(n))
	if s == "" {
		return nil, nil
	}
	v, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("<%s> must be an integer, not %q", n.name, s)
	}
	i := int(v)
	return &i, nil
}

func isTrue(s string) bool { return strings.EqualFold(strings.TrimSpace(s), "true") }

// BuiltInLabel is the built-in node's label (its self label since
// Jenkins 2.307; "master" before).
const BuiltInLabel = "built-in"

// project reads a freestyle project.
func (p reader) project(root *node) (*model.JobConfig, error) {
	cfg := &model.JobConfig{
		Kind:        KindProject,
		Description: p.str(root.child("description")),
		Disabled:    p.bool(root.child("disabled")),
		Concurrent:  p.bool(root.child("concurrentBuild")),
		AuthToken:   p.str(root.child("authToken")),
		TimerSpecs:  p.str(root.child("triggers").child(timerClass).child("spec")),
		SCMSpecs:    p.str(root.child("triggers").child(scmTriggerClass).child("spec")),
	}
	if !p.bool(root.child("canRoam")) {
		// Trimmed, as Jenkins's Util.fixEmptyAndTrim does when the form
		// sets it.
		cfg.AssignedLabel = strings.TrimSpace(p.str(root.child("assignedNode")))
		if cfg.AssignedLabel == "" {
			cfg.AssignedLabel = BuiltInLabel
		}
	}
	var err error
	if cfg.QuietPeriod, err = p.optInt(root.child("quietPeriod")); err != nil {
		return nil, err
	}
	if cfg.Authorization, err = p.matrix(root.child("properties").child(matrixProperty)); err != nil {
		return nil, err
	}
	defs := root.child("properties").child(paramsProperty).child("parameterDefinitions")
	for _, d := range defs.kids() {
		cfg.Params = append(cfg.Params, p.param(d))
	}
	for _, b := range root.child("builders").kids() {
		step := model.Builder{Class: b.name}
		if step.IsShell() {
			step.Command = p.str(b.child("command"))
			u, err := p.optInt(b.child("unstableReturn"))
			if err != nil {
				return nil, err
			}
			if u != nil {
				step.UnstableReturn = *u
			}
		}
		cfg.Builders = append(cfg.Builders, step)
	}
	if bt := root.child("publishers").child(buildTrigClass); bt != nil {
		for _, name := range strings.Split(p.str(bt.child("childProjects")), ",") {
			if name = strings.TrimSpace(name); name != "" {
				cfg.Children = append(cfg.Children, name)
			}
		}
		cfg.Threshold = p.threshold(bt.child("threshold"))
	}
	cfg.Unsupported = p.unsupported(root)
	return cfg, nil
}

// matrix reads an AuthorizationMatrixProperty: <permission> entries in
// matrix-auth's old form ("hudson.model.Item.Build:alice") or its newer
// typed form ("USER:hudson.model.Item.Build:alice", "GROUP:…"), and the
// inheritance strategy. nil when n is nil.
func (p reader) matrix(n *node) (*model.AuthMatrix, error) {
	if n == nil {
		return nil, nil
	}
	m := &model.AuthMatrix{Inheritance: model.InheritParent}
	switch is := n.child("inheritanceStrategy"); {
	case is != nil && strings.HasSuffix(is.class, ".NonInheritingStrategy"):
		m.Inheritance = model.InheritNone
	case is != nil && strings.HasSuffix(is.class, ".InheritGlobalStrategy"):
		m.Inheritance = model.InheritGlobal
	case p.bool(n.child("blocksInheritance")):
		m.Inheritance = model.InheritNone
	}
	for _, e := range n.children {
		if e.name != "permission" {
			continue
		}
		g, err := ParseGrant(strings.TrimSpace(p.str(e)))
		if err != nil {
			return nil, err
		}
		m.Grants = append(m.Grants, g)
	}
	return m, nil
}

// ParseGrant reads one matrix-auth permission entry:
// [USER:|GROUP:|EITHER:]permission-id:sid.
func ParseGrant(s string) (model.Grant, error) {
	g := model.Grant{Type: "EITHER"}
	for _, t := range []string{"USER", "GROUP", "EITHER"} {
		if rest, ok := strings.CutPrefix(s, t+":"); ok {
			g.Type, s = t, rest
			break
		}
	}
	perm, sid, ok := strings.Cut(s, ":")
	if !ok || perm == "" || sid == "" {
		return model.Grant{}, fmt.Errorf("malformed permission entry %q: want [USER:|GROUP:]permission:sid", s)
	}
	g.Permission, g.Sid = perm, sid
	return g, nil
}

// param reads one parameter definition.
func (p reader) param(d *node) model.ParamDef {
	pd := model.ParamDef{
		Kind:        kindOf(d.name),
		Class:       d.name,
		Name:        p.str(d.child("name")),
		Description: p.str(d.child("description")),
		Trim:        p.bool(d.child("trim")),
	}
	def := d.child("defaultValue")
	switch pd.Kind {
	case model.ParamBoolean:
		pd.Default = strconv.FormatBool(p.bool(def))
	case model.ParamChoice:
		// Jenkins uses defaultValue when the element is there (it is
		// rare) and the first choice otherwise.
		pd.Choices = p.choices(d.child("choices"))
		if def != nil {
			pd.Default = p.str(def)
		} else if len(pd.Choices) > 0 {
			pd.Default = pd.Choices[0]
		}
	default:
		pd.Default = p.str(def)
	}
	return pd
}

// choices reads a ChoiceParameterDefinition's choices in any of the forms
// Jenkins loads: <a class="string-array"><string>…, a plain list of
// <string>, or newline-separated text (split as Java's
// split("\\r?\\n"), which drops trailing empty strings).
func (p reader) choices(n *node) []string {
	if n == nil {
		return nil
	}
	if len(n.children) == 0 {
		s := p.str(n)
		if strings.Trim(s, " \t\r\n") == "" {
			return nil
		}
		lines := strings.Split(s, "\n")
		for i := range lines[:len(lines)-1] {
			lines[i] = strings.TrimSuffix(lines[i], "\r")
		}
		for len(lines) > 0 && lines[len(lines)-1] == "" {
			lines = lines[:len(lines)-1]
		}
		return lines
	}
	list := n
	if a := n.child("a"); a != nil {
		list = a
	}
	var out []string
	for _, s := range list.children {
		if s.name == "string" {
			out = append(out, p.str(s))
		}
	}
	return out
}

// threshold reads a BuildTrigger threshold: by name (any case), else by
// ordinal, else SUCCESS.
func (p reader) threshold(n *node) model.Result {
	rs := results()
	name := strings.ToUpper(strings.TrimSpace(p.str(n.child("name"))))
	for _, r := range rs {
		if string(r) == name {
			return r
		}
	}
	ord, err := strconv.Atoi(strings.TrimSpace(p.str(n.child("ordinal"))))
	if err == nil && ord >= 0 && ord < len(rs) {
		return rs[ord]
	}
	return model.Success
}

// results lists the results a threshold can name, by Jenkins ordinal.
func results() []model.Result {
	return []model.Result{model.Success, model.Unstable, model.Failure, model.NotBuilt, model.Aborted}
}

// kindOf maps a parameter definition class to its kind; classes jeeves
// does not know are treated as string parameters.
func kindOf(class string) model.ParamKind {
	switch class {
	case "hudson.model.BooleanParameterDefinition":
		return model.ParamBoolean
	case "hudson.model.ChoiceParameterDefinition":
		return model.ParamChoice
	case "hudson.model.TextParameterDefinition":
		return model.ParamText
	case "hudson.model.PasswordParameterDefinition":
		return model.ParamPassword
	}
	return model.ParamString
}

// classOf is the Jenkins class of a parameter kind.
func classOf(k model.ParamKind) string {
	switch k {
	case model.ParamBoolean:
		return "hudson.model.BooleanParameterDefinition"
	case model.ParamChoice:
		return "hudson.model.ChoiceParameterDefinition"
	case model.ParamText:
		return "hudson.model.TextParameterDefinition"
	case model.ParamPassword:
		return "hudson.model.PasswordParameterDefinition"
	}
	return "hudson.model.StringParameterDefinition"
}
