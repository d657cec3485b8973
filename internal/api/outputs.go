package api

import (
	"cmp"
	"errors"
	"slices"
	"strconv"

	"github.com/jeeves-ci/jeeves/internal/artifact"
	"github.com/jeeves-ci/jeeves/internal/authz"
	"github.com/jeeves-ci/jeeves/internal/export"
	"github.com/jeeves-ci/jeeves/internal/junit"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/request"
	"github.com/jeeves-ci/jeeves/internal/store"
	"github.com/jeeves-ci/jeeves/internal/testreport"
)

// What builds leave behind, as the remote API shows it: a build's
// artifacts and test results in its api/json, its keepLog, the
// fingerprints, the test report's api/json, disk usage, and the
// toggleLogKeep action.

// buildArtifacts is the "artifacts" of a build's api/json
// (Run.getArtifacts): Jenkins's order and display paths; [] for a build
// without artifacts.
func (a *API) buildArtifacts(c *request.Call, b *model.Build) any {
	list, err := a.outputs.Archive.List(c.Ctx(), b.JobID, b.Number, 0)
	if err != nil {
		c.FailUnlessGone(err)
		return []*export.Object{}
	}
	return artifact.Export(list)
}

// outputActions are the actions a build's outputs add to its api/json:
// the TestResultAction when it recorded tests, and its disk usage.
func (a *API) outputActions(c *request.Call, b *model.Build) []*export.Object {
	var out []*export.Object
	if !b.Building {
		sum, err := a.outputs.Tests.Summary(c.Ctx(), b.JobID, b.Number)
		switch {
		case err == nil:
			out = append(out, sum.Action())
		case !errors.Is(err, store.ErrNotFound):
			c.Fail(err)
		}
	}
	return append(out, diskUsageAction(buildDiskUsageClass, b.DiskUsage))
}

// The disk-usage plugin's actions, which jeeves's disk usage takes the
// place of: a build's and a job's bytes (logs, artifacts, reports).
const (
	buildDiskUsageClass = "hudson.plugins.disk_usage.BuildDiskUsageAction"
	jobDiskUsageClass   = "hudson.plugins.disk_usage.ProjectDiskUsageAction"
)

func diskUsageAction(class string, bytes int64) *export.Object {
	return newObject(class, propVis("diskUsage", 2, bytes))
}

// jobDiskUsage is the action of a job's disk usage, read when written.
func (a *API) jobDiskUsage(c *request.Call, job *model.Job) *export.Object {
	return newObject(jobDiskUsageClass, export.Prop{Name: "diskUsage", Vis: 2, Value: export.Lazy(func() any {
		n, err := a.builds.JobDiskUsage(c.Ctx(), job.ID)
		c.Fail(err)
		return n
	})})
}

// testHealth is the test health report of the job's last finished
// build (AbstractTestResultAction.getBuildHealth), with ok false when it
// recorded no tests or its archiver's scale turns the report off.
func (a *API) testHealth(c *request.Call, job *model.Job) (h junit.Health, ok bool) {
	n, _, err := a.builds.Permalink(c.Ctx(), job.ID, model.LastCompletedBuild)
	if err != nil || n == 0 {
		c.Fail(err)
		return h, false
	}
	sum, err := a.outputs.Tests.Summary(c.Ctx(), job.ID, n)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			c.Fail(err)
		}
		return h, false
	}
	return sum.Health(sum.HealthScaleFactor)
}

// healthObject is a HealthReport as Job.getBuildHealthReports exports
// it.
func healthObject(desc string, score int) *export.Object {
	bucket := "80plus"
	switch {
	case score <= 20:
		bucket = "00to19"
	case score <= 40:
		bucket = "20to39"
	case score <= 60:
		bucket = "40to59"
	case score <= 80:
		bucket = "60to79"
	}
	return newObject("",
		propVis("description", 2, desc),
		propVis("iconClassName", 2, "icon-health-"+bucket),
		propVis("iconUrl", 2, "health-"+bucket+".png"),
		propVis("score", 2, score),
	)
}

// sortHealth orders health reports as HealthReport.compareTo does:
// the worst first.
func sortHealth(reports []*export.Object, scores []int) []*export.Object {
	idx := make([]int, len(reports))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(x, y int) int { return cmp.Compare(scores[x], scores[y]) })
	out := make([]*export.Object, len(reports))
	for i, j := range idx {
		out[i] = reports[j]
	}
	return out
}

// ToggleLogKeep is POST …/<build>/toggleLogKeep (Run.doToggleLogKeep):
// keeping a build forever needs Run/Update, no longer keeping it
// Run/Delete, as in Jenkins.
func (a *API) ToggleLogKeep(c *request.Call, job *model.Job, b *model.Build) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	perm := authz.RunUpdate
	if b.KeepLog {
		perm = authz.RunDelete
	}
	if err := c.Require(perm); err != nil {
		return err
	}
	if err := a.builds.SetKeepLog(c.Ctx(), job.ID, b.Number, !b.KeepLog); err != nil {
		return request.Refused(err)
	}
	url := c.Root + jobPath(job.Name) + strconv.FormatInt(b.Number, 10) + "/"
	return request.RedirectAfterPost(c, url, url+"api/json")
}

// FingerprintObject is /fingerprint/<md5>/api/json: what is known of
// a file by its MD5, with the usages of jobs the caller may see only.
// An MD5 not known is a 404.
func (a *API) FingerprintObject(c *request.Call, md5 string) (*export.Object, error) {
	visible := func(name string) bool {
		j, err := a.jobs.Get(name)
		return err == nil && c.CanSee(j)
	}
	o, err := a.outputs.Archive.Fingerprint(c.Ctx(), md5, visible)
	if err != nil {
		return nil, request.Refused(err)
	}
	return o, nil
}

// The XML root elements of the test report's objects.
const (
	testResultRoot  = "testResult"
	packageRoot     = "packageResult"
	classResultRoot = "classResult"
	caseResultRoot  = "caseResult"
)

// TestReport reads a build's test report and finds in it what the URL
// names after testReport/: nothing (the report), a package, a class and
// a case, each by its URL-safe name. 404 when the build has no report
// or a name matches nothing.
func (a *API) TestReport(c *request.Call, b *model.Build, names []string) (*junit.Report, *TestFound, error) {
	r, err := a.outputs.Tests.Report(c.Ctx(), b.JobID, b.Number)
	if err != nil {
		return nil, nil, request.Refused(err)
	}
	var n [3]string
	copy(n[:], names)
	p, cl, k, err := testreport.Find(r, n[0], n[1], n[2])
	if err != nil {
		return nil, nil, request.Refused(err)
	}
	return r, &TestFound{Package: p, Class: cl, Case: k}, nil
}

// TestFound is what a test report URL names below the report: a
// package, a class of it and a case of that, nil past what it names.
type TestFound struct {
	Package *junit.Package
	Class   *junit.Class
	Case    *junit.Case
}

// TestReportObject is the api of …/testReport/[package[/class[/case]]]:
// the TestResult, a PackageResult, a ClassResult or a CaseResult, and
// the XML root it is written under.
func (a *API) TestReportObject(c *request.Call, b *model.Build, names []string) (string, *export.Object, error) {
	r, f, err := a.TestReport(c, b, names)
	if err != nil {
		return "", nil, err
	}
	opt := junit.ExportOptions{}
	switch {
	case f.Case != nil:
		return caseResultRoot, f.Case.Export(opt), nil
	case f.Class != nil:
		return classResultRoot, classObject(f.Class, opt), nil
	case f.Package != nil:
		return packageRoot, packageObject(f.Package, opt), nil
	}
	return testResultRoot, r.Export(opt), nil
}

// packageObject is a PackageResult's api/json: its classes inline.
func packageObject(p *junit.Package, opt junit.ExportOptions) *export.Object {
	kids := make([]*export.Object, len(p.Classes))
	for i, cl := range p.Classes {
		kids[i] = classObject(cl, opt)
	}
	return newObject("hudson.tasks.junit.PackageResult",
		propVis("testActions", 3, []*export.Object{}),
		propVis("child", 999, kids),
		propVis("duration", 999, p.Duration),
		propVis("failCount", 999, p.FailCount),
		propVis("name", 999, p.Name),
		propVis("passCount", 999, p.PassCount),
		propVis("skipCount", 999, p.SkipCount),
	)
}

// classObject is a ClassResult's api/json: its cases inline.
func classObject(cl *junit.Class, opt junit.ExportOptions) *export.Object {
	kids := make([]*export.Object, len(cl.Cases))
	for i, k := range cl.Cases {
		kids[i] = k.Export(opt)
	}
	return newObject("hudson.tasks.junit.ClassResult",
		propVis("testActions", 3, []*export.Object{}),
		propVis("child", 999, kids),
		propVis("duration", 999, cl.Duration),
		propVis("failCount", 999, cl.FailCount),
		propVis("name", 999, cl.Name),
		propVis("passCount", 999, cl.PassCount),
		propVis("skipCount", 999, cl.SkipCount),
	)
}
