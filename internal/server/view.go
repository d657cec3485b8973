package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/configxml"
	"github.com/jeeves-ci/jeeves/internal/export"
	"github.com/jeeves-ci/jeeves/internal/jobs"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/request"
	"github.com/jeeves-ci/jeeves/internal/store"
	"github.com/jeeves-ci/jeeves/internal/views"
)

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
			return s.deleteView(c, v)
		}
		return s.rootPage(c)
	}
	if ok, err := dispatch(s, c, v, p[1:], walkViewMethods); ok {
		return err
	}
	switch p[1] {
	case "api":
		return s.serveAPI(c, p[1:], "listView", s.listViewObject(c, v))
	case "job":
		return s.walkJobs(c, "", p[2:])
	}
	return request.NotFound()
}

// walkViewMethods are a stored view's web methods (View's and ListView's
// doConfigDotXml, doDoDelete, doAddJobToView…).
func walkViewMethods(name string) webMethod[*model.View] {
	switch name {
	case "config.xml":
		return (*Server).viewConfigXML
	case "doDelete":
		return func(s *Server, c *request.Call, v *model.View) error {
			if err := request.RequirePOST(c); err != nil {
				return err
			}
			return s.deleteView(c, v)
		}
	case "addJobToView":
		return func(s *Server, c *request.Call, v *model.View) error { return s.setViewJob(c, v, true) }
	case "removeJobFromView":
		return func(s *Server, c *request.Call, v *model.View) error { return s.setViewJob(c, v, false) }
	case "createItem":
		return (*Server).viewCreateItem
	case "configSubmit":
		return (*Server).viewConfigSubmit
	case "submitDescription":
		return (*Server).viewSubmitDescription
	case "itemCategories":
		return func(s *Server, c *request.Call, _ *model.View) error { return s.itemCategories(c, nil) }
	}
	return nil
}

// viewCreateItem is POST /view/NAME/createItem: the item is created as
// /createItem creates it; a list view then lists it (ListView's
// doCreateItem), unless the New Item form's json says not to.
func (s *Server) viewCreateItem(c *request.Call, v *model.View) error {
	var added func(*model.Job) error
	if v.Config.Class == configxml.ListViewClass {
		added = func(job *model.Job) error {
			if raw := c.R.FormValue("json"); raw != "" {
				var form struct {
					AddToCurrentView bool `json:"addToCurrentView"`
				}
				if json.Unmarshal([]byte(raw), &form) != nil || !form.AddToCurrentView {
					return nil
				}
			}
			if _, err := s.views.SetJob(c.Ctx(), v.Name, job.Name, true); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			return nil
		}
	}
	return s.createItem(c, "", added)
}

// viewConfigSubmit is POST /view/NAME/configSubmit (View.doConfigSubmit
// and ListView.submit): from the json field the description, the
// executor and queue filters and, for a list view, recurse; from the
// form the name (a new one renames the view), the item_JOB checkboxes,
// includeRegex (with useincluderegex) and statusFilter (1: enabled jobs
// only, 2: disabled jobs only, empty: all). Without the json field it is
// Stapler's 400, and nothing changes.
func (s *Server) viewConfigSubmit(c *request.Call, v *model.View) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.Require(permViewConfigure); err != nil {
		return err
	}
	raw, err := request.SubmittedForm(c)
	if err != nil {
		return err
	}
	var form map[string]json.RawMessage
	if err := json.Unmarshal(raw, &form); err != nil {
		return request.BadRequest("The json field is not a JSON object")
	}
	optBool := func(key string, def bool) bool {
		var b bool
		if json.Unmarshal(form[key], &b) != nil {
			var str string
			if json.Unmarshal(form[key], &str) != nil {
				return def
			}
			return strings.EqualFold(str, "true") || str == "on"
		}
		return b
	}
	f := configxml.ViewForm{
		Name:            c.R.FormValue("name"),
		FilterExecutors: optBool("filterExecutors", false),
		FilterQueue:     optBool("filterQueue", false),
		Recurse:         optBool("recurse", true),
	}
	if d, ok := form["description"]; ok {
		if json.Unmarshal(d, &f.Description) != nil {
			return request.BadRequest("The json field's description must be a string")
		}
	} else {
		// Jenkins reads it from the json field only; a plain form
		// parameter is not dropped.
		f.Description = c.R.FormValue("description")
	}
	if v.Config.Class == configxml.ListViewClass {
		for _, j := range s.jobs.Children("") {
			if _, ticked := c.R.Form["item_"+j.Name]; ticked {
				f.JobNames = append(f.JobNames, j.Name)
			}
		}
		_, useRegex := c.R.Form["useincluderegex"]
		f.IncludeRegex = c.R.FormValue("includeRegex")
		if nested, ok := form["useincluderegex"]; ok && !useRegex {
			// The structured form carries the ticked block as an object.
			var block struct {
				IncludeRegex string `json:"includeRegex"`
			}
			if json.Unmarshal(nested, &block) == nil {
				useRegex = true
				if f.IncludeRegex == "" {
					f.IncludeRegex = block.IncludeRegex
				}
			}
		}
		if !useRegex {
			f.IncludeRegex = ""
		}
		if sf := strings.TrimSpace(c.R.FormValue("statusFilter")); sf != "" {
			enabled := sf == "1"
			f.StatusFilter = &enabled
		}
	}
	nv, err := s.views.Submit(c.Ctx(), v.Name, f)
	if err != nil {
		return request.Refused(err)
	}
	u := c.Root + "view/" + url.PathEscape(nv.Name) + "/"
	return request.RedirectAfterPost(c, u, u+"api/json")
}

// viewSubmitDescription is POST /view/NAME/submitDescription (View's).
func (s *Server) viewSubmitDescription(c *request.Call, v *model.View) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.Require(permViewConfigure); err != nil {
		return err
	}
	if err := request.ParseForm(c); err != nil {
		return err
	}
	if _, err := s.views.SetDescription(c.Ctx(), v.Name, c.R.FormValue("description")); err != nil {
		return request.Refused(err)
	}
	u := c.Root + "view/" + url.PathEscape(v.Name) + "/"
	return request.RedirectAfterPost(c, u, u+"api/json")
}

// walkAllView serves /view/all/… of the root (folder nil) or of a
// folder: the implicit view of every item, matched without case.
func (s *Server) walkAllView(c *request.Call, folder *model.Job, p []string) error {
	if len(p) == 0 {
		return s.dashboard(c, folder)
	}
	if ok, err := dispatch(s, c, folder, p, walkAllViewMethods); ok {
		return err
	}
	switch p[0] {
	case "api":
		if folder == nil {
			return s.serveAPI(c, p, "allView", s.allViewObject(c))
		}
		return s.serveAPI(c, p, "allView", s.viewObject(c, "hudson.model.AllView", "All", c.Root+jobPath(folder.Name),
			func() []*model.Job { return s.jobs.Children(folder.Name) }))
	case "job":
		return s.walkJobs(c, folderName(folder), p[1:])
	case "newJob":
		return s.newJob(c, folder)
	}
	return request.NotFound()
}

// walkAllViewMethods are the all view's web methods (AllView's
// doCreateItem creates the item in the view's folder).
func walkAllViewMethods(name string) webMethod[*model.Job] {
	switch name {
	case "createItem":
		return func(s *Server, c *request.Call, folder *model.Job) error {
			return s.createItem(c, folderName(folder), nil)
		}
	case "itemCategories":
		return (*Server).itemCategories
	}
	return nil
}

// itemCategories is a view's itemCategories (View.doItemCategories): the
// item types the New Item page offers, by category, as JSON (jcli asks
// for it with depth=3). It needs Job/Create where the items would go.
func (s *Server) itemCategories(c *request.Call, folder *model.Job) error {
	c.Item = folder
	if err := c.Require(permCreate); err != nil {
		return err
	}
	h := c.W.Header()
	h.Set("Cache-Control", "no-cache, no-store, must-revalidate")
	h.Set("Pragma", "no-cache")
	h.Set("Expires", "0")
	item := func(class string, order int, name, desc, icon, iconClass string) *export.Object {
		return obj("", pv("class", 999, class), pv("order", 999, order), pv("displayName", 999, name),
			pv("description", 999, desc), pv("iconFilePathPattern", 999, icon), pv("iconClassName", 999, iconClass))
	}
	category := func(id, name, desc string, order int, items ...*export.Object) *export.Object {
		return obj("", p("description", desc), p("id", id), p("items", items), p("minToShow", 1), p("name", name), p("order", order))
	}
	categories := obj("jenkins.model.item_category.Categories", p("categories", []*export.Object{
		category("standalone-projects", "Standalone Projects",
			"Create projects with a self-contained configuration and history. These projects can be at the top-level or grouped within folders.", 1,
			item("hudson.model.FreeStyleProject", 1, "Freestyle project",
				"Classic, general-purpose job type that checks out from up to one SCM, executes build steps serially, followed by post-build steps like archiving artifacts and sending email notifications.",
				s.ui.StaticPrefix()+"images/:size/freestyleproject.png", "symbol-freestyle-project")),
		category("nested-projects", "Nested Projects",
			"Create project categories or project hierarchies with folders. Folders can be created manually or automatically based on repositories.", 2,
			item("com.cloudbees.hudson.plugins.folder.Folder", 2, "Folder",
				"Creates a container that stores nested items in it. Useful for grouping things together. Unlike view, which is just a filter, a folder creates a separate namespace, so you can have multiple things of the same name as long as they are in different folders.",
				"plugin/cloudbees-folder/images/svgs/folder.svg", "symbol-folder-outline plugin-ionicons-api")),
	}))
	return s.writeAPI(c, apiTarget{"categories", categories}, export.JSON, "application/json;charset=utf-8")
}

// folderName is a folder's full name, "" for the root (nil).
func folderName(folder *model.Job) string {
	if folder == nil {
		return ""
	}
	return folder.Name
}

// setViewJob is addJobToView and removeJobFromView.
func (s *Server) setViewJob(c *request.Call, v *model.View, in bool) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.Require(permViewConfigure); err != nil {
		return err
	}
	name := c.R.URL.Query().Get("name")
	if name == "" {
		name = c.R.PostFormValue("name")
	}
	// An item the caller cannot see is answered as one that does not
	// exist (Jenkins's ListView resolves the name with Job/Read).
	if j, err := s.jobs.Get(strings.Trim(name, "/")); err != nil || !c.CanSee(j) {
		return request.BadRequest("Query parameter 'name' does not correspond to a known item")
	}
	if _, err := s.views.SetJob(c.Ctx(), v.Name, strings.Trim(name, "/"), in); err != nil {
		return request.Refused(err)
	}
	c.W.WriteHeader(http.StatusOK)
	return nil
}

func (s *Server) deleteView(c *request.Call, v *model.View) error {
	if err := c.Require(permViewDelete); err != nil {
		return err
	}
	if err := s.views.Delete(c.Ctx(), v.Name); err != nil {
		return request.Refused(err)
	}
	if c.R.Method == http.MethodDelete {
		c.W.WriteHeader(http.StatusOK)
		return nil
	}
	return request.RedirectAfterPost(c, c.Root, c.Root+"api/json")
}

func (s *Server) viewConfigXML(c *request.Call, v *model.View) error {
	switch c.R.Method {
	case http.MethodGet, http.MethodHead:
		if err := c.Require(permViewRead); err != nil {
			return err
		}
		xml, err := s.viewXMLFor(c, v)
		if err != nil {
			return err
		}
		c.W.Header().Set("Content-Type", "application/xml")
		c.W.WriteHeader(http.StatusOK)
		if c.R.Method == http.MethodGet {
			c.W.Write(xml)
		}
		return nil
	case http.MethodPost:
		if err := c.Require(permViewConfigure); err != nil {
			return err
		}
		body, err := request.ReadBody(c)
		if err != nil {
			return err
		}
		if body, err = s.keepHiddenViewJobs(c, v, body); err != nil {
			return err
		}
		if _, err := s.views.UpdateConfig(c.Ctx(), v.Name, body); err != nil {
			return request.Refused(err)
		}
		c.W.WriteHeader(http.StatusOK)
		return nil
	}
	return request.BadRequest("config.xml accepts GET and POST only")
}

// viewXMLFor is a view's config.xml as the caller may read it: the jobs
// it lists are only those the caller can see (an item the caller cannot
// see, or one that no longer exists, is left out).
func (s *Server) viewXMLFor(c *request.Call, v *model.View) ([]byte, error) {
	shown := make([]string, 0, len(v.Config.JobNames))
	for _, n := range v.Config.JobNames {
		if j, err := s.jobs.Get(n); err == nil && c.CanSee(j) {
			shown = append(shown, n)
		}
	}
	if len(shown) == len(v.Config.JobNames) {
		return v.ConfigXML, nil
	}
	xml, err := configxml.SetViewJobs(v.ConfigXML, shown)
	if err != nil {
		return nil, err
	}
	return xml, nil
}

// keepHiddenViewJobs adds to a posted view config.xml the jobs the view
// lists that the caller cannot see: they were left out of what the
// caller read (viewXMLFor), so posting it back must not drop them.
func (s *Server) keepHiddenViewJobs(c *request.Call, v *model.View, body []byte) ([]byte, error) {
	var hidden []string
	for _, n := range v.Config.JobNames {
		if j, err := s.jobs.Get(n); err == nil && !c.CanSee(j) {
			hidden = append(hidden, n)
		}
	}
	if len(hidden) == 0 {
		return body, nil
	}
	posted, err := configxml.ParseView(body)
	if err != nil {
		return body, nil // UpdateConfig answers with the parse error
	}
	names := slices.Clone(posted.JobNames)
	for _, n := range hidden {
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	slices.SortFunc(names, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	merged, err := configxml.SetViewJobs(body, names)
	if err != nil {
		return body, nil
	}
	return merged, nil
}

// createView makes a list view from posted XML (python-jenkins) or from
// the form's mode=hudson.model.ListView (node-jenkins, the UI).
func (s *Server) createView(c *request.Call) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.Require(permViewCreate); err != nil {
		return err
	}
	name := c.R.URL.Query().Get("name")
	var xml []byte
	fromXML := request.IsXMLContentType(c.R.Header.Get("Content-Type"))
	if fromXML {
		body, err := request.ReadBody(c)
		if err != nil {
			return err
		}
		xml = body
	} else {
		if err := c.R.ParseForm(); err != nil {
			return request.BadRequest("cannot read the form: " + err.Error())
		}
		if name == "" {
			name = c.R.Form.Get("name")
		}
		switch mode := c.R.Form.Get("mode"); mode {
		case configxml.ListViewClass:
		case configxml.MyViewClass:
			xml = configxml.NewMyView(name)
		case "":
			return request.BadRequest("No view type is specified")
		default:
			return request.BadRequest("No view type ‘" + mode + "’ is known")
		}
	}
	if name == "" {
		return request.BadRequest("Query parameter 'name' is required")
	}
	if _, err := s.views.Create(c.Ctx(), name, xml); err != nil {
		return request.Refused(err)
	}
	if fromXML {
		c.W.WriteHeader(http.StatusOK)
		return nil
	}
	u := c.Root + "view/" + url.PathEscape(name) + "/"
	return request.RedirectAfterPost(c, u, u+"api/json")
}

// viewObject is a view's API object listing jobs.
func (s *Server) viewObject(c *request.Call, class, name, url string, items func() []*model.Job) *export.Object {
	return obj(class,
		p("description", nil),
		s.itemsProp(c, items),
		pv("name", 2, name),
		p("property", []*export.Object{}),
		pv("url", 2, url),
	)
}

func (s *Server) allViewObject(c *request.Call) *export.Object {
	return s.viewObject(c, "hudson.model.AllView", views.AllView, c.Root, func() []*model.Job { return s.jobs.Children("") })
}

// listViewObject is a stored view's API object: a list view, or a "My
// View", which lists the items the caller may configure (MyView).
func (s *Server) listViewObject(c *request.Call, v *model.View) *export.Object {
	items := func() []*model.Job {
		in := s.views.Contains(v.Name)
		var shown []*model.Job
		for _, j := range s.jobs.Children("") {
			if s.viewShows(c, v, j, in) {
				shown = append(shown, j)
			}
		}
		return shown
	}
	var desc any
	if v.Config.Description != "" {
		desc = v.Config.Description
	}
	class := v.Config.Class
	if class == "" {
		class = configxml.ListViewClass
	}
	return obj(class,
		p("description", desc),
		s.itemsProp(c, items),
		pv("name", 2, v.Name),
		p("property", []*export.Object{}),
		pv("url", 2, c.Root+"view/"+url.PathEscape(v.Name)+"/"),
	)
}

// viewShows reports whether view v lists the top-level item j.
func (s *Server) viewShows(c *request.Call, v *model.View, j *model.Job, in func(string) bool) bool {
	if v.Config.Class == configxml.MyViewClass {
		return c.HasOn(j, permConfigure)
	}
	if !in(j.Name) {
		return false
	}
	// Jenkins's StatusFilter: true keeps enabled jobs, false disabled
	// ones; folders are kept either way.
	if sf := v.Config.StatusFilter; sf != nil && !jobs.IsFolder(j) && j.Config.Disabled == *sf {
		return false
	}
	return true
}

// viewsList is the root's views: all, then the list views.
func (s *Server) viewsList(c *request.Call) []*export.Object {
	out := []*export.Object{s.allViewObject(c)}
	for _, v := range s.views.List() {
		out = append(out, s.listViewObject(c, v))
	}
	return out
}
