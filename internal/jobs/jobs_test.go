package jobs_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/blob"
	"github.com/jeeves-ci/jeeves/internal/jobs"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/store/sqlite"
)

const project = `<project><builders><hudson.tasks.Shell><command>true</command></hudson.tasks.Shell></builders></project>`

// Children hands out the stored jobs without copying them, so a change
// must replace a job, never change it in place.
func TestListedJobsStayAsTheyWereListed(t *testing.T) {
	ctx := context.Background()
	home := t.TempDir()
	st, err := sqlite.Open(home)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s, err := jobs.New(ctx, st, blob.NewDir(home))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"b", "A", "c"} {
		if _, err := s.Create(ctx, "", name, []byte(project), nil); err != nil {
			t.Fatal(err)
		}
	}
	listed := s.Children("")
	if len(listed) != 3 || listed[0].Name != "A" || listed[1].Name != "b" || listed[2].Name != "c" {
		t.Fatalf("listed %v, want A, b, c", names(listed))
	}
	b := listed[1]
	s.BuildStarted(b.ID, 1)
	s.BuildFinished(b.ID, 1, model.Failure)
	if _, err := s.UpdateConfig(ctx, "b", []byte(`<project><description>new</description></project>`), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Rename(ctx, "c", "0-first"); err != nil {
		t.Fatal(err)
	}
	t.Run("a job listed before a build keeps the status it was listed with", func(t *testing.T) {
		if b.Status != (model.JobStatus{}) || b.Config.Description != "" {
			t.Fatalf("the listed job changed: %+v %q", b.Status, b.Config.Description)
		}
	})
	t.Run("a new listing shows the build, the new config and the new name in order", func(t *testing.T) {
		now := s.Children("")
		if got := names(now); len(got) != 3 || got[0] != "0-first" || got[1] != "A" || got[2] != "b" {
			t.Fatalf("listed %v, want 0-first, A, b", got)
		}
		nb := now[2]
		if nb.Status.CompletedNumber != 1 || nb.Status.CompletedResult != model.Failure || nb.NextBuildNumber != 2 || nb.Config.Description != "new" {
			t.Fatalf("b now %+v next %d %q", nb.Status, nb.NextBuildNumber, nb.Config.Description)
		}
	})
	t.Run("a deleted job leaves the listing", func(t *testing.T) {
		if err := s.Delete(ctx, "A"); err != nil {
			t.Fatal(err)
		}
		if got := names(s.Children("")); len(got) != 2 || got[0] != "0-first" || got[1] != "b" {
			t.Fatalf("listed %v", got)
		}
	})
}

func names(js []*model.Job) []string {
	out := make([]string, len(js))
	for i, j := range js {
		out[i] = j.Name
	}
	return out
}

// TestTriggerSpecsAreChecked: a config.xml whose timer or SCM trigger
// has a schedule Jenkins's cron grammar refuses is refused, with the
// parser's message; nothing is stored.
func TestTriggerSpecsAreChecked(t *testing.T) {
	ctx := context.Background()
	home := t.TempDir()
	st, err := sqlite.Open(home)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s, err := jobs.New(ctx, st, blob.NewDir(home))
	if err != nil {
		t.Fatal(err)
	}
	trig := func(class, spec string) string {
		return `<project><triggers><` + class + `><spec>` + spec + `</spec></` + class + `></triggers></project>`
	}
	for _, c := range []struct {
		name, xml, want string
	}{
		{"a bad SCM polling schedule is refused", trig("hudson.triggers.SCMTrigger", "H/5 * * *"), "hudson.triggers.SCMTrigger: Invalid input"},
		{"a bad timer schedule is refused", trig("hudson.triggers.TimerTrigger", "61 * * * *"), "hudson.triggers.TimerTrigger: Invalid input"},
		{"an SCM trigger without a schedule polls on hooks only, and is taken", trig("hudson.triggers.SCMTrigger", ""), ""},
		{"a good SCM polling schedule with H is taken", trig("hudson.triggers.SCMTrigger", "H/5 * * * *\n# nightly\nH 2 * * *"), ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			name := strings.ReplaceAll(c.name, " ", "-")[:20]
			_, err := s.Create(ctx, "", name, []byte(c.xml), nil)
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, jobs.ErrBadConfig) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v", err)
			}
			if _, err := s.Get(name); err == nil {
				t.Fatal("the job was stored")
			}
		})
	}
}

func TestResolve(t *testing.T) {
	cases := []struct{ from, name, want string }{
		{"up", "child", "child"},
		{"f/up", "child", "f/child"},
		{"f/up", " child ", "f/child"},
		{"f/up", "/top", "top"},
		{"f/up", "/g/x/", "g/x"},
	}
	for _, c := range cases {
		t.Run(c.name+" named in "+c.from+" is "+c.want, func(t *testing.T) {
			if got := jobs.Resolve(c.from, c.name); got != c.want {
				t.Fatalf("Resolve(%q, %q) = %q", c.from, c.name, got)
			}
		})
	}
}

// triggers is a project whose BuildTrigger names children.
func triggers(children string) []byte {
	return []byte(`<project><publishers><hudson.tasks.BuildTrigger><childProjects>` + children +
		`</childProjects><threshold><name>SUCCESS</name><ordinal>0</ordinal><color>BLUE</color><completeBuild>true</completeBuild></threshold></hudson.tasks.BuildTrigger></publishers></project>`)
}

// The job graph is made from the configs, and made again after every
// change that can move an edge: a config saved, an item created,
// renamed or deleted.
func TestTheJobGraphFollowsEveryChange(t *testing.T) {
	ctx := context.Background()
	home := t.TempDir()
	st, err := sqlite.Open(home)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s, err := jobs.New(ctx, st, blob.NewDir(home))
	if err != nil {
		t.Fatal(err)
	}
	must := func(_ *model.Job, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	job := func(name string) *model.Job {
		t.Helper()
		j, err := s.Get(name)
		if err != nil {
			t.Fatal(err)
		}
		return j
	}
	edges := func(name string) (down, up string) {
		t.Helper()
		j := job(name)
		return strings.Join(names(s.Downstream(j)), ","), strings.Join(names(s.Upstream(j)), ",")
	}
	must(s.Create(ctx, "", "up", triggers("down, missing, f/in"), nil))
	must(s.Create(ctx, "", "down", []byte(project), nil))
	must(s.Create(ctx, "", "f", []byte(`<com.cloudbees.hudson.plugins.folder.Folder/>`), nil))
	must(s.Create(ctx, "f", "in", triggers("/down, sibling"), nil))
	steps := []struct {
		name   string
		change func()
		want   map[string][2]string // item → downstream, upstream
	}{
		{"names resolve from each item's folder; missing ones are left out", func() {}, map[string][2]string{
			"up": {"down,f/in", ""}, "down": {"", "f/in,up"}, "f/in": {"down", "up"}}},
		{"an item created under a name a config gave is linked", func() {
			must(s.Create(ctx, "f", "sibling", []byte(project), nil))
		}, map[string][2]string{"f/in": {"down,f/sibling", "up"}, "f/sibling": {"", "f/in"}}},
		{"a config saved moves its edges", func() {
			must(s.UpdateConfig(ctx, "up", triggers("missing"), nil))
		}, map[string][2]string{"up": {"", ""}, "down": {"", "f/in"}, "f/in": {"down,f/sibling", ""}}},
		{"a renamed item keeps what it triggers, and is no longer found under its old name", func() {
			must(s.Rename(ctx, "f", "g"))
		}, map[string][2]string{"g/in": {"down,g/sibling", ""}, "down": {"", "g/in"}}},
		{"a deleted item leaves the graph", func() {
			if err := s.Delete(ctx, "down"); err != nil {
				t.Fatal(err)
			}
		}, map[string][2]string{"g/in": {"g/sibling", ""}, "g/sibling": {"", "g/in"}}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			st.change()
			for name, want := range st.want {
				if down, up := edges(name); down != want[0] || up != want[1] {
					t.Errorf("%s: downstream %q, upstream %q; want %q, %q", name, down, up, want[0], want[1])
				}
			}
		})
	}
}

// TestEachFolderListsItsOwnItems: a folder's listing (kept per folder)
// holds its items only, in order, follows builds, renames and deletions,
// and is empty once every item is gone.
func TestEachFolderListsItsOwnItems(t *testing.T) {
	ctx := context.Background()
	home := t.TempDir()
	st, err := sqlite.Open(home)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s, err := jobs.New(ctx, st, blob.NewDir(home))
	if err != nil {
		t.Fatal(err)
	}
	const folder = `<com.cloudbees.hudson.plugins.folder.Folder plugin="cloudbees-folder"/>`
	for _, f := range []string{"f", "g"} {
		if _, err := s.Create(ctx, "", f, []byte(folder), nil); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"y", "x"} {
			if _, err := s.Create(ctx, f, name, []byte(project), nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := s.Create(ctx, "", "top", []byte(project), nil); err != nil {
		t.Fatal(err)
	}
	t.Run("the root and each folder list their own items", func(t *testing.T) {
		for folder, want := range map[string]string{"": "f g top", "f": "f/x f/y", "g": "g/x g/y", "f/x": ""} {
			if got := strings.Join(names(s.Children(folder)), " "); got != want {
				t.Errorf("Children(%q) = %q, want %q", folder, got, want)
			}
		}
	})
	t.Run("a build shows in its folder's listing", func(t *testing.T) {
		gx := s.Children("g")[0]
		s.BuildStarted(gx.ID, 1)
		s.BuildFinished(gx.ID, 1, model.Success)
		if got := s.Children("g")[0]; got.Status.CompletedNumber != 1 {
			t.Fatalf("g/x listed with %+v", got.Status)
		}
	})
	t.Run("a rename reorders its folder", func(t *testing.T) {
		if _, err := s.Rename(ctx, "g/y", "a"); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(names(s.Children("g")), " "); got != "g/a g/x" {
			t.Fatalf("g lists %q", got)
		}
	})
	t.Run("a listing is the caller's to change", func(t *testing.T) {
		l := s.Children("f")
		l[0] = nil
		if s.Children("f")[0] == nil {
			t.Fatal("changing a listing changed the next one")
		}
	})
	t.Run("nothing is listed once every item is gone", func(t *testing.T) {
		for _, n := range []string{"f", "g", "top"} {
			if err := s.Delete(ctx, n); err != nil {
				t.Fatal(err)
			}
		}
		for _, folder := range []string{"", "f"} {
			if got := s.Children(folder); got == nil || len(got) != 0 {
				t.Errorf("Children(%q) = %v", folder, names(got))
			}
		}
	})
}

// TestSharedJobsAreNeverChangedInPlace: Shared hands out the stored job
// itself; a later build replaces it, so what a caller holds stays as it
// was, and Shared then returns the new one.
func TestSharedJobsAreNeverChangedInPlace(t *testing.T) {
	ctx := context.Background()
	home := t.TempDir()
	st, err := sqlite.Open(home)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s, err := jobs.New(ctx, st, blob.NewDir(home))
	if err != nil {
		t.Fatal(err)
	}
	j, err := s.Create(ctx, "", "a", []byte(project), nil)
	if err != nil {
		t.Fatal(err)
	}
	held, ok := s.Shared(j.ID)
	if !ok || held.Name != "a" {
		t.Fatalf("Shared = %v, %v", held, ok)
	}
	s.BuildStarted(j.ID, 1)
	s.BuildFinished(j.ID, 1, model.Success)
	if held.Status != (model.JobStatus{}) {
		t.Fatalf("the held job changed: %+v", held.Status)
	}
	if now, _ := s.Shared(j.ID); now.Status.CompletedNumber != 1 {
		t.Fatalf("Shared after the build: %+v", now.Status)
	}
	if _, ok := s.Shared(j.ID + 100); ok {
		t.Fatal("Shared found an unknown id")
	}
}
