package app

import (
	"context"

	"github.com/jeeves-ci/jeeves/internal/credentials"
	"github.com/jeeves-ci/jeeves/internal/credstore"
	"github.com/jeeves-ci/jeeves/internal/nodes"
	"github.com/jeeves-ci/jeeves/internal/webui"
)

// nodePages is the nodes service as the node pages read it
// (webui.Agents): an agent's connection and its log.
type nodePages struct{ n *nodes.Service }

func (p nodePages) Agent(name string) (webui.AgentState, bool) {
	c, err := p.n.Computer(name)
	if err != nil {
		return webui.AgentState{}, false
	}
	st := webui.AgentState{
		Connected: !c.ConnectedSince.IsZero(), Connecting: c.Connecting, ConnectedSince: c.ConnectedSince,
		OfflineCause: c.OfflineCauseReason, Executors: c.Executors, ConfigError: c.ConfigError, LaunchSupported: c.LaunchSupported,
	}
	if c.OfflineCause != nil {
		st.OfflineDetail = c.OfflineCause.Detail
	}
	if c.Monitor != nil {
		st.Architecture = c.Monitor.Architecture
	}
	return st, true
}

func (p nodePages) AgentLog(name string, start int64) ([]byte, int64, error) {
	return p.n.LogText(name, start)
}

// agentCredentialChoices lists, for the agent form, the credentials an
// SSH launcher may use: SSH keys and usernames with passwords, of either
// scope (an agent's connection is jeeves's own).
type agentCredentialChoices struct{ c *credstore.Service }

func (a agentCredentialChoices) SSHCredentials(ctx context.Context) []webui.CredentialChoice {
	all, err := a.c.List(ctx)
	if err != nil {
		return nil
	}
	var out []webui.CredentialChoice
	for _, p := range all {
		if p.Kind != credentials.KindSSHKey && p.Kind != credentials.KindUsernamePassword {
			continue
		}
		desc := p.Username
		if p.UsernameSecret {
			desc = "****" // a username kept secret is not shown
		}
		if p.Description != "" {
			desc += " (" + p.Description + ")"
		}
		out = append(out, webui.CredentialChoice{ID: p.ID, Description: desc})
	}
	return out
}
