package git

import (
	"strconv"
	"strings"
)

// EnvInput is what a build's git variables are computed from.
type EnvInput struct {
	// This is the build's BuildData (its checkout's Result.BuildData).
	This *BuildData
	// PreviousBuilt and PreviousSuccessful are the BuildData of the
	// previous build that ran (any result) and of the previous
	// successful one, each found as the plugin does: the newest BuildData
	// at or before that build. nil when there is none.
	PreviousBuilt, PreviousSuccessful *BuildData
	// Global is Jenkins's own git identity (the git plugin's global
	// user.name and user.email settings); nil or empty fields: unset.
	Global *UserIdentity
}

// Environment is what the git plugin adds to a build's environment
// (GitSCM.buildEnvironment): GIT_COMMIT, GIT_BRANCH, GIT_LOCAL_BRANCH,
// GIT_CHECKOUT_DIR, GIT_PREVIOUS_COMMIT and
// GIT_PREVIOUS_SUCCESSFUL_COMMIT when the build has a revision; GIT_URL
// always, and GIT_URL_1… with two remotes or more; the committer and
// author variables from the global identity, then UserIdentity.
func (s *SCM) Environment(in EnvInput) map[string]string {
	env := map[string]string{}
	if rev := in.This.LastBuiltRevision(); rev != nil {
		if len(rev.Branches) > 0 && rev.Branches[0].Name != "" {
			branch := rev.Branches[0]
			remoteBranch := strings.TrimPrefix(branch.Name, "refs/remotes/")
			env["GIT_BRANCH"] = remoteBranch
			if lb := s.Ext.LocalBranch; lb != nil {
				name := lb.Name
				if name == "" || name == "**" {
					name = s.deriveLocalBranch(remoteBranch)
				}
				env["GIT_LOCAL_BRANCH"] = name
			}
			if s.Ext.hasRelativeTarget() {
				env["GIT_CHECKOUT_DIR"] = s.Ext.RelativeTargetDir
			}
			if b := in.PreviousBuilt.LastBuildOfBranch(branch.Name); b != nil && b.Revision.SHA1 != "" {
				env["GIT_PREVIOUS_COMMIT"] = b.Revision.SHA1
			}
			if b := in.PreviousSuccessful.LastBuildOfBranch(branch.Name); b != nil && b.Revision.SHA1 != "" {
				env["GIT_PREVIOUS_SUCCESSFUL_COMMIT"] = b.Revision.SHA1
			}
		}
		if rev.SHA1 != "" {
			env["GIT_COMMIT"] = rev.SHA1
		}
	}
	if len(s.Remotes) > 0 {
		env["GIT_URL"] = s.Remotes[0].URL
	}
	if len(s.Remotes) > 1 {
		for i, r := range s.Remotes {
			env["GIT_URL_"+strconv.Itoa(i+1)] = r.URL
		}
	}
	identity := func(id *UserIdentity) {
		if id == nil {
			return
		}
		if id.Name != "" {
			env["GIT_COMMITTER_NAME"], env["GIT_AUTHOR_NAME"] = id.Name, id.Name
		}
		if id.Email != "" {
			env["GIT_COMMITTER_EMAIL"], env["GIT_AUTHOR_EMAIL"] = id.Email, id.Email
		}
	}
	identity(in.Global)
	identity(s.Ext.UserIdentity)
	return env
}

// deriveLocalBranch drops the remote's name from a remote branch name
// (GitSCM.deriveLocalBranchName).
func (s *SCM) deriveLocalBranch(remoteBranch string) string {
	remote := "origin"
	for _, r := range s.Remotes {
		remote = r.Name
		if strings.HasPrefix(remoteBranch, remote+"/") {
			break
		}
	}
	return strings.TrimPrefix(remoteBranch, remote+"/")
}

func (x *Extensions) hasRelativeTarget() bool {
	for _, o := range x.Order {
		if o == "RelativeTargetDirectory" {
			return true
		}
	}
	return false
}
