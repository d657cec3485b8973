package server

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/executor"
	"github.com/jeeves-ci/jeeves/internal/jobs"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/request"
	"github.com/jeeves-ci/jeeves/internal/store"
	"github.com/jeeves-ci/jeeves/internal/views"
)

func jobPath(name string) string { return executor.JobPath(name) }

// walkJobs walks /job/NAME/… from folder ("" = the root) to an item,
// then the item's own URLs; a folder walks on to /job/CHILD/….
func (s *Server) walkJobs(c *request.Call, folder string, p []string) error {
	if len(p) == 0 {
		return request.NotFound()
	}
	name := p[0]
	if folder != "" {
		name = folder + "/" + name
	}
	job, err := s.jobs.Get(name)
	if errors.Is(err, store.ErrNotFound) {
		return request.NotFound()
	}
	if err != nil {
		return err
	}
	// Without Job/Read the item does not exist for the caller, unless it
	// may discover it (Jenkins: then 403).
	if !c.CanSee(job) {
		if c.HasOn(job, permDiscover) {
			return request.Forbidden(permItemRead)
		}
		return request.NotFound()
	}
	c.Item = job
	if jobs.IsFolder(job) {
		return s.walkFolder(c, job, p[1:])
	}
	return s.walkJob(c, job, p[1:])
}

// walkItemMethods are the web methods every item has, job or folder
// (AbstractItem's doConfigDotXml, doDoDelete, doConfirmRename…).
func walkItemMethods(name string) webMethod[*model.Job] {
	switch name {
	case "config.xml":
		return func(s *Server, c *request.Call, job *model.Job) error { return s.api.ConfigXML(c, job) }
	case "doDelete":
		return func(s *Server, c *request.Call, job *model.Job) error { return s.api.DeleteJob(c, job) }
	case "doRename", "confirmRename":
		return func(s *Server, c *request.Call, job *model.Job) error { return s.api.RenameItem(c, job) }
	case "description":
		return func(s *Server, c *request.Call, job *model.Job) error { return s.api.Description(c, job) }
	case "submitDescription":
		return func(s *Server, c *request.Call, job *model.Job) error {
			if err := request.RequirePOST(c); err != nil {
				return err
			}
			return s.api.Description(c, job)
		}
	case "configSubmit":
		return func(s *Server, c *request.Call, job *model.Job) error { return s.ui.ConfigSubmit(c, job) }
	}
	return nil
}

// walkItemPages are the pages every item has; handled is false for
// other segments.
func (s *Server) walkItemPages(c *request.Call, job *model.Job, p []string) (handled bool, err error) {
	switch p[0] {
	case "configure":
		return true, s.ui.ConfigurePage(c, job)
	case "delete":
		return true, s.ui.DeletePage(c, job)
	case "descriptorByName":
		return true, s.ui.CheckSpec(c, job, p[1:])
	case "confirm-rename":
		return true, s.ui.RenamePage(c, job)
	case "checkNewName":
		return true, s.ui.CheckNewName(c, job)
	}
	return false, nil
}

func (s *Server) walkJob(c *request.Call, job *model.Job, p []string) error {
	if len(p) == 0 {
		if c.R.Method == http.MethodDelete {
			return s.api.DeleteByMethod(c, job)
		}
		return s.ui.JobPage(c, job)
	}
	if ok, err := dispatch(s, c, job, p, walkJobMethods); ok {
		return err
	}
	if handled, err := s.walkItemPages(c, job, p); handled {
		return err
	}
	switch p[0] {
	case "api":
		return s.serveAPI(c, p, "freeStyleProject", s.api.JobObject(c, job))
	case "builds":
		return s.ui.BuildHistoryPage(c, job)
	}
	if p[0] == "ws" {
		return s.api.Workspace(c, job, p[1:])
	}
	if handled, err := s.walkJobGit(c, job, p); handled {
		return err
	}
	if n, ok, err := s.buildNumber(c, job, p[0]); err != nil {
		return err
	} else if ok {
		return s.walkBuild(c, job, n, p[1:])
	}
	return request.NotFound()
}

// walkJobMethods are a freestyle job's web methods (AbstractProject's
// doBuild, doEnable…), then those every item has.
func walkJobMethods(name string) webMethod[*model.Job] {
	switch name {
	case "enable":
		return func(s *Server, c *request.Call, job *model.Job) error { return s.api.EnableJob(c, job, true) }
	case "disable":
		return func(s *Server, c *request.Call, job *model.Job) error { return s.api.EnableJob(c, job, false) }
	case "doWipeOutWorkspace":
		return func(s *Server, c *request.Call, job *model.Job) error { return s.api.WipeWorkspace(c, job) }
	case "build":
		return func(s *Server, c *request.Call, job *model.Job) error { return s.api.Build(c, job, false) }
	case "buildWithParameters":
		return func(s *Server, c *request.Call, job *model.Job) error { return s.api.Build(c, job, true) }
	}
	return walkItemMethods(name)
}

// buildNumber resolves a path segment to a build number: a number or a
// permalink such as lastBuild. ok is false when seg is neither or names
// no build.
func (s *Server) buildNumber(c *request.Call, job *model.Job, seg string) (int64, bool, error) {
	if n, err := strconv.ParseInt(seg, 10, 64); err == nil && n > 0 {
		return n, true, nil
	}
	n, known, err := s.builds.Permalink(c.Ctx(), job.ID, model.Permalink(seg))
	if err != nil || !known || n == 0 {
		return 0, false, err
	}
	return n, true, nil
}

// walkFolder serves a folder's URLs (cloudbees-folder's Folder): its API
// with the jobs inside, createItem inside it, and /job/CHILD/… below it.
func (s *Server) walkFolder(c *request.Call, folder *model.Job, p []string) error {
	if len(p) == 0 {
		if c.R.Method == http.MethodDelete {
			return s.api.DeleteByMethod(c, folder)
		}
		return s.ui.Dashboard(c, folder)
	}
	if ok, err := dispatch(s, c, folder, p, walkFolderMethods); ok {
		return err
	}
	if handled, err := s.walkItemPages(c, folder, p); handled {
		return err
	}
	switch p[0] {
	case "api":
		return s.serveAPI(c, p, "folder", s.api.FolderObject(c, folder))
	case "job":
		return s.walkJobs(c, folder.Name, p[1:])
	case "newJob":
		return s.ui.NewJob(c, folder)
	case "view":
		if len(p) >= 2 && strings.EqualFold(p[1], views.AllView) {
			return s.walkAllView(c, folder, p[2:])
		}
	}
	return request.NotFound()
}

// walkFolderMethods are a folder's web methods (createItem), then those
// every item has.
func walkFolderMethods(name string) webMethod[*model.Job] {
	switch name {
	case "createItem":
		return func(s *Server, c *request.Call, folder *model.Job) error {
			return s.api.CreateItem(c, folder.Name, nil)
		}
	}
	return walkItemMethods(name)
}

// walkBuild serves /job/N/<number>/…: a build (hudson/model/Run.java),
// its API, console and log.
func (s *Server) walkBuild(c *request.Call, job *model.Job, number int64, p []string) error {
	b, err := s.builds.Get(c.Ctx(), job.ID, number)
	if errors.Is(err, store.ErrNotFound) {
		return request.NotFound()
	}
	if err != nil {
		return err
	}
	if len(p) == 0 {
		return s.ui.BuildPage(c, job, b, false)
	}
	run := runRef{job, b}
	if ok, err := dispatch(s, c, run, p, walkBuildMethods); ok {
		return err
	}
	switch p[0] {
	case "api":
		return s.serveAPI(c, p, "freeStyleBuild", s.api.BuildObject(c, job, b))
	case "logText":
		return s.walkBuildLog(c, b, p[1:])
	case "console":
		return s.ui.BuildPage(c, job, b, true)
	case "artifact":
		return s.api.Artifacts(c, job, b, p[1:])
	case "testReport":
		return s.walkTestReport(c, job, b, p[1:])
	}
	if handled, err := s.walkBuildGit(c, job, b, p); handled {
		return err
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
		return func(s *Server, c *request.Call, r runRef) error { return s.api.ConsoleText(c, r.b) }
	case "buildNumber":
		return func(s *Server, c *request.Call, r runRef) error {
			c.W.Header().Set("Content-Type", "text/plain;charset=utf-8")
			_, err := io.WriteString(c.W, strconv.FormatInt(r.b.Number, 10))
			return err
		}
	case "doDelete":
		return func(s *Server, c *request.Call, r runRef) error { return s.api.DeleteBuild(c, r.job, r.b) }
	case "stop":
		return func(s *Server, c *request.Call, r runRef) error { return s.api.StopBuild(c, r.job, r.b) }
	case "submitDescription":
		return func(s *Server, c *request.Call, r runRef) error { return s.api.SubmitBuildDescription(c, r.job, r.b) }
	case "configSubmit":
		return func(s *Server, c *request.Call, r runRef) error { return s.api.BuildConfigSubmit(c, r.job, r.b) }
	case "toggleLogKeep":
		return func(s *Server, c *request.Call, r runRef) error { return s.api.ToggleLogKeep(c, r.job, r.b) }
	}
	return nil
}

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
		return func(s *Server, c *request.Call, b *model.Build) error { return s.api.ProgressiveText(c, b) }
	}
	return nil
}

// walkView serves /view/NAME/… of a stored view ("all" is walkAllView).
func (s *Server) walkView(c *request.Call, p []string) error {
	if len(p) == 0 {
		return request.NotFound()
	}
	v, err := s.views.Get(p[0])
	if errors.Is(err, store.ErrNotFound) {
		return request.NotFound()
	}
	if err != nil {
		return err
	}
	if len(p) == 1 {
		if c.R.Method == http.MethodDelete {
			return s.api.DeleteView(c, v)
		}
		return s.ui.ViewPage(c, v)
	}
	if ok, err := dispatch(s, c, v, p[1:], walkViewMethods); ok {
		return err
	}
	switch p[1] {
	case "api":
		return s.serveAPI(c, p[1:], "listView", s.api.ListViewObject(c, v))
	case "job":
		return s.walkJobs(c, "", p[2:])
	case "configure":
		return s.ui.ViewConfigurePage(c, v)
	case "delete":
		return s.ui.ViewDeletePage(c, v)
	}
	return request.NotFound()
}

// walkViewMethods are a stored view's web methods (View's and ListView's
// doConfigDotXml, doDoDelete, doAddJobToView…).
func walkViewMethods(name string) webMethod[*model.View] {
	switch name {
	case "config.xml":
		return func(s *Server, c *request.Call, v *model.View) error { return s.api.ViewConfigXML(c, v) }
	case "doDelete":
		return func(s *Server, c *request.Call, v *model.View) error {
			if err := request.RequirePOST(c); err != nil {
				return err
			}
			return s.api.DeleteView(c, v)
		}
	case "addJobToView":
		return func(s *Server, c *request.Call, v *model.View) error { return s.api.SetViewJob(c, v, true) }
	case "removeJobFromView":
		return func(s *Server, c *request.Call, v *model.View) error { return s.api.SetViewJob(c, v, false) }
	case "createItem":
		return func(s *Server, c *request.Call, v *model.View) error { return s.api.ViewCreateItem(c, v) }
	case "configSubmit":
		return func(s *Server, c *request.Call, v *model.View) error { return s.api.ViewConfigSubmit(c, v) }
	case "submitDescription":
		return func(s *Server, c *request.Call, v *model.View) error { return s.api.ViewSubmitDescription(c, v) }
	case "itemCategories":
		return func(s *Server, c *request.Call, _ *model.View) error { return s.api.ItemCategories(c, nil) }
	}
	return nil
}

// walkAllView serves /view/all/… of the root (folder nil) or of a
// folder: the implicit view of every item, matched without case.
func (s *Server) walkAllView(c *request.Call, folder *model.Job, p []string) error {
	if len(p) == 0 {
		return s.ui.Dashboard(c, folder)
	}
	if ok, err := dispatch(s, c, folder, p, walkAllViewMethods); ok {
		return err
	}
	switch p[0] {
	case "api":
		if folder == nil {
			return s.serveAPI(c, p, "allView", s.api.AllViewObject(c))
		}
		return s.serveAPI(c, p, "allView", s.api.ViewObject(c, "hudson.model.AllView", "All", c.Root+jobPath(folder.Name),
			func() []*model.Job { return s.jobs.Children(folder.Name) }))
	case "job":
		return s.walkJobs(c, folderName(folder), p[1:])
	case "newJob":
		return s.ui.NewJob(c, folder)
	case "checkJobName":
		return s.ui.CheckJobName(c, folder)
	case "descriptorByName":
		return s.ui.ViewDescriptor(c, folder, p[1:])
	}
	return request.NotFound()
}

// walkAllViewMethods are the all view's web methods (AllView's
// doCreateItem creates the item in the view's folder).
func walkAllViewMethods(name string) webMethod[*model.Job] {
	switch name {
	case "createItem":
		return func(s *Server, c *request.Call, folder *model.Job) error {
			return s.api.CreateItem(c, folderName(folder), nil)
		}
	case "itemCategories":
		return func(s *Server, c *request.Call, folder *model.Job) error { return s.api.ItemCategories(c, folder) }
	}
	return nil
}

// folderName is a folder's full name, "" for the root (nil).
func folderName(folder *model.Job) string {
	if folder == nil {
		return ""
	}
	return folder.Name
}
