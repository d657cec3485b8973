package executor

import "slices"

// A Claimer is a Contributor that names, by class, every element of a
// job's config.xml its parts may run (the union of their Part.Runs): a
// GitSCM for the git checkout. The plugin manager's page lists what
// jeeves has built in from these (configxml.BuiltIn).
type Claimer interface {
	Claims() []string
}

// Claims is every class the registered contributors that are Claimers
// name, sorted, each once.
func (e *Executor) Claims() []string {
	e.mu.Lock()
	cs := e.contributors
	e.mu.Unlock()
	var out []string
	for _, c := range cs {
		if cl, ok := c.(Claimer); ok {
			out = append(out, cl.Claims()...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
