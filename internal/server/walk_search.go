package server

import "github.com/jeeves-ci/jeeves/internal/request"

// walkSearch serves /search/… (hudson/search/Search.java, bound to the
// root): the search box's answer and its suggestions.
func (s *Server) walkSearch(c *request.Call, p []string) error {
	if len(p) == 0 {
		return s.ui.Search(c)
	}
	switch p[0] {
	case "suggest":
		return s.ui.Suggest(c)
	}
	return request.NotFound()
}
