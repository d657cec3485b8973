package wsfs

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/antglob"
	"github.com/jeeves-ci/jeeves/internal/browse"
	"github.com/jeeves-ci/jeeves/internal/launcher"
	"github.com/jeeves-ci/jeeves/internal/launcher/local"
	"github.com/jeeves-ci/jeeves/internal/model"
)

// remote is the local launcher seen as another machine's: it does not
// offer OpenRoot, so files stream through it.
type remote struct{ launcher.Launcher }

// remoteLinks is a remote launcher that can read links.
type remoteLinks struct{ launcher.Launcher }

func (remoteLinks) Readlink(_ context.Context, name string) (string, error) { return os.Readlink(name) }

// workspace makes a workspace with files, links within and out of it,
// and a @tmp directory, and returns its path.
func workspace(t *testing.T) string {
	t.Helper()
	base := t.TempDir()
	ws := filepath.Join(base, "ws")
	for name, content := range map[string]string{
		"out/app.jar":         "jar",
		"out/lib/dep.jar":     "dep",
		"src/main.go":         "package main",
		"cache@tmp/secret":    "tmp",
		"node_modules/x/y.js": "js",
	} {
		p := filepath.Join(ws, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(base, "outside"), []byte("secret"), 0o600)
	os.Symlink("app.jar", filepath.Join(ws, "out/link.jar"))
	os.Symlink("../../outside", filepath.Join(ws, "out/escape.jar"))
	os.Symlink(filepath.Join(base, "outside"), filepath.Join(ws, "out/abs-escape.jar"))
	os.Symlink("out", filepath.Join(ws, "outlink"))
	return ws
}

func TestFSSelects(t *testing.T) {
	ctx := context.Background()
	ws := workspace(t)
	set := antglob.NewSet([]string{"**/*.jar"}, nil, antglob.Options{})
	tests := []struct {
		name    string
		l       launcher.Launcher
		files   []string
		skipped []string
	}{
		{"on the built-in node links are followed within the workspace, not out of it", local.New(),
			[]string{"out/app.jar", "out/lib/dep.jar", "out/link.jar", "outlink/app.jar", "outlink/lib/dep.jar", "outlink/link.jar"},
			[]string{"out/abs-escape.jar", "out/escape.jar", "outlink/abs-escape.jar", "outlink/escape.jar"}},
		{"on another machine that reads links, the same", remoteLinks{local.New()},
			[]string{"out/app.jar", "out/lib/dep.jar", "out/link.jar", "outlink/app.jar", "outlink/lib/dep.jar", "outlink/link.jar"},
			[]string{"out/abs-escape.jar", "out/escape.jar", "outlink/abs-escape.jar", "outlink/escape.jar"}},
		{"on another machine that cannot read links, links are left out", remote{local.New()},
			[]string{"out/app.jar", "out/lib/dep.jar"},
			[]string{"out/abs-escape.jar", "out/escape.jar", "out/link.jar"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Open(ctx, tc.l, ws, set.Descend)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			res, err := antglob.Scan(ctx, f.FS, set, antglob.ScanOptions{Root: ws})
			if err != nil {
				t.Fatal(err)
			}
			var files, skipped []string
			for _, x := range res.Files {
				files = append(files, x.Path)
				r, err := f.FS.Open(x.Source)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(r)
				r.Close()
				if string(b) == "secret" {
					t.Errorf("%s read from outside the workspace", x.Path)
				}
			}
			for _, s := range res.Skipped {
				skipped = append(skipped, s.Path)
			}
			slices.Sort(skipped)
			if !slices.Equal(files, tc.files) || !slices.Equal(skipped, tc.skipped) {
				t.Fatalf("files %q skipped %q", files, skipped)
			}
		})
	}
	t.Run("a missing directory is fs.ErrNotExist", func(t *testing.T) {
		for _, l := range []launcher.Launcher{local.New(), remote{local.New()}} {
			if _, err := Open(ctx, l, filepath.Join(ws, "nope"), nil); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%T: %v", l, err)
			}
		}
	})
}

func TestTreeBrowses(t *testing.T) {
	ctx := context.Background()
	ws := workspace(t)
	for _, l := range []launcher.Launcher{local.New(), remote{local.New()}} {
		name := "on the built-in node"
		if _, ok := l.(remote); ok {
			name = "on another machine"
		}
		t.Run(name, func(t *testing.T) {
			tr, err := NewTree(ctx, l, ws)
			if err != nil {
				t.Fatal(err)
			}
			defer tr.Close()
			t.Run("a listing leaves out links and @tmp directories", func(t *testing.T) {
				es, err := tr.ReadDir(ctx, "out")
				if err != nil {
					t.Fatal(err)
				}
				var names []string
				for _, e := range es {
					names = append(names, e.Path)
				}
				slices.Sort(names)
				if !slices.Equal(names, []string{"out/app.jar", "out/lib"}) {
					t.Fatalf("%q", names)
				}
				es, _ = tr.ReadDir(ctx, "")
				for _, e := range es {
					if strings.Contains(e.Path, "@tmp") || e.Path == "outlink" {
						t.Errorf("listed %s", e.Path)
					}
				}
			})
			t.Run("a file opens and reads", func(t *testing.T) {
				r, err := tr.Open(ctx, "out/lib/dep.jar")
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(r)
				r.Close()
				if string(b) != "dep" {
					t.Fatalf("%q", b)
				}
			})
			t.Run("links anywhere in a path, @tmp and directories are not found", func(t *testing.T) {
				for _, p := range []string{"out/link.jar", "out/escape.jar", "outlink/app.jar", "cache@tmp/secret", "out", "nope", "out/app.jar/x"} {
					if _, err := tr.Open(ctx, p); !errors.Is(err, browse.ErrNotFound) {
						t.Errorf("open %s: %v", p, err)
					}
				}
			})
			t.Run("a zip of the workspace is named after its directory", func(t *testing.T) {
				var b strings.Builder
				n, err := browse.Zip(ctx, &b, tr, "out", "", tr.Name())
				if err != nil || n != 2 {
					t.Fatal(n, err)
				}
			})
		})
	}
	t.Run("a job without a workspace is ErrNoWorkspace, not found", func(t *testing.T) {
		_, err := Browse(ctx, fixed{local.New(), filepath.Join(ws, "missing")}, nil)
		if !errors.Is(err, ErrNoWorkspace) || !errors.Is(err, browse.ErrNotFound) {
			t.Fatalf("%v", err)
		}
	})
}

type fixed struct {
	l   launcher.Launcher
	dir string
}

func (f fixed) Workspace(context.Context, *model.Job) (launcher.Launcher, string, error) {
	return f.l, f.dir, nil
}
