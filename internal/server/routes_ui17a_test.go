package server_test

import (
	"net/url"
	"strings"
	"testing"
)

// agentForm is what the agent form posts (New Node, Configure): an
// inbound agent described as "posted".
var agentForm = url.Values{
	"nodeDescription": {"posted"}, "numExecutors": {"1"}, "remoteFS": {"/tmp"}, "mode": {"NORMAL"},
	"launcher": {"hudson.slaves.JNLPLauncher"}, "retention": {"hudson.slaves.RetentionStrategy$Always"},
}.Encode()

// The effects of the state-changing routes of the node pages.
func init() {
	routeEffects["computer/new"] = routeEffect{done: func(t *testing.T, rs *routeStack, fx map[string]string, _ rawResp) bool {
		n, err := rs.app.Nodes.Get(fx["{fresh}"])
		return err == nil && n.Config.Description == "posted"
	}}
	routeEffects["computer/{node}/configSubmit"] = routeEffect{done: func(t *testing.T, rs *routeStack, fx map[string]string, _ rawResp) bool {
		return strings.Contains(string(node(t, rs, fx).ConfigXML), "<description>posted</description>")
	}}
}
