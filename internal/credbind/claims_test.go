package credbind

import (
	"slices"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/credentials/binding"
	"github.com/jeeves-ci/jeeves/internal/model"
)

// TestClaimsNameWhatThePartsRun: what the contributor names for the
// plugin manager's page is what its parts claim in builds.
func TestClaimsNameWhatThePartsRun(t *testing.T) {
	c := New(nil, nil)
	part := c.For(&model.Job{ConfigXML: []byte(`<project><buildWrappers><` + binding.WrapperClass + `><bindings/></` + binding.WrapperClass + `></buildWrappers></project>`)})
	if part == nil {
		t.Fatal("no part for a job with the wrapper")
	}
	for _, r := range part.Runs {
		if !slices.Contains(c.Claims(), r) {
			t.Errorf("a part runs %s, which Claims does not name: %v", r, c.Claims())
		}
	}
}
