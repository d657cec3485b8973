package junit

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Suite is a test suite of a report (the plugin's SuiteResult).
type Suite struct {
	// File is the report file's path as Record names it (the workspace's
	// absolute path joined with the file's).
	File string
	// Name is the suite's name attribute (after its package attribute and
	// a dot, when it has one), made safe for URLs; "(file.xml)" when it
	// has none.
	Name string
	// ID and Timestamp are the id and timestamp attributes, nil when
	// absent.
	ID        *string
	Timestamp *string
	// Time is the time attribute as written; nil when absent, and the
	// suite's duration is then the sum of its cases'.
	Time *string
	// Duration is in seconds.
	Duration float32
	// StartTime is in epoch milliseconds, -1 when unknown.
	StartTime int64
	// Stdout and Stderr are the suite's <system-out> and <system-err>,
	// cut as the plugin cuts them; nil when absent.
	Stdout, Stderr *string
	// Properties are the suite's properties when the archiver keeps them.
	Properties map[string]string
	Cases      []*Case
}

// Failure is a flaky or rerun failure Maven Surefire reports beside a
// case (<flakyFailure>, <rerunFailure>).
type Failure struct {
	Message, Type, StackTrace, Stdout, Stderr *string
}

// Status is a case's status as testReport/api/json writes it.
type Status string

// The statuses of CaseResult.Status.
const (
	Passed     Status = "PASSED"
	Skipped    Status = "SKIPPED"
	Failed     Status = "FAILED"
	Fixed      Status = "FIXED"
	Regression Status = "REGRESSION"
)

// Case is a test case (the plugin's CaseResult).
type Case struct {
	ClassName string
	// TestName is the name attribute; nil when absent. Name() is what
	// Jenkins shows.
	TestName *string
	// Duration is in seconds, StartTime in epoch milliseconds (-1 when
	// unknown).
	Duration       float32
	StartTime      int64
	Skipped        bool
	SkippedMessage *string
	// ErrorStackTrace is the text of the case's <error> (or <failure>);
	// ErrorDetails its message attribute. A case is failed when either is
	// set and it is not skipped.
	ErrorStackTrace *string
	ErrorDetails    *string
	// ProperFailure is true for a <failure> (an assertion) rather than
	// an <error>.
	ProperFailure bool
	Stdout        *string
	Stderr        *string
	Properties    map[string]string
	FlakyFailures []Failure
	RerunFailures []Failure

	// FailedSince is the build whose run began the case's current run of
	// failures; set by Report.Freeze.
	FailedSince int
	// Condition is FIXED or REGRESSION against the previous build's
	// case, "" when neither; set by Report.Freeze.
	Condition Status
	// Number is the build the case belongs to; set by Report.Freeze.
	Number int

	suite *Suite
}

// Name is the case's name as Jenkins shows it: "(?)" when it has none.
func (c *Case) Name() string {
	if c.TestName == nil || *c.TestName == "" {
		return "(?)"
	}
	return *c.TestName
}

// FullName is the class name, a dot and the name.
func (c *Case) FullName() string { return c.ClassName + "." + c.Name() }

// Suite is the suite the case belongs to.
func (c *Case) Suite() *Suite { return c.suite }

// Passed reports whether the case neither failed nor was skipped.
func (c *Case) Passed() bool {
	return !c.Skipped && c.ErrorDetails == nil && c.ErrorStackTrace == nil
}

// Failed reports whether the case failed (and was not skipped).
func (c *Case) Failed() bool { return !c.Passed() && !c.Skipped }

// Status is the case's status as the junit plugin exports it since its
// version 1363: SKIPPED, PASSED or FAILED.
func (c *Case) Status() Status {
	switch {
	case c.Skipped:
		return Skipped
	case c.Passed():
		return Passed
	}
	return Failed
}

// ClassicStatus is the status older junit plugins exported, with FIXED
// and REGRESSION folded in.
func (c *Case) ClassicStatus() Status {
	s := c.Status()
	if s != Skipped && c.Condition != "" {
		return c.Condition
	}
	return s
}

// Age is the number of builds the case has been failing, this one
// included; 0 when it passed. Like the plugin, it gives a skipped case
// the build's number plus one.
func (c *Case) Age() int {
	if c.Passed() {
		return 0
	}
	return c.Number - c.FailedSince + 1
}

// PackageName is the class name up to its last dot; "(root)" when it
// has none.
func (c *Case) PackageName() string {
	if i := strings.LastIndexByte(c.ClassName, '.'); i >= 0 {
		return c.ClassName[:i]
	}
	return "(root)"
}

// SimpleName is the class name after its last dot.
func (c *Case) SimpleName() string {
	return c.ClassName[strings.LastIndexByte(c.ClassName, '.')+1:]
}

// stdoutOrSuite is the case's stdout, or its suite's when it has none,
// as CaseResult.getStdout gives it.
func (c *Case) stdoutOrSuite() *string {
	if c.Stdout != nil {
		return c.Stdout
	}
	if c.suite == nil {
		return ptr("")
	}
	return c.suite.Stdout
}

func (c *Case) stderrOrSuite() *string {
	if c.Stderr != nil {
		return c.Stderr
	}
	if c.suite == nil {
		return ptr("")
	}
	return c.suite.Stderr
}

func ptr(s string) *string { return &s }

// Safe replaces the characters that cannot stand in a URL path segment
// with '_' as the plugin's TestObject.safe does; "(empty)" for "".
func Safe(s string) string {
	if s == "" {
		return "(empty)"
	}
	var b []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c == 0x7F || strings.IndexByte(`"#%/:<>?[\]^`+"`{|}", c) >= 0 {
			if b == nil {
				b = []byte(s)
			}
			b[i] = '_'
		}
	}
	if b == nil {
		return s
	}
	return string(b)
}

// maxDuration is the plugin's bound on a duration: a year, in seconds.
const maxDuration = 365 * 24 * 60 * 60

// clampDuration bounds d to [0, a year]; NaN is 0 (Jenkins would keep
// it, and write JSON no parser reads).
func clampDuration(d float32) float32 {
	if d != d || d < 0 {
		return 0
	}
	return min(d, maxDuration)
}

var (
	javaFloatRE = regexp.MustCompile(`^[+-]?(NaN|Infinity|((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?))[fFdD]?$`)
	numberRE    = regexp.MustCompile(`^-?(\d+\.?\d*|\.\d+)`)
)

// parseTime reads a time attribute as the plugin's TimeToFloat does:
// commas dropped, then Java's Float.parseFloat, then failing that the
// number at the start, else 0.
func parseTime(s string) float32 {
	if plainDecimal(s) {
		v, _ := strconv.ParseFloat(s, 32)
		return float32(v)
	}
	s = strings.ReplaceAll(s, ",", "")
	t := strings.TrimSpace(s)
	if javaFloatRE.MatchString(t) {
		t = strings.TrimRight(t, "fFdD")
		switch strings.TrimLeft(t, "+-") {
		case "NaN":
			return float32(math.NaN())
		case "Infinity":
			if strings.HasPrefix(t, "-") {
				return float32(math.Inf(-1))
			}
			return float32(math.Inf(1))
		}
		v, _ := strconv.ParseFloat(t, 32)
		return float32(v)
	}
	if m := numberRE.FindString(s); m != "" {
		v, _ := strconv.ParseFloat(m, 32)
		return float32(v)
	}
	return 0
}

// plainDecimal reports whether s is digits with at most one '.' among
// them, the form nearly every report writes, which needs no regexp.
func plainDecimal(s string) bool {
	dots, digits := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '.':
			dots++
		case c >= '0' && c <= '9':
			digits++
		default:
			return false
		}
	}
	return digits > 0 && dots <= 1
}

// timestampRE is ISO_OFFSET_DATE_TIME's shape.
var timestampRE = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([Zz]|[+-]\d{2}:\d{2}(?::\d{2})?)$`)

// parseTimestamp reads a timestamp attribute as SuiteResult.parseTime
// does: an ISO date and time, taken as UTC when it has no offset; -1
// when it cannot be read.
func parseTimestamp(s string) int64 {
	if s == "" {
		return -1
	}
	if !strings.HasSuffix(s, "Z") && !strings.Contains(s, "+") && strings.LastIndex(s, "-") <= 7 {
		s += "Z"
	}
	s = strings.ReplaceAll(s, " ", "")
	m := timestampRE.FindStringSubmatch(s)
	if m == nil {
		return -1
	}
	layout := "2006-01-02T15:04"
	v := m[1] + "-" + m[2] + "-" + m[3] + "T" + m[4] + ":" + m[5]
	if m[6] != "" {
		layout += ":05"
		v += ":" + m[6]
		if m[7] != "" {
			layout += "." + strings.Repeat("0", len(m[7]))
			v += "." + m[7]
		}
	}
	off := strings.ToUpper(m[8])
	if off == "Z" {
		off = "+00:00"
	}
	if len(off) == 6 {
		off += ":00"
	}
	t, err := time.Parse(layout+"-07:00:00", v+off)
	if err != nil {
		return -1
	}
	return t.UnixMilli()
}
