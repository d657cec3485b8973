package antglob

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"testing/fstest"
	"time"
)

// listingOf lists a directory as a launcher would: every entry lstat'd,
// links with their targets, files readable through the opener.
func listingOf(t *testing.T, dir string) *Listing {
	t.Helper()
	var entries []Entry
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		e := Entry{Path: filepath.ToSlash(rel), Mode: fi.Mode(), Size: fi.Size(), ModTime: fi.ModTime()}
		if fi.Mode()&fs.ModeSymlink != 0 {
			e.Target, _ = os.Readlink(p)
		}
		entries = append(entries, e)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	l, err := NewListing(entries, func(name string) (fs.File, error) { return root.Open(name) })
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestListingScansAsTheDirectoryItLists(t *testing.T) {
	trees := map[string][]string{
		"plain":                              antTree,
		"linked dir":                         {"epsilon/gamma/gamma.xml", "alpha/beta -> ../epsilon", "alpha/x.txt"},
		"links that escape, dangle and loop": {"a.txt", "out.txt -> ../../etc/passwd", "gone.txt -> nope", "d/up -> ..", "d/f.txt", "chain -> d"},
	}
	sets := [][]string{{"**"}, {"**/*.txt"}, {"alpha/beta/gamma/"}, {"chain/*.txt"}, {"d/up/d/*"}}
	for name, tr := range trees {
		for _, inc := range sets {
			t.Run("a listing of the "+name+" tree matches "+inc[0]+" as the tree does", func(t *testing.T) {
				dir := tree(t, tr...)
				want, err := Scan(context.Background(), rootFS(t, dir), NewSet(inc, nil, Options{}), ScanOptions{Dirs: true})
				if err != nil {
					t.Fatal(err)
				}
				got, err := Scan(context.Background(), listingOf(t, dir), NewSet(inc, nil, Options{}), ScanOptions{Dirs: true})
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(paths(got.Files), paths(want.Files)) || !slices.Equal(got.Dirs, want.Dirs) || len(got.Skipped) != len(want.Skipped) {
					t.Errorf("listing: %q %q %v\ntree:    %q %q %v", paths(got.Files), got.Dirs, got.Skipped, paths(want.Files), want.Dirs, want.Skipped)
				}
				for i := range got.Files {
					if got.Files[i].Source != want.Files[i].Source || got.Files[i].Size != want.Files[i].Size {
						t.Errorf("file %s: %+v, want %+v", got.Files[i].Path, got.Files[i], want.Files[i])
					}
				}
			})
		}
	}
}

func TestListingIsAnFS(t *testing.T) {
	mt := time.Unix(1700000000, 0)
	data := map[string]string{"a/b.txt": "hello", "c.txt": "x"}
	entries := []Entry{
		{Path: "a/b.txt", Mode: 0o644, Size: 5, ModTime: mt},
		{Path: "c.txt", Mode: 0o644, Size: 1, ModTime: mt},
		{Path: "link.txt", Mode: fs.ModeSymlink | 0o777, Target: "c.txt", ModTime: mt},
		{Path: "e", Mode: fs.ModeDir | 0o755, ModTime: mt},
	}
	l, err := NewListing(entries, func(name string) (fs.File, error) {
		return fstest.MapFS{name: {Data: []byte(data[name]), Mode: 0o644, ModTime: mt}}.Open(name)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := fstest.TestFS(l, "a/b.txt", "c.txt", "e", "link.txt"); err != nil {
		t.Fatal(err)
	}
	if target, err := l.ReadLink("link.txt"); err != nil || target != "c.txt" {
		t.Errorf("ReadLink = %q, %v", target, err)
	}
	if _, err := NewListing([]Entry{{Path: "../x"}}, nil); err == nil {
		t.Error("a path out of the listing is accepted")
	}
}
