package configxml

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxDepth bounds element nesting so hostile input cannot exhaust memory
// or the stack of anything that walks the tree.
const maxDepth = 200

// The private-use code points control characters are moved to while
// encoding/xml decodes (it rejects &#x1b; and friends, which XML 1.1
// allows): blocks of 32 in planes 15 and 16.
const (
	puaFirst  = 0xF0000
	puaBlocks = (unicode.MaxRune + 1 - puaFirst) / 32
)

// versionRE finds an XML 1.1 version in the declaration.
var versionRE = regexp.MustCompile(`^<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(?:'1\.1'|"1\.1")`)

// node is an element of a parsed document: its name as written (with any
// prefix), its own text, and its child elements.
type node struct {
	name     string
	class    string // the class attribute, as XStream writes it
	text     []byte
	children []*node
}

// child is n's first child element called name; nil if none or if n is nil.
func (n *node) child(name string) *node {
	if n == nil {
		return nil
	}
	for _, c := range n.children {
		if c.name == name {
			return c
		}
	}
	return nil
}

// kids is n's child elements; nil if n is nil.
func (n *node) kids() []*node {
	if n == nil {
		return nil
	}
	return n.children
}

// prepare checks the raw document and rewrites what encoding/xml cannot
// read: the XML 1.1 declaration and references to control characters,
// which are moved to the private-use block starting at base (0 when the
// document has none).
func prepare(data []byte) (doc []byte, base rune, err error) {
	if bytes.HasPrefix(data, []byte{0xFE, 0xFF}) || bytes.HasPrefix(data, []byte{0xFF, 0xFE}) {
		return nil, 0, errors.New("the document is UTF-16; config.xml must be UTF-8")
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	if len(bytes.Trim(data, " \t\r\n")) == 0 {
		return nil, 0, errors.New("empty document: config.xml must be an XML document")
	}
	line := 1
	for _, b := range data {
		if b == '\n' {
			line++
		} else if b < 0x20 && b != '\t' && b != '\r' {
			return nil, 0, fmt.Errorf("line %d: control character U+%04X is not allowed in XML", line, b)
		}
	}
	start := len(data) - len(bytes.TrimLeft(data, " \t\r\n"))
	if loc := versionRE.FindIndex(data[start:]); loc != nil {
		data = bytes.Clone(data)
		data[start+loc[1]-2] = '0' // 1.1 -> 1.0
	}
	return mapControlRefs(data)
}

// mapControlRefs rewrites references to control characters (other than
// tab, newline and carriage return) into references to a private-use
// block that the document does not otherwise use, and returns that
// block's base.
func mapControlRefs(data []byte) ([]byte, rune, error) {
	var used [puaBlocks]bool
	found := false
	mark := func(r rune) {
		if r >= puaFirst && r <= unicode.MaxRune {
			used[(r-puaFirst)/32] = true
		}
	}
	eachCharRef(data, func(_, _ int, r rune) {
		if isControl(r) {
			found = true
		}
		mark(r)
	})
	if !found {
		return data, 0, nil
	}
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		mark(r)
		i += size
	}
	var base rune
	for i, u := range used {
		if !u {
			base = puaFirst + rune(i)*32
			break
		}
	}
	if base == 0 {
		return nil, 0, errors.New("the document uses too many private-use characters to carry its control characters")
	}
	var out bytes.Buffer
	last := 0
	eachCharRef(data, func(start, end int, r rune) {
		if isControl(r) {
			out.Write(data[last:start])
			fmt.Fprintf(&out, "&#x%X;", base+r)
			last = end
		}
	})
	out.Write(data[last:])
	return out.Bytes(), base, nil
}

// isControl reports whether r is a control character that XML 1.1 allows
// as a character reference and XML 1.0 does not.
func isControl(r rune) bool {
	return r >= 1 && r < 0x20 && r != '\t' && r != '\n' && r != '\r'
}

// eachCharRef calls fn with the offsets and value of every numeric
// character reference (&#27; or &#x1b;) outside comments, CDATA sections
// and processing instructions, where references are not expanded.
func eachCharRef(data []byte, fn func(start, end int, r rune)) {
	skips := [...]struct{ open, close string }{
		{"<!--", "-->"}, {"<![CDATA[", "]]>"}, {"<?", "?>"},
	}
	for i := 0; i < len(data); {
		j := bytes.IndexAny(data[i:], "<&")
		if j < 0 {
			return
		}
		i += j
		rest := data[i:]
		if rest[0] == '<' {
			i++
			for _, s := range skips {
				if bytes.HasPrefix(rest, []byte(s.open)) {
					k := bytes.Index(rest[len(s.open):], []byte(s.close))
					if k < 0 {
						return
					}
					i += len(s.open) + k + len(s.close) - 1
					break
				}
			}
			continue
		}
		if n, r, ok := charRef(rest); ok {
			fn(i, i+n, r)
			i += n
			continue
		}
		i++
	}
}

// charRef parses a numeric character reference at the start of s as
// encoding/xml does, returning its length and value.
func charRef(s []byte) (n int, r rune, ok bool) {
	if !bytes.HasPrefix(s, []byte("&#")) {
		return 0, 0, false
	}
	i, base := 2, 10
	if i < len(s) && s[i] == 'x' {
		i, base = 3, 16
	}
	start := i
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || base == 16 && strings.IndexByte("abcdefABCDEF", s[i]) >= 0) {
		i++
	}
	if i >= len(s) || s[i] != ';' {
		return 0, 0, false
	}
	v, err := strconv.ParseUint(string(s[start:i]), base, 32)
	if err != nil || v > unicode.MaxRune {
		return 0, 0, false
	}
	return i + 1, rune(v), true
}

// charsetReader lets the decoder accept the encodings config.xml may
// declare besides UTF-8: US-ASCII, a subset of it. Others are refused.
func charsetReader(label string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "utf-8", "us-ascii":
		return input, nil
	}
	return nil, errors.New("unsupported encoding: config.xml must be UTF-8")
}

// buildTree decodes a whole document into a tree of elements, checking
// that it is well formed: one root element, matching end tags, nothing but
// white space, comments and processing instructions around the root.
func buildTree(data []byte) (*node, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.CharsetReader = charsetReader
	var root *node
	var stack []*node
	begun := false // a token other than white space has been read
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		line, _ := d.InputPos()
		switch t := tok.(type) {
		case xml.StartElement:
			name := fullName(t.Name)
			if root != nil && len(stack) == 0 {
				return nil, fmt.Errorf("line %d: element <%s> after the root element <%s>: a document has one root", line, name, root.name)
			}
			if len(stack) >= maxDepth {
				return nil, fmt.Errorf("line %d: elements are nested more than %d deep", line, maxDepth)
			}
			n := &node{name: name}
			for _, a := range t.Attr {
				if a.Name.Space == "" && a.Name.Local == "class" {
					n.class = a.Value
				}
			}
			if root == nil {
				root = n
			} else {
				top := stack[len(stack)-1]
				top.children = append(top.children, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			name := fullName(t.Name)
			if len(stack) == 0 {
				return nil, fmt.Errorf("line %d: end tag </%s> without a start tag", line, name)
			}
			if top := stack[len(stack)-1]; top.name != name {
				return nil, fmt.Errorf("line %d: element <%s> is closed by </%s>", line, top.name, name)
			}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				top := stack[len(stack)-1]
				top.text = append(top.text, t...)
				break
			}
			if text := bytes.Trim(t, " \t\r\n"); len(text) > 0 {
				where := "before"
				if root != nil {
					where = "after"
				}
				return nil, fmt.Errorf("line %d: text %q %s the root element", line, excerpt(text), where)
			}
			continue
		case xml.ProcInst:
			if strings.EqualFold(t.Target, "xml") && begun {
				return nil, fmt.Errorf("line %d: the XML declaration must begin the document", line)
			}
		case xml.Directive:
			if root != nil {
				return nil, fmt.Errorf("line %d: <!%s> is only allowed before the root element", line, excerpt(t))
			}
		}
		begun = true
	}
	if root == nil {
		return nil, errors.New("no root element")
	}
	if len(stack) > 0 {
		return nil, fmt.Errorf("unexpected end of document: <%s> is not closed", stack[len(stack)-1].name)
	}
	return root, nil
}

// fullName is an element's name as written, prefix included.
func fullName(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

// excerpt shortens b for an error message.
func excerpt(b []byte) string {
	const max = 20
	if len(b) <= max {
		return string(b)
	}
	return strings.ToValidUTF8(string(b[:max]), "") + "…"
}
