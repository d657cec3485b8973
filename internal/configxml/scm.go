package configxml

import (
	"strings"

	"github.com/jeeves-ci/jeeves/internal/git"
)

// What the Configure form edits of a project's source: "Source Code
// Management" (none, or Git with one repository URL, its credentials and
// the branches to build) and the "Poll SCM" trigger.

// The SCMs the form knows (SCMForm.SCM).
const (
	SCMNone = "none" // no SCM, or hudson.scm.NullSCM
	SCMGit  = "git"  // hudson.plugins.git.GitSCM
	// SCMOther is an SCM the form does not edit: another plugin's, or a
	// GitSCM without a UserRemoteConfig (the oldest <source> form). It
	// is kept as it is.
	SCMOther = "other"
)

// nullSCM is the SCM element of a project without one, as Jenkins writes
// it.
const nullSCM = `<scm class="hudson.scm.NullSCM"/>`

// branchSpecClass and remoteClass are the elements of a GitSCM's lists.
const (
	branchSpecClass = "hudson.plugins.git.BranchSpec"
	remoteClass     = "hudson.plugins.git.UserRemoteConfig"
)

// SCMForm is the form's source section. The Git fields are those of the
// first remote (a GitSCM's other remotes, refspecs, names, extensions,
// browser and every other element are kept as they are).
type SCMForm struct {
	SCM string // SCMNone, SCMGit or SCMOther
	// OtherClass is an SCMOther's class ("" when the scm element has
	// none), to name it.
	OtherClass    string
	URL           string
	CredentialsID string
	// Branches are the branch specifiers, in order.
	Branches []string
	// MoreRemotes counts the remotes after the first, which the form
	// keeps but does not show.
	MoreRemotes int
	// Poll: the project has a hudson.triggers.SCMTrigger; PollSpec is its
	// schedule ("" polls only when a hook asks).
	Poll     bool
	PollSpec string
}

// SCMFormOf is the source section of a project's config.xml as the form
// shows it: the elements' text as stored (trimmed), not as the git
// plugin reads it (a configVersion below 1 doubles the stars of branch
// specifiers when the job runs; the form shows what is written).
func SCMFormOf(data []byte) (SCMForm, error) {
	doc, base, err := prepare(data)
	if err != nil {
		return SCMForm{}, err
	}
	root, err := buildTree(doc)
	if err != nil {
		return SCMForm{}, err
	}
	return reader{base: base, raw: data}.scmForm(root), nil
}

func (p reader) scmForm(root *node) SCMForm {
	f := SCMForm{SCM: SCMNone}
	text := func(n *node) string { return strings.TrimSpace(p.str(n)) }
	if st := root.child("triggers").child(scmTriggerClass); st != nil {
		f.Poll, f.PollSpec = true, text(st.child("spec"))
	}
	scm := root.child("scm")
	switch {
	case scm == nil || scm.class == "" && len(scm.children) == 0 || scm.class == "hudson.scm.NullSCM":
		return f
	case scm.class != git.SCMClass:
		f.SCM, f.OtherClass = SCMOther, scm.class
		return f
	}
	remotes := scm.child("userRemoteConfigs").kids()
	if len(remotes) == 0 {
		f.SCM, f.OtherClass = SCMOther, scm.class
		return f
	}
	f.SCM = SCMGit
	f.URL, f.CredentialsID = text(remotes[0].child("url")), text(remotes[0].child("credentialsId"))
	f.MoreRemotes = len(remotes) - 1
	for _, b := range scm.child("branches").kids() {
		f.Branches = append(f.Branches, text(b.child("name")))
	}
	return f
}

// sameStrings compares lists of trimmed values.
func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if strings.TrimSpace(a[i]) != strings.TrimSpace(b[i]) {
			return false
		}
	}
	return true
}

// scm applies the form's source section to the scm element: a GitSCM's
// first remote and branches are edited in place; choosing Git for a
// project without an SCM writes a GitSCM as git 5.x does; choosing none
// for a Git project leaves a NullSCM; an SCMOther is left alone.
func (pe *projectEdit) scm(old, f SCMForm) {
	if old.SCM == SCMOther || f.SCM == SCMOther {
		return
	}
	e := pe.e
	s := pe.root.child("scm")
	switch {
	case old.SCM == SCMNone && f.SCM == SCMGit:
		if s != nil {
			e.replace(s, fragment(e.indentOf(s), func(w *writer) { w.gitSCM(f) }))
			return
		}
		pe.insertTop("scm", func(in string) string { return fragment(in, func(w *writer) { w.gitSCM(f) }) })
	case old.SCM == SCMGit && f.SCM == SCMNone:
		e.replace(s, nullSCM)
	case old.SCM == SCMGit && f.SCM == SCMGit:
		remote := s.child("userRemoteConfigs").kids[0]
		if strings.TrimSpace(f.URL) != old.URL {
			after := "refspec"
			if remote.child(after) == nil {
				after = "name"
			}
			pe.setChild(remote, "url", strings.TrimSpace(f.URL), after)
		}
		if id := strings.TrimSpace(f.CredentialsID); id != old.CredentialsID {
			if c := remote.child("credentialsId"); c != nil && id == "" {
				e.remove(c)
			} else {
				pe.setChild(remote, "credentialsId", id, "url")
			}
		}
		if !sameStrings(f.Branches, old.Branches) {
			pe.branches(s, f.Branches)
		}
	}
}

// branches sets a GitSCM's branch specifiers: each BranchSpec's name in
// place, the extra ones removed, new ones appended.
func (pe *projectEdit) branches(s *span, names []string) {
	e := pe.e
	br := s.child("branches")
	spec := func(name string) func(w *writer) {
		return func(w *writer) {
			w.open(branchSpecClass)
			w.leaf("name", strings.TrimSpace(name))
			w.close(branchSpecClass)
		}
	}
	if br == nil {
		list := func(w *writer) {
			w.open("branches")
			for _, n := range names {
				spec(n)(w)
			}
			w.close("branches")
		}
		if u := s.child("userRemoteConfigs"); u != nil {
			e.insertAfter(u, fragment(e.indentOf(u), list))
		} else {
			e.appendChild(s, fragment(e.kidIndent(s), list))
		}
		return
	}
	for i, k := range br.kids {
		if i < len(names) {
			pe.setChild(k, "name", strings.TrimSpace(names[i]), "")
		} else {
			e.remove(k)
		}
	}
	for _, n := range names[min(len(names), len(br.kids)):] {
		e.appendChild(br, fragment(e.kidIndent(br), spec(n)))
	}
}

// gitSCM writes a GitSCM of one remote as the git plugin's form saves
// it (git 5.x).
func (w *writer) gitSCM(f SCMForm) {
	w.open(`scm class="` + git.SCMClass + `"`)
	w.leaf("configVersion", "2")
	w.open("userRemoteConfigs")
	w.open(remoteClass)
	w.leaf("url", strings.TrimSpace(f.URL))
	if id := strings.TrimSpace(f.CredentialsID); id != "" {
		w.leaf("credentialsId", id)
	}
	w.close(remoteClass)
	w.close("userRemoteConfigs")
	w.open("branches")
	for _, b := range f.Branches {
		w.open(branchSpecClass)
		w.leaf("name", strings.TrimSpace(b))
		w.close(branchSpecClass)
	}
	w.close("branches")
	w.leaf("doGenerateSubmoduleConfigurations", "false")
	w.line(`<submoduleCfg class="empty-list"/>`)
	w.line("<extensions/>")
	w.close("scm")
}

// scmTrigger writes a new SCMTrigger, as Jenkins saves "Poll SCM".
func scmTrigger(spec string) func(w *writer) {
	return func(w *writer) {
		w.open(scmTriggerClass)
		w.leaf("spec", spec)
		w.leaf("ignorePostCommitHooks", "false")
		w.close(scmTriggerClass)
	}
}
