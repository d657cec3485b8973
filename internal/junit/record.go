package junit

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/jeeves-ci/jeeves/internal/antglob"
	"github.com/jeeves-ci/jeeves/internal/buildstep"
	"github.com/jeeves-ci/jeeves/internal/macro"
	"github.com/jeeves-ci/jeeves/internal/model"
)

// Console lines, as in the junit plugin's Messages.properties.
const (
	LineRecording     = "Recording test results"
	msgNoReportFound  = "No test report files were found. Configuration error?"
	msgResultIsEmpty  = "None of the test reports contained any result"
	fileTimePrecision = 3 * time.Second // TestResult.FILE_TIME_PRECISION_MARGIN
)

// MaxEntries bounds the workspace entries one Record examines to find
// report files; directories no pattern can reach are not examined.
const MaxEntries = 5_000_000

// Input is what Record needs to know about the build.
type Input struct {
	// Result is the build's result so far; "" while none is set.
	Result model.Result
	// Lookup gives a build variable's value to expand the patterns with
	// (the plugin expands them for every kind of job); nil means none.
	Lookup func(name string) (string, bool)
	// Root is the workspace's absolute path on its machine: report paths
	// are named from it, and absolute symbolic links inside it followed.
	Root string
	// BuildStart is when the build started; with SkipOldReports, files
	// last modified more than 3 seconds before it are ignored.
	BuildStart time.Time
	// Limits bound what is kept; the zero value means DefaultLimits.
	Limits Limits
}

// Outcome is what Record did.
type Outcome struct {
	// Lines are the console lines to print, in order.
	Lines []string
	// Report is the test report to attach to the build (its
	// TestResultAction); nil when there is none, as when no test was
	// found. Freeze it with the build's number before showing it.
	Report *Report
	// Files are the report files read, relative to the workspace.
	Files []string
	// Unstable says to make the build's result UNSTABLE (if it is not
	// worse): some test failed.
	Unstable bool
	// Fail, when not nil, fails the step: print Fail.Line() and make the
	// result FAILURE.
	Fail *buildstep.Error
}

// Set returns the report files' pattern as the build expands it and the
// file set Record matches: a walker of a remote workspace can skip the
// directories the set cannot reach (Set.Descend).
func (a Archiver) Set(in Input) (pattern string, set *antglob.Set) {
	pattern = a.TestResults
	if in.Lookup != nil {
		pattern = macro.Expand(pattern, in.Lookup)
	}
	return pattern, antglob.NewSet(antglob.Split(pattern), nil, antglob.Options{})
}

// Record runs the publisher on the workspace ws as
// JUnitResultArchiver.perform does: it prints LineRecording, finds the
// report files with Ant's rules (default excludes on, case-sensitive,
// links followed within the workspace), reads each one and merges them.
//
//   - No file found fails the step ("No test report files were
//     found. Configuration error?") unless AllowEmptyResults, which
//     prints that line instead; whatever the build's result.
//   - An empty file counts as one failed case "[empty]"; a .xml file that
//     is not well-formed as one failed case "[failed-to-read]" holding
//     the parser's message; another file that is not well-formed fails
//     the step, as Jenkins fails it with an exception.
//   - No test at all, unless the build already failed, fails the step
//     ("None of the test reports contained any result") unless
//     AllowEmptyResults, which prints that line.
//   - Failed tests make the build UNSTABLE unless
//     SkipMarkingBuildUnstable.
//
// The error is for a workspace that cannot be listed.
func (a Archiver) Record(ctx context.Context, ws fs.FS, in Input) (*Outcome, error) {
	out := &Outcome{Lines: []string{LineRecording}}
	fail := func(msg string, exception bool) (*Outcome, error) {
		out.Fail = &buildstep.Error{Step: DisplayName, Message: msg, Exception: exception}
		return out, nil
	}
	_, set := a.Set(in)
	res, err := antglob.Scan(ctx, ws, set, antglob.ScanOptions{Root: in.Root, MaxEntries: MaxEntries})
	if errors.Is(err, antglob.ErrBudget) {
		return fail("the workspace holds more than "+strconv.Itoa(MaxEntries)+" entries where the pattern could match; narrow the pattern", false)
	}
	if err != nil {
		return nil, err
	}
	limits := in.Limits
	if limits == (Limits{}) {
		limits = DefaultLimits
	}
	report := NewReport()
	if len(res.Files) == 0 {
		if !a.AllowEmptyResults {
			return fail(msgNoReportFound, false)
		}
		out.Lines = append(out.Lines, msgNoReportFound)
	}
	opt := Options{Retention: a.StdioRetention, KeepProperties: a.KeepProperties, Limits: limits, retained: new(int64)}
	for _, f := range res.Files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if a.SkipOldReports && f.ModTime.Before(in.BuildStart.Add(-fileTimePrecision)) {
			continue
		}
		out.Files = append(out.Files, f.Path)
		abs := joinRoot(in.Root, f.Path)
		base := path.Base(f.Path)
		if f.Size == 0 {
			// Typically a JVM that quit abruptly.
			report.Add(syntheticSuite(abs, base, "[empty]", "Test report file "+abs+" was length 0"))
			continue
		}
		dir := path.Dir(f.Source)
		opt.Sibling = func(name string) (io.ReadCloser, error) { return ws.Open(path.Join(dir, name)) }
		suites, err := parseFile(ws, f, abs, base, opt)
		var syntax *SyntaxError
		switch {
		case err == nil:
			report.Add(suites...)
		case errors.As(err, &syntax) && strings.HasSuffix(f.Path, ".xml"):
			report.Add(syntheticSuite(abs, base, "[failed-to-read]", "Failed to read test report file "+abs+"\n"+syntax.Error()))
		case errors.As(err, &syntax):
			return fail("Failed to read "+abs+"\nIs this really a JUnit report file? Your configuration must be matching too many files\n"+syntax.Error(), true)
		case errors.Is(err, ErrTooLarge):
			return fail("Failed to read "+abs+": "+err.Error(), false)
		default:
			return fail("Failed to read "+abs+": "+err.Error(), true)
		}
	}
	if report.TotalCount() == 0 && in.Result != model.Failure {
		if !a.AllowEmptyResults {
			return fail(msgResultIsEmpty, false)
		}
		out.Lines = append(out.Lines, msgResultIsEmpty)
	}
	if report.TotalCount() > 0 {
		out.Report = report
	}
	out.Unstable = report.FailCount() > 0 && !a.SkipMarkingBuildUnstable
	return out, nil
}

func parseFile(ws fs.FS, f antglob.File, abs, base string, opt Options) ([]*Suite, error) {
	r, err := ws.Open(f.Source)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return Parse(r, abs, base, opt)
}

// syntheticSuite is the suite the plugin makes for a file it could not
// read: named after the file, with one failing case.
func syntheticSuite(file, base, caseName, stack string) *Suite {
	s := &Suite{File: file, Name: base, StartTime: -1, Stdout: ptr(""), Stderr: ptr(""), Properties: map[string]string{}}
	s.addCase(&Case{
		ClassName:       base,
		TestName:        ptr(caseName),
		StartTime:       -1,
		ErrorStackTrace: ptr(stack),
		ErrorDetails:    ptr(""),
		Properties:      map[string]string{},
	})
	return s
}

func joinRoot(root, rel string) string {
	if root == "" {
		return rel
	}
	return strings.TrimSuffix(root, "/") + "/" + rel
}
