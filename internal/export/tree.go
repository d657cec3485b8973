package export

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxTreeNesting is the deepest bracket nesting ParseTree accepts.
// python-jenkins nests ten levels; Stapler itself has no limit.
const MaxTreeNesting = 64

// rangeAll is the upper bound of a range without one (Java's Integer.MAX_VALUE).
const rangeAll = math.MaxInt32

// Tree is a parsed tree= expression, as Stapler's NamedPathPruner reads it:
// the properties to write at one level, each with the tree for the level
// below and an optional index range. The zero value selects nothing.
type Tree struct {
	kids   []treeKid
	lo, hi int // the range {lo,hi}: lo inclusive, hi exclusive
}

type treeKid struct {
	name string
	sub  *Tree
}

// child returns the tree for the property called name: the entry of that
// exact name, else the "*" entry, else nil (the property is not written).
func (t *Tree) child(name string) *Tree {
	var star *Tree
	for i := range t.kids {
		k := &t.kids[i]
		if k.name == name {
			return k.sub
		}
		if k.name == "*" {
			star = k.sub
		}
	}
	return star
}

// put adds a child; a name given twice keeps its last subtree, as
// Stapler's TreeMap does.
func (t *Tree) put(name string, sub *Tree) {
	for i := range t.kids {
		if t.kids[i].name == name {
			t.kids[i].sub = sub
			return
		}
	}
	t.kids = append(t.kids, treeKid{name, sub})
}

// bounds applies the tree's range to a collection of n elements and
// returns the half-open index interval to write (Stapler's Range.apply).
func (t *Tree) bounds(n int) (lo, hi int) {
	if t == nil {
		return 0, n
	}
	hi = n
	if t.hi < hi {
		hi = t.hi
	}
	lo = t.lo
	if lo >= hi {
		return 0, 0
	}
	return lo, hi
}

// String renders the tree back as an expression: children in the order
// first given, ranges only where set. ParseTree(t.String()) equals t.
func (t *Tree) String() string {
	var b strings.Builder
	t.appendTo(&b)
	return b.String()
}

func (t *Tree) appendTo(b *strings.Builder) {
	for i, k := range t.kids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k.name)
		if len(k.sub.kids) > 0 {
			b.WriteByte('[')
			k.sub.appendTo(b)
			b.WriteByte(']')
		}
		switch s := k.sub; {
		case s.lo == 0 && s.hi == rangeAll:
		case s.hi == rangeAll:
			b.WriteString("{" + strconv.Itoa(s.lo) + ",}")
		default:
			b.WriteString("{" + strconv.Itoa(s.lo) + "," + strconv.Itoa(s.hi) + "}")
		}
	}
}

// TreeError is a malformed tree expression. Its message reads like
// Stapler's IllegalArgumentException, e.g. "expected RBRACE at 7"; Pos
// counts UTF-16 code units from the start, as Java does.
type TreeError struct {
	Pos  int
	What string // "name", "number", "RBRACE", "EOF", …
}

func (e *TreeError) Error() string {
	return "expected " + e.What + " at " + strconv.Itoa(e.Pos)
}

// ParseTree parses a tree= expression (already URL-decoded):
//
//	list  := node (',' list)?
//	node  := NAME ('[' list ']')? ('{' range '}')?
//	range := N | N ',' | ',' N | N ',' N
//
// A NAME is any run of characters other than , [ ] { } — spaces included,
// so "a, b" names " b", as in Stapler. "*" matches every property. A range
// {M,N} keeps elements M (inclusive) to N (exclusive) of an array value;
// {N} keeps element N only. Errors are *TreeError.
func ParseTree(s string) (*Tree, error) {
	p := treeParser{s: s}
	t := &Tree{hi: rangeAll}
	if err := p.list(t, 0); err != nil {
		return nil, err
	}
	if p.pos != len(s) {
		return nil, p.fail("EOF")
	}
	return t, nil
}

type treeParser struct {
	s   string
	pos int // byte offset of the next token
}

// fail builds an error at the current token, its position in UTF-16 units.
func (p *treeParser) fail(what string) error {
	n := 0
	for _, r := range p.s[:p.pos] {
		if r >= 0x10000 && r <= utf8.MaxRune {
			n += 2
		} else {
			n++
		}
	}
	return &TreeError{Pos: n, What: what}
}

// punct reports the separator at pos, or 0 for a name or the end.
func (p *treeParser) punct() byte {
	if p.pos < len(p.s) {
		switch c := p.s[p.pos]; c {
		case ',', '[', ']', '{', '}':
			return c
		}
	}
	return 0
}

// accept consumes separator c if it is next.
func (p *treeParser) accept(c byte) bool {
	if p.punct() == c && c != 0 {
		p.pos++
		return true
	}
	return false
}

// expect consumes separator c or fails naming the Stapler token.
func (p *treeParser) expect(c byte) error {
	if p.accept(c) {
		return nil
	}
	return p.fail(tokenName(c))
}

func tokenName(c byte) string {
	switch c {
	case ',':
		return "COMMA"
	case '[':
		return "LBRACE"
	case ']':
		return "RBRACE"
	case '{':
		return "QLBRACE"
	case '}':
		return "QRBRACE"
	}
	return "EOF"
}

// name consumes a name token; ok is false at a separator or the end.
func (p *treeParser) name() (string, bool) {
	if p.pos >= len(p.s) || p.punct() != 0 {
		return "", false
	}
	start := p.pos
	for p.pos < len(p.s) && p.punct() == 0 {
		p.pos++
	}
	return p.s[start:p.pos], true
}

func (p *treeParser) list(t *Tree, level int) error {
	for {
		if err := p.node(t, level); err != nil {
			return err
		}
		if !p.accept(',') {
			return nil
		}
	}
}

func (p *treeParser) node(t *Tree, level int) error {
	name, ok := p.name()
	if !ok {
		return p.fail("name")
	}
	sub := &Tree{hi: rangeAll}
	t.put(name, sub)
	if p.punct() == '[' {
		if level >= MaxTreeNesting {
			return p.fail("at most " + strconv.Itoa(MaxTreeNesting) + " levels of nesting")
		}
		p.pos++
		if err := p.list(sub, level+1); err != nil {
			return err
		}
		if err := p.expect(']'); err != nil {
			return err
		}
	}
	if p.accept('{') {
		if err := p.rng(sub); err != nil {
			return err
		}
		if err := p.expect('}'); err != nil {
			return err
		}
	}
	return nil
}

// rng parses the inside of {…}: {,N}, {N}, {N,} or {M,N}.
func (p *treeParser) rng(t *Tree) error {
	if p.accept(',') {
		n, err := p.number()
		t.lo, t.hi = 0, n
		return err
	}
	m, err := p.number()
	if err != nil {
		return err
	}
	if p.punct() == '}' {
		t.lo, t.hi = m, rangeAll
		if m < rangeAll {
			t.hi = m + 1
		}
		return nil
	}
	if err := p.expect(','); err != nil {
		return err
	}
	t.lo = m
	if p.punct() == '}' {
		t.hi = rangeAll
		return nil
	}
	t.hi, err = p.number()
	return err
}

// number consumes a name token made only of ASCII digits that fits a Java
// int.
func (p *treeParser) number() (int, error) {
	start := p.pos
	tok, ok := p.name()
	if !ok {
		return 0, p.fail("number")
	}
	n := 0
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		if c < '0' || c > '9' {
			p.pos = start
			return 0, p.fail("number")
		}
		n = n*10 + int(c-'0')
		if n > math.MaxInt32 {
			p.pos = start
			return 0, p.fail("number")
		}
	}
	return n, nil
}
