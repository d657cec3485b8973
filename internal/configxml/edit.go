package configxml

import (
	"bytes"
	"encoding/xml"
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

// removeTopLevel removes the root's child name, with the indentation
// before it, if the document has one.
func removeTopLevel(data []byte, name string) ([]byte, error) {
	root, err := spans(data)
	if err != nil {
		return nil, err
	}
	el := root.child(name)
	if el == nil {
		return data, nil
	}
	start, end := el.start, el.end
	for start > 0 && (data[start-1] == ' ' || data[start-1] == '\t') {
		start--
	}
	if start > 0 && data[start-1] == '\n' && end < len(data) && data[end] == '\n' {
		end++
	}
	e := &edits{data: data}
	e.add(start, end, "")
	return e.apply()
}

// topLevelInner is the raw content of the root's child name; "" when
// there is none or it is empty.
func topLevelInner(data []byte, name string) (string, error) {
	root, err := spans(data)
	if err != nil {
		return "", err
	}
	el := root.child(name)
	if el == nil {
		return "", nil
	}
	return string(data[el.openEnd:el.closeBeg]), nil
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
