package configxml

import (
	"errors"
	"fmt"
)

// SetBuildWrapper puts a build wrapper into a freestyle project's
// config.xml in place, as EditProject edits the rest: the first element
// of class in <buildWrappers> is replaced by markup(indent), or, without
// one, markup is appended to <buildWrappers> (which is added where
// Jenkins writes it when the project has none); markup nil removes the
// element (an emptied <buildWrappers/> stays). markup gets the
// indentation the element's lines after its first need; its first line
// is written where the element starts. Every other byte is kept.
func SetBuildWrapper(data []byte, class string, markup func(indent string) string) ([]byte, error) {
	old, err := Parse(data)
	if err != nil {
		return nil, err
	}
	if old.Kind != KindProject {
		return nil, errors.New("only a freestyle project has build wrappers; edit its config.xml")
	}
	root, err := spans(data)
	if err != nil {
		return nil, err
	}
	pe := &projectEdit{e: &edits{data: data}, root: root}
	e := pe.e
	wrappers := root.child("buildWrappers")
	cur := wrappers.child(class)
	switch {
	case markup == nil && cur == nil:
		return data, nil
	case markup == nil:
		e.remove(cur)
	case cur != nil:
		e.replace(cur, markup(e.indentOf(cur)))
	case wrappers != nil:
		in := e.kidIndent(wrappers)
		e.appendChild(wrappers, markup(in))
	default:
		pe.insertTop("buildWrappers", func(in string) string {
			kid := in + "  "
			return "<buildWrappers>\n" + kid + markup(kid) + "\n" + in + "</buildWrappers>"
		})
	}
	out, err := e.apply()
	if err != nil {
		return nil, err
	}
	if _, err := Parse(out); err != nil {
		return nil, fmt.Errorf("the edited config.xml does not read back: %w", err)
	}
	return out, nil
}
