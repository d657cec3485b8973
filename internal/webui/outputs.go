package webui

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/api"
	"github.com/jeeves-ci/jeeves/internal/authz"
	"github.com/jeeves-ci/jeeves/internal/browse"
	"github.com/jeeves-ci/jeeves/internal/junit"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/request"
	"github.com/jeeves-ci/jeeves/internal/testreport"
)

// What builds leave behind, in the web UI: the artifacts and workspace
// pages (directory and glob listings), the test report's pages, a
// fingerprint's page, and what the build and job pages show of them.

// listingRow is one row of a listing: the links of a collapsed chain of
// directories (or of a file's path below the listed directory), and of a
// file its size, its time and where to view it as text.
type listingRow struct {
	Links []browse.Path
	File  bool
	Size  string
	When  string
	View  string
}

// Listing draws a directory or glob page of a build's artifacts or a
// job's workspace (api.Listing): Jenkins's DirectoryBrowserSupport page.
func (ui *UI) Listing(c *request.Call, l *api.Listing) error {
	rows := make([]listingRow, 0, len(l.Rows))
	for _, links := range l.Rows {
		for i := range links {
			if links[i].Dir && !strings.HasSuffix(links[i].Href, "/") {
				links[i].Href += "/"
			}
		}
		r := listingRow{Links: links}
		if last := links[len(links)-1]; !last.Dir {
			r.File, r.Size, r.View = true, byteSize(last.Size), last.Href+"/*view*/"
			if !last.ModTime.IsZero() {
				r.When = last.ModTime.Local().Format("2006-01-02 15:04:05")
			}
		}
		rows = append(rows, r)
	}
	jobURL := c.Root + jobPath(l.Job.Name)
	tr := jobTrail(c, l.Job.Name)
	title := "Workspace of " + l.Job.Name
	if l.Build != nil {
		n := strconv.FormatInt(l.Build.Number, 10)
		tr = append(tr, trail{"#" + n, jobURL + n + "/"}, trail{"Artifacts", jobURL + n + "/artifact/"})
		title = "Artifacts of " + l.Job.Name + " #" + n
	} else {
		tr = append(tr, trail{"Workspace", jobURL + "ws/"})
	}
	return ui.render(c, http.StatusOK, "listing", page{Title: title, Trail: tr, P: map[string]any{
		"Heading": title, "Base": l.Base, "Rows": rows, "More": l.More, "Pattern": l.Pattern, "Zip": l.Zip,
		"Workspace": l.Build == nil, "CanWipe": l.CanWipe, "JobURL": jobURL,
	}})
}

// artifactLink is one artifact on a build page.
type artifactLink struct{ Name, Href string }

// buildPageCutoff is how many artifacts a build page lists; more are
// behind the link to the artifacts' page, as in Jenkins.
const buildPageCutoff = 20

// addBuildOutputs adds to a build page's data what the build left: its
// artifacts, its test results, whether it is kept forever (and the
// button that toggles it), and its disk usage.
func (ui *UI) addBuildOutputs(c *request.Call, b *model.Build, data map[string]any) error {
	ctx := c.Ctx()
	url := data["URL"].(string)
	list, err := ui.outputs.Archive.List(ctx, b.JobID, b.Number, buildPageCutoff+1)
	if ignoreGone(err) != nil {
		return err
	}
	var arts []artifactLink
	for i, e := range list {
		if i == buildPageCutoff {
			data["MoreArtifacts"] = true
			break
		}
		name := e.RelativePath
		if e.DisplayPath != nil {
			name = *e.DisplayPath
		}
		arts = append(arts, artifactLink{Name: name, Href: url + "artifact/" + encodePath(e.RelativePath)})
	}
	data["Artifacts"] = arts
	if !b.Building {
		sum, err := ui.outputs.Tests.Summary(ctx, b.JobID, b.Number)
		if ignoreGone(err) != nil {
			return err
		}
		if err == nil {
			data["Tests"] = sum.Summary
		}
	}
	data["KeepLog"] = b.KeepLog
	data["CanKeep"] = !b.KeepLog && c.Has(authz.RunUpdate) || b.KeepLog && c.Has(authz.RunDelete)
	if b.KeepLog {
		data["CanDelete"] = false // refused while kept (Run.canDelete)
	}
	data["DiskUsage"] = byteSize(b.DiskUsage)
	return nil
}

// encodePath encodes each segment of a '/'-separated path for a URL, as
// Jenkins's Util.rawEncode does.
func encodePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = browse.RawEncode(s)
	}
	return strings.Join(segs, "/")
}

// testBar is one build of the test-result trend chart: failed, skipped
// and passed stacked, oldest on the left.
type testBar struct {
	Number                     int64
	X, W                       float64
	FailY, FailH, SkipY, SkipH float64
	PassY, PassH               float64
	Summary                    junit.Summary
}

// testChart is the job page's test-result trend.
type testChart struct {
	Width, Height float64
	Max           int
	Bars          []testBar
}

// testTrendBuilds is how many builds the job page's trend looks at.
const testTrendBuilds = 30

// testTrend draws the test results of the job's newest builds that have
// a report (newest first in points) as stacked bars.
func testTrend(points []testreport.Point) testChart {
	const width, height = 600.0, 140.0
	ch := testChart{Width: width, Height: height}
	for _, p := range points {
		ch.Max = max(ch.Max, p.TotalCount)
	}
	if len(points) == 0 || ch.Max == 0 {
		return ch
	}
	slot := width / float64(testTrendBuilds)
	scale := (height - 10) / float64(ch.Max)
	for i, p := range points {
		if i == testTrendBuilds {
			break
		}
		pass := p.TotalCount - p.FailCount - p.SkipCount
		b := testBar{Number: p.Number, X: width - float64(i+1)*slot + slot*0.15, W: slot * 0.7, Summary: p.Summary}
		b.FailH, b.SkipH, b.PassH = float64(p.FailCount)*scale, float64(p.SkipCount)*scale, float64(pass)*scale
		b.FailY = height - b.FailH
		b.SkipY = b.FailY - b.SkipH
		b.PassY = b.SkipY - b.PassH
		ch.Bars = append(ch.Bars, b)
	}
	return ch
}

// addJobOutputs adds to a job page's data what its builds left: the test
// result trend, the last successful build's artifacts, the workspace
// link (for who may browse it) and the job's disk usage.
func (ui *UI) addJobOutputs(c *request.Call, job *model.Job, data map[string]any) error {
	ctx := c.Ctx()
	points, err := ui.outputs.Tests.Trend(ctx, job.ID, testTrendBuilds)
	if err != nil {
		return err
	}
	data["TestTrend"] = testTrend(points)
	if b, err := ui.builds.PermalinkBuild(ctx, job.ID, model.LastSuccessfulBuild); ignoreGone(err) != nil {
		return err
	} else if b != nil {
		bd := map[string]any{"URL": c.Root + jobPath(job.Name) + strconv.FormatInt(b.Number, 10) + "/"}
		if err := ui.addBuildOutputs(c, b, bd); err != nil {
			return err
		}
		data["LastArtifacts"], data["LastArtifactsMore"] = bd["Artifacts"], bd["MoreArtifacts"]
		data["LastSuccessfulURL"] = bd["URL"]
	}
	data["CanWorkspace"] = c.Has(authz.ItemWorkspace)
	usage, err := ui.builds.JobDiskUsage(ctx, job.ID)
	if err != nil {
		return err
	}
	data["DiskUsage"] = byteSize(usage)
	return nil
}

// testRow is one line of a test report table: a package, a class or a
// case, with its counts and where its page is.
type testRow struct {
	Name, Href                   string
	Duration                     float32
	Fail, Skip, Pass, Total, Age int
	Status                       string
}

// TestReportPage is …/<build>/testReport/[package[/class[/case]]]/: the
// report (failed tests first, then the packages), a package's classes, a
// class's cases, or a case with its error, stack trace and output.
func (ui *UI) TestReportPage(c *request.Call, a *api.API, job *model.Job, b *model.Build, names []string) error {
	r, f, err := a.TestReport(c, b, names)
	if err != nil {
		return err
	}
	buildURL := c.Root + jobPath(job.Name) + strconv.FormatInt(b.Number, 10) + "/"
	base := buildURL + "testReport/"
	tr := append(jobTrail(c, job.Name), trail{"#" + strconv.FormatInt(b.Number, 10), buildURL}, trail{"Test Result", base})
	data := map[string]any{"Report": base}
	href := base
	for i, n := range names {
		href += browse.RawEncode(n) + "/"
		tr = append(tr, trail{names[i], href})
	}
	var title string
	switch {
	case f.Case != nil:
		k := f.Case
		title = "Test Result : " + k.ClassName + "." + k.Name()
		data["Case"] = map[string]any{
			"Name": k.Name(), "Class": k.ClassName, "Status": string(k.Status()), "Condition": string(k.Condition),
			"Duration": k.Duration, "Age": k.Age(), "FailedSince": k.FailedSince,
			"Details": deref(k.ErrorDetails), "Stack": deref(k.ErrorStackTrace), "SkippedMessage": deref(k.SkippedMessage),
			"Stdout": caseOutput(k.Stdout, k.Suite(), false), "Stderr": caseOutput(k.Stderr, k.Suite(), true),
		}
	case f.Class != nil:
		title = "Test Result : " + f.Class.Name
		var rows []testRow
		for _, k := range f.Class.Cases {
			rows = append(rows, testRow{Name: k.Name(), Href: junit.Safe(k.Name()) + "/", Duration: k.Duration, Status: string(k.Status()), Age: k.Age()})
		}
		data["Cases"] = rows
		data["Counts"] = testRow{Fail: f.Class.FailCount, Skip: f.Class.SkipCount, Pass: f.Class.PassCount, Total: f.Class.FailCount + f.Class.SkipCount + f.Class.PassCount, Duration: f.Class.Duration}
	case f.Package != nil:
		title = "Test Result : " + f.Package.Name
		var rows []testRow
		for _, cl := range f.Package.Classes {
			rows = append(rows, testRow{Name: cl.Name, Href: junit.Safe(cl.Name) + "/", Duration: cl.Duration, Fail: cl.FailCount, Skip: cl.SkipCount, Pass: cl.PassCount, Total: cl.FailCount + cl.SkipCount + cl.PassCount})
		}
		data["Children"], data["ChildKind"] = rows, "Class"
		data["Counts"] = testRow{Fail: f.Package.FailCount, Skip: f.Package.SkipCount, Pass: f.Package.PassCount, Total: f.Package.FailCount + f.Package.SkipCount + f.Package.PassCount, Duration: f.Package.Duration}
	default:
		title = "Test Result"
		var rows, failed []testRow
		for _, p := range r.Packages() {
			ph := junit.Safe(p.Name) + "/"
			rows = append(rows, testRow{Name: p.Name, Href: ph, Duration: p.Duration, Fail: p.FailCount, Skip: p.SkipCount, Pass: p.PassCount, Total: p.FailCount + p.SkipCount + p.PassCount})
			for _, cl := range p.Classes {
				for _, k := range cl.Cases {
					if k.Failed() {
						failed = append(failed, testRow{Name: k.FullName(), Href: ph + junit.Safe(cl.Name) + "/" + junit.Safe(k.Name()) + "/", Duration: k.Duration, Age: k.Age(), Status: string(k.Status())})
					}
				}
			}
		}
		data["Children"], data["ChildKind"], data["Failed"] = rows, "Package", failed
		data["Counts"] = testRow{Fail: r.FailCount(), Skip: r.SkipCount(), Pass: r.PassCount(), Total: r.TotalCount(), Duration: r.Duration}
	}
	data["Heading"] = title
	return ui.render(c, http.StatusOK, "testreport", page{Title: job.Name + " #" + strconv.FormatInt(b.Number, 10) + " " + title, Trail: tr, P: data})
}

// caseOutput is a case's standard output (or error), or its suite's when
// it has none of its own, as the plugin's CaseResult.getStdout reads it.
func caseOutput(own *string, s *junit.Suite, stderr bool) string {
	if own != nil || s == nil {
		return deref(own)
	}
	if stderr {
		return deref(s.Stderr)
	}
	return deref(s.Stdout)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// FingerprintPage is /fingerprint/<md5>/: the file's name, the build
// that first archived it and the builds of the jobs the caller may see
// that used it (the usages of others, and an original build of another
// job, left out as the API leaves them out).
func (ui *UI) FingerprintPage(c *request.Call, md5 string) error {
	fp, err := ui.outputs.Archive.FingerprintOf(c.Ctx(), md5)
	if err != nil {
		return request.Refused(err)
	}
	visible := func(name string) bool {
		j, err := ui.jobs.Get(name)
		return err == nil && c.CanSee(j)
	}
	type usage struct {
		Job, URL string
		Builds   []artifactLink
	}
	data := map[string]any{"Hash": fp.Hash, "FileName": fp.FileName, "Timestamp": fp.Timestamp}
	var uses []usage
	for _, u := range fp.Usages {
		if !visible(u.Job) {
			continue
		}
		us := usage{Job: u.Job, URL: c.Root + jobPath(u.Job)}
		for _, r := range u.Ranges {
			name := "#" + strconv.Itoa(r.Start)
			if r.End-1 > r.Start {
				name += "–#" + strconv.Itoa(r.End-1)
			}
			us.Builds = append(us.Builds, artifactLink{Name: name, Href: us.URL + strconv.Itoa(r.Start) + "/"})
		}
		uses = append(uses, us)
	}
	data["Usages"] = uses
	if o := fp.Original; o != nil && visible(o.Job) {
		data["Original"] = artifactLink{Name: o.Job + " #" + strconv.Itoa(o.Number), Href: c.Root + jobPath(o.Job) + strconv.Itoa(o.Number) + "/"}
	}
	return ui.render(c, http.StatusOK, "fingerprint", page{Title: "Fingerprint " + fp.Hash, P: data})
}
