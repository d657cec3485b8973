package webui

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/authz"
	"github.com/jeeves-ci/jeeves/internal/configxml"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/request"
	"github.com/jeeves-ci/jeeves/internal/views"
)

// Views: the tabs above the dashboard, a view's page (the dashboard of
// its jobs), New View, Edit View and Delete View. The forms post to the
// API's createView, configSubmit and doDelete, as Jenkins's do; a form
// they refuse comes back here, as typed.

// viewTab is one tab above the dashboard.
type viewTab struct {
	Name, URL string
	Current   bool
}

// viewURL is a view's page, "view/NAME/" under the root URL.
func viewURL(c *request.Call, name string) string {
	return c.Root + "view/" + url.PathEscape(name) + "/"
}

// viewFilter is which top-level items the dashboard of v shows: every
// item when v is nil (the all view).
func (ui *UI) viewFilter(c *request.Call, v *model.View) func(*model.Job) bool {
	if v == nil {
		return func(*model.Job) bool { return true }
	}
	in := ui.views.Contains(v.Name)
	return func(j *model.Job) bool {
		return views.Shows(v, in, j, func(j *model.Job) bool { return c.HasOn(j, authz.ItemConfigure) })
	}
}

// viewData adds to the dashboard's data the view tabs (the root's: All
// and each stored view; a folder's: its All view, jeeves keeping no views
// inside folders) and, on a view's page, its description and actions. It
// returns the page's title and breadcrumb.
func (ui *UI) viewData(c *request.Call, folder *model.Job, v *model.View, data map[string]any, title string, tr []trail) (string, []trail) {
	all := c.Root
	if folder != nil {
		all = c.Root + jobPath(folder.Name)
	}
	tabs := []viewTab{{Name: "All", URL: all, Current: v == nil}}
	if folder == nil {
		for _, sv := range ui.views.List() {
			tabs = append(tabs, viewTab{Name: sv.Name, URL: viewURL(c, sv.Name), Current: v != nil && sv.Name == v.Name})
		}
		data["CanCreateView"] = c.ID.User != nil && c.HasOn(nil, authz.ViewCreate)
	}
	data["Tabs"] = tabs
	if v == nil {
		return title, tr
	}
	u := viewURL(c, v.Name)
	data["View"] = map[string]any{
		"Name": v.Name, "URL": u, "Description": v.Config.Description, "MyView": v.Config.Class == configxml.MyViewClass,
		"CanConfigure": c.HasOn(nil, authz.ViewConfigure), "CanDelete": c.HasOn(nil, authz.ViewDelete),
	}
	return v.Name, []trail{{v.Name, u}}
}

// ViewPage is /view/NAME/: the dashboard of the view's jobs.
func (ui *UI) ViewPage(c *request.Call, v *model.View) error {
	return ui.dashboard(c, nil, v)
}

// viewTypes are the kinds of view New View offers.
var viewTypes = [][2]string{
	{configxml.ListViewClass, "List View"},
	{configxml.MyViewClass, "My View"},
}

// NewViewPage is GET /newView: Jenkins's New View page, whose form posts
// name and mode to createView. It needs View/Create.
func (ui *UI) NewViewPage(c *request.Call) error {
	if err := c.Require(authz.ViewCreate); err != nil {
		return err
	}
	return ui.newViewPage(c, http.StatusOK, "", configxml.ListViewClass, "")
}

// NewViewRefused is the New View page again, as typed, after createView
// refused the form with err (a 400 with its message).
func (ui *UI) NewViewRefused(c *request.Call, err error) error {
	msg, ok := request.FormMessage(err)
	if !ok {
		return err
	}
	return ui.newViewPage(c, http.StatusBadRequest, c.R.FormValue("name"), c.R.FormValue("mode"), msg)
}

func (ui *UI) newViewPage(c *request.Call, status int, name, mode, msg string) error {
	return ui.render(c, status, "newview", page{Title: "New View", Trail: []trail{{"New View", c.Root + "newView"}}, P: map[string]any{
		"Name": name, "Mode": mode, "Types": viewTypes, "Error": msg,
	}})
}

// viewForm is the Edit View form as shown: the view's settings, or what
// was typed when it came back with an error.
type viewForm struct {
	Name, Description, Regex, Status string
	UseRegex                         bool
	Jobs                             []viewJobBox
	MyView                           bool
	Error                            string
}

// viewJobBox is one job's checkbox on the Edit View page.
type viewJobBox struct {
	Name    string
	Checked bool
}

// ViewConfigurePage is GET /view/NAME/configure: Jenkins's Edit View
// page, whose form posts to configSubmit. It needs View/Configure.
func (ui *UI) ViewConfigurePage(c *request.Call, v *model.View) error {
	if err := c.Require(authz.ViewConfigure); err != nil {
		return err
	}
	f := viewForm{Name: v.Name, Description: v.Config.Description, Regex: v.Config.IncludeRegex, UseRegex: v.Config.IncludeRegex != ""}
	if sf := v.Config.StatusFilter; sf != nil {
		f.Status = map[bool]string{true: "1", false: "2"}[*sf]
	}
	checked := func(name string) bool { return slices.Contains(v.Config.JobNames, name) }
	return ui.viewConfigPage(c, v, http.StatusOK, f, checked)
}

// ViewConfigRefused is the Edit View page again, as typed, after
// configSubmit refused the form with err (a 400 with its message).
func (ui *UI) ViewConfigRefused(c *request.Call, v *model.View, err error) error {
	msg, ok := request.FormMessage(err)
	if !ok {
		return err
	}
	form := c.R.Form
	_, useRegex := form["useincluderegex"]
	f := viewForm{Name: form.Get("name"), Description: form.Get("description"), Regex: form.Get("includeRegex"), UseRegex: useRegex,
		Status: strings.TrimSpace(form.Get("statusFilter")), Error: msg}
	checked := func(name string) bool { _, ok := form["item_"+name]; return ok }
	return ui.viewConfigPage(c, v, http.StatusBadRequest, f, checked)
}

func (ui *UI) viewConfigPage(c *request.Call, v *model.View, status int, f viewForm, checked func(string) bool) error {
	f.MyView = v.Config.Class == configxml.MyViewClass
	if !f.MyView {
		for _, j := range ui.jobs.Children("") {
			if c.CanSee(j) {
				f.Jobs = append(f.Jobs, viewJobBox{Name: j.Name, Checked: checked(j.Name)})
			}
		}
	}
	u := viewURL(c, v.Name)
	return ui.render(c, status, "viewconfig", page{Title: "Edit View " + v.Name, Trail: []trail{{v.Name, u}, {"Edit View", u + "configure"}}, P: map[string]any{
		"URL": u, "Form": f,
	}})
}

// ViewDeletePage is GET /view/NAME/delete: the confirmation, whose
// button posts to doDelete. It needs View/Delete.
func (ui *UI) ViewDeletePage(c *request.Call, v *model.View) error {
	if err := c.Require(authz.ViewDelete); err != nil {
		return err
	}
	u := viewURL(c, v.Name)
	return ui.render(c, http.StatusOK, "message", page{Title: "Delete " + v.Name, Trail: []trail{{v.Name, u}}, P: map[string]any{
		"Heading": "Delete View", "Text": "Delete the view ‘" + v.Name + "’? Its jobs stay; only the view goes.",
		"Form": u + "doDelete", "Button": "Yes", "Back": u, "BackText": "No, go back",
	}})
}
