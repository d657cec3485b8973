package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jeeves-ci/jeeves/internal/export"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/request"
	"github.com/jeeves-ci/jeeves/internal/store"
)

// walkBuild serves /job/N/<number>/… (§4.7, §5.4).
func (s *Server) walkBuild(c *request.Call, job *model.Job, number int64, p []string) error {
	b, err := s.builds.Get(c.Ctx(), job.ID, number)
	if errors.Is(err, store.ErrNotFound) {
		return request.NotFound()
	}
	if err != nil {
		return err
	}
	if len(p) == 0 {
		return s.buildUIPage(c, job, b, false)
	}
	run := runRef{job, b}
	if ok, err := dispatch(s, c, run, p, walkBuildMethods); ok {
		return err
	}
	switch p[0] {
	case "api":
		return s.serveAPI(c, p, "freeStyleBuild", s.buildObject(c, job, b))
	case "logText":
		return s.walkBuildLog(c, b, p[1:])
	case "console":
		return s.buildUIPage(c, job, b, true)
	}
	return request.NotFound()
}

// runRef is a build and its job, what a build's web methods act on.
type runRef struct {
	job *model.Job
	b   *model.Build
}

// walkBuildMethods are a build's web methods (Run's doConsoleText,
// doBuildNumber, doDoDelete, doStop…).
func walkBuildMethods(name string) webMethod[runRef] {
	switch name {
	case "consoleText":
		return func(s *Server, c *request.Call, r runRef) error { return s.consoleText(c, r.b) }
	case "buildNumber":
		return func(s *Server, c *request.Call, r runRef) error {
			c.W.Header().Set("Content-Type", "text/plain;charset=utf-8")
			_, err := io.WriteString(c.W, strconv.FormatInt(r.b.Number, 10))
			return err
		}
	case "doDelete":
		return func(s *Server, c *request.Call, r runRef) error { return s.deleteBuild(c, r.job, r.b) }
	case "stop":
		return func(s *Server, c *request.Call, r runRef) error { return s.stopBuild(c, r.job, r.b) }
	case "submitDescription":
		return (*Server).submitBuildDescription
	case "configSubmit":
		return (*Server).buildConfigSubmit
	}
	return nil
}

// submitBuildDescription is POST …/N/submitDescription (Run's): the
// description parameter, from the query or the form, needs Run/Update.
func (s *Server) submitBuildDescription(c *request.Call, r runRef) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.Require(permRunUpdate); err != nil {
		return err
	}
	if err := request.ParseForm(c); err != nil {
		return err
	}
	if err := s.builds.SetDescription(c.Ctx(), r.job.ID, r.b.Number, c.R.FormValue("description")); err != nil {
		return request.Refused(err)
	}
	url := c.Root + jobPath(r.job.Name) + strconv.FormatInt(r.b.Number, 10) + "/"
	return request.RedirectAfterPost(c, url, url+"api/json")
}

// buildConfigSubmit is POST …/N/configSubmit (Run.doConfigSubmit): the
// display name and description from the form's json field, both needed
// ("" display name: back to "#N"); Run/Update.
func (s *Server) buildConfigSubmit(c *request.Call, r runRef) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.Require(permRunUpdate); err != nil {
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
	if err := s.builds.SetInfo(c.Ctx(), r.job.ID, r.b.Number, name, *fields.Description); err != nil {
		return request.Refused(err)
	}
	url := c.Root + jobPath(r.job.Name) + strconv.FormatInt(r.b.Number, 10) + "/"
	return request.RedirectAfterPost(c, url, url+"api/json")
}

// maxDisplayName bounds a build's display name; descriptions are bounded
// by the request body's limit.
const maxDisplayName = 1024

// walkBuildLog serves a build's logText/…: its progressiveText method.
func (s *Server) walkBuildLog(c *request.Call, b *model.Build, p []string) error {
	if ok, err := dispatch(s, c, b, p, walkBuildLogMethods); ok {
		return err
	}
	return request.NotFound()
}

// walkBuildLogMethods are the web methods of a build's log
// (AnnotatedLargeText's doProgressiveText).
func walkBuildLogMethods(name string) webMethod[*model.Build] {
	switch name {
	case "progressiveText":
		return (*Server).progressiveText
	}
	return nil
}

// stopBuild is POST …/N/stop: a finished build is left as it is, and the
// answer is the same redirect.
func (s *Server) stopBuild(c *request.Call, job *model.Job, b *model.Build) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.Require(permCancel); err != nil {
		return err
	}
	by := c.ID.Name() // "anonymous"
	if c.ID.User != nil {
		by = c.ID.User.DisplayName()
	}
	s.queue.Stop(job.ID, b.Number, by)
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
	return obj("hudson.model.FreeStyleBuild", pv("number", 999, number), pv("url", 2, url))
}

// buildRef is a build where another object refers to it (a job's
// permalinks, a queue item's executable, an executor's current build):
// its summary when only properties of buildSummaryVis and up will show,
// the whole build when the depth or a tree asks for more, as Stapler
// exports a Run wherever it appears. b, when not nil, is the build
// already at hand; else it is read from the store only if needed.
func (s *Server) buildRef(c *request.Call, job *model.Job, number int64, b *model.Build) export.Pruned {
	return func(minVis int) any {
		if minVis >= buildSummaryVis {
			return buildSummaryObject(c, job, number)
		}
		if b == nil {
			var err error
			if b, err = s.builds.Get(c.Ctx(), job.ID, number); err != nil {
				c.FailUnlessGone(err)
				return buildSummaryObject(c, job, number) // deleted meanwhile
			}
		}
		return s.buildObject(c, job, b)
	}
}

// buildObject is a build's API object (§4.7).
func (s *Server) buildObject(c *request.Call, job *model.Job, b *model.Build) *export.Object {
	url := c.Root + jobPath(job.Name) + strconv.FormatInt(b.Number, 10) + "/"
	num := strconv.FormatInt(b.Number, 10)
	causes := make([]*export.Object, len(b.Causes))
	for i, cause := range b.Causes {
		causes[i] = causeObject(c.VisibleCause(cause))
	}
	actions := []*export.Object{obj("hudson.model.CauseAction", pv("causes", 2, causes))}
	if len(b.Params) > 0 {
		vals := make([]*export.Object, len(b.Params))
		for i, v := range b.Params {
			vals[i] = paramValueObject(v)
		}
		actions = append(actions, obj("hudson.model.ParametersAction", pv("parameters", 2, vals)))
	}
	var result any
	if !b.Building {
		result = string(b.Result)
	}
	var executor any
	duration := b.Duration.Milliseconds()
	if b.Building {
		executor = obj("")
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
	return obj("hudson.model.FreeStyleBuild",
		p("actions", actions),
		p("artifacts", []*export.Object{}),
		p("building", b.Building),
		p("description", desc),
		p("displayName", display),
		p("duration", duration),
		export.Prop{Name: "estimatedDuration", Vis: 1, Value: export.Lazy(func() any { return s.estimatedDuration(c, job) })},
		p("executor", executor),
		p("fullDisplayName", strings.ReplaceAll(job.Name, "/", " » ")+" "+display),
		p("id", num),
		p("inProgress", b.Building),
		p("keepLog", false),
		pv("number", 999, b.Number),
		p("queueId", b.QueueID),
		p("result", result),
		p("timestamp", b.StartedAt.UnixMilli()),
		pv("url", 2, url),
		p("builtOn", ""),
		p("changeSet", obj("hudson.scm.EmptyChangeLogSet", p("items", []*export.Object{}), p("kind", nil))),
		p("culprits", []*export.Object{}),
	)
}

// estimatedDuration averages the last three successful builds, -1 if none.
func (s *Server) estimatedDuration(c *request.Call, job *model.Job) any {
	bs, err := s.builds.List(c.Ctx(), job.ID, 20)
	if err != nil {
		c.Fail(err)
		return -1
	}
	var sum time.Duration
	n := 0
	for _, b := range bs {
		if !b.Building && (b.Result == model.Success || b.Result == model.Unstable) {
			sum += b.Duration
			if n++; n == 3 {
				break
			}
		}
	}
	if n == 0 {
		return -1
	}
	return (sum / time.Duration(n)).Milliseconds()
}

func causeObject(c model.Cause) *export.Object {
	if c.Kind == model.CauseUpstream && c.Project == "" {
		return obj("hudson.model.Cause$UpstreamCause", pv("shortDescription", 3, c.Description()),
			pv("upstreamBuild", 3, nil), pv("upstreamProject", 3, nil), pv("upstreamUrl", 3, nil))
	}
	switch c.Kind {
	case model.CauseUser:
		var uid, uname any
		if c.UserID != "" {
			uid, uname = c.UserID, c.UserName
		}
		return obj("hudson.model.Cause$UserIdCause", pv("shortDescription", 3, c.Description()), pv("userId", 3, uid), pv("userName", 3, uname))
	case model.CauseRemote:
		return obj("hudson.model.Cause$RemoteCause", pv("shortDescription", 3, c.Description()), pv("addr", 3, c.Addr), pv("note", 3, c.Note))
	case model.CauseTimer:
		return obj("hudson.triggers.TimerTrigger$TimerTriggerCause", pv("shortDescription", 3, c.Description()))
	case model.CauseUpstream:
		return obj("hudson.model.Cause$UpstreamCause", pv("shortDescription", 3, c.Description()),
			pv("upstreamBuild", 3, c.Build), pv("upstreamProject", 3, c.Project), pv("upstreamUrl", 3, jobPath(c.Project)))
	}
	return obj("hudson.model.Cause", pv("shortDescription", 3, c.Description()))
}

// consoleText serves the whole log. A build's log always has at least
// its "Started by" line, so it is never empty. Once the answer has
// begun, a failed write is a client gone: nothing is left to answer.
func (s *Server) consoleText(c *request.Call, b *model.Build) error {
	c.W.Header().Set("Content-Type", "text/plain;charset=utf-8")
	log, err := s.builds.OpenLog(b.JobID, b.Number)
	if errors.Is(err, store.ErrNotFound) {
		_, err = io.WriteString(c.W, b.StartedLines())
		return err
	}
	if err != nil {
		return err
	}
	defer log.Close()
	c.W.Header().Set("Content-Length", strconv.FormatInt(log.Size, 10))
	io.Copy(c.W, io.NewSectionReader(log, 0, log.Size))
	return nil
}

// progressiveText serves the log from byte ?start=, with X-Text-Size
// (where to start next time) and X-More-Data while the build runs. Only
// the requested range is read, so the cost does not grow with the log.
func (s *Server) progressiveText(c *request.Call, b *model.Build) error {
	h := c.W.Header()
	h.Set("Content-Type", "text/plain;charset=utf-8")
	// Read "building" before the file size: a build that finishes in
	// between then only costs the client one more, empty, poll.
	_, running := s.queue.Running(b.JobID, b.Number)
	log, err := s.builds.OpenLog(b.JobID, b.Number)
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
	// Jenkins reads start as a request parameter: node-jenkins POSTs it as a form.
	start, _ := strconv.ParseInt(c.R.FormValue("start"), 10, 64)
	if start < 0 || start > size {
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
	io.Copy(c.W, io.NewSectionReader(log, start, size-start))
	return nil
}

// deleteBuild is POST /job/N/<number>/doDelete: a finished build and its
// log go; a running one must be stopped first, as in Jenkins.
func (s *Server) deleteBuild(c *request.Call, job *model.Job, b *model.Build) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.Require(permRunDelete); err != nil {
		return err
	}
	if b.Building {
		return request.BadRequest("Unable to delete " + job.Name + " #" + strconv.FormatInt(b.Number, 10) + " as it is still running")
	}
	if err := s.builds.Delete(c.Ctx(), job.ID, b.Number); err != nil {
		return request.Refused(err)
	}
	url := c.Root + jobPath(job.Name)
	return request.RedirectAfterPost(c, url, url+"api/json")
}

// logTail reads at most limit bytes from the end of a build's log, starting
// at a line boundary, and says how much it skipped: the console page stays
// fast however long the log grows.
func (s *Server) logTail(b *model.Build, limit int64) (text string, size, skipped int64, err error) {
	log, err := s.builds.OpenLog(b.JobID, b.Number)
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
