package git

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"strconv"
	"strings"
)

// Checkout is one build's checkout of a GitSCM: its inputs. Run does it.
type Checkout struct {
	SCM    *SCM
	Runner Runner
	// Workspace is the build's workspace on the build machine (absolute).
	Workspace string
	// TmpDir is a private directory on the build machine, outside the
	// workspace (Jenkins uses "<workspace>@tmp"), where the credentials'
	// files live during the checkout; it is created if missing.
	TmpDir string
	// CacheDir holds the mirrors on the build machine; "" fetches
	// straight into the workspace, as the git plugin does.
	CacheDir string
	// Env is the environment git runs with on the build machine: at
	// least PATH (git, ssh and sh are looked up in it) and HOME (for
	// ~/.ssh/known_hosts and git's own configuration). Variables that
	// would point git elsewhere (GIT_DIR…) or bypass the credentials
	// (GIT_SSH_COMMAND…) are dropped.
	Env []string
	// BuildEnv is the build's variables, for ${VAR} in URLs, refspecs,
	// branch specs and the local branch name.
	BuildEnv map[string]string
	// Credentials are the resolved credentials by credentialsId; an id a
	// remote names that is missing gets the plugin's warning.
	Credentials map[string]*Credential
	HostKeys    HostKeys
	// Previous is the BuildData of the job's newest build before this
	// one that has one; nil for a first build.
	Previous    *BuildData
	BuildNumber int
	// Commit, when set, is the commit to build (a notifyCommit sha1): it
	// wins over the branch specs.
	Commit *RequestedCommit
	// JobName is the job's name (PerBuildTag's tag is
	// jenkins-<JobName>-<BuildNumber>); JobDisplayName its full display
	// name, for the catch-up line.
	JobName, JobDisplayName string
	// Identity is Jenkins's own git identity (the global user.name and
	// user.email); with UserIdentity's, it is given to git as
	// GIT_COMMITTER_* and GIT_AUTHOR_* (a per-build tag needs one).
	Identity *UserIdentity
	// AllowLocal allows file:// remotes and local paths
	// (hudson.plugins.git.GitSCM.ALLOW_LOCAL_CHECKOUT).
	AllowLocal bool
	// Log is the build's console.
	Log io.Writer
}

// RequestedCommit is a commit to build, from notifyCommit's sha1 and the
// remote URL of the job it matched (RevisionParameterAction).
type RequestedCommit struct {
	// SHA1 is a SHA-1 (hex digits; anything else around them is
	// dropped, as the plugin does), or a ref name git rev-parses, as
	// GitLab's push hook asks for "remotes/origin/main".
	SHA1    string
	RepoURL string // "": any remote
}

var refNameRE = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._/+-]*$`)

// requestedName is what to rev-parse for a requested commit: its SHA-1,
// or a ref name that cannot be read as an option or a revision range.
func requestedName(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if hexRE.MatchString(s) || !refNameRE.MatchString(s) {
		sha := cleanSHA1(s)
		return sha, sha != ""
	}
	if len(s) > 255 || strings.Contains(s, "..") || strings.HasSuffix(s, "/") || strings.HasSuffix(s, ".lock") {
		return "", false
	}
	return s, true
}

// Result is what a checkout produced.
type Result struct {
	// Dir is the directory checked out (the workspace, or its
	// RelativeTargetDirectory).
	Dir string
	// BuildData is the build's BuildData action: the previous one's
	// copy with this build recorded.
	BuildData *BuildData
	// Revision is the revision built.
	Revision Revision
	// Changelog is the raw "git log" output the build's changelog.xml
	// holds (empty for a first build); Changes is it parsed.
	Changelog []byte
	Changes   []Change
	// CatchUp: more than one revision was new; the caller should queue
	// another build with an SCMTriggerCause ("This build was triggered by
	// build N because more than one build candidate was found.").
	CatchUp bool
	// Unsupported lists the configured extensions jeeves did not run.
	Unsupported []string
}

// AbortError is a checkout that failed. The console already tells why,
// ending with "ERROR: " and Message, as Jenkins prints an
// AbortException; the build is a FAILURE.
type AbortError struct {
	Message string
	Cause   error
}

func (e *AbortError) Error() string {
	if e.Cause != nil {
		return e.Message + ": " + firstLine(e.Cause)
	}
	return e.Message
}

func (e *AbortError) Unwrap() error { return e.Cause }

// NoRevisionMessage is the git plugin's message when no branch spec
// matches anything.
const NoRevisionMessage = "Couldn't find any revision to build. Verify the repository and branch configuration for this job."

// errWorkspaceStale: the workspace borrows objects from a mirror that was
// rebuilt or removed; it is cloned again.
var errWorkspaceStale = errors.New("the workspace's mirror was rebuilt")

// remote is a Remote with the build's variables expanded.
type remote struct {
	Remote
	cred *Credential
}

// checkout is one run of a Checkout.
type checkout struct {
	*Checkout
	s       *session
	dir     string
	remotes []remote // sorted by name, as the plugin fetches them
}

// Run checks the job's repository out into the workspace as the git
// plugin does, printing its console lines, and returns the build's
// BuildData and changes. On failure it returns an *AbortError (whose
// message the console ends with), or ctx's error when ctx ended.
func (c *Checkout) Run(ctx context.Context) (*Result, error) {
	if c.SCM == nil || c.Runner == nil || c.Workspace == "" {
		return nil, errors.New("git checkout: SCM, Runner and Workspace are required")
	}
	log := c.Log
	if log == nil {
		log = io.Discard
	}
	sec := &secrets{r: c.Runner, root: c.TmpDir}
	defer sec.cleanup()
	x := &checkout{
		Checkout: c,
		s:        &session{ctx: ctx, r: c.Runner, log: log, env: sanitizeEnv(c.Env), sec: sec},
	}
	for _, id := range []*UserIdentity{c.Identity, c.SCM.Ext.UserIdentity} {
		if id != nil && id.Name != "" {
			x.s.env = withEnv(x.s.env, "GIT_COMMITTER_NAME="+id.Name, "GIT_AUTHOR_NAME="+id.Name)
		}
		if id != nil && id.Email != "" {
			x.s.env = withEnv(x.s.env, "GIT_COMMITTER_EMAIL="+id.Email, "GIT_AUTHOR_EMAIL="+id.Email)
		}
	}
	res, err := x.run()
	if err != nil && ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if err != nil {
		var ae *AbortError
		if !errors.As(err, &ae) {
			ae = &AbortError{Message: err.Error()}
		}
		x.s.println("ERROR: " + ae.Message)
		return nil, ae
	}
	return res, nil
}

func (x *checkout) run() (*Result, error) {
	s, scm := x.s, x.SCM
	for i, r := range scm.Remotes {
		if strings.TrimSpace(r.URL) == "" {
			return nil, &AbortError{Message: "Git repository URL " + strconv.Itoa(i+1) +
				" is an empty string in job definition. Checkout requires a valid repository URL"}
		}
	}
	if len(scm.Remotes) == 0 {
		return nil, &AbortError{Message: "The job has no Git repository URL. Checkout requires a valid repository URL"}
	}
	if !x.AllowLocal {
		for _, r := range scm.Remotes {
			if err := x.refuseLocal(r.URL); err != nil {
				return nil, err
			}
		}
	}
	if !path.IsAbs(x.Workspace) {
		return nil, &AbortError{Message: "The workspace '" + x.Workspace + "' is not an absolute path"}
	}
	if x.TmpDir != "" && within(x.Workspace, x.TmpDir) {
		return nil, &AbortError{Message: "The temporary directory for credentials must not be inside the workspace"}
	}
	if x.CacheDir != "" && (within(x.Workspace, x.CacheDir) || within(x.CacheDir, x.Workspace)) {
		return nil, &AbortError{Message: "The git cache directory and the workspace must not contain each other"}
	}
	x.dir = x.Workspace
	if rtd := scm.Ext.RelativeTargetDir; rtd != "" {
		d := Expand(rtd, x.BuildEnv)
		if path.IsAbs(d) || !within(x.Workspace, path.Join(x.Workspace, d)) {
			return nil, &AbortError{Message: "The relative target directory '" + d + "' is outside the workspace"}
		}
		x.dir = path.Join(x.Workspace, d)
	}

	// createClient: the tool and credential lines.
	s.println("The recommended git tool is: NONE")
	for _, u := range scm.Unsupported {
		s.println("The git extension " + u + " is not run by jeeves")
	}
	byName := map[string]*Credential{}
	for _, r := range scm.Remotes {
		var cred *Credential
		if r.CredentialsID == "" {
			s.println("No credentials specified")
		} else if c := x.Credentials[r.CredentialsID]; c != nil {
			cred = c
			s.println("using credential " + c.ID)
		} else {
			s.println(`Warning: CredentialId "` + r.CredentialsID + `" could not be found.`)
		}
		byName[r.Name] = cred
	}
	for _, r := range scm.Repositories() {
		e := remote{Remote: r, cred: byName[r.Name]}
		e.Name = Expand(r.Name, x.BuildEnv)
		e.URL = Expand(r.URL, x.BuildEnv)
		e.Refspecs = make([]string, len(r.Refspecs))
		for i, rs := range r.Refspecs {
			e.Refspecs[i] = Expand(rs, x.BuildEnv)
		}
		if cred := e.cred; cred != nil {
			x.s.masks = append(x.s.masks, cred.Password, cred.Passphrase)
		}
		if _, _, pass := stripUserinfo(e.URL); pass != "" {
			x.s.masks = append(x.s.masks, pass)
		}
		x.remotes = append(x.remotes, e)
	}

	// beforeCheckout.
	if err := x.Runner.MkdirAll(x.dir, 0o755); err != nil {
		return nil, &AbortError{Message: "Could not create the workspace " + x.dir, Cause: err}
	}
	for _, ext := range scm.Ext.Order {
		if ext == "WipeWorkspace" {
			s.println("Wiping out workspace first.")
			if err := x.deleteContents(x.dir); err != nil {
				return nil, &AbortError{Message: "Failed to wipe out the workspace", Cause: err}
			}
		}
	}

	if err := x.retrieveChanges(false); err != nil {
		if !errors.Is(err, errWorkspaceStale) {
			return nil, err
		}
		s.println("The git mirror this workspace borrows objects from was rebuilt or removed: cloning again")
		if err := x.retrieveChanges(true); err != nil {
			return nil, err
		}
	}

	data := x.Previous.Clone()
	if data == nil {
		data = newBuildData(scm)
	}
	data.ScmName = scm.Ext.ScmName
	data.Index = 0
	build, candidates, err := x.determineRevision(data)
	if err != nil {
		return nil, err
	}
	res := &Result{Dir: x.dir, BuildData: data, Revision: build.Revision, Unsupported: scm.Unsupported}
	if candidates > 1 {
		s.println("Multiple candidate revisions")
		if !scm.Ext.BuildSingleRevisionOnly {
			s.println("Scheduling another build to catch up with " + x.JobDisplayName)
			res.CatchUp = true
		}
	}

	if err := x.checkoutRevision(build.Revision); err != nil {
		return nil, err
	}
	// The changelog is computed before the commit message is printed, its
	// lines held back, so that the message can come from its output
	// (one git process less); the console's order is the plugin's.
	console := s.log
	var held bytes.Buffer
	s.log = &held
	res.Changelog = x.changelog(build.Revision)
	s.log = console
	res.Changes = ParseChangelog(res.Changelog, scm.Ext.AuthorInChangelog)
	subject, ok := subjectFromChangelog(res.Changelog, build.Revision.SHA1)
	if !ok {
		msg, err := s.quiet(x.dir, "log", "-1", "--format=%s", build.Revision.SHA1)
		subject, ok = strings.TrimRight(msg, "\n"), err == nil
	}
	if ok {
		s.println(`Commit message: "` + subject + `"`)
	} else {
		s.println("Commit '" + build.Revision.SHA1 + "' not found - no commit message to print")
	}
	_, _ = held.WriteTo(console)

	for _, ext := range scm.Ext.Order {
		switch ext {
		case "CleanCheckout":
			if err := x.clean(scm.Ext.CleanCheckout.DeleteUntrackedNestedRepositories); err != nil {
				return nil, &AbortError{Message: "Could not clean the workspace", Cause: err}
			}
		case "PerBuildTag":
			tag := strings.ReplaceAll("jenkins-"+strings.ReplaceAll(x.JobName, " ", "_")+"-"+strconv.Itoa(x.BuildNumber), " ", "_")
			if _, err := s.git(x.dir, "tag", "-a", "-f", "-m", "Jenkins Build #"+strconv.Itoa(x.BuildNumber), tag); err != nil {
				x.printCause("Could not apply tag "+tag, err)
				return nil, &AbortError{Message: "Could not apply tag " + tag, Cause: err}
			}
		case "SubmoduleOption":
			if err := x.submodules(); err != nil {
				x.printCause("Could not perform submodule update", err)
				return nil, &AbortError{Message: "Could not perform submodule update", Cause: err}
			}
		}
	}
	return res, nil
}

// within reports whether p is dir or below it.
func within(dir, p string) bool {
	dir, p = path.Clean(dir), path.Clean(p)
	return p == dir || strings.HasPrefix(p, strings.TrimSuffix(dir, "/")+"/")
}

// refuseLocal aborts for a file:// remote or an existing local path
// (SECURITY-2478).
func (x *checkout) refuseLocal(url string) error {
	fileURL, isPath := looksLocal(url)
	if fileURL {
		return &AbortError{Message: LocalCheckoutMessage(url)}
	}
	if isPath {
		if exists, _, _ := x.Runner.Stat(url); exists {
			return &AbortError{Message: LocalCheckoutMessage(url)}
		}
	}
	return nil
}

// deleteContents empties dir, keeping dir itself.
func (x *checkout) deleteContents(dir string) error {
	names, err := x.Runner.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return x.Runner.MkdirAll(dir, 0o755)
	}
	if err != nil {
		return err
	}
	for _, n := range names {
		if err := x.Runner.RemoveAll(path.Join(dir, n)); err != nil {
			return err
		}
	}
	return nil
}

// printCause prints a git failure as the plugin does: the ERROR line,
// then the GitException's text with git's own message.
func (x *checkout) printCause(msg string, err error) {
	x.s.println("ERROR: " + msg)
	var ce *CommandError
	if errors.As(err, &ce) {
		x.s.println("hudson.plugins.git.GitException: " + strings.TrimRight(ce.Error(), "\n"))
	} else if err != nil {
		x.s.println(err.Error())
	}
}

// hasGitRepo is the client's hasGitRepo(false): .git exists and git
// agrees it is a repository.
func (x *checkout) hasGitRepo() bool {
	gitDir := path.Join(x.dir, ".git")
	if ok, _, _ := x.Runner.Stat(gitDir); !ok {
		return false
	}
	if _, err := x.s.git(x.dir, "rev-parse", "--resolve-git-dir", gitDir); err != nil {
		x.printCause("Workspace has a .git repository, but it appears to be corrupt.", err)
		return false
	}
	return true
}

// useMirror reports whether r is fetched through a mirror.
func (x *checkout) useMirror(r remote) bool {
	if x.CacheDir == "" {
		return false
	}
	if co := x.SCM.Ext.CloneOption; co != nil && co.Shallow {
		return false
	}
	fileURL, isPath := looksLocal(r.URL)
	return !fileURL && !isPath
}

// retrieveChanges clones or fetches every remote (GitSCM.retrieveChanges).
func (x *checkout) retrieveChanges(forceClone bool) error {
	s, scm := x.s, x.SCM
	repos := x.remotes
	removeSecondFetch := false
	if !forceClone && x.hasGitRepo() {
		if err := x.checkWorkspaceMirrors(); err != nil {
			return err
		}
		if len(repos) == 1 {
			s.println("Fetching changes from the remote Git repository")
		} else {
			s.println("Fetching changes from " + strconv.Itoa(len(repos)) + " remote Git repositories")
		}
	} else {
		s.println("Cloning the remote Git repository")
		rc := repos[0]
		co := scm.Ext.CloneOption
		opts := fetchOpts{tags: true, timeout: scm.fetchTimeout()}
		refspecs := []string{"+refs/heads/*:refs/remotes/" + rc.Name + "/*"}
		if co != nil {
			if co.Shallow {
				opts.depth = co.Depth
				if opts.depth <= 0 {
					opts.depth = 1
				}
				s.println("Using shallow clone with depth " + strconv.Itoa(opts.depth))
			}
			if co.NoTags {
				s.println("Avoid fetching tags")
				opts.tags = false
			}
			if co.HonorRefspec {
				s.println("Honoring refspec on initial clone")
				refspecs = rc.Refspecs
			}
		}
		if err := x.clone(rc, refspecs, opts); err != nil {
			if errors.Is(err, errWorkspaceStale) || x.s.ctx.Err() != nil {
				return err
			}
			x.printCause("Error cloning remote repo '"+rc.Name+"'", err)
			return &AbortError{Message: "Error cloning remote repo '" + rc.Name + "'", Cause: err}
		}
		removeSecondFetch = determineSecondFetch(co, rc.Refspecs)
	}
	for i, r := range repos {
		if i == 0 && removeSecondFetch {
			s.println("Avoid second fetch")
			continue
		}
		if err := x.fetchFrom(r); err != nil {
			if errors.Is(err, errWorkspaceStale) || x.s.ctx.Err() != nil {
				return err
			}
			x.printCause("Error fetching remote repo '"+r.Name+"'", err)
			return &AbortError{Message: "Error fetching remote repo '" + r.Name + "'", Cause: err}
		}
	}
	return nil
}

// determineSecondFetch: the clone's fetch already did the remote's when
// every refspec maps refs/heads, or with honorRefspec.
func determineSecondFetch(co *CloneOption, refspecs []string) bool {
	if co != nil && co.HonorRefspec {
		return true
	}
	for _, rs := range refspecs {
		if !strings.Contains(rs, "refs/heads") {
			return false
		}
	}
	return true
}

type fetchOpts struct {
	tags    bool
	prune   bool
	depth   int // > 0: shallow
	timeout int
}

// clone is the client's clone_: empty the directory, init, reference,
// fetch, then the remote's configuration.
func (x *checkout) clone(r remote, refspecs []string, o fetchOpts) error {
	s := x.s
	s.println("Cloning repository " + MaskURL(r.URL))
	if err := x.deleteContents(x.dir); err != nil {
		s.println("ERROR: Failed to clean the workspace")
		return err
	}
	if _, err := s.git(x.dir, "init", x.dir); err != nil {
		return err
	}
	if co := x.SCM.Ext.CloneOption; co != nil && co.Reference != "" {
		x.reference(Expand(co.Reference, x.BuildEnv))
	}
	if err := x.fetch(r, refspecs, o); err != nil {
		return err
	}
	gitURL, _, _ := stripUserinfo(r.URL)
	if _, err := s.git(x.dir, "config", "remote."+r.Name+".url", gitURL); err != nil {
		return err
	}
	for _, rs := range refspecs {
		if _, err := s.git(x.dir, "config", "--add", "remote."+r.Name+".fetch", rs); err != nil {
			return err
		}
	}
	return nil
}

// reference writes CloneOption's reference repository into the
// alternates, with the client's warnings.
func (x *checkout) reference(ref string) {
	s := x.s
	exists, isDir, _ := x.Runner.Stat(ref)
	switch {
	case !exists:
		s.println("[WARNING] Reference path does not exist: " + ref)
		return
	case !isDir:
		s.println("[WARNING] Reference path is not a directory: " + ref)
		return
	}
	objects := path.Join(ref, ".git", "objects")
	if ok, dir, _ := x.Runner.Stat(objects); !ok || !dir {
		objects = path.Join(ref, "objects")
	}
	if ok, dir, _ := x.Runner.Stat(objects); !ok || !dir {
		s.println("[WARNING] Reference path does not contain an objects directory (not a git repo?): " + objects)
		return
	}
	if err := x.addAlternate(objects); err != nil {
		s.println("ERROR: Failed to setup reference")
		return
	}
	s.println("Using reference repository: " + ref)
}

// addAlternate adds an objects directory to the workspace's alternates.
func (x *checkout) addAlternate(objects string) error {
	file := path.Join(x.dir, ".git", "objects", "info", "alternates")
	have, err := x.Runner.ReadFile(file)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	for _, l := range strings.Split(string(have), "\n") {
		if strings.TrimSpace(l) == objects {
			return nil
		}
	}
	if err := x.Runner.MkdirAll(path.Dir(file), 0o755); err != nil {
		return err
	}
	text := string(have)
	if text != "" && !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	return x.Runner.WriteFile(file, []byte(text+objects+"\n"), 0o644)
}

// fetchFrom is GitSCM.fetchFrom: the remote's URL, the extensions'
// decorations, the fetch.
func (x *checkout) fetchFrom(r remote) error {
	s, ext := x.s, x.SCM.Ext
	gitURL, _, _ := stripUserinfo(r.URL)
	if _, err := s.git(x.dir, "config", "remote."+r.Name+".url", gitURL); err != nil {
		return err
	}
	o := fetchOpts{tags: true, timeout: DefaultTimeout}
	for _, e := range ext.Order {
		switch e {
		case "CleanBeforeCheckout":
			if err := x.clean(ext.CleanBeforeCheckout.DeleteUntrackedNestedRepositories); err != nil {
				return err
			}
		case "PruneStaleBranch":
			s.println("Pruning obsolete local branches")
			o.prune = true
		case "CloneOption":
			co := ext.CloneOption
			if co.Shallow {
				o.depth = co.Depth
				if o.depth <= 0 {
					o.depth = 1
				}
				s.println("Using shallow fetch with depth " + strconv.Itoa(o.depth))
			}
			o.tags = !co.NoTags
			o.timeout = x.SCM.fetchTimeout()
		}
	}
	return x.fetch(r, r.Refspecs, o)
}

// clean is the client's clean: "Cleaning workspace", reset --hard (when
// HEAD is valid), clean -fdx (-ffdx to delete nested repositories).
func (x *checkout) clean(nested bool) error {
	s := x.s
	s.println("Cleaning workspace")
	if _, err := s.git(x.dir, "rev-parse", "--verify", "HEAD"); err != nil {
		s.println("No valid HEAD. Skipping the resetting")
	} else {
		s.println("Resetting working tree")
		if _, err := s.git(x.dir, "reset", "--hard"); err != nil {
			return err
		}
	}
	flag := "-fdx"
	if nested {
		flag = "-ffdx"
	}
	_, err := s.git(x.dir, "clean", flag)
	return err
}

// fetch is the client's fetch_: the plugin's command is printed; with a
// mirror, it is run as a fetch into the mirror and a fetch from it.
func (x *checkout) fetch(r remote, refspecs []string, o fetchOpts) error {
	s := x.s
	s.println("Fetching upstream changes from " + MaskURL(r.URL))
	if err := s.ensureVersion(x.dir); err != nil {
		return err
	}
	if err := checkRemoteURL(r.URL); err != nil {
		return err
	}
	gitURL, ce, lines, err := s.sec.forURL(r.URL, r.cred, x.HostKeys, x.CacheDir, s.home())
	if err != nil {
		return err
	}
	for _, l := range lines {
		s.println(l)
	}
	flags := []string{"fetch"}
	if o.tags {
		flags = append(flags, "--tags")
	} else {
		flags = append(flags, "--no-tags")
	}
	if s.atLeast(2, 20) {
		flags = append(flags, "--force")
	}
	flags = append(flags, "--progress")
	if o.prune {
		flags = append(flags, "--prune")
	}
	if o.depth > 0 {
		flags = append(flags, "--depth="+strconv.Itoa(o.depth))
	}
	shown := append(append(append([]string(nil), flags...), "--", MaskURL(r.URL)), refspecs...)
	if !x.useMirror(r) {
		args := append(append(append([]string(nil), flags...), "--", gitURL), refspecs...)
		_, err := s.run(cmd{dir: x.dir, args: args, shown: shown, timeout: o.timeout, env: ce.env})
		return err
	}
	s.println(" > " + GitExe + " " + strings.Join(shown, " ") + " # timeout=" + strconv.Itoa(o.timeout))
	// The mirror is locked while it is fetched and the workspace fetches
	// from it; the objects the workspace then borrows are never removed.
	m, err := s.openMirror(x.CacheDir, r.URL)
	if err != nil {
		return err
	}
	defer m.close()
	if err := s.fetchMirror(m, gitURL, refspecs, o.tags, o.timeout, ce); err != nil {
		return err
	}
	if err := x.borrow(m); err != nil {
		return err
	}
	// The workspace has few objects of its own: no maintenance after
	// each fetch from the mirror.
	args := append(append([]string{"-c", "maintenance.auto=false"}, flags...), "--", m.dir)
	args = append(args, refspecs...)
	if _, err := s.run(cmd{dir: x.dir, args: args, quiet: true, timeout: o.timeout}); err != nil {
		if s.ctx.Err() != nil || s.mirrorHealthy(m) {
			return err
		}
		if rerr := s.dropMirror(m, "a workspace could not fetch from it: "+firstLine(err)); rerr != nil {
			return rerr
		}
		if ferr := s.fetchMirror(m, gitURL, refspecs, o.tags, o.timeout, ce); ferr != nil {
			return ferr
		}
		return errWorkspaceStale
	}
	return nil
}

// borrow makes the workspace use the mirror's objects and records the
// mirror's id; a workspace that recorded another id for it is stale.
func (x *checkout) borrow(m *mirror) error {
	marks, err := x.workspaceMirrors()
	if err != nil {
		return err
	}
	if id, ok := marks[m.dir]; ok {
		if id != m.id {
			return errWorkspaceStale
		}
		return nil
	}
	if err := x.addAlternate(path.Join(m.dir, "objects")); err != nil {
		return err
	}
	marks[m.dir] = m.id
	var sb strings.Builder
	for d, id := range marks {
		sb.WriteString(d + " " + id + "\n")
	}
	return x.Runner.WriteFile(path.Join(x.dir, ".git", workspaceMarker), []byte(sb.String()), 0o644)
}

// workspaceMirrors reads the mirrors the workspace borrows from, by
// directory, with the id each had.
func (x *checkout) workspaceMirrors() (map[string]string, error) {
	data, err := x.Runner.ReadFile(path.Join(x.dir, ".git", workspaceMarker))
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	marks := map[string]string{}
	for _, l := range strings.Split(string(data), "\n") {
		if d, id, ok := strings.Cut(strings.TrimSpace(l), " "); ok {
			marks[d] = id
		}
	}
	return marks, nil
}

// checkWorkspaceMirrors finds a workspace whose mirrors were rebuilt or
// removed since it borrowed from them.
func (x *checkout) checkWorkspaceMirrors() error {
	marks, err := x.workspaceMirrors()
	if err != nil {
		return err
	}
	for d, id := range marks {
		have, err := x.Runner.ReadFile(path.Join(d, mirrorIDFile))
		if err != nil || strings.TrimSpace(string(have)) != id {
			return errWorkspaceStale
		}
	}
	return nil
}

// determineRevision picks the revision to build and records it in data
// (GitSCM.determineRevisionToBuild); candidates is how many there were.
func (x *checkout) determineRevision(data *BuildData) (*Build, int, error) {
	s := x.s
	ch := &chooser{s: s, dir: x.dir, scm: x.SCM, env: x.BuildEnv, data: data}
	var cands []Revision
	if rc := x.Commit; rc != nil && rc.SHA1 != "" {
		from := rc.RepoURL == ""
		for _, r := range x.remotes {
			if SameURI(r.URL, rc.RepoURL) {
				from = true
			}
		}
		if from {
			name, ok := requestedName(rc.SHA1)
			if !ok {
				s.println("ERROR: Could not find commit " + rc.SHA1 + ": it is neither a SHA-1 nor a ref name")
				return nil, 0, &AbortError{Message: "Could not find commit " + rc.SHA1}
			}
			rev, err := ch.requested(name)
			if err != nil {
				x.printCause("Could not find commit "+rc.SHA1, err)
				return nil, 0, &AbortError{Message: "Could not find commit " + rc.SHA1, Cause: err}
			}
			cands = []Revision{rev}
		} else {
			s.println("skipping resolution of commit " + rc.SHA1 + ", since it originates from another repository")
		}
	}
	if len(cands) == 0 {
		for _, b := range x.SCM.Branches {
			if err := b.Err(x.BuildEnv); err != nil {
				s.println("ERROR: The branch specifier " + b.Name + " is not a valid regular expression: " + err.Error())
			}
		}
		var err error
		cands, err = ch.candidates(x.SCM.singleBranch(x.BuildEnv))
		if err != nil {
			return nil, 0, &AbortError{Message: NoRevisionMessage, Cause: err}
		}
	}
	if len(cands) == 0 {
		return nil, 0, &AbortError{Message: NoRevisionMessage}
	}
	b := &Build{Marked: cands[0].clone(), Revision: cands[0].clone(), Number: x.BuildNumber}
	data.saveBuild(b)
	if len(data.BuildsByBranchName) >= 100 {
		s.println("JENKINS-19022: warning: possible memory leak due to Git plugin usage; see: https://plugins.jenkins.io/git/#plugin-content-remove-git-plugin-buildsbybranch-builddata-script")
	}
	return b, len(cands), nil
}

// checkoutRevision checks the revision out, detached, or on the
// LocalBranch extension's branch.
func (x *checkout) checkoutRevision(rev Revision) error {
	s, scm := x.s, x.SCM
	local := ""
	if lb := scm.Ext.LocalBranch; lb != nil {
		local = Expand(lb.Name, x.BuildEnv)
		if (local == "" || local == "**") && len(rev.Branches) > 0 {
			local = scm.deriveLocalBranch(strings.TrimPrefix(rev.Branches[0].Name, "refs/remotes/"))
		}
		if local == "**" {
			local = ""
		}
	}
	s.println("Checking out " + rev.String())
	timeout := scm.checkoutTimeout()
	fail := func(err error) error {
		what := "Could not checkout " + rev.SHA1
		if local != "" {
			what = "Could not checkout " + local + " with start point " + rev.SHA1
		}
		x.printCause(what, err)
		return &AbortError{Message: what, Cause: err}
	}
	_, _ = s.git(x.dir, "config", "core.sparsecheckout")
	if local == "" {
		if _, err := s.run(cmd{dir: x.dir, args: []string{"checkout", "-f", rev.SHA1}, timeout: timeout}); err != nil {
			return fail(err)
		}
		return nil
	}
	if _, err := s.run(cmd{dir: x.dir, args: []string{"checkout", "-f", rev.SHA1}, timeout: timeout}); err != nil {
		return fail(err)
	}
	list, err := s.git(x.dir, "branch", "-a", "-v", "--no-abbrev")
	if err != nil {
		return fail(err)
	}
	for _, b := range parseBranchList(list) {
		if b.Name == local {
			if _, err := s.git(x.dir, "branch", "-D", local); err != nil {
				//lint:ignore ST1005 the git plugin's own message, shown in the console as is
				return fail(fmt.Errorf("Could not delete branch %s: %w", local, err))
			}
		}
	}
	if _, err := s.run(cmd{dir: x.dir, args: []string{"checkout", "-b", local, rev.SHA1}, timeout: timeout}); err != nil {
		return fail(err)
	}
	return nil
}

// changelog is the raw changelog since the previous build of each of the
// revision's branches (GitSCM.computeChangeLog); empty for a first build.
func (x *checkout) changelog(rev Revision) []byte {
	s := x.s
	args := []string{"log", "--raw", "--no-merges", "--no-abbrev", "-M", "--format=" + changelogFormat,
		"-n", strconv.Itoa(maxChangelog), rev.SHA1}
	excluded := false
	for _, b := range rev.Branches {
		last := x.Previous.LastBuildOfBranch(b.Name)
		if last == nil || last.Revision.SHA1 == "" {
			continue
		}
		if _, err := s.git(x.dir, "rev-list", "--no-walk", last.Revision.SHA1); err == nil {
			args = append(args, "^"+last.Revision.SHA1)
			excluded = true
		}
	}
	if !excluded {
		s.println("First time build. Skipping changelog.")
		return nil
	}
	out, err := s.quiet(x.dir, args...)
	if err != nil {
		x.printCause("Unable to retrieve changeset", err)
		return nil
	}
	return []byte(out)
}

// subjectFromChangelog is the subject ("%s": the first paragraph, its
// lines joined by spaces) of commit sha when the raw changelog starts
// with it; ok is false otherwise.
func subjectFromChangelog(raw []byte, sha string) (string, bool) {
	text := string(raw)
	if !strings.HasPrefix(text, "commit "+sha+"\n") {
		return "", false
	}
	var lines []string
	started := false
	for _, l := range strings.Split(text, "\n")[1:] {
		if !started {
			if l == "" {
				started = true // the headers end
			}
			continue
		}
		body, ok := strings.CutPrefix(l, "    ")
		if !ok && l != "" {
			break // the file list, or the next commit
		}
		if strings.TrimSpace(body) == "" {
			if len(lines) > 0 {
				break
			}
			continue
		}
		if strings.ContainsAny(body, "\r\t") {
			return "", false // let git decide
		}
		lines = append(lines, strings.TrimSpace(body))
	}
	if len(lines) == 0 {
		return "", false
	}
	return strings.Join(lines, " "), true
}

// submodules is SubmoduleOption's update after the checkout.
func (x *checkout) submodules() error {
	s, o := x.s, x.SCM.Ext.Submodule
	if o.Disable {
		return nil
	}
	if ok, _, _ := x.Runner.Stat(path.Join(x.dir, ".gitmodules")); !ok {
		return nil
	}
	timeout := o.Timeout
	if _, err := s.run(cmd{dir: x.dir, args: []string{"submodule", "init"}, timeout: timeout}); err != nil {
		return err
	}
	if _, err := s.run(cmd{dir: x.dir, args: []string{"submodule", "sync"}, timeout: timeout}); err != nil {
		return err
	}
	args := []string{"submodule", "update"}
	if x.AllowLocal {
		args = append([]string{"-c", "protocol.file.allow=always"}, args...)
	}
	if o.Recursive {
		args = append(args, "--init", "--recursive")
	}
	if o.Tracking {
		args = append(args, "--remote")
	}
	if ref := Expand(o.Reference, x.BuildEnv); ref != "" {
		exists, isDir, _ := x.Runner.Stat(ref)
		switch {
		case !exists:
			s.println("[WARNING] Reference path does not exist: " + ref)
		case !isDir:
			s.println("[WARNING] Reference path is not a directory: " + ref)
		default:
			args = append(args, "--reference", ref)
		}
	}
	if o.Shallow {
		depth := o.Depth
		if depth < 1 {
			depth = 1
		}
		s.println("Using shallow submodule update with depth " + strconv.Itoa(depth))
		args = append(args, "--depth="+strconv.Itoa(depth))
	}
	if o.Threads > 1 {
		args = append(args, "--jobs="+strconv.Itoa(o.Threads))
	}
	var env []string
	if o.ParentCredentials && len(x.remotes) > 0 {
		r := x.remotes[0]
		_, ce, lines, err := s.sec.forURL(r.URL, r.cred, x.HostKeys, x.CacheDir, s.home())
		if err != nil {
			return err
		}
		for _, l := range lines {
			s.println(l)
		}
		env = ce.env
	} else {
		// No credentials, but the host key strategy and no prompts for
		// submodules reached over ssh.
		_, ce, _, err := s.sec.forURL("ssh://submodules/", nil, x.HostKeys, x.CacheDir, s.home())
		if err != nil {
			return err
		}
		env = ce.env
	}
	_, err := s.run(cmd{dir: x.dir, args: args, timeout: timeout, env: env})
	return err
}
