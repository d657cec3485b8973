package server

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/authz"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/nodes"
	"github.com/jeeves-ci/jeeves/internal/request"

	"github.com/jeeves-ci/jeeves/internal/export"
	"github.com/jeeves-ci/jeeves/internal/limits"
)

// builtInNames are the names clients use for the controller's node:
// Jenkins's URL names old and new, and its display name.
var builtInNames = map[string]bool{"(master)": true, "(built-in)": true, "built-in node": true, "master": true}

// walkComputer serves /computer/: the built-in node and the permanent
// agents. Agents are stored and answered for as Jenkins answers for an
// agent that has not connected; builds run on the built-in node.
func (s *Server) walkComputer(c *request.Call, p []string) error {
	if len(p) == 0 {
		return s.rootPage(c)
	}
	if ok, err := dispatch(s, c, rootObj{}, p, walkComputerSetMethods); ok {
		return err
	}
	if p[0] == "api" {
		return s.serveAPI(c, p, "computerSet", s.computerSetObject(c))
	}
	if builtInNames[strings.ToLower(p[0])] {
		return s.walkBuiltIn(c, p[1:])
	}
	n, err := s.nodes.Get(p[0])
	if err != nil {
		return request.NotFound()
	}
	return s.walkAgent(c, n, p[1:])
}

// walkComputerSetMethods are /computer/'s web methods (ComputerSet's
// doCreateItem and doDoCreateItem).
func walkComputerSetMethods(name string) webMethod[rootObj] {
	switch name {
	case "doCreateItem":
		return func(s *Server, c *request.Call, _ rootObj) error { return s.createNode(c) }
	case "createItem":
		return func(s *Server, c *request.Call, _ rootObj) error { return s.computerCreateItem(c) }
	}
	return nil
}

func (s *Server) walkBuiltIn(c *request.Call, p []string) error {
	if len(p) == 0 {
		return s.rootPage(c)
	}
	if ok, err := dispatch(s, c, rootObj{}, p, walkBuiltInMethods); ok {
		return err
	}
	switch p[0] {
	case "api":
		return s.serveAPI(c, p, "masterComputer", s.builtInObject(c))
	case "logText":
		return s.walkComputerLog(c, p[1:])
	}
	return request.NotFound()
}

// walkBuiltInMethods are the built-in node's web methods.
func walkBuiltInMethods(name string) webMethod[rootObj] {
	switch name {
	case "toggleOffline":
		return func(s *Server, c *request.Call, _ rootObj) error { return s.builtInOffline(c, true) }
	case "changeOfflineCause":
		return func(s *Server, c *request.Call, _ rootObj) error { return s.builtInOffline(c, false) }
	}
	return nil
}

// builtInOffline is the built-in node's toggleOffline (toggle) and
// changeOfflineCause.
func (s *Server) builtInOffline(c *request.Call, toggle bool) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.Require(permDisconnect); err != nil {
		return err
	}
	offline, _ := s.queue.Offline()
	if toggle {
		offline = !offline
	}
	msg := c.R.FormValue("offlineMessage")
	if err := limits.Check("offlineMessage", msg, limits.Message); err != nil {
		return request.BadRequest(err.Error())
	}
	s.queue.SetOffline(offline, msg)
	return request.RedirectAfterPost(c, c.Root+"computer/(built-in)/", c.Root+"computer/(built-in)/api/json")
}

// createNode is ComputerSet.doCreateItem: name and type in the query or
// a form, the agent's settings in the json field.
func (s *Server) createNode(c *request.Call) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.Require(permNodeCreate); err != nil {
		return err
	}
	if _, err := s.nodes.CreateFromForm(c.Ctx(), c.R.FormValue("name"), c.R.FormValue("type"), c.R.FormValue("json")); err != nil {
		return request.Refused(err)
	}
	return request.RedirectAfterPost(c, c.Root+"computer/", c.Root+"computer/api/json")
}

// computerCreateItem is ComputerSet.doCreateItem, the first step of a new
// agent: mode=hudson.slaves.DumbSlave checks the name and answers the
// page where its settings are filled in (they are then posted to
// doCreateItem); mode=copy&from= copies an agent; a posted config.xml
// creates one at once.
func (s *Server) computerCreateItem(c *request.Call) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.Require(permNodeCreate); err != nil {
		return err
	}
	name, mode := c.R.URL.Query().Get("name"), c.R.URL.Query().Get("mode")
	if request.IsXMLContentType(c.R.Header.Get("Content-Type")) && mode != "copy" {
		body, err := request.ReadBody(c)
		if err != nil {
			return err
		}
		if _, err := s.nodes.CreateFromXML(c.Ctx(), name, body); err != nil {
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
		n, err := s.nodes.Copy(c.Ctx(), name, c.R.FormValue("from"))
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
	name, err := s.nodes.CheckNew(name)
	if err != nil {
		return request.Refused(err)
	}
	return s.render(c, http.StatusOK, "message", page{Title: "New agent", P: map[string]any{
		"Heading": "New agent " + name,
		"Text":    "The name " + name + " is free for a permanent agent (" + mode + ").",
		"Detail":  "POST its settings to " + c.Root + "computer/doCreateItem with name, type=" + mode + " and the json field, as Jenkins's form does.",
		"Back":    c.Root + "computer/",
	}})
}

// walkAgent serves /computer/NAME/… for a permanent agent.
func (s *Server) walkAgent(c *request.Call, n *model.Node, p []string) error {
	if len(p) == 0 {
		return s.rootPage(c)
	}
	if ok, err := dispatch(s, c, n, p, walkAgentMethods); ok {
		return err
	}
	switch p[0] {
	case "api":
		return s.serveAPI(c, p, "slaveComputer", s.agentObject(c, n))
	case "logText":
		return s.walkComputerLog(c, p[1:])
	}
	return request.NotFound()
}

// walkComputerLog serves a node's logText/…: its progressiveText method.
func (s *Server) walkComputerLog(c *request.Call, p []string) error {
	if ok, err := dispatch(s, c, rootObj{}, p, walkComputerLogMethods); ok {
		return err
	}
	return request.NotFound()
}

// walkComputerLogMethods are the web methods of a node's log (Computer's
// getLogText, an AnnotatedLargeText never complete).
func walkComputerLogMethods(name string) webMethod[rootObj] {
	switch name {
	case "progressiveText":
		return func(s *Server, c *request.Call, _ rootObj) error { return s.emptyComputerLog(c) }
	}
	return nil
}

// emptyComputerLog is the connection log of a node that never connected
// (no agent connects to jeeves yet): empty, at offset 0, and, as for
// every node's log in Jenkins, with more data to come.
func (s *Server) emptyComputerLog(c *request.Call) error {
	// Computer.getLogText: Computer/Connect or Computer/ExtendedRead.
	if !c.Has(permNodeExtRead) && !c.Has(authz.NodeConnect) {
		return request.Forbidden(permNodeExtRead)
	}
	h := c.W.Header()
	h.Set("Content-Type", "text/plain;charset=utf-8")
	h.Set("X-Text-Size", "0")
	h.Set("X-More-Data", "true")
	h.Set("Content-Length", "0")
	c.W.WriteHeader(http.StatusOK)
	return nil
}

// walkAgentMethods are an agent's web methods (Computer's and
// SlaveComputer's doConfigDotXml, doDoDelete, doToggleOffline…).
func walkAgentMethods(name string) webMethod[*model.Node] {
	switch name {
	case "config.xml":
		return (*Server).nodeConfigXML
	case "doDelete":
		return (*Server).deleteNode
	case "toggleOffline", "changeOfflineCause", "doDisconnect", "disconnect":
		return func(s *Server, c *request.Call, n *model.Node) error { return s.agentOffline(c, n, name) }
	case "launchSlaveAgent":
		return func(s *Server, c *request.Call, n *model.Node) error {
			if err := request.RequirePOST(c); err != nil {
				return err
			}
			return request.NewError(http.StatusConflict, "jeeves cannot launch agents yet: agents connect in a later version")
		}
	}
	return nil
}

// deleteNode is POST /computer/NAME/doDelete.
func (s *Server) deleteNode(c *request.Call, n *model.Node) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.Require(permNodeDelete); err != nil {
		return err
	}
	if err := s.nodes.Delete(c.Ctx(), n.Name); err != nil {
		return request.Refused(err)
	}
	return request.RedirectAfterPost(c, c.Root+"computer/", c.Root+"computer/api/json")
}

// agentOffline is an agent's toggleOffline, changeOfflineCause,
// doDisconnect and disconnect.
func (s *Server) agentOffline(c *request.Call, n *model.Node, action string) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.Require(permDisconnect); err != nil {
		return err
	}
	offline := n.TempOffline
	switch action {
	case "toggleOffline":
		offline = !offline
	case "changeOfflineCause":
		offline = true
	}
	// doDisconnect: the agent is not connected, so there is nothing to
	// drop; Jenkins answers the same redirect.
	if action != "doDisconnect" && action != "disconnect" {
		if err := s.nodes.SetOffline(c.Ctx(), n.Name, offline, c.R.FormValue("offlineMessage")); err != nil {
			return request.Refused(err)
		}
	}
	self := c.Root + "computer/" + url.PathEscape(n.Name) + "/"
	return request.RedirectAfterPost(c, self, self+"api/json")
}

// nodeConfigXML serves and replaces an agent's config.xml.
func (s *Server) nodeConfigXML(c *request.Call, n *model.Node) error {
	switch c.R.Method {
	case http.MethodGet, http.MethodHead:
		if err := c.Require(permNodeExtRead); err != nil {
			return err
		}
		c.W.Header().Set("Content-Type", "application/xml")
		c.W.WriteHeader(http.StatusOK)
		if c.R.Method == http.MethodGet {
			c.W.Write(n.ConfigXML)
		}
		return nil
	case http.MethodPost:
		if err := c.Require(permNodeConfigure); err != nil {
			return err
		}
		body, err := request.ReadBody(c)
		if err != nil {
			return err
		}
		if _, err := s.nodes.UpdateConfig(c.Ctx(), n.Name, body); err != nil {
			return request.Refused(err)
		}
		c.W.WriteHeader(http.StatusOK)
		return nil
	}
	return request.BadRequest("config.xml accepts GET and POST only")
}

// agentObject is a permanent agent's computer (hudson.slaves.SlaveComputer)
// as Jenkins shows one that has never connected: offline, idle.
func (s *Server) agentObject(c *request.Call, n *model.Node) *export.Object {
	executors := make([]*export.Object, n.Config.NumExecutors)
	for i := range executors {
		executors[i] = obj("hudson.model.Executor",
			p("currentExecutable", nil), p("idle", true), p("likelyStuck", false), p("number", i), p("progress", -1))
	}
	labels := make([]*export.Object, 0, len(n.Config.Labels)+1)
	for _, l := range n.Config.Labels {
		labels = append(labels, obj("", pv("name", 2, l)))
	}
	labels = append(labels, obj("", pv("name", 2, n.Name)))
	var cause any
	if n.TempOffline {
		cause = obj("hudson.slaves.OfflineCause$UserCause", pv("description", 2, "Disconnected by "+c.ID.Name()+" : "+n.OfflineReason))
	}
	jnlp := n.Config.Launcher == "" || n.Config.Launcher == "hudson.slaves.JNLPLauncher"
	return obj("hudson.slaves.SlaveComputer",
		p("actions", []*export.Object{}),
		p("assignedLabels", labels),
		p("description", n.Config.Description),
		p("displayName", n.Name),
		p("executors", executors),
		p("icon", "symbol-computer-offline"),
		p("iconClassName", "symbol-computer-offline"),
		p("idle", true),
		p("jnlpAgent", jnlp),
		p("launchSupported", !jnlp),
		p("loadStatistics", obj("hudson.model.Label$1")),
		p("manualLaunchAllowed", true),
		p("monitorData", obj("")),
		p("numExecutors", n.Config.NumExecutors),
		p("offline", true),
		p("offlineCause", cause),
		p("offlineCauseReason", n.OfflineReason),
		p("oneOffExecutors", []*export.Object{}),
		p("temporarilyOffline", n.TempOffline),
		p("absoluteRemotePath", nil),
	)
}

func (s *Server) computerSetObject(c *request.Call) *export.Object {
	busy := 0
	for _, b := range s.queue.Executors() {
		if b != nil {
			busy++
		}
	}
	return obj("hudson.model.ComputerSet",
		p("busyExecutors", busy),
		// Exported inline in Jenkins: each node's fields show at depth 0.
		export.Prop{Name: "computer", Vis: 1, Inline: true, Value: export.Lazy(func() any {
			out := []*export.Object{s.builtInObject(c)}
			for _, n := range s.nodes.List() {
				out = append(out, s.agentObject(c, n))
			}
			return out
		})},
		p("displayName", "Nodes"),
		p("totalExecutors", s.sys().Executors),
	)
}

// builtInObject is the controller's node, with what each executor runs.
func (s *Server) builtInObject(c *request.Call) *export.Object {
	running := s.queue.Executors()
	executors := make([]*export.Object, len(running))
	idle := true
	for i, b := range running {
		var current any
		if b != nil {
			idle = false
			if job := s.jobByID(b.JobID); job != nil && c.CanSee(job) {
				current = s.buildRef(c, job, b.Number, b)
			}
		}
		executors[i] = obj("hudson.model.Executor",
			p("currentExecutable", current),
			p("idle", b == nil),
			p("likelyStuck", false),
			p("number", i),
			p("progress", -1),
		)
	}
	offline, reason := s.queue.Offline()
	var cause any
	if offline {
		cause = obj("hudson.slaves.OfflineCause$UserCause", pv("description", 2, "Disconnected by "+c.ID.Name()+" : "+reason))
	}
	return obj("hudson.model.Hudson$MasterComputer",
		p("actions", []*export.Object{}),
		p("assignedLabels", []*export.Object{obj("", pv("name", 2, "built-in"))}),
		p("description", "the Jenkins controller's built-in node"),
		p("displayName", "Built-In Node"),
		p("executors", executors),
		p("icon", "symbol-computer"),
		p("iconClassName", "symbol-computer"),
		p("idle", idle),
		p("jnlpAgent", false),
		p("launchSupported", true),
		p("loadStatistics", obj("hudson.model.Label$1")),
		p("manualLaunchAllowed", true),
		p("monitorData", obj("")),
		p("numExecutors", s.sys().Executors),
		p("offline", offline),
		p("offlineCause", cause),
		p("offlineCauseReason", reason),
		p("oneOffExecutors", []*export.Object{}),
		p("temporarilyOffline", offline),
	)
}

// labelObject is /label/X/: the built-in node carries "built-in"; any
// other label has no nodes (200 with nodes [], as clients expect).
func (s *Server) labelObject(c *request.Call, name string) *export.Object {
	nodes := []*export.Object{}
	total := 0
	if name == "built-in" || name == "master" {
		nodes = append(nodes, obj("hudson.model.Hudson", pv("nodeName", 2, "")))
		total = s.sys().Executors
	}
	// Agents carry their labels and their own name; none is online, so
	// they add no executors.
	for _, n := range s.nodes.List() {
		if n.Name == name || slices.Contains(n.Config.Labels, name) {
			nodes = append(nodes, obj("hudson.slaves.DumbSlave", pv("nodeName", 2, n.Name)))
		}
	}
	busy := 0
	if total > 0 {
		for _, b := range s.queue.Executors() {
			if b != nil {
				busy++
			}
		}
	}
	return obj("hudson.model.labels.LabelAtom",
		p("actions", []*export.Object{}),
		p("busyExecutors", busy),
		p("clouds", []*export.Object{}),
		p("description", nil),
		p("idleExecutors", total-busy),
		p("loadStatistics", obj("hudson.model.Label$1")),
		p("name", name),
		p("nodes", nodes),
		p("offline", total == 0),
		p("tiedJobs", []*export.Object{}),
		p("totalExecutors", total),
		p("propertiesList", []*export.Object{}),
	)
}

// quietDown is POST /quietDown and /cancelQuietDown (admins).
func (s *Server) quietDown(c *request.Call, on bool) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.Require(permAdminister); err != nil {
		return err
	}
	s.queue.QuietDown(on)
	return request.RedirectAfterPost(c, c.Root, c.Root+"api/json")
}

// pluginManager answers an honest empty plugin list: jeeves has none.
func (s *Server) pluginManager(c *request.Call, path []string) error {
	if len(path) == 0 {
		c.W.WriteHeader(http.StatusOK)
		return nil
	}
	if path[0] != "api" {
		return request.NotFound()
	}
	return s.serveAPI(c, path, "localPluginManager", obj("hudson.LocalPluginManager", p("plugins", []*export.Object{})))
}
