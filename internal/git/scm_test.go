package git

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Each testdata/scm/*.xml is parsed and compared with the JSON of the
// SCM in testdata/scm/*.json.
func TestParseGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "scm", "*.xml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".xml")
		t.Run(name+" parses as recorded", func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			s, err := Parse(data)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			out, err := json.MarshalIndent(s, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("scm", name+".json"), string(out)+"\n")
		})
	}
}

func TestParseDetails(t *testing.T) {
	read := func(t *testing.T, name string) *SCM {
		t.Helper()
		data, err := os.ReadFile(filepath.Join("testdata", "scm", name))
		if err != nil {
			t.Fatal(err)
		}
		s, err := Parse(data)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	t.Run("Jenkins's XML 1.1 config with a control character reference is read", func(t *testing.T) {
		s := read(t, "jenkins-5x.xml")
		if len(s.Remotes) != 1 || s.Remotes[0].Name != "origin" || s.Remotes[0].CredentialsID != "github-ssh" {
			t.Errorf("remotes = %+v", s.Remotes)
		}
		if s.Remotes[0].Refspecs[0] != "+refs/heads/*:refs/remotes/origin/*" {
			t.Errorf("default refspec = %q", s.Remotes[0].Refspecs)
		}
		if c := s.Ext.CloneOption; c == nil || !c.Shallow || c.Timeout != 20 || c.Depth != 1 {
			t.Errorf("CloneOption = %+v", c)
		}
		if !s.Ext.WipeWorkspace || s.Ext.LocalBranch == nil || s.Ext.LocalBranch.Name != "**" {
			t.Errorf("extensions = %+v", s.Ext)
		}
		if len(s.Unsupported) != 0 {
			t.Errorf("unsupported = %v", s.Unsupported)
		}
	})
	t.Run("JJB's legacy elements become extensions as the plugin reads them", func(t *testing.T) {
		s := read(t, "jjb-legacy.xml")
		if !s.Ext.WipeWorkspace || !s.Ext.PerBuildTag || s.Ext.CheckoutTimeout != 20 {
			t.Errorf("extensions = %+v", s.Ext)
		}
		if s.Ext.CloneOption != nil || s.Ext.Submodule != nil || s.Ext.UserIdentity != nil {
			t.Errorf("false or blank legacy elements made extensions: %+v", s.Ext)
		}
		if len(s.Branches) != 2 || s.Branches[1].Name != "stable" {
			t.Errorf("branches = %+v", s.Branches)
		}
		if s.BrowserClass != "hudson.plugins.git.browser.GithubWeb" || s.GitTool != "Default" {
			t.Errorf("browser %q tool %q", s.BrowserClass, s.GitTool)
		}
	})
	t.Run("a configVersion below 1 doubles every star and blank names become origin, origin1", func(t *testing.T) {
		s := read(t, "old-config.xml")
		if s.Branches[0].Name != "**/master" || s.Branches[1].Name != "****" {
			t.Errorf("branches = %+v", s.Branches)
		}
		names := []string{s.Remotes[0].Name, s.Remotes[1].Name, s.Remotes[2].Name}
		if strings.Join(names, ",") != "origin,origin1,my_fork" {
			t.Errorf("names = %v", names)
		}
		if s.Remotes[2].Refspecs[0] != "+refs/heads/*:refs/remotes/my_fork/*" {
			t.Errorf("refspec = %v", s.Remotes[2].Refspecs)
		}
		if s.Ext.RelativeTargetDir != "checkout" || !s.Ext.PruneStaleBranch || s.Ext.CleanCheckout == nil ||
			!s.Ext.AuthorInChangelog || s.Ext.LocalBranch == nil || s.Ext.CloneOption == nil || !s.Ext.CloneOption.Shallow {
			t.Errorf("legacy extensions = %+v", s.Ext)
		}
		if len(s.Unsupported) != 1 || s.Unsupported[0] != extPrefix+"PathRestriction" {
			t.Errorf("unsupported = %v", s.Unsupported)
		}
		repos := s.Repositories()
		if repos[0].Name != "my_fork" || repos[1].Name != "origin" {
			t.Errorf("repositories are not sorted by name: %+v", repos)
		}
	})
	t.Run("several refspecs in one field are split on white space", func(t *testing.T) {
		s := read(t, "jjb-multiple-remotes.xml")
		if got := s.Remotes[1].Refspecs; len(got) != 2 || got[1] != "+refs/pull/*/head:refs/remotes/github/pr/*" {
			t.Errorf("refspecs = %q", got)
		}
	})
	t.Run("unknown extensions are listed by class", func(t *testing.T) {
		s := read(t, "all-extensions.xml")
		want := []string{extPrefix + "PathRestriction", extPrefix + "PreBuildMerge", "jenkins.plugins.git.GitSCMStatusChecksExtension"}
		if strings.Join(s.Unsupported, " ") != strings.Join(want, " ") {
			t.Errorf("unsupported = %v, want %v", s.Unsupported, want)
		}
	})
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		name, xml string
		notGit    string // the class NotGitError names; "-" when another error
	}{
		{"a project without SCM", `<project><scm class="hudson.scm.NullSCM"/></project>`, "hudson.scm.NullSCM"},
		{"a Subversion project", `<project><scm class="hudson.scm.SubversionSCM"><locations/></scm></project>`, "hudson.scm.SubversionSCM"},
		{"a project with no scm element", `<project><builders/></project>`, ""},
		{"malformed XML", `<project><scm class="hudson.plugins.git.GitSCM">`, "-"},
		{"an empty document", ``, "-"},
		{"a configVersion that is not a number", `<scm class="hudson.plugins.git.GitSCM"><configVersion>two</configVersion></scm>`, "-"},
		{"a clone timeout that is not a number", `<scm class="hudson.plugins.git.GitSCM"><extensions><hudson.plugins.git.extensions.impl.CloneOption><timeout>ten</timeout></hudson.plugins.git.extensions.impl.CloneOption></extensions></scm>`, "-"},
		{"UTF-16", "\xff\xfe<\x00", "-"},
		{"two roots", `<scm class="hudson.plugins.git.GitSCM"/><scm/>`, "-"},
	}
	for _, c := range cases {
		t.Run(c.name+" is refused", func(t *testing.T) {
			s, err := Parse([]byte(c.xml))
			if err == nil {
				t.Fatalf("Parse succeeded: %+v", s)
			}
			var ng *NotGitError
			isNotGit := errors.As(err, &ng)
			if c.notGit == "-" {
				if isNotGit {
					t.Errorf("got NotGitError %v, want a parse error", err)
				}
				return
			}
			if !isNotGit || ng.Class != c.notGit || !errors.Is(err, ErrNotGit) {
				t.Errorf("err = %v, want NotGitError{%q}", err, c.notGit)
			}
		})
	}
	t.Run("deep nesting is refused without exhausting the stack", func(t *testing.T) {
		deep := strings.Repeat("<a>", 300) + strings.Repeat("</a>", 300)
		if _, err := Parse([]byte(deep)); err == nil {
			t.Error("Parse succeeded")
		}
	})
}

func TestParseDefaults(t *testing.T) {
	s, err := Parse([]byte(`<scm class="hudson.plugins.git.GitSCM"><configVersion>2</configVersion>
<userRemoteConfigs><hudson.plugins.git.UserRemoteConfig><url>https://x/y.git</url></hudson.plugins.git.UserRemoteConfig></userRemoteConfigs>
<branches/></scm>`))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("an empty branch list becomes */master", func(t *testing.T) {
		if len(s.Branches) != 1 || s.Branches[0].Name != "*/master" {
			t.Errorf("branches = %+v", s.Branches)
		}
	})
	t.Run("the default timeouts are ten minutes", func(t *testing.T) {
		if s.fetchTimeout() != 10 || s.checkoutTimeout() != 10 {
			t.Errorf("timeouts %d %d", s.fetchTimeout(), s.checkoutTimeout())
		}
	})
}

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "scm", "*.xml"))
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`<scm class="hudson.plugins.git.GitSCM"><branches><hudson.plugins.git.BranchSpec><name>&#x1;</name></hudson.plugins.git.BranchSpec></branches></scm>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse(data)
		if err != nil {
			return
		}
		if len(s.Branches) == 0 {
			t.Fatal("a parsed SCM has no branch spec")
		}
		for _, r := range s.Remotes {
			if r.Name == "" || len(r.Refspecs) == 0 {
				t.Fatalf("remote without a name or refspec: %+v", r)
			}
		}
		for _, b := range s.Branches {
			b.Matches("refs/remotes/origin/main", nil)
		}
		s.singleBranch(nil)
		s.Environment(EnvInput{})
	})
}
