package git

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// singleBranch is the spec the single-branch path resolves, or "" when
// the advanced path applies (GitSCM.getSingleBranch): one spec, its
// leading "*/" replaced by the remote's name, with no "*" left.
func (s *SCM) singleBranch(env map[string]string) string {
	if len(s.Branches) != 1 {
		return ""
	}
	branch := s.Branches[0].Name
	repos := s.Repositories()
	repository := ""
	if len(repos) != 1 {
		for _, r := range repos {
			if strings.HasPrefix(branch, r.Name+"/") {
				repository = r.Name
				break
			}
		}
	} else {
		repository = repos[0].Name
	}
	if strings.HasPrefix(branch, "*/") && repository != "" {
		branch = repository + branch[1:]
	}
	if strings.Contains(branch, "*") {
		return ""
	}
	branch = Expand(branch, env)
	if branch == "" {
		branch = "**"
	}
	return branch
}

// isAdvancedSpec: wildcards or a regular expression
// (DefaultBuildChooser.isAdvancedSpec).
func isAdvancedSpec(spec string) bool {
	return spec == "" || strings.Contains(spec, "*") || strings.HasPrefix(spec, ":")
}

var shaSpecRE = regexp.MustCompile(`^[0-9a-f]{6,40}$`)

// chooser picks the revisions to build as DefaultBuildChooser does, in
// the repository at dir (a workspace, or a mirror viewed through
// refPrefix).
type chooser struct {
	s    *session
	dir  string
	scm  *SCM
	env  map[string]string
	data *BuildData
	poll bool
}

// revParse resolves name to a commit, printing the command; ok is false
// when git cannot.
func (c *chooser) revParse(name string) (string, bool) {
	out, err := c.s.git(c.dir, "rev-parse", name+"^{commit}")
	if err != nil {
		return "", false
	}
	sha := strings.TrimSpace(out)
	if len(sha) < 40 {
		return "", false
	}
	return sha, true
}

// candidates are the revisions to build, the first one first
// (DefaultBuildChooser.getCandidateRevisions).
func (c *chooser) candidates(spec string) ([]Revision, error) {
	if isAdvancedSpec(spec) {
		return c.advanced()
	}
	if !c.poll && shaSpecRE.MatchString(spec) {
		if sha, ok := c.revParse(spec); ok {
			return []Revision{{SHA1: sha, Branches: []Branch{{Name: "detached", SHA1: sha}}}}, nil
		}
	}
	var revs []Revision
	add := func(rs []Revision) {
		for _, r := range rs {
			dup := false
			for _, have := range revs {
				if have.SHA1 == r.SHA1 && have.Branches[0].Name == r.Branches[0].Name {
					dup = true
				}
			}
			if !dup {
				revs = append(revs, r)
			}
		}
	}
	if !strings.Contains(spec, "/") {
		for _, r := range c.scm.Repositories() {
			add(c.head(r.Name + "/" + spec))
		}
	} else {
		var qualified []string
		for _, r := range c.scm.Repositories() {
			switch {
			case strings.HasPrefix(spec, r.Name+"/"):
				qualified = append(qualified, "refs/remotes/"+spec)
			case strings.HasPrefix(spec, "remotes/"+r.Name+"/"):
				qualified = append(qualified, "refs/"+spec)
			case strings.HasPrefix(spec, "refs/heads/"):
				qualified = append(qualified, "refs/remotes/"+r.Name+"/"+strings.TrimPrefix(spec, "refs/heads/"))
			default:
				qualified = append(qualified, "refs/remotes/"+r.Name+"/"+spec, spec)
			}
		}
		for _, q := range qualified {
			add(c.head(q))
		}
	}
	if len(revs) == 0 {
		revs = c.head(spec)
	}
	return revs, nil
}

// head resolves one qualified branch name (DefaultBuildChooser.getHeadRevision).
func (c *chooser) head(name string) []Revision {
	sha, ok := c.revParse(name)
	if !ok {
		return nil
	}
	if c.poll && c.data.HasBeenBuilt(sha) {
		return nil
	}
	return []Revision{{SHA1: sha, Branches: []Branch{{Name: name, SHA1: sha}}}}
}

// advanced is DefaultBuildChooser.getAdvancedCandidateRevisions: every
// remote branch and tag, filtered by the specs, reduced to tips, less
// what was built, oldest commit first; for a build that finds nothing
// new, the last built revision again.
func (c *chooser) advanced() ([]Revision, error) {
	all, err := c.allBranchRevisions()
	if err != nil {
		return nil, err
	}
	matchers := make([]func(string) bool, len(c.scm.Branches))
	for i, b := range c.scm.Branches {
		matchers[i] = b.Matcher(c.env)
	}
	headSpec := NewBranchSpec("*/HEAD").Matcher(c.env)
	var revs []Revision
	for _, r := range all {
		var kept []Branch
		for _, b := range r.Branches {
			for _, m := range matchers {
				if m(b.Name) {
					kept = append(kept, b)
					break
				}
			}
		}
		if len(kept) > 1 {
			var named []Branch
			for _, b := range kept {
				if !headSpec(b.Name) {
					named = append(named, b)
				}
			}
			kept = named
		}
		if len(kept) > 0 {
			revs = append(revs, Revision{SHA1: r.SHA1, Branches: kept})
		}
	}
	revs, err = c.tips(revs)
	if err != nil {
		return nil, err
	}
	var last *Revision
	if lr := c.data.LastBuiltRevision(); lr != nil {
		l := lr.clone()
		last = &l
	}
	var fresh []Revision
	for _, r := range revs {
		if c.data.HasBeenBuilt(r.SHA1) {
			if last != nil && last.SHA1 == r.SHA1 {
				l := r.clone()
				last = &l
			}
			continue
		}
		fresh = append(fresh, r)
	}
	if !c.poll && len(fresh) == 0 && last != nil {
		return []Revision{c.sortBranches(*last)}, nil
	}
	if len(fresh) > 1 {
		times, err := c.commitTimes(fresh)
		if err != nil {
			return nil, err
		}
		sort.SliceStable(fresh, func(i, j int) bool { return times[fresh[i].SHA1] < times[fresh[j].SHA1] })
	}
	return fresh, nil
}

// sortBranches orders a revision's branches by the order of the specs
// they match (GitUtils.sortBranchesForRevision).
func (c *chooser) sortBranches(r Revision) Revision {
	rest := append([]Branch(nil), r.Branches...)
	var ordered []Branch
	for _, spec := range c.scm.Branches {
		m := spec.Matcher(c.env)
		var left []Branch
		for _, b := range rest {
			if m(b.Name) {
				ordered = append(ordered, b)
			} else {
				left = append(left, b)
			}
		}
		rest = left
	}
	return Revision{SHA1: r.SHA1, Branches: append(ordered, rest...)}
}

// allBranchRevisions is every remote-tracking branch ("origin/x") and
// tag ("refs/tags/t", at its commit), grouped by commit
// (GitUtils.getAllBranchRevisions), in a stable order.
func (c *chooser) allBranchRevisions() ([]Revision, error) {
	out, err := c.s.quiet(c.dir, "for-each-ref", "--format=%(objectname) %(refname)", "refs/remotes/")
	if err != nil {
		return nil, err
	}
	var branches []Branch
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		sha, ref, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		name := strings.TrimPrefix(ref, "refs/remotes/")
		c.s.println("Seen branch in repository " + name)
		branches = append(branches, Branch{Name: name, SHA1: sha})
	}
	if len(branches) == 1 {
		c.s.println("Seen 1 remote branch")
	} else {
		c.s.println("Seen " + strconv.Itoa(len(branches)) + " remote branches")
	}
	tagsOut, err := c.s.git(c.dir, "show-ref", "--tags", "-d")
	if err != nil {
		tagsOut = "" // no tags: show-ref fails
	}
	tagSHA := map[string]string{}
	var tagNames []string
	for _, line := range strings.Split(tagsOut, "\n") {
		sha, ref, ok := strings.Cut(strings.TrimSpace(line), " ")
		if !ok || len(sha) != 40 {
			continue
		}
		ref = strings.TrimSpace(ref)
		name, ok := strings.CutPrefix(ref, "refs/tags/")
		if !ok {
			continue
		}
		peeled := strings.HasSuffix(name, "^{}")
		name = strings.TrimSuffix(name, "^{}")
		if _, have := tagSHA[name]; !have {
			tagNames = append(tagNames, name)
		}
		if _, have := tagSHA[name]; peeled || !have {
			tagSHA[name] = sha
		}
	}
	bySHA := map[string]*Revision{}
	var order []string
	addBranch := func(b Branch) {
		r, ok := bySHA[b.SHA1]
		if !ok {
			r = &Revision{SHA1: b.SHA1}
			bySHA[b.SHA1] = r
			order = append(order, b.SHA1)
		}
		r.Branches = append(r.Branches, b)
	}
	for _, b := range branches {
		addBranch(b)
	}
	for _, t := range tagNames {
		addBranch(Branch{Name: "refs/tags/" + t, SHA1: tagSHA[t]})
	}
	revs := make([]Revision, len(order))
	for i, sha := range order {
		revs[i] = *bySHA[sha]
	}
	return revs, nil
}

// tips keeps the revisions that no other one contains
// (GitUtils.filterTipBranches).
func (c *chooser) tips(revs []Revision) ([]Revision, error) {
	if len(revs) <= 1 {
		return revs, nil
	}
	args := []string{"merge-base", "--independent"}
	for _, r := range revs {
		args = append(args, r.SHA1)
	}
	out, err := c.s.quiet(c.dir, args...)
	if err != nil {
		// A tag of a tree or a blob has no history: compare commits only.
		var commits []Revision
		for _, r := range revs {
			if _, err := c.s.quiet(c.dir, "rev-parse", "--verify", "--quiet", r.SHA1+"^{commit}"); err == nil {
				commits = append(commits, r)
			}
		}
		if len(commits) == len(revs) {
			return nil, err
		}
		return c.tips(commits)
	}
	keep := map[string]bool{}
	for _, sha := range strings.Fields(out) {
		keep[sha] = true
	}
	var tips []Revision
	for _, r := range revs {
		if keep[r.SHA1] {
			tips = append(tips, r)
		}
	}
	return tips, nil
}

// commitTimes is the committer time of each revision's commit.
func (c *chooser) commitTimes(revs []Revision) (map[string]int64, error) {
	args := []string{"log", "--no-walk=unsorted", "--format=%H %ct"}
	for _, r := range revs {
		args = append(args, r.SHA1)
	}
	out, err := c.s.quiet(c.dir, args...)
	if err != nil {
		return nil, err
	}
	times := map[string]int64{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		sha, t, ok := strings.Cut(line, " ")
		if ok {
			times[sha], _ = strconv.ParseInt(t, 10, 64)
		}
	}
	return times, nil
}

// requested resolves the commit of a notifyCommit request
// (RevisionParameterAction.toRevision): its branches are the branches
// that contain it, "remotes/" dropped.
func (c *chooser) requested(sha string) (Revision, error) {
	out, err := c.s.git(c.dir, "rev-parse", sha+"^{commit}")
	if err != nil {
		return Revision{}, err
	}
	full := strings.TrimSpace(out)
	rev := Revision{SHA1: full}
	list, err := c.s.git(c.dir, "branch", "-a", "-v", "--no-abbrev", "--contains", full)
	if err != nil {
		return Revision{}, err
	}
	for _, b := range parseBranchList(list) {
		b.Name = strings.TrimPrefix(b.Name, "remotes/")
		rev.Branches = append(rev.Branches, b)
	}
	return rev, nil
}

// parseBranchList reads "git branch -a -v --no-abbrev" output
// (CliGitAPIImpl.parseBranches).
func parseBranchList(out string) []Branch {
	var bs []Branch
	for _, line := range strings.Split(strings.ReplaceAll(out, "\r", ""), "\n") {
		if len(line) < 44 || !strings.Contains(line, " ") {
			continue
		}
		f := strings.Fields(line[2:])
		if len(f) > 1 && len(f[1]) == 40 && !strings.HasPrefix(f[0], "(") {
			bs = append(bs, Branch{Name: f[0], SHA1: f[1]})
		}
	}
	return bs
}
