package server

import (
	"github.com/jeeves-ci/jeeves/internal/export"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/request"
)

// p is an exported property at Jenkins's default visibility.
func p(name string, v any) export.Prop { return export.Prop{Name: name, Vis: 1, Value: v} }

// pv is an exported property with its own visibility.
func pv(name string, vis int, v any) export.Prop { return export.Prop{Name: name, Vis: vis, Value: v} }

// lazy is a default-visibility property computed only if it is written.
func lazy(name string, f func() any) export.Prop {
	return export.Prop{Name: name, Vis: 1, Value: export.Lazy(f)}
}

func obj(class string, props ...export.Prop) *export.Object {
	return &export.Object{Class: class, Props: props}
}

// rootObject is Jenkins's root (hudson.model.Hudson, §4.5).
func (s *Server) rootObject(c *request.Call) *export.Object {
	var url any
	if s.sys().RootURL != "" {
		url = c.Root
	}
	return obj("hudson.model.Hudson",
		p("assignedLabels", []*export.Object{obj("", pv("name", 2, "built-in"))}),
		p("mode", "NORMAL"),
		p("nodeDescription", "the Jenkins controller's built-in node"),
		p("nodeName", ""),
		p("numExecutors", s.sys().Executors),
		p("description", nil),
		s.itemsProp(c, func() []*model.Job { return s.jobs.Children("") }),
		p("overallLoad", obj("")),
		p("primaryView", s.allViewObject(c)),
		p("quietDownReason", nil),
		p("quietingDown", s.queue.QuietingDown()),
		p("slaveAgentPort", -1),
		p("unlabeledLoad", obj("jenkins.model.UnlabeledLoadStatistics")),
		p("url", url),
		p("useCrumbs", s.sys().CSRF),
		p("useSecurity", true),
		lazy("views", func() any { return s.viewsList(c) }),
	)
}

// whoAmIObject is /whoAmI's answer (§1.6).
func (s *Server) whoAmIObject(c *request.Call) *export.Object {
	authorities := []string{"anonymous"}
	if c.ID.User != nil {
		authorities = []string{"authenticated"}
	}
	return obj("hudson.security.WhoAmI",
		p("anonymous", c.ID.User == nil),
		p("authenticated", true),
		p("authorities", authorities),
		p("name", c.ID.Name()),
	)
}

// rootPage is a plain dashboard until the web UI arrives.
func (s *Server) rootPage(c *request.Call) error { return s.dashboard(c, nil) }

// jobByID is a small helper for places that hold only an id.
func (s *Server) jobByID(id int64) *model.Job {
	j, err := s.jobs.ByID(id)
	if err != nil {
		return nil
	}
	return j
}
