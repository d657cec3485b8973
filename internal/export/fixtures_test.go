package export

import (
	"fmt"
	"strconv"
)

// Helpers to build fixtures the way the server builds its objects.

func obj(class string, props ...Prop) *Object { return &Object{Class: class, Props: props} }

func p(name string, v any) Prop { return Prop{Name: name, Vis: DefaultVis, Value: v} }

func pv(name string, vis int, v any) Prop { return Prop{Name: name, Vis: vis, Value: v} }

func inline(name string, v any) Prop {
	return Prop{Name: name, Vis: DefaultVis, Inline: true, Value: v}
}

const rootURL = "http://localhost:8080/"

// hudsonRoot is a Jenkins-like root object (jenkins/model/Jenkins.java): two freestyle
// jobs, one with a name that needs escaping, and a chain of eleven nested
// folders; an overallLoad whose properties all have visibility 1, so that
// it renders as {} at depth 0.
func hudsonRoot() *Object {
	all := allView(rootURL)
	jobs := []*Object{
		freestyleJob("alpha", "blue", 3),
		freestyleJob("we\"ird <name> & ünïcode/\ttab", "red_anime", 1),
		folder("team", rootURL+"job/team/", 11),
		freestyleJob("zulu", "notbuilt", 0),
	}
	return obj("hudson.model.Hudson",
		p("assignedLabels", []*Object{obj("", pv("name", 2, "built-in"))}),
		p("mode", "NORMAL"),
		p("nodeDescription", "the Jenkins controller's built-in node"),
		p("nodeName", ""),
		p("numExecutors", 2),
		p("description", nil),
		p("jobs", Lazy(func() any { return jobs })),
		p("overallLoad", obj("",
			p("availableExecutors", obj("", p("hour", obj("", p("latest", 2.0))))),
			p("busyExecutors", obj("")),
		)),
		p("primaryView", all),
		p("quietDownReason", nil),
		p("quietingDown", false),
		p("slaveAgentPort", -1),
		p("unlabeledLoad", obj("jenkins.model.UnlabeledLoadStatistics")),
		p("url", rootURL),
		p("useCrumbs", true),
		p("useSecurity", true),
		p("views", []*Object{all, obj("hudson.model.ListView",
			pv("name", 2, "mine"), pv("url", 2, rootURL+"view/mine/"),
			p("description", "my jobs"), p("jobs", []*Object{}))}),
	)
}

func allView(url string) *Object {
	return obj("hudson.model.AllView", p("description", nil), pv("name", 2, "all"), pv("url", 2, url))
}

// folder is a Folder at url holding a folder nested levels-1 deep, and
// one job at the bottom.
func folder(name, url string, levels int) *Object {
	var child *Object
	if levels > 1 {
		child = folder("f"+strconv.Itoa(levels-1), url+"job/f"+strconv.Itoa(levels-1)+"/", levels-1)
	} else {
		child = obj("hudson.model.FreeStyleProject",
			pv("name", 2, "leaf"), pv("url", 2, url+"job/leaf/"), pv("color", 2, "blue"))
	}
	return obj("com.cloudbees.hudson.plugins.folder.Folder",
		p("actions", []*Object{obj("")}),
		p("description", nil),
		p("displayName", name),
		p("fullName", name),
		pv("name", 2, name),
		pv("url", 2, url),
		p("healthReport", []*Object{}),
		p("jobs", []*Object{child}),
		p("primaryView", allView(url)),
		p("views", []*Object{allView(url)}),
	)
}

// freestyleJob is a FreeStyleProject (hudson/model/AbstractProject.java) with n builds, newest
// first, and a parameter definition.
func freestyleJob(name, color string, n int) *Object {
	url := rootURL + "job/" + name + "/"
	builds := make([]*Object, 0, n)
	for i := n; i >= 1; i-- {
		builds = append(builds, build(name, url, i))
	}
	ref := func(i int) any {
		if i < 1 || i > n {
			return nil
		}
		return builds[n-i]
	}
	params := obj("hudson.model.ParametersDefinitionProperty",
		pv("parameterDefinitions", 2, []*Object{
			obj("hudson.model.StringParameterDefinition",
				pv("defaultParameterValue", 3, obj("hudson.model.StringParameterValue",
					pv("name", 4, "GREETING"), pv("value", 4, "hello\nworld"))),
				pv("description", 3, "what to say"),
				pv("name", 3, "GREETING"),
				pv("type", 3, "StringParameterDefinition")),
			obj("hudson.model.ChoiceParameterDefinition",
				pv("defaultParameterValue", 3, obj("hudson.model.StringParameterValue",
					pv("name", 4, "FLAVOR"), pv("value", 4, "vanilla"))),
				pv("description", 3, ""),
				pv("name", 3, "FLAVOR"),
				pv("type", 3, "ChoiceParameterDefinition"),
				pv("choices", 3, []string{"vanilla", "chocolate"})),
		}))
	health := []*Object{}
	if n > 0 {
		health = append(health, obj("",
			pv("description", 2, "Build stability: No recent builds failed."),
			pv("iconClassName", 2, "icon-health-80plus"),
			pv("iconUrl", 2, "health-80plus.png"),
			pv("score", 2, 100)))
	}
	return obj("hudson.model.FreeStyleProject",
		p("actions", []*Object{obj(""), params, obj("")}),
		p("description", "A job: <b>bold</b> & \"quoted\""),
		p("displayName", name),
		p("displayNameOrNull", nil),
		p("fullDisplayName", name),
		p("fullName", name),
		pv("name", 2, name),
		pv("url", 2, url),
		p("buildable", true),
		p("builds", builds),
		pv("color", 2, color),
		p("firstBuild", ref(1)),
		p("healthReport", health),
		p("inQueue", false),
		p("keepDependencies", false),
		p("lastBuild", ref(n)),
		p("lastCompletedBuild", ref(n)),
		p("lastFailedBuild", nil),
		p("lastStableBuild", ref(n)),
		p("lastSuccessfulBuild", ref(n)),
		p("lastUnstableBuild", nil),
		p("lastUnsuccessfulBuild", nil),
		p("nextBuildNumber", n+1),
		inline("property", []*Object{params}),
		p("queueItem", nil),
		p("concurrentBuild", false),
		p("disabled", false),
		p("downstreamProjects", []*Object{}),
		p("labelExpression", nil),
		p("scm", obj("hudson.scm.NullSCM")),
		p("upstreamProjects", []*Object{}),
		pv("allBuilds", -2, Lazy(func() any { return builds })),
	)
}

// build is a finished FreeStyleBuild (hudson/model/Run.java).
func build(job, jobURL string, n int) *Object {
	num := strconv.Itoa(n)
	return obj("hudson.model.FreeStyleBuild",
		p("actions", []*Object{
			obj("hudson.model.CauseAction", p("causes", []*Object{
				obj("hudson.model.Cause$UserIdCause",
					p("shortDescription", "Started by user admin"),
					p("userId", "admin"),
					p("userName", "admin")),
			})),
			obj(""),
			obj("hudson.model.ParametersAction", p("parameters", []*Object{
				obj("hudson.model.StringParameterValue", p("name", "GREETING"), p("value", "hi")),
				obj("hudson.model.BooleanParameterValue", p("name", "DRY_RUN"), p("value", n%2 == 0)),
			})),
		}),
		p("artifacts", []*Object{}),
		p("building", false),
		p("description", nil),
		p("displayName", "#"+num),
		p("duration", int64(1234*n)),
		p("estimatedDuration", int64(2468)),
		p("executor", nil),
		p("fullDisplayName", fmt.Sprintf("%s #%d", job, n)),
		p("id", num),
		p("inProgress", false),
		p("keepLog", false),
		pv("number", 999, n),
		p("queueId", 40+n),
		p("result", "SUCCESS"),
		p("timestamp", int64(1700000000000)+int64(n)*60000),
		pv("url", 2, jobURL+num+"/"),
		p("builtOn", ""),
		p("changeSet", obj("hudson.scm.EmptyChangeLogSet", p("items", []*Object{}), p("kind", nil))),
		p("culprits", []*Object{}),
	)
}
