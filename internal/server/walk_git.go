package server

import (
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/request"
)

// The git plugin's URLs: the push hooks at the root, which need no login
// and no crumb (Jenkins's UnprotectedRootActions with their crumb
// exclusions), the polling logs and changes of jobs and builds, the
// notifyCommit tokens, and the git settings on the Manage page.

// isHook reports whether the call is to one of the push hooks, which
// servers (git hooks, GitHub, GitLab) call without a crumb: they are
// exempt from it, as the git plugin's GitStatusCrumbExclusion, the
// GitHub plugin's and the GitLab plugin's exclusions make them in
// Jenkins. They are still refused when a browser sends them from
// another site.
func isHook(c *request.Call) bool {
	if len(c.Path) == 0 {
		return false
	}
	switch c.Path[0] {
	case "github-webhook", "project":
		return true
	case "git":
		return len(c.Path) == 2 && c.Path[1] == "notifyCommit"
	}
	return false
}

// walkHooks serves the push hooks, before the root asks for
// Overall/Read: handled is false for other paths.
func (s *Server) walkHooks(c *request.Call, p []string) (handled bool, err error) {
	switch p[0] {
	case "git":
		if len(p) == 2 && p[1] == "notifyCommit" {
			return true, s.api.NotifyCommit(c)
		}
	case "github-webhook":
		// With or without the trailing slash, never redirected.
		if len(p) == 1 {
			return true, s.api.GitHubWebhook(c)
		}
	case "project":
		return true, s.api.GitLabProject(c, p[1:])
	}
	return false, nil
}

// walkNotifyTokens serves
// /descriptorByName/hudson.plugins.git.ApiTokenPropertyConfiguration/…:
// the notifyCommit tokens' generate and revoke.
func (s *Server) walkNotifyTokens(c *request.Call, p []string) error {
	if ok, err := dispatch(s, c, rootObj{}, p, walkNotifyTokenMethods); ok {
		return err
	}
	return request.NotFound()
}

// walkNotifyTokenMethods are ApiTokenPropertyConfiguration's web methods.
func walkNotifyTokenMethods(name string) webMethod[rootObj] {
	switch name {
	case "generate":
		return func(s *Server, c *request.Call, _ rootObj) error { return s.api.GenerateNotifyToken(c) }
	case "revoke":
		return func(s *Server, c *request.Call, _ rootObj) error { return s.api.RevokeNotifyToken(c) }
	}
	return nil
}

// walkJobGit serves a job's git pages: its polling logs and its
// changes. handled is false for other segments.
func (s *Server) walkJobGit(c *request.Call, job *model.Job, p []string) (handled bool, err error) {
	if len(p) != 1 {
		return false, nil
	}
	switch p[0] {
	case "scmPollLog":
		return true, s.ui.PollingLogPage(c, job, false)
	case "GitHubPollLog":
		return true, s.ui.PollingLogPage(c, job, true)
	case "changes":
		return true, s.ui.JobChangesPage(c, job)
	case "polling":
		return true, s.api.PollNow(c, job)
	}
	return false, nil
}

// walkBuildGit serves a build's git pages: the polling log that started
// it (pollingLog/, and pollingLog/pollingLog as plain text) and its
// changes. handled is false for other segments.
func (s *Server) walkBuildGit(c *request.Call, job *model.Job, b *model.Build, p []string) (handled bool, err error) {
	switch {
	case p[0] == "pollingLog" && len(p) == 1:
		return true, s.ui.BuildPollingLog(c, job, b, false)
	case p[0] == "pollingLog" && len(p) == 2 && p[1] == "pollingLog":
		return true, s.ui.BuildPollingLog(c, job, b, true)
	case p[0] == "changes" && len(p) == 1:
		return true, s.ui.BuildChangesPage(c, job, b)
	}
	return false, nil
}

// walkManageGit serves /manage/git/…: the git settings form and the
// notifyCommit tokens' forms.
func (s *Server) walkManageGit(c *request.Call, p []string) error {
	if ok, err := dispatch(s, c, rootObj{}, p, walkManageGitMethods); ok {
		return err
	}
	return request.NotFound()
}

// walkManageGitMethods are the git settings' web methods: as in Stapler,
// each ends the walk (manage/git/configure/api/json is configure).
func walkManageGitMethods(name string) webMethod[rootObj] {
	switch name {
	case "configure":
		return func(s *Server, c *request.Call, _ rootObj) error { return s.ui.ManageGitConfigure(c) }
	case "generateToken":
		return func(s *Server, c *request.Call, _ rootObj) error { return s.ui.ManageGitGenerateToken(c) }
	case "revokeToken":
		return func(s *Server, c *request.Call, _ rootObj) error { return s.ui.ManageGitRevokeToken(c) }
	}
	return nil
}
