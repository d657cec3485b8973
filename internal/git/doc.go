// Package git checks out, polls and matches git repositories as
// Jenkins's git plugin (hudson.plugins.git.GitSCM) and git client plugin
// do, with the git command-line program.
//
// # Configuration
//
// Parse reads a <scm class="hudson.plugins.git.GitSCM"> element, alone
// or inside a whole config.xml, as Jenkins and Jenkins Job Builder write
// it, into an SCM: the remotes (names defaulted and made unique, blank
// refspecs defaulted), the branch specs, and the extensions jeeves runs
// (CleanBeforeCheckout, CleanCheckout, CloneOption, CheckoutOption,
// RelativeTargetDirectory, LocalBranch, SubmoduleOption,
// PruneStaleBranch, WipeWorkspace, UserIdentity, AuthorInChangelog,
// IgnoreNotifyCommit, BuildSingleRevisionOnly, ScmName, PerBuildTag),
// legacy top-level fields included. SCM.Unsupported names, by class, the
// configured extensions jeeves does not run, for the job page and the
// console. BranchSpec matches as the plugin's BranchSpec, ":regex"
// specs included (Java syntax, lookahead and all).
//
// # Running commands
//
// Every git command, file and lock goes through a Runner, the interface
// the launcher implements for the build's machine; LocalRunner is this
// machine's. Git runs with GIT_TERMINAL_PROMPT=0 and ssh with
// BatchMode, so nothing ever waits for a prompt, and each command has a
// timeout (CloneOption's and CheckoutOption's, in minutes; ten by
// default).
//
// # Checkout
//
// Checkout.Run does what GitSCM.checkout does and prints its console
// lines: clone (init and fetch) or fetch each remote, choose the
// revision (a notifyCommit sha1 or the ref name GitLab's hook asks for
// first, then the single-branch or the wildcard build chooser), check it
// out detached (or on LocalBranch's branch), print the commit message,
// and compute the changelog since
// the previous build of the same branch. It returns the build's
// BuildData (the previous one's copy with this build recorded) and
// changes; SCM.Environment then gives the GIT_* variables, BuildData.API
// and ChangeSetAPI the api/json shapes. A failure returns an *AbortError
// after the console says why ("ERROR: Couldn't find any revision to
// build. …", "ERROR: Error cloning remote repo 'origin'" with git's own
// message, the SECURITY-2478 refusal of local remotes unless AllowLocal).
//
// An executor calls it like this, after the workspace is allocated and
// before the build steps:
//
//	scm, err := git.Parse(configXML)        // once per job configuration
//	res, err := (&git.Checkout{
//		SCM: scm, Runner: launcher, Workspace: ws, TmpDir: ws + "@tmp",
//		CacheDir: nodeRoot + "/caches/git", Env: nodeEnv, BuildEnv: params,
//		Credentials: resolved, HostKeys: hostKeySetting,
//		Previous: previousBuildData, BuildNumber: n, Commit: notifySHA1,
//		JobName: job.Name, JobDisplayName: job.FullDisplayName,
//		Identity: globalGitIdentity, Log: console,
//	}).Run(ctx)
//	// err: the build is a FAILURE (ABORTED if ctx was cancelled).
//	// Store res.BuildData with the build (it marshals to JSON), res.Changelog
//	// as its changelog.xml; add scm.Environment(git.EnvInput{This:
//	// res.BuildData, PreviousBuilt: …, PreviousSuccessful: …, Global: …})
//	// to the build's environment; queue one more build if res.CatchUp.
//
// # Credentials
//
// Credentials are resolved by the caller (Checkout.Credentials, by
// credentialsId) and reach git only through a private directory (0700)
// under TmpDir on the build machine, removed when Run returns, whatever
// happened: an SSH key (0400) used by GIT_SSH_COMMAND
// ("ssh -i <key> -o IdentitiesOnly=yes -o BatchMode=yes <host key
// options>"), and an askpass script that reads a username, password or
// passphrase from the environment of the one git process that needs it
// (GIT_ASKPASS, SSH_ASKPASS). No secret is on a command line, in the
// workspace (the userinfo of an https URL is taken out before git or
// .git/config sees it) or in the console (URLs are masked, and git's own
// messages are scrubbed of the secrets). HostKeys applies Jenkins's host
// key verification strategies.
//
// # Mirrors
//
// With a CacheDir, each repository URL has a bare mirror there, made by
// "git clone --bare" and fetched under a per-mirror flock, and
// workspaces borrow its objects through .git/objects/info/alternates
// and fetch from it, which copies nothing. The console still shows the
// plugin's command ("git fetch --tags --force --progress -- <url> …"),
// which jeeves runs as a fetch into the mirror and one from it. The
// measured choice (BenchmarkFirstCheckout, BenchmarkRecheckout): a first
// checkout costs about what "git clone" does, and the next build one
// incremental fetch; repacking the workspace or cloning with
// --dissociate would copy every object again (a second clone's cost) on
// every first checkout. Borrowing makes a workspace depend on its
// mirror, so mirrors never drop objects (gc.pruneExpire=never), and a
// workspace whose mirror was rebuilt or pruned is detected (each mirror
// has an id, recorded by the workspaces that borrow from it) and cloned
// again from the mirror. A half-made mirror, an interrupted fetch that
// left it damaged, or a fetch that reports damage rebuilds it.
// PruneMirrors removes the mirrors of URLs no job uses. Shallow clones
// and local remotes do not use mirrors.
//
// # Polling and hooks
//
// Poll decides, as the plugin does without a workspace, whether a job's
// remote has heads it has not built, from ls-remote answers (LsRemote)
// that the caller memoizes per URL and credential for a whole polling
// cycle; it returns the polling log's lines. Jobs whose specs need the
// plugin's workspace polling are reported as such, unless the caller asks
// for the remote heads to decide them too (PollInput.RemoteOnly, what
// internal/gitscm's poller does: it has no workspace to poll in).
// ParseNotifyCommit and NotifyCommit.Match implement /git/notifyCommit's
// rules (GitStatus: loose URL matching, branch matching, build a sha1 or
// poll); ParseGitHubPush, SameGitHubRepo and VerifyGitHubSignature the
// GitHub hook's; VerifyGitLabToken and ParseGitLabPush GitLab's. All
// secret comparisons are constant-time.
package git
