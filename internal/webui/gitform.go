package webui

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jeeves-ci/jeeves/internal/configxml"
	"github.com/jeeves-ci/jeeves/internal/credentials"
	"github.com/jeeves-ci/jeeves/internal/git"
	"github.com/jeeves-ci/jeeves/internal/limits"
	"github.com/jeeves-ci/jeeves/internal/request"
)

// The Configure (and New Item) form's source section: "Source Code
// Management" (None or Git: the repository URL, its credentials, the
// branches to build) and "Poll SCM" among the build triggers. What it
// does not show of a GitSCM (other remotes, refspecs, extensions) is
// kept as it is (configxml.EditProject).

// gitSection is the source section as shown, or as typed.
type gitSection struct {
	// Posted: the form had the section. A form posted without it (an
	// older page, a script) leaves the source as it is.
	Posted bool
	SCM    string // configxml.SCMNone, SCMGit or SCMOther
	// Other names an SCM the form keeps without editing it.
	Other                        string
	URL, CredentialsID, Branches string // Branches: one specifier per line
	MoreRemotes                  int
	// Kept names what the form keeps of a GitSCM without showing it.
	Kept      []string
	Poll      bool
	PollSpec  string
	PollCheck fieldCheck
	// Credentials are those the job may use with git, for the picker.
	Credentials []credOption
}

// credOption is a credential in the picker.
type credOption struct {
	ID, Name string
	Selected bool
}

// Bounds of the section's values.
const (
	maxGitURL   = limits.Path
	maxBranches = 100
)

// newGitSection is the section of a new job: no SCM; Git offers
// Jenkins's default branch.
func newGitSection() gitSection {
	return gitSection{SCM: configxml.SCMNone, Branches: "*/master"}
}

// gitSectionOf is the section of a stored project.
func gitSectionOf(xml []byte) gitSection {
	sf, err := configxml.SCMFormOf(xml)
	if err != nil {
		return newGitSection()
	}
	g := gitSection{SCM: sf.SCM, URL: sf.URL, CredentialsID: sf.CredentialsID, Branches: strings.Join(sf.Branches, "\n"),
		MoreRemotes: sf.MoreRemotes, Poll: sf.Poll, PollSpec: sf.PollSpec}
	if g.SCM == configxml.SCMNone {
		g.Branches = "*/master"
	}
	return g
}

// readGitSection is the section as posted.
func readGitSection(form url.Values) gitSection {
	g := gitSection{SCM: form.Get("scm")}
	_, g.Posted = form["scm"]
	if g.SCM == "keep" {
		g.SCM = configxml.SCMOther
	}
	g.URL = strings.TrimSpace(form.Get("scm.url"))
	g.CredentialsID = strings.TrimSpace(form.Get("scm.credentialsId"))
	g.Branches = strings.ReplaceAll(form.Get("scm.branches"), "\r\n", "\n")
	g.Poll = form.Get("pollscm") == "true"
	g.PollSpec = strings.TrimSpace(strings.ReplaceAll(form.Get("pollscm.spec"), "\r\n", "\n"))
	return g
}

// gitForm checks the section as typed and gives what EditProject
// applies; nil when the form did not have it. Messages go beside the
// fields in f.
func (f *jobForm) gitForm(seed string) (*configxml.SCMForm, bool) {
	g := f.Git
	if !g.Posted {
		return nil, true
	}
	sf := &configxml.SCMForm{SCM: g.SCM, Poll: g.Poll, PollSpec: g.PollSpec}
	ok := true
	fail := func(field, msg string) { f.fail(field, msg); ok = false }
	switch g.SCM {
	case configxml.SCMNone, configxml.SCMOther:
	case configxml.SCMGit:
		sf.URL, sf.CredentialsID = g.URL, g.CredentialsID
		switch {
		case g.URL == "":
			fail("scm.url", "Please enter Git repository.")
		case strings.ContainsAny(g.URL, "\n\r\x00"):
			fail("scm.url", "The repository URL must be one line")
		case len(g.URL) > maxGitURL:
			fail("scm.url", limits.Check("Repository URL", g.URL, maxGitURL).Error())
		}
		if err := limits.Check("Credentials", g.CredentialsID, limits.Name); err != nil || strings.ContainsAny(g.CredentialsID, "\n\r\x00") {
			fail("scm.credentialsId", "A credentials id is one line of at most "+strconv.Itoa(limits.Name)+" bytes")
		}
		for _, b := range strings.Split(g.Branches, "\n") {
			if b = strings.TrimSpace(b); b != "" {
				sf.Branches = append(sf.Branches, b)
			}
		}
		if len(sf.Branches) == 0 {
			sf.Branches = []string{"**"} // a blank specifier is "**": any branch
		}
		if len(sf.Branches) > maxBranches {
			fail("scm.branches", "At most "+strconv.Itoa(maxBranches)+" branch specifiers")
		}
		for _, b := range sf.Branches {
			if err := limits.Check("A branch specifier", b, limits.Regex); err != nil {
				fail("scm.branches", err.Error())
				break
			}
		}
	default:
		fail("scm.url", "Unknown source code management: "+g.SCM)
	}
	if g.Poll && g.PollSpec != "" {
		if err := limits.Check("The polling schedule", g.PollSpec, limits.Spec); err != nil {
			fail("pollscm", err.Error())
		} else if c := timerCheck(g.PollSpec, seed, time.Now()); c.Kind == "error" {
			fail("pollscm", c.Message)
		}
	}
	return sf, ok
}

// fillGit completes the section for the page: the credentials the job
// may use with git (GLOBAL username/password and SSH key credentials,
// those a build resolves, as the git plugin's picker lists them; an id
// the job names that is not among them is kept as an option), the name
// of an SCM the form keeps, what it keeps of a GitSCM (stored is the
// job's config.xml; nil for a new job), and the schedule's hint for the
// job named seed.
func (ui *UI) fillGit(c *request.Call, g *gitSection, stored []byte, seed string) error {
	if stored != nil {
		if sf, err := configxml.SCMFormOf(stored); err == nil && sf.SCM == configxml.SCMOther {
			g.SCM, g.Other = configxml.SCMOther, configxml.DisplayName(sf.OtherClass)+" ("+sf.OtherClass+")"
		}
		if s, err := git.Parse(stored); err == nil {
			g.MoreRemotes = max(len(s.Remotes)-1, 0)
			g.Kept = append(g.Kept, s.Ext.Order...)
			for _, u := range s.Unsupported {
				g.Kept = append(g.Kept, configxml.DisplayName(u))
			}
			if s.BrowserClass != "" {
				g.Kept = append(g.Kept, "repository browser "+s.BrowserClass)
			}
		}
	}
	creds, err := ui.creds.List(c.Ctx())
	if err != nil {
		return err
	}
	g.Credentials = nil
	found := g.CredentialsID == ""
	for _, cr := range creds {
		if cr.Scope != credentials.ScopeGlobal || cr.Kind != credentials.KindUsernamePassword && cr.Kind != credentials.KindSSHKey {
			continue
		}
		sel := cr.ID == g.CredentialsID
		found = found || sel
		g.Credentials = append(g.Credentials, credOption{ID: cr.ID, Name: cr.DisplayName(), Selected: sel})
	}
	if !found {
		g.Credentials = append(g.Credentials, credOption{ID: g.CredentialsID, Name: g.CredentialsID + " (not found, or not one jobs may use with git)", Selected: true})
	}
	if g.Poll {
		g.PollCheck = timerCheck(g.PollSpec, seed, time.Now())
	}
	return nil
}
