package configxml

import "github.com/jeeves-ci/jeeves/internal/model"

// keptPublishers are the publishers jeeves runs that the Configure form
// does not edit: it keeps them as they are, and says so.
var keptPublishers = map[string]bool{archiverClass: true, junitClass: true, mailerClass: true}

// formKeepsRun lists, by class, the elements of data jeeves runs but the
// form does not edit (FormKeeps adds them): the publishers above, and a
// build discarder the form cannot show.
func formKeepsRun(data []byte) []kept {
	root, err := spans(data)
	if err != nil {
		return nil
	}
	var out []kept
	// The form's own section edits a discarder it can show.
	if _, ok := DiscardOf(data); !ok {
		for _, p := range root.child("properties").kidsOrNil() {
			if p.name == discarderProperty || p.name == pipelineDiscarder {
				out = append(out, kept{model.KindProperty, p.name})
			}
		}
		if root.child("logRotator") != nil {
			out = append(out, kept{model.KindProperty, logRotatorClass})
		}
	}
	for _, p := range root.child("publishers").kidsOrNil() {
		if keptPublishers[p.name] {
			out = append(out, kept{model.KindPublisher, p.name})
		}
	}
	return out
}

// kept is an element the form keeps: its kind and class.
type kept struct{ kind, class string }

// kidsOrNil is s's children; nil when s is nil.
func (s *span) kidsOrNil() []*span {
	if s == nil {
		return nil
	}
	return s.kids
}
