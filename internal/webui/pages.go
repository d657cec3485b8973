package webui

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jeeves-ci/jeeves/internal/authz"
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
	Folder, CanBuild, Params         bool
	LastSuccess, LastFailure         int64 // build numbers; 0 = none
	SuccessAgo, FailureAgo, Duration string
}

type queueRow struct {
	ID             int64
	Name, URL, Why string
	CanCancel      bool
}

type executorRow struct{ Build, URL string }

// Dashboard renders the jobs of folder ("" = the root) with the queue
// and the executors beside them.
func (ui *UI) Dashboard(c *request.Call, folder *model.Job) error {
	name := ""
	if folder != nil {
		name = folder.Name
	}
	busy := false
	var rows []dashboardRow
	for _, j := range ui.jobs.Children(name) {
		if !c.CanSee(j) {
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
				r.LastSuccess, r.SuccessAgo = sum.success.Number, timespan.Ago(sum.success.StartedAt)
			}
			if sum.failure != nil {
				r.LastFailure, r.FailureAgo = sum.failure.Number, timespan.Ago(sum.failure.StartedAt)
			}
			if sum.status.CompletedNumber > 0 {
				r.Duration = timespan.Format(sum.duration)
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
		execs = append(execs, executorRow{Build: j.Name + " #" + strconv.FormatInt(b.Number, 10), URL: c.Root + jobPath(j.Name) + strconv.FormatInt(b.Number, 10) + "/console"})
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
	return ui.render(c, http.StatusOK, "dashboard", page{Title: title, Live: live, Trail: tr, P: map[string]any{
		"Jobs": rows, "Queue": queue, "Executors": execs, "Offline": offline,
		"CanCreate": c.ID.User != nil && c.HasOn(folder, authz.ItemCreate), "NewItemPath": newItem,
		"Folder": map[bool]string{true: name}[folder != nil], "FolderURL": folderURL,
		"CanConfigure": folder != nil && c.HasOn(folder, authz.ItemConfigure), "CanDelete": folder != nil && c.HasOn(folder, authz.ItemDelete),
	}})
}

// historySummary is what the dashboard shows of a job's history,
// remembered for as long as the job's status (its newest and newest
// finished build) stays the same: a dashboard left open reads no history
// while nothing finishes. Deleting a build forgets it (deleteBuild).
type historySummary struct {
	status           model.JobStatus
	success, failure *model.Build
	duration         time.Duration
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

// trendBar is one build in the build-time trend chart.
type trendBar struct {
	Number     int64
	X, Y, W, H float64
	Class      string
	Result     string
	Duration   time.Duration
}

type trendChart struct {
	Width, Height float64
	Max           time.Duration
	Bars          []trendBar
}

// trend draws the last builds' durations as bars, oldest on the left.
func trend(builds []*model.Build) trendChart {
	const width, height, n = 600.0, 140.0, 30
	ch := trendChart{Width: width, Height: height}
	if len(builds) > n {
		builds = builds[:n]
	}
	for _, b := range builds {
		d := b.Duration
		if b.Building {
			d = time.Since(b.StartedAt)
		}
		ch.Max = max(ch.Max, d)
	}
	if len(builds) == 0 {
		return ch
	}
	slot := width / float64(n)
	for i, b := range builds {
		d := b.Duration
		class, result := strings.ToLower(string(b.Result)), string(b.Result)
		if b.Building {
			d, class, result = time.Since(b.StartedAt), "building", "running"
		}
		h := 2.0
		if ch.Max > 0 {
			h = max(2, (height-10)*float64(d)/float64(ch.Max))
		}
		x := width - float64(i+1)*slot
		ch.Bars = append(ch.Bars, trendBar{Number: b.Number, X: x + slot*0.15, Y: height - h, W: slot * 0.7, H: h, Class: class, Result: result, Duration: d})
	}
	return ch
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
	builds, err := ui.builds.List(c.Ctx(), job.ID, 30)
	if err != nil {
		return err
	}
	var hist []historyRow
	busy := false
	for _, b := range builds {
		color := b.Result.Color()
		if b.Building {
			color, busy = "grey_anime", true
		}
		hist = append(hist, historyRow{Number: b.Number, Color: color, StartedAt: b.StartedAt, Duration: b.Duration, Building: b.Building})
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
		"Builds": hist, "Waiting": waiting, "Trend": trend(builds),
		"Upstream": refs(ui.jobs.Upstream(job)), "Downstream": refs(ui.jobs.Downstream(job)),
		"NotRun": ui.farm.Unsupported(job), "Git": ui.jobGit(c, job),
	}
	if err := ui.addJobOutputs(c, job, data); err != nil {
		return err
	}
	return ui.render(c, http.StatusOK, "job", page{Title: job.Name, Live: live, Trail: jobTrail(c, job.Name), P: data})
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
	tr := append(jobTrail(c, job.Name), trail{"#" + strconv.FormatInt(b.Number, 10), data["URL"].(string)})
	return ui.render(c, http.StatusOK, "build", page{Title: title, Live: live, Trail: tr, P: data})
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
