package gitscm

import (
	"github.com/jeeves-ci/jeeves/internal/blob"
	"github.com/jeeves-ci/jeeves/internal/git"
	"github.com/jeeves-ci/jeeves/internal/model"
)

// What the HTTP edge reads through the plugin: the records of its blob
// store (see blobs.go) and its settings, so that the edge holds the
// plugin alone.

// Settings are the git settings the plugin was configured with; nil when
// it has none (Jenkins's defaults).
func (p *Plugin) Settings() *Settings { return p.cfg.Settings }

// BuildData is ReadBuildData of the plugin's blob store.
func (p *Plugin) BuildData(jobID, number int64) (*git.BuildData, error) {
	return ReadBuildData(p.cfg.Blobs, jobID, number)
}

// Changes is ReadChanges of the plugin's blob store.
func (p *Plugin) Changes(job *model.Job, number int64) ([]git.Change, bool, error) {
	return ReadChanges(p.cfg.Blobs, job, number)
}

// JobChanges is the package's JobChanges of the plugin's blob store.
func (p *Plugin) JobChanges(job *model.Job, numbers []int64) ([]BuildChanges, error) {
	return JobChanges(p.cfg.Blobs, job, numbers)
}

// PollingLog opens the polling log at key (PollingLogKey,
// GitHubPollingLogKey, BuildPollingLogKey) in the plugin's blob store;
// blob.ErrNotFound when there is none (PollingNotRun).
func (p *Plugin) PollingLog(key string) (blob.Reader, error) {
	return OpenPollingLog(p.cfg.Blobs, key)
}
