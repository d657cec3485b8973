package antglob

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// tree makes files (and directories, for names ending in '/') under a
// new temporary directory, and symbolic links for entries "name -> target".
func tree(t *testing.T, entries ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, e := range entries {
		if name, target, ok := strings.Cut(e, " -> "); ok {
			p := filepath.Join(dir, name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(target, p); err != nil {
				t.Skipf("symbolic links are not supported here: %v", err)
			}
			continue
		}
		p := filepath.Join(dir, e)
		if strings.HasSuffix(e, "/") {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(e), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// rootFS opens dir as os.Root's file system, which refuses to follow
// links out of the tree.
func rootFS(t *testing.T, dir string) fs.FS {
	t.Helper()
	r, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r.FS()
}

func paths(files []File) []string {
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = f.Path
	}
	return out
}

// antTree is the tree of Ant's DirectoryScannerTest
// (children-of-excluded-dir-setup).
var antTree = []string{"alpha/beta/beta.xml", "alpha/beta/gamma/gamma.xml", "delta/delta.xml"}

// TestScanAsAntDirectoryScannerTest replays Ant's own DirectoryScannerTest
// cases.
func TestScanAsAntDirectoryScannerTest(t *testing.T) {
	setUp := []string{"alpha/beta/beta.xml", "alpha/beta/gamma/gamma.xml"}
	tests := []struct {
		name               string
		tree               []string
		includes, excludes []string
		opt                Options
		files, dirs        []string
	}{
		{"test1: a directory pattern includes the directory only", setUp, []string{"alpha"}, nil, Options{}, nil, []string{"alpha"}},
		{"test2: a trailing slash includes everything below", setUp, []string{"alpha/"}, nil, Options{},
			[]string{"alpha/beta/beta.xml", "alpha/beta/gamma/gamma.xml"}, []string{"alpha", "alpha/beta", "alpha/beta/gamma"}},
		{"test3: no includes include everything", setUp, nil, nil, Options{},
			[]string{"alpha/beta/beta.xml", "alpha/beta/gamma/gamma.xml"}, []string{"", "alpha", "alpha/beta", "alpha/beta/gamma"}},
		{"a full path differing in case matches nothing case-sensitively", setUp, []string{"alpha/beta/gamma/GAMMA.XML"}, nil, Options{}, nil, nil},
		{"a full path differing in case matches ignoring case", setUp, []string{"alpha/beta/gamma/GAMMA.XML"}, nil, Options{CaseInsensitive: true},
			[]string{"alpha/beta/gamma/gamma.xml"}, nil},
		{"test2 ignoring case", setUp, []string{"ALPHA/"}, nil, Options{CaseInsensitive: true},
			[]string{"alpha/beta/beta.xml", "alpha/beta/gamma/gamma.xml"}, []string{"alpha", "alpha/beta", "alpha/beta/gamma"}},
		{"the order of include patterns is irrelevant", setUp, []string{"alpha/beta/gamma/", "alpha/be?a/**"}, nil, Options{},
			[]string{"alpha/beta/beta.xml", "alpha/beta/gamma/gamma.xml"}, []string{"alpha/beta", "alpha/beta/gamma"}},
		{"patterns differing in case scanning case-sensitively", setUp, []string{"alpha/", "ALPHA/"}, nil, Options{},
			[]string{"alpha/beta/beta.xml", "alpha/beta/gamma/gamma.xml"}, []string{"alpha", "alpha/beta", "alpha/beta/gamma"}},
		{"full paths differing in case scanning case-insensitively", setUp, []string{"alpha/beta/gamma/gamma.xml", "alpha/beta/gamma/GAMMA.XML"}, nil, Options{CaseInsensitive: true},
			[]string{"alpha/beta/gamma/gamma.xml"}, nil},
		{"parents differing in case scanning case-sensitively", setUp, []string{"alpha/", "ALPHA/beta/"}, nil, Options{},
			[]string{"alpha/beta/beta.xml", "alpha/beta/gamma/gamma.xml"}, []string{"alpha", "alpha/beta", "alpha/beta/gamma"}},
		{"excluding one file", setUp, []string{"**/*.xml"}, []string{"alpha/beta/b*xml"}, Options{}, []string{"alpha/beta/gamma/gamma.xml"}, nil},
		{"an exclude has precedence", setUp, []string{"alpha/**"}, []string{"alpha/**"}, Options{}, nil, nil},
		{"alternating include and exclude", setUp, []string{"alpha/**", "alpha/beta/gamma/**"}, []string{"alpha/beta/**"}, Options{}, nil, []string{"alpha"}},
		{"alternating exclude and include", setUp, []string{"alpha/beta/**"}, []string{"alpha/**", "alpha/beta/gamma/**"}, Options{}, nil, nil},
		{"children of a recursively excluded directory", antTree, nil, []string{"alpha/**"}, Options{}, []string{"delta/delta.xml"}, []string{"", "delta"}},
		{"children of an excluded directory are still scanned", antTree, nil, []string{"alpha"}, Options{},
			[]string{"alpha/beta/beta.xml", "alpha/beta/gamma/gamma.xml", "delta/delta.xml"}, []string{"", "alpha/beta", "alpha/beta/gamma", "delta"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := tree(t, tc.tree...)
			opt := tc.opt
			opt.NoDefaultExcludes = true // a bare DirectoryScanner has none
			res, err := Scan(context.Background(), rootFS(t, dir), NewSet(tc.includes, tc.excludes, opt), ScanOptions{Dirs: true})
			if err != nil {
				t.Fatal(err)
			}
			if got := paths(res.Files); !slices.Equal(got, tc.files) && !(len(got) == 0 && len(tc.files) == 0) {
				t.Errorf("files = %q, want %q", got, tc.files)
			}
			if !slices.Equal(res.Dirs, tc.dirs) && !(len(res.Dirs) == 0 && len(tc.dirs) == 0) {
				t.Errorf("dirs = %q, want %q", res.Dirs, tc.dirs)
			}
		})
	}
}

func TestScanSymbolicLinks(t *testing.T) {
	// Ant's symlink-setup: alpha/beta is a link to epsilon.
	symlinkSetup := []string{"epsilon/gamma/gamma.xml", "alpha/beta -> ../epsilon"}
	tests := []struct {
		name     string
		tree     []string
		includes []string
		opt      ScanOptions
		files    []string
		sources  []string
		skipped  []string
	}{
		{"a linked directory is followed (Ant testAllowSymlinks)", symlinkSetup, []string{"alpha/beta/gamma/"}, ScanOptions{},
			[]string{"alpha/beta/gamma/gamma.xml"}, []string{"epsilon/gamma/gamma.xml"}, nil},
		{"links are left out when not followed (Ant testProhibitSymlinks)", symlinkSetup, []string{"alpha/beta/gamma/"}, ScanOptions{NoFollowSymlinks: true},
			nil, nil, nil},
		{"a linked file is reported under its link's name", []string{"real.txt", "link.txt -> real.txt"}, []string{"*.txt"}, ScanOptions{},
			[]string{"link.txt", "real.txt"}, []string{"real.txt", "real.txt"}, nil},
		{"a link out of the tree is skipped", []string{"a.txt", "out.txt -> ../../etc/passwd"}, []string{"*.txt"}, ScanOptions{},
			[]string{"a.txt"}, []string{"a.txt"}, []string{"out.txt: symbolic link out of the workspace"}},
		{"an absolute link is skipped without a root", []string{"a.txt", "abs.txt -> /etc/passwd"}, []string{"*.txt"}, ScanOptions{},
			[]string{"a.txt"}, []string{"a.txt"}, []string{"abs.txt: symbolic link out of the workspace"}},
		{"a dangling link is skipped", []string{"gone.txt -> nowhere.txt"}, []string{"*.txt"}, ScanOptions{},
			nil, nil, []string{"gone.txt: symbolic link to a missing file"}},
		{"a link to an ancestor is not followed round", []string{"d/f.txt", "d/up -> .."}, []string{"**/*.txt"}, ScanOptions{},
			[]string{"d/f.txt"}, []string{"d/f.txt"}, []string{"d/up: symbolic link loop"}},
		{"a chain of links is followed within the tree", []string{"x/y/z.txt", "a -> b", "b -> x/y"}, []string{"a/*.txt"}, ScanOptions{},
			[]string{"a/z.txt"}, []string{"x/y/z.txt"}, nil},
		{"a link leaving and re-entering the tree counts as leaving", []string{"in.txt", "l.txt -> ../ws/in.txt"}, []string{"l.txt"}, ScanOptions{},
			nil, nil, []string{"l.txt: symbolic link out of the workspace"}},
		{"a link in an unmatched place is not reported", []string{"keep.txt", "elsewhere/out -> /etc"}, []string{"*.txt"}, ScanOptions{},
			[]string{"keep.txt"}, []string{"keep.txt"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := tree(t, tc.tree...)
			res, err := Scan(context.Background(), rootFS(t, dir), NewSet(tc.includes, nil, Options{}), tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			var sources, skipped []string
			for _, f := range res.Files {
				sources = append(sources, f.Source)
			}
			for _, s := range res.Skipped {
				skipped = append(skipped, s.Path+": "+s.Reason)
			}
			if got := paths(res.Files); !slices.Equal(got, tc.files) && !(len(got) == 0 && len(tc.files) == 0) {
				t.Errorf("files = %q, want %q", got, tc.files)
			}
			if !slices.Equal(sources, tc.sources) {
				t.Errorf("sources = %q, want %q", sources, tc.sources)
			}
			if !slices.Equal(skipped, tc.skipped) {
				t.Errorf("skipped = %q, want %q", skipped, tc.skipped)
			}
		})
	}
}

func TestScanFollowsAbsoluteLinksInsideRoot(t *testing.T) {
	dir := tree(t, "x/y.txt")
	if err := os.Symlink(filepath.Join(dir, "x"), filepath.Join(dir, "abs")); err != nil {
		t.Skip(err)
	}
	res, err := Scan(context.Background(), rootFS(t, dir), NewSet([]string{"abs/*.txt"}, nil, Options{}), ScanOptions{Root: dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) != 1 || res.Files[0].Path != "abs/y.txt" || res.Files[0].Source != "x/y.txt" {
		t.Errorf("files = %+v", res.Files)
	}
}

func TestScanReportsSizesAndSortsAsJava(t *testing.T) {
	fsys := fstest.MapFS{
		"b.txt":        {Data: []byte("12345")},
		"a/\uFFFD.txt": {Data: []byte("x")},
		"a/𝄞.txt":      {Data: []byte("xy")},
		"B.txt":        {Data: []byte("")},
	}
	res, err := Scan(context.Background(), fsys, NewSet([]string{"**/*.txt"}, nil, Options{}), ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"B.txt", "a/𝄞.txt", "a/\uFFFD.txt", "b.txt"}
	if got := paths(res.Files); !slices.Equal(got, want) {
		t.Errorf("order = %q, want %q", got, want)
	}
	if res.Files[3].Size != 5 {
		t.Errorf("size of b.txt = %d", res.Files[3].Size)
	}
}

func TestScanPrunesDirectories(t *testing.T) {
	var read []string
	fsys := recordFS{fstest.MapFS{
		"target/app.jar":            {},
		"node_modules/x/y/z/a.js":   {},
		"node_modules/x/y/z/b.jar":  {},
		"target/classes/A.class":    {},
		"target/classes/deep/B.jar": {},
	}, &read}
	res, err := Scan(context.Background(), fsys, NewSet([]string{"target/*.jar"}, nil, Options{}), ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := paths(res.Files); !slices.Equal(got, []string{"target/app.jar"}) {
		t.Errorf("files = %q", got)
	}
	if !slices.Equal(read, []string{".", "target"}) {
		t.Errorf("directories read = %q, want only . and target", read)
	}
}

func TestScanBudget(t *testing.T) {
	fsys := fstest.MapFS{}
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		fsys[n+".txt"] = &fstest.MapFile{}
	}
	_, err := Scan(context.Background(), fsys, NewSet(nil, nil, Options{}), ScanOptions{MaxEntries: 3})
	if !errors.Is(err, ErrBudget) {
		t.Errorf("err = %v, want ErrBudget", err)
	}
}

func TestScanStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Scan(ctx, fstest.MapFS{"a": {}}, NewSet(nil, nil, Options{}), ScanOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
}

type recordFS struct {
	fstest.MapFS
	read *[]string
}

func (r recordFS) ReadDir(name string) ([]fs.DirEntry, error) {
	*r.read = append(*r.read, name)
	return r.MapFS.ReadDir(name)
}
