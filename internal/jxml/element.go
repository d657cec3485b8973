package jxml

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Bounds on what Parse and ReadElement keep, so that hostile input
// cannot exhaust memory or the stack.
const (
	// MaxDepth bounds element nesting.
	MaxDepth = 64
	// MaxElements bounds the number of elements in one tree.
	MaxElements = 100_000
)

// Element is an element of a configuration fragment: its local name (a
// prefix, which XStream never writes, is dropped), its attributes, its own
// text (the character data directly inside it, not inside its children)
// and its child elements in document order.
type Element struct {
	Name     string
	Attrs    []xml.Attr
	Text     string
	Children []*Element
}

// Attr returns the value of the attribute with local name name, and
// whether there is one.
func (e *Element) Attr(name string) (string, bool) {
	if e == nil {
		return "", false
	}
	for _, a := range e.Attrs {
		if a.Name.Local == name {
			return a.Value, true
		}
	}
	return "", false
}

// Class is the class attribute XStream writes when a field's value is of
// a subclass of its declared type; "" when there is none.
func (e *Element) Class() string {
	v, _ := e.Attr("class")
	return v
}

// Child returns e's first child element called name; nil if there is
// none or e is nil.
func (e *Element) Child(name string) *Element {
	if e == nil {
		return nil
	}
	for _, c := range e.Children {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// Last returns e's last child element called name: XStream, reading a
// field written twice, keeps the later value.
func (e *Element) Last(name string) *Element {
	if e == nil {
		return nil
	}
	for i := len(e.Children) - 1; i >= 0; i-- {
		if e.Children[i].Name == name {
			return e.Children[i]
		}
	}
	return nil
}

// Find returns the first element called name in e's subtree (e itself
// included), depth first; nil if there is none.
func (e *Element) Find(name string) *Element {
	if e == nil {
		return nil
	}
	if e.Name == name {
		return e
	}
	for _, c := range e.Children {
		if f := c.Find(name); f != nil {
			return f
		}
	}
	return nil
}

// Parse reads a whole document or fragment (one root element, with an
// optional declaration, comments and white space around it) into a tree.
func Parse(data []byte) (*Element, error) {
	return ParseReader(bytes.NewReader(data))
}

// ParseReader is Parse reading from r.
func ParseReader(r io.Reader) (*Element, error) {
	d := NewDecoder(r)
	var root *Element
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if root != nil {
				return nil, fmt.Errorf("element <%s> after the root element <%s>: a document has one root", t.Name.Local, root.Name)
			}
			root, err = ReadElement(d, t)
			if err != nil {
				return nil, err
			}
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return nil, errors.New("text outside the root element")
			}
		}
	}
	if root == nil {
		return nil, errors.New("no root element")
	}
	return root, nil
}

// ReadElement reads the element start opens from d, through its end tag,
// into a tree. It lets a caller that is walking a larger document with
// its own decoder hand one element to a parser that takes an *Element.
func ReadElement(d *xml.Decoder, start xml.StartElement) (*Element, error) {
	root := &Element{Name: start.Name.Local, Attrs: start.Attr}
	stack := []*Element{root}
	texts := []*strings.Builder{{}}
	count := 1
	for len(stack) > 0 {
		tok, err := d.Token()
		if err == io.EOF {
			return nil, fmt.Errorf("unexpected end of document: <%s> is not closed", stack[len(stack)-1].Name)
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) >= MaxDepth {
				return nil, fmt.Errorf("elements are nested more than %d deep", MaxDepth)
			}
			if count++; count > MaxElements {
				return nil, fmt.Errorf("more than %d elements", MaxElements)
			}
			e := &Element{Name: t.Name.Local, Attrs: t.Attr}
			top := stack[len(stack)-1]
			top.Children = append(top.Children, e)
			stack = append(stack, e)
			texts = append(texts, &strings.Builder{})
		case xml.EndElement:
			top := stack[len(stack)-1]
			top.Text = texts[len(texts)-1].String()
			stack = stack[:len(stack)-1]
			texts = texts[:len(texts)-1]
		case xml.CharData:
			texts[len(texts)-1].Write(t)
		}
	}
	return root, nil
}
