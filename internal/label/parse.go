package label

import (
	"errors"
	"fmt"
	"math/bits"
	"strings"
)

// Token types, numbered as Jenkins's generated LabelExpressionLexer
// numbers them: error messages list expected tokens in this order.
const (
	tEOF    = -1
	tAnd    = 1
	tOr     = 2
	tNot    = 3
	tImpl   = 4
	tIff    = 5
	tLParen = 6
	tRParen = 7
	tAtom   = 8
	tString = 10
)

// tokenNames are the display names ANTLR's vocabulary gives.
var tokenNames = map[int]string{
	tEOF: "<EOF>", tAnd: "'&&'", tOr: "'||'", tNot: "'!'", tImpl: "'->'", tIff: "'<->'",
	tLParen: "'('", tRParen: "')'", tAtom: "ATOM", tString: "STRINGLITERAL",
}

// set is a set of token types: bit 0 is EOF, bit t is type t.
type set uint32

func bit(t int) set { return 1 << uint(t+1) }

func (s set) has(t int) bool { return s&bit(t) != 0 }

// String is the set as ANTLR prints an IntervalSet with a vocabulary.
func (s set) String() string {
	var names []string
	for t := tEOF; t <= tString; t++ {
		if s.has(t) {
			names = append(names, tokenNames[t])
		}
	}
	if bits.OnesCount32(uint32(s)) == 1 {
		return names[0]
	}
	return "{" + strings.Join(names, ", ") + "}"
}

var (
	firstTerm5 = bit(tNot) | bit(tLParen) | bit(tAtom) | bit(tString)
	firstTerm6 = bit(tLParen) | bit(tAtom) | bit(tString)
)

type token struct {
	typ       int
	text      string // as written (with quotes for a string)
	line, col int
}

// lexer turns the expression into tokens, one at a time, as the ANTLR
// lexer does for the parser's lookahead: an error is found only when the
// parser asks for the token it would start.
type lexer struct {
	in        []rune
	pos       int
	line, col int
}

func (l *lexer) advance() {
	if l.in[l.pos] == '\n' {
		l.line++
		l.col = 0
	} else {
		l.col++
	}
	l.pos++
}

func (l *lexer) at(i int) rune {
	if i < len(l.in) {
		return l.in[i]
	}
	return -1
}

// errorDisplay is Lexer.getErrorDisplay.
func errorDisplay(rs []rune) string {
	var b strings.Builder
	for _, r := range rs {
		switch r {
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isIdentPart(r rune) bool {
	switch r {
	case '&', '|', '!', '<', '>', '(', ')', ' ', '\t', '"', '\'', '-', -1:
		return false
	}
	return true
}

func (l *lexer) next() (token, error) {
	for l.at(l.pos) == ' ' || l.at(l.pos) == '\t' {
		l.advance()
	}
	start, line, col := l.pos, l.line, l.col
	tok := func(typ, n int) token {
		for range n {
			l.advance()
		}
		return token{typ: typ, text: string(l.in[start:l.pos]), line: line, col: col}
	}
	// fail is the lexer's error when no token starts here: the text from
	// the token's start through the character it stopped at.
	fail := func(stuck int) error {
		end := min(stuck+1, len(l.in))
		return &SyntaxError{Line: line, Column: col, Msg: "token recognition error at: '" + errorDisplay(l.in[start:end]) + "'"}
	}
	c := l.at(start)
	switch c {
	case -1:
		return token{typ: tEOF, text: "<EOF>", line: line, col: col}, nil
	case '&', '|':
		if l.at(start+1) != c {
			return token{}, fail(start + 1)
		}
		if c == '&' {
			return tok(tAnd, 2), nil
		}
		return tok(tOr, 2), nil
	case '!':
		return tok(tNot, 1), nil
	case '(':
		return tok(tLParen, 1), nil
	case ')':
		return tok(tRParen, 1), nil
	case '<':
		if l.at(start+1) != '-' {
			return token{}, fail(start + 1)
		}
		if l.at(start+2) != '>' {
			return token{}, fail(start + 2)
		}
		return tok(tIff, 3), nil
	case '>', '\'':
		return token{}, fail(start)
	case '"':
		i := start + 1
		for {
			switch r := l.at(i); r {
			case -1, '\r', '\n':
				return token{}, fail(i)
			case '"':
				return tok(tString, i+1-start), nil
			case '\\':
				if !strings.ContainsRune(`btnfr"'\`, l.at(i+1)) || l.at(i+1) == -1 {
					return token{}, fail(i + 1)
				}
				i += 2
			default:
				i++
			}
		}
	case '-':
		if l.at(start+1) == '>' {
			return tok(tImpl, 2), nil
		}
	}
	i := start
	for {
		r := l.at(i)
		if r == '-' && l.at(i+1) != '>' || isIdentPart(r) {
			i++
			continue
		}
		break
	}
	if i == start {
		return token{}, fail(start)
	}
	return tok(tAtom, i-start), nil
}

// parser is a recursive-descent parser for the grammar of
// LabelExpressionParser.g4 that reports the first error as ANTLR's
// DefaultErrorStrategy would report it.
type parser struct {
	lex  lexer
	toks []token
	// ctxExpected is what ANTLR's sync remembers (nextTokensContext):
	// the tokens expected where an optional part was last skipped, used
	// for a later "mismatched input" message.
	ctxExpected set
	ctxSet      bool
	depth       int
}

// la is the i-th token ahead (1-based), lexing as needed.
func (p *parser) la(i int) (token, error) {
	for len(p.toks) < i {
		if n := len(p.toks); n > 0 && p.toks[n-1].typ == tEOF {
			p.toks = append(p.toks, p.toks[n-1])
			continue
		}
		t, err := p.lex.next()
		if err != nil {
			return token{}, err
		}
		p.toks = append(p.toks, t)
	}
	return p.toks[i-1], nil
}

func (p *parser) consume() { p.toks = p.toks[1:] }

// display is Parser.getTokenErrorDisplay.
func display(t token) string {
	return "'" + errorDisplay([]rune(t.text)) + "'"
}

func errAt(t token, format string, args ...any) error {
	return &SyntaxError{Line: t.line, Column: t.col, Msg: fmt.Sprintf(format, args...)}
}

// syncOptional is DefaultErrorStrategy.sync at a loop or an optional
// part: never an error, but it remembers what was expected there.
func (p *parser) syncOptional(first, follow set) error {
	t, err := p.la(1)
	if err != nil {
		return err
	}
	if first.has(t.typ) {
		p.ctxSet = false
		return nil
	}
	if !p.ctxSet {
		p.ctxSet, p.ctxExpected = true, first|follow
	}
	return nil
}

// syncBlock is sync at the start of a choice that must take one of its
// alternatives.
func (p *parser) syncBlock(first set) error {
	t, err := p.la(1)
	if err != nil {
		return err
	}
	if first.has(t.typ) {
		p.ctxSet = false
		return nil
	}
	t2, err := p.la(2)
	if err != nil {
		return err
	}
	if first.has(t2.typ) {
		return errAt(t, "extraneous input %s expecting %s", display(t), first)
	}
	return errAt(t, "mismatched input %s expecting %s", display(t), first)
}

// match consumes a token of type typ, or reports the error recoverInline
// would: extraneous, missing, or mismatched input. after is what may
// follow the token.
func (p *parser) match(typ int, after set) (token, error) {
	t, err := p.la(1)
	if err != nil {
		return token{}, err
	}
	if t.typ == typ {
		p.consume()
		return t, nil
	}
	t2, err := p.la(2)
	if err != nil {
		return token{}, err
	}
	if t2.typ == typ {
		return token{}, errAt(t, "extraneous input %s expecting %s", display(t), bit(typ))
	}
	if after.has(t.typ) {
		return token{}, errAt(t, "missing %s at %s", bit(typ), display(t))
	}
	want := bit(typ)
	if p.ctxSet {
		want = p.ctxExpected
	}
	return token{}, errAt(t, "mismatched input %s expecting %s", display(t), want)
}

// Parse reads a label expression (Label.parseExpression). The error is a
// *SyntaxError worded as Jenkins's, or an error for an expression longer
// than MaxLen or nested deeper than MaxDepth.
func Parse(expr string) (*Expr, error) {
	if len(expr) > MaxLen {
		return nil, fmt.Errorf("the label expression is %d bytes long; the limit is %d", len(expr), MaxLen)
	}
	p := &parser{lex: lexer{in: []rune(expr), line: 1}}
	e, err := p.term1(bit(tEOF))
	if err != nil {
		return nil, err
	}
	if _, err := p.match(tEOF, 0); err != nil {
		return nil, err
	}
	return e, nil
}

var errTooDeep = errors.New("the label expression is nested too deeply")

// term1 is a <-> b <-> …; follow is what may come after it.
func (p *parser) term1(follow set) (*Expr, error) {
	inner := bit(tIff) | follow
	l, err := p.term2(inner)
	if err != nil {
		return nil, err
	}
	for {
		if err := p.syncOptional(bit(tIff), follow); err != nil {
			return nil, err
		}
		if t, _ := p.la(1); t.typ != tIff {
			return l, nil
		}
		p.consume()
		r, err := p.term2(inner)
		if err != nil {
			return nil, err
		}
		l = &Expr{Op: OpIff, Lhs: l, Rhs: r}
	}
}

// term2 is a -> b, at most once.
func (p *parser) term2(follow set) (*Expr, error) {
	l, err := p.term3(bit(tImpl) | follow)
	if err != nil {
		return nil, err
	}
	if err := p.syncOptional(bit(tImpl), follow); err != nil {
		return nil, err
	}
	if t, _ := p.la(1); t.typ != tImpl {
		return l, nil
	}
	p.consume()
	r, err := p.term3(follow)
	if err != nil {
		return nil, err
	}
	return &Expr{Op: OpImplies, Lhs: l, Rhs: r}, nil
}

// term3 is a || b || ….
func (p *parser) term3(follow set) (*Expr, error) {
	return p.binary(bit(tOr), OpOr, follow, p.term4)
}

// term4 is a && b && ….
func (p *parser) term4(follow set) (*Expr, error) {
	return p.binary(bit(tAnd), OpAnd, follow, p.term5)
}

func (p *parser) binary(opTok set, op Op, follow set, operand func(set) (*Expr, error)) (*Expr, error) {
	inner := opTok | follow
	l, err := operand(inner)
	if err != nil {
		return nil, err
	}
	for {
		if err := p.syncOptional(opTok, follow); err != nil {
			return nil, err
		}
		if t, _ := p.la(1); !opTok.has(t.typ) {
			return l, nil
		}
		p.consume()
		r, err := operand(inner)
		if err != nil {
			return nil, err
		}
		l = &Expr{Op: op, Lhs: l, Rhs: r}
	}
}

// term5 is !a or a.
func (p *parser) term5(follow set) (*Expr, error) {
	if err := p.syncBlock(firstTerm5); err != nil {
		return nil, err
	}
	if t, _ := p.la(1); t.typ == tNot {
		p.consume()
		e, err := p.term6(follow)
		if err != nil {
			return nil, err
		}
		return &Expr{Op: OpNot, Lhs: e}, nil
	}
	return p.term6(follow)
}

// term6 is (expr), an atom or a quoted atom.
func (p *parser) term6(follow set) (*Expr, error) {
	if err := p.syncBlock(firstTerm6); err != nil {
		return nil, err
	}
	t, _ := p.la(1)
	p.consume()
	switch t.typ {
	case tAtom:
		return Atom(t.text), nil
	case tString:
		return Atom(unquote(t.text)), nil
	}
	// tLParen
	if p.depth++; p.depth > MaxDepth {
		return nil, errTooDeep
	}
	e, err := p.term1(bit(tRParen))
	if err != nil {
		return nil, err
	}
	p.depth--
	if _, err := p.match(tRParen, follow); err != nil {
		return nil, err
	}
	return &Expr{Op: OpParen, Lhs: e}, nil
}
