package gitscm

import (
	"slices"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/model"
)

// TestClaimsNameWhatThePartsRun: what the plugin names for the plugin
// manager's page is what its parts claim in builds.
func TestClaimsNameWhatThePartsRun(t *testing.T) {
	p := New(Config{})
	job := &model.Job{ConfigXML: []byte(`<project><scm class="hudson.plugins.git.GitSCM"><userRemoteConfigs><hudson.plugins.git.UserRemoteConfig><url>https://example.com/r.git</url></hudson.plugins.git.UserRemoteConfig></userRemoteConfigs></scm><builders/></project>`)}
	part := p.For(job)
	if part == nil {
		t.Fatal("no part for a GitSCM job")
	}
	for _, c := range part.Runs {
		if !slices.Contains(p.Claims(), c) {
			t.Errorf("a part runs %s, which Claims does not name: %v", c, p.Claims())
		}
	}
}
