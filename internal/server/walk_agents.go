package server

import (
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/request"
)

// walkAgentMethods are an agent's web methods (Computer's and
// SlaveComputer's doConfigDotXml, doDoDelete, doToggleOffline,
// doLaunchSlaveAgent, doDoDisconnect…).
func walkAgentMethods(name string) webMethod[*model.Node] {
	switch name {
	case "config.xml":
		return func(s *Server, c *request.Call, n *model.Node) error { return s.api.NodeConfigXML(c, n) }
	case "configSubmit":
		return func(s *Server, c *request.Call, n *model.Node) error { return s.ui.AgentConfigSubmit(c, n) }
	case "doDelete":
		return func(s *Server, c *request.Call, n *model.Node) error { return s.api.DeleteNode(c, n) }
	case "toggleOffline", "changeOfflineCause":
		return func(s *Server, c *request.Call, n *model.Node) error { return s.api.AgentOffline(c, n, name) }
	case "doDisconnect", "disconnect":
		return func(s *Server, c *request.Call, n *model.Node) error { return s.api.DisconnectAgent(c, n) }
	case "launchSlaveAgent":
		return func(s *Server, c *request.Call, n *model.Node) error { return s.api.LaunchAgent(c, n) }
	}
	return nil
}

// walkAgentParts serves what lies below an agent besides its web
// methods and api: its connection log (logText/progressiveText) and the
// ssh-slaves plugin's "Trust SSH Host Key" action (saveHostKey/submit).
// ok is false for a segment it does not know.
func (s *Server) walkAgentParts(c *request.Call, n *model.Node, p []string) (ok bool, err error) {
	switch p[0] {
	case "logText":
		return dispatch(s, c, n, p[1:], walkAgentLogMethods)
	case "saveHostKey":
		return dispatch(s, c, n, p[1:], walkAgentHostKeyMethods)
	}
	return false, nil
}

// walkAgentLogMethods are the web methods of an agent's connection log
// (Computer.getLogText, an AnnotatedLargeText never complete).
func walkAgentLogMethods(name string) webMethod[*model.Node] {
	switch name {
	case "progressiveText":
		return func(s *Server, c *request.Call, n *model.Node) error { return s.api.AgentLogText(c, n) }
	}
	return nil
}

// walkAgentHostKeyMethods are TrustHostKeyAction's web methods.
func walkAgentHostKeyMethods(name string) webMethod[*model.Node] {
	switch name {
	case "submit":
		return func(s *Server, c *request.Call, n *model.Node) error { return s.api.TrustAgentHostKey(c, n) }
	}
	return nil
}
