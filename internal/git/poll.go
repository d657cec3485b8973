package git

import (
	"context"
	"errors"
	"io"
	"sort"
	"strconv"
	"strings"
)

// Heads is what "git ls-remote -h" answered for one URL: the remote's
// branches by ref ("refs/heads/main") and the git version that asked,
// for the polling log.
type Heads struct {
	URL        string
	Refs       map[string]string
	GitVersion string // "git version 2.39.5"
}

// LsRemote lists the branches of the repository at url
// ("git ls-remote -h -- <url>") on the build machine, with the
// credential (nil: none) and host keys, its secrets in a private
// directory under tmpDir removed before it returns. One call can serve
// every job of a polling cycle that uses url with the same credential:
// Poll takes its result.
func LsRemote(ctx context.Context, r Runner, env []string, tmpDir string, url string, cred *Credential, hk HostKeys) (*Heads, error) {
	sec := &secrets{r: r, root: tmpDir}
	defer sec.cleanup()
	s := &session{ctx: ctx, r: r, log: io.Discard, env: sanitizeEnv(env), sec: sec}
	if cred != nil {
		s.masks = append(s.masks, cred.Password, cred.Passphrase)
	}
	if err := checkRemoteURL(url); err != nil {
		return nil, err
	}
	version, err := s.quiet("", "--version")
	if err != nil {
		return nil, err
	}
	gitURL, ce, _, err := sec.forURL(url, cred, hk, "", s.home())
	if err != nil {
		return nil, err
	}
	out, err := s.run(cmd{args: []string{"ls-remote", "-h", "--", gitURL}, quiet: true, env: ce.env})
	if err != nil {
		return nil, err
	}
	h := &Heads{URL: url, Refs: map[string]string{}, GitVersion: strings.TrimSpace(version)}
	for _, line := range strings.Split(out, "\n") {
		sha, ref, ok := strings.Cut(strings.TrimSpace(line), "\t")
		if ok && len(sha) == 40 {
			h.Refs[ref] = sha
		}
	}
	return h, nil
}

// PollInput is what a poll decides from.
type PollInput struct {
	SCM *SCM
	// HasLastBuild: the job has been built; LastBuildData is its last
	// build's BuildData (nil when that build recorded none).
	HasLastBuild  bool
	LastBuildData *BuildData
	// Env is the environment of the last build, for ${VAR} in specs and URLs.
	Env map[string]string
	// Credentials by id, for the credential lines; the same map as for
	// checkouts.
	Credentials map[string]*Credential
	// Heads gives the (memoized) ls-remote answer for a URL and the
	// credential used for it; see LsRemote.
	Heads func(url string, cred *Credential) (*Heads, error)
	// RemoteOnly decides by the remote heads where the plugin would poll
	// in a workspace: several or wildcard branch specifiers are matched
	// against every head (the remote's tags are not seen), and the
	// workspace-polling extensions jeeves does not run (PathRestriction,
	// UserExclusion, MessageExclusion, DisableRemotePoll) are left out,
	// with a line saying so. Without it, Poll reports NeedsWorkspace.
	RemoteOnly bool
}

// PollResult is a poll's decision and the lines the git plugin writes
// to the polling log. The caller adds core's lines ("Started on …",
// "Done. Took …", then "Changes found" or "No changes").
type PollResult struct {
	Changes bool
	// NeedsWorkspace: the plugin would poll this job in a workspace
	// (wildcard or several branch specs, or an extension that looks at
	// files or commits); Changes is then not decided.
	NeedsWorkspace bool
	// Reason says why NeedsWorkspace is set.
	Reason string
	Lines  []string
}

// workspacePollers are the extensions that make the plugin poll in a
// workspace (requiresWorkspaceForPolling).
var workspacePollers = map[string]bool{
	extPrefix + "PathRestriction":   true,
	extPrefix + "UserExclusion":     true,
	extPrefix + "MessageExclusion":  true,
	extPrefix + "DisableRemotePoll": true,
}

// Poll decides whether the remote has changes the job has not built, as
// the git plugin does without a workspace (GitSCM.compareRemoteRevisionWithImpl):
// the heads that match a refspec's source and the branch spec (as
// "refs/heads/x" or "<remote>/x") are compared with the SHAs the last
// build's BuildData records. A head not built, or a remote that answers
// no heads, means changes. An error from Heads is returned as is (the
// poll failed); the lines so far are in the result.
func Poll(in PollInput) (PollResult, error) {
	var res PollResult
	say := func(l string) { res.Lines = append(res.Lines, l) }
	say("Using strategy: Default")
	if !in.HasLastBuild {
		say("[poll] No previous build, so forcing an initial build.")
		res.Changes = true
		return res, nil
	}
	data := in.LastBuildData
	if data == nil {
		data = newBuildData(in.SCM)
	}
	if lb := data.LastBuild; lb != nil {
		say("[poll] Last Built Revision: " + lb.Revision.String())
	}
	for _, u := range in.SCM.Unsupported {
		if workspacePollers[u] && in.RemoteOnly {
			say("[poll] The git extension " + u + " is not run by jeeves: the remote heads decide without it")
		} else if workspacePollers[u] {
			res.NeedsWorkspace, res.Reason = true, "the extension "+u+" needs a workspace to poll"
			return res, nil
		}
	}
	if !in.RemoteOnly && in.SCM.singleBranch(in.Env) == "" {
		res.NeedsWorkspace, res.Reason = true, "the branch specifiers need a workspace to poll (several, or wildcards)"
		return res, nil
	}
	say("The recommended git tool is: NONE")
	creds := map[string]*Credential{}
	for _, r := range in.SCM.Remotes {
		if r.CredentialsID == "" {
			say("No credentials specified")
		} else if c := in.Credentials[r.CredentialsID]; c != nil {
			creds[r.Name] = c
			say("using credential " + c.ID)
		} else {
			say(`Warning: CredentialId "` + r.CredentialsID + `" could not be found.`)
		}
	}
	versionShown := false
	for _, r := range in.SCM.Repositories() {
		name := Expand(r.Name, in.Env)
		url := Expand(r.URL, in.Env)
		refspecs := make([]string, len(r.Refspecs))
		for i, rs := range r.Refspecs {
			refspecs[i] = Expand(rs, in.Env)
		}
		cred := creds[r.Name]
		heads, err := in.Heads(url, cred)
		if err != nil {
			return res, err
		}
		if heads == nil {
			return res, errors.New("no answer for " + MaskURL(url))
		}
		if !versionShown {
			say(" > git --version # timeout=10")
			say(" > git --version # '" + heads.GitVersion + "'")
			versionShown = true
		}
		if cred.isSSH() {
			say("using GIT_SSH to set credentials " + cred.Description)
		} else if cred != nil {
			say("using GIT_ASKPASS to set credentials " + cred.Description)
		}
		say(" > git ls-remote -h -- " + MaskURL(url) + " # timeout=10")
		if len(heads.Refs) == 0 {
			say("[poll] Couldn't get remote head revision")
			res.Changes = true
			return res, nil
		}
		say("Found " + strconv.Itoa(len(heads.Refs)) + " remote heads on " + MaskURL(url))
		refs := make([]string, 0, len(heads.Refs))
		for ref := range heads.Refs {
			refs = append(refs, ref)
		}
		sort.Strings(refs)
		var kept []string
		for _, ref := range refs {
			match := false
			for _, rs := range refspecs {
				if refspecMatchesSource(rs, ref) {
					match = true
					break
				}
			}
			if !match {
				say("Ignoring " + ref + " as it doesn't match any of the configured refspecs")
				continue
			}
			kept = append(kept, ref)
		}
		if len(kept) == 0 {
			say("None of the " + strconv.Itoa(len(refs)) + " remote heads matches the configured refspecs " + strings.Join(refspecs, " "))
		}
		matched := 0
		for _, spec := range in.SCM.Branches {
			m := spec.Matcher(in.Env)
			for _, head := range kept {
				if !m(head) {
					short := name + "/" + head
					if g := gitRefRE.FindStringSubmatch(head); g != nil {
						short = name + head[len(g[1]):]
					}
					if !m(short) {
						continue
					}
				}
				matched++
				sha := heads.Refs[head]
				if b := data.LastBuildOf(sha); b != nil {
					say("[poll] Latest remote head revision on " + head + " is: " + sha + " - already built by " + strconv.Itoa(b.Number))
					continue
				}
				say("[poll] Latest remote head revision on " + head + " is: " + sha)
				res.Changes = true
				return res, nil
			}
		}
		if matched == 0 && len(kept) > 0 {
			names := make([]string, len(in.SCM.Branches))
			for i, b := range in.SCM.Branches {
				names[i] = b.Name
			}
			say("The branch specifier " + strings.Join(names, ", ") + " matched none of the " + strconv.Itoa(len(kept)) + " remote heads")
		}
	}
	return res, nil
}

// refspecMatchesSource reports whether a ref matches a refspec's source
// side, "*" matching any text (JGit's RefSpec.matchSource).
func refspecMatchesSource(refspec, ref string) bool {
	if strings.HasPrefix(refspec, "^") {
		return false
	}
	src, _, _ := strings.Cut(strings.TrimPrefix(refspec, "+"), ":")
	before, after, wild := strings.Cut(src, "*")
	if !wild {
		return src == ref
	}
	return len(ref) >= len(before)+len(after) && strings.HasPrefix(ref, before) && strings.HasSuffix(ref, after)
}
