package git

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// SCMClass is the class of the git plugin's SCM in config.xml.
const SCMClass = "hudson.plugins.git.GitSCM"

// extPrefix is the package of the git plugin's own extensions.
const extPrefix = "hudson.plugins.git.extensions.impl."

// DefaultTimeout is the git plugin's timeout for a git command, in
// minutes (org.jenkinsci.plugins.gitclient.Git.timeOut).
const DefaultTimeout = 10

// ErrNotGit is matched (errors.Is) by the error Parse returns for a
// document whose SCM is not the git plugin's.
var ErrNotGit = errors.New("not a GitSCM")

// NotGitError says which SCM class a document holds instead of GitSCM
// ("" when it has no scm element).
type NotGitError struct{ Class string }

func (e *NotGitError) Error() string {
	if e.Class == "" {
		return "the document has no <scm> element"
	}
	return "the SCM is " + e.Class + ", not " + SCMClass
}

// Is reports whether target is ErrNotGit.
func (e *NotGitError) Is(target error) bool { return target == ErrNotGit }

// SCM is a GitSCM as the git plugin holds it after loading config.xml
// (GitSCM.readResolve): remote names filled in and made unique, blank
// refspecs defaulted, legacy top-level fields turned into extensions,
// and, for configVersion below 1, every "*" of a branch spec doubled.
type SCM struct {
	ConfigVersion int
	// Remotes in the order of userRemoteConfigs.
	Remotes  []Remote
	Branches []BranchSpec
	GitTool  string
	// Browser is the repository browser's class and URL, if any.
	BrowserClass, BrowserURL string
	Ext                      Extensions
	// Unsupported names, by class, the extensions jeeves does not run
	// (PathRestriction, PreBuildMerge, …), in document order, so that the
	// job page and the console can say so.
	Unsupported []string
}

// Remote is one UserRemoteConfig.
type Remote struct {
	Name string // never blank: "origin", then "origin1"… for duplicates
	URL  string
	// Refspecs is never empty: +refs/heads/*:refs/remotes/<name>/* unless
	// configured (a configured refspec field may hold several, separated
	// by white space).
	Refspecs      []string
	CredentialsID string
}

// Extensions holds the extensions jeeves runs. A nil pointer or false
// means the extension is not configured.
type Extensions struct {
	CleanBeforeCheckout *Clean
	CleanCheckout       *Clean
	CloneOption         *CloneOption
	CheckoutTimeout     int // CheckoutOption's timeout in minutes; 0 if unset
	// RelativeTargetDir is RelativeTargetDirectory's directory; "" if unset.
	RelativeTargetDir       string
	LocalBranch             *LocalBranch
	Submodule               *SubmoduleOption
	PruneStaleBranch        bool
	WipeWorkspace           bool
	UserIdentity            *UserIdentity
	AuthorInChangelog       bool
	IgnoreNotifyCommit      bool
	BuildSingleRevisionOnly bool
	// PerBuildTag tags each build's commit jenkins-<job>-<number>.
	PerBuildTag bool
	ScmName     string
	// Order lists the configured extensions jeeves runs by short class
	// name ("CleanCheckout", "SubmoduleOption"…) in document order: the
	// plugin runs each step's extensions in this order.
	Order []string
}

// Clean is CleanBeforeCheckout or CleanCheckout.
type Clean struct {
	DeleteUntrackedNestedRepositories bool
}

// CloneOption is the CloneOption extension.
type CloneOption struct {
	Shallow      bool
	NoTags       bool
	Reference    string
	Timeout      int // minutes; 0: the default
	Depth        int // 0: 1 when shallow
	HonorRefspec bool
}

// LocalBranch is the LocalBranch extension: Name is "" (or "**") for
// the remote branch's own name.
type LocalBranch struct{ Name string }

// SubmoduleOption is the SubmoduleOption extension.
type SubmoduleOption struct {
	Disable, Recursive, Tracking, ParentCredentials, Shallow bool
	Reference                                                string
	Timeout, Depth, Threads                                  int
}

// UserIdentity is the UserIdentity extension.
type UserIdentity struct{ Name, Email string }

// Parse reads a GitSCM from the raw bytes of a whole config.xml (a
// freestyle, matrix or Maven project's <scm>, or a Pipeline's
// <definition><scm>) or of the <scm class="hudson.plugins.git.GitSCM">
// element alone. Jenkins's XML 1.1 declaration and references to control
// characters are accepted. A document whose SCM is not GitSCM (or that
// has none) gives a *NotGitError.
func Parse(data []byte) (*SCM, error) {
	root, err := parseXML(data)
	if err != nil {
		return nil, err
	}
	n := root
	if !isGitSCM(n) {
		n = root.child("scm")
		if n == nil {
			n = root.child("definition").child("scm")
		}
	}
	if n == nil {
		return nil, &NotGitError{}
	}
	if !isGitSCM(n) {
		return nil, &NotGitError{Class: n.class}
	}
	return parseSCM(n)
}

func isGitSCM(n *xnode) bool {
	return n != nil && (n.class == SCMClass || n.name == SCMClass)
}

func parseSCM(n *xnode) (*SCM, error) {
	s := &SCM{GitTool: n.trimmed2("gitTool")}
	if v := n.child("configVersion"); v != nil {
		cv, err := strconv.Atoi(v.trimmed())
		if err != nil {
			return nil, fmt.Errorf("<configVersion> must be an integer, not %q", v.trimmed())
		}
		s.ConfigVersion = cv
	}
	if b := n.child("browser"); b != nil {
		s.BrowserClass, s.BrowserURL = b.class, b.child("url").trimmed()
	}

	// Remotes: names filled in and deduplicated (GitUtils.fixupNames),
	// blank refspecs defaulted (DescriptorImpl.createRepositoryConfigurations).
	type urc struct{ name, url, refspec, cred string }
	var rcs []urc
	for _, r := range n.child("userRemoteConfigs").kids() {
		rcs = append(rcs, urc{
			name:    r.trimmed2("name"),
			url:     r.trimmed2("url"),
			refspec: r.child("refspec").str(),
			cred:    r.trimmed2("credentialsId"),
		})
	}
	if src := n.child("source"); src != nil && len(rcs) == 0 {
		// The oldest form: <source> and <branch>.
		rcs = append(rcs, urc{name: "origin", url: src.trimmed(), refspec: "+refs/heads/*:refs/remotes/origin/*"})
		b := "*/master"
		if bn := n.child("branch"); bn != nil {
			b = bn.str()
		}
		s.Branches = []BranchSpec{NewBranchSpec(b)}
	}
	used := map[string]bool{}
	for _, r := range rcs {
		name := r.name
		if strings.TrimSpace(name) == "" {
			name = "origin"
		}
		base := name
		for j := 1; used[name]; j++ {
			name = base + strconv.Itoa(j)
		}
		used[name] = true
		name = strings.ReplaceAll(name, " ", "_")
		rem := Remote{Name: name, URL: r.url, CredentialsID: r.cred}
		if strings.TrimSpace(r.refspec) == "" {
			rem.Refspecs = []string{"+refs/heads/*:refs/remotes/" + name + "/*"}
		} else {
			rem.Refspecs = strings.Fields(r.refspec)
		}
		s.Remotes = append(s.Remotes, rem)
	}

	if s.Branches == nil {
		for _, b := range n.child("branches").kids() {
			s.Branches = append(s.Branches, NewBranchSpec(b.child("name").str()))
		}
	}
	if len(s.Branches) == 0 {
		s.Branches = []BranchSpec{NewBranchSpec("*/master")}
	}
	if s.ConfigVersion < 1 {
		for i, b := range s.Branches {
			s.Branches[i] = NewBranchSpec(strings.ReplaceAll(b.Name, "*", "**"))
		}
	}

	seen := map[string]bool{}
	for _, e := range n.child("extensions").kids() {
		class := e.name
		if e.class != "" {
			class = e.class
		}
		short, ok := strings.CutPrefix(class, extPrefix)
		if !ok || seen[short] {
			if !ok {
				s.Unsupported = append(s.Unsupported, class)
			}
			continue
		}
		if err := s.Ext.add(short, e); err != nil {
			return nil, err
		}
		if s.Ext.known(short) {
			seen[short] = true
			s.Ext.Order = append(s.Ext.Order, short)
		} else {
			s.Unsupported = append(s.Unsupported, class)
		}
	}
	s.readLegacy(n, seen)
	return s, nil
}

// trimmed2 is the trimmed text of n's child called name.
func (n *xnode) trimmed2(name string) string { return n.child(name).trimmed() }

// intElem reads an optional integer: 0 when missing or blank.
func intElem(n *xnode) (int, error) {
	s := n.trimmed()
	if s == "" {
		return 0, nil
	}
	v, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("<%s> must be an integer, not %q", n.name, s)
	}
	return int(v), nil
}

// known reports whether jeeves runs the extension called short.
func (x *Extensions) known(short string) bool {
	switch short {
	case "CleanBeforeCheckout", "CleanCheckout", "CloneOption", "CheckoutOption",
		"RelativeTargetDirectory", "LocalBranch", "SubmoduleOption", "PruneStaleBranch",
		"WipeWorkspace", "UserIdentity", "AuthorInChangelog", "IgnoreNotifyCommit",
		"BuildSingleRevisionOnly", "ScmName", "PerBuildTag":
		return true
	}
	return false
}

// add records extension e (short name short) if jeeves runs it.
func (x *Extensions) add(short string, e *xnode) error {
	var err error
	ints := func(dst *int, name string) {
		if err == nil {
			*dst, err = intElem(e.child(name))
		}
	}
	switch short {
	case "CleanBeforeCheckout":
		x.CleanBeforeCheckout = &Clean{e.child("deleteUntrackedNestedRepositories").bool()}
	case "CleanCheckout":
		x.CleanCheckout = &Clean{e.child("deleteUntrackedNestedRepositories").bool()}
	case "CloneOption":
		c := &CloneOption{
			Shallow:      e.child("shallow").bool(),
			NoTags:       e.child("noTags").bool(),
			Reference:    e.trimmed2("reference"),
			HonorRefspec: e.child("honorRefspec").bool(),
		}
		ints(&c.Timeout, "timeout")
		ints(&c.Depth, "depth")
		x.CloneOption = c
	case "CheckoutOption":
		ints(&x.CheckoutTimeout, "timeout")
	case "RelativeTargetDirectory":
		x.RelativeTargetDir = e.trimmed2("relativeTargetDir")
	case "LocalBranch":
		x.LocalBranch = &LocalBranch{Name: e.trimmed2("localBranch")}
	case "SubmoduleOption":
		o := &SubmoduleOption{
			Disable:           e.child("disableSubmodules").bool(),
			Recursive:         e.child("recursiveSubmodules").bool(),
			Tracking:          e.child("trackingSubmodules").bool(),
			ParentCredentials: e.child("parentCredentials").bool(),
			Shallow:           e.child("shallow").bool(),
			Reference:         e.trimmed2("reference"),
		}
		ints(&o.Timeout, "timeout")
		ints(&o.Depth, "depth")
		ints(&o.Threads, "threads")
		x.Submodule = o
	case "PruneStaleBranch":
		x.PruneStaleBranch = true
	case "WipeWorkspace":
		x.WipeWorkspace = true
	case "UserIdentity":
		x.UserIdentity = &UserIdentity{Name: e.trimmed2("name"), Email: e.trimmed2("email")}
	case "AuthorInChangelog":
		x.AuthorInChangelog = true
	case "IgnoreNotifyCommit":
		x.IgnoreNotifyCommit = true
	case "BuildSingleRevisionOnly":
		x.BuildSingleRevisionOnly = true
	case "ScmName":
		x.ScmName = e.trimmed2("name")
	case "PerBuildTag":
		x.PerBuildTag = true
	}
	return err
}

// readLegacy turns the legacy top-level fields into extensions when the
// document does not already have them, as
// GitSCMBackwardCompatibility.readBackExtensionsFromLegacy does.
func (s *SCM) readLegacy(n *xnode, seen map[string]bool) {
	addKnown := func(short string, apply func()) {
		if !seen[short] {
			apply()
			seen[short] = true
			s.Ext.Order = append(s.Ext.Order, short)
		}
	}
	addUnknown := func(short string) {
		if !seen[short] {
			seen[short] = true
			s.Unsupported = append(s.Unsupported, extPrefix+short)
		}
	}
	blank := func(name string) bool { return strings.TrimSpace(n.child(name).str()) == "" }
	if !blank("excludedUsers") {
		addUnknown("UserExclusion")
	}
	if !blank("excludedRegions") || !blank("includedRegions") {
		addUnknown("PathRestriction")
	}
	if !blank("relativeTargetDir") {
		addKnown("RelativeTargetDirectory", func() { s.Ext.RelativeTargetDir = n.trimmed2("relativeTargetDir") })
	}
	if st := n.child("skipTag"); st != nil && !st.bool() {
		addKnown("PerBuildTag", func() { s.Ext.PerBuildTag = true })
	}
	ds, rs, ts := n.child("disableSubmodules").bool(), n.child("recursiveSubmodules").bool(), n.child("trackingSubmodules").bool()
	if ds || rs || ts {
		addKnown("SubmoduleOption", func() { s.Ext.Submodule = &SubmoduleOption{Disable: ds, Recursive: rs, Tracking: ts} })
	}
	if !blank("gitConfigName") || !blank("gitConfigEmail") {
		addKnown("UserIdentity", func() {
			s.Ext.UserIdentity = &UserIdentity{Name: n.trimmed2("gitConfigName"), Email: n.trimmed2("gitConfigEmail")}
		})
	}
	if n.child("pruneBranches").bool() {
		addKnown("PruneStaleBranch", func() { s.Ext.PruneStaleBranch = true })
	}
	if mo := n.child("mergeOptions"); mo != nil && mo.trimmed2("mergeTarget") != "" {
		addUnknown("PreBuildMerge")
	}
	if n.child("userMergeOptions") != nil {
		addUnknown("PreBuildMerge")
	}
	if n.child("clean").bool() {
		addKnown("CleanCheckout", func() { s.Ext.CleanCheckout = &Clean{} })
	}
	if n.child("wipeOutWorkspace").bool() {
		addKnown("WipeWorkspace", func() { s.Ext.WipeWorkspace = true })
	}
	if n.child("authorOrCommitter").bool() {
		addKnown("AuthorInChangelog", func() { s.Ext.AuthorInChangelog = true })
	}
	if n.child("ignoreNotifyCommit").bool() {
		addKnown("IgnoreNotifyCommit", func() { s.Ext.IgnoreNotifyCommit = true })
	}
	if !blank("scmName") {
		addKnown("ScmName", func() { s.Ext.ScmName = n.trimmed2("scmName") })
	}
	if lb := n.child("localBranch"); lb != nil {
		addKnown("LocalBranch", func() { s.Ext.LocalBranch = &LocalBranch{Name: lb.trimmed()} })
	}
	if bc := n.child("buildChooser"); bc != nil && bc.class != "" && bc.class != "hudson.plugins.git.util.DefaultBuildChooser" {
		addUnknown("BuildChooserSetting")
	}
	if !blank("reference") || n.child("useShallowClone").bool() {
		addKnown("CloneOption", func() {
			s.Ext.CloneOption = &CloneOption{Shallow: n.child("useShallowClone").bool(), Reference: n.trimmed2("reference")}
		})
	}
}

// Repositories is the remotes as the plugin's getRepositories gives
// them: sorted by name (JGit's RemoteConfig.getAllRemoteConfigs sorts),
// leaving out remotes without a URL.
func (s *SCM) Repositories() []Remote {
	var out []Remote
	for _, r := range s.Remotes {
		if r.URL != "" {
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Timeout is the timeout in minutes of the fetch and clone commands.
func (s *SCM) fetchTimeout() int {
	if c := s.Ext.CloneOption; c != nil && c.Timeout > 0 {
		return c.Timeout
	}
	return DefaultTimeout
}

func (s *SCM) checkoutTimeout() int {
	if s.Ext.CheckoutTimeout > 0 {
		return s.Ext.CheckoutTimeout
	}
	return DefaultTimeout
}
