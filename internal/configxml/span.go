package configxml

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// span is an element of a document as bytes: where its start tag, content
// and end tag lie, so that an edit can rewrite one element and leave every
// other byte as it was. It is built over a document Parse has accepted.
type span struct {
	name     string
	start    int  // the '<' of the start tag
	openEnd  int  // just past the start tag's '>'
	closeBeg int  // the '<' of the end tag; openEnd for an empty-element tag
	end      int  // just past the end tag's '>'
	empty    bool // written as an empty-element tag, <name/>
	parent   *span
	kids     []*span
}

// child is s's first child element called name; nil if none or s is nil.
func (s *span) child(name string) *span {
	if s == nil {
		return nil
	}
	for _, k := range s.kids {
		if k.name == name {
			return k
		}
	}
	return nil
}

// spans reads the element structure of data, a document Parse accepts:
// comments, CDATA sections, processing instructions and the DOCTYPE are
// skipped, and quoted attribute values may hold '>'.
func spans(data []byte) (*span, error) {
	var root *span
	var stack []*span
	for i := 0; i < len(data); {
		if data[i] != '<' {
			i++
			continue
		}
		rest := data[i:]
		// Each kind of markup ends as encoding/xml ends it: the terminator is
		// looked for after the opening, so "<!-->" and "<?>" do not close
		// themselves.
		var open, skipTo string
		switch {
		case bytes.HasPrefix(rest, []byte("<!--")):
			open, skipTo = "<!--", "-->"
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			open, skipTo = "<![CDATA[", "]]>"
		case bytes.HasPrefix(rest, []byte("<?")):
			open, skipTo = "<?", "?>"
		case bytes.HasPrefix(rest, []byte("<!")):
			end := directiveEnd(data, i)
			if end < 0 {
				return nil, errors.New("unterminated declaration")
			}
			i = end + 1
			continue
		}
		if skipTo != "" {
			k := bytes.Index(rest[len(open):], []byte(skipTo))
			if k < 0 {
				return nil, errors.New("unterminated markup")
			}
			i += len(open) + k + len(skipTo)
			continue
		}
		end := tagEnd(data, i)
		if end < 0 {
			return nil, errors.New("unterminated tag")
		}
		tag := data[i : end+1]
		switch {
		case len(tag) > 1 && tag[1] == '/':
			if len(stack) == 0 {
				return nil, errors.New("end tag without a start tag")
			}
			top := stack[len(stack)-1]
			top.closeBeg, top.end = i, end+1
			stack = stack[:len(stack)-1]
		default:
			s := &span{name: tagName(tag), start: i, openEnd: end + 1}
			if len(stack) > 0 {
				s.parent = stack[len(stack)-1]
				s.parent.kids = append(s.parent.kids, s)
			} else if root == nil {
				root = s
			}
			if bytes.HasSuffix(tag, []byte("/>")) {
				s.empty, s.closeBeg, s.end = true, end+1, end+1
			} else {
				stack = append(stack, s)
			}
		}
		i = end + 1
	}
	if root == nil || len(stack) > 0 {
		return nil, errors.New("no complete root element")
	}
	return root, nil
}

// directiveEnd is the index of the '>' that ends the directive (a
// DOCTYPE, an ENTITY...) starting at data[i] == '<', or -1. It reads as
// encoding/xml reads one: quoted text is skipped, nested angle brackets
// count, and a comment inside is skipped whole, quotes and all.
func directiveEnd(data []byte, i int) int {
	var quote byte
	depth := 0
	for j := i + 2; j < len(data); j++ {
		c := data[j]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '>' && depth == 0:
			return j
		case c == '>':
			depth--
		case c == '"' || c == '\'':
			quote = c
		case c == '<' && bytes.HasPrefix(data[j:], []byte("<!--")):
			k := bytes.Index(data[j+4:], []byte("-->"))
			if k < 0 {
				return -1
			}
			j += 4 + k + 2
		case c == '<':
			depth++
		}
	}
	return -1
}

// splice is one replacement of data[from:to].
type splice struct {
	from, to int
	text     string
}

// edits collects changes to one document and applies them together, so
// offsets always refer to the original bytes. Replacements and
// insertions are splices; removals and appended children are gathered
// per parent first, so that a parent can lose all its children and gain
// new ones in one edit.
type edits struct {
	data     []byte
	list     []splice
	removed  map[*span][]*span // by parent
	appended map[*span][]string
	order    []*span // parents in the order they were first touched
}

func (e *edits) add(from, to int, text string) {
	e.list = append(e.list, splice{from, to, text})
}

func (e *edits) touch(p *span) {
	if e.removed == nil {
		e.removed, e.appended = map[*span][]*span{}, map[*span][]string{}
	}
	if _, ok := e.removed[p]; !ok {
		if _, ok := e.appended[p]; !ok {
			e.order = append(e.order, p)
		}
	}
}

// remove deletes s (not the root), with its line when it stands alone on
// one. A parent left without children and holding nothing but white
// space becomes an empty-element tag, as Jenkins writes an empty list
// (<builders/>).
func (e *edits) remove(s *span) {
	e.touch(s.parent)
	e.removed[s.parent] = append(e.removed[s.parent], s)
}

// appendChild adds markup, written for p's children's indentation
// (kidIndent), as p's last child on its own line; an empty-element p is
// opened for it.
func (e *edits) appendChild(p *span, markup string) {
	e.touch(p)
	e.appended[p] = append(e.appended[p], markup)
}

// apply returns the edited document. Splices must not overlap; two
// insertions at one offset keep the order they were added in.
func (e *edits) apply() ([]byte, error) {
	for _, p := range e.order {
		e.settle(p)
	}
	sort.SliceStable(e.list, func(a, b int) bool { return e.list[a].from < e.list[b].from })
	var out bytes.Buffer
	last := 0
	for _, s := range e.list {
		if s.from < last {
			return nil, fmt.Errorf("overlapping edits at offset %d", s.from)
		}
		out.Write(e.data[last:s.from])
		out.WriteString(s.text)
		last = s.to
	}
	out.Write(e.data[last:])
	return out.Bytes(), nil
}

// settle turns p's gathered removals and appended children into splices.
func (e *edits) settle(p *span) {
	gone := map[*span]bool{}
	for _, k := range e.removed[p] {
		gone[k] = true
	}
	adds := e.appended[p]
	blank := func(from, to int) bool { return len(bytes.Trim(e.data[from:to], " \t\r\n")) == 0 }
	// Only white space and removed children inside p?
	onlyGone := !p.empty
	if onlyGone {
		last := p.openEnd
		for _, k := range p.kids {
			if !gone[k] || !blank(last, k.start) {
				onlyGone = false
				break
			}
			last = k.end
		}
		onlyGone = onlyGone && blank(last, p.closeBeg)
	}
	in := e.kidIndent(p)
	switch {
	case p.empty || onlyGone && len(adds) > 0:
		// Write p anew: its start tag, the new children, its end tag.
		if len(adds) == 0 {
			return
		}
		var b strings.Builder
		b.WriteString(e.openTag(p))
		for _, m := range adds {
			b.WriteString("\n" + in + m)
		}
		b.WriteString("\n" + e.indentOf(p) + "</" + p.name + ">")
		e.add(p.start, p.end, b.String())
		return
	case onlyGone && p.parent != nil:
		e.add(p.start, p.end, e.emptyTag(p))
		return
	}
	for _, k := range e.removed[p] {
		e.cut(k)
	}
	if len(adds) > 0 {
		at := p.closeBeg
		if len(p.kids) > 0 {
			at = p.kids[len(p.kids)-1].end
		}
		var b strings.Builder
		for _, m := range adds {
			b.WriteString("\n" + in + m)
		}
		if at == p.closeBeg && len(p.kids) == 0 {
			b.WriteString("\n" + e.indentOf(p))
		}
		e.add(at, at, b.String())
	}
}

// cut deletes s, with its line when it stands alone on one.
func (e *edits) cut(s *span) {
	from := s.start - len(e.indentOf(s))
	if from > 0 && e.data[from-1] == '\n' && (s.end == len(e.data) || e.data[s.end] == '\n' || e.data[s.end] == '\r') {
		from--
		if from > 0 && e.data[from-1] == '\r' {
			from--
		}
	} else {
		from = s.start
	}
	e.add(from, s.end, "")
}

// indentOf is the white space before s on its line, or "" when something
// else precedes s there.
func (e *edits) indentOf(s *span) string {
	i := s.start
	for i > 0 && (e.data[i-1] == ' ' || e.data[i-1] == '\t') {
		i--
	}
	if i > 0 && e.data[i-1] != '\n' {
		return ""
	}
	return string(e.data[i:s.start])
}

// kidIndent is the indentation of s's children: that of its first child,
// else one step (two spaces, Jenkins's style) deeper than s.
func (e *edits) kidIndent(s *span) string {
	if len(s.kids) > 0 {
		if in := e.indentOf(s.kids[0]); in != "" {
			return in
		}
	}
	return e.indentOf(s) + "  "
}

// openTag is s's start tag written as a start tag (an empty-element tag
// loses its slash), attributes kept as they are.
func (e *edits) openTag(s *span) string {
	tag := string(e.data[s.start:s.openEnd])
	if s.empty {
		tag = strings.TrimRight(strings.TrimSuffix(tag, "/>"), " \t\r\n") + ">"
	}
	return tag
}

// emptyTag is s's start tag written as an empty-element tag.
func (e *edits) emptyTag(s *span) string {
	tag := string(e.data[s.start:s.openEnd])
	if s.empty {
		return tag
	}
	return strings.TrimRight(strings.TrimSuffix(tag, ">"), " \t\r\n") + "/>"
}

// setText makes s's content escaped text (s holds text only in what the
// form edits), keeping its start tag and attributes.
func (e *edits) setText(s *span, text string) {
	var b bytes.Buffer
	escape(&b, text)
	if s.empty {
		e.add(s.start, s.end, e.openTag(s)+b.String()+"</"+s.name+">")
		return
	}
	e.add(s.openEnd, s.closeBeg, b.String())
}

// replace puts markup, written for s's indentation, where s is.
func (e *edits) replace(s *span, markup string) {
	e.add(s.start, s.end, markup)
}

// insertAfter adds markup as a sibling right after s, on its own line
// when s is on its own line.
func (e *edits) insertAfter(s *span, markup string) {
	in := e.indentOf(s)
	if in == "" && s.start > 0 && e.data[s.start-1] != '\n' {
		e.add(s.end, s.end, markup)
		return
	}
	e.add(s.end, s.end, "\n"+in+markup)
}

// insertBefore adds markup as a sibling right before s, on its own line
// when s is on its own line.
func (e *edits) insertBefore(s *span, markup string) {
	in := e.indentOf(s)
	if in == "" && s.start > 0 && e.data[s.start-1] != '\n' {
		e.add(s.start, s.start, markup)
		return
	}
	e.add(s.start, s.start, markup+"\n"+in)
}
