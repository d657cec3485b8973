package configxml

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/jxml"
)

// maxDepth bounds element nesting so hostile input cannot exhaust memory
// or the stack of anything that walks the tree.
const maxDepth = 200

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
	return jxml.MapControlRefs(data)
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
