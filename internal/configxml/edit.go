package configxml

import (
	"bytes"
	"encoding/xml"

	"github.com/jeeves-ci/jeeves/internal/model"
)

// SetTopLevel returns data with the text of the root's direct child
// element name set to value, changing nothing else in the document: the
// element is rewritten in place, or added before the root's end tag when
// the document has none. Jenkins edits config.xml this way for enable,
// disable and description, and jeeves keeps posted XML byte for byte.
func SetTopLevel(data []byte, name, value string) ([]byte, error) {
	if _, err := Parse(data); err != nil {
		return nil, err
	}
	var esc bytes.Buffer
	xml.EscapeText(&esc, []byte(value))
	return setTopLevel(data, name, esc.String())
}

// setTopLevel sets the content of the root's child name to inner, raw XML.
func setTopLevel(data []byte, name, inner string) ([]byte, error) {
	root, err := spans(data)
	if err != nil {
		return nil, err
	}
	e := &edits{data: data}
	elem := "<" + name + ">" + inner + "</" + name + ">"
	if s := root.child(name); s != nil {
		if s.empty {
			e.add(s.start, s.end, e.openTag(s)+inner+"</"+name+">")
		} else {
			e.add(s.openEnd, s.closeBeg, inner)
		}
		return e.apply()
	}
	if root.empty {
		e.add(root.start, root.end, e.openTag(root)+"\n  "+elem+"\n</"+root.name+">")
		return e.apply()
	}
	// Indent the new element like its siblings (two spaces, Jenkins's style).
	insert := "  " + elem + "\n"
	if root.closeBeg > 0 && data[root.closeBeg-1] != '\n' {
		insert = "\n" + insert
	}
	e.add(root.closeBeg, root.closeBeg, insert)
	return e.apply()
}

// tagEnd finds the '>' ending the tag that starts at i, skipping quoted
// attribute values.
func tagEnd(data []byte, i int) int {
	var quote byte
	for j := i + 1; j < len(data); j++ {
		c := data[j]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return j
		}
	}
	return -1
}

// tagName is the element name of a start tag such as <a b="c">.
func tagName(tag []byte) string {
	n := 1
	for n < len(tag) && !bytes.ContainsRune([]byte(" \t\r\n/>"), rune(tag[n])) {
		n++
	}
	return string(tag[1:n])
}

// ParseView reads a list view's config.xml (hudson.model.ListView).
func ParseView(data []byte) (*model.ViewConfig, error) {
	doc, base, err := prepare(data)
	if err != nil {
		return nil, err
	}
	root, err := buildTree(doc)
	if err != nil {
		return nil, err
	}
	if root.name != ListViewClass {
		return nil, &UnknownKindError{Root: root.name}
	}
	p := reader{base: base}
	v := &model.ViewConfig{
		Class:        root.name,
		Description:  p.str(root.child("description")),
		IncludeRegex: p.str(root.child("includeRegex")),
		Recurse:      p.bool(root.child("recurse")),
	}
	for _, n := range root.child("jobNames").kids() {
		if n.name == "string" {
			v.JobNames = append(v.JobNames, p.str(n))
		}
	}
	return v, nil
}

// ListViewClass is the list view's class and config.xml root element.
const ListViewClass = "hudson.model.ListView"

// NewListView is the config.xml of an empty list view named name.
func NewListView(name string) []byte {
	var b bytes.Buffer
	b.WriteString("<?xml version='1.1' encoding='UTF-8'?>\n<hudson.model.ListView>\n  <name>")
	xml.EscapeText(&b, []byte(name))
	b.WriteString("</name>\n  <filterExecutors>false</filterExecutors>\n  <filterQueue>false</filterQueue>\n  <properties class=\"hudson.model.View$PropertyList\"/>\n  <jobNames>\n    <comparator class=\"hudson.util.CaseInsensitiveComparator\"/>\n  </jobNames>\n  <jobFilters/>\n  <columns/>\n  <recurse>false</recurse>\n</hudson.model.ListView>")
	return b.Bytes()
}

// SetViewJobs rewrites a list view's jobNames, keeping the rest as it was.
func SetViewJobs(data []byte, names []string) ([]byte, error) {
	if _, err := ParseView(data); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString("\n    <comparator class=\"hudson.util.CaseInsensitiveComparator\"/>\n")
	for _, n := range names {
		b.WriteString("    <string>")
		xml.EscapeText(&b, []byte(n))
		b.WriteString("</string>\n")
	}
	b.WriteString("  ")
	return setTopLevel(data, "jobNames", b.String())
}
