package api

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/authz"
	"github.com/jeeves-ci/jeeves/internal/export"
	"github.com/jeeves-ci/jeeves/internal/farm"
	"github.com/jeeves-ci/jeeves/internal/jobs"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/request"
)

// inFolder is the full name of name in folder ("" = the root).
func inFolder(folder, name string) string {
	if folder == "" {
		return name
	}
	return folder + "/" + name
}

// DeleteByMethod: DELETE on an item's URL deletes it, as in Jenkins.
func (a *API) DeleteByMethod(c *request.Call, job *model.Job) error {
	if err := c.Require(authz.ItemDelete); err != nil {
		return err
	}
	if err := a.removeItem(c, job); err != nil {
		return err
	}
	c.W.WriteHeader(http.StatusOK)
	return nil
}

// CreateItem creates an item in folder ("" = the root) from the posted
// config.xml, as a copy of another (mode=copy&from=), or empty from a
// type (mode=<class>, the New Item form), as Jenkins's
// ItemGroupMixIn.createTopLevelItem does. created, if not nil,
// is told of the new item before the answer is written (a list view
// adds it to its jobs).
func (a *API) CreateItem(c *request.Call, folder string, created func(*model.Job) error) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	// Job/Create here first; a token's job glob is held to the new
	// item's full name once it is known.
	if !c.HasIgnoringGlob(c.Item, authz.ItemCreate) {
		return request.Forbidden(authz.ItemCreate)
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
		return a.copyItem(c, folder, name, q.Get("from"), created)
	case "hudson.model.FreeStyleProject", "com.cloudbees.hudson.plugins.folder.Folder":
		xml := "<?xml version='1.1' encoding='UTF-8'?>\n<project>\n  <description></description>\n  <keepDependencies>false</keepDependencies>\n  <properties/>\n  <scm class=\"hudson.scm.NullSCM\"/>\n  <canRoam>true</canRoam>\n  <disabled>false</disabled>\n  <blockBuildWhenDownstreamBuilding>false</blockBuildWhenDownstreamBuilding>\n  <blockBuildWhenUpstreamBuilding>false</blockBuildWhenUpstreamBuilding>\n  <triggers/>\n  <concurrentBuild>false</concurrentBuild>\n  <builders/>\n  <publishers/>\n  <buildWrappers/>\n</project>"
		if mode != "hudson.model.FreeStyleProject" {
			xml = "<?xml version='1.1' encoding='UTF-8'?>\n<com.cloudbees.hudson.plugins.folder.Folder>\n  <description></description>\n  <properties/>\n</com.cloudbees.hudson.plugins.folder.Folder>"
		}
		job, err := a.jobs.Create(c.Ctx(), folder, name, []byte(xml), c.Authority())
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
	job, err := a.jobs.Create(c.Ctx(), folder, name, body, c.Authority())
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
func (a *API) copyItem(c *request.Call, folder, name, from string, created func(*model.Job) error) error {
	if from == "" {
		return request.BadRequest("Query parameter 'from' is required")
	}
	var src *model.Job
	var err error
	if strings.HasPrefix(from, "/") {
		src, err = a.jobs.Get(strings.Trim(from, "/"))
	} else {
		full := from
		if folder != "" {
			full = folder + "/" + from
		}
		if src, err = a.jobs.Get(full); err != nil {
			src, err = a.jobs.Get(from)
		}
	}
	if err != nil || !c.CanSee(src) {
		return request.BadRequest("No such job: " + from)
	}
	// Copying reads the source's configuration (Jenkins: ExtendedRead).
	if !c.HasOn(src, authz.ItemExtRead) {
		return request.Forbidden(authz.ItemExtRead)
	}
	if err := c.CheckDownstream(inFolder(folder, name), src.ConfigXML); err != nil {
		return err
	}
	job, err := a.jobs.Create(c.Ctx(), folder, name, src.ConfigXML, c.Authority())
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

// RenameItem is doRename?newName= (and the form's confirmRename).
func (a *API) RenameItem(c *request.Call, job *model.Job) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.Require(authz.ItemConfigure); err != nil {
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
	// The Rename page's form comes back with the reason beside the name.
	refused := func(err error) error {
		if _, ok := request.FormMessage(err); ok && request.FromForm(c) {
			return a.pages.RenameRefused(c, job, newName, err)
		}
		return err
	}
	if request.FromForm(c) {
		// Jenkins's confirmRename trims the name its form sends.
		newName = strings.TrimSpace(newName)
	}
	if newName == "" {
		return refused(request.BadRequest("Query parameter 'newName' is required"))
	}
	if err := jobs.CheckName(newName); err != nil {
		return refused(request.Refused(err))
	}
	if err := c.MayRename(job, inFolder(jobs.Parent(job.Name), newName)); err != nil {
		return err
	}
	// Nothing of the item runs or starts while it and its workspaces
	// move: a build's WORKSPACE would name the old place.
	release, err := a.farm.HoldIdle(append(a.jobs.Inside(job.Name), job.ID))
	if errors.Is(err, farm.ErrBusy) {
		if jobs.IsFolder(job) {
			return refused(request.BadRequest("Cannot rename a folder while a job in it is building"))
		}
		return refused(request.BadRequest("Cannot rename a job while it is building"))
	}
	defer release()
	renamed, err := a.jobs.Rename(c.Ctx(), job.Name, newName)
	if err != nil {
		return refused(request.Refused(err))
	}
	if renamed.Name != job.Name {
		if err := a.farm.MoveWorkspace(job.Name, renamed.Name); err != nil {
			a.log.Error("cannot move the workspace of a renamed item", "from", job.Name, "to", renamed.Name, "err", err)
		}
	}
	if jobs.Parent(job.Name) == "" {
		a.views.JobRenamed(c.Ctx(), job.Name, renamed.Name)
	}
	url := c.Root + jobPath(renamed.Name)
	return request.RedirectAfterPost(c, url, url+"api/json")
}

// EnableJob is /enable and /disable: buildable flips, the XML's
// <disabled> changes and nothing else in it.
func (a *API) EnableJob(c *request.Call, job *model.Job, enable bool) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.Require(authz.ItemConfigure); err != nil {
		return err
	}
	if _, err := a.jobs.SetField(c.Ctx(), job.Name, "disabled", strconv.FormatBool(!enable)); err != nil {
		return request.Refused(err)
	}
	if !enable {
		a.farm.CancelJob(c.Ctx(), job.ID, c.ID.Name(), false)
	}
	c.Notify(map[bool]string{true: "Enabled", false: "Disabled"}[enable] + " ‘" + job.Name + "’")
	url := c.Root + jobPath(job.Name)
	return request.RedirectAfterPost(c, url, url+"api/json")
}

// Description is GET (plain text) and POST (form field description) of
// an item's description, as Jenkins's submitDescription.
func (a *API) Description(c *request.Call, job *model.Job) error {
	if c.R.Method != http.MethodPost {
		c.W.Header().Set("Content-Type", "text/plain;charset=utf-8")
		_, err := io.WriteString(c.W, job.Config.Description)
		return err
	}
	if err := c.Require(authz.ItemConfigure); err != nil {
		return err
	}
	if err := request.ParseForm(c); err != nil {
		return err
	}
	desc := c.R.URL.Query().Get("description")
	if c.R.PostFormValue("description") != "" || desc == "" {
		desc = c.R.PostFormValue("description")
	}
	if _, err := a.jobs.SetField(c.Ctx(), job.Name, "description", desc); err != nil {
		return request.Refused(err)
	}
	url := c.Root + jobPath(job.Name)
	return request.RedirectAfterPost(c, url, url+"api/json")
}

// DeleteJob deletes a job after stopping its builds
// (AbstractItem.doDoDelete).
func (a *API) DeleteJob(c *request.Call, job *model.Job) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.Require(authz.ItemDelete); err != nil {
		return err
	}
	if err := a.removeItem(c, job); err != nil {
		return err
	}
	parent := c.Root
	if f := jobs.Parent(job.Name); f != "" {
		parent += jobPath(f)
	}
	c.Notify("Deleted ‘" + job.Name + "’")
	return request.RedirectAfterPost(c, parent, parent+"api/json")
}

// removeItem stops an item's builds (a folder's: everything inside it)
// and deletes it, with its workspaces. No build of it starts meanwhile,
// and the running ones have ended before the workspaces go, so nothing
// writes in them afterwards.
func (a *API) removeItem(c *request.Call, job *model.Job) error {
	ids := append(a.jobs.Inside(job.Name), job.ID)
	release := a.farm.Hold(ids)
	defer release()
	for _, id := range ids {
		if err := a.farm.CancelJob(c.Ctx(), id, c.ID.Name(), true); err != nil {
			return err
		}
		a.encodedItems.Delete(id)
	}
	if err := a.jobs.Delete(c.Ctx(), job.Name); err != nil {
		return request.Refused(err)
	}
	// The item is gone whatever happens to its workspace; one that stays
	// is removed when an item of its name is created.
	if err := a.farm.RemoveWorkspace(job.Name); err != nil {
		a.log.Error("cannot remove the workspace of a deleted item", "item", job.Name, "err", err)
	}
	if jobs.Parent(job.Name) == "" {
		a.views.JobRenamed(c.Ctx(), job.Name, "")
	}
	return nil
}

// JobObject is a freestyle job's API object (the exported properties of
// hudson/model/AbstractProject.java and Job.java). Costly properties
// are lazy, so a root listing computes only name, url and colour.
func (a *API) JobObject(c *request.Call, job *model.Job) *export.Object {
	url := c.Root + jobPath(job.Name)
	ctx := c.Ctx()
	// A permalink is a build: its summary where the job is read at the
	// default depth, every field a build has where the depth or the tree
	// reaches into it (Backstage reads lastBuild's actions).
	permalink := func(l model.Permalink) export.Prop {
		return export.Prop{Name: string(l), Vis: 1, Value: export.Pruned(func(minVis int) any {
			n, _, err := a.builds.Permalink(ctx, job.ID, l)
			c.Fail(err)
			if n == 0 {
				return nil
			}
			return a.buildRef(c, job, n, nil)(minVis)
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
	actions = append(actions, a.jobDiskUsage(c, job))
	// A build list at the default depth shows each build's number and
	// url only: those need no more than the numbers.
	builds := func(limit int) export.Pruned {
		return func(minVis int) any {
			if minVis >= buildSummaryVis {
				ns, err := a.builds.Numbers(ctx, job.ID, limit)
				c.Fail(err)
				out := make([]*export.Object, len(ns))
				for i, n := range ns {
					out[i] = buildSummaryObject(c, job, n)
				}
				return out
			}
			bs, err := a.builds.List(ctx, job.ID, limit)
			c.Fail(err)
			out := make([]*export.Object, len(bs))
			for i, b := range bs {
				out[i] = a.BuildObject(c, job, b)
			}
			return out
		}
	}
	queued := a.farm.JobItem(job.ID)
	var queueItem any
	if queued != nil {
		queueItem = a.QueueItemObject(c, queued, false)
	}
	return newObject("hudson.model.FreeStyleProject",
		prop("actions", actions),
		prop("description", job.Config.Description),
		prop("displayName", job.BaseName()),
		prop("displayNameOrNull", nil),
		prop("fullDisplayName", strings.ReplaceAll(job.Name, "/", " » ")),
		prop("fullName", job.Name),
		propVis("name", 999, job.BaseName()),
		propVis("url", 999, url),
		prop("buildable", !job.Config.Disabled),
		export.Prop{Name: "builds", Vis: 1, Value: builds(100)},
		export.Prop{Name: "color", Vis: 2, Value: export.Lazy(func() any { return job.Color() })},
		permalink(model.FirstBuild),
		lazyProp("healthReport", func() any { return a.healthReport(c, job) }),
		prop("inQueue", queued != nil),
		prop("keepDependencies", false),
		permalink(model.LastBuild),
		permalink(model.LastCompletedBuild),
		permalink(model.LastFailedBuild),
		permalink(model.LastStableBuild),
		permalink(model.LastSuccessfulBuild),
		permalink(model.LastUnstableBuild),
		permalink(model.LastUnsuccessfulBuild),
		prop("nextBuildNumber", job.NextBuildNumber),
		export.Prop{Name: "property", Vis: 1, Inline: true, Value: props},
		prop("queueItem", queueItem),
		prop("concurrentBuild", job.Config.Concurrent),
		prop("disabled", job.Config.Disabled),
		lazyProp("downstreamProjects", func() any { return a.projectRefs(c, a.jobs.Downstream(job)) }),
		prop("labelExpression", nil),
		prop("scm", newObject(scmClass(job))),
		lazyProp("upstreamProjects", func() any { return a.projectRefs(c, a.jobs.Upstream(job)) }),
		export.Prop{Name: "allBuilds", Vis: -2, Value: builds(0)},
	)
}

// healthReport is Jenkins's health of a job (Job.getBuildHealthReports):
// the build stability over the last five completed builds
// (builds.HealthOf) and the test health of the last finished build, the
// worst first.
func (a *API) healthReport(c *request.Call, job *model.Job) any {
	var reports []*export.Object
	var scores []int
	if h, ok := a.testHealth(c, job); ok {
		reports, scores = append(reports, healthObject(h.Description, h.Score)), append(scores, h.Score)
	}
	h, ok, err := a.builds.Health(c.Ctx(), job.ID)
	c.Fail(err)
	if err == nil && ok {
		reports, scores = append(reports, healthObject(h.Description, h.Score)), append(scores, h.Score)
	}
	return sortHealth(append([]*export.Object{}, reports...), scores)
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
			propVis("defaultParameterValue", 3, paramValueObject(model.ParamValue{Kind: d.Kind, Name: d.Name, Value: d.Default})),
			propVis("description", 3, d.Description),
			propVis("name", 3, d.Name),
			propVis("type", 3, typ),
		}
		if d.Kind == model.ParamChoice {
			props = append(props, propVis("choices", 3, d.Choices))
		}
		list[i] = newObject(class, props...)
	}
	return newObject("hudson.model.ParametersDefinitionProperty", propVis("parameterDefinitions", 2, list))
}

func paramValueObject(v model.ParamValue) *export.Object {
	class := paramValueClass[v.Kind]
	if class == "" {
		class = paramValueClass[model.ParamString]
	}
	switch v.Kind {
	case model.ParamPassword:
		return newObject(class, propVis("name", 3, v.Name))
	case model.ParamBoolean:
		return newObject(class, propVis("name", 3, v.Name), propVis("value", 3, v.Value == "true"))
	}
	return newObject(class, propVis("name", 3, v.Name), propVis("value", 3, v.Value))
}

// projectRefs is a list of jobs as {_class,name,url,color}.
func (a *API) projectRefs(c *request.Call, js []*model.Job) []*export.Object {
	out := make([]*export.Object, 0, len(js))
	for _, j := range js {
		if c.CanSee(j) {
			out = append(out, newObject("hudson.model.FreeStyleProject",
				propVis("name", 2, j.BaseName()), propVis("url", 2, c.Root+jobPath(j.Name)), propVis("color", 2, j.Color())))
		}
	}
	return out
}

// WipeWorkspace is POST /job/N/doWipeOutWorkspace. Like Jenkins's
// AbstractProject.doDoWipeOutWorkspace it needs Job/Build: Job/Workspace
// is implied by read and only lets one browse.
func (a *API) WipeWorkspace(c *request.Call, job *model.Job) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.Require(authz.ItemBuild); err != nil {
		return err
	}
	if err := a.farm.WipeWorkspace(job.Name); errors.Is(err, farm.ErrBusy) {
		return request.NewError(http.StatusConflict, "Cannot wipe out the workspace of "+job.Name+" while it is building")
	} else if err != nil {
		return err
	}
	url := c.Root + jobPath(job.Name)
	return request.RedirectAfterPost(c, url, url+"api/json")
}
