package server

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/export"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/views"
)

// walkView serves /view/NAME/… of a stored view ("all" is walkAllView).
func (s *Server) walkView(c *call, p []string) error {
	if len(p) == 0 {
		return notFound()
	}
	v, err := s.views.Get(p[0])
	if errors.Is(err, views.ErrNotFound) {
		return notFound()
	}
	if err != nil {
		return err
	}
	if len(p) == 1 {
		if c.r.Method == http.MethodDelete {
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
	return notFound()
}

// walkViewMethods are a stored view's web methods (View's and ListView's
// doConfigDotXml, doDoDelete, doAddJobToView…).
func walkViewMethods(name string) webMethod[*model.View] {
	switch name {
	case "config.xml":
		return (*Server).viewConfigXML
	case "doDelete":
		return func(s *Server, c *call, v *model.View) error {
			if err := requirePOST(c); err != nil {
				return err
			}
			return s.deleteView(c, v)
		}
	case "addJobToView":
		return func(s *Server, c *call, v *model.View) error { return s.setViewJob(c, v, true) }
	case "removeJobFromView":
		return func(s *Server, c *call, v *model.View) error { return s.setViewJob(c, v, false) }
	}
	return nil
}

// walkAllView serves /view/all/… of the root (folder nil) or of a
// folder: the implicit view of every item, matched without case.
func (s *Server) walkAllView(c *call, folder *model.Job, p []string) error {
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
		return s.serveAPI(c, p, "allView", s.viewObject(c, "hudson.model.AllView", "All", c.root+jobPath(folder.Name),
			func() []*model.Job { return s.jobs.Children(folder.Name) }))
	case "job":
		return s.walkJobs(c, folderName(folder), p[1:])
	case "newJob":
		return s.newJob(c, folder)
	}
	return notFound()
}

// walkAllViewMethods are the all view's web methods (AllView's
// doCreateItem creates the item in the view's folder).
func walkAllViewMethods(name string) webMethod[*model.Job] {
	switch name {
	case "createItem":
		return func(s *Server, c *call, folder *model.Job) error { return s.createItem(c, folderName(folder), nil) }
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

// setViewJob is addJobToView and removeJobFromView.
func (s *Server) setViewJob(c *call, v *model.View, in bool) error {
	if err := requirePOST(c); err != nil {
		return err
	}
	if err := c.require(permViewConfigure); err != nil {
		return err
	}
	name := c.r.URL.Query().Get("name")
	if name == "" {
		name = c.r.PostFormValue("name")
	}
	if _, err := s.jobs.Get(strings.Trim(name, "/")); err != nil {
		return badRequest("Query parameter 'name' does not correspond to a known item")
	}
	if _, err := s.views.SetJob(c.ctx(), v.Name, strings.Trim(name, "/"), in); err != nil {
		return viewError(err)
	}
	c.w.WriteHeader(http.StatusOK)
	return nil
}

func (s *Server) deleteView(c *call, v *model.View) error {
	if err := c.require(permViewDelete); err != nil {
		return err
	}
	if err := s.views.Delete(c.ctx(), v.Name); err != nil {
		return viewError(err)
	}
	if c.r.Method == http.MethodDelete {
		c.w.WriteHeader(http.StatusOK)
		return nil
	}
	s.redirectAfterPost(c, c.root, c.root+"api/json")
	return nil
}

func (s *Server) viewConfigXML(c *call, v *model.View) error {
	switch c.r.Method {
	case http.MethodGet, http.MethodHead:
		if err := c.require(permViewRead); err != nil {
			return err
		}
		c.w.Header().Set("Content-Type", "application/xml")
		c.w.WriteHeader(http.StatusOK)
		if c.r.Method == http.MethodGet {
			c.w.Write(v.ConfigXML)
		}
		return nil
	case http.MethodPost:
		if err := c.require(permViewConfigure); err != nil {
			return err
		}
		body, err := readBody(c)
		if err != nil {
			return err
		}
		if _, err := s.views.UpdateConfig(c.ctx(), v.Name, body); err != nil {
			return viewError(err)
		}
		c.w.WriteHeader(http.StatusOK)
		return nil
	}
	return badRequest("config.xml accepts GET and POST only")
}

// createView makes a list view from posted XML (python-jenkins) or from
// the form's mode=hudson.model.ListView (node-jenkins, the UI).
func (s *Server) createView(c *call) error {
	if err := requirePOST(c); err != nil {
		return err
	}
	if err := c.require(permViewCreate); err != nil {
		return err
	}
	name := c.r.URL.Query().Get("name")
	var xml []byte
	if isXMLContentType(c.r.Header.Get("Content-Type")) {
		body, err := readBody(c)
		if err != nil {
			return err
		}
		xml = body
	} else {
		if err := c.r.ParseForm(); err != nil {
			return badRequest("cannot read the form: " + err.Error())
		}
		if name == "" {
			name = c.r.Form.Get("name")
		}
		if mode := c.r.Form.Get("mode"); mode != "hudson.model.ListView" && mode != "" {
			return badRequest("No view type ‘" + mode + "’ is known")
		}
	}
	if name == "" {
		return badRequest("Query parameter 'name' is required")
	}
	if _, err := s.views.Create(c.ctx(), name, xml); err != nil {
		return viewError(err)
	}
	if xml != nil {
		c.w.WriteHeader(http.StatusOK)
		return nil
	}
	u := c.root + "view/" + url.PathEscape(name) + "/"
	s.redirectAfterPost(c, u, u+"api/json")
	return nil
}

// viewError maps the views service's errors to 400 (with X-Error) or 404.
func viewError(err error) error {
	switch {
	case errors.Is(err, views.ErrNotFound):
		return notFound()
	case errors.Is(err, views.ErrBadName), errors.Is(err, views.ErrBadConfig), errors.Is(err, views.ErrExists):
		msg := err.Error()
		if _, after, ok := strings.Cut(msg, ": "); ok {
			msg = after
		}
		return badRequest(msg)
	}
	return err
}

// viewObject is a view's API object listing jobs.
func (s *Server) viewObject(c *call, class, name, url string, items func() []*model.Job) *export.Object {
	return obj(class,
		p("description", nil),
		s.itemsProp(c, items),
		pv("name", 2, name),
		p("property", []*export.Object{}),
		pv("url", 2, url),
	)
}

func (s *Server) allViewObject(c *call) *export.Object {
	return s.viewObject(c, "hudson.model.AllView", views.AllView, c.root, func() []*model.Job { return s.jobs.Children("") })
}

func (s *Server) listViewObject(c *call, v *model.View) *export.Object {
	items := func() []*model.Job {
		var in []*model.Job
		for _, j := range s.jobs.Children("") {
			if views.Contains(v, j.Name) {
				in = append(in, j)
			}
		}
		return in
	}
	var desc any
	if v.Config.Description != "" {
		desc = v.Config.Description
	}
	return obj("hudson.model.ListView",
		p("description", desc),
		s.itemsProp(c, items),
		pv("name", 2, v.Name),
		p("property", []*export.Object{}),
		pv("url", 2, c.root+"view/"+url.PathEscape(v.Name)+"/"),
	)
}

// viewsList is the root's views: all, then the list views.
func (s *Server) viewsList(c *call) []*export.Object {
	out := []*export.Object{s.allViewObject(c)}
	for _, v := range s.views.List() {
		out = append(out, s.listViewObject(c, v))
	}
	return out
}
