package webui

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/export"
	"github.com/jeeves-ci/jeeves/internal/request"
)

// The REST API page (…/api/): as Jenkins's hudson/model/Api/index.jelly
// and each object's _api.jelly, how to read the object the page belongs
// to, what it holds, and what can be posted to it.

// apiAction is one thing a script can do to an object.
type apiAction struct {
	Method, Path, What string
}

// apiKind is what the API page says of one kind of object (by the XML
// root element it is written under).
type apiKind struct {
	Name    string // "Jenkins", "Project", …
	Tree    string // an example tree parameter
	Actions []apiAction
}

var apiKinds = map[string]apiKind{
	"hudson": {Name: "Jenkins", Tree: "jobs[name,color,url]", Actions: []apiAction{
		{"POST", "createItem?name=NAME", "Create a job from the config.xml in the body (Content-Type: application/xml)"},
		{"POST", "createItem?name=NAME&mode=copy&from=FROM", "Copy the job FROM to NAME"},
		{"POST", "createView?name=NAME", "Create a view from the config.xml in the body"},
		{"GET", "crumbIssuer/api/json", "A crumb for password and session callers' POSTs (API tokens need none)"},
		{"GET", "queue/api/json", "The build queue"},
		{"GET", "computer/api/json", "The nodes and their executors"},
		{"POST", "quietDown", "Start no new builds (cancelQuietDown undoes it)"},
	}},
	"freeStyleProject": {Name: "Project", Tree: "builds[number,result,duration]{0,10}", Actions: []apiAction{
		{"POST", "build?delay=0sec", "Build it (201, Location: the queue item)"},
		{"POST", "buildWithParameters?NAME=VALUE", "Build it with parameters"},
		{"GET", "config.xml", "Its configuration"},
		{"POST", "config.xml", "Replace its configuration with the body"},
		{"POST", "description", "Set its description (form field description)"},
		{"POST", "enable", "Enable it (disable disables it)"},
		{"POST", "doDelete", "Delete it"},
		{"GET", "lastBuild/api/json", "Its last build (also lastSuccessfulBuild, lastFailedBuild…)"},
	}},
	"folder": {Name: "Folder", Tree: "jobs[name,color]", Actions: []apiAction{
		{"POST", "createItem?name=NAME", "Create an item in it from the config.xml in the body"},
		{"GET", "config.xml", "Its configuration"},
		{"POST", "doDelete", "Delete it and everything in it"},
	}},
	"freeStyleBuild": {Name: "Build", Tree: "result,duration,timestamp,actions[causes[shortDescription]]", Actions: []apiAction{
		{"GET", "consoleText", "Its console log as plain text"},
		{"GET", "logText/progressiveText?start=0", "The log from a byte offset: X-Text-Size says where to go on, X-More-Data whether more will come"},
		{"POST", "stop", "Abort it"},
		{"POST", "submitDescription", "Set its description (form field description)"},
		{"POST", "doDelete", "Delete it"},
	}},
	"listView": {Name: "View", Tree: "jobs[name,color]", Actions: []apiAction{
		{"GET", "config.xml", "Its configuration"},
		{"POST", "config.xml", "Replace its configuration with the body"},
		{"POST", "addJobToView?name=JOB", "Add a job to it"},
		{"POST", "removeJobFromView?name=JOB", "Remove a job from it"},
		{"POST", "doDelete", "Delete it"},
	}},
	"allView":            {Name: "View", Tree: "jobs[name,color]"},
	"queue":              {Name: "Build queue", Tree: "items[id,why,task[name]]", Actions: []apiAction{{"POST", "cancelItem?id=ID", "Cancel a waiting item"}}},
	"computerSet":        {Name: "Nodes", Tree: "computer[displayName,offline,executors[currentExecutable[url]]]"},
	"masterComputer":     {Name: "The built-in node", Tree: "displayName,offline,numExecutors", Actions: []apiAction{{"POST", "toggleOffline?offlineMessage=WHY", "Take it offline, or back online"}}},
	"slaveComputer":      {Name: "Agent", Tree: "displayName,offline,numExecutors", Actions: []apiAction{{"GET", "config.xml", "Its configuration"}, {"POST", "toggleOffline?offlineMessage=WHY", "Take it offline, or back online"}, {"POST", "doDelete", "Delete it"}}},
	"user":               {Name: "User", Tree: "id,fullName,description"},
	"apiTokens":          {Name: "API tokens", Tree: "tokens[name,uuid,creationDate]"},
	"whoAmI":             {Name: "Who am I", Tree: "name,authenticated,authorities"},
	"defaultCrumbIssuer": {Name: "Crumb issuer", Tree: "crumbRequestField,crumb"},
	"labelAtom":          {Name: "Label", Tree: "name,busyExecutors,idleExecutors"},
	"localPluginManager": {Name: "Plugins", Tree: "plugins[shortName,version]"},
	"auditLog":           {Name: "Audit log", Tree: "entries[time,user,action,status]"},
}

// APIPage is …/api/ of an object written under xmlRoot: how to read it
// (JSON, XML, Python; tree, depth, pretty), its properties at depth 0,
// and what scripts post to it.
func (ui *UI) APIPage(c *request.Call, xmlRoot string, obj *export.Object) error {
	kind, ok := apiKinds[xmlRoot]
	if !ok {
		kind = apiKind{Name: xmlRoot}
		if strings.HasSuffix(xmlRoot, "Item") {
			kind = apiKind{Name: "Queue item", Tree: "why,blocked,executable[number,url]"}
		}
	}
	// The object's URL is the request's, up to its api/.
	objURL := c.Root
	segs := c.Path
	for i := len(segs) - 1; i >= 0; i-- {
		if segs[i] == "api" {
			segs = segs[:i]
			break
		}
	}
	for _, s := range segs {
		objURL += url.PathEscape(s) + "/"
	}
	var props []string
	class := ""
	if obj != nil {
		class = obj.Class
		for _, p := range obj.Props {
			if p.Vis >= export.DefaultVis && !p.Inline {
				props = append(props, p.Name)
			}
		}
	}
	title := "REST API"
	if kind.Name != "" {
		title = kind.Name + " REST API"
	}
	tree := ""
	if kind.Tree != "" {
		tree = objURL + "api/json?tree=" + url.QueryEscape(kind.Tree)
	}
	return ui.render(c, http.StatusOK, "apihelp", page{Title: title, P: map[string]any{
		"Kind": kind.Name, "Class": class, "URL": objURL, "Props": props, "Tree": kind.Tree, "TreeURL": tree, "Actions": kind.Actions,
	}})
}
