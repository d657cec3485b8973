package junit

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jeeves-ci/jeeves/internal/jxml"
)

// The plugin's cuts of standard output and error: the head and the tail
// it keeps of a passing case's, and of a failing case's
// (CaseResult.HALF_MAX_SIZE, HALF_MAX_FAILING_SIZE), in UTF-16 units.
const (
	halfMaxSize        = 500
	halfMaxFailingSize = 50000
)

// Limits bound what parsing keeps; Jenkins keeps everything it is given.
type Limits struct {
	// MaxStdio bounds, in UTF-16 units, a standard output or error the
	// retention keeps whole; past it the head and tail of MaxStdio/2 each
	// are kept, with the plugin's truncation marker.
	MaxStdio int
	// MaxText bounds every other text (stack traces, messages, property
	// values) alike.
	MaxText int
	// MaxCases bounds the cases of one report (all files together).
	MaxCases int
	// MaxRetained bounds the bytes of text one report keeps.
	MaxRetained int64
	// MaxDepth bounds element nesting.
	MaxDepth int
}

// DefaultLimits are the bounds Record uses unless told otherwise.
var DefaultLimits = Limits{
	MaxStdio:    4 << 20,
	MaxText:     1 << 20,
	MaxCases:    1_000_000,
	MaxRetained: 512 << 20,
	MaxDepth:    1000,
}

// ErrTooLarge is matched by the error Parse returns when a report
// exceeds a Limits bound.
var ErrTooLarge = errors.New("test report too large")

// SyntaxError is a report that is not well-formed XML: Jenkins records
// such a .xml file as a failed case "[failed-to-read]".
type SyntaxError struct {
	Err error
}

func (e *SyntaxError) Error() string { return e.Err.Error() }
func (e *SyntaxError) Unwrap() error { return e.Err }

// ErrNoName is matched by the error Parse returns for a test case with
// neither a class name nor a name, on which the plugin fails the whole
// step.
var ErrNoName = errors.New("test case without class name or name")

// Options tell Parse how to read a report.
type Options struct {
	Retention      StdioRetention
	KeepProperties bool
	Limits         Limits
	// Sibling opens a file beside the report, by base name: Maven
	// Surefire writes a suite's output to TEST-x-output.txt rather than
	// into TEST-x.xml. nil means none is read.
	Sibling func(name string) (io.ReadCloser, error)
	// retained counts the bytes kept so far, across a report's files.
	retained *int64
}

// Parse reads one JUnit XML report from r as the plugin's
// SuiteResult.parse does and returns its suites, in the plugin's order:
// each <testsuite> child of a suite first (recursively), then the suite
// itself if it holds a <testcase> or an <error>. The root element counts
// as a suite whatever its name, so <testsuites> and <testsuite> roots
// both work. path is what the suites' File is set to and name the file's
// base name, which names a suite without a name attribute. A report that
// is not well-formed gives a *SyntaxError and no suites.
func Parse(r io.Reader, path, name string, opt Options) ([]*Suite, error) {
	if opt.Limits == (Limits{}) {
		opt.Limits = DefaultLimits
	}
	if opt.Retention == "" {
		opt.Retention = RetainNone
	}
	if opt.retained == nil {
		opt.retained = new(int64)
	}
	p := &parser{d: jxml.NewDecoder(r), opt: opt, path: path, name: name}
	if err := p.run(); err != nil {
		return nil, err
	}
	return p.out, nil
}

type kind uint8

const (
	kOther kind = iota
	kSuite
	kCase
	kText      // an element whose own text is kept
	kProps     // <properties>
	kFlaky     // <flakyFailure> or <rerunFailure>
	kFlakyText // a text child of one
)

type frame struct {
	kind     kind
	name     xml.Name
	holder   *holder // kSuite, kCase: what its children say
	suite    *suiteBuild
	text     *clip // kText, kFlakyText: where its text goes
	flaky    *flakyBuild
	propName string // a <property> whose text is its value
}

// holder gathers the children the plugin reads of a <testcase> (and of
// a <testsuite>, for its "<init>" case): the first <error>, <failure>,
// <skipped>, <system-out>, <system-err> and <properties>, and the flaky
// and rerun failures.
type holder struct {
	attrs           []xml.Attr
	err, fail, skip *textElem
	out, errOut     *clip
	props           map[string]string
	propsSeen       bool
	flaky, rerun    []Failure
}

type textElem struct {
	message *string
	text    *clip
}

type flakyBuild struct {
	rerun              bool
	message, typ       *string
	stack, out, errOut *clip
}

type suiteBuild struct {
	holder
	cases      []*Case
	timestamps []string // each case's timestamp attribute, "" if none
	hasError   bool
	hasCase    bool
}

type parser struct {
	d        *xml.Decoder
	opt      Options
	path     string
	name     string
	stack    []frame
	out      []*Suite
	cases    int
	seenRoot bool
	free     []*clip // released clips, for reuse
}

func attr(attrs []xml.Attr, name string) *string {
	for i := range attrs {
		if attrs[i].Name.Local == name && attrs[i].Name.Space == "" {
			return &attrs[i].Value
		}
	}
	return nil
}

func (p *parser) syntax(err error) error {
	return &SyntaxError{Err: err}
}

func (p *parser) run() error {
	for {
		tok, err := p.d.RawToken()
		if err == io.EOF {
			if len(p.stack) > 0 {
				return p.syntax(fmt.Errorf("unexpected end of document: <%s> is not closed", p.stack[len(p.stack)-1].name.Local))
			}
			if p.seenRoot {
				return nil
			}
			return p.syntax(errors.New("no root element"))
		}
		if err != nil {
			return p.syntax(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if err := p.start(t); err != nil {
				return err
			}
		case xml.EndElement:
			if len(p.stack) == 0 {
				return p.syntax(fmt.Errorf("line %d: end tag </%s> without a start tag", p.line(), t.Name.Local))
			}
			top := &p.stack[len(p.stack)-1]
			if top.name != t.Name {
				return p.syntax(fmt.Errorf("line %d: element <%s> is closed by </%s>", p.line(), top.name.Local, t.Name.Local))
			}
			if err := p.end(top); err != nil {
				return err
			}
			p.stack = p.stack[:len(p.stack)-1]
		case xml.CharData:
			if len(p.stack) == 0 {
				if len(strings.TrimSpace(string(t))) > 0 {
					return p.syntax(fmt.Errorf("line %d: text outside the root element", p.line()))
				}
				continue
			}
			if top := &p.stack[len(p.stack)-1]; top.text != nil {
				top.text.write(t)
			}
		case xml.Directive:
			if p.seenRoot {
				return p.syntax(fmt.Errorf("line %d: <!%s> after the root element", p.line(), firstWord(t)))
			}
		}
	}
}

func firstWord(b []byte) string {
	s, _, _ := strings.Cut(string(b), " ")
	return s
}

func (p *parser) line() int {
	l, _ := p.d.InputPos()
	return l
}

func (p *parser) start(t xml.StartElement) error {
	if len(p.stack) >= p.opt.Limits.MaxDepth {
		return fmt.Errorf("%w: elements nested more than %d deep", ErrTooLarge, p.opt.Limits.MaxDepth)
	}
	f := frame{name: t.Name}
	local := t.Name.Local
	if len(p.stack) == 0 {
		if p.seenRoot {
			return p.syntax(fmt.Errorf("line %d: element <%s> after the root element", p.line(), local))
		}
		p.seenRoot = true
		f.kind = kSuite
		f.suite = &suiteBuild{}
		f.suite.attrs = t.Attr
		f.holder = &f.suite.holder
		p.stack = append(p.stack, f)
		return nil
	}
	parent := &p.stack[len(p.stack)-1]
	switch parent.kind {
	case kSuite:
		switch local {
		case "testsuite":
			f.kind = kSuite
			f.suite = &suiteBuild{}
			f.suite.attrs = t.Attr
			f.holder = &f.suite.holder
		case "testcase":
			parent.suite.hasCase = true
			if p.cases++; p.cases > p.opt.Limits.MaxCases {
				return fmt.Errorf("%w: more than %d test cases", ErrTooLarge, p.opt.Limits.MaxCases)
			}
			f.kind = kCase
			f.holder = &holder{attrs: t.Attr}
		default:
			if local == "error" {
				parent.suite.hasError = true
			}
			p.child(parent.holder, &f, t)
		}
	case kCase:
		p.child(parent.holder, &f, t)
	case kProps:
		if local == "property" && f.kind == kOther {
			name := attr(t.Attr, "name")
			if name != nil && parent.holder != nil {
				if v := attr(t.Attr, "value"); v != nil {
					kept, err := p.keep(*v)
					if err != nil {
						return err
					}
					parent.holder.props[*name] = kept
				} else {
					f.kind = kText
					f.text = p.newClip(p.opt.Limits.MaxText / 2)
					f.holder = parent.holder
					f.propName = *name
				}
			}
		}
	case kFlaky:
		var c **clip
		switch local {
		case "stackTrace":
			c = &parent.flaky.stack
		case "system-out":
			c = &parent.flaky.out
		case "system-err":
			c = &parent.flaky.errOut
		}
		if c != nil && *c == nil {
			*c = p.newClip(p.opt.Limits.MaxText / 2)
			f.kind = kFlakyText
			f.text = *c
		}
	}
	p.stack = append(p.stack, f)
	return nil
}

// child sets up f, a child element of a suite or case element whose
// gatherings are h.
func (p *parser) child(h *holder, f *frame, t xml.StartElement) {
	textCap := p.opt.Limits.MaxText / 2
	stdioCap := halfMaxFailingSize
	if p.opt.Retention != RetainNone {
		stdioCap = max(stdioCap, p.opt.Limits.MaxStdio/2)
	}
	elem := func(slot **textElem) {
		if *slot != nil {
			return // the plugin reads the first
		}
		*slot = &textElem{message: copyStr(attr(t.Attr, "message")), text: p.newClip(textCap)}
		f.kind = kText
		f.text = (*slot).text
	}
	stdio := func(slot **clip) {
		if *slot != nil {
			return
		}
		*slot = p.newClip(stdioCap)
		f.kind = kText
		f.text = *slot
	}
	switch t.Name.Local {
	case "error":
		elem(&h.err)
	case "failure":
		elem(&h.fail)
	case "skipped":
		elem(&h.skip)
	case "system-out":
		stdio(&h.out)
	case "system-err":
		stdio(&h.errOut)
	case "properties":
		if p.opt.KeepProperties && !h.propsSeen {
			h.propsSeen = true
			h.props = map[string]string{}
			f.kind = kProps
			f.holder = h
		}
	case "flakyFailure", "rerunFailure":
		f.kind = kFlaky
		f.flaky = &flakyBuild{
			rerun:   t.Name.Local == "rerunFailure",
			message: copyStr(attr(t.Attr, "message")),
			typ:     copyStr(attr(t.Attr, "type")),
		}
		f.holder = h
	}
}

func copyStr(s *string) *string {
	if s == nil {
		return nil
	}
	v := *s
	return &v
}

func (p *parser) end(f *frame) error {
	switch f.kind {
	case kSuite:
		return p.endSuite(f.suite)
	case kCase:
		parent := &p.stack[len(p.stack)-2]
		c, err := p.buildCase(f.holder, parent.suite)
		if err != nil {
			return err
		}
		parent.suite.cases = append(parent.suite.cases, c)
		p.releaseHolder(f.holder)
		ts := ""
		if v := attr(f.holder.attrs, "timestamp"); v != nil {
			ts = *v
		}
		parent.suite.timestamps = append(parent.suite.timestamps, ts)
	case kText:
		if f.propName != "" {
			v, err := p.keep(f.text.bounded())
			if err != nil {
				return err
			}
			f.holder.props[f.propName] = v
			p.release(f.text)
		}
	case kFlaky:
		fl := Failure{Message: f.flaky.message, Type: f.flaky.typ}
		var err error
		if fl.StackTrace, err = p.keepClip(f.flaky.stack); err != nil {
			return err
		}
		if fl.Stdout, err = p.keepClip(f.flaky.out); err != nil {
			return err
		}
		if fl.Stderr, err = p.keepClip(f.flaky.errOut); err != nil {
			return err
		}
		p.release(f.flaky.stack, f.flaky.out, f.flaky.errOut)
		if f.flaky.rerun {
			f.holder.rerun = append(f.holder.rerun, fl)
		} else {
			f.holder.flaky = append(f.holder.flaky, fl)
		}
	}
	return nil
}

// keep counts s against MaxRetained.
func (p *parser) keep(s string) (string, error) {
	*p.opt.retained += int64(len(s))
	if *p.opt.retained > p.opt.Limits.MaxRetained {
		return "", fmt.Errorf("%w: more than %d bytes of text", ErrTooLarge, p.opt.Limits.MaxRetained)
	}
	return s, nil
}

func (p *parser) keepClip(c *clip) (*string, error) {
	if c == nil {
		return nil, nil
	}
	s, err := p.keep(c.bounded())
	if err != nil {
		return nil, err
	}
	return &s, nil
}

// errorText is CaseResult.getError: the <error>'s text, else the
// <failure>'s; and getErrorMessage: the message of the <error>, else of
// the <failure>.
func (p *parser) errorInfo(h *holder) (stack, details *string, err error) {
	el := h.err
	if el == nil {
		el = h.fail
	}
	if el == nil {
		return nil, nil, nil
	}
	s, err := p.keep(el.text.bounded())
	if err != nil {
		return nil, nil, err
	}
	return &s, el.message, nil
}

// stdio is CaseResult.possiblyTrimStdio: the text whole when the
// retention keeps it, else cut to a head and a tail of 500 units, or
// 50,000 when one of the cases failed.
func (p *parser) stdio(c *clip, failing bool) (*string, error) {
	if c == nil {
		return nil, nil
	}
	var s string
	keepAll := p.opt.Retention == RetainAll || (p.opt.Retention == RetainFailed && failing)
	switch {
	case keepAll:
		s = c.bounded()
	case failing:
		s = c.cut(halfMaxFailingSize)
	default:
		s = c.cut(halfMaxSize)
	}
	s, err := p.keep(fixNULs(s))
	if err != nil {
		return nil, err
	}
	return &s, nil
}

// buildCase is the CaseResult constructor: from a <testcase> (or, for
// the "<init>" case, a <testsuite>) and the class name it is given.
func (p *parser) buildCase(h *holder, s *suiteBuild) (*Case, error) {
	className := attr(h.attrs, "classname")
	if className == nil {
		className = attr(s.attrs, "name")
	}
	return p.makeCase(h, className, attr(h.attrs, "name"))
}

func (p *parser) makeCase(h *holder, className, nameAttr *string) (*Case, error) {
	if className == nil {
		if nameAttr == nil {
			return nil, ErrNoName
		}
		if i := strings.LastIndexByte(*nameAttr, '.'); i >= 0 {
			className, nameAttr = ptr((*nameAttr)[:i]), ptr((*nameAttr)[i+1:])
		}
	}
	c := &Case{StartTime: -1, ProperFailure: h.fail != nil}
	if className != nil {
		c.ClassName = *className
	}
	c.TestName = copyStr(nameAttr)
	var err error
	if c.ErrorStackTrace, c.ErrorDetails, err = p.errorInfo(h); err != nil {
		return nil, err
	}
	if t := attr(h.attrs, "time"); t != nil {
		c.Duration = clampDuration(parseTime(*t))
	}
	if h.skip != nil {
		c.Skipped = true
		if h.skip.message != nil {
			c.SkippedMessage = h.skip.message
		} else {
			m, err := p.keep(h.skip.text.bounded())
			if err != nil {
				return nil, err
			}
			c.SkippedMessage = &m
		}
	}
	failing := c.ErrorStackTrace != nil
	if c.Stdout, err = p.stdio(h.out, failing); err != nil {
		return nil, err
	}
	if c.Stderr, err = p.stdio(h.errOut, failing); err != nil {
		return nil, err
	}
	c.Properties = h.props
	c.FlakyFailures, c.RerunFailures = h.flaky, h.rerun
	return c, nil
}

var surefireName = regexp.MustCompile(`^TEST-(.+)\.xml$`)

// endSuite is the SuiteResult constructor, run once the suite's element
// is read; it emits the suite if it holds a case or an error.
func (p *parser) endSuite(s *suiteBuild) error {
	if !s.hasCase && !s.hasError {
		return nil
	}
	r := &Suite{File: p.path, StartTime: -1}
	nameAttr := attr(s.attrs, "name")
	if nameAttr == nil {
		r.Name = "(" + p.name + ")"
	} else {
		n := *nameAttr
		if pkg := attr(s.attrs, "package"); pkg != nil && *pkg != "" {
			n = *pkg + "." + n
		}
		r.Name = Safe(n)
	}
	r.Timestamp = copyStr(attr(s.attrs, "timestamp"))
	r.ID = copyStr(attr(s.attrs, "id"))
	if r.Timestamp != nil && *r.Timestamp != "" {
		r.StartTime = parseTimestamp(*r.Timestamp)
	}
	if t := attr(s.attrs, "time"); t != nil {
		r.Time = copyStr(t)
		r.Duration = clampDuration(parseTime(*t))
	}
	var cases []*Case
	if s.hasError {
		c, err := p.makeCase(&s.holder, ptr("<init>"), attr(s.attrs, "name"))
		if err != nil {
			return err
		}
		cases = append(cases, c)
	}
	// The start of a case is its own timestamp, else the suite's plus
	// the durations of the cases before it.
	var offset int64
	for i, c := range s.cases {
		if ts := s.timestamps[i]; ts != "" {
			c.StartTime = parseTimestamp(ts)
		} else if r.StartTime != -1 {
			c.StartTime = r.StartTime + offset
			offset += int64(c.Duration * 1000)
		}
	}
	cases = append(cases, s.cases...)
	failing := false
	for _, c := range cases {
		if c.ErrorStackTrace != nil {
			failing = true
			break
		}
	}
	var err error
	if r.Stdout, err = p.stdio(s.out, failing); err != nil {
		return err
	}
	if r.Stderr, err = p.stdio(s.errOut, failing); err != nil {
		return err
	}
	if r.Stdout == nil && r.Stderr == nil && p.opt.Sibling != nil {
		if m := surefireName.FindStringSubmatch(p.name); m != nil {
			out, err := p.sibling(m[1]+"-output.txt", failing)
			if err != nil {
				return err
			}
			r.Stdout = out
		}
	}
	if s.props != nil {
		r.Properties = s.props
	}
	for _, c := range cases {
		r.addCase(c)
	}
	p.out = append(p.out, r)
	p.releaseHolder(&s.holder)
	return nil
}

// newClip returns a clip of the given cap, reusing a released one's
// buffers.
func (p *parser) newClip(cap int) *clip {
	if n := len(p.free); n > 0 {
		c := p.free[n-1]
		p.free = p.free[:n-1]
		c.reset(cap)
		return c
	}
	c := &clip{}
	c.reset(cap)
	return c
}

// release gives clips back for reuse once their text is taken; large
// buffers are let go.
func (p *parser) release(cs ...*clip) {
	for _, c := range cs {
		if c != nil && cap(c.head)+cap(c.tail) <= 256<<10 && len(p.free) < 64 {
			p.free = append(p.free, c)
		}
	}
}

func (p *parser) releaseHolder(h *holder) {
	for _, t := range []*textElem{h.err, h.fail, h.skip} {
		if t != nil {
			p.release(t.text)
		}
	}
	p.release(h.out, h.errOut)
	h.err, h.fail, h.skip, h.out, h.errOut = nil, nil, nil, nil, nil
}

// addCase is SuiteResult.addCase.
func (s *Suite) addCase(c *Case) {
	c.suite = s
	s.Cases = append(s.Cases, c)
	if s.Time == nil {
		s.Duration += c.Duration
	}
}

// sibling reads a Surefire output file as the plugin's possiblyTrimStdio
// for files does: whole when the retention keeps it and it is under a
// MiB, or when it is short; else a head and a tail of 500 characters
// (50,000 when a case failed) with the bytes between counted.
func (p *parser) sibling(name string, failing bool) (*string, error) {
	rc, err := p.opt.Sibling(name)
	if err != nil {
		return nil, nil // the plugin reads it only if it exists
	}
	defer rc.Close()
	half := halfMaxSize
	if failing {
		half = halfMaxFailingSize
	}
	keepAll := p.opt.Retention == RetainAll || (p.opt.Retention == RetainFailed && failing)
	c := &clip{}
	if keepAll {
		c.reset(max(half, 1<<20))
	} else {
		c.reset(half)
	}
	var size int64
	buf := make([]byte, 32<<10)
	var carry []byte
	for {
		k, rerr := rc.Read(buf)
		size += int64(k)
		chunk := append(carry, buf[:k]...)
		// Hand the clip whole characters only.
		cut := len(chunk)
		if ls := lastStart(chunk); !utf8.FullRune(chunk[ls:]) {
			cut = ls
		}
		c.write(chunk[:cut])
		carry = append(carry[:0:0], chunk[cut:]...)
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return nil, fmt.Errorf("Failed to read %s: %w", name, rerr)
		}
	}
	c.write(carry)
	s := c.whole()
	if c.dropped() || (!keepAll || size >= 1<<20) && size > int64(2*half) {
		head := headUnits(string(c.head), half)
		var tail string
		if c.dropped() {
			tail = tailUnits(string(c.tail), half)
		} else {
			tail = tailUnits(s, half)
		}
		if middle := size - int64(len(head)+len(tail)); middle > 0 {
			s = head + "\n...[truncated " + strconv.FormatInt(middle, 10) + " bytes]...\n" + tail
		}
	}
	s, err = p.keep(fixNULs(s))
	if err != nil {
		return nil, err
	}
	return &s, nil
}

// lastStart is the index where the last character of b starts.
func lastStart(b []byte) int {
	i := len(b) - 1
	for i > 0 && !utf8.RuneStart(b[i]) {
		i--
	}
	return max(i, 0)
}
