package git

import (
	"sort"
	"strconv"
	"strings"
)

// Branch is a branch name and the commit it pointed to
// (hudson.plugins.git.Branch). Names are as the plugin records them:
// "refs/remotes/origin/main" from a single-branch spec, "origin/main"
// from a wildcard spec, "refs/tags/v1", or "detached".
type Branch struct {
	Name string `json:"name"`
	SHA1 string `json:"SHA1"`
}

// Revision is a commit and the branches it was built as
// (hudson.plugins.git.Revision).
type Revision struct {
	SHA1     string   `json:"SHA1"`
	Branches []Branch `json:"branch"`
}

// String is the plugin's Revision.toString: "Revision <sha> (<names>)",
// as printed by "Checking out Revision …".
func (r Revision) String() string {
	names := make([]string, len(r.Branches))
	for i, b := range r.Branches {
		names[i] = b.Name
	}
	return "Revision " + r.SHA1 + " (" + strings.Join(names, ", ") + ")"
}

func (r Revision) clone() Revision {
	r.Branches = append([]Branch(nil), r.Branches...)
	return r
}

// Build is one build of a revision (hudson.plugins.git.util.Build):
// Marked is the revision the build chooser picked, Revision the one
// built (the same without merge extensions).
type Build struct {
	Marked   Revision `json:"marked"`
	Revision Revision `json:"revision"`
	Number   int      `json:"buildNumber"`
}

// BuildData is the git plugin's per-build record
// (hudson.plugins.git.util.BuildData): what each branch was last built
// as, the last build, the remote URLs and the SCM's name. Each build's
// BuildData starts as a copy of the previous one's, so it keeps growing
// with every branch ever built. It marshals to JSON for storage; API
// gives its api/json shape.
type BuildData struct {
	BuildsByBranchName map[string]*Build `json:"buildsByBranchName"`
	LastBuild          *Build            `json:"lastBuild,omitempty"`
	RemoteURLs         []string          `json:"remoteUrls"`
	ScmName            string            `json:"scmName"`
	// Index is 2, 3… when a build has several BuildData (several SCMs):
	// its URL name is then git-2, git-3….
	Index int `json:"index,omitempty"`
}

// newBuildData is the BuildData of a job's first build.
func newBuildData(s *SCM) *BuildData {
	bd := &BuildData{BuildsByBranchName: map[string]*Build{}, ScmName: s.Ext.ScmName}
	for _, r := range s.Remotes {
		bd.addRemoteURL(r.URL)
	}
	return bd
}

func (bd *BuildData) addRemoteURL(u string) {
	for _, have := range bd.RemoteURLs {
		if have == u {
			return
		}
	}
	bd.RemoteURLs = append(bd.RemoteURLs, u)
}

// Clone copies bd deeply, keeping builds shared between branch names
// shared (BuildData.clone). nil gives nil.
func (bd *BuildData) Clone() *BuildData {
	if bd == nil {
		return nil
	}
	c := &BuildData{BuildsByBranchName: make(map[string]*Build, len(bd.BuildsByBranchName)),
		RemoteURLs: append([]string(nil), bd.RemoteURLs...), ScmName: bd.ScmName, Index: bd.Index}
	copies := map[*Build]*Build{}
	cp := func(b *Build) *Build {
		if b == nil {
			return nil
		}
		if n, ok := copies[b]; ok {
			return n
		}
		n := &Build{Marked: b.Marked.clone(), Revision: b.Revision.clone(), Number: b.Number}
		copies[b] = n
		return n
	}
	for name, b := range bd.BuildsByBranchName {
		c.BuildsByBranchName[name] = cp(b)
	}
	c.LastBuild = cp(bd.LastBuild)
	return c
}

// LastBuildOf is the build that built sha (as the revision or the
// marked one), the last build first (BuildData.getLastBuild); nil if
// none did.
func (bd *BuildData) LastBuildOf(sha string) *Build {
	if bd == nil || sha == "" {
		return nil
	}
	if lb := bd.LastBuild; lb != nil && (lb.Revision.SHA1 == sha || lb.Marked.SHA1 == sha) {
		return lb
	}
	// The map's order decides which build answers in the plugin; the
	// highest number answers here.
	var best *Build
	for _, b := range bd.BuildsByBranchName {
		if b != nil && (b.Revision.SHA1 == sha || b.Marked.SHA1 == sha) && (best == nil || b.Number > best.Number) {
			best = b
		}
	}
	return best
}

// HasBeenBuilt reports whether sha was built.
func (bd *BuildData) HasBeenBuilt(sha string) bool { return bd.LastBuildOf(sha) != nil }

// LastBuiltRevision is the last build's revision; nil before any.
func (bd *BuildData) LastBuiltRevision() *Revision {
	if bd == nil || bd.LastBuild == nil {
		return nil
	}
	return &bd.LastBuild.Revision
}

// LastBuildOfBranch is the build that last built the branch name.
func (bd *BuildData) LastBuildOfBranch(name string) *Build {
	if bd == nil {
		return nil
	}
	return bd.BuildsByBranchName[name]
}

// saveBuild records b as the last build and as the build of each of its
// branches.
func (bd *BuildData) saveBuild(b *Build) {
	bd.LastBuild = b
	for _, br := range b.Marked.Branches {
		bd.BuildsByBranchName[br.Name] = b
	}
	for _, br := range b.Revision.Branches {
		bd.BuildsByBranchName[br.Name] = b
	}
}

// URLName is the action's URL name: "git", or "git-N" for the Nth.
func (bd *BuildData) URLName() string {
	if bd.Index > 1 {
		return "git-" + strconv.Itoa(bd.Index)
	}
	return "git"
}

// DisplayName is the action's display name.
func (bd *BuildData) DisplayName() string {
	if bd.ScmName != "" {
		return "Git Build Data:" + bd.ScmName
	}
	return "Git Build Data"
}

// BuildDataClass is the _class of BuildData in api/json.
const BuildDataClass = "hudson.plugins.git.util.BuildData"

// API is the BuildData action as a build's api/json shows it in
// "actions": _class, buildsByBranchName (each with _class
// hudson.plugins.git.util.Build, buildNumber, buildResult null, marked,
// revision), lastBuiltRevision, remoteUrls and scmName.
func (bd *BuildData) API() map[string]any {
	byBranch := make(map[string]any, len(bd.BuildsByBranchName))
	for name, b := range bd.BuildsByBranchName {
		if b == nil {
			continue
		}
		byBranch[name] = map[string]any{
			"_class":      "hudson.plugins.git.util.Build",
			"buildNumber": b.Number,
			"buildResult": nil,
			"marked":      revisionAPI(b.Marked),
			"revision":    revisionAPI(b.Revision),
		}
	}
	urls := append([]string{}, bd.RemoteURLs...)
	sort.Strings(urls)
	var last any
	if r := bd.LastBuiltRevision(); r != nil {
		last = revisionAPI(*r)
	}
	return map[string]any{
		"_class":             BuildDataClass,
		"buildsByBranchName": byBranch,
		"lastBuiltRevision":  last,
		"remoteUrls":         urls,
		"scmName":            bd.ScmName,
	}
}

func revisionAPI(r Revision) map[string]any {
	branches := make([]any, len(r.Branches))
	for i, b := range r.Branches {
		branches[i] = map[string]any{"SHA1": b.SHA1, "name": b.Name}
	}
	return map[string]any{"SHA1": r.SHA1, "branch": branches}
}
