package credbind

import "github.com/jeeves-ci/jeeves/internal/credentials/binding"

// Claims names what the contributor runs (executor.Claimer), for the
// plugin manager's list of what jeeves has built in: the
// SecretBuildWrapper.
func (c *Contributor) Claims() []string { return []string{binding.WrapperClass} }
