package git

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// A branch spec that starts with ":" is a java.util.regex.Pattern, and
// such specs commonly use what Go's regexp (RE2) lacks, lookahead above
// all (":^(?!origin/master$).*"). javaRegex is a small backtracking
// matcher for the Pattern syntax used in practice: literals and escapes
// (\Q…\E, \d, \w, \s, \p{…}, \x.., \u....), classes with ranges, unions
// and intersections, the anchors ^ $ \b \B \A \z \Z, groups (capturing,
// named, non-capturing, atomic), lookahead and lookbehind, alternation,
// greedy, lazy and possessive quantifiers, back references and the
// inline flags i, s, m, u, d and x. Matching is bounded: a pattern that
// needs more than maxRegexSteps steps on an input does not match it.

// maxRegexSteps bounds the work (and the recursion) of one match.
const maxRegexSteps = 200_000

// maxRegexLen bounds a pattern's length.
const maxRegexLen = 4096

type reNode interface{}

type (
	reLit struct {
		r    rune
		fold bool
	}
	reAny   struct{ dotall, unixLines bool }
	reClass struct {
		set  func(rune) bool
		fold bool
	}
	reConcat []reNode
	reAlt    []reNode
	reRepeat struct {
		sub                reNode
		min, max           int // max < 0: unbounded
		greedy, possessive bool
	}
	reGroup struct {
		sub   reNode
		index int // > 0: capturing
	}
	reLook struct {
		sub            reNode
		behind, negate bool
	}
	reAtomic struct{ sub reNode }
	reAssert struct {
		kind      byte // ^ $ A z Z b B
		multiline bool
		unixLines bool
	}
	reBackref struct {
		index int
		fold  bool
	}
)

// Java's pattern flags that change how later pieces are compiled.
type reFlags struct {
	i, s, m, u, d, x bool
}

type javaRegex struct {
	root    reNode
	ngroups int
}

type reParser struct {
	src     []rune
	pos     int
	ngroups int
	names   map[string]int
}

func compileJavaRegex(pattern string) (*javaRegex, error) {
	if len(pattern) > maxRegexLen {
		return nil, fmt.Errorf("the pattern is longer than %d characters", maxRegexLen)
	}
	p := &reParser{src: []rune(pattern), names: map[string]int{}}
	flags := reFlags{}
	n, err := p.alternation(&flags, 0)
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.src) {
		return nil, p.errorf("unmatched closing ')'")
	}
	return &javaRegex{root: n, ngroups: p.ngroups}, nil
}

func (p *reParser) errorf(format string, a ...any) error {
	return fmt.Errorf("%s near index %d", fmt.Sprintf(format, a...), p.pos)
}

func (p *reParser) more() bool { return p.pos < len(p.src) }
func (p *reParser) peek() rune {
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return -1
}

// skipComments skips white space and #-comments in COMMENTS (x) mode.
func (p *reParser) skipComments(f *reFlags) {
	if !f.x {
		return
	}
	for p.more() {
		c := p.peek()
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' {
			p.pos++
		} else if c == '#' {
			for p.more() && p.peek() != '\n' {
				p.pos++
			}
		} else {
			return
		}
	}
}

func (p *reParser) alternation(f *reFlags, depth int) (reNode, error) {
	if depth > 100 {
		return nil, p.errorf("groups are nested too deep")
	}
	var alts reAlt
	for {
		c, err := p.concat(f, depth)
		if err != nil {
			return nil, err
		}
		alts = append(alts, c)
		if p.peek() != '|' {
			break
		}
		p.pos++
	}
	if len(alts) == 1 {
		return alts[0], nil
	}
	return alts, nil
}

func (p *reParser) concat(f *reFlags, depth int) (reNode, error) {
	var seq reConcat
	for {
		p.skipComments(f)
		if !p.more() || p.peek() == '|' || p.peek() == ')' {
			return seq, nil
		}
		atom, err := p.atom(f, depth)
		if err != nil {
			return nil, err
		}
		if atom == nil { // a flag group (?i) or an empty \Q\E
			continue
		}
		if lits, ok := atom.(reConcat); ok { // \Q…\E: quantifiers apply to its last character
			if len(lits) == 0 {
				continue
			}
			seq = append(seq, lits[:len(lits)-1]...)
			atom = lits[len(lits)-1]
		}
		atom, err = p.quantifier(f, atom)
		if err != nil {
			return nil, err
		}
		seq = append(seq, atom)
	}
}

func (p *reParser) quantifier(f *reFlags, atom reNode) (reNode, error) {
	p.skipComments(f)
	min, max := 0, 0
	switch p.peek() {
	case '*':
		min, max = 0, -1
	case '+':
		min, max = 1, -1
	case '?':
		min, max = 0, 1
	case '{':
		save := p.pos
		p.pos++
		lo, ok := p.number()
		if !ok {
			p.pos = save
			return nil, p.errorf("illegal repetition")
		}
		min, max = lo, lo
		if p.peek() == ',' {
			p.pos++
			if p.peek() == '}' {
				max = -1
			} else if hi, ok := p.number(); ok {
				max = hi
			} else {
				return nil, p.errorf("illegal repetition")
			}
		}
		if p.peek() != '}' {
			return nil, p.errorf("unclosed counted closure")
		}
		if max >= 0 && max < min {
			return nil, p.errorf("illegal repetition range")
		}
	default:
		return atom, nil
	}
	p.pos++
	r := reRepeat{sub: atom, min: min, max: max, greedy: true}
	switch p.peek() {
	case '?':
		p.pos++
		r.greedy = false
	case '+':
		p.pos++
		r.possessive = true
	}
	if r.possessive {
		return reAtomic{sub: r}, nil
	}
	return r, nil
}

// number reads a decimal number of at most 9 digits.
func (p *reParser) number() (int, bool) {
	start := p.pos
	for p.more() && p.peek() >= '0' && p.peek() <= '9' {
		p.pos++
	}
	if p.pos == start || p.pos-start > 9 {
		return 0, false
	}
	n, _ := strconv.Atoi(string(p.src[start:p.pos]))
	return n, true
}

func (p *reParser) atom(f *reFlags, depth int) (reNode, error) {
	c := p.peek()
	p.pos++
	switch c {
	case '(':
		return p.group(f, depth)
	case '[':
		set, err := p.class(f)
		if err != nil {
			return nil, err
		}
		return reClass{set: set, fold: f.i}, nil
	case '.':
		return reAny{dotall: f.s, unixLines: f.d}, nil
	case '^':
		return reAssert{kind: '^', multiline: f.m, unixLines: f.d}, nil
	case '$':
		return reAssert{kind: '$', multiline: f.m, unixLines: f.d}, nil
	case '\\':
		return p.escape(f, false)
	case '*', '+', '?':
		return nil, p.errorf("dangling meta character '%c'", c)
	case '{':
		return nil, p.errorf("illegal repetition")
	}
	return reLit{r: c, fold: f.i}, nil
}

func (p *reParser) group(f *reFlags, depth int) (reNode, error) {
	inner := *f
	index := 0
	var wrap func(reNode) reNode
	if p.peek() == '?' {
		p.pos++
		switch c := p.peek(); {
		case c == ':':
			p.pos++
		case c == '=' || c == '!':
			p.pos++
			wrap = func(n reNode) reNode { return reLook{sub: n, negate: c == '!'} }
		case c == '>':
			p.pos++
			wrap = func(n reNode) reNode { return reAtomic{sub: n} }
		case c == '<':
			p.pos++
			switch d := p.peek(); d {
			case '=', '!':
				p.pos++
				wrap = func(n reNode) reNode { return reLook{sub: n, behind: true, negate: d == '!'} }
			default:
				start := p.pos
				for p.more() && (unicode.IsLetter(p.peek()) || unicode.IsDigit(p.peek())) && p.peek() < 128 {
					p.pos++
				}
				name := string(p.src[start:p.pos])
				if name == "" || p.peek() != '>' || !unicode.IsLetter(rune(name[0])) {
					return nil, p.errorf("named capturing group is missing trailing '>'")
				}
				p.pos++
				if _, dup := p.names[name]; dup {
					return nil, p.errorf("named capturing group <%s> is already defined", name)
				}
				p.ngroups++
				index = p.ngroups
				p.names[name] = index
			}
		default:
			// Inline flags: (?idmsux-idmsux) or (?flags:X).
			on := true
			for {
				c := p.peek()
				if c == ')' || c == ':' {
					break
				}
				p.pos++
				var dst *bool
				switch c {
				case '-':
					on = false
					continue
				case 'i':
					dst = &inner.i
				case 's':
					dst = &inner.s
				case 'm':
					dst = &inner.m
				case 'u':
					dst = &inner.u
				case 'd':
					dst = &inner.d
				case 'x':
					dst = &inner.x
				case 'U', 'c':
					continue // UNICODE_CHARACTER_CLASS, CANON_EQ: accepted, not applied
				default:
					return nil, p.errorf("unknown inline modifier")
				}
				*dst = on
			}
			if p.peek() == ')' {
				p.pos++
				*f = inner // applies to the rest of the enclosing group
				return nil, nil
			}
			p.pos++ // ':'
		}
	} else {
		p.ngroups++
		index = p.ngroups
	}
	sub, err := p.alternation(&inner, depth+1)
	if err != nil {
		return nil, err
	}
	if p.peek() != ')' {
		return nil, p.errorf("unclosed group")
	}
	p.pos++
	var n reNode = reGroup{sub: sub, index: index}
	if wrap != nil {
		n = wrap(n)
	}
	return n, nil
}

// escape reads what follows a backslash. inClass: inside [...], where
// only character escapes and classes are allowed.
func (p *reParser) escape(f *reFlags, inClass bool) (reNode, error) {
	if !p.more() {
		return nil, p.errorf("unexpected internal error: trailing backslash")
	}
	c := p.peek()
	p.pos++
	lit := func(r rune) (reNode, error) { return reLit{r: r, fold: f.i}, nil }
	class := func(set func(rune) bool) (reNode, error) { return reClass{set: set}, nil }
	switch c {
	case 't':
		return lit('\t')
	case 'n':
		return lit('\n')
	case 'r':
		return lit('\r')
	case 'f':
		return lit('\f')
	case 'a':
		return lit('\a')
	case 'e':
		return lit(0x1b)
	case '0':
		v, n := 0, 0
		for n < 3 && p.more() && p.peek() >= '0' && p.peek() <= '7' && v*8+int(p.peek()-'0') <= 0377 {
			v = v*8 + int(p.peek()-'0')
			p.pos++
			n++
		}
		if n == 0 {
			return nil, p.errorf("illegal octal escape sequence")
		}
		return lit(rune(v))
	case 'x':
		if p.peek() == '{' {
			p.pos++
			start := p.pos
			for p.more() && p.peek() != '}' {
				p.pos++
			}
			v, err := strconv.ParseUint(string(p.src[start:p.pos]), 16, 32)
			if !p.more() || err != nil || v > unicode.MaxRune {
				return nil, p.errorf("illegal hexadecimal escape sequence")
			}
			p.pos++
			return lit(rune(v))
		}
		return p.hex(2, lit)
	case 'u':
		return p.hex(4, lit)
	case 'c':
		if !p.more() {
			return nil, p.errorf("illegal control escape sequence")
		}
		r := p.peek() ^ 64
		p.pos++
		return lit(r)
	case 'd':
		return class(isDigitASCII)
	case 'D':
		return class(not(isDigitASCII))
	case 's':
		return class(isSpaceASCII)
	case 'S':
		return class(not(isSpaceASCII))
	case 'w':
		return class(isWordASCII)
	case 'W':
		return class(not(isWordASCII))
	case 'h':
		return class(isHSpace)
	case 'H':
		return class(not(isHSpace))
	case 'v':
		return class(isVSpace)
	case 'V':
		return class(not(isVSpace))
	case 'p', 'P':
		set, err := p.property()
		if err != nil {
			return nil, err
		}
		if c == 'P' {
			set = not(set)
		}
		return class(set)
	case 'Q':
		end := strings.Index(string(p.src[p.pos:]), `\E`)
		var quoted []rune
		if end < 0 {
			quoted = p.src[p.pos:]
			p.pos = len(p.src)
		} else {
			quoted = []rune(string(p.src[p.pos:])[:end])
			p.pos += len(quoted) + 2
		}
		if inClass {
			return nil, p.errorf(`\Q inside a character class is not supported`)
		}
		seq := reConcat{}
		for _, r := range quoted {
			seq = append(seq, reLit{r: r, fold: f.i})
		}
		return seq, nil
	}
	if !inClass {
		switch c {
		case 'b', 'B', 'A', 'z', 'Z':
			return reAssert{kind: byte(c), unixLines: f.d}, nil
		case 'G':
			return reAssert{kind: 'A'}, nil // one match from the start: \G is \A
		case 'k':
			if p.peek() != '<' {
				return nil, p.errorf(`\k is not followed by '<' for named capturing group`)
			}
			end := strings.IndexRune(string(p.src[p.pos:]), '>')
			if end < 0 {
				return nil, p.errorf("named capturing group is missing trailing '>'")
			}
			name := string(p.src[p.pos+1:])[:end-1]
			idx, ok := p.names[name]
			if !ok {
				return nil, p.errorf("named capturing group <%s> does not exist", name)
			}
			p.pos += len([]rune(name)) + 2
			return reBackref{index: idx, fold: f.i}, nil
		}
		if c >= '1' && c <= '9' {
			n := int(c - '0')
			// Java takes further digits while the number stays a group.
			for p.more() && p.peek() >= '0' && p.peek() <= '9' && n*10+int(p.peek()-'0') <= p.ngroups {
				n = n*10 + int(p.peek()-'0')
				p.pos++
			}
			return reBackref{index: n, fold: f.i}, nil
		}
	}
	if c < 128 && (unicode.IsLetter(c) || unicode.IsDigit(c)) {
		return nil, p.errorf("illegal/unsupported escape sequence")
	}
	return lit(c)
}

func (p *reParser) hex(n int, lit func(rune) (reNode, error)) (reNode, error) {
	if p.pos+n > len(p.src) {
		return nil, p.errorf("illegal hexadecimal escape sequence")
	}
	v, err := strconv.ParseUint(string(p.src[p.pos:p.pos+n]), 16, 32)
	if err != nil {
		return nil, p.errorf("illegal hexadecimal escape sequence")
	}
	p.pos += n
	return lit(rune(v))
}

// property reads \p{Name} or \pL.
func (p *reParser) property() (func(rune) bool, error) {
	var name string
	if p.peek() == '{' {
		end := strings.IndexRune(string(p.src[p.pos:]), '}')
		if end < 0 {
			return nil, p.errorf("unclosed character family")
		}
		name = string(p.src[p.pos+1:])[:end-1]
		p.pos += len([]rune(name)) + 2
	} else if p.more() {
		name = string(p.peek())
		p.pos++
	}
	posix := map[string]func(rune) bool{
		"Lower":          func(r rune) bool { return r >= 'a' && r <= 'z' },
		"Upper":          func(r rune) bool { return r >= 'A' && r <= 'Z' },
		"ASCII":          func(r rune) bool { return r < 128 },
		"Alpha":          func(r rune) bool { return r < 128 && unicode.IsLetter(r) },
		"Digit":          isDigitASCII,
		"Alnum":          func(r rune) bool { return r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)) },
		"Punct":          func(r rune) bool { return r < 128 && strings.ContainsRune("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", r) },
		"Graph":          func(r rune) bool { return r > 32 && r < 127 },
		"Print":          func(r rune) bool { return r >= 32 && r < 127 },
		"Blank":          func(r rune) bool { return r == ' ' || r == '\t' },
		"Cntrl":          func(r rune) bool { return r < 32 || r == 127 },
		"XDigit":         func(r rune) bool { return r < 128 && strings.ContainsRune("0123456789abcdefABCDEF", r) },
		"Space":          isSpaceASCII,
		"javaLowerCase":  unicode.IsLower,
		"javaUpperCase":  unicode.IsUpper,
		"javaWhitespace": unicode.IsSpace,
		"javaLetter":     unicode.IsLetter,
		"javaDigit":      unicode.IsDigit,
		"javaLetterOrDigit": func(r rune) bool {
			return unicode.IsLetter(r) || unicode.IsDigit(r)
		},
	}
	if set, ok := posix[name]; ok {
		return set, nil
	}
	n := strings.TrimPrefix(strings.TrimPrefix(name, "Is"), "general_category=")
	n = strings.TrimPrefix(n, "gc=")
	if t, ok := unicode.Categories[n]; ok {
		return func(r rune) bool { return unicode.Is(t, r) }, nil
	}
	sn := strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(name, "Is"), "script="), "sc=")
	if t, ok := unicode.Scripts[sn]; ok {
		return func(r rune) bool { return unicode.Is(t, r) }, nil
	}
	switch n {
	case "Alphabetic":
		return unicode.IsLetter, nil
	case "Letter":
		return unicode.IsLetter, nil
	case "Uppercase":
		return unicode.IsUpper, nil
	case "Lowercase":
		return unicode.IsLower, nil
	case "White_Space", "WhiteSpace":
		return unicode.IsSpace, nil
	}
	return nil, p.errorf("unknown character property name {%s}", name)
}

// class reads a character class after its '['.
func (p *reParser) class(f *reFlags) (func(rune) bool, error) {
	negate := false
	if p.peek() == '^' {
		negate = true
		p.pos++
	}
	var union []func(rune) bool
	var result func(rune) bool // the left side of a pending &&
	first := true
	for {
		if !p.more() {
			return nil, p.errorf("unclosed character class")
		}
		c := p.peek()
		if c == ']' && !first {
			p.pos++
			break
		}
		first = false
		if f.x && (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			p.pos++
			continue
		}
		if c == '[' {
			p.pos++
			set, err := p.class(f)
			if err != nil {
				return nil, err
			}
			union = append(union, set)
			continue
		}
		if c == '&' && p.pos+1 < len(p.src) && p.src[p.pos+1] == '&' {
			p.pos += 2
			left := unionOf(union)
			if result != nil {
				prev := result
				l := left
				left = func(r rune) bool { return prev(r) && l(r) }
			}
			result, union = left, nil
			continue
		}
		lo, set, err := p.classAtom(f)
		if err != nil {
			return nil, err
		}
		if set != nil {
			union = append(union, set)
			continue
		}
		if p.peek() == '-' && p.pos+1 < len(p.src) && p.src[p.pos+1] != ']' && p.src[p.pos+1] != '[' {
			p.pos++
			hi, hset, err := p.classAtom(f)
			if err != nil {
				return nil, err
			}
			if hset != nil || hi < lo {
				return nil, p.errorf("illegal character range")
			}
			l, h := lo, hi
			union = append(union, func(r rune) bool { return r >= l && r <= h })
			continue
		}
		l := lo
		union = append(union, func(r rune) bool { return r == l })
	}
	set := unionOf(union)
	if result != nil {
		prev, s := result, set
		set = func(r rune) bool { return prev(r) && s(r) }
	}
	if negate {
		set = not(set)
	}
	return set, nil
}

// classAtom reads one character of a class, or a predefined class.
func (p *reParser) classAtom(f *reFlags) (rune, func(rune) bool, error) {
	c := p.peek()
	p.pos++
	if c != '\\' {
		return c, nil, nil
	}
	n, err := p.escape(&reFlags{}, true)
	if err != nil {
		return 0, nil, err
	}
	switch n := n.(type) {
	case reLit:
		return n.r, nil, nil
	case reClass:
		return 0, n.set, nil
	}
	return 0, nil, p.errorf("illegal escape in a character class")
}

func unionOf(sets []func(rune) bool) func(rune) bool {
	return func(r rune) bool {
		for _, s := range sets {
			if s(r) {
				return true
			}
		}
		return false
	}
}

func not(f func(rune) bool) func(rune) bool { return func(r rune) bool { return !f(r) } }

func isDigitASCII(r rune) bool { return r >= '0' && r <= '9' }
func isSpaceASCII(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\v' || r == '\f' || r == '\r'
}
func isWordASCII(r rune) bool {
	return r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
}
func isHSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == 0xA0 || r == 0x1680 || r == 0x180e || r >= 0x2000 && r <= 0x200a ||
		r == 0x202f || r == 0x205f || r == 0x3000
}
func isVSpace(r rune) bool {
	return r == '\n' || r == '\v' || r == '\f' || r == '\r' || r == 0x85 || r == 0x2028 || r == 0x2029
}

func isLineTerm(r rune, unixLines bool) bool {
	if unixLines {
		return r == '\n'
	}
	return r == '\n' || r == '\r' || r == 0x85 || r == 0x2028 || r == 0x2029
}

// foldEq compares two runes ignoring case (Java's CASE_INSENSITIVE with
// Unicode folding; the difference from ASCII-only folding does not
// matter for branch names).
func foldEq(a, b rune) bool {
	if a == b {
		return true
	}
	return unicode.SimpleFold(a) == b || unicode.ToLower(a) == unicode.ToLower(b) || unicode.ToUpper(a) == unicode.ToUpper(b)
}

var errRegexBudget = errors.New("the regular expression needs too many steps")

type reMatcher struct {
	in    []rune
	caps  []int
	steps int
}

// matches reports whether the pattern matches the whole of s, as
// Matcher.matches does. It returns false (and errRegexBudget) when the
// match would take more than maxRegexSteps steps.
func (re *javaRegex) matches(s string) (bool, error) {
	m := &reMatcher{in: []rune(s), caps: make([]int, 2*(re.ngroups+1))}
	for i := range m.caps {
		m.caps[i] = -1
	}
	ok := m.match(re.root, 0, func(i int) bool { return i == len(m.in) })
	if m.steps > maxRegexSteps {
		return false, errRegexBudget
	}
	return ok, nil
}

func (m *reMatcher) match(n reNode, i int, k func(int) bool) bool {
	m.steps++
	if m.steps > maxRegexSteps {
		return false
	}
	switch n := n.(type) {
	case reLit:
		if i < len(m.in) && (m.in[i] == n.r || n.fold && foldEq(m.in[i], n.r)) {
			return k(i + 1)
		}
		return false
	case reAny:
		if i < len(m.in) && (n.dotall || !isLineTerm(m.in[i], n.unixLines)) {
			return k(i + 1)
		}
		return false
	case reClass:
		if i >= len(m.in) {
			return false
		}
		r := m.in[i]
		if n.set(r) || n.fold && (n.set(unicode.ToLower(r)) || n.set(unicode.ToUpper(r))) {
			return k(i + 1)
		}
		return false
	case reConcat:
		return m.seq(n, 0, i, k)
	case reAlt:
		for _, a := range n {
			if m.match(a, i, k) {
				return true
			}
			if m.steps > maxRegexSteps {
				return false
			}
		}
		return false
	case reGroup:
		if n.index == 0 {
			return m.match(n.sub, i, k)
		}
		s0, e0 := m.caps[2*n.index], m.caps[2*n.index+1]
		if m.match(n.sub, i, func(j int) bool {
			ps, pe := m.caps[2*n.index], m.caps[2*n.index+1]
			m.caps[2*n.index], m.caps[2*n.index+1] = i, j
			if k(j) {
				return true
			}
			m.caps[2*n.index], m.caps[2*n.index+1] = ps, pe
			return false
		}) {
			return true
		}
		m.caps[2*n.index], m.caps[2*n.index+1] = s0, e0
		return false
	case reRepeat:
		return m.repeat(n, 0, i, k)
	case reAtomic:
		end := -1
		saved := append([]int(nil), m.caps...)
		if !m.match(n.sub, i, func(j int) bool { end = j; return true }) {
			return false
		}
		if k(end) {
			return true
		}
		copy(m.caps, saved)
		return false
	case reLook:
		saved := append([]int(nil), m.caps...)
		var ok bool
		if n.behind {
			for j := i; j >= 0 && !ok; j-- {
				ok = m.match(n.sub, j, func(e int) bool { return e == i })
			}
		} else {
			ok = m.match(n.sub, i, func(int) bool { return true })
		}
		if ok == n.negate {
			copy(m.caps, saved)
			return false
		}
		if n.negate {
			copy(m.caps, saved)
		}
		if k(i) {
			return true
		}
		copy(m.caps, saved)
		return false
	case reAssert:
		if m.assert(n, i) {
			return k(i)
		}
		return false
	case reBackref:
		if n.index >= len(m.caps)/2 {
			return false
		}
		s, e := m.caps[2*n.index], m.caps[2*n.index+1]
		if s < 0 {
			return false
		}
		j := i
		for x := s; x < e; x++ {
			if j >= len(m.in) || !(m.in[j] == m.in[x] || n.fold && foldEq(m.in[j], m.in[x])) {
				return false
			}
			j++
		}
		return k(j)
	}
	return false
}

func (m *reMatcher) seq(s reConcat, idx, i int, k func(int) bool) bool {
	if idx == len(s) {
		return k(i)
	}
	return m.match(s[idx], i, func(j int) bool { return m.seq(s, idx+1, j, k) })
}

func (m *reMatcher) repeat(n reRepeat, count, i int, k func(int) bool) bool {
	m.steps++
	if m.steps > maxRegexSteps {
		return false
	}
	more := func() bool {
		if n.max >= 0 && count >= n.max {
			return false
		}
		return m.match(n.sub, i, func(j int) bool {
			if j == i && count >= n.min {
				return false // an empty iteration cannot make progress
			}
			return m.repeat(n, count+1, j, k)
		})
	}
	if n.greedy {
		if more() {
			return true
		}
		return count >= n.min && k(i)
	}
	if count >= n.min && k(i) {
		return true
	}
	return more()
}

func (m *reMatcher) assert(n reAssert, i int) bool {
	in := m.in
	switch n.kind {
	case '^':
		if i == 0 {
			return true
		}
		return n.multiline && i < len(in) && isLineTerm(in[i-1], n.unixLines) &&
			!(in[i-1] == '\r' && in[i] == '\n')
	case '$', 'Z':
		if n.kind == '$' && n.multiline {
			return i == len(in) || isLineTerm(in[i], n.unixLines) && !(i > 0 && in[i-1] == '\r' && in[i] == '\n')
		}
		switch len(in) - i {
		case 0:
			return true
		case 1:
			return isLineTerm(in[i], n.unixLines)
		case 2:
			return !n.unixLines && in[i] == '\r' && in[i+1] == '\n'
		}
		return false
	case 'A':
		return i == 0
	case 'z':
		return i == len(in)
	case 'b', 'B':
		word := func(j int) bool {
			return j >= 0 && j < len(in) && (unicode.IsLetter(in[j]) || unicode.IsDigit(in[j]) || in[j] == '_')
		}
		at := word(i-1) != word(i)
		return at == (n.kind == 'b')
	}
	return false
}
