package gitscm

import "github.com/jeeves-ci/jeeves/internal/git"

// Claims names what the git contributor runs (executor.Claimer), for the
// plugin manager's list of what jeeves has built in: GitSCM, and the SCM
// trigger while the poller runs (as its parts' Runs say).
func (p *Plugin) Claims() []string {
	out := []string{git.SCMClass}
	if p.polling.Load() {
		out = append(out, SCMTriggerClass)
	}
	return out
}
