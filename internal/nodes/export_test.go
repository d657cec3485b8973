package nodes

import "github.com/jeeves-ci/jeeves/internal/sshagent"

// ConnOf is the connection of the agent named name, for benchmarks that
// run commands beside builds; nil while not connected.
func (s *Service) ConnOf(name string) *sshagent.Agent {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if a, ok := s.nodes[name]; ok {
		return a.conn
	}
	return nil
}
