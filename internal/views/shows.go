package views

import (
	"github.com/jeeves-ci/jeeves/internal/configxml"
	"github.com/jeeves-ci/jeeves/internal/jobs"
	"github.com/jeeves-ci/jeeves/internal/model"
)

// Shows reports whether view v lists the top-level item j: a My View
// lists the items the caller may configure (mayConfigure, as Jenkins's
// MyView); a list view those in it (in, from Contains) that its status
// filter keeps (Jenkins's StatusFilter: true keeps enabled jobs, false
// disabled ones; folders are kept either way).
func Shows(v *model.View, in func(string) bool, j *model.Job, mayConfigure func(*model.Job) bool) bool {
	if v.Config.Class == configxml.MyViewClass {
		return mayConfigure(j)
	}
	if !in(j.Name) {
		return false
	}
	if sf := v.Config.StatusFilter; sf != nil && !jobs.IsFolder(j) && j.Config.Disabled == *sf {
		return false
	}
	return true
}
