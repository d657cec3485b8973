package server

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/configxml"
	"github.com/jeeves-ci/jeeves/internal/executor"
	"github.com/jeeves-ci/jeeves/internal/export"
	"github.com/jeeves-ci/jeeves/internal/farm"
	"github.com/jeeves-ci/jeeves/internal/jobs"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/request"
	"github.com/jeeves-ci/jeeves/internal/store"
)

func jobPath(name string) string { return executor.JobPath(name) }

// inFolder is the full name of name in folder ("" = the root).
func inFolder(folder, name string) string {
	if folder == "" {
		return name
	}
	return folder + "/" + name
}

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
		return (*Server).configXML
	case "doDelete":
		return (*Server).deleteJob
	case "doRename", "confirmRename":
		return (*Server).renameItem
	case "description":
		return (*Server).description
	case "submitDescription":
		return func(s *Server, c *request.Call, job *model.Job) error {
			if err := request.RequirePOST(c); err != nil {
				return err
			}
			return s.description(c, job)
		}
	case "configSubmit":
		return (*Server).configSubmit
	}
	return nil
}

// walkItemPages are the pages every item has; handled is false for
// other segments.
func (s *Server) walkItemPages(c *request.Call, job *model.Job, p []string) (handled bool, err error) {
	switch p[0] {
	case "configure":
		return true, s.configurePage(c, job)
	case "delete":
		return true, s.deletePage(c, job)
	case "descriptorByName":
		return true, s.checkSpec(c, job, p[1:])
	}
	return false, nil
}

// deleteByMethod: DELETE on an item's URL deletes it, as in Jenkins.
func (s *Server) deleteByMethod(c *request.Call, job *model.Job) error {
	if err := c.Require(permDelete); err != nil {
		return err
	}
	if err := s.removeItem(c, job); err != nil {
		return err
	}
	c.W.WriteHeader(http.StatusOK)
	return nil
}

func (s *Server) walkJob(c *request.Call, job *model.Job, p []string) error {
	if len(p) == 0 {
		if c.R.Method == http.MethodDelete {
			return s.deleteByMethod(c, job)
		}
		return s.jobUIPage(c, job)
	}
	if ok, err := dispatch(s, c, job, p, walkJobMethods); ok {
		return err
	}
	if handled, err := s.walkItemPages(c, job, p); handled {
		return err
	}
	if p[0] == "api" {
		return s.serveAPI(c, p, "freeStyleProject", s.jobObject(c, job))
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
		return func(s *Server, c *request.Call, job *model.Job) error { return s.enableJob(c, job, true) }
	case "disable":
		return func(s *Server, c *request.Call, job *model.Job) error { return s.enableJob(c, job, false) }
	case "doWipeOutWorkspace":
		return (*Server).wipeWorkspace
	case "build":
		return func(s *Server, c *request.Call, job *model.Job) error { return s.build(c, job, false) }
	case "buildWithParameters":
		return func(s *Server, c *request.Call, job *model.Job) error { return s.build(c, job, true) }
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

// createItem creates an item in folder ("" = the root) from the posted
// config.xml, as a copy of another (mode=copy&from=), or empty from a
// type (mode=<class>, the New Item form) (§5.5). created, if not nil,
// is told of the new item before the answer is written (a list view
// adds it to its jobs).
func (s *Server) createItem(c *request.Call, folder string, created func(*model.Job) error) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	// Job/Create here first; a token's job glob is held to the new
	// item's full name once it is known.
	if !c.HasIgnoringGlob(c.Item, permCreate) {
		return request.Forbidden(permCreate)
	}
	q := c.R.URL.Query()
	name := q.Get("name")
	mode := q.Get("mode")
	if c.R.Header.Get("Content-Type") == "application/x-www-form-urlencoded" {
		if err := c.R.ParseForm(); err != nil {
			return request.BadRequest("cannot read the form: " + err.Error())
		}
		name, mode = c.R.Form.Get("name"), c.R.Form.Get("mode")
	}
	if name == "" {
		return request.BadRequest("Query parameter 'name' is required")
	}
	if err := jobs.CheckName(name); err != nil {
		return request.Refused(err)
	}
	if err := c.MayCreate(inFolder(folder, name)); err != nil {
		return err
	}
	switch mode {
	case "copy":
		return s.copyItem(c, folder, name, q.Get("from"), created)
	case "hudson.model.FreeStyleProject", "com.cloudbees.hudson.plugins.folder.Folder":
		xml := "<?xml version='1.1' encoding='UTF-8'?>\n<project>\n  <description></description>\n  <keepDependencies>false</keepDependencies>\n  <properties/>\n  <scm class=\"hudson.scm.NullSCM\"/>\n  <canRoam>true</canRoam>\n  <disabled>false</disabled>\n  <blockBuildWhenDownstreamBuilding>false</blockBuildWhenDownstreamBuilding>\n  <blockBuildWhenUpstreamBuilding>false</blockBuildWhenUpstreamBuilding>\n  <triggers/>\n  <concurrentBuild>false</concurrentBuild>\n  <builders/>\n  <publishers/>\n  <buildWrappers/>\n</project>"
		if mode != "hudson.model.FreeStyleProject" {
			xml = "<?xml version='1.1' encoding='UTF-8'?>\n<com.cloudbees.hudson.plugins.folder.Folder>\n  <description></description>\n  <properties/>\n</com.cloudbees.hudson.plugins.folder.Folder>"
		}
		job, err := s.jobs.Create(c.Ctx(), folder, name, []byte(xml), c.Authority())
		if err != nil {
			return request.Refused(err)
		}
		if created != nil {
			if err := created(job); err != nil {
				return err
			}
		}
		url := c.Root + jobPath(job.Name)
		return request.RedirectAfterPost(c, url+"configure", url+"api/json")
	}
	ct := c.R.Header.Get("Content-Type")
	if ct == "" {
		return request.BadRequest("No Content-Type header set")
	}
	if !request.IsXMLContentType(ct) {
		return request.BadRequest("No mode given")
	}
	body, err := request.ReadBody(c)
	if err != nil {
		return err
	}
	if err := c.CheckDownstream(inFolder(folder, name), body); err != nil {
		return err
	}
	job, err := s.jobs.Create(c.Ctx(), folder, name, body, c.Authority())
	if err != nil {
		return request.Refused(err)
	}
	if created != nil {
		if err := created(job); err != nil {
			return err
		}
	}
	c.W.WriteHeader(http.StatusOK)
	return nil
}

// copyItem copies from's config.xml to a new item named name in folder.
// from is relative to folder, or absolute with a leading "/".
func (s *Server) copyItem(c *request.Call, folder, name, from string, created func(*model.Job) error) error {
	if from == "" {
		return request.BadRequest("Query parameter 'from' is required")
	}
	var src *model.Job
	var err error
	if strings.HasPrefix(from, "/") {
		src, err = s.jobs.Get(strings.Trim(from, "/"))
	} else {
		full := from
		if folder != "" {
			full = folder + "/" + from
		}
		if src, err = s.jobs.Get(full); err != nil {
			src, err = s.jobs.Get(from)
		}
	}
	if err != nil || !c.CanSee(src) {
		return request.BadRequest("No such job: " + from)
	}
	// Copying reads the source's configuration (Jenkins: ExtendedRead).
	if !c.HasOn(src, permExtRead) {
		return request.Forbidden(permExtRead)
	}
	if err := c.CheckDownstream(inFolder(folder, name), src.ConfigXML); err != nil {
		return err
	}
	job, err := s.jobs.Create(c.Ctx(), folder, name, src.ConfigXML, c.Authority())
	if err != nil {
		return request.Refused(err)
	}
	if created != nil {
		if err := created(job); err != nil {
			return err
		}
	}
	url := c.Root + jobPath(job.Name)
	return request.RedirectAfterPost(c, url+"configure", url+"api/json")
}

// renameItem is doRename?newName= (and the form's confirmRename).
func (s *Server) renameItem(c *request.Call, job *model.Job) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.Require(permConfigure); err != nil {
		return err
	}
	// A body that failed to arrive (too slow, too big, malformed) is
	// refused here, not read as empty fields.
	if err := request.ParseForm(c); err != nil {
		return err
	}
	newName := c.R.URL.Query().Get("newName")
	if newName == "" {
		newName = c.R.PostFormValue("newName")
	}
	if newName == "" {
		return request.BadRequest("Query parameter 'newName' is required")
	}
	if err := jobs.CheckName(newName); err != nil {
		return request.Refused(err)
	}
	if err := c.MayRename(job, inFolder(jobs.Parent(job.Name), newName)); err != nil {
		return err
	}
	// Nothing of the item runs or starts while it and its workspaces
	// move: a build's WORKSPACE would name the old place.
	release, err := s.queue.HoldIdle(append(s.jobs.Inside(job.Name), job.ID))
	if errors.Is(err, farm.ErrBusy) {
		if jobs.IsFolder(job) {
			return request.BadRequest("Cannot rename a folder while a job in it is building")
		}
		return request.BadRequest("Cannot rename a job while it is building")
	}
	defer release()
	renamed, err := s.jobs.Rename(c.Ctx(), job.Name, newName)
	if err != nil {
		return request.Refused(err)
	}
	if renamed.Name != job.Name {
		if err := s.queue.MoveWorkspace(job.Name, renamed.Name); err != nil {
			s.log.Error("cannot move the workspace of a renamed item", "from", job.Name, "to", renamed.Name, "err", err)
		}
	}
	if jobs.Parent(job.Name) == "" {
		s.views.JobRenamed(c.Ctx(), job.Name, renamed.Name)
	}
	url := c.Root + jobPath(renamed.Name)
	return request.RedirectAfterPost(c, url, url+"api/json")
}

// enableJob is /enable and /disable: buildable flips, the XML's
// <disabled> changes and nothing else in it.
func (s *Server) enableJob(c *request.Call, job *model.Job, enable bool) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.Require(permConfigure); err != nil {
		return err
	}
	if _, err := s.jobs.SetField(c.Ctx(), job.Name, "disabled", strconv.FormatBool(!enable)); err != nil {
		return request.Refused(err)
	}
	if !enable {
		s.queue.CancelJob(c.Ctx(), job.ID, c.ID.Name(), false)
	}
	url := c.Root + jobPath(job.Name)
	return request.RedirectAfterPost(c, url, url+"api/json")
}

// description is GET (plain text) and POST (form field description) of
// an item's description, as Jenkins's submitDescription.
func (s *Server) description(c *request.Call, job *model.Job) error {
	if c.R.Method != http.MethodPost {
		c.W.Header().Set("Content-Type", "text/plain;charset=utf-8")
		_, err := io.WriteString(c.W, job.Config.Description)
		return err
	}
	if err := c.Require(permConfigure); err != nil {
		return err
	}
	if err := request.ParseForm(c); err != nil {
		return err
	}
	desc := c.R.URL.Query().Get("description")
	if c.R.PostFormValue("description") != "" || desc == "" {
		desc = c.R.PostFormValue("description")
	}
	if _, err := s.jobs.SetField(c.Ctx(), job.Name, "description", desc); err != nil {
		return request.Refused(err)
	}
	url := c.Root + jobPath(job.Name)
	return request.RedirectAfterPost(c, url, url+"api/json")
}

// configXML serves and replaces a job's config.xml, stored as posted.
// It is served with every password parameter's default replaced by
// configxml.RedactedDefault, to everyone: Jenkins serves only their
// ciphertext. Posted back unchanged, the placeholder keeps the default.
func (s *Server) configXML(c *request.Call, job *model.Job) error {
	switch c.R.Method {
	case http.MethodGet, http.MethodHead:
		if err := c.Require(permExtRead); err != nil {
			return err
		}
		xml, err := configxml.Redact(job.ConfigXML)
		if err != nil {
			return fmt.Errorf("redact the config.xml of %s: %w", job.Name, err)
		}
		c.W.Header().Set("Content-Type", "application/xml")
		c.W.WriteHeader(http.StatusOK)
		if c.R.Method == http.MethodGet {
			c.W.Write(xml)
		}
		return nil
	case http.MethodPost:
		if err := c.Require(permConfigure); err != nil {
			return err
		}
		if ct := c.R.Header.Get("Content-Type"); ct != "" && !request.IsXMLContentType(ct) && !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
			return request.BadRequest("config.xml must be sent as application/xml with charset UTF-8")
		}
		body, err := request.ReadBody(c)
		if err != nil {
			return err
		}
		if err := c.CheckDownstream(job.Name, body); err != nil {
			return err
		}
		if _, err := s.jobs.UpdateConfig(c.Ctx(), job.Name, body, c.Authority()); err != nil {
			return request.Refused(err)
		}
		c.W.WriteHeader(http.StatusOK)
		return nil
	}
	return request.BadRequest("config.xml accepts GET and POST only")
}

// deleteJob deletes a job after stopping its builds (§5.5).
func (s *Server) deleteJob(c *request.Call, job *model.Job) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.Require(permDelete); err != nil {
		return err
	}
	if err := s.removeItem(c, job); err != nil {
		return err
	}
	parent := c.Root
	if f := jobs.Parent(job.Name); f != "" {
		parent += jobPath(f)
	}
	return request.RedirectAfterPost(c, parent, parent+"api/json")
}

// removeItem stops an item's builds (a folder's: everything inside it)
// and deletes it, with its workspaces. No build of it starts meanwhile,
// and the running ones have ended before the workspaces go, so nothing
// writes in them afterwards.
func (s *Server) removeItem(c *request.Call, job *model.Job) error {
	ids := append(s.jobs.Inside(job.Name), job.ID)
	release := s.queue.Hold(ids)
	defer release()
	for _, id := range ids {
		if err := s.queue.CancelJob(c.Ctx(), id, c.ID.Name(), true); err != nil {
			return err
		}
		s.encodedItems.Delete(id)
	}
	if err := s.jobs.Delete(c.Ctx(), job.Name); err != nil {
		return request.Refused(err)
	}
	// The item is gone whatever happens to its workspace; one that stays
	// is removed when an item of its name is created.
	if err := s.queue.RemoveWorkspace(job.Name); err != nil {
		s.log.Error("cannot remove the workspace of a deleted item", "item", job.Name, "err", err)
	}
	if jobs.Parent(job.Name) == "" {
		s.views.JobRenamed(c.Ctx(), job.Name, "")
	}
	return nil
}

// jobObject is a freestyle job's API object (§4.6). Costly properties
// are lazy, so a root listing computes only name, url and colour.
func (s *Server) jobObject(c *request.Call, job *model.Job) *export.Object {
	url := c.Root + jobPath(job.Name)
	ctx := c.Ctx()
	// A permalink is a build: its summary where the job is read at the
	// default depth, every field a build has where the depth or the tree
	// reaches into it (Backstage reads lastBuild's actions).
	permalink := func(l model.Permalink) export.Prop {
		return export.Prop{Name: string(l), Vis: 1, Value: export.Pruned(func(minVis int) any {
			n, _, err := s.builds.Permalink(ctx, job.ID, l)
			c.Fail(err)
			if n == 0 {
				return nil
			}
			return s.buildRef(c, job, n, nil)(minVis)
		})}
	}
	var params *export.Object
	if len(job.Config.Params) > 0 {
		params = paramsDefinitionObject(job.Config.Params)
	}
	actions := []*export.Object{}
	props := []*export.Object{}
	if params != nil {
		actions = append(actions, params)
		props = append(props, params)
	}
	// A build list at the default depth shows each build's number and
	// url only: those need no more than the numbers.
	builds := func(limit int) export.Pruned {
		return func(minVis int) any {
			if minVis >= buildSummaryVis {
				ns, err := s.builds.Numbers(ctx, job.ID, limit)
				c.Fail(err)
				out := make([]*export.Object, len(ns))
				for i, n := range ns {
					out[i] = buildSummaryObject(c, job, n)
				}
				return out
			}
			bs, err := s.builds.List(ctx, job.ID, limit)
			c.Fail(err)
			out := make([]*export.Object, len(bs))
			for i, b := range bs {
				out[i] = s.buildObject(c, job, b)
			}
			return out
		}
	}
	queued := s.queue.JobItem(job.ID)
	var queueItem any
	if queued != nil {
		queueItem = s.queueItemObject(c, queued, false)
	}
	return obj("hudson.model.FreeStyleProject",
		p("actions", actions),
		p("description", job.Config.Description),
		p("displayName", job.BaseName()),
		p("displayNameOrNull", nil),
		p("fullDisplayName", strings.ReplaceAll(job.Name, "/", " » ")),
		p("fullName", job.Name),
		pv("name", 999, job.BaseName()),
		pv("url", 999, url),
		p("buildable", !job.Config.Disabled),
		export.Prop{Name: "builds", Vis: 1, Value: builds(100)},
		export.Prop{Name: "color", Vis: 2, Value: export.Lazy(func() any { return job.Color() })},
		permalink(model.FirstBuild),
		lazy("healthReport", func() any { return s.healthReport(c, job) }),
		p("inQueue", queued != nil),
		p("keepDependencies", false),
		permalink(model.LastBuild),
		permalink(model.LastCompletedBuild),
		permalink(model.LastFailedBuild),
		permalink(model.LastStableBuild),
		permalink(model.LastSuccessfulBuild),
		permalink(model.LastUnstableBuild),
		permalink(model.LastUnsuccessfulBuild),
		p("nextBuildNumber", job.NextBuildNumber),
		export.Prop{Name: "property", Vis: 1, Inline: true, Value: props},
		p("queueItem", queueItem),
		p("concurrentBuild", job.Config.Concurrent),
		p("disabled", job.Config.Disabled),
		lazy("downstreamProjects", func() any { return s.projectRefs(c, s.jobs.Downstream(job)) }),
		p("labelExpression", nil),
		p("scm", obj("hudson.scm.NullSCM")),
		lazy("upstreamProjects", func() any { return s.projectRefs(c, s.jobs.Upstream(job)) }),
		export.Prop{Name: "allBuilds", Vis: -2, Value: builds(0)},
	)
}

// healthReport is Jenkins's build stability report over the last five
// completed builds.
func (s *Server) healthReport(c *request.Call, job *model.Job) any {
	results, err := s.builds.RecentResults(c.Ctx(), job.ID, 5)
	c.Fail(err)
	if err != nil || len(results) == 0 {
		return []*export.Object{}
	}
	failed := 0
	for _, r := range results {
		if r == model.Failure {
			failed++
		}
	}
	total := len(results)
	score := 100 * (total - failed) / total
	var desc string
	switch failed {
	case 0:
		desc = "No recent builds failed."
	case total:
		desc = "All recent builds failed."
	default:
		desc = fmt.Sprintf("%d out of the last %d builds failed.", failed, total)
	}
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
	return []*export.Object{obj("",
		pv("description", 2, "Build stability: "+desc),
		pv("iconClassName", 2, "icon-health-"+bucket),
		pv("iconUrl", 2, "health-"+bucket+".png"),
		pv("score", 2, score),
	)}
}

var paramDefClass = map[model.ParamKind]string{
	model.ParamString:   "hudson.model.StringParameterDefinition",
	model.ParamBoolean:  "hudson.model.BooleanParameterDefinition",
	model.ParamChoice:   "hudson.model.ChoiceParameterDefinition",
	model.ParamText:     "hudson.model.TextParameterDefinition",
	model.ParamPassword: "hudson.model.PasswordParameterDefinition",
}

var paramValueClass = map[model.ParamKind]string{
	model.ParamString:   "hudson.model.StringParameterValue",
	model.ParamBoolean:  "hudson.model.BooleanParameterValue",
	model.ParamChoice:   "hudson.model.StringParameterValue",
	model.ParamText:     "hudson.model.TextParameterValue",
	model.ParamPassword: "hudson.model.PasswordParameterValue",
}

func paramsDefinitionObject(defs []model.ParamDef) *export.Object {
	list := make([]*export.Object, len(defs))
	for i, d := range defs {
		class := d.Class
		if class == "" {
			class = paramDefClass[d.Kind]
		}
		typ := class[strings.LastIndex(class, ".")+1:]
		props := []export.Prop{
			pv("defaultParameterValue", 3, paramValueObject(model.ParamValue{Kind: d.Kind, Name: d.Name, Value: d.Default})),
			pv("description", 3, d.Description),
			pv("name", 3, d.Name),
			pv("type", 3, typ),
		}
		if d.Kind == model.ParamChoice {
			props = append(props, pv("choices", 3, d.Choices))
		}
		list[i] = obj(class, props...)
	}
	return obj("hudson.model.ParametersDefinitionProperty", pv("parameterDefinitions", 2, list))
}

func paramValueObject(v model.ParamValue) *export.Object {
	class := paramValueClass[v.Kind]
	if class == "" {
		class = paramValueClass[model.ParamString]
	}
	switch v.Kind {
	case model.ParamPassword:
		return obj(class, pv("name", 3, v.Name))
	case model.ParamBoolean:
		return obj(class, pv("name", 3, v.Name), pv("value", 3, v.Value == "true"))
	}
	return obj(class, pv("name", 3, v.Name), pv("value", 3, v.Value))
}

// projectRefs is a list of jobs as {_class,name,url,color}.
func (s *Server) projectRefs(c *request.Call, js []*model.Job) []*export.Object {
	out := make([]*export.Object, 0, len(js))
	for _, j := range js {
		if c.CanSee(j) {
			out = append(out, obj("hudson.model.FreeStyleProject",
				pv("name", 2, j.BaseName()), pv("url", 2, c.Root+jobPath(j.Name)), pv("color", 2, j.Color())))
		}
	}
	return out
}

// wipeWorkspace is POST /job/N/doWipeOutWorkspace. Like Jenkins's
// AbstractProject.doDoWipeOutWorkspace it needs Job/Build: Job/Workspace
// is implied by read and only lets one browse.
func (s *Server) wipeWorkspace(c *request.Call, job *model.Job) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.Require(permBuild); err != nil {
		return err
	}
	if err := s.queue.WipeWorkspace(job.Name); errors.Is(err, farm.ErrBusy) {
		return request.NewError(http.StatusConflict, "Cannot wipe out the workspace of "+job.Name+" while it is building")
	} else if err != nil {
		return err
	}
	url := c.Root + jobPath(job.Name)
	return request.RedirectAfterPost(c, url, url+"api/json")
}
