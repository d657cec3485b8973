package server

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/configxml"
	"github.com/jeeves-ci/jeeves/internal/export"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/views"
)

// walkView serves /view/NAME/…: the implicit "all" view (matched without
// case) and stored list views.
func (s *Server) walkView(c *call, p []string) error {
	if len(p) == 0 {
		return notFound()
	}
	if strings.EqualFold(p[0], views.AllView) {
		if len(p) == 1 {
			return s.rootPage(c)
		}
		switch p[1] {
		case "api":
			return s.serveAPI(c, p[1:], "allView", s.allViewObject(c))
		case "job":
			return s.walkJobs(c, "", p[2:])
		}
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
	switch p[1] {
	case "api":
		return s.serveAPI(c, p[1:], "listView", s.listViewObject(c, v))
	case "job":
		return s.walkJobs(c, "", p[2:])
	case "config.xml":
		return s.viewConfigXML(c, v)
	case "doDelete":
		if err := requirePOST(c); err != nil {
			return err
		}
		return s.deleteView(c, v)
	case "addJobToView", "removeJobFromView":
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
		// An item the caller cannot see is answered as one that does not
		// exist (Jenkins's ListView resolves the name with Job/Read).
		if j, err := s.jobs.Get(strings.Trim(name, "/")); err != nil || !c.canSee(j) {
			return badRequest("Query parameter 'name' does not correspond to a known item")
		}
		if _, err := s.views.SetJob(c.ctx(), v.Name, strings.Trim(name, "/"), p[1] == "addJobToView"); err != nil {
			return viewError(err)
		}
		c.w.WriteHeader(http.StatusOK)
		return nil
	}
	return notFound()
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
		xml, err := s.viewXMLFor(c, v)
		if err != nil {
			return err
		}
		c.w.Header().Set("Content-Type", "application/xml")
		c.w.WriteHeader(http.StatusOK)
		if c.r.Method == http.MethodGet {
			c.w.Write(xml)
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
		if body, err = s.keepHiddenViewJobs(c, v, body); err != nil {
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

// viewXMLFor is a view's config.xml as the caller may read it: the jobs
// it lists are only those the caller can see (an item the caller cannot
// see, or one that no longer exists, is left out).
func (s *Server) viewXMLFor(c *call, v *model.View) ([]byte, error) {
	shown := make([]string, 0, len(v.Config.JobNames))
	for _, n := range v.Config.JobNames {
		if j, err := s.jobs.Get(n); err == nil && c.canSee(j) {
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
func (s *Server) keepHiddenViewJobs(c *call, v *model.View, body []byte) ([]byte, error) {
	var hidden []string
	for _, n := range v.Config.JobNames {
		if j, err := s.jobs.Get(n); err == nil && !c.canSee(j) {
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
		in := s.views.Contains(v.Name)
		var shown []*model.Job
		for _, j := range s.jobs.Children("") {
			if in(j.Name) {
				shown = append(shown, j)
			}
		}
		return shown
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
