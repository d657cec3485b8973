package api

import (
	"net/http"
	"net/url"

	"github.com/jeeves-ci/jeeves/internal/authz"
	"github.com/jeeves-ci/jeeves/internal/export"
	"github.com/jeeves-ci/jeeves/internal/limits"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/nodes"
	"github.com/jeeves-ci/jeeves/internal/request"
)

// BuiltInOffline is the built-in node's toggleOffline (toggle) and
// changeOfflineCause.
func (a *API) BuiltInOffline(c *request.Call, toggle bool) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.Require(authz.NodeDisconnect); err != nil {
		return err
	}
	offline, _ := a.farm.Offline()
	if toggle {
		offline = !offline
	}
	msg := c.R.FormValue("offlineMessage")
	if err := limits.Check("offlineMessage", msg, limits.Message); err != nil {
		return request.BadRequest(err.Error())
	}
	a.farm.SetOffline(offline, msg)
	return request.RedirectAfterPost(c, c.Root+"computer/"+model.BuiltInURLName+"/", c.Root+"computer/"+model.BuiltInURLName+"/api/json")
}

// CreateNode is ComputerSet.doCreateItem: name and type in the query or
// a form, the agent's settings in the json field.
func (a *API) CreateNode(c *request.Call) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.Require(authz.NodeCreate); err != nil {
		return err
	}
	if _, err := a.nodes.CreateFromForm(c.Ctx(), c.R.FormValue("name"), c.R.FormValue("type"), c.R.FormValue("json")); err != nil {
		return request.Refused(err)
	}
	return request.RedirectAfterPost(c, c.Root+"computer/", c.Root+"computer/api/json")
}

// ComputerCreateItem is ComputerSet.doCreateItem, the first step of a new
// agent: mode=hudson.slaves.DumbSlave checks the name and answers the
// page where its settings are filled in (they are then posted to
// doCreateItem); mode=copy&from= copies an agent; a posted config.xml
// creates one at once.
func (a *API) ComputerCreateItem(c *request.Call) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.Require(authz.NodeCreate); err != nil {
		return err
	}
	name, mode := c.R.URL.Query().Get("name"), c.R.URL.Query().Get("mode")
	if request.IsXMLContentType(c.R.Header.Get("Content-Type")) && mode != "copy" {
		body, err := request.ReadBody(c)
		if err != nil {
			return err
		}
		if _, err := a.nodes.CreateFromXML(c.Ctx(), name, body); err != nil {
			return request.Refused(err)
		}
		c.W.WriteHeader(http.StatusOK)
		return nil
	}
	if err := request.ParseForm(c); err != nil {
		return err
	}
	name, mode = c.R.FormValue("name"), c.R.FormValue("mode")
	switch {
	case mode == "copy":
		n, err := a.nodes.Copy(c.Ctx(), name, c.R.FormValue("from"))
		if err != nil {
			return request.Refused(err)
		}
		self := c.Root + "computer/" + url.PathEscape(n.Name) + "/"
		return request.RedirectAfterPost(c, self, self+"api/json")
	case mode == "":
		return request.BadRequest("No mode given")
	case !nodes.IsAgentType(mode):
		return request.BadRequest("No node type ‘" + mode + "’ is known")
	}
	name, err := a.nodes.CheckNew(name)
	if err != nil {
		return request.Refused(err)
	}
	return a.pages.NewAgent(c, name, mode)
}

// EmptyComputerLog is the connection log of a node that never connected
// (no agent connects to jeeves yet): empty, at offset 0, and, as for
// every node's log in Jenkins, with more data to come.
func (a *API) EmptyComputerLog(c *request.Call) error {
	// Computer.getLogText: Computer/Connect or Computer/ExtendedRead.
	if !c.Has(authz.NodeExtRead) && !c.Has(authz.NodeConnect) {
		return request.Forbidden(authz.NodeExtRead)
	}
	h := c.W.Header()
	h.Set("Content-Type", "text/plain;charset=utf-8")
	h.Set("X-Text-Size", "0")
	h.Set("X-More-Data", "true")
	h.Set("Content-Length", "0")
	c.W.WriteHeader(http.StatusOK)
	return nil
}

// DeleteNode is POST /computer/NAME/doDelete.
func (a *API) DeleteNode(c *request.Call, n *model.Node) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.Require(authz.NodeDelete); err != nil {
		return err
	}
	if err := a.nodes.Delete(c.Ctx(), n.Name); err != nil {
		return request.Refused(err)
	}
	return request.RedirectAfterPost(c, c.Root+"computer/", c.Root+"computer/api/json")
}

// ComputerSetObject is /computer/'s API object: the built-in node and
// the agents (hudson.model.ComputerSet).
func (a *API) ComputerSetObject(c *request.Call) *export.Object {
	busy := 0
	for _, b := range a.farm.Executors() {
		if b != nil {
			busy++
		}
	}
	agentTotal, agentBusy := a.agentExecutors()
	return newObject("hudson.model.ComputerSet",
		prop("busyExecutors", busy+agentBusy),
		// Exported inline in Jenkins: each node's fields show at depth 0.
		export.Prop{Name: "computer", Vis: 1, Inline: true, Value: export.Lazy(func() any {
			out := []*export.Object{a.BuiltInObject(c)}
			for _, n := range a.nodes.List() {
				out = append(out, a.AgentObject(c, n))
			}
			return out
		})},
		prop("displayName", "Nodes"),
		prop("totalExecutors", a.sys().Executors+agentTotal),
	)
}

// BuiltInObject is the controller's node, with what each executor runs.
func (a *API) BuiltInObject(c *request.Call) *export.Object {
	running := a.farm.Executors()
	executors := make([]*export.Object, len(running))
	idle := true
	for i, b := range running {
		var current any
		if b != nil {
			idle = false
			if job := a.jobByID(b.JobID); job != nil && c.CanSee(job) {
				current = a.buildRef(c, job, b.Number, b)
			}
		}
		executors[i] = newObject("hudson.model.Executor",
			prop("currentExecutable", current),
			prop("idle", b == nil),
			prop("likelyStuck", false),
			prop("number", i),
			prop("progress", -1),
		)
	}
	offline, reason := a.farm.Offline()
	var cause any
	if offline {
		cause = newObject("hudson.slaves.OfflineCause$UserCause", propVis("description", 2, "Disconnected by "+c.ID.Name()+" : "+reason))
	}
	return newObject("hudson.model.Hudson$MasterComputer",
		prop("actions", []*export.Object{}),
		prop("assignedLabels", []*export.Object{newObject("", propVis("name", 2, model.BuiltInNode))}),
		prop("description", model.BuiltInDescription),
		prop("displayName", model.BuiltInDisplayName),
		prop("executors", executors),
		prop("icon", "symbol-computer"),
		prop("iconClassName", "symbol-computer"),
		prop("idle", idle),
		prop("jnlpAgent", false),
		prop("launchSupported", true),
		prop("loadStatistics", newObject("hudson.model.Label$1")),
		prop("manualLaunchAllowed", true),
		prop("monitorData", newObject("")),
		prop("numExecutors", a.sys().Executors),
		prop("offline", offline),
		prop("offlineCause", cause),
		prop("offlineCauseReason", reason),
		prop("oneOffExecutors", []*export.Object{}),
		prop("temporarilyOffline", offline),
	)
}

// LabelObject is /label/X/: the built-in node carries "built-in"; any
// other label has no nodes (200 with nodes [], as clients expect).
func (a *API) LabelObject(c *request.Call, name string) *export.Object {
	nodes := []*export.Object{}
	total := 0
	if model.IsBuiltInLabel(name) {
		nodes = append(nodes, newObject("hudson.model.Hudson", propVis("nodeName", 2, "")))
		total = a.sys().Executors
	}
	busy := 0
	if total > 0 {
		for _, b := range a.farm.Executors() {
			if b != nil {
				busy++
			}
		}
	}
	// The agents the label (an expression, or one atom) selects; those
	// online add their executors.
	agentTotal, agentBusy := a.labelAgents(name, &nodes)
	total, busy = total+agentTotal, busy+agentBusy
	return newObject("hudson.model.labels.LabelAtom",
		prop("actions", []*export.Object{}),
		prop("busyExecutors", busy),
		prop("clouds", []*export.Object{}),
		prop("description", nil),
		prop("idleExecutors", total-busy),
		prop("loadStatistics", newObject("hudson.model.Label$1")),
		prop("name", name),
		prop("nodes", nodes),
		prop("offline", total == 0),
		prop("tiedJobs", []*export.Object{}),
		prop("totalExecutors", total),
		prop("propertiesList", []*export.Object{}),
	)
}

// QuietDown is POST /quietDown and /cancelQuietDown (admins).
func (a *API) QuietDown(c *request.Call, on bool) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.Require(authz.Administer); err != nil {
		return err
	}
	a.farm.QuietDown(on)
	return request.RedirectAfterPost(c, c.Root, c.Root+"api/json")
}

// PluginManagerObject is an honest empty plugin list: jeeves has none.
func (a *API) PluginManagerObject() *export.Object {
	return newObject("hudson.LocalPluginManager", prop("plugins", []*export.Object{}))
}
