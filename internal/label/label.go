// Package label is Jenkins's label expressions: the language jobs use to
// say where they may run (hudson/model/labels/LabelExpression*.g4 in
// Jenkins core), the atoms a node carries, and the queue's choice of a
// node for a task (LoadBalancer.CONSISTENT_HASH) with the texts Jenkins
// shows for why a task waits.
//
// # Expressions
//
// Parse reads an expression with Jenkins's grammar, loosest binding first:
//
//	a <-> b     iff, left-associative, may repeat
//	a -> b      implies (!a || b); at most one per level: a->b->c is an error
//	a || b
//	a && b
//	!a          one "!" per term: "!!a" needs parentheses, "!(!a)"
//	(a)  atom  "quoted atom"
//
// An atom is a run of characters other than & | ! < > ( ) " ' space and
// tab, where '-' counts unless a '>' follows it: "a-b" is one atom, "a->b"
// an implication. A quoted atom takes the escapes \b \t \n \f \r \" \' \\.
// Errors are worded as Jenkins words them, "line 1:4: extraneous input
// 'bar' expecting <EOF>" (Jenkins shows them after "Invalid boolean
// expression: "). ParseLax is Jenkins.getLabel: an expression that does
// not parse is one atom.
//
// An Expr's String is Jenkins's Label.getName(): operators without spaces,
// the user's parentheses kept, atoms quoted when they need it ("abc def"
// becomes "\"abc def\""). Matches evaluates it against a node's atoms
// (case-sensitive); Atoms lists the atoms it names.
//
// # Nodes
//
// ParseAtoms splits a node's label string as Jenkins does (whitespace,
// quotes allowed). A node also carries its own name as a label: NodeAtoms
// gives the full set.
//
// # Choosing a node
//
// Order is LoadBalancer.CONSISTENT_HASH: each candidate node gets 100
// points per idle executor on a hash ring keyed by the node's name; the
// task's affinity key (a job's full name, "folder/job") picks the start,
// and nodes come in ring order from there. A job therefore keeps to one
// node (and its workspace) while that node has a free executor.
//
// Why gives the text Jenkins shows for a buildable task that waits
// (Queue.BuildableItem.getCauseOfBlockage), and CanTake a node's refusal
// (Node.canTake).
//
// This package imports nothing else of jeeves.
package label

import (
	"fmt"
	"strings"
	"unicode"
)

// Precedence orders operators from the tightest (Atom) to the loosest
// (Iff), as Jenkins's LabelOperatorPrecedence.
type Precedence int

// The precedences.
const (
	PrecAtom Precedence = iota
	PrecNot
	PrecAnd
	PrecOr
	PrecImplies
	PrecIff
)

// Op is an expression node's kind.
type Op int

// The kinds of expression nodes.
const (
	OpAtom Op = iota
	OpNot
	OpParen
	OpAnd
	OpOr
	OpImplies
	OpIff
)

// Expr is a parsed label expression. Its zero value is not valid; use
// Parse, ParseLax or Atom.
type Expr struct {
	Op       Op
	Name     string // OpAtom: the atom, unquoted
	Lhs, Rhs *Expr  // OpNot and OpParen use Lhs only
}

// Atom is the expression of one atom.
func Atom(name string) *Expr { return &Expr{Op: OpAtom, Name: name} }

func (e *Expr) precedence() Precedence {
	switch e.Op {
	case OpNot:
		return PrecNot
	case OpAnd:
		return PrecAnd
	case OpOr:
		return PrecOr
	case OpImplies:
		return PrecImplies
	case OpIff:
		return PrecIff
	}
	return PrecAtom // atoms and parentheses
}

var opText = map[Op]string{OpAnd: "&&", OpOr: "||", OpImplies: "->", OpIff: "<->"}

// String is the expression as Jenkins names it (Label.getName of a
// LabelExpression, getExpression of an atom).
func (e *Expr) String() string {
	var b strings.Builder
	e.write(&b)
	return b.String()
}

func (e *Expr) write(b *strings.Builder) {
	switch e.Op {
	case OpAtom:
		b.WriteString(Escape(e.Name))
	case OpParen:
		b.WriteByte('(')
		e.Lhs.write(b)
		b.WriteByte(')')
	case OpNot:
		b.WriteByte('!')
		e.Lhs.writeIn(b, PrecNot)
	default:
		p := e.precedence()
		e.Lhs.writeIn(b, p)
		b.WriteString(opText[e.Op])
		e.Rhs.writeIn(b, p)
	}
}

// writeIn writes e as an operand of an operator of precedence p, in
// parentheses when e binds more loosely (LabelExpression.paren).
func (e *Expr) writeIn(b *strings.Builder, p Precedence) {
	if p < e.precedence() {
		b.WriteByte('(')
		e.write(b)
		b.WriteByte(')')
		return
	}
	e.write(b)
}

// DisplayName is what Jenkins calls Label.getName(): an atom's own name
// unquoted, an expression's String.
func (e *Expr) DisplayName() string {
	if e.Op == OpAtom {
		return e.Name
	}
	return e.String()
}

// Matches reports whether a node carrying the atoms in has matches e.
func (e *Expr) Matches(has func(atom string) bool) bool {
	switch e.Op {
	case OpAtom:
		return has(e.Name)
	case OpParen:
		return e.Lhs.Matches(has)
	case OpNot:
		return !e.Lhs.Matches(has)
	case OpAnd:
		return e.Lhs.Matches(has) && e.Rhs.Matches(has)
	case OpOr:
		return e.Lhs.Matches(has) || e.Rhs.Matches(has)
	case OpImplies:
		return !e.Lhs.Matches(has) || e.Rhs.Matches(has)
	case OpIff:
		return e.Lhs.Matches(has) == e.Rhs.Matches(has)
	}
	return false
}

// MatchesSet reports whether a node carrying the atoms of set matches e.
func (e *Expr) MatchesSet(set map[string]bool) bool {
	return e.Matches(func(a string) bool { return set[a] })
}

// Atoms lists the atoms e names, each once, in the order they appear.
func (e *Expr) Atoms() []string {
	var out []string
	seen := map[string]bool{}
	var walk func(*Expr)
	walk = func(x *Expr) {
		if x == nil {
			return
		}
		if x.Op == OpAtom {
			if !seen[x.Name] {
				seen[x.Name] = true
				out = append(out, x.Name)
			}
			return
		}
		walk(x.Lhs)
		walk(x.Rhs)
	}
	walk(e)
	return out
}

// IsAtom reports whether e is a single atom.
func (e *Expr) IsAtom() bool { return e.Op == OpAtom }

// unsafeNameChars are the characters Jenkins.checkGoodName refuses.
const unsafeNameChars = `?*/\%!@#$^&|<>[]:;`

// NeedsEscape reports whether an atom must be quoted in an expression
// (LabelAtom.needsEscape): it is not a good Jenkins name (empty, "." or
// "..", a control character, one of ?*/\%!@#$^&|<>[]:; or a trailing
// '.'), or it holds a space, a tab, a newline or a parenthesis. jeeves
// also quotes an atom holding a quote character (' or "), which Jenkins
// prints bare and then cannot read back.
func NeedsEscape(name string) bool {
	t := strings.TrimSpace(name)
	if name == "" || t == "." || t == ".." || strings.HasSuffix(t, ".") {
		return true
	}
	for _, r := range name {
		if unicode.IsControl(r) || strings.ContainsRune(unsafeNameChars, r) || strings.ContainsRune(" ()\t\n'\"", r) {
			return true
		}
	}
	return false
}

// Escape is an atom as it appears in an expression (LabelAtom.escape):
// as is, or double-quoted with " \ \n \r \t \f \b escaped.
func Escape(name string) string {
	if !NeedsEscape(name) {
		return name
	}
	return Quote(name)
}

// Quote double-quotes s as Jenkins's QuotedStringTokenizer.quote does.
func Quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\f':
			b.WriteString(`\f`)
		case '\b':
			b.WriteString(`\b`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// unquote is QuotedStringTokenizer.unquote: s without its surrounding
// quotes (double or single, the same at both ends), escapes resolved; s
// itself when it is not quoted.
func unquote(s string) string {
	if len(s) < 2 {
		return s
	}
	first, last := s[0], s[len(s)-1]
	if first != last || (first != '"' && first != '\'') {
		return s
	}
	var b strings.Builder
	esc := false
	rs := []rune(s[1 : len(s)-1])
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		if !esc {
			if c == '\\' {
				esc = true
			} else {
				b.WriteRune(c)
			}
			continue
		}
		esc = false
		switch c {
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'f':
			b.WriteByte('\f')
		case 'b':
			b.WriteByte('\b')
		case 'u':
			if v, ok := hex4(rs[i+1:]); ok {
				b.WriteRune(v)
				i += 4
				continue
			}
			b.WriteRune(c)
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

// hex4 reads four hex digits at the start of rs.
func hex4(rs []rune) (rune, bool) {
	if len(rs) < 4 {
		return 0, false
	}
	var v rune
	for _, r := range rs[:4] {
		d := hexVal(r)
		if d < 0 {
			return 0, false
		}
		v = v<<4 | rune(d)
	}
	return v, true
}

func hexVal(r rune) int {
	switch {
	case r >= '0' && r <= '9':
		return int(r - '0')
	case r >= 'a' && r <= 'f':
		return int(r-'a') + 10
	case r >= 'A' && r <= 'F':
		return int(r-'A') + 10
	}
	return -1
}

// ParseAtoms splits a node's label string into its atoms as Jenkins's
// Label.parse does: separated by whitespace, where a part in double or
// single quotes may hold whitespace (the quotes are removed, and within
// them a backslash escapes the next character). Each atom appears once,
// in the order given.
func ParseAtoms(labels string) []string {
	var out []string
	seen := map[string]bool{}
	var cur strings.Builder
	have := false
	var quote rune
	esc := false
	flush := func() {
		if have && !seen[cur.String()] {
			seen[cur.String()] = true
			out = append(out, cur.String())
		}
		cur.Reset()
		have = false
	}
	for _, r := range labels {
		switch {
		case quote != 0 && esc:
			esc = false
			cur.WriteRune(r)
		case quote != 0 && r == '\\':
			esc = true
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '"' || r == '\'':
			quote, have = r, true
		case r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f':
			flush()
		default:
			cur.WriteRune(r)
			have = true
		}
	}
	flush()
	return out
}

// NodeAtoms is the set of atoms a node matches: those of its label string
// and its own name (Node.getAssignedLabels). The built-in node's name is
// "built-in".
func NodeAtoms(nodeName, labels string) map[string]bool {
	set := map[string]bool{}
	for _, a := range ParseAtoms(labels) {
		set[a] = true
	}
	if nodeName != "" {
		set[nodeName] = true
	}
	return set
}

// SyntaxError is an expression that does not parse, worded as Jenkins
// words it (its ANTLR error listener): "line L:C: message".
type SyntaxError struct {
	Line, Column int // 1-based line; 0-based column in characters
	Msg          string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("line %d:%d: %s", e.Line, e.Column, e.Msg) }

// InvalidMessage is the message Jenkins's form check shows for an
// expression that does not parse (LabelExpression.validate).
func InvalidMessage(err error) string { return "Invalid boolean expression: " + err.Error() }

// MaxLen bounds an expression Parse reads, in bytes; and MaxDepth its
// nesting of parentheses. Longer or deeper ones are refused.
const (
	MaxLen   = 64 << 10
	MaxDepth = 256
)

// ParseLax is Jenkins.getLabel: an expression in quotes is unquoted
// first; one that does not parse is taken as a single atom. An empty (or
// all-blank) expression gives nil: any node.
func ParseLax(expr string) *Expr {
	if strings.TrimSpace(expr) == "" {
		return nil
	}
	expr = unquote(expr)
	e, err := Parse(expr)
	if err != nil {
		return Atom(expr)
	}
	return e
}
