package api

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/jeeves-ci/jeeves/internal/authz"
	"github.com/jeeves-ci/jeeves/internal/export"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/nodes"
	"github.com/jeeves-ci/jeeves/internal/request"
)

// agentURL is the agent's page, with its trailing slash.
func agentURL(c *request.Call, name string) string {
	return c.Root + "computer/" + url.PathEscape(name) + "/"
}

// AgentObject is a permanent agent's computer as
// hudson.slaves.SlaveComputer exports it: its state and offline cause,
// what runs on each executor, its labels and its node monitors' data.
func (a *API) AgentObject(c *request.Call, n *model.Node) *export.Object {
	cp, err := a.nodes.Computer(n.Name)
	if err != nil {
		// Deleted since the walk: as an agent that never connected.
		cp = &nodes.Computer{Name: n.Name, NumExecutors: n.Config.NumExecutors, Offline: true, AssignedLabels: append(append([]string(nil), n.Config.Labels...), n.Name)}
		cp.Executors = make([]*model.Build, cp.NumExecutors)
	}
	return a.computerObject(c, cp)
}

func (a *API) computerObject(c *request.Call, cp *nodes.Computer) *export.Object {
	executors := make([]*export.Object, len(cp.Executors))
	for i, b := range cp.Executors {
		var current any
		if b != nil {
			if job := a.jobByID(b.JobID); job != nil && c.CanSee(job) {
				current = a.buildRef(c, job, b.Number, b)
			}
		}
		executors[i] = newObject("hudson.model.Executor",
			prop("currentExecutable", current), prop("idle", b == nil), prop("likelyStuck", false), prop("number", i), prop("progress", -1))
	}
	labels := make([]*export.Object, 0, len(cp.AssignedLabels))
	for _, l := range cp.AssignedLabels {
		labels = append(labels, newObject("", propVis("name", 2, l)))
	}
	icon := "symbol-computer"
	if cp.Offline {
		icon = "symbol-computer-offline"
	}
	var remote any
	if cp.AbsoluteRemotePath != "" {
		remote = cp.AbsoluteRemotePath
	}
	return newObject("hudson.slaves.SlaveComputer",
		prop("actions", []*export.Object{}),
		prop("assignedLabels", labels),
		prop("description", cp.Description),
		prop("displayName", cp.Name),
		prop("executors", executors),
		prop("icon", icon),
		prop("iconClassName", icon),
		prop("idle", cp.Idle),
		prop("jnlpAgent", cp.JNLPAgent),
		prop("launchSupported", cp.LaunchSupported),
		prop("loadStatistics", newObject("hudson.model.Label$1")),
		prop("manualLaunchAllowed", true),
		prop("monitorData", monitorData(cp.Monitor)),
		prop("numExecutors", cp.NumExecutors),
		prop("offline", cp.Offline),
		prop("offlineCause", offlineCauseObject(cp.OfflineCause)),
		prop("offlineCauseReason", cp.OfflineCauseReason),
		prop("oneOffExecutors", []*export.Object{}),
		prop("temporarilyOffline", cp.TemporarilyOffline),
		prop("absoluteRemotePath", remote),
		prop("connecting", cp.Connecting),
	)
}

// offlineCauseObject is an OfflineCause as Jenkins exports it: its
// class, its timestamp, and a UserCause's description. jeeves adds the
// description of a failed launch or a broken connection (what failed),
// which Jenkins keeps in the agent's log only.
func offlineCauseObject(oc *nodes.OfflineCause) any {
	if oc == nil {
		return nil
	}
	desc := oc.Description
	if desc == "" {
		desc = oc.Detail
	}
	props := []export.Prop{propVis("timestamp", 2, oc.Timestamp.UnixMilli())}
	if desc != "" {
		props = append(props, propVis("description", 2, desc))
	}
	return newObject(oc.Class, props...)
}

// monitorData is Computer.getMonitorData: each node monitor's last
// reading, every one null while the agent is offline (and those jeeves
// does not take: the clock and the swap space).
func monitorData(m *nodes.Monitor) export.Map {
	const pre = "hudson.node_monitors."
	var arch, disk, resp, tmp any
	if m != nil {
		ts := m.Timestamp.UnixMilli()
		arch = m.Architecture
		resp = newObject("hudson.node_monitors.ResponseTimeMonitor$Data", prop("timestamp", ts), prop("average", m.ResponseTime.Milliseconds()))
		if m.DiskPath != "" {
			disk = newObject("hudson.node_monitors.DiskSpaceMonitorDescriptor$DiskSpace", prop("timestamp", ts), prop("path", m.DiskPath), prop("size", m.DiskFree))
		}
		if m.TmpPath != "" {
			tmp = newObject("hudson.node_monitors.DiskSpaceMonitorDescriptor$DiskSpace", prop("timestamp", ts), prop("path", m.TmpPath), prop("size", m.TmpFree))
		}
	}
	return export.Map{
		{Key: pre + "ArchitectureMonitor", Value: arch},
		{Key: pre + "ClockMonitor", Value: nil},
		{Key: pre + "DiskSpaceMonitor", Value: disk},
		{Key: pre + "ResponseTimeMonitor", Value: resp},
		{Key: pre + "SwapSpaceMonitor", Value: nil},
		{Key: pre + "TemporarySpaceMonitor", Value: tmp},
	}
}

// AgentLogText is an agent's logText/progressiveText: its connection
// log from byte ?start=, with X-Text-Size (where to start next time)
// and, as for every node's log in Jenkins, X-More-Data: true. It needs
// Computer/ExtendedRead or Computer/Connect (Computer.getLogText).
func (a *API) AgentLogText(c *request.Call, n *model.Node) error {
	if !c.Has(authz.NodeExtRead) && !c.Has(authz.NodeConnect) {
		return request.Forbidden(authz.NodeExtRead)
	}
	start, err := strconv.ParseInt(c.R.FormValue("start"), 10, 64)
	if err != nil {
		start = 0
	}
	text, next, err := a.nodes.LogText(n.Name, start)
	if err != nil {
		return request.Refused(err)
	}
	h := c.W.Header()
	h.Set("Content-Type", "text/plain;charset=utf-8")
	h.Set("X-Text-Size", strconv.FormatInt(next, 10))
	h.Set("X-More-Data", "true")
	h.Set("Content-Length", strconv.Itoa(len(text)))
	c.W.WriteHeader(http.StatusOK)
	if c.R.Method == http.MethodHead {
		return nil
	}
	_, err = c.W.Write(text)
	return err
}

// LaunchAgent is SlaveComputer.doLaunchSlaveAgent (Computer/Connect):
// the agent is connected now, and the answer goes to its log; an agent
// already connected is answered 200 saying so. An agent jeeves does not
// launch (an inbound one, one whose configuration does not read) is
// refused naming why.
func (a *API) LaunchAgent(c *request.Call, n *model.Node) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.Require(authz.NodeConnect); err != nil {
		return err
	}
	already, err := a.nodes.Launch(c.Ctx(), n.Name)
	if err != nil {
		return request.Refused(err)
	}
	if already {
		c.W.Header().Set("Content-Type", "text/plain;charset=utf-8")
		c.W.WriteHeader(http.StatusOK)
		_, err := c.W.Write([]byte("The agent ‘" + n.Name + "’ is already connected.\n"))
		return err
	}
	self := agentURL(c, n.Name)
	return request.RedirectAfterPost(c, self+"log", self+"logText/progressiveText")
}

// DisconnectAgent is Computer.doDoDisconnect (Computer/Disconnect): a
// connected agent's connection is closed with the cause "Disconnected by
// USER : offlineMessage"; one not connected is left as it is. Either
// way the answer goes back to the agent.
func (a *API) DisconnectAgent(c *request.Call, n *model.Node) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.Require(authz.NodeDisconnect); err != nil {
		return err
	}
	if err := a.nodes.Disconnect(c.Ctx(), n.Name, c.ID.Name(), c.R.FormValue("offlineMessage")); err != nil {
		return request.Refused(err)
	}
	self := agentURL(c, n.Name)
	return request.RedirectAfterPost(c, self, self+"api/json")
}

// AgentOffline is an agent's toggleOffline (Computer.doToggleOffline:
// Computer/Disconnect to take it offline, Computer/Connect to bring it
// back) and changeOfflineCause (Computer/Disconnect): a temporary
// offline mark with the offlineMessage; running builds go on.
func (a *API) AgentOffline(c *request.Call, n *model.Node, action string) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	offline := true
	if action == "toggleOffline" {
		offline = !n.TempOffline
	}
	perm := authz.NodeDisconnect
	if !offline {
		perm = authz.NodeConnect
	}
	if err := c.Require(perm); err != nil {
		return err
	}
	if err := a.nodes.SetOfflineBy(c.Ctx(), n.Name, offline, c.ID.Name(), c.R.FormValue("offlineMessage")); err != nil {
		return request.Refused(err)
	}
	self := agentURL(c, n.Name)
	return request.RedirectAfterPost(c, self, self+"api/json")
}

// TrustAgentHostKey is the ssh-slaves plugin's TrustHostKeyAction
// (saveHostKey…/submit, Computer/Configure) for an agent that trusts
// host keys manually: the key the agent offered, named by its
// fingerprint (?fingerprint=, as the agent's api shows it), is trusted
// from now on and the agent launched.
func (a *API) TrustAgentHostKey(c *request.Call, n *model.Node) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.Require(authz.NodeConfigure); err != nil {
		return err
	}
	fp := c.R.FormValue("fingerprint")
	if fp == "" {
		return request.BadRequest("Say which host key to trust: its fingerprint (fingerprint=SHA256:…), as the agent offered it")
	}
	if err := a.nodes.TrustHostKey(c.Ctx(), n.Name, fp); err != nil {
		return request.Refused(err)
	}
	self := agentURL(c, n.Name)
	return request.RedirectAfterPost(c, self, self+"api/json")
}

// agentExecutors counts the executors of the agents that are online,
// and those of them busy.
func (a *API) agentExecutors() (total, busy int) {
	for _, cp := range a.nodes.Computers() {
		if cp.Offline {
			continue
		}
		total += cp.NumExecutors
		for _, b := range cp.Executors {
			if b != nil {
				busy++
			}
		}
	}
	return total, busy
}

// labelAgents adds the agents the label expression selects to out, and
// counts the executors of those online, and those busy.
func (a *API) labelAgents(expr string, out *[]*export.Object) (total, busy int) {
	for _, name := range a.nodes.LabelNodes(expr) {
		*out = append(*out, newObject("hudson.slaves.DumbSlave", propVis("nodeName", 2, name)))
		cp, err := a.nodes.Computer(name)
		if err != nil || cp.Offline {
			continue
		}
		total += cp.NumExecutors
		for _, b := range cp.Executors {
			if b != nil {
				busy++
			}
		}
	}
	return total, busy
}
