package jobs

import "github.com/jeeves-ci/jeeves/internal/model"

// graph is what the items' BuildTriggers (childProjects) start, by item
// id: down[id] are the items id's builds trigger, in the order its
// config names them; up[id] the items whose builds trigger id, in
// Jenkins's order of items. A name that resolves to no item is left
// out. It is made from the items' configs at the first use after any
// change to them (s.graph is nil until then), not for each read.
type graph struct {
	down, up map[int64][]int64
}

// makeGraph computes the graph of every item; s.mu is held.
func (s *Service) makeGraph(sorted []*model.Job) *graph {
	g := &graph{down: map[int64][]int64{}, up: map[int64][]int64{}}
	for _, j := range sorted {
		if j.Config.Threshold == "" {
			continue
		}
		for _, name := range j.Config.Children {
			id, ok := s.names[Resolve(j.Name, name)]
			if !ok {
				continue
			}
			g.down[j.ID] = append(g.down[j.ID], id)
			if up := g.up[id]; len(up) == 0 || up[len(up)-1] != j.ID {
				g.up[id] = append(up, j.ID)
			}
		}
	}
	return g
}

// Downstream lists the items job's BuildTrigger starts.
func (s *Service) Downstream(job *model.Job) []*model.Job { return s.related(job, true) }

// Upstream lists the items whose BuildTrigger starts job.
func (s *Service) Upstream(job *model.Job) []*model.Job { return s.related(job, false) }

func (s *Service) related(job *model.Job, down bool) []*model.Job {
	for {
		s.rlockSorted()
		if s.graph != nil {
			break
		}
		// Made under the write lock, once, by the first reader after a
		// change, from the items as they are then.
		s.mu.RUnlock()
		s.mu.Lock()
		if s.graph == nil && (s.sorted != nil || len(s.byID) == 0) {
			s.graph = s.makeGraph(s.sorted)
		}
		s.mu.Unlock()
	}
	ids := s.graph.up[job.ID]
	if down {
		ids = s.graph.down[job.ID]
	}
	out := make([]*model.Job, 0, len(ids))
	for _, id := range ids {
		if j, ok := s.byID[id]; ok {
			out = append(out, copyJob(j))
		}
	}
	s.mu.RUnlock()
	return out
}
