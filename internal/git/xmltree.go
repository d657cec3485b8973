package git

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

// maxXMLDepth bounds element nesting so hostile input cannot exhaust memory.
const maxXMLDepth = 200

// maxXMLSize bounds the document parsed (a config.xml is a few KB).
const maxXMLSize = 4 << 20

var xml11RE = regexp.MustCompile(`^<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(?:'1\.1'|"1\.1")`)

// xnode is an element of a parsed document.
type xnode struct {
	name     string
	class    string
	text     []byte
	children []*xnode
}

func (n *xnode) child(name string) *xnode {
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

func (n *xnode) kids() []*xnode {
	if n == nil {
		return nil
	}
	return n.children
}

// str is the element's text with control characters restored and
// surrounding white space kept; "" for a missing element.
func (n *xnode) str() string {
	if n == nil {
		return ""
	}
	return string(n.text)
}

// trimmed is str without surrounding white space.
func (n *xnode) trimmed() string { return strings.TrimSpace(n.str()) }

// bool reads a boolean as XStream does: "true" in any case is true.
func (n *xnode) bool() bool { return strings.EqualFold(n.trimmed(), "true") }

// parseXML decodes a whole document into a tree, accepting what Jenkins
// writes (an XML 1.1 declaration, references to control characters).
func parseXML(data []byte) (*xnode, error) {
	if len(data) > maxXMLSize {
		return nil, fmt.Errorf("the document is larger than %d bytes", maxXMLSize)
	}
	if bytes.HasPrefix(data, []byte{0xFE, 0xFF}) || bytes.HasPrefix(data, []byte{0xFF, 0xFE}) {
		return nil, errors.New("the document is UTF-16; it must be UTF-8")
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errors.New("empty document")
	}
	start := len(data) - len(bytes.TrimLeft(data, " \t\r\n"))
	if loc := xml11RE.FindIndex(data[start:]); loc != nil {
		data = bytes.Clone(data)
		data[start+loc[1]-2] = '0' // 1.1 -> 1.0
	}
	data, base, err := jxml.MapControlRefs(data)
	if err != nil {
		return nil, err
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		switch strings.ToLower(label) {
		case "utf-8", "us-ascii":
			return in, nil
		}
		return nil, errors.New("unsupported encoding " + label + ": the document must be UTF-8")
	}
	var root *xnode
	var stack []*xnode
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if root != nil && len(stack) == 0 {
				return nil, errors.New("more than one root element")
			}
			if len(stack) >= maxXMLDepth {
				return nil, fmt.Errorf("elements are nested more than %d deep", maxXMLDepth)
			}
			n := &xnode{name: xmlName(t.Name)}
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
			name := xmlName(t.Name)
			if len(stack) == 0 || stack[len(stack)-1].name != name {
				return nil, fmt.Errorf("unexpected end tag </%s>", name)
			}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				top := stack[len(stack)-1]
				top.text = append(top.text, jxml.RestoreControls(string(t), base)...)
			} else if len(bytes.TrimSpace(t)) > 0 {
				return nil, errors.New("text outside the root element")
			}
		}
	}
	if root == nil {
		return nil, errors.New("no root element")
	}
	if len(stack) > 0 {
		return nil, fmt.Errorf("unexpected end of document: <%s> is not closed", stack[len(stack)-1].name)
	}
	return root, nil
}

func xmlName(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}
