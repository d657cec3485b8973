package configxml

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"

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
	e, err := findTopLevel(data, name)
	if err != nil {
		return nil, err
	}
	if e.found {
		return splice(data, e.start, e.end, elem), nil
	}
	// Indent the new element like its siblings (two spaces, Jenkins's style).
	insert := "  " + elem + "\n"
	if e.rootEnd > 0 && data[e.rootEnd-1] != '\n' {
		insert = "\n" + insert
	}
	return splice(data, e.rootEnd, e.rootEnd, insert), nil
}

// removeTopLevel removes the root's child name, with the indentation
// before it, if the document has one.
func removeTopLevel(data []byte, name string) ([]byte, error) {
	e, err := findTopLevel(data, name)
	if err != nil || !e.found {
		return data, err
	}
	start := e.start
	for start > 0 && (data[start-1] == ' ' || data[start-1] == '\t') {
		start--
	}
	end := e.end
	if start > 0 && data[start-1] == '\n' && end < len(data) && data[end] == '\n' {
		end++
	}
	return splice(data, start, end, ""), nil
}

// topLevelInner is the raw content of the root's child name; "" when
// there is none or it is empty.
func topLevelInner(data []byte, name string) (string, error) {
	e, err := findTopLevel(data, name)
	if err != nil || !e.found {
		return "", err
	}
	return string(data[e.inner:e.innerEnd]), nil
}

// element is where a direct child of the root lies in a document.
type element struct {
	found           bool
	start, end      int // the whole element: data[start:end]
	inner, innerEnd int // its content (empty when self-closing)
	rootEnd         int // where the root's end tag starts
}

// findTopLevel finds the root's first direct child called name. The
// element's content must not hold another element of the same name,
// which holds for everything jeeves edits.
func findTopLevel(data []byte, name string) (element, error) {
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
				return element{}, fmt.Errorf("unterminated comment")
			}
			i += end + 3
			continue
		case bytes.HasPrefix(data[i:], []byte("<![CDATA[")):
			end := bytes.Index(data[i:], []byte("]]>"))
			if end < 0 {
				return element{}, fmt.Errorf("unterminated CDATA section")
			}
			i += end + 3
			continue
		case bytes.HasPrefix(data[i:], []byte("<?")), bytes.HasPrefix(data[i:], []byte("<!")):
			end := bytes.IndexByte(data[i:], '>')
			if end < 0 {
				return element{}, fmt.Errorf("unterminated declaration")
			}
			i += end + 1
			continue
		}
		end := tagEnd(data, i)
		if end < 0 {
			return element{}, fmt.Errorf("unterminated tag")
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
				return element{found: true, start: i, end: end + 1, inner: end + 1, innerEnd: end + 1}, nil
			}
			closeTag := []byte("</" + name)
			stop := bytes.Index(data[end+1:], closeTag)
			if stop < 0 {
				return element{}, fmt.Errorf("<%s> is not closed", name)
			}
			closeEnd := bytes.IndexByte(data[end+1+stop:], '>')
			if closeEnd < 0 {
				return element{}, fmt.Errorf("<%s> is not closed", name)
			}
			return element{found: true, start: i, end: end + 1 + stop + closeEnd + 1, inner: end + 1, innerEnd: end + 1 + stop}, nil
		case !selfClosing:
			depth++
		}
		i = end + 1
	}
	if rootEnd < 0 {
		return element{}, fmt.Errorf("no root element")
	}
	return element{rootEnd: rootEnd}, nil
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

// ParseView reads a view's config.xml: a list view (hudson.model.ListView)
// or the view of the jobs the user can configure (hudson.model.MyView).
func ParseView(data []byte) (*model.ViewConfig, error) {
	doc, base, err := prepare(data)
	if err != nil {
		return nil, err
	}
	root, err := buildTree(doc)
	if err != nil {
		return nil, err
	}
	if root.name != ListViewClass && root.name != MyViewClass {
		return nil, &UnknownKindError{Root: root.name}
	}
	p := reader{base: base}
	v := &model.ViewConfig{
		Class:           root.name,
		Description:     p.str(root.child("description")),
		IncludeRegex:    p.str(root.child("includeRegex")),
		Recurse:         p.bool(root.child("recurse")),
		FilterExecutors: p.bool(root.child("filterExecutors")),
		FilterQueue:     p.bool(root.child("filterQueue")),
	}
	for _, n := range root.child("jobNames").kids() {
		if n.name == "string" {
			v.JobNames = append(v.JobNames, p.str(n))
		}
	}
	// The status filter: a job filter since Jenkins 1.x, or the old
	// top-level element Jenkins still reads.
	if n := root.child("statusFilter"); n != nil {
		b := p.bool(n)
		v.StatusFilter = &b
	}
	for _, n := range root.child("jobFilters").kids() {
		if n.name == statusFilterClass {
			b := p.bool(n.child("statusFilter"))
			v.StatusFilter = &b
		}
	}
	return v, nil
}

// The view classes jeeves stores, which are also their config.xml's root
// elements.
const (
	ListViewClass = "hudson.model.ListView"
	MyViewClass   = "hudson.model.MyView"
)

const statusFilterClass = "hudson.views.StatusFilter"

// NewListView is the config.xml of an empty list view named name.
func NewListView(name string) []byte {
	var b bytes.Buffer
	b.WriteString("<?xml version='1.1' encoding='UTF-8'?>\n<hudson.model.ListView>\n  <name>")
	xml.EscapeText(&b, []byte(name))
	b.WriteString("</name>\n  <filterExecutors>false</filterExecutors>\n  <filterQueue>false</filterQueue>\n  <properties class=\"hudson.model.View$PropertyList\"/>\n  <jobNames>\n    <comparator class=\"hudson.util.CaseInsensitiveComparator\"/>\n  </jobNames>\n  <jobFilters/>\n  <columns/>\n  <recurse>false</recurse>\n</hudson.model.ListView>")
	return b.Bytes()
}

// NewMyView is the config.xml of a "My View" named name, as Jenkins
// writes one.
func NewMyView(name string) []byte {
	var b bytes.Buffer
	b.WriteString("<?xml version='1.1' encoding='UTF-8'?>\n<hudson.model.MyView>\n  <name>")
	xml.EscapeText(&b, []byte(name))
	b.WriteString("</name>\n  <filterExecutors>false</filterExecutors>\n  <filterQueue>false</filterQueue>\n  <properties class=\"hudson.model.View$PropertyList\"/>\n</hudson.model.MyView>")
	return b.Bytes()
}

// ViewForm is what a view's configSubmit sets (View.doConfigSubmit; the
// list view's fields from ListView.submit).
type ViewForm struct {
	Name, Description            string
	FilterExecutors, FilterQueue bool
	// A list view's own fields.
	Recurse      bool
	JobNames     []string
	IncludeRegex string // "" for none
	StatusFilter *bool
}

// SubmitView applies a configSubmit to a view's config.xml, changing the
// fields the form sets and keeping every other element as it was.
func SubmitView(data []byte, f ViewForm) ([]byte, error) {
	cfg, err := ParseView(data)
	if err != nil {
		return nil, err
	}
	set := func(name, value string) {
		if err == nil {
			var esc bytes.Buffer
			xml.EscapeText(&esc, []byte(value))
			data, err = setTopLevel(data, name, esc.String())
		}
	}
	set("name", f.Name)
	set("description", f.Description)
	set("filterExecutors", strconv.FormatBool(f.FilterExecutors))
	set("filterQueue", strconv.FormatBool(f.FilterQueue))
	if err != nil || cfg.Class != ListViewClass {
		return data, err
	}
	if data, err = SetViewJobs(data, f.JobNames); err != nil {
		return nil, err
	}
	if f.IncludeRegex != "" {
		set("includeRegex", f.IncludeRegex)
	} else if err == nil {
		data, err = removeTopLevel(data, "includeRegex")
	}
	set("recurse", strconv.FormatBool(f.Recurse))
	if err != nil {
		return nil, err
	}
	// The status filter lives among the job filters; others are kept.
	if data, err = removeTopLevel(data, "statusFilter"); err != nil {
		return nil, err
	}
	inner, err := topLevelInner(data, "jobFilters")
	if err != nil {
		return nil, err
	}
	open, close := "<"+statusFilterClass+">", "</"+statusFilterClass+">"
	for {
		i := strings.Index(inner, open)
		j := strings.Index(inner, close)
		if i < 0 || j < i {
			break
		}
		inner = inner[:i] + inner[j+len(close):]
	}
	if strings.TrimSpace(inner) == "" {
		inner = ""
	}
	if f.StatusFilter != nil {
		if inner == "" {
			inner = "\n  "
		}
		inner = strings.TrimRight(inner, " ") + "  " + open + "\n      <statusFilter>" + strconv.FormatBool(*f.StatusFilter) + "</statusFilter>\n    " + close + "\n  "
	}
	if inner == "" {
		return setTopLevel(data, "jobFilters", "")
	}
	return setTopLevel(data, "jobFilters", inner)
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
