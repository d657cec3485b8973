package jobs

import (
	"sort"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/model"
)

func sortJobs(js []*model.Job) {
	sort.Slice(js, func(a, b int) bool {
		la, lb := strings.ToLower(js[a].Name), strings.ToLower(js[b].Name)
		if la != lb {
			return la < lb
		}
		return js[a].Name < js[b].Name
	})
}
