package server

import (
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/request"
)

// walkComputer serves /computer/: the built-in node and the permanent
// agents. Agents are stored and answered for as Jenkins answers for an
// agent that has not connected; builds run on the built-in node.
func (s *Server) walkComputer(c *request.Call, p []string) error {
	if len(p) == 0 {
		return s.ui.ComputersPage(c)
	}
	if ok, err := dispatch(s, c, rootObj{}, p, walkComputerSetMethods); ok {
		return err
	}
	switch p[0] {
	case "api":
		return s.serveAPI(c, p, "computerSet", s.api.ComputerSetObject(c))
	case "new":
		return s.ui.NewNode(c)
	case "checkName":
		return s.ui.CheckNodeName(c)
	}
	if model.IsBuiltInName(p[0]) {
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
		return func(s *Server, c *request.Call, _ rootObj) error { return s.api.CreateNode(c) }
	case "createItem":
		return func(s *Server, c *request.Call, _ rootObj) error { return s.api.ComputerCreateItem(c) }
	}
	return nil
}

func (s *Server) walkBuiltIn(c *request.Call, p []string) error {
	if len(p) == 0 {
		return s.ui.BuiltInPage(c)
	}
	if ok, err := dispatch(s, c, rootObj{}, p, walkBuiltInMethods); ok {
		return err
	}
	switch p[0] {
	case "api":
		return s.serveAPI(c, p, "masterComputer", s.api.BuiltInObject(c))
	case "logText":
		return s.walkComputerLog(c, p[1:])
	}
	return request.NotFound()
}

// walkBuiltInMethods are the built-in node's web methods.
func walkBuiltInMethods(name string) webMethod[rootObj] {
	switch name {
	case "toggleOffline":
		return func(s *Server, c *request.Call, _ rootObj) error { return s.api.BuiltInOffline(c, true) }
	case "changeOfflineCause":
		return func(s *Server, c *request.Call, _ rootObj) error { return s.api.BuiltInOffline(c, false) }
	}
	return nil
}

// walkAgent serves /computer/NAME/… for a permanent agent.
func (s *Server) walkAgent(c *request.Call, n *model.Node, p []string) error {
	if len(p) == 0 {
		return s.ui.AgentPage(c, n)
	}
	if ok, err := dispatch(s, c, n, p, walkAgentMethods); ok {
		return err
	}
	if ok, err := s.walkAgentParts(c, n, p); ok {
		return err
	}
	switch p[0] {
	case "api":
		return s.serveAPI(c, p, "slaveComputer", s.api.AgentObject(c, n))
	case "configure":
		return s.ui.AgentConfigurePage(c, n)
	case "delete":
		return s.ui.AgentDeletePage(c, n)
	case "log":
		return s.ui.AgentLogPage(c, n)
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
		return func(s *Server, c *request.Call, _ rootObj) error { return s.api.EmptyComputerLog(c) }
	}
	return nil
}
