package api

import (
	"github.com/jeeves-ci/jeeves/internal/executor"
	"github.com/jeeves-ci/jeeves/internal/export"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/request"
)

// prop is an exported property at Jenkins's default visibility, 1
// (export.Prop.Vis).
func prop(name string, v any) export.Prop { return export.Prop{Name: name, Vis: 1, Value: v} }

// propVis is an exported property with its own visibility (Stapler's
// @Exported(visibility=), export.Prop.Vis): the higher, the deeper
// inside an answer it is still written.
func propVis(name string, vis int, v any) export.Prop {
	return export.Prop{Name: name, Vis: vis, Value: v}
}

// lazyProp is a default-visibility property computed only if it is
// written.
func lazyProp(name string, f func() any) export.Prop {
	return export.Prop{Name: name, Vis: 1, Value: export.Lazy(f)}
}

// newObject is an API object of the Java class class ("" writes no
// _class) with props, in order.
func newObject(class string, props ...export.Prop) *export.Object {
	return &export.Object{Class: class, Props: props}
}

// RootObject is Jenkins's root (hudson.model.Hudson, the exported
// properties of jenkins/model/Jenkins.java).
func (a *API) RootObject(c *request.Call) *export.Object {
	var url any
	if a.sys().RootURL != "" {
		url = c.Root
	}
	return newObject("hudson.model.Hudson",
		prop("assignedLabels", []*export.Object{newObject("", propVis("name", 2, model.BuiltInNode))}),
		prop("mode", "NORMAL"),
		prop("nodeDescription", model.BuiltInDescription),
		prop("nodeName", ""),
		prop("numExecutors", a.sys().Executors),
		prop("description", nil),
		a.itemsProp(c, func() []*model.Job { return a.jobs.Children("") }),
		prop("overallLoad", newObject("")),
		prop("primaryView", a.AllViewObject(c)),
		prop("quietDownReason", nil),
		prop("quietingDown", a.farm.QuietingDown()),
		prop("slaveAgentPort", -1),
		prop("unlabeledLoad", newObject("jenkins.model.UnlabeledLoadStatistics")),
		prop("url", url),
		prop("useCrumbs", a.sys().CSRF),
		prop("useSecurity", true),
		lazyProp("views", func() any { return a.viewsList(c) }),
	)
}

// WhoAmIObject is /whoAmI's answer (hudson/security/WhoAmI.java).
func (a *API) WhoAmIObject(c *request.Call) *export.Object {
	authorities := []string{"anonymous"}
	if c.ID.User != nil {
		authorities = []string{"authenticated"}
	}
	return newObject("hudson.security.WhoAmI",
		prop("anonymous", c.ID.User == nil),
		prop("authenticated", true),
		prop("authorities", authorities),
		prop("name", c.ID.Name()),
	)
}

// jobByID is a small helper for places that hold only an id.
func (a *API) jobByID(id int64) *model.Job {
	j, err := a.jobs.ByID(id)
	if err != nil {
		return nil
	}
	return j
}

// jobPath is a job's path under the root URL: "job/a/job/b/".
func jobPath(name string) string { return executor.JobPath(name) }
