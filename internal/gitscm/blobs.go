package gitscm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/jeeves-ci/jeeves/internal/blob"
	"github.com/jeeves-ci/jeeves/internal/git"
	"github.com/jeeves-ci/jeeves/internal/model"
)

// What the git checkout and polling keep, in the blob store. A build's
// records live below its blob.BuildKey (deleted with the build), a job's
// polling logs below its blob.JobKey (deleted with the job).

// BuildDataKey is the key of a build's BuildData (JSON of git.BuildData).
func BuildDataKey(jobID, number int64) string {
	return blob.BuildKey(jobID, number) + "/git/builddata.json"
}

// ChangelogKey is the key of a build's changelog: the raw "git log --raw"
// output, as Jenkins keeps it in the build's changelog.xml (whatever the
// name says). A build that checked out has one, empty for a first build.
func ChangelogKey(jobID, number int64) string {
	return blob.BuildKey(jobID, number) + "/git/changelog.xml"
}

// BuildPollingLogKey is the key of the polling log a build started by
// polling keeps: the job's polling log as it was when the build began,
// served at /job/X/N/pollingLog/.
func BuildPollingLogKey(jobID, number int64) string {
	return blob.BuildKey(jobID, number) + "/polling.log"
}

// PollingLogKey is the key of a job's last SCM polling log, Jenkins's
// <job dir>/scm-polling.log, served at /job/X/scmPollLog/.
func PollingLogKey(jobID int64) string { return blob.JobKey(jobID) + "/scm-polling.log" }

// GitHubPollingLogKey is the key of a job's last polling log started by a
// GitHub push, Jenkins's <job dir>/github-polling.log, served at
// /job/X/GitHubPollLog/.
func GitHubPollingLogKey(jobID int64) string { return blob.JobKey(jobID) + "/github-polling.log" }

// maxRecord bounds what is read of one record: a BuildData grows with
// every branch a job ever built (JENKINS-19022), but not this far.
const maxRecord = 64 << 20

func readAll(blobs blob.Store, key string) ([]byte, error) {
	r, err := blobs.Open(key)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	data, err := io.ReadAll(io.LimitReader(r, maxRecord+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxRecord {
		return nil, fmt.Errorf("%s is larger than %d bytes", key, maxRecord)
	}
	return data, nil
}

// ReadBuildData is build number's BuildData, the api/json action
// hudson.plugins.git.util.BuildData (its API method gives the object);
// nil, nil when the build has none (it did not check a git repository
// out, or its checkout failed).
func ReadBuildData(blobs blob.Store, jobID, number int64) (*git.BuildData, error) {
	data, err := readAll(blobs, BuildDataKey(jobID, number))
	if errors.Is(err, blob.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var bd git.BuildData
	if err := json.Unmarshal(data, &bd); err != nil {
		return nil, fmt.Errorf("build %d of job %d: git build data: %w", number, jobID, err)
	}
	if bd.BuildsByBranchName == nil {
		bd.BuildsByBranchName = map[string]*git.Build{}
	}
	return &bd, nil
}

func writeBuildData(blobs blob.Store, jobID, number int64, bd *git.BuildData) error {
	data, err := json.Marshal(bd)
	if err != nil {
		return err
	}
	_, err = blobs.Put(BuildDataKey(jobID, number), bytes.NewReader(data))
	return err
}

// ReadChanges is build number's changes, oldest first, as its changeSet
// (hudson.plugins.git.GitChangeSetList: git.ChangeSetAPI gives the
// object) and Changes page list them; ok is false when the build has no
// git changelog, whose changeSet Jenkins writes as
// hudson.scm.EmptyChangeLogSet. The author of each change is its
// committer unless the job's GitSCM has AuthorInChangelog, read from the
// job's configuration now, as Jenkins parses changelogs.
func ReadChanges(blobs blob.Store, job *model.Job, number int64) (changes []git.Change, ok bool, err error) {
	raw, err := readAll(blobs, ChangelogKey(job.ID, number))
	if errors.Is(err, blob.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	author := false
	if s, err := git.Parse(job.ConfigXML); err == nil {
		author = s.Ext.AuthorInChangelog
	}
	return git.ParseChangelog(raw, author), true, nil
}

// BuildChanges is one build's part of a job's Changes page.
type BuildChanges struct {
	Number int64
	// Revision is the revision the build checked out; nil when it has no
	// BuildData.
	Revision *git.Revision
	Changes  []git.Change
}

// JobChanges is the Changes page of a job (/job/X/changes): for each of
// the builds numbered (newest first, as the page lists them), what it
// checked out and the changes it built. Builds without a git changelog
// are left out.
func JobChanges(blobs blob.Store, job *model.Job, numbers []int64) ([]BuildChanges, error) {
	var out []BuildChanges
	for _, n := range numbers {
		changes, ok, err := ReadChanges(blobs, job, n)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		bc := BuildChanges{Number: n, Changes: changes}
		bd, err := ReadBuildData(blobs, job.ID, n)
		if err != nil {
			return nil, err
		}
		if rev := bd.LastBuiltRevision(); rev != nil {
			bc.Revision = rev
		}
		out = append(out, bc)
	}
	return out, nil
}

// OpenPollingLog opens the polling log at key (PollingLogKey,
// GitHubPollingLogKey, BuildPollingLogKey); blob.ErrNotFound when polling
// has not run yet, which Jenkins's page says as "Polling has not run
// yet.".
func OpenPollingLog(blobs blob.Store, key string) (blob.Reader, error) {
	return blobs.Open(key)
}

// PollingNotRun is the scmPollLog page's text before the first poll.
const PollingNotRun = "Polling has not run yet."
