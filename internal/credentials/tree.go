package credentials

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

// maxDepth bounds element nesting; credentials.xml needs 6.
const maxDepth = 32

// MaxXMLSize bounds a single credential's XML (ParseXML): a secret file
// at its limit in base64, with room to spare.
const MaxXMLSize = 4 << 20

// node is an element: its name, attributes, own text and children.
type node struct {
	name     string
	attrs    []xml.Attr
	text     []byte
	children []*node
	line     int
}

func (n *node) attr(name string) string {
	for _, a := range n.attrs {
		if a.Name.Space == "" && a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// versionRE finds an XML 1.1 version in the declaration, which Jenkins
// writes and encoding/xml refuses.
var versionRE = regexp.MustCompile(`^<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(?:'1\.1'|"1\.1")`)

// parseTree reads a whole document into a tree, checking that it is well
// formed, UTF-8, without a DOCTYPE, and not nested too deep. Errors name
// the line.
func parseTree(data []byte) (*node, error) {
	if bytes.HasPrefix(data, []byte{0xFE, 0xFF}) || bytes.HasPrefix(data, []byte{0xFF, 0xFE}) {
		return nil, invalid("the document is UTF-16; send UTF-8")
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, invalid("the document is empty: send a credential's XML")
	}
	start := len(data) - len(bytes.TrimLeft(data, " \t\r\n"))
	if loc := versionRE.FindIndex(data[start:]); loc != nil {
		data = bytes.Clone(data)
		data[start+loc[1]-2] = '0' // 1.1 -> 1.0: the same for what we read
	}
	data, base, err := jxml.MapControlRefs(data)
	if err != nil {
		return nil, invalid("%v", err)
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	d.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		switch strings.ToLower(label) {
		case "utf-8", "us-ascii":
			return in, nil
		}
		return nil, fmt.Errorf("encoding %q is not supported: send UTF-8", label)
	}
	var root *node
	var stack []*node
	for {
		line, _ := d.InputPos()
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return nil, invalid("malformed XML at line %d: %s", se.Line, se.Msg)
			}
			return nil, invalid("malformed XML near line %d: %v", line, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if root != nil && len(stack) == 0 {
				return nil, invalid("line %d: a second root element <%s>", line, t.Name.Local)
			}
			if len(stack) >= maxDepth {
				return nil, invalid("line %d: elements nested more than %d deep", line, maxDepth)
			}
			name := t.Name.Local
			if t.Name.Space != "" {
				name = t.Name.Space + ":" + name
			}
			n := &node{name: name, attrs: t.Attr, line: line}
			if root == nil {
				root = n
			} else {
				top := stack[len(stack)-1]
				top.children = append(top.children, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				top := stack[len(stack)-1]
				top.text = append(top.text, jxml.RestoreControls(string(t), base)...)
			} else if len(bytes.TrimSpace(t)) > 0 {
				return nil, invalid("line %d: text outside the root element", line)
			}
		case xml.Directive:
			return nil, invalid("line %d: <!%s…> is not allowed", line, firstWord(t))
		}
	}
	if root == nil {
		return nil, invalid("the document has no root element")
	}
	return root, nil
}

func firstWord(b []byte) string {
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return ""
	}
	return quoteShort(f[0])[1 : len(quoteShort(f[0]))-1]
}

// xmlWriter writes XML as XStream's PrettyPrintWriter does: two spaces
// per level, empty strings as <a></a>, XML 1.1 escaping.
type xmlWriter struct {
	b     bytes.Buffer
	depth int
}

func (w *xmlWriter) indent() {
	for i := 0; i < w.depth; i++ {
		w.b.WriteString("  ")
	}
}

// open writes a start tag with attributes (name, value pairs).
func (w *xmlWriter) open(name string, attrs ...string) {
	w.indent()
	w.b.WriteString("<" + name)
	for i := 0; i+1 < len(attrs); i += 2 {
		w.b.WriteString(" " + attrs[i] + `="`)
		escape(&w.b, attrs[i+1])
		w.b.WriteString(`"`)
	}
	w.b.WriteString(">\n")
	w.depth++
}

func (w *xmlWriter) close(name string) {
	w.depth--
	w.indent()
	w.b.WriteString("</" + name + ">\n")
}

func (w *xmlWriter) leaf(name, text string) {
	w.indent()
	w.b.WriteString("<" + name + ">")
	escape(&w.b, text)
	w.b.WriteString("</" + name + ">\n")
}

// redacted writes <name><secret-redacted/></name> as Jenkins's
// CredentialsStoreAction.SECRETS_REDACTED does.
func (w *xmlWriter) redacted(name string) {
	w.open(name)
	w.indent()
	w.b.WriteString("<secret-redacted/>\n")
	w.close(name)
}

// escape writes s as XStream's PrettyPrintWriter (XML 1.1 mode) writes
// text: the five entities, control characters as character references.
func escape(b *bytes.Buffer, s string) {
	for _, r := range s {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '"':
			b.WriteString("&quot;")
		case r == '\'':
			b.WriteString("&apos;")
		case r == '\r':
			b.WriteString("&#xd;")
		case r == 0:
			b.WriteRune('\uFFFD')
		case r < 0x20 && r != '\t' && r != '\n', r >= 0x7F && r <= 0x9F:
			fmt.Fprintf(b, "&#x%x;", r)
		default:
			b.WriteRune(r)
		}
	}
}
