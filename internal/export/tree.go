package export

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The bounds ParseTree enforces; Stapler itself has none. The largest
// trees clients send (python-jenkins nests ten levels of jobs, Backstage
// asks for some forty names) are far below them.
const (
	// MaxTreeNesting is the deepest bracket nesting ParseTree accepts.
	MaxTreeNesting = 64
	// MaxTreeBytes is the longest expression ParseTree accepts.
	MaxTreeBytes = 16 << 10
	// MaxTreeNames is the most names one expression may hold.
	MaxTreeNames = 2048
)

// indexFrom is how many children a level holds before it gets a map from
// name to child: below it a scan is faster, above it parsing and lookups
// stay linear however many names a level has.
const indexFrom = 8

// rangeAll is the upper bound of a range without one (Java's Integer.MAX_VALUE).
const rangeAll = math.MaxInt32

// Tree is a parsed tree= expression, as Stapler's NamedPathPruner reads it:
// the properties to write at one level, each with the tree for the level
// below and an optional index range. The zero value selects nothing.
type Tree struct {
	kids   []treeKid
	index  map[string]int // name → position in kids; nil up to indexFrom kids
	lo, hi int            // the range {lo,hi}: lo inclusive, hi exclusive
}

type treeKid struct {
	name string
	sub  *Tree
}

// child returns the tree for the property called name: the entry of that
// exact name, else the "*" entry, else nil (the property is not written).
func (t *Tree) child(name string) *Tree {
	if i := t.find(name); i >= 0 {
		return t.kids[i].sub
	}
	if i := t.find("*"); i >= 0 {
		return t.kids[i].sub
	}
	return nil
}

// find returns the position of the child called name, or -1.
func (t *Tree) find(name string) int {
	if t.index != nil {
		if i, ok := t.index[name]; ok {
			return i
		}
		return -1
	}
	for i := range t.kids {
		if t.kids[i].name == name {
			return i
		}
	}
	return -1
}

// put adds a child; a name given twice keeps its last subtree (and its
// first position), as Stapler's TreeMap does.
func (t *Tree) put(name string, sub *Tree) {
	if i := t.find(name); i >= 0 {
		t.kids[i].sub = sub
		return
	}
	t.kids = append(t.kids, treeKid{name, sub})
	switch {
	case t.index != nil:
		t.index[name] = len(t.kids) - 1
	case len(t.kids) > indexFrom:
		t.index = make(map[string]int, 2*len(t.kids))
		for i, k := range t.kids {
			t.index[k.name] = i
		}
	}
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
//
// An expression longer than MaxTreeBytes, with more than MaxTreeNames
// names or nested deeper than MaxTreeNesting is refused; parsing costs
// time linear in the expression's length.
func ParseTree(s string) (*Tree, error) {
	t, _, err := parseTree(s, MaxTreeBytes, MaxTreeNames)
	return t, err
}

// parseTree parses s under the given bounds and also returns how many
// names it read.
func parseTree(s string, maxBytes, maxNames int) (*Tree, int, error) {
	p := treeParser{s: s, maxNames: maxNames}
	if len(s) > maxBytes {
		p.pos = maxBytes
		return nil, 0, p.fail("at most " + strconv.Itoa(maxBytes) + " bytes")
	}
	t := &Tree{hi: rangeAll}
	if err := p.list(t, 0); err != nil {
		return nil, p.names, err
	}
	if p.pos != len(s) {
		return nil, p.names, p.fail("EOF")
	}
	return t, p.names, nil
}

type treeParser struct {
	s        string
	pos      int // byte offset of the next token
	names    int // names read so far
	maxNames int
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
	start := p.pos
	name, ok := p.name()
	if !ok {
		return p.fail("name")
	}
	if p.names++; p.names > p.maxNames {
		p.pos = start
		return p.fail("at most " + strconv.Itoa(p.maxNames) + " names")
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
