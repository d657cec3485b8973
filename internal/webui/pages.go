package webui

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jeeves-ci/jeeves/internal/authz"
	"github.com/jeeves-ci/jeeves/internal/builds"
	"github.com/jeeves-ci/jeeves/internal/executor"
	"github.com/jeeves-ci/jeeves/internal/jobs"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/request"
	"github.com/jeeves-ci/jeeves/internal/store"
	"github.com/jeeves-ci/jeeves/internal/timespan"
)

// Live refresh intervals: fast while something runs, slow otherwise.
const (
	liveBusy = "1000"
	liveIdle = "5000"
)

// trail is one step of the breadcrumb in a page's header.
type trail struct{ Name, URL string }

// page is what every template gets: the layout's fields and P, the page's
// own data.
type page struct {
	Title, Root, Static, Crumb, Version, Flash string
	Live                                       string // refresh interval in ms; "" = none
	API                                        string // the REST API page of the page's object; "" = the root's
	User                                       *model.User
	Admin                                      bool
	Trail                                      []trail
	P                                          any
}

// render writes a page with the security headers every page carries.
func (ui *UI) render(c *request.Call, status int, name string, pg page) error {
	pg.Root, pg.Static, pg.Version = c.Root, ui.StaticPrefix(), ui.version
	pg.User = c.ID.User
	pg.Crumb = ui.crumbValue(c)
	pg.Admin = c.ID.User != nil && c.HasOn(nil, authz.Administer)
	if pg.Flash == "" {
		pg.Flash = ui.takeNotice(c)
	}
	var buf bytes.Buffer
	if err := ui.t.Render(&buf, name, pg); err != nil {
		return err
	}
	if ui.Hold(c, status, buf.Bytes()) {
		return nil // a UI form's POST: the browser GETs the page (flash.go)
	}
	request.PageHeaders(c.W.Header())
	c.W.WriteHeader(status)
	if c.R.Method == http.MethodHead {
		return nil
	}
	_, err := c.W.Write(buf.Bytes())
	return err
}

// crumbValue is the crumb forms carry; "" when crumbs are off.
func (ui *UI) crumbValue(c *request.Call) string {
	if !ui.sys().CSRF {
		return ""
	}
	return ui.auth.Crumb(c.ID)
}

// ServeStatic serves /static/<hash>/<file>, cached for good: the hash
// changes whenever an asset does.
func (ui *UI) ServeStatic(c *request.Call, p []string) error {
	a, ok := ui.t.Asset(strings.Join(p, "/"))
	if !ok {
		return request.NotFound()
	}
	h := c.W.Header()
	h.Set("Content-Type", a.ContentType)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("Content-Length", strconv.Itoa(len(a.Body)))
	c.W.WriteHeader(http.StatusOK)
	if c.R.Method == http.MethodHead {
		return nil
	}
	_, err := c.W.Write(a.Body)
	return err
}

// jobTrail is the breadcrumb down to a job: each folder, then the job.
func jobTrail(c *request.Call, name string) []trail {
	var out []trail
	parts := strings.Split(name, "/")
	for i := range parts {
		full := strings.Join(parts[:i+1], "/")
		out = append(out, trail{parts[i], c.Root + jobPath(full)})
	}
	return out
}

// dashboardRow is one job on the dashboard.
// Its words are made here, not in the template: a dashboard of
// thousands of jobs re-fetched every second must stay cheap.
type dashboardRow struct {
	Name, URL                        string
	Ball                             BallInfo
	Health                           *builds.Health // nil: no completed build
	Folder, CanBuild, Params         bool
	LastSuccess, LastFailure         int64 // build numbers; 0 = none
	SuccessAgo, FailureAgo, Duration string
	SuccessAt, FailureAt             time.Time
}

type queueRow struct {
	ID             int64
	Name, URL, Why string
	CanCancel      bool
}

// executorRow is one executor of the built-in node: idle (Build ""), or
// the build it runs and how far it has come against its job's estimate.
type executorRow struct {
	Build, URL string
	Progress   progress
}

// Dashboard renders the jobs of folder ("" = the root) with the queue
// and the executors beside them.
func (ui *UI) Dashboard(c *request.Call, folder *model.Job) error {
	return ui.dashboard(c, folder, nil)
}

// dashboard renders the jobs of folder, or of the root's view v when v
// is not nil (views.go), with the view tabs above them.
func (ui *UI) dashboard(c *request.Call, folder *model.Job, v *model.View) error {
	name := ""
	if folder != nil {
		name = folder.Name
	}
	shows := ui.viewFilter(c, v)
	busy := false
	var rows []dashboardRow
	for _, j := range ui.jobs.Children(name) {
		if !c.CanSee(j) || !shows(j) {
			continue
		}
		r := dashboardRow{Name: j.Name, URL: c.Root + jobPath(j.Name), Ball: Ball(j.Color()), Folder: jobs.IsFolder(j), Duration: "N/A"}
		if name != "" {
			r.Name = strings.TrimPrefix(j.Name, name+"/")
		}
		if !r.Folder {
			r.CanBuild = c.HasOn(j, authz.ItemBuild) && !j.Config.Disabled
			r.Params = len(j.Config.Params) > 0
			sum, err := ui.summarizeHistory(c, j)
			if err != nil {
				return err
			}
			if sum.success != nil {
				r.LastSuccess, r.SuccessAgo, r.SuccessAt = sum.success.Number, timespan.Ago(sum.success.StartedAt), sum.success.StartedAt
			}
			if sum.failure != nil {
				r.LastFailure, r.FailureAgo, r.FailureAt = sum.failure.Number, timespan.Ago(sum.failure.StartedAt), sum.failure.StartedAt
			}
			if sum.status.CompletedNumber > 0 {
				r.Duration = timespan.Format(sum.duration)
			}
			if sum.healthOK {
				h := sum.health
				r.Health = &h
			}
			busy = busy || j.Status.LastBuilding
		}
		rows = append(rows, r)
	}
	var queue []queueRow
	for _, w := range ui.farm.Items() {
		j := ui.jobByID(w.Item.JobID)
		if j == nil || !c.CanSee(j) {
			continue
		}
		queue = append(queue, queueRow{ID: w.Item.ID, Name: j.Name, URL: c.Root + jobPath(j.Name), Why: w.Why, CanCancel: c.HasOn(j, authz.ItemCancel)})
	}
	var execs []executorRow
	for _, b := range ui.farm.Executors() {
		if b == nil {
			execs = append(execs, executorRow{})
			continue
		}
		busy = true
		j := ui.jobByID(b.JobID)
		if j == nil || !c.CanSee(j) {
			execs = append(execs, executorRow{Build: "busy"})
			continue
		}
		sum, err := ui.summarizeHistory(c, j)
		if err != nil {
			return err
		}
		execs = append(execs, executorRow{Build: j.Name + " #" + strconv.FormatInt(b.Number, 10), URL: c.Root + jobPath(j.Name) + strconv.FormatInt(b.Number, 10) + "/console",
			Progress: progressOf(time.Since(b.StartedAt), sum.estimate)})
	}
	offline := ""
	if off, why := ui.farm.Offline(); off {
		offline = why
		if offline == "" {
			offline = "taken offline"
		}
	}
	live := liveIdle
	if busy || len(queue) > 0 {
		live = liveBusy
	}
	newItem := "view/all/newJob"
	title := "Dashboard"
	var tr []trail
	folderURL := ""
	if folder != nil {
		folderURL = c.Root + jobPath(folder.Name)
		newItem = jobPath(folder.Name) + "newJob"
		title = folder.Name
		tr = jobTrail(c, folder.Name)
	}
	api := ""
	if folder != nil {
		api = folderURL + "api/"
	}
	data := map[string]any{
		"Jobs": rows, "Queue": queue, "Executors": execs, "Offline": offline,
		"CanCreate": c.ID.User != nil && c.HasOn(folder, authz.ItemCreate), "NewItemPath": newItem,
		"Folder": map[bool]string{true: name}[folder != nil], "FolderURL": folderURL,
		"CanConfigure": folder != nil && c.HasOn(folder, authz.ItemConfigure), "CanDelete": folder != nil && c.HasOn(folder, authz.ItemDelete),
	}
	title, tr = ui.viewData(c, folder, v, data, title, tr)
	return ui.render(c, http.StatusOK, "dashboard", page{Title: title, Live: live, Trail: tr, API: api, P: data})
}

// historySummary is what the dashboard shows of a job's history,
// remembered for as long as the job's status (its newest and newest
// finished build) stays the same: a dashboard left open reads no history
// while nothing finishes. Deleting a build forgets it (deleteBuild).
type historySummary struct {
	status           model.JobStatus
	success, failure *model.Build
	duration         time.Duration
	health           builds.Health // Jenkins's weather, when healthOK
	healthOK         bool
	estimate         time.Duration // how long a build takes; 0: unknown
}

// summarizeHistory is j's historySummary, remembered or read; one that
// could not be read whole is an error, and is not remembered.
func (ui *UI) summarizeHistory(c *request.Call, j *model.Job) (historySummary, error) {
	if v, ok := ui.summaries.Load(j.ID); ok && v.(historySummary).status == j.Status {
		return v.(historySummary), nil
	}
	sum := historySummary{status: j.Status}
	if j.Status.CompletedNumber > 0 {
		var err error
		if sum.success, err = ui.builds.PermalinkBuild(c.Ctx(), j.ID, model.LastSuccessfulBuild); ignoreGone(err) != nil {
			return sum, err
		}
		if sum.failure, err = ui.builds.PermalinkBuild(c.Ctx(), j.ID, model.LastFailedBuild); ignoreGone(err) != nil {
			return sum, err
		}
		b, err := ui.builds.Get(c.Ctx(), j.ID, j.Status.CompletedNumber)
		if ignoreGone(err) != nil {
			return sum, err
		}
		if b != nil {
			sum.duration = b.Duration
		}
		if sum.health, sum.healthOK, err = ui.builds.Health(c.Ctx(), j.ID); err != nil {
			return sum, err
		}
		if sum.estimate, _, err = ui.builds.EstimatedDuration(c.Ctx(), j.ID); err != nil {
			return sum, err
		}
	}
	ui.summaries.Store(j.ID, sum)
	return sum, nil
}

// ignoreGone is err, but nil for not found: a build deleted meanwhile.
func ignoreGone(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}

type historyRow struct {
	Number    int64
	Color     string
	StartedAt time.Time
	Duration  time.Duration
	Building  bool
}

// JobPage is /job/N/: history, Build Now or the parameters form,
// Configure, Disable/Enable, Delete, and the build-time trend.
func (ui *UI) JobPage(c *request.Call, job *model.Job) error {
	pager, recent, err := ui.historyOf(c, job, c.Root+jobPath(job.Name), historyWidgetSize)
	if err != nil {
		return err
	}
	busy := false
	for _, r := range pager.Rows {
		busy = busy || r.Building
	}
	if pager.Newest != "" {
		// A page of older builds: the trend still shows the newest.
		if recent, err = ui.builds.List(c.Ctx(), job.ID, historyWidgetSize); err != nil {
			return err
		}
	}
	links, err := ui.permalinks(c.Ctx(), c, job)
	if err != nil {
		return err
	}
	waiting := ""
	if w := ui.farm.JobItem(job.ID); w != nil {
		waiting, busy = "Pending: "+w.Why, true
	}
	refs := func(js []*model.Job) []trail {
		var out []trail
		for _, j := range js {
			if c.CanSee(j) {
				out = append(out, trail{j.Name, c.Root + jobPath(j.Name)})
			}
		}
		return out
	}
	live := liveIdle
	if busy {
		live = liveBusy
	}
	var health *builds.Health
	if h, ok, err := ui.builds.Health(c.Ctx(), job.ID); err != nil {
		return err
	} else if ok {
		health = &h
	}
	params := make([]model.ParamDef, len(job.Config.Params))
	copy(params, job.Config.Params)
	for i := range params {
		if params[i].Kind == model.ParamPassword {
			params[i].Default = "" // never sent to the browser
		}
	}
	data := map[string]any{
		"Name": job.Name, "URL": c.Root + jobPath(job.Name), "Color": job.Color(),
		"Description": job.Config.Description, "Disabled": job.Config.Disabled, "Params": params,
		"CanBuild": c.Has(authz.ItemBuild), "CanConfigure": c.Has(authz.ItemConfigure), "CanDelete": c.Has(authz.ItemDelete),
		"Builds": pager.Rows, "Pager": pager, "Permalinks": links, "Waiting": waiting, "Trend": trend(recent),
		"Upstream": refs(ui.jobs.Upstream(job)), "Downstream": refs(ui.jobs.Downstream(job)),
		"NotRun": ui.farm.Unsupported(job), "Git": ui.jobGit(c, job), "Health": health,
	}
	if err := ui.addJobOutputs(c, job, data); err != nil {
		return err
	}
	return ui.render(c, http.StatusOK, "job", page{Title: job.Name, Live: live, Trail: jobTrail(c, job.Name), API: c.Root + jobPath(job.Name) + "api/", P: data})
}

// consoleTail is how much of a log the console page shows inline; the
// rest is a link to consoleText, so a 50 MB log stays a fast page.
const consoleTail = 256 << 10

// BuildPage is /job/N/<n>/ (console false) and /job/N/<n>/console.
func (ui *UI) BuildPage(c *request.Call, job *model.Job, b *model.Build, console bool) error {
	if r, ok := ui.farm.Running(b.JobID, b.Number); ok {
		b = &r
	}
	color := b.Result.Color()
	if b.Building {
		color = "grey_anime"
	}
	var causes []string
	for _, cs := range b.Causes {
		causes = append(causes, c.VisibleCause(cs).Description())
	}
	params := make([]model.ParamValue, len(b.Params))
	copy(params, b.Params)
	for i := range params {
		if params[i].Kind == model.ParamPassword {
			params[i].Value = "****"
		}
	}
	data := map[string]any{
		"JobName": job.Name, "Number": b.Number, "URL": c.Root + jobPath(job.Name) + strconv.FormatInt(b.Number, 10) + "/",
		"Color": color, "Building": b.Building, "Result": string(b.Result), "StartedAt": b.StartedAt,
		"Duration": b.Duration, "Elapsed": time.Since(b.StartedAt), "Causes": causes, "Params": params,
		"CanStop": c.Has(authz.ItemCancel), "CanDelete": c.Has(authz.RunDelete), "Console": console,
	}
	if b.BuiltOn != "" {
		data["BuiltOn"], data["NodeURL"] = b.BuiltOn, c.Root+"computer/"+url.PathEscape(b.BuiltOn)+"/"
	}
	if err := ui.addBuildOutputs(c, b, data); err != nil {
		return err
	}
	if !console {
		g, err := ui.buildGit(c, job, b)
		if err != nil {
			return err
		}
		data["Git"] = g
	}
	if console {
		text, size, skipped, err := ui.logTail(b, consoleTail)
		if err != nil {
			return err
		}
		data["Text"], data["Size"] = text, size
		if skipped > 0 {
			data["Skipped"] = byteSize(skipped)
		}
	}
	// The console page follows the log itself and refreshes the rest once
	// the build ends: re-fetching a page that carries the log's tail every
	// second would cost each viewer 256 KB a second.
	live := ""
	if b.Building && !console {
		live = liveBusy
	}
	title := job.Name + " #" + strconv.FormatInt(b.Number, 10)
	if console {
		title += " Console"
	}
	nav, err := ui.navOf(c, job, b)
	if err != nil {
		return err
	}
	data["Nav"] = nav
	tr := append(jobTrail(c, job.Name), trail{"#" + strconv.FormatInt(b.Number, 10), data["URL"].(string)})
	return ui.render(c, http.StatusOK, "build", page{Title: title, Live: live, Trail: tr, API: data["URL"].(string) + "api/", P: data})
}

// byteSize says a size the way people read it.
func byteSize(n int64) string {
	switch {
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
	case n >= 1<<10:
		return strconv.FormatInt(n>>10, 10) + " KB"
	}
	return strconv.FormatInt(n, 10) + " B"
}

// logTail reads at most limit bytes from the end of a build's log, starting
// at a line boundary, and says how much it skipped: the console page stays
// fast however long the log grows.
func (ui *UI) logTail(b *model.Build, limit int64) (text string, size, skipped int64, err error) {
	log, err := ui.builds.OpenLog(b.JobID, b.Number)
	if errors.Is(err, store.ErrNotFound) {
		return b.StartedLines(), 0, 0, nil
	}
	if err != nil {
		return "", 0, 0, err
	}
	defer log.Close()
	size = log.Size
	start := max(0, size-limit)
	buf := make([]byte, size-start)
	if _, err := log.ReadAt(buf, start); err != nil && !errors.Is(err, io.EOF) {
		return "", 0, 0, err
	}
	if start > 0 {
		if i := bytes.IndexByte(buf, '\n'); i >= 0 {
			buf, start = buf[i+1:], start+int64(i)+1
		}
	}
	return string(buf), size, start, nil
}

// jobByID is the job with id; nil when there is none.
func (ui *UI) jobByID(id int64) *model.Job {
	j, err := ui.jobs.ByID(id)
	if err != nil {
		return nil
	}
	return j
}

// jobPath is a job's path under the root URL: "job/a/job/b/".
func jobPath(name string) string { return executor.JobPath(name) }

// ExpiredForm is the answer to a browser form sent with a stale or
// missing crumb (an old tab, a restart): it says so, and offers the way
// back, to back.
func (ui *UI) ExpiredForm(c *request.Call, status int, back string) error {
	return ui.render(c, status, "message", page{Title: "Expired form", P: map[string]any{
		"Heading": "This form has expired", "Error": true,
		"Text":   "No valid crumb was included in the request: the page this form came from is out of date (or your session changed), so jeeves did not act on it.",
		"Detail": "Go back, reload the page and submit the form again.", "Back": back, "BackText": "Go back and reload",
	}})
}
