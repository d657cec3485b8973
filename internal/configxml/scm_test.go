package configxml

import (
	"bytes"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/git"
)

// scmFormOfFile is the Configure form of a testdata project with its
// source section, as shown.
func scmFormOfFile(t *testing.T, name string) ([]byte, ProjectForm) {
	t.Helper()
	data, f := formOfFile(t, name)
	sf, err := SCMFormOf(data)
	if err != nil {
		t.Fatal(err)
	}
	f.SCM = &sf
	return data, f
}

func TestSCMFormOf(t *testing.T) {
	for _, c := range []struct {
		name, in string
		want     SCMForm
	}{
		{"a GitSCM as Jenkins writes it shows its first remote, its branches and its polling", "imported.xml",
			SCMForm{SCM: SCMGit, URL: "git@github.com:acme/app.git", CredentialsID: "github-ssh", Branches: []string{"*/main"}, Poll: true, PollSpec: "H/5 * * * *"}},
		{"a GitSCM as JJB writes it reads the same way", "jjb-git.xml",
			SCMForm{SCM: SCMGit, URL: "https://example.com/acme/app.git", CredentialsID: "app-deploy-key", Branches: []string{"main", "release/*"}, Poll: true, PollSpec: "H/15 * * * *"}},
		{"a project without an SCM has none and does not poll", "minimal.xml", SCMForm{SCM: SCMNone}},
		{"another SCM is named and kept", "svn.xml", SCMForm{SCM: SCMOther, OtherClass: "hudson.scm.SubversionSCM"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := SCMFormOf(readTestdata(t, c.in))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got  %+v\nwant %+v", got, c.want)
			}
		})
	}
}

func TestEditProjectSCMGolden(t *testing.T) {
	for _, c := range []struct {
		name, in string
		edit     func(f *SCMForm)
		check    func(t *testing.T, s *git.SCM, out []byte)
	}{
		{"a new repository URL and credentials change only the first remote", "imported.xml",
			func(f *SCMForm) { f.URL, f.CredentialsID = "https://git.example.com/acme/app.git", "deploy-token" },
			func(t *testing.T, s *git.SCM, _ []byte) {
				if r := s.Remotes[0]; r.URL != "https://git.example.com/acme/app.git" || r.CredentialsID != "deploy-token" || s.Ext.CleanBeforeCheckout == nil {
					t.Errorf("remote %+v", r)
				}
			}},
		{"emptied credentials remove the credentialsId", "imported.xml",
			func(f *SCMForm) { f.CredentialsID = "" },
			func(t *testing.T, s *git.SCM, out []byte) {
				if s.Remotes[0].CredentialsID != "" || bytes.Contains(out, []byte("github-ssh")) {
					t.Errorf("remote %+v", s.Remotes[0])
				}
			}},
		{"branches are set in place, added and removed", "jjb-git.xml",
			func(f *SCMForm) { f.Branches = []string{"*/main"} },
			func(t *testing.T, s *git.SCM, _ []byte) {
				if len(s.Branches) != 1 || s.Branches[0].Name != "*/main" {
					t.Errorf("branches %+v", s.Branches)
				}
			}},
		{"more branches are appended after the last", "imported.xml",
			func(f *SCMForm) { f.Branches = []string{"*/main", "refs/tags/v*", ":^origin/feature-.*"} },
			func(t *testing.T, s *git.SCM, _ []byte) {
				if len(s.Branches) != 3 || s.Branches[2].Name != ":^origin/feature-.*" {
					t.Errorf("branches %+v", s.Branches)
				}
			}},
		{"choosing Git for a project without an SCM writes a GitSCM as the plugin saves it", "minimal.xml",
			func(f *SCMForm) {
				*f = SCMForm{SCM: SCMGit, URL: "git://127.0.0.1/app", CredentialsID: "key", Branches: []string{"*/main"}, Poll: true, PollSpec: "H/5 * * * *"}
			},
			func(t *testing.T, s *git.SCM, _ []byte) {
				if len(s.Remotes) != 1 || s.Remotes[0].URL != "git://127.0.0.1/app" || s.Remotes[0].Name != "origin" || s.Branches[0].Name != "*/main" {
					t.Errorf("%+v", s)
				}
			}},
		{"choosing Git for a rendered project replaces its NullSCM where it is", "render-everything.golden.xml",
			func(f *SCMForm) {
				*f = SCMForm{SCM: SCMGit, URL: "https://example.com/r.git", Branches: []string{"**"}}
			},
			func(t *testing.T, s *git.SCM, _ []byte) {
				if s.Remotes[0].URL != "https://example.com/r.git" || s.Branches[0].Name != "**" {
					t.Errorf("%+v", s)
				}
			}},
		{"choosing none for a Git project leaves a NullSCM and keeps the polling", "jjb-git.xml",
			func(f *SCMForm) { f.SCM = SCMNone },
			func(t *testing.T, s *git.SCM, out []byte) {
				if s != nil || !bytes.Contains(out, []byte(`<scm class="hudson.scm.NullSCM"/>`)) || !bytes.Contains(out, []byte("H/15 * * * *")) {
					t.Errorf("%s", out)
				}
			}},
		{"Poll SCM unchecked removes the SCMTrigger and keeps the others", "imported.xml",
			func(f *SCMForm) { f.Poll = false },
			func(t *testing.T, _ *git.SCM, out []byte) {
				if bytes.Contains(out, []byte("SCMTrigger")) || !bytes.Contains(out, []byte("<triggers/>")) {
					t.Errorf("%s", out)
				}
			}},
		{"a new polling schedule is set in place", "jjb-git.xml",
			func(f *SCMForm) { f.PollSpec = "H * * * *" },
			func(t *testing.T, _ *git.SCM, out []byte) {
				if !bytes.Contains(out, []byte("<spec>H * * * *</spec>")) {
					t.Errorf("%s", out)
				}
			}},
		{"Poll SCM with an empty schedule polls only when a hook asks", "minimal.xml",
			func(f *SCMForm) { f.Poll, f.PollSpec = true, "" },
			func(t *testing.T, _ *git.SCM, out []byte) {
				if !bytes.Contains(out, []byte("<spec></spec>")) {
					t.Errorf("%s", out)
				}
			}},
		{"another SCM is kept whatever the form says, and polling still changes", "svn.xml",
			func(f *SCMForm) {
				f.SCM, f.URL, f.Poll, f.PollSpec = SCMGit, "https://example.com/x.git", true, "@hourly"
			},
			func(t *testing.T, _ *git.SCM, out []byte) {
				if !bytes.Contains(out, []byte("hudson.scm.SubversionSCM")) || bytes.Contains(out, []byte("x.git")) || !bytes.Contains(out, []byte("@hourly")) {
					t.Errorf("%s", out)
				}
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			data, f := scmFormOfFile(t, c.in)
			c.edit(f.SCM)
			out, err := EditProject(data, f)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("testdata", "edit", goldenName(c.name)), out)
			s, err := git.Parse(out)
			if err != nil && f.SCM.SCM == SCMGit && !strings.Contains(c.in, "svn") {
				t.Fatal(err)
			}
			c.check(t, s, out)
			back, err := SCMFormOf(out)
			if err != nil {
				t.Fatal(err)
			}
			if want := shownAs(*f.SCM); want.SCM != SCMOther && back.SCM != SCMOther && !reflect.DeepEqual(back, want) {
				t.Errorf("the edited document's form is %+v, want %+v", back, want)
			}
		})
	}
}

func TestEditProjectUnchangedSCMFormChangesNothing(t *testing.T) {
	inputs, _ := filepath.Glob(filepath.Join("testdata", "*.xml"))
	for _, in := range inputs {
		if strings.HasSuffix(in, ".golden.xml") || strings.Contains(in, "folder") {
			continue
		}
		t.Run(filepath.Base(in), func(t *testing.T) {
			data, f := scmFormOfFile(t, filepath.Base(in))
			out, err := EditProject(data, f)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, data) {
				t.Errorf("the document changed:\n%s", out)
			}
		})
	}
}

// TestEditProjectScheduleAndPollingTogether: a project without triggers
// that gets both a schedule and Poll SCM gets one <triggers> holding
// both.
func TestEditProjectScheduleAndPollingTogether(t *testing.T) {
	data, f := scmFormOfFile(t, "minimal.xml")
	f.Timer, f.SCM.Poll, f.SCM.PollSpec = "@daily", true, "H/5 * * * *"
	out, err := EditProject(data, f)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, filepath.Join("testdata", "edit", "schedule-and-polling-added-together.golden.xml"), out)
	if n := bytes.Count(out, []byte("<triggers>")); n != 1 {
		t.Fatalf("%d <triggers> elements:\n%s", n, out)
	}
	cfg, err := Parse(out)
	if err != nil || cfg.TimerSpecs != "@daily" || cfg.SCMSpecs != "H/5 * * * *" {
		t.Fatalf("%+v %v", cfg, err)
	}
}

// shownAs is what the form shows of a document written from f: no Git
// fields without Git, no schedule without Poll SCM.
func shownAs(f SCMForm) SCMForm {
	if f.SCM == SCMNone {
		f.URL, f.CredentialsID, f.Branches, f.MoreRemotes = "", "", nil, 0
	}
	if !f.Poll {
		f.PollSpec = ""
	}
	return f
}
