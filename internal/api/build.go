package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/authz"
	"github.com/jeeves-ci/jeeves/internal/export"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/request"
	"github.com/jeeves-ci/jeeves/internal/store"
)

// SubmitBuildDescription is POST …/N/submitDescription (Run's): the
// description parameter, from the query or the form, needs Run/Update.
func (a *API) SubmitBuildDescription(c *request.Call, job *model.Job, b *model.Build) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.Require(authz.RunUpdate); err != nil {
		return err
	}
	if err := request.ParseForm(c); err != nil {
		return err
	}
	if err := a.builds.SetDescription(c.Ctx(), job.ID, b.Number, c.R.FormValue("description")); err != nil {
		return request.Refused(err)
	}
	url := c.Root + jobPath(job.Name) + strconv.FormatInt(b.Number, 10) + "/"
	return request.RedirectAfterPost(c, url, url+"api/json")
}

// BuildConfigSubmit is POST …/N/configSubmit (Run.doConfigSubmit): the
// display name and description from the form's json field, both needed
// ("" display name: back to "#N"); Run/Update.
func (a *API) BuildConfigSubmit(c *request.Call, job *model.Job, b *model.Build) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.Require(authz.RunUpdate); err != nil {
		return err
	}
	form, err := request.SubmittedForm(c)
	if err != nil {
		return err
	}
	var fields struct {
		DisplayName *string `json:"displayName"`
		Description *string `json:"description"`
	}
	if err := json.Unmarshal(form, &fields); err != nil {
		return request.BadRequest("The json field's displayName and description must be strings: " + err.Error())
	}
	if fields.DisplayName == nil || fields.Description == nil {
		return request.BadRequest("The json field must hold both displayName and description")
	}
	name := strings.TrimSpace(*fields.DisplayName)
	if len(name) > maxDisplayName {
		return request.BadRequest("The display name is longer than " + strconv.Itoa(maxDisplayName) + " bytes")
	}
	if err := a.builds.SetInfo(c.Ctx(), job.ID, b.Number, name, *fields.Description); err != nil {
		return request.Refused(err)
	}
	url := c.Root + jobPath(job.Name) + strconv.FormatInt(b.Number, 10) + "/"
	return request.RedirectAfterPost(c, url, url+"api/json")
}

// maxDisplayName bounds a build's display name; descriptions are bounded
// by the request body's limit.
const maxDisplayName = 1024

// StopBuild is POST …/N/stop: a finished build is left as it is, and the
// answer is the same redirect.
func (a *API) StopBuild(c *request.Call, job *model.Job, b *model.Build) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.Require(authz.ItemCancel); err != nil {
		return err
	}
	by := c.ID.Name() // "anonymous"
	if c.ID.User != nil {
		by = c.ID.User.DisplayName()
	}
	if a.farm.Stop(job.ID, b.Number, by) {
		c.Notify("Aborting " + job.Name + " #" + strconv.FormatInt(b.Number, 10))
	}
	url := c.Root + jobPath(job.Name) + strconv.FormatInt(b.Number, 10) + "/"
	return request.RedirectAfterPost(c, url, url+"api/json")
}

// buildSummaryVis: properties below this visibility are not in a
// buildSummaryObject.
const buildSummaryVis = 2

// buildSummaryObject is buildObject with only its properties of
// visibility buildSummaryVis and up: number and url.
func buildSummaryObject(c *request.Call, job *model.Job, number int64) *export.Object {
	url := c.Root + jobPath(job.Name) + strconv.FormatInt(number, 10) + "/"
	return newObject("hudson.model.FreeStyleBuild", propVis("number", 999, number), propVis("url", 2, url))
}

// buildRef is a build where another object refers to it (a job's
// permalinks, a queue item's executable, an executor's current build):
// its summary when only properties of buildSummaryVis and up will show,
// the whole build when the depth or a tree asks for more, as Stapler
// exports a Run wherever it appears. b, when not nil, is the build
// already at hand; else it is read from the store only if needed.
func (a *API) buildRef(c *request.Call, job *model.Job, number int64, b *model.Build) export.Pruned {
	return func(minVis int) any {
		if minVis >= buildSummaryVis {
			return buildSummaryObject(c, job, number)
		}
		if b == nil {
			var err error
			if b, err = a.builds.Get(c.Ctx(), job.ID, number); err != nil {
				c.FailUnlessGone(err)
				return buildSummaryObject(c, job, number) // deleted meanwhile
			}
		}
		return a.BuildObject(c, job, b)
	}
}

// BuildObject is a build's API object (the exported properties of
// hudson/model/Run.java and AbstractBuild.java).
func (a *API) BuildObject(c *request.Call, job *model.Job, b *model.Build) *export.Object {
	url := c.Root + jobPath(job.Name) + strconv.FormatInt(b.Number, 10) + "/"
	num := strconv.FormatInt(b.Number, 10)
	causes := make([]*export.Object, len(b.Causes))
	for i, cause := range b.Causes {
		causes[i] = causeObject(c.VisibleCause(cause))
	}
	actions := []*export.Object{newObject("hudson.model.CauseAction", propVis("causes", 2, causes))}
	if len(b.Params) > 0 {
		vals := make([]*export.Object, len(b.Params))
		for i, v := range b.Params {
			vals[i] = paramValueObject(v)
		}
		actions = append(actions, newObject("hudson.model.ParametersAction", propVis("parameters", 2, vals)))
	}
	// The git plugin's BuildData comes before what the publishers
	// added, as Jenkins adds them: at checkout, then after the steps.
	allActions := func() any {
		acts := actions[:len(actions):len(actions)]
		if bd := a.gitBuildData(c, job, b.Number); bd != nil {
			acts = append(acts, bd)
		}
		return append(acts, a.outputActions(c, b)...)
	}
	var result any
	if !b.Building {
		result = string(b.Result)
	}
	var executor any
	duration := b.Duration.Milliseconds()
	if b.Building {
		executor = newObject("")
		duration = 0
	}
	display := "#" + num
	if b.DisplayName != "" {
		display = b.DisplayName
	}
	var desc any
	if b.Description != "" {
		desc = b.Description
	}
	return newObject("hudson.model.FreeStyleBuild",
		prop("actions", export.Lazy(allActions)),
		lazyProp("artifacts", func() any { return a.buildArtifacts(c, b) }),
		prop("building", b.Building),
		prop("description", desc),
		prop("displayName", display),
		prop("duration", duration),
		export.Prop{Name: "estimatedDuration", Vis: 1, Value: export.Lazy(func() any { return a.estimatedDuration(c, job) })},
		prop("executor", executor),
		prop("fullDisplayName", strings.ReplaceAll(job.Name, "/", " » ")+" "+display),
		prop("id", num),
		prop("inProgress", b.Building),
		prop("keepLog", b.KeepLog),
		propVis("number", 999, b.Number),
		prop("queueId", b.QueueID),
		prop("result", result),
		prop("timestamp", b.StartedAt.UnixMilli()),
		propVis("url", 2, url),
		prop("builtOn", b.BuiltOn),
		lazyProp("changeSet", func() any { return a.changeSetObject(c, job, b.Number) }),
		prop("culprits", []*export.Object{}),
	)
}

// estimatedDuration averages the last three successful builds, -1 if
// none (builds.EstimatedDuration).
func (a *API) estimatedDuration(c *request.Call, job *model.Job) any {
	d, ok, err := a.builds.EstimatedDuration(c.Ctx(), job.ID)
	if err != nil {
		c.Fail(err)
		return -1
	}
	if !ok {
		return -1
	}
	return d.Milliseconds()
}

func causeObject(c model.Cause) *export.Object {
	if c.Kind == model.CauseUpstream && c.Project == "" {
		return newObject("hudson.model.Cause$UpstreamCause", propVis("shortDescription", 3, c.Description()),
			propVis("upstreamBuild", 3, nil), propVis("upstreamProject", 3, nil), propVis("upstreamUrl", 3, nil))
	}
	switch c.Kind {
	case model.CauseUser:
		var uid, uname any
		if c.UserID != "" {
			uid, uname = c.UserID, c.UserName
		}
		return newObject("hudson.model.Cause$UserIdCause", propVis("shortDescription", 3, c.Description()), propVis("userId", 3, uid), propVis("userName", 3, uname))
	case model.CauseRemote:
		return newObject("hudson.model.Cause$RemoteCause", propVis("shortDescription", 3, c.Description()), propVis("addr", 3, c.Addr), propVis("note", 3, c.Note))
	case model.CauseTimer:
		return newObject("hudson.triggers.TimerTrigger$TimerTriggerCause", propVis("shortDescription", 3, c.Description()))
	case model.CauseUpstream:
		return newObject("hudson.model.Cause$UpstreamCause", propVis("shortDescription", 3, c.Description()),
			propVis("upstreamBuild", 3, c.Build), propVis("upstreamProject", 3, c.Project), propVis("upstreamUrl", 3, jobPath(c.Project)))
	}
	if class := gitCauseClass(c.Kind); class != "" {
		return newObject(class, propVis("shortDescription", 3, c.Description()))
	}
	return newObject("hudson.model.Cause", propVis("shortDescription", 3, c.Description()))
}

// ConsoleText serves the whole log. A build's log always has at least
// its "Started by" line, so it is never empty. Once the answer has
// begun, a failed write is a client gone: nothing is left to answer.
func (a *API) ConsoleText(c *request.Call, b *model.Build) error {
	c.W.Header().Set("Content-Type", "text/plain;charset=utf-8")
	log, err := a.builds.OpenLog(b.JobID, b.Number)
	if errors.Is(err, store.ErrNotFound) {
		_, err = io.WriteString(c.W, b.StartedLines())
		return err
	}
	if err != nil {
		return err
	}
	defer log.Close()
	c.W.Header().Set("Content-Length", strconv.FormatInt(log.Size, 10))
	return a.sendLog(c, b, io.NewSectionReader(log, 0, log.Size))
}

// ProgressiveText serves the log from byte ?start=, with X-Text-Size
// (where to start next time) and X-More-Data while the build runs. Only
// the requested range is read, so the cost does not grow with the log.
func (a *API) ProgressiveText(c *request.Call, b *model.Build) error {
	h := c.W.Header()
	h.Set("Content-Type", "text/plain;charset=utf-8")
	// Read "building" before the file size: a build that finishes in
	// between then only costs the client one more, empty, poll.
	_, running := a.farm.Running(b.JobID, b.Number)
	log, err := a.builds.OpenLog(b.JobID, b.Number)
	if errors.Is(err, store.ErrNotFound) {
		h.Set("X-Text-Size", "0")
		if running {
			h.Set("X-More-Data", "true")
		}
		c.W.WriteHeader(http.StatusOK)
		return nil
	}
	if err != nil {
		return err
	}
	defer log.Close()
	size := log.Size
	// Jenkins reads start as a request parameter: node-jenkins POSTs it
	// as a form. One that is no offset in the log reads from the start.
	start, err := strconv.ParseInt(c.R.FormValue("start"), 10, 64)
	if err != nil || start < 0 || start > size {
		start = 0
	}
	h.Set("X-Text-Size", strconv.FormatInt(size, 10))
	if running {
		h.Set("X-More-Data", "true")
	}
	h.Set("Content-Length", strconv.FormatInt(size-start, 10))
	c.W.WriteHeader(http.StatusOK)
	if c.R.Method == http.MethodHead {
		return nil
	}
	return a.sendLog(c, b, io.NewSectionReader(log, start, size-start))
}

// sendLog copies part of b's log to the answer, whose headers are set.
// A log that cannot be read is logged here, with the build it is of;
// either failure is returned, and, the answer having begun, the server
// only logs it.
func (a *API) sendLog(c *request.Call, b *model.Build, part io.Reader) error {
	r := &logReader{r: part}
	_, err := io.Copy(c.W, r)
	if r.err != nil {
		a.log.Error("cannot read a build's console log", "job", b.JobName, "build", b.Number, "err", r.err)
		return r.err
	}
	return err
}

// logReader remembers the error a log's read met, to tell it from the
// client's going away.
type logReader struct {
	r   io.Reader
	err error
}

func (l *logReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	if err != nil && err != io.EOF {
		l.err = err
	}
	return n, err
}

// DeleteBuild is POST /job/N/<number>/doDelete: a finished build and its
// log go; a running one must be stopped first, as in Jenkins.
func (a *API) DeleteBuild(c *request.Call, job *model.Job, b *model.Build) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.Require(authz.RunDelete); err != nil {
		return err
	}
	if b.Building {
		return request.BadRequest("Unable to delete " + job.Name + " #" + strconv.FormatInt(b.Number, 10) + " as it is still running")
	}
	if err := a.builds.Delete(c.Ctx(), job.ID, b.Number); err != nil {
		return request.Refused(err)
	}
	c.Notify("Deleted " + job.Name + " #" + strconv.FormatInt(b.Number, 10))
	url := c.Root + jobPath(job.Name)
	return request.RedirectAfterPost(c, url, url+"api/json")
}
