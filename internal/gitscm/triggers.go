package gitscm

import (
	"bytes"
	"encoding/xml"
	"io"
	"regexp"
	"strings"
)

// The trigger classes the poller and the hooks act on.
const (
	SCMTriggerClass    = "hudson.triggers.SCMTrigger"
	GitHubTriggerClass = "com.cloudbees.jenkins.GitHubPushTrigger"
	GitLabTriggerClass = "com.dabsquared.gitlabjenkins.GitLabPushTrigger"
)

// Triggers are the triggers of a job's config.xml that start builds from
// its repository.
type Triggers struct {
	// SCM is the SCMTrigger ("Poll SCM"); nil when the job has none.
	SCM *SCMTrigger
	// GitHub: the job has a GitHubPushTrigger ("GitHub hook trigger for
	// GITScm polling"): a push to its repository makes it poll.
	GitHub bool
	// GitLab is the GitLabPushTrigger; nil when the job has none.
	GitLab *GitLabTrigger
}

// SCMTrigger is hudson.triggers.SCMTrigger.
type SCMTrigger struct {
	// Spec is the cron spec; blank: the job polls only when a hook asks.
	Spec string
	// IgnorePostCommitHooks makes notifyCommit leave the job alone.
	IgnorePostCommitHooks bool
}

// GitLabTrigger is what jeeves reads of
// com.dabsquared.gitlabjenkins.GitLabPushTrigger.
type GitLabTrigger struct {
	OnPush    bool // triggerOnPush (true unless configured off)
	OnTagPush bool // triggerOnTagPush
	CISkip    bool // ciSkip (true unless configured off)
	// BranchFilter is branchFilterType: "All", "NameBasedFilter" or
	// "RegexBasedFilter".
	BranchFilter      string
	IncludeBranches   string // includeBranchesSpec, comma-separated
	ExcludeBranches   string // excludeBranchesSpec
	TargetBranchRegex string // targetBranchRegex
	// SecretToken is secretToken as stored: plain (as JJB writes it), or
	// a value a Jenkins encrypted ({…}); "" when none is configured.
	SecretToken string
}

// triggerXML is one child of <triggers>.
type triggerXML struct {
	XMLName xml.Name
	Class   string `xml:"class,attr"`
	Inner   []byte `xml:",innerxml"`
}

// ReadTriggers reads a job's triggers from its config.xml. A document
// Go's XML reader cannot read (one Jenkins would never have stored) has
// none.
func ReadTriggers(configXML []byte) Triggers {
	var out Triggers
	var doc struct {
		Triggers struct {
			Items []triggerXML `xml:",any"`
		} `xml:"triggers"`
	}
	if err := newDecoder(configXML).Decode(&doc); err != nil {
		return out
	}
	for _, t := range doc.Triggers.Items {
		switch t.XMLName.Local {
		case SCMTriggerClass:
			if out.SCM != nil {
				continue // Jenkins keeps one trigger of a kind
			}
			var f struct {
				Spec   string `xml:"spec"`
				Ignore string `xml:"ignorePostCommitHooks"`
			}
			_ = newDecoder(wrap(t.Inner)).Decode(&f)
			out.SCM = &SCMTrigger{Spec: f.Spec, IgnorePostCommitHooks: isTrue(f.Ignore)}
		case GitHubTriggerClass:
			out.GitHub = true
		case GitLabTriggerClass:
			if out.GitLab != nil {
				continue
			}
			var f struct {
				OnPush       *string `xml:"triggerOnPush"`
				OnTagPush    *string `xml:"triggerOnTagPush"`
				CISkip       *string `xml:"ciSkip"`
				BranchFilter string  `xml:"branchFilterType"`
				Include      string  `xml:"includeBranchesSpec"`
				Exclude      string  `xml:"excludeBranchesSpec"`
				Regex        string  `xml:"targetBranchRegex"`
				Secret       *string `xml:"secretToken"`
			}
			_ = newDecoder(wrap(t.Inner)).Decode(&f)
			g := &GitLabTrigger{
				OnPush:            f.OnPush == nil || isTrue(*f.OnPush),
				OnTagPush:         f.OnTagPush != nil && isTrue(*f.OnTagPush),
				CISkip:            f.CISkip == nil || isTrue(*f.CISkip),
				BranchFilter:      strings.TrimSpace(f.BranchFilter),
				IncludeBranches:   f.Include,
				ExcludeBranches:   f.Exclude,
				TargetBranchRegex: f.Regex,
			}
			if f.Secret != nil && strings.TrimSpace(*f.Secret) != "" {
				g.SecretToken = strings.TrimSpace(*f.Secret)
			}
			out.GitLab = g
		}
	}
	return out
}

// wrap makes an element's inner XML a document of its own.
func wrap(inner []byte) []byte {
	return append(append([]byte("<t>"), inner...), "</t>"...)
}

var xml11 = regexp.MustCompile(`^\s*<\?xml[^>]*version=['"]1\.1['"][^>]*\?>`)

// newDecoder reads Jenkins's XML: its 1.1 declaration is read as 1.0's
// (Go's reader knows only 1.0; the documents differ only in which
// control characters they may hold).
func newDecoder(data []byte) *xml.Decoder {
	if loc := xml11.FindIndex(data); loc != nil {
		data = append([]byte(nil), data[loc[1]:]...)
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	return d
}

func isTrue(s string) bool { return strings.EqualFold(strings.TrimSpace(s), "true") }

// MatchesBranch reports whether a push to branch (without refs/heads/)
// passes the trigger's branch filter (the GitLab plugin's BranchFilter:
// All, NameBasedFilter's include and exclude lists, RegexBasedFilter).
func (g *GitLabTrigger) MatchesBranch(branch string) bool {
	switch g.BranchFilter {
	case "NameBasedFilter":
		list := func(s string) []string {
			var out []string
			for _, b := range strings.Split(s, ",") {
				if b = strings.TrimSpace(b); b != "" {
					out = append(out, b)
				}
			}
			return out
		}
		inc, exc := list(g.IncludeBranches), list(g.ExcludeBranches)
		for _, e := range exc {
			if e == branch {
				return false
			}
		}
		if len(inc) == 0 {
			return true
		}
		for _, i := range inc {
			if i == branch {
				return true
			}
		}
		return false
	case "RegexBasedFilter":
		if strings.TrimSpace(g.TargetBranchRegex) == "" {
			return true
		}
		re, err := regexp.Compile(`^(?:` + g.TargetBranchRegex + `)$`)
		return err == nil && re.MatchString(branch)
	}
	return true
}
