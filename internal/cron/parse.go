package cron

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Field indices, in the order of a cron line.
const (
	fieldMinute = iota
	fieldHour
	fieldDayOfMonth
	fieldMonth
	fieldDayOfWeek
)

// Inclusive bounds of each field (BaseParser.LOWER_BOUNDS / UPPER_BOUNDS).
var (
	lowerBounds = [5]int32{0, 0, 1, 1, 0}
	upperBounds = [5]int32{59, 23, 31, 12, 7}
	fieldNames  = [5]string{"minute", "hour", "day-of-month", "month", "day-of-week"}
)

// aliases are the @tokens of CrontabParser.g4 with the specs they stand for.
// They are parsed with the same hash stream as the rest of the spec.
var aliases = map[string]string{
	"yearly":   "H H H H *",
	"annually": "H H H H *",
	"monthly":  "H H H * *",
	"weekly":   "H H * * H",
	"daily":    "H H * * *",
	"midnight": "H H(0-2) * * *",
	"hourly":   "H * * * *",
}

// keywords are the lexer's keyword tokens (CrontabLexer.g4). None is a
// prefix of another.
var keywords = []string{"yearly", "annually", "monthly", "weekly", "daily", "midnight", "hourly"}

type tokKind int

const (
	tokEOF tokKind = iota
	tokNumber
	tokWS
	tokMinus
	tokStar
	tokDiv
	tokComma
	tokAt
	tokH
	tokLParen
	tokRParen
	tokKeyword
)

type token struct {
	kind tokKind
	text string
	col  int // 0-based position in the (trimmed) line, as ANTLR reports it
}

// lineError aborts parsing of one line; msg is what CronTab's exception
// message would be (usually "line L:C: ...").
type lineError struct{ msg string }

// parser parses one trimmed cron line. Tokens are lexed lazily, one token
// ahead of the parse position (two while choosing an alternative), as the
// ANTLR token stream does, so that when a line has several problems the one
// reported first is the one Jenkins reports.
type parser struct {
	src  string
	line int
	pos  int // lexer position in src
	toks []token
	i    int // index of the current token in toks
	hash hash
}

// parsedLine is one CronTab: bit i of a mask is set when value i matches.
type parsedLine struct {
	bits [5]uint64
	spec string // for sanity warnings; for an @alias it is the expansion, as in Jenkins
}

func (p *parser) fail(col int, msg string) {
	panic(lineError{fmt.Sprintf("line %d:%d: %s", p.line, col, msg)})
}

// lex reads one token at p.pos.
func (p *parser) lex() token {
	s, start := p.src, p.pos
	if start >= len(s) {
		return token{kind: tokEOF, text: "<EOF>", col: start}
	}
	end := start + 1
	var kind tokKind
	switch c := s[start]; {
	case c >= '0' && c <= '9':
		for end < len(s) && s[end] >= '0' && s[end] <= '9' {
			end++
		}
		kind = tokNumber
	case c == ' ' || c == '\t':
		for end < len(s) && (s[end] == ' ' || s[end] == '\t') {
			end++
		}
		kind = tokWS
	case c == '-':
		kind = tokMinus
	case c == '*':
		kind = tokStar
	case c == '/':
		kind = tokDiv
	case c == ',':
		kind = tokComma
	case c == '@':
		kind = tokAt
	case c == 'H':
		kind = tokH
	case c == '(':
		kind = tokLParen
	case c == ')':
		kind = tokRParen
	default:
		// Keywords: the lexer consumes characters while they can still
		// form a keyword. On failure ANTLR reports the text from the token
		// start up to and including the offending character.
		end = start
		for end < len(s) && isKeywordPrefix(s[start:end+1]) {
			end++
			if isKeyword(s[start:end]) {
				p.pos = end
				return token{kind: tokKeyword, text: s[start:end], col: start}
			}
		}
		if end < len(s) {
			_, n := utf8.DecodeRuneInString(s[end:])
			end += n
		}
		p.fail(start, "token recognition error at: '"+errorDisplay(s[start:end])+"'")
	}
	p.pos = end
	return token{kind: kind, text: s[start:end], col: start}
}

func isKeywordPrefix(s string) bool {
	for _, k := range keywords {
		if strings.HasPrefix(k, s) {
			return true
		}
	}
	return false
}

func isKeyword(s string) bool {
	_, ok := aliases[s]
	return ok
}

// errorDisplay is ANTLR's Lexer.getErrorDisplay.
func errorDisplay(s string) string {
	return strings.NewReplacer("\n", `\n`, "\t", `\t`, "\r", `\r`).Replace(s)
}

// la returns the k-th token from the current one (k >= 1), lexing as needed.
func (p *parser) la(k int) token {
	for len(p.toks) < p.i+k {
		if n := len(p.toks); n > 0 && p.toks[n-1].kind == tokEOF {
			p.toks = append(p.toks, p.toks[n-1])
			continue
		}
		p.toks = append(p.toks, p.lex())
	}
	return p.toks[p.i+k-1]
}

// consume moves past the current token and, like ANTLR's token stream,
// immediately lexes the next one.
func (p *parser) consume() {
	p.i++
	p.la(1)
}

func (p *parser) unexpected(t token, expected string) {
	what := "'" + errorDisplay(t.text) + "'"
	if t.kind == tokEOF {
		what = "end of line"
	}
	p.fail(t.col, "unexpected "+what+"; expected "+expected)
}

func (p *parser) expect(kind tokKind, expected string) {
	if t := p.la(1); t.kind != kind {
		p.unexpected(t, expected)
	}
	p.consume()
}

// number matches a TOKEN and converts it with Integer.parseInt semantics.
func (p *parser) number(expected string) int32 {
	t := p.la(1)
	if t.kind != tokNumber {
		p.unexpected(t, expected)
	}
	p.consume()
	v, err := strconv.ParseInt(t.text, 10, 32)
	if err != nil {
		// NumberFormatException escapes the ANTLR parser without a position.
		panic(lineError{`For input string: "` + t.text + `"`})
	}
	return int32(v)
}

// semantic reports a BaseParser error at the current token, which ANTLR
// uses as the offending token of the InputMismatchException.
func (p *parser) semantic(msg string) {
	p.fail(p.la(1).col, msg)
}

func (p *parser) rangeCheck(v int32, f int) {
	if v < lowerBounds[f] || upperBounds[f] < v {
		p.semantic(outOfRange(v, lowerBounds[f], upperBounds[f]))
	}
}

func outOfRange(v, lo, hi int32) string {
	return javaInt(v) + " is an invalid value. Must be within " + javaInt(lo) + " and " + javaInt(hi)
}

func mustBePositive(step int32) string {
	return "step must be positive, but found " + javaInt(step)
}

// javaInt formats an int the way java.text.MessageFormat does in English
// ("1,000").
func javaInt(v int32) string {
	s := strconv.FormatInt(int64(v), 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// fieldMask has the bits of every value a field can take when matching a
// date (day-of-week 0-6; 7 has been folded into 0).
func fieldMask(f int) uint64 {
	hi := upperBounds[f]
	if f == fieldDayOfWeek {
		hi = 6
	}
	return (uint64(1)<<(hi+1) - 1) &^ (uint64(1)<<lowerBounds[f] - 1)
}

// bit is Java's 1L << i: the shift distance is taken modulo 64.
func bit(i int32) uint64 { return 1 << (uint32(i) & 63) }

// doRange is BaseParser.doRange, including Java int overflow of i += step.
func (p *parser) doRange(start, end, step int32, f int) uint64 {
	p.rangeCheck(start, f)
	p.rangeCheck(end, f)
	if step <= 0 {
		p.semantic(mustBePositive(step))
	}
	if start > end {
		p.semantic("You mean " + javaInt(end) + "-" + javaInt(start) + "?")
	}
	var bits uint64
	// i += step may overflow for huge steps; Go's int32 wraps like Java's
	// int and the loop ends the same way (at most a few dozen rounds).
	for i := start; i <= end; i += step {
		bits |= bit(i)
	}
	return bits
}

// doHashField is BaseParser.doHash(step, field): H over the field's range,
// except that day-of-month uses 1-28 and day-of-week 0-6.
func (p *parser) doHashField(step int32, f int) uint64 {
	hi := upperBounds[f]
	switch f {
	case fieldDayOfMonth:
		hi = 28
	case fieldDayOfWeek:
		hi = 6
	}
	return p.doHash(lowerBounds[f], hi, step, f)
}

// doHash is BaseParser.doHash(s, e, step, field). A step of 1 (also when
// written as "/1") means "pick one value"; a larger step picks the first
// value in [s, s+step) and repeats every step up to e.
func (p *parser) doHash(s, e, step int32, f int) uint64 {
	p.rangeCheck(s, f)
	p.rangeCheck(e, f)
	switch {
	case step > e-s+1:
		p.semantic(outOfRange(step, 1, e-s+1))
	case step > 1:
		var bits uint64
		for i := p.hash.next(step) + s; i <= e; i += step {
			bits |= bit(i)
		}
		return bits
	case step <= 0:
		p.semantic(mustBePositive(step))
	}
	return bit(s + p.hash.next(e+1-s))
}

// term parses one element of a comma-separated list.
func (p *parser) term(f int) uint64 {
	const what = "a number, '*' or 'H'"
	step := int32(1) // BaseParser.NO_STEP
	t := p.la(1)
	switch t.kind {
	case tokNumber:
		if p.la(2).kind == tokMinus {
			s := p.number(what)
			p.consume()
			e := p.number("a number after '-'")
			if p.la(1).kind == tokDiv {
				p.consume()
				step = p.number("a number after '/'")
			}
			return p.doRange(s, e, step, f)
		}
		v := p.number(what)
		p.rangeCheck(v, f)
		return bit(v)
	case tokStar:
		p.consume()
		if p.la(1).kind == tokDiv {
			p.consume()
			step = p.number("a number after '/'")
		}
		return p.doRange(lowerBounds[f], upperBounds[f], step, f)
	case tokH:
		if p.la(2).kind == tokLParen {
			p.consume()
			p.consume()
			s := p.number("a number after 'H('")
			p.expect(tokMinus, "'-' in H(a-b)")
			e := p.number("a number after '-'")
			p.expect(tokRParen, "')' to close H(a-b)")
			if p.la(1).kind == tokDiv {
				p.consume()
				step = p.number("a number after '/'")
			}
			return p.doHash(s, e, step, f)
		}
		p.consume()
		if p.la(1).kind == tokDiv {
			p.consume()
			step = p.number("a number after '/'")
		}
		return p.doHashField(step, f)
	}
	p.unexpected(t, what+" in the "+fieldNames[f]+" field")
	return 0
}

// expr parses a comma-separated list of terms.
func (p *parser) expr(f int) uint64 {
	bits := p.term(f)
	for p.la(1).kind == tokComma {
		p.consume()
		bits |= p.term(f)
	}
	return bits
}

// startRule parses a whole line: five fields or an @alias.
func (p *parser) startRule() parsedLine {
	if p.la(1).kind == tokAt {
		p.consume()
		k := p.la(1)
		if k.kind != tokKeyword {
			p.unexpected(k, "one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly")
		}
		// ANTLR lexes the token after the keyword (and fails on an
		// unknown character there) but never looks further: anything after
		// the alias is ignored, as in Jenkins.
		p.consume()
		spec := aliases[k.text]
		return parseLine(spec, 1, p.hash)
	}
	var pl parsedLine
	for f := range pl.bits {
		pl.bits[f] = p.expr(f)
		if f < fieldDayOfWeek {
			p.expect(tokWS, "',' or a space followed by the "+fieldNames[f+1]+" field")
		}
	}
	p.expect(tokEOF, "',' or end of line after the day-of-week field")
	pl.spec = p.src
	return pl
}

// parseLine parses one trimmed, non-comment line (CronTab.set). It panics
// with lineError on invalid input.
func parseLine(src string, line int, h hash) parsedLine {
	p := &parser{src: src, line: line, hash: h}
	pl := p.startRule()
	// CronTab.set: the day-of-week field is an int; bit 7 (Sunday) moves to
	// bit 0.
	dow := uint64(uint32(pl.bits[fieldDayOfWeek]))
	if dow&(1<<7) != 0 {
		dow = (dow | 1) &^ (1 << 7)
	}
	pl.bits[fieldDayOfWeek] = dow
	// Bits outside a field's range can never match (Java's shift wraps, so
	// "1-59/2147483647" sets bit 63); drop them so searches stay in range.
	for f := range pl.bits {
		pl.bits[f] &= fieldMask(f)
	}
	return pl
}
