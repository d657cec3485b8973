package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/authz"
	"github.com/jeeves-ci/jeeves/internal/configxml"
	"github.com/jeeves-ci/jeeves/internal/export"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/request"
	"github.com/jeeves-ci/jeeves/internal/store"
	"github.com/jeeves-ci/jeeves/internal/views"
)

// ViewCreateItem is POST /view/NAME/createItem: the item is created as
// /createItem creates it; a list view then lists it (ListView's
// doCreateItem), unless the New Item form's json says not to.
func (a *API) ViewCreateItem(c *request.Call, v *model.View) error {
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
			if _, err := a.views.SetJob(c.Ctx(), v.Name, job.Name, true); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			return nil
		}
	}
	return a.CreateItem(c, "", added)
}

// ViewConfigSubmit is POST /view/NAME/configSubmit (View.doConfigSubmit
// and ListView.submit): from the json field the description, the
// executor and queue filters and, for a list view, recurse; from the
// form the name (a new one renames the view), the item_JOB checkboxes,
// includeRegex (with useincluderegex) and statusFilter (1: enabled jobs
// only, 2: disabled jobs only, empty: all). Without the json field it is
// Stapler's 400, and nothing changes.
func (a *API) ViewConfigSubmit(c *request.Call, v *model.View) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.Require(authz.ViewConfigure); err != nil {
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
		for _, j := range a.jobs.Children("") {
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
	if v.Config.Class == configxml.ListViewClass {
		// The jobs the caller cannot see were not offered to tick: the
		// view keeps them, as it does for a posted config.xml.
		for _, n := range v.Config.JobNames {
			if j, err := a.jobs.Get(n); err == nil && !c.CanSee(j) && !slices.Contains(f.JobNames, n) {
				f.JobNames = append(f.JobNames, n)
			}
		}
	}
	nv, err := a.views.Submit(c.Ctx(), v.Name, f)
	if err != nil {
		if _, ok := request.FormMessage(request.Refused(err)); ok && request.FromForm(c) {
			return a.pages.ViewConfigRefused(c, v, request.Refused(err))
		}
		return request.Refused(err)
	}
	u := c.Root + "view/" + url.PathEscape(nv.Name) + "/"
	return request.RedirectAfterPost(c, u, u+"api/json")
}

// ViewSubmitDescription is POST /view/NAME/submitDescription (View's).
func (a *API) ViewSubmitDescription(c *request.Call, v *model.View) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.Require(authz.ViewConfigure); err != nil {
		return err
	}
	if err := request.ParseForm(c); err != nil {
		return err
	}
	if _, err := a.views.SetDescription(c.Ctx(), v.Name, c.R.FormValue("description")); err != nil {
		return request.Refused(err)
	}
	u := c.Root + "view/" + url.PathEscape(v.Name) + "/"
	return request.RedirectAfterPost(c, u, u+"api/json")
}

// ItemCategories is a view's itemCategories (View.doItemCategories): the
// item types the New Item page offers, by category, as JSON (jcli asks
// for it with depth=3). It needs Job/Create where the items would go.
func (a *API) ItemCategories(c *request.Call, folder *model.Job) error {
	c.Item = folder
	if err := c.Require(authz.ItemCreate); err != nil {
		return err
	}
	h := c.W.Header()
	h.Set("Cache-Control", "no-cache, no-store, must-revalidate")
	h.Set("Pragma", "no-cache")
	h.Set("Expires", "0")
	item := func(class string, order int, name, desc, icon, iconClass string) *export.Object {
		return newObject("", propVis("class", 999, class), propVis("order", 999, order), propVis("displayName", 999, name),
			propVis("description", 999, desc), propVis("iconFilePathPattern", 999, icon), propVis("iconClassName", 999, iconClass))
	}
	category := func(id, name, desc string, order int, items ...*export.Object) *export.Object {
		return newObject("", prop("description", desc), prop("id", id), prop("items", items), prop("minToShow", 1), prop("name", name), prop("order", order))
	}
	categories := newObject("jenkins.model.item_category.Categories", prop("categories", []*export.Object{
		category("standalone-projects", "Standalone Projects",
			"Create projects with a self-contained configuration and history. These projects can be at the top-level or grouped within folders.", 1,
			item("hudson.model.FreeStyleProject", 1, "Freestyle project",
				"Classic, general-purpose job type that checks out from up to one SCM, executes build steps serially, followed by post-build steps like archiving artifacts and sending email notifications.",
				a.staticPrefix+"images/:size/freestyleproject.png", "symbol-freestyle-project")),
		category("nested-projects", "Nested Projects",
			"Create project categories or project hierarchies with folders. Folders can be created manually or automatically based on repositories.", 2,
			item("com.cloudbees.hudson.plugins.folder.Folder", 2, "Folder",
				"Creates a container that stores nested items in it. Useful for grouping things together. Unlike view, which is just a filter, a folder creates a separate namespace, so you can have multiple things of the same name as long as they are in different folders.",
				"plugin/cloudbees-folder/images/svgs/folder.svg", "symbol-folder-outline plugin-ionicons-api")),
	}))
	return a.Write(c, "categories", categories, export.JSON)
}

// SetViewJob is addJobToView and removeJobFromView.
func (a *API) SetViewJob(c *request.Call, v *model.View, in bool) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.Require(authz.ViewConfigure); err != nil {
		return err
	}
	name := c.R.URL.Query().Get("name")
	if name == "" {
		name = c.R.PostFormValue("name")
	}
	// An item the caller cannot see is answered as one that does not
	// exist (Jenkins's ListView resolves the name with Job/Read).
	if j, err := a.jobs.Get(strings.Trim(name, "/")); err != nil || !c.CanSee(j) {
		return request.BadRequest("Query parameter 'name' does not correspond to a known item")
	}
	if _, err := a.views.SetJob(c.Ctx(), v.Name, strings.Trim(name, "/"), in); err != nil {
		return request.Refused(err)
	}
	c.W.WriteHeader(http.StatusOK)
	return nil
}

// DeleteView deletes a view, on POST doDelete or HTTP DELETE
// (View.doDoDelete).
func (a *API) DeleteView(c *request.Call, v *model.View) error {
	if err := c.Require(authz.ViewDelete); err != nil {
		return err
	}
	if err := a.views.Delete(c.Ctx(), v.Name); err != nil {
		return request.Refused(err)
	}
	if c.R.Method == http.MethodDelete {
		c.W.WriteHeader(http.StatusOK)
		return nil
	}
	return request.RedirectAfterPost(c, c.Root, c.Root+"api/json")
}

// viewXMLFor is a view's config.xml as the caller may read it: the jobs
// it lists are only those the caller can see (an item the caller cannot
// see, or one that no longer exists, is left out).
func (a *API) viewXMLFor(c *request.Call, v *model.View) ([]byte, error) {
	shown := make([]string, 0, len(v.Config.JobNames))
	for _, n := range v.Config.JobNames {
		if j, err := a.jobs.Get(n); err == nil && c.CanSee(j) {
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
func (a *API) keepHiddenViewJobs(c *request.Call, v *model.View, body []byte) ([]byte, error) {
	var hidden []string
	for _, n := range v.Config.JobNames {
		if j, err := a.jobs.Get(n); err == nil && !c.CanSee(j) {
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

// CreateView makes a list view from posted XML (python-jenkins) or from
// the form's mode=hudson.model.ListView (node-jenkins, the UI).
func (a *API) CreateView(c *request.Call) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.Require(authz.ViewCreate); err != nil {
		return err
	}
	name := c.R.URL.Query().Get("name")
	var xml []byte
	fromXML := request.IsXMLContentType(c.R.Header.Get("Content-Type"))
	// The New View page's form comes back with the reason.
	refused := func(err error) error {
		if _, ok := request.FormMessage(err); ok && request.FromForm(c) {
			return a.pages.NewViewRefused(c, err)
		}
		return err
	}
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
			return refused(request.BadRequest("No view type is specified"))
		default:
			return refused(request.BadRequest("No view type ‘" + mode + "’ is known"))
		}
	}
	if name == "" {
		return refused(request.BadRequest("Query parameter 'name' is required"))
	}
	v, err := a.views.Create(c.Ctx(), name, xml)
	if err != nil {
		return refused(request.Refused(err))
	}
	if fromXML {
		c.W.WriteHeader(http.StatusOK)
		return nil
	}
	// A browser lands where Jenkins's View.getPostConstructLandingPage
	// sends it: a new list view's Edit View page.
	u := c.Root + "view/" + url.PathEscape(name) + "/"
	page := u
	if v.Config.Class == configxml.ListViewClass {
		page += "configure"
	}
	return request.RedirectAfterPost(c, page, u+"api/json")
}

// ViewObject is a view's API object listing jobs.
func (a *API) ViewObject(c *request.Call, class, name, url string, items func() []*model.Job) *export.Object {
	return newObject(class,
		prop("description", nil),
		a.itemsProp(c, items),
		propVis("name", 2, name),
		prop("property", []*export.Object{}),
		propVis("url", 2, url),
	)
}

// AllViewObject is the root's all view (hudson.model.AllView): every
// item.
func (a *API) AllViewObject(c *request.Call) *export.Object {
	return a.ViewObject(c, "hudson.model.AllView", views.AllView, c.Root, func() []*model.Job { return a.jobs.Children("") })
}

// ListViewObject is a stored view's API object: a list view, or a "My
// View", which lists the items the caller may configure (MyView).
func (a *API) ListViewObject(c *request.Call, v *model.View) *export.Object {
	items := func() []*model.Job {
		in := a.views.Contains(v.Name)
		var shown []*model.Job
		for _, j := range a.jobs.Children("") {
			if a.viewShows(c, v, j, in) {
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
	return newObject(class,
		prop("description", desc),
		a.itemsProp(c, items),
		propVis("name", 2, v.Name),
		prop("property", []*export.Object{}),
		propVis("url", 2, c.Root+"view/"+url.PathEscape(v.Name)+"/"),
	)
}

// viewShows reports whether view v lists the top-level item j.
func (a *API) viewShows(c *request.Call, v *model.View, j *model.Job, in func(string) bool) bool {
	return views.Shows(v, in, j, func(j *model.Job) bool { return c.HasOn(j, authz.ItemConfigure) })
}

// viewsList is the root's views: all, then the list views.
func (a *API) viewsList(c *request.Call) []*export.Object {
	out := []*export.Object{a.AllViewObject(c)}
	for _, v := range a.views.List() {
		out = append(out, a.ListViewObject(c, v))
	}
	return out
}
