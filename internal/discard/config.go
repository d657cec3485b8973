// Package discard decides which builds a job discards, as Jenkins's
// "Discard old builds" (jenkins.model.BuildDiscarderProperty with a
// hudson.tasks.LogRotator) does.
//
// LogRotator is the configuration. FromJob finds it in a job's
// config.xml in any of the three forms Jenkins reads: the
// BuildDiscarderProperty (written since Jenkins 1.637 and by Jenkins Job
// Builder's build-discarder), and the legacy top-level <logRotator> with
// or without its class attribute (written before, and by Jenkins Job
// Builder's logrotate); the property wins when a job has both.
// MarshalXML writes the property form.
//
// Plan applies the rotator to a job's history and says which builds to
// delete and which to strip of their artifacts. It reads the history
// through the History interface, lazily, so that its cost follows the
// builds it discards rather than the job's whole history.
package discard

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/jxml"
)

// Class names and element names of the configuration.
const (
	RotatorClass  = "hudson.tasks.LogRotator"
	PropertyClass = "jenkins.model.BuildDiscarderProperty"
	// PipelinePropertyClass is an old name Pipeline jobs may still carry.
	PipelinePropertyClass = "org.jenkinsci.plugins.workflow.job.properties.BuildDiscarderProperty"
	legacyElement         = "logRotator"
)

// LogRotator is the configuration of hudson.tasks.LogRotator. Each limit
// is -1 (or any negative number) for none; 0 is a real limit: with
// NumToKeep 0 every build that is not protected goes.
type LogRotator struct {
	DaysToKeep         int
	NumToKeep          int
	ArtifactDaysToKeep int
	ArtifactNumToKeep  int
	// RemoveLastBuild lets the last successful and last stable builds go
	// too (since Jenkins 2.474).
	RemoveLastBuild bool
}

// Unlimited is a LogRotator that keeps everything.
var Unlimited = LogRotator{DaysToKeep: -1, NumToKeep: -1, ArtifactDaysToKeep: -1, ArtifactNumToKeep: -1}

// Keeps reports whether r discards nothing.
func (r LogRotator) Keeps() bool {
	return r.DaysToKeep < 0 && r.NumToKeep < 0 && r.ArtifactDaysToKeep < 0 && r.ArtifactNumToKeep < 0
}

// FromJob finds a job's build discarder in its config.xml: the
// BuildDiscarderProperty's strategy if it has one, else the legacy
// <logRotator>. It returns nil when there is neither. A strategy of
// another class than LogRotator is an error, as jeeves knows no other.
func FromJob(configXML []byte) (*LogRotator, error) {
	root, err := jxml.Parse(configXML)
	if err != nil {
		return nil, err
	}
	if props := root.Child("properties"); props != nil {
		for _, p := range props.Children {
			if p.Name == PropertyClass || p.Name == PipelinePropertyClass {
				return FromProperty(p)
			}
		}
	}
	if lr := root.Child(legacyElement); lr != nil {
		r, err := fromRotator(lr)
		if err != nil {
			return nil, err
		}
		return &r, nil
	}
	return nil, nil
}

// FromProperty reads a <jenkins.model.BuildDiscarderProperty> element;
// nil when it has no strategy.
func FromProperty(e *jxml.Element) (*LogRotator, error) {
	s := e.Child("strategy")
	if s == nil {
		return nil, nil
	}
	if c := s.Class(); c != RotatorClass {
		return nil, fmt.Errorf("build discarder strategy %q is not supported; only %s is", c, RotatorClass)
	}
	r, err := fromRotator(s)
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// ParseLegacy reads a top-level <logRotator> element, with or without
// class="hudson.tasks.LogRotator".
func ParseLegacy(data []byte) (LogRotator, error) {
	e, err := jxml.Parse(data)
	if err != nil {
		return LogRotator{}, err
	}
	if e.Name != legacyElement {
		return LogRotator{}, fmt.Errorf("element <%s> is not <%s>", e.Name, legacyElement)
	}
	return fromRotator(e)
}

func fromRotator(e *jxml.Element) (LogRotator, error) {
	if c := e.Class(); c != "" && c != RotatorClass {
		return LogRotator{}, fmt.Errorf("log rotator class %q is not supported; only %s is", c, RotatorClass)
	}
	r := Unlimited
	fields := map[string]*int{
		"daysToKeep":         &r.DaysToKeep,
		"numToKeep":          &r.NumToKeep,
		"artifactDaysToKeep": &r.ArtifactDaysToKeep,
		"artifactNumToKeep":  &r.ArtifactNumToKeep,
	}
	for _, c := range e.Children {
		if c.Name == "removeLastBuild" {
			r.RemoveLastBuild = jxml.Bool(c.Text)
			continue
		}
		p, ok := fields[c.Name]
		if !ok {
			continue // Jenkins ignores what it does not know
		}
		if strings.TrimSpace(c.Text) == "" {
			*p = -1
			continue
		}
		v, err := jxml.Int(c.Text)
		if err != nil {
			return LogRotator{}, fmt.Errorf("<%s>: %v", c.Name, err)
		}
		*p = v
	}
	return r, nil
}

// ParseField reads a limit as the form fields (daysToKeepStr, …) and
// Pipeline's logRotator(numToKeepStr: '10') give it (LogRotator.parse):
// a number, or -1 for anything that is not one, blank included.
func ParseField(s string) int {
	v, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return -1
	}
	return int(v)
}

// FieldString is how the form shows a limit (LogRotator.get…Str): blank
// for -1.
func FieldString(v int) string {
	if v == -1 {
		return ""
	}
	return strconv.Itoa(v)
}

// MigrateLatestOnly applies an artifact archiver's legacy
// <latestOnly>true</latestOnly> to the job's rotator as Jenkins does on
// load (ArtifactArchiver.Migrator): with no rotator, one that keeps the
// artifacts of one build; with a rotator that keeps all artifacts, the
// same with ArtifactNumToKeep 1; otherwise the rotator as it is.
func MigrateLatestOnly(r *LogRotator) *LogRotator {
	if r == nil {
		m := Unlimited
		m.ArtifactNumToKeep = 1
		return &m
	}
	if r.ArtifactNumToKeep == -1 {
		m := *r
		m.ArtifactNumToKeep = 1
		return &m
	}
	return r
}

// MarshalXML writes the rotator as the BuildDiscarderProperty Jenkins
// saves today.
func (r LogRotator) MarshalXML(enc *xml.Encoder, start xml.StartElement) error {
	prop := xml.StartElement{Name: xml.Name{Local: PropertyClass}}
	strategy := xml.StartElement{Name: xml.Name{Local: "strategy"}, Attr: []xml.Attr{{Name: xml.Name{Local: "class"}, Value: RotatorClass}}}
	for _, t := range []xml.Token{prop, strategy} {
		if err := enc.EncodeToken(t); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		name string
		v    string
	}{
		{"daysToKeep", strconv.Itoa(r.DaysToKeep)},
		{"numToKeep", strconv.Itoa(r.NumToKeep)},
		{"artifactDaysToKeep", strconv.Itoa(r.ArtifactDaysToKeep)},
		{"artifactNumToKeep", strconv.Itoa(r.ArtifactNumToKeep)},
		{"removeLastBuild", strconv.FormatBool(r.RemoveLastBuild)},
	} {
		if err := enc.EncodeElement(f.v, xml.StartElement{Name: xml.Name{Local: f.name}}); err != nil {
			return err
		}
	}
	for _, t := range []xml.Token{strategy.End(), prop.End()} {
		if err := enc.EncodeToken(t); err != nil {
			return err
		}
	}
	return nil
}

// XML returns the property element, indented by two spaces per level.
func (r LogRotator) XML() []byte {
	var buf bytes.Buffer
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(r); err != nil {
		panic(err) // writing to a bytes.Buffer does not fail
	}
	return buf.Bytes()
}
