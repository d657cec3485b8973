package server

import (
	"net/http"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/export"
)

// builtInNames are the names clients use for the controller's node:
// Jenkins's URL names old and new, and its display name.
var builtInNames = map[string]bool{"(master)": true, "(built-in)": true, "built-in node": true, "master": true}

// walkComputer serves /computer/: the set of nodes, which is honestly
// just the built-in one (agents come later).
func (s *Server) walkComputer(c *call, p []string) error {
	if len(p) == 0 {
		return s.rootPage(c)
	}
	if p[0] == "api" {
		return s.serveAPI(c, p, "computerSet", s.computerSetObject(c))
	}
	if !builtInNames[strings.ToLower(p[0])] {
		return notFound()
	}
	if len(p) == 1 {
		return s.rootPage(c)
	}
	switch p[1] {
	case "api":
		return s.serveAPI(c, p[1:], "masterComputer", s.builtInObject(c))
	case "toggleOffline", "changeOfflineCause":
		if err := requirePOST(c); err != nil {
			return err
		}
		if err := c.require(permDisconnect); err != nil {
			return err
		}
		offline, _ := s.queue.Offline()
		if p[1] == "toggleOffline" {
			offline = !offline
		}
		s.queue.SetOffline(offline, c.r.FormValue("offlineMessage"))
		s.redirectAfterPost(c, c.root+"computer/(built-in)/", c.root+"computer/(built-in)/api/json")
		return nil
	}
	return notFound()
}

func (s *Server) computerSetObject(c *call) *export.Object {
	busy := 0
	for _, b := range s.queue.Executors() {
		if b != nil {
			busy++
		}
	}
	return obj("hudson.model.ComputerSet",
		p("busyExecutors", busy),
		// Exported inline in Jenkins: each node's fields show at depth 0.
		export.Prop{Name: "computer", Vis: 1, Inline: true, Value: []*export.Object{s.builtInObject(c)}},
		p("displayName", "Nodes"),
		p("totalExecutors", s.cfg.Executors),
	)
}

// builtInObject is the controller's node, with what each executor runs.
func (s *Server) builtInObject(c *call) *export.Object {
	running := s.queue.Executors()
	executors := make([]*export.Object, len(running))
	idle := true
	for i, b := range running {
		var current any
		if b != nil {
			idle = false
			if job := s.jobByID(b.JobID); job != nil {
				current = obj("hudson.model.FreeStyleBuild",
					pv("number", 2, b.Number),
					pv("url", 2, c.root+jobPath(job.Name)+itoa(b.Number)+"/"))
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
		cause = obj("hudson.slaves.OfflineCause$UserCause", pv("description", 2, "Disconnected by "+c.id.Name()+" : "+reason))
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
		p("numExecutors", s.cfg.Executors),
		p("offline", offline),
		p("offlineCause", cause),
		p("offlineCauseReason", reason),
		p("oneOffExecutors", []*export.Object{}),
		p("temporarilyOffline", offline),
	)
}

// labelObject is /label/X/: the built-in node carries "built-in"; any
// other label has no nodes (200 with nodes [], as clients expect).
func (s *Server) labelObject(c *call, name string) *export.Object {
	nodes := []*export.Object{}
	total := 0
	if name == "built-in" || name == "master" {
		nodes = append(nodes, obj("hudson.model.Hudson", pv("nodeName", 2, "")))
		total = s.cfg.Executors
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
func (s *Server) quietDown(c *call, on bool) error {
	if err := requirePOST(c); err != nil {
		return err
	}
	if err := c.require(permAdminister); err != nil {
		return err
	}
	s.queue.QuietDown(on)
	s.redirectAfterPost(c, c.root, c.root+"api/json")
	return nil
}

// pluginManager answers an honest empty plugin list: jeeves has none.
func (s *Server) pluginManager(c *call, path []string) error {
	if len(path) == 0 {
		c.w.WriteHeader(http.StatusOK)
		return nil
	}
	if path[0] != "api" {
		return notFound()
	}
	return s.serveAPI(c, path, "localPluginManager", obj("hudson.LocalPluginManager", p("plugins", []*export.Object{})))
}
