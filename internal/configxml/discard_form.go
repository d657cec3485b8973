package configxml

import (
	"errors"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/discard"
)

// FormDiscard is the Configure form's "Discard old builds" section: the
// box, and the LogRotator's limits (-1 for none).
type FormDiscard struct {
	On      bool
	Rotator discard.LogRotator
}

// DiscardOf is the section as a project's config.xml sets it: the
// BuildDiscarderProperty, else the legacy <logRotator>. ok is false when
// the form cannot show the job's discarder (a strategy other than
// LogRotator): the form then keeps it as it is.
func DiscardOf(data []byte) (f FormDiscard, ok bool) {
	r, err := discard.FromJob(data)
	if err != nil {
		return FormDiscard{}, false
	}
	if r == nil {
		return FormDiscard{Rotator: discard.Unlimited}, true
	}
	return FormDiscard{On: true, Rotator: *r}, true
}

// ErrDiscarderNotEditable is returned by EditProject when the form sets a
// discarder the job's config.xml holds in a form it cannot show.
var ErrDiscarderNotEditable = errors.New("this job's build discarder uses a strategy the form cannot show; change it in config.xml")

// editDiscard applies the section to a project's config.xml as Jenkins's
// form does when it changed: the legacy <logRotator> goes, and the
// BuildDiscarderProperty is replaced in place, added at the end of
// <properties>, or removed when the box is unchecked. A section that
// says what the document already says changes nothing.
func editDiscard(data []byte, f FormDiscard) ([]byte, error) {
	old, ok := DiscardOf(data)
	if !ok {
		return nil, ErrDiscarderNotEditable
	}
	if old.On == f.On && (!f.On || old.Rotator == f.Rotator) {
		return data, nil
	}
	root, err := spans(data)
	if err != nil {
		return nil, err
	}
	pe := &projectEdit{e: &edits{data: data}, root: root}
	e := pe.e
	if legacy := root.child("logRotator"); legacy != nil {
		e.remove(legacy)
	}
	props := root.child("properties")
	prop := props.child(discarderProperty)
	if prop == nil {
		prop = props.child(pipelineDiscarder)
	}
	markup := func(in string) string {
		lines := strings.Split(strings.TrimSuffix(string(f.Rotator.XML()), "\n"), "\n")
		return strings.Join(lines, "\n"+in)
	}
	switch {
	case !f.On:
		if prop != nil {
			e.remove(prop)
		}
	case prop != nil:
		e.replace(prop, markup(e.indentOf(prop)))
	case props != nil:
		e.appendChild(props, markup(e.kidIndent(props)))
	default:
		pe.insertTop("properties", func(in string) string {
			return "<properties>\n" + in + "  " + markup(in+"  ") + "\n" + in + "</properties>"
		})
	}
	return e.apply()
}
