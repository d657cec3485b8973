// Package junit records JUnit XML test reports as Jenkins's "Publish
// JUnit test result report" (hudson.tasks.junit.JUnitResultArchiver of
// the junit plugin) does, without touching storage or machines itself.
//
//   - Archiver is the publisher's configuration; ParseArchiver reads the
//     <hudson.tasks.junit.JUnitResultArchiver> element.
//   - Parse reads one report file as a stream (encoding/xml token by
//     token), keeping what Jenkins keeps and bounding what it holds:
//     stdout and stderr are cut to a head and a tail as the plugin cuts
//     them, and every other text to Limits.MaxText.
//   - Report is the plugin's TestResult: suites of cases, merged across
//     files as the plugin merges them, counted, grouped by package and
//     class. Freeze gives each case its status, age and failedSince from
//     the reports of earlier builds.
//   - Archiver.Record runs the whole step over a workspace seen as an
//     io/fs.FS: the console lines, the build's result (UNSTABLE on
//     failures), the failure when nothing is found.
//   - Report.Export, Action and Health give testReport/api/json, the
//     TestResultAction among the build's actions and the health report.
package junit

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/jxml"
)

// ArchiverClass is the publisher's class name, the element name of its
// configuration.
const ArchiverClass = "hudson.tasks.junit.JUnitResultArchiver"

// DisplayName is the publisher's name in "Step ‘…’ failed" lines.
const DisplayName = "Publish JUnit test result report"

// StdioRetention says whose standard output and error a report keeps
// whole; the others are cut to a head and a tail.
type StdioRetention string

// The retentions of the junit plugin's StdioRetention.
const (
	RetainNone   StdioRetention = "NONE"
	RetainFailed StdioRetention = "FAILED"
	RetainAll    StdioRetention = "ALL"
)

// ParseRetention reads a retention as the plugin does: blank is NONE,
// otherwise one of the names in any case.
func ParseRetention(s string) (StdioRetention, error) {
	switch strings.ToUpper(s) {
	case "":
		return RetainNone, nil
	case "NONE", "FAILED", "ALL":
		return StdioRetention(strings.ToUpper(s)), nil
	}
	return "", fmt.Errorf("unrecognized value '%s'; must be one of the following: ALL, FAILED, NONE", s)
}

// Archiver is the configuration of a JUnitResultArchiver.
type Archiver struct {
	// TestResults is the comma-separated list of patterns of the report
	// files.
	TestResults    string
	StdioRetention StdioRetention
	KeepProperties bool
	KeepTestNames  bool
	// HealthScaleFactor scales the failure ratio into the health score;
	// 0 turns the test health report off. Never negative.
	HealthScaleFactor float64
	// AllowEmptyResults turns "no report files" and "no tests" from
	// failures into console lines.
	AllowEmptyResults        bool
	SkipPublishingChecks     bool
	ChecksName               string
	SkipMarkingBuildUnstable bool
	// SkipOldReports ignores report files last modified before the build
	// started (with Jenkins's 3-second margin).
	SkipOldReports bool

	// Unknown names the child elements jeeves does not act on (test data
	// publishers among them), ignored as Jenkins ignores what it does not
	// know.
	Unknown []string
}

// NewArchiver returns the configuration Jenkins gives the publisher when
// nothing else is said.
func NewArchiver(testResults string) Archiver {
	return Archiver{TestResults: testResults, StdioRetention: RetainNone, HealthScaleFactor: 1}
}

// ParseArchiver reads a <hudson.tasks.junit.JUnitResultArchiver> element.
// The legacy <keepLongStdio>true</keepLongStdio>, which Jenkins Job
// Builder still writes, means StdioRetention ALL when there is no
// <stdioRetention> (Jenkins itself has dropped it silently since the
// plugin's StdioRetention replaced it).
func ParseArchiver(data []byte) (Archiver, error) {
	e, err := jxml.Parse(data)
	if err != nil {
		return Archiver{}, err
	}
	return ArchiverFromElement(e)
}

// ArchiverFromElement is ParseArchiver for an element already read.
func ArchiverFromElement(e *jxml.Element) (Archiver, error) {
	if e.Name != ArchiverClass {
		return Archiver{}, fmt.Errorf("element <%s> is not a %s", e.Name, ArchiverClass)
	}
	a := NewArchiver("")
	retention, keepLong := "", false
	unknown := func(name string) {
		if !slices.Contains(a.Unknown, name) {
			a.Unknown = append(a.Unknown, name)
		}
	}
	for _, c := range e.Children {
		switch c.Name {
		case "testResults":
			a.TestResults = c.Text
		case "stdioRetention":
			retention = strings.TrimSpace(c.Text)
		case "keepLongStdio":
			keepLong = jxml.Bool(c.Text)
		case "keepProperties":
			a.KeepProperties = jxml.Bool(c.Text)
		case "keepTestNames":
			a.KeepTestNames = jxml.Bool(c.Text)
		case "healthScaleFactor":
			v, err := jxml.Double(c.Text)
			if err != nil {
				return Archiver{}, fmt.Errorf("<healthScaleFactor>: %v", err)
			}
			if math.IsNaN(v) {
				v = 0
			}
			a.HealthScaleFactor = math.Max(0, v)
		case "allowEmptyResults":
			a.AllowEmptyResults = jxml.Bool(c.Text)
		case "skipPublishingChecks":
			a.SkipPublishingChecks = jxml.Bool(c.Text)
		case "checksName":
			a.ChecksName = c.Text
		case "skipMarkingBuildUnstable":
			a.SkipMarkingBuildUnstable = jxml.Bool(c.Text)
		case "skipOldReports":
			a.SkipOldReports = jxml.Bool(c.Text)
		case "testDataPublishers":
			for _, p := range c.Children {
				unknown("testDataPublishers/" + p.Name)
			}
		default:
			unknown(c.Name)
		}
	}
	switch {
	case retention != "":
		r, err := ParseRetention(retention)
		if err != nil {
			return Archiver{}, fmt.Errorf("<stdioRetention>: %v", err)
		}
		a.StdioRetention = r
	case keepLong:
		a.StdioRetention = RetainAll
	}
	return a, nil
}

// MarshalXML writes the publisher as the junit plugin saves it.
func (a Archiver) MarshalXML(enc *xml.Encoder, _ xml.StartElement) error {
	start := xml.StartElement{Name: xml.Name{Local: ArchiverClass}}
	if err := enc.EncodeToken(start); err != nil {
		return err
	}
	fields := []struct{ name, value string }{
		{"testResults", a.TestResults},
		{"stdioRetention", string(a.StdioRetention)},
		{"keepProperties", strconv.FormatBool(a.KeepProperties)},
		{"keepTestNames", strconv.FormatBool(a.KeepTestNames)},
		{"testDataPublishers", ""},
		{"healthScaleFactor", javaDouble(a.HealthScaleFactor)},
		{"allowEmptyResults", strconv.FormatBool(a.AllowEmptyResults)},
		{"skipPublishingChecks", strconv.FormatBool(a.SkipPublishingChecks)},
		{"checksName", a.ChecksName},
		{"skipMarkingBuildUnstable", strconv.FormatBool(a.SkipMarkingBuildUnstable)},
		{"skipOldReports", strconv.FormatBool(a.SkipOldReports)},
	}
	for _, f := range fields {
		if f.name == "checksName" && f.value == "" {
			continue // null fields are not written
		}
		if err := enc.EncodeElement(f.value, xml.StartElement{Name: xml.Name{Local: f.name}}); err != nil {
			return err
		}
	}
	return enc.EncodeToken(start.End())
}

// XML returns the publisher's element, indented by two spaces per level.
func (a Archiver) XML() []byte {
	var buf bytes.Buffer
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(a); err != nil {
		panic(err) // writing to a bytes.Buffer does not fail
	}
	return buf.Bytes()
}

// javaDouble writes a double as Java's Double.toString does for the
// values a scale factor takes: always with a fraction ("1.0").
func javaDouble(v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if !strings.ContainsAny(s, ".eEnN") {
		s += ".0"
	}
	return s
}
