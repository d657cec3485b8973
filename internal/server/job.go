package server

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/configxml"
	"github.com/jeeves-ci/jeeves/internal/downstream"
	"github.com/jeeves-ci/jeeves/internal/executor"
	"github.com/jeeves-ci/jeeves/internal/export"
	"github.com/jeeves-ci/jeeves/internal/farm"
	"github.com/jeeves-ci/jeeves/internal/jobs"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/store"
	"github.com/jeeves-ci/jeeves/internal/usererr"
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
func (s *Server) walkJobs(c *call, folder string, p []string) error {
	if len(p) == 0 {
		return notFound()
	}
	name := p[0]
	if folder != "" {
		name = folder + "/" + name
	}
	job, err := s.jobs.Get(name)
	if errors.Is(err, store.ErrNotFound) {
		return notFound()
	}
	if err != nil {
		return err
	}
	// Without Job/Read the item does not exist for the caller, unless it
	// may discover it (Jenkins: then 403).
	if !c.canSee(job) {
		if c.hasOn(job, permDiscover) {
			return forbidden(permItemRead)
		}
		return notFound()
	}
	c.item = job
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
		return func(s *Server, c *call, job *model.Job) error {
			if err := requirePOST(c); err != nil {
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
func (s *Server) walkItemPages(c *call, job *model.Job, p []string) (handled bool, err error) {
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
func (s *Server) deleteByMethod(c *call, job *model.Job) error {
	if err := c.require(permDelete); err != nil {
		return err
	}
	if err := s.removeItem(c, job); err != nil {
		return err
	}
	c.w.WriteHeader(http.StatusOK)
	return nil
}

func (s *Server) walkJob(c *call, job *model.Job, p []string) error {
	if len(p) == 0 {
		if c.r.Method == http.MethodDelete {
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
	return notFound()
}

// walkJobMethods are a freestyle job's web methods (AbstractProject's
// doBuild, doEnable…), then those every item has.
func walkJobMethods(name string) webMethod[*model.Job] {
	switch name {
	case "enable":
		return func(s *Server, c *call, job *model.Job) error { return s.enableJob(c, job, true) }
	case "disable":
		return func(s *Server, c *call, job *model.Job) error { return s.enableJob(c, job, false) }
	case "doWipeOutWorkspace":
		return (*Server).wipeWorkspace
	case "build":
		return func(s *Server, c *call, job *model.Job) error { return s.build(c, job, false) }
	case "buildWithParameters":
		return func(s *Server, c *call, job *model.Job) error { return s.build(c, job, true) }
	}
	return walkItemMethods(name)
}

// buildNumber resolves a path segment to a build number: a number or a
// permalink such as lastBuild. ok is false when seg is neither or names
// no build.
func (s *Server) buildNumber(c *call, job *model.Job, seg string) (int64, bool, error) {
	if n, err := strconv.ParseInt(seg, 10, 64); err == nil && n > 0 {
		return n, true, nil
	}
	n, known, err := s.builds.Permalink(c.ctx(), job.ID, model.Permalink(seg))
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
func (s *Server) createItem(c *call, folder string, created func(*model.Job) error) error {
	if err := requirePOST(c); err != nil {
		return err
	}
	// Job/Create here first; a token's job glob is held to the new
	// item's full name once it is known.
	if !c.hasIgnoringGlob(c.item, permCreate) {
		return forbidden(permCreate)
	}
	q := c.r.URL.Query()
	name := q.Get("name")
	mode := q.Get("mode")
	if c.r.Header.Get("Content-Type") == "application/x-www-form-urlencoded" {
		if err := c.r.ParseForm(); err != nil {
			return badRequest("cannot read the form: " + err.Error())
		}
		name, mode = c.r.Form.Get("name"), c.r.Form.Get("mode")
	}
	if name == "" {
		return badRequest("Query parameter 'name' is required")
	}
	if err := jobs.CheckName(name); err != nil {
		return jobError(err)
	}
	if err := c.mayCreate(inFolder(folder, name)); err != nil {
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
		job, err := s.newItem(c, folder, name, []byte(xml))
		if err != nil {
			return jobError(err)
		}
		if created != nil {
			if err := created(job); err != nil {
				return err
			}
		}
		url := c.root + jobPath(job.Name)
		s.redirectAfterPost(c, url+"configure", url+"api/json")
		return nil
	}
	ct := c.r.Header.Get("Content-Type")
	if ct == "" {
		return badRequest("No Content-Type header set")
	}
	if !isXMLContentType(ct) {
		return badRequest("No mode given")
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	if err := s.checkDownstream(c, inFolder(folder, name), body); err != nil {
		return err
	}
	job, err := s.newItem(c, folder, name, body)
	if err != nil {
		return jobError(err)
	}
	if created != nil {
		if err := created(job); err != nil {
			return err
		}
	}
	c.w.WriteHeader(http.StatusOK)
	return nil
}

// newItem creates an item named name in folder from xml. A workspace
// left under its name (by an older jeeves, or a removal that failed) is
// not the new item's: it is deleted, so a new job starts empty.
func (s *Server) newItem(c *call, folder, name string, xml []byte) (*model.Job, error) {
	job, err := s.jobs.Create(c.ctx(), folder, name, xml, c.authority())
	if err != nil {
		return nil, err
	}
	if err := s.queue.RemoveWorkspace(job.Name); err != nil {
		s.log.Error("cannot remove the workspace left under a new item's name", "item", job.Name, "err", err)
	}
	return job, nil
}

// copyItem copies from's config.xml to a new item named name in folder.
// from is relative to folder, or absolute with a leading "/".
func (s *Server) copyItem(c *call, folder, name, from string, created func(*model.Job) error) error {
	if from == "" {
		return badRequest("Query parameter 'from' is required")
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
	if err != nil || !c.canSee(src) {
		return badRequest("No such job: " + from)
	}
	// Copying reads the source's configuration (Jenkins: ExtendedRead).
	if !c.hasOn(src, permExtRead) {
		return forbidden(permExtRead)
	}
	if err := s.checkDownstream(c, inFolder(folder, name), src.ConfigXML); err != nil {
		return err
	}
	job, err := s.newItem(c, folder, name, src.ConfigXML)
	if err != nil {
		return jobError(err)
	}
	if created != nil {
		if err := created(job); err != nil {
			return err
		}
	}
	url := c.root + jobPath(job.Name)
	s.redirectAfterPost(c, url+"configure", url+"api/json")
	return nil
}

// renameItem is doRename?newName= (and the form's confirmRename).
func (s *Server) renameItem(c *call, job *model.Job) error {
	if err := requirePOST(c); err != nil {
		return err
	}
	if err := c.require(permConfigure); err != nil {
		return err
	}
	// A body that failed to arrive (too slow, too big, malformed) is
	// refused here, not read as empty fields.
	if err := parseForm(c); err != nil {
		return err
	}
	newName := c.r.URL.Query().Get("newName")
	if newName == "" {
		newName = c.r.PostFormValue("newName")
	}
	if newName == "" {
		return badRequest("Query parameter 'newName' is required")
	}
	if err := jobs.CheckName(newName); err != nil {
		return jobError(err)
	}
	if err := c.mayRename(job, inFolder(jobs.Parent(job.Name), newName)); err != nil {
		return err
	}
	// Nothing of the item runs or starts while it and its workspaces
	// move: a build's WORKSPACE would name the old place.
	release, err := s.queue.HoldIdle(append(s.jobs.Inside(job.Name), job.ID))
	if errors.Is(err, farm.ErrBusy) {
		if jobs.IsFolder(job) {
			return badRequest("Cannot rename a folder while a job in it is building")
		}
		return badRequest("Cannot rename a job while it is building")
	}
	defer release()
	renamed, err := s.jobs.Rename(c.ctx(), job.Name, newName)
	if err != nil {
		return jobError(err)
	}
	if renamed.Name != job.Name {
		if err := s.queue.MoveWorkspace(job.Name, renamed.Name); err != nil {
			s.log.Error("cannot move the workspace of a renamed item", "from", job.Name, "to", renamed.Name, "err", err)
		}
	}
	if jobs.Parent(job.Name) == "" {
		s.views.JobRenamed(c.ctx(), job.Name, renamed.Name)
	}
	url := c.root + jobPath(renamed.Name)
	s.redirectAfterPost(c, url, url+"api/json")
	return nil
}

// enableJob is /enable and /disable: buildable flips, the XML's
// <disabled> changes and nothing else in it.
func (s *Server) enableJob(c *call, job *model.Job, enable bool) error {
	if err := requirePOST(c); err != nil {
		return err
	}
	if err := c.require(permConfigure); err != nil {
		return err
	}
	if _, err := s.jobs.SetField(c.ctx(), job.Name, "disabled", strconv.FormatBool(!enable)); err != nil {
		return jobError(err)
	}
	if !enable {
		s.queue.CancelJob(c.ctx(), job.ID, c.id.Name(), false)
	}
	url := c.root + jobPath(job.Name)
	s.redirectAfterPost(c, url, url+"api/json")
	return nil
}

// description is GET (plain text) and POST (form field description) of
// an item's description, as Jenkins's submitDescription.
func (s *Server) description(c *call, job *model.Job) error {
	if c.r.Method != http.MethodPost {
		c.w.Header().Set("Content-Type", "text/plain;charset=utf-8")
		_, err := io.WriteString(c.w, job.Config.Description)
		return err
	}
	if err := c.require(permConfigure); err != nil {
		return err
	}
	if err := parseForm(c); err != nil {
		return err
	}
	desc := c.r.URL.Query().Get("description")
	if c.r.PostFormValue("description") != "" || desc == "" {
		desc = c.r.PostFormValue("description")
	}
	if _, err := s.jobs.SetField(c.ctx(), job.Name, "description", desc); err != nil {
		return jobError(err)
	}
	url := c.root + jobPath(job.Name)
	s.redirectAfterPost(c, url, url+"api/json")
	return nil
}

func isXMLContentType(ct string) bool {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || (mt != "application/xml" && mt != "text/xml") {
		return false
	}
	cs := strings.ToLower(params["charset"])
	return cs == "" || cs == "utf-8" || cs == "us-ascii"
}

func readBody(c *call) ([]byte, error) {
	b, err := io.ReadAll(c.r.Body)
	if err != nil {
		return nil, err // MaxBytesError renders as 413
	}
	return b, nil
}

// jobError turns the jobs service's validation errors into 400s (and a
// name clash into Jenkins's 400 too), with the message they carry.
func jobError(err error) error {
	switch {
	case errors.Is(err, jobs.ErrBadName), errors.Is(err, jobs.ErrBadConfig), errors.Is(err, jobs.ErrExists):
		return badRequest(usererr.Message(err))
	case errors.Is(err, store.ErrNotFound):
		return notFound()
	}
	return err
}

// configXML serves and replaces a job's config.xml, stored as posted.
// It is served with every password parameter's default replaced by
// configxml.RedactedDefault, to everyone: Jenkins serves only their
// ciphertext. Posted back unchanged, the placeholder keeps the default.
func (s *Server) configXML(c *call, job *model.Job) error {
	switch c.r.Method {
	case http.MethodGet, http.MethodHead:
		if err := c.require(permExtRead); err != nil {
			return err
		}
		xml, err := configxml.Redact(job.ConfigXML)
		if err != nil {
			return fmt.Errorf("redact the config.xml of %s: %w", job.Name, err)
		}
		c.w.Header().Set("Content-Type", "application/xml")
		c.w.WriteHeader(http.StatusOK)
		if c.r.Method == http.MethodGet {
			c.w.Write(xml)
		}
		return nil
	case http.MethodPost:
		if err := c.require(permConfigure); err != nil {
			return err
		}
		if ct := c.r.Header.Get("Content-Type"); ct != "" && !isXMLContentType(ct) && !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
			return badRequest("config.xml must be sent as application/xml with charset UTF-8")
		}
		body, err := readBody(c)
		if err != nil {
			return err
		}
		if err := s.checkDownstream(c, job.Name, body); err != nil {
			return err
		}
		if _, err := s.jobs.UpdateConfig(c.ctx(), job.Name, body, c.authority()); err != nil {
			return jobError(err)
		}
		c.w.WriteHeader(http.StatusOK)
		return nil
	}
	return badRequest("config.xml accepts GET and POST only")
}

// deleteJob deletes a job after stopping its builds (§5.5).
func (s *Server) deleteJob(c *call, job *model.Job) error {
	if err := requirePOST(c); err != nil {
		return err
	}
	if err := c.require(permDelete); err != nil {
		return err
	}
	if err := s.removeItem(c, job); err != nil {
		return err
	}
	parent := c.root
	if f := jobs.Parent(job.Name); f != "" {
		parent += jobPath(f)
	}
	s.redirectAfterPost(c, parent, parent+"api/json")
	return nil
}

// removeItem stops an item's builds (a folder's: everything inside it)
// and deletes it, with its workspaces. No build of it starts meanwhile,
// and the running ones have ended before the workspaces go, so nothing
// writes in them afterwards.
func (s *Server) removeItem(c *call, job *model.Job) error {
	ids := append(s.jobs.Inside(job.Name), job.ID)
	release := s.queue.Hold(ids)
	defer release()
	for _, id := range ids {
		if err := s.queue.CancelJob(c.ctx(), id, c.id.Name(), true); err != nil {
			return err
		}
		s.encodedItems.Delete(id)
	}
	if err := s.jobs.Delete(c.ctx(), job.Name); err != nil {
		return jobError(err)
	}
	// The item is gone whatever happens to its workspace; one that stays
	// is removed when an item of its name is created.
	if err := s.queue.RemoveWorkspace(job.Name); err != nil {
		s.log.Error("cannot remove the workspace of a deleted item", "item", job.Name, "err", err)
	}
	if jobs.Parent(job.Name) == "" {
		s.views.JobRenamed(c.ctx(), job.Name, "")
	}
	return nil
}

// redirectAfterPost answers a POST that Jenkins answers with a redirect:
// a literal 302, to the HTML page for browsers and to a JSON URL for
// everyone else, so clients that follow it get a 200 they can parse. The
// web UI's own forms get 303 See Other to the page.
func (s *Server) redirectAfterPost(c *call, page, api string) {
	if fromForm(c) {
		seeOther(c, page) // the web UI: Post/Redirect/Get
		return
	}
	target := api
	if strings.Contains(c.r.Header.Get("Accept"), "text/html") {
		target = page
	}
	c.w.Header().Set("Location", target)
	c.w.Header().Set("Content-Type", "text/plain;charset=utf-8")
	c.w.WriteHeader(http.StatusFound)
	fmt.Fprintln(c.w, "Found:", target)
}

// jobColor is the job's ball colour (§4.8), from the job's cached
// status: listing jobs reads no build history.
func (s *Server) jobColor(c *call, job *model.Job) string {
	if job.Config.Disabled {
		if job.Status.LastBuilding {
			return "disabled_anime"
		}
		return "disabled"
	}
	return job.Status.Color()
}

// jobObject is a freestyle job's API object (§4.6). Costly properties
// are lazy, so a root listing computes only name, url and colour.
func (s *Server) jobObject(c *call, job *model.Job) *export.Object {
	url := c.root + jobPath(job.Name)
	ctx := c.ctx()
	// A permalink is a build: its summary where the job is read at the
	// default depth, every field a build has where the depth or the tree
	// reaches into it (Backstage reads lastBuild's actions).
	permalink := func(l model.Permalink) export.Prop {
		return export.Prop{Name: string(l), Vis: 1, Value: export.Pruned(func(minVis int) any {
			n, _, err := s.builds.Permalink(ctx, job.ID, l)
			c.fail(err)
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
				c.fail(err)
				out := make([]*export.Object, len(ns))
				for i, n := range ns {
					out[i] = buildSummaryObject(c, job, n)
				}
				return out
			}
			bs, err := s.builds.List(ctx, job.ID, limit)
			c.fail(err)
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
		export.Prop{Name: "color", Vis: 2, Value: export.Lazy(func() any { return s.jobColor(c, job) })},
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
		lazy("downstreamProjects", func() any { return s.projectRefs(c, s.downstream(job)) }),
		p("labelExpression", nil),
		p("scm", obj("hudson.scm.NullSCM")),
		lazy("upstreamProjects", func() any { return s.projectRefs(c, s.upstream(job)) }),
		export.Prop{Name: "allBuilds", Vis: -2, Value: builds(0)},
	)
}

// healthReport is Jenkins's build stability report over the last five
// completed builds.
func (s *Server) healthReport(c *call, job *model.Job) any {
	results, err := s.builds.RecentResults(c.ctx(), job.ID, 5)
	c.fail(err)
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

// downstream lists the jobs job's BuildTrigger starts.
func (s *Server) downstream(job *model.Job) []*model.Job {
	var out []*model.Job
	if job.Config.Threshold == "" {
		return out
	}
	for _, name := range job.Config.Children {
		if j, err := s.jobs.Get(downstream.Resolve(job.Name, name)); err == nil {
			out = append(out, j)
		}
	}
	return out
}

// upstream lists the jobs whose BuildTrigger starts job.
func (s *Server) upstream(job *model.Job) []*model.Job {
	var out []*model.Job
	for _, j := range s.jobs.List() {
		if j.Config.Threshold == "" {
			continue
		}
		for _, name := range j.Config.Children {
			if downstream.Resolve(j.Name, name) == job.Name {
				out = append(out, j)
				break
			}
		}
	}
	return out
}

// projectRefs is a list of jobs as {_class,name,url,color}.
func (s *Server) projectRefs(c *call, js []*model.Job) []*export.Object {
	out := make([]*export.Object, 0, len(js))
	for _, j := range js {
		if c.canSee(j) {
			out = append(out, obj("hudson.model.FreeStyleProject",
				pv("name", 2, j.BaseName()), pv("url", 2, c.root+jobPath(j.Name)), pv("color", 2, s.jobColor(c, j))))
		}
	}
	return out
}

// wipeWorkspace is POST /job/N/doWipeOutWorkspace. Like Jenkins's
// AbstractProject.doDoWipeOutWorkspace it needs Job/Build: Job/Workspace
// is implied by read and only lets one browse.
func (s *Server) wipeWorkspace(c *call, job *model.Job) error {
	if err := requirePOST(c); err != nil {
		return err
	}
	if err := c.require(permBuild); err != nil {
		return err
	}
	if err := s.queue.WipeWorkspace(job.Name); errors.Is(err, farm.ErrBusy) {
		return newError(http.StatusConflict, "Cannot wipe out the workspace of "+job.Name+" while it is building")
	} else if err != nil {
		return err
	}
	url := c.root + jobPath(job.Name)
	s.redirectAfterPost(c, url, url+"api/json")
	return nil
}
