package configxml

import (
	"bytes"
	"encoding/xml"
	"fmt"

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

// SetText is SetTopLevel for any well-formed config.xml (an agent's, a
// view's): the text of the root's direct child name becomes value,
// and nothing else in the document changes.
func SetText(data []byte, name, value string) ([]byte, error) {
	doc, _, err := prepare(data)
	if err != nil {
		return nil, err
	}
	if _, err := buildTree(doc); err != nil {
		return nil, err
	}
	var esc bytes.Buffer
	xml.EscapeText(&esc, []byte(value))
	return setTopLevel(data, name, esc.String())
}

// setTopLevel sets the content of the root's child name to inner, raw XML.
func setTopLevel(data []byte, name, inner string) ([]byte, error) {
	elem := "<" + name + ">" + inner + "</" + name + ">"

	depth := 0
	rootEnd := -1
	for i := 0; i < len(data); {
		if data[i] != '<' {
			i++
			continue
		}
		switch {
		case bytes.HasPrefix(data[i:], []byte("<!--")):
			end := bytes.Index(data[i:], []byte("-->"))
			if end < 0 {
				return nil, fmt.Errorf("unterminated comment")
			}
			i += end + 3
			continue
		case bytes.HasPrefix(data[i:], []byte("<![CDATA[")):
			end := bytes.Index(data[i:], []byte("]]>"))
			if end < 0 {
				return nil, fmt.Errorf("unterminated CDATA section")
			}
			i += end + 3
			continue
		case bytes.HasPrefix(data[i:], []byte("<?")), bytes.HasPrefix(data[i:], []byte("<!")):
			end := bytes.IndexByte(data[i:], '>')
			if end < 0 {
				return nil, fmt.Errorf("unterminated declaration")
			}
			i += end + 1
			continue
		}
		end := tagEnd(data, i)
		if end < 0 {
			return nil, fmt.Errorf("unterminated tag")
		}
		tag := data[i : end+1]
		closing := len(tag) > 1 && tag[1] == '/'
		selfClosing := bytes.HasSuffix(tag, []byte("/>"))
		switch {
		case closing:
			depth--
			if depth == 0 {
				rootEnd = i
			}
		case depth == 1 && tagName(tag) == name:
			if selfClosing {
				return splice(data, i, end+1, elem), nil
			}
			// The element holds text only in what jeeves edits: replace up
			// to its matching end tag.
			closeTag := []byte("</" + name)
			stop := bytes.Index(data[end+1:], closeTag)
			if stop < 0 {
				return nil, fmt.Errorf("<%s> is not closed", name)
			}
			closeEnd := bytes.IndexByte(data[end+1+stop:], '>')
			return splice(data, i, end+1+stop+closeEnd+1, elem), nil
		case !selfClosing:
			depth++
		}
		i = end + 1
	}
	if rootEnd < 0 {
		return nil, fmt.Errorf("no root element")
	}
	// Indent the new element like its siblings (two spaces, Jenkins's style).
	insert := "  " + elem + "\n"
	if rootEnd > 0 && data[rootEnd-1] != '\n' {
		insert = "\n" + insert
	}
	return splice(data, rootEnd, rootEnd, insert), nil
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

func splice(data []byte, from, to int, s string) []byte {
	out := make([]byte, 0, len(data)+len(s))
	out = append(out, data[:from]...)
	out = append(out, s...)
	return append(out, data[to:]...)
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
