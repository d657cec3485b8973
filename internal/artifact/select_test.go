package artifact

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/jeeves-ci/jeeves/internal/model"
)

func workspace() fstest.MapFS {
	return fstest.MapFS{
		"target/app.jar":         {Data: []byte("jar")},
		"target/app-sources.jar": {Data: []byte("src")},
		"target/classes/A.class": {Data: []byte("class")},
		"docs/index.html":        {Data: []byte("<html>")},
		"docs/.gitignore":        {Data: []byte("*")},
		"out/report.txt":         {Data: []byte("report")},
		"README":                 {Data: []byte("readme")},
	}
}

func TestSelect(t *testing.T) {
	tests := []struct {
		name   string
		cfg    func(a *Archiver)
		in     Input
		files  []string
		lines  []string
		fail   string
		finger bool
	}{
		{
			name:  "matching files are archived after the Archiving artifacts line",
			cfg:   func(a *Archiver) { a.Artifacts = "target/*.jar, docs/**"; a.Excludes = "**/*-sources.jar" },
			files: []string{"docs/index.html", "target/app.jar"},
			lines: []string{"Archiving artifacts"},
		},
		{
			name:  "default excludes keep .gitignore out",
			cfg:   func(a *Archiver) { a.Artifacts = "docs/" },
			files: []string{"docs/index.html"},
			lines: []string{"Archiving artifacts"},
		},
		{
			name:  "default excludes can be turned off",
			cfg:   func(a *Archiver) { a.Artifacts = "docs/"; a.DefaultExcludes = false },
			files: []string{"docs/.gitignore", "docs/index.html"},
			lines: []string{"Archiving artifacts"},
		},
		{
			name:  "a list of no tokens archives the whole workspace, as in Jenkins",
			cfg:   func(a *Archiver) { a.Artifacts = "," },
			files: []string{"README", "docs/index.html", "out/report.txt", "target/app-sources.jar", "target/app.jar", "target/classes/A.class"},
			lines: []string{"Archiving artifacts"},
		},
		{
			name: "an empty pattern fails the step before anything is printed",
			cfg:  func(a *Archiver) { a.Artifacts = "" },
			fail: "ERROR: Step ‘Archive the artifacts’ failed: No artifacts are configured for archiving.\nYou probably forgot to set the file pattern, so please go back to the configuration and specify it.\nIf you really did mean to archive all the files in the workspace, please specify \"**\"",
		},
		{
			name:  "a pattern matching nothing fails the step after a hint",
			cfg:   func(a *Archiver) { a.Artifacts = "out/*.zip" },
			lines: []string{"Archiving artifacts", "‘out/*.zip’ doesn’t match anything: ‘out’ exists but not ‘out/*.zip’"},
			fail:  `ERROR: Step ‘Archive the artifacts’ failed: No artifacts found that match the file pattern "out/*.zip". Configuration error?`,
		},
		{
			name: "allowEmptyArchive turns the failure into a line",
			cfg:  func(a *Archiver) { a.Artifacts = "dist/*.tgz"; a.AllowEmptyArchive = true },
			lines: []string{"Archiving artifacts", "‘dist/*.tgz’ doesn’t match anything: even ‘dist’ doesn’t exist",
				`No artifacts found that match the file pattern "dist/*.tgz". Configuration error?`},
		},
		{
			name:  "after a failure nothing matching prints nothing more",
			cfg:   func(a *Archiver) { a.Artifacts = "dist/*.tgz" },
			in:    Input{Result: model.Failure},
			lines: []string{"Archiving artifacts"},
		},
		{
			name:  "an unstable build still fails on nothing matching",
			cfg:   func(a *Archiver) { a.Artifacts = "nothing" },
			in:    Input{Result: model.Unstable},
			lines: []string{"Archiving artifacts", "‘nothing’ doesn’t match anything"},
			fail:  `ERROR: Step ‘Archive the artifacts’ failed: No artifacts found that match the file pattern "nothing". Configuration error?`,
		},
		{
			name:  "onlyIfSuccessful skips a failed build",
			cfg:   func(a *Archiver) { a.Artifacts = "**"; a.OnlyIfSuccessful = true },
			in:    Input{Result: model.Failure},
			lines: []string{"Skipped archiving because build is not successful"},
		},
		{
			name:  "onlyIfSuccessful archives an unstable build",
			cfg:   func(a *Archiver) { a.Artifacts = "README"; a.OnlyIfSuccessful = true },
			in:    Input{Result: model.Unstable},
			files: []string{"README"},
			lines: []string{"Archiving artifacts"},
		},
		{
			name:  "variables are expanded for freestyle builds",
			cfg:   func(a *Archiver) { a.Artifacts = "${DIR}/*.txt" },
			in:    Input{Freestyle: true, Lookup: func(n string) (string, bool) { return "out", n == "DIR" }},
			files: []string{"out/report.txt"},
			lines: []string{"Archiving artifacts"},
		},
		{
			name:  "variables are not expanded for Pipeline",
			cfg:   func(a *Archiver) { a.Artifacts = "${DIR}/*.txt"; a.AllowEmptyArchive = true },
			in:    Input{Lookup: func(n string) (string, bool) { return "out", n == "DIR" }},
			lines: []string{"Archiving artifacts", "‘${DIR}/*.txt’ doesn’t match anything: even ‘${DIR}’ doesn’t exist", `No artifacts found that match the file pattern "${DIR}/*.txt". Configuration error?`},
		},
		{
			name:   "fingerprint asks for the Recording fingerprints line",
			cfg:    func(a *Archiver) { a.Artifacts = "README"; a.Fingerprint = true },
			files:  []string{"README"},
			lines:  []string{"Archiving artifacts"},
			finger: true,
		},
		{
			name:  "case-insensitive matching finds differently cased files",
			cfg:   func(a *Archiver) { a.Artifacts = "readme"; a.CaseSensitive = false },
			files: []string{"README"},
			lines: []string{"Archiving artifacts"},
		},
		{
			name:  "case-sensitive matching suggests turning it off",
			cfg:   func(a *Archiver) { a.Artifacts = "readme"; a.AllowEmptyArchive = true },
			lines: []string{"Archiving artifacts", "‘readme’ doesn’t match anything because it is treated case sensitively. You can deactivate case sensitivity to get matches", `No artifacts found that match the file pattern "readme". Configuration error?`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := NewArchiver("")
			tc.cfg(&a)
			sel, err := a.Select(context.Background(), workspace(), tc.in)
			if err != nil {
				t.Fatal(err)
			}
			var files []string
			for _, f := range sel.Files {
				files = append(files, f.Path)
			}
			if !slices.Equal(files, tc.files) {
				t.Errorf("files = %q, want %q", files, tc.files)
			}
			if !slices.Equal(sel.Lines, tc.lines) {
				t.Errorf("lines =\n%q\nwant\n%q", sel.Lines, tc.lines)
			}
			var fail string
			if sel.Fail != nil {
				fail = sel.Fail.Line()
			}
			if fail != tc.fail {
				t.Errorf("failure =\n%q\nwant\n%q", fail, tc.fail)
			}
			if sel.Fingerprint != tc.finger {
				t.Errorf("fingerprint = %v", sel.Fingerprint)
			}
		})
	}
}

func TestSelectLeavesOutLinksOutOfTheWorkspace(t *testing.T) {
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "ok.txt"), []byte("ok"), 0o644))
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "passwd.txt")); err != nil {
		t.Skipf("symbolic links are not supported here: %v", err)
	}
	must(t, os.Symlink("ok.txt", filepath.Join(dir, "alias.txt")))
	root, err := os.OpenRoot(dir)
	must(t, err)
	defer root.Close()
	sel, err := NewArchiver("*.txt").Select(context.Background(), root.FS(), Input{Root: dir})
	must(t, err)
	var got []string
	for _, f := range sel.Files {
		got = append(got, f.Path+"<-"+f.Source)
	}
	if want := []string{"alias.txt<-ok.txt", "ok.txt<-ok.txt"}; !slices.Equal(got, want) {
		t.Errorf("files = %q, want %q", got, want)
	}
	want := []string{"Archiving artifacts", "Not archiving ‘passwd.txt’: symbolic link out of the workspace"}
	if !slices.Equal(sel.Lines, want) {
		t.Errorf("lines = %q, want %q", sel.Lines, want)
	}
}

func TestSelectLeavesOutUnsafeNames(t *testing.T) {
	ws := fstest.MapFS{"a\nb.txt": {}, "%2e%2e/x.txt": {}, "good.txt": {}}
	sel, err := NewArchiver("**/*.txt").Select(context.Background(), ws, Input{})
	must(t, err)
	if len(sel.Files) != 1 || sel.Files[0].Path != "good.txt" {
		t.Errorf("files = %+v", sel.Files)
	}
	joined := strings.Join(sel.Lines, "\n")
	if !strings.Contains(joined, `Not archiving ‘%2e%2e/x.txt’: path has a segment that decodes to . or ..`) ||
		!strings.Contains(joined, `Not archiving ‘a\nb.txt’: path holds a control character`) {
		t.Errorf("lines = %q", sel.Lines)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// deniedFS refuses to read one directory, as a workspace whose files
// another user owns does.
type deniedFS struct {
	fstest.MapFS
	dir string
}

func (d deniedFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if name == d.dir {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
	}
	return d.MapFS.ReadDir(name)
}

func TestSelectFailsOnAnUnreadableDirectory(t *testing.T) {
	ws := deniedFS{fstest.MapFS{"locked/a.txt": {}, "ok.txt": {}}, "locked"}
	sel, err := NewArchiver("**/*.txt").Select(context.Background(), ws, Input{Root: "/ws"})
	must(t, err)
	if sel.Fail == nil || sel.Fail.Message != AccessDenied("/ws", "locked") || len(sel.Files) != 0 {
		t.Errorf("selection = %+v", sel)
	}
}

func TestAccessDenied(t *testing.T) {
	want := "Unable to archive artifacts from workspace /ws: access was denied to /ws/locked. Verify that the Jenkins controller and agent processes have the required file permissions."
	if got := AccessDenied("/ws", "locked"); got != want {
		t.Errorf("AccessDenied = %q", got)
	}
}
