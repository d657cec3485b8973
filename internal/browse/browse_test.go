package browse

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"path"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/artifact"
)

// memTree is a Tree held in memory: files by path, directories implied.
type memTree map[string]string

func (m memTree) Stat(_ context.Context, rel string) (Entry, error) {
	if c, ok := m[rel]; ok {
		return Entry{Path: rel, Size: int64(len(c)), Mode: 0o644, ModTime: time.Unix(1700000000, 0)}, nil
	}
	for p := range m {
		if rel == "" || strings.HasPrefix(p, rel+"/") {
			return Entry{Path: rel, Dir: true}, nil
		}
	}
	return Entry{}, ErrNotFound
}

func (m memTree) ReadDir(ctx context.Context, rel string) ([]Entry, error) {
	if e, err := m.Stat(ctx, rel); err != nil || !e.Dir {
		return nil, ErrNotFound
	}
	seen := map[string]bool{}
	var out []Entry
	for p := range m {
		rest, ok := strings.CutPrefix(p, rel+"/")
		if rel == "" {
			rest, ok = p, true
		}
		if !ok {
			continue
		}
		name, _, _ := strings.Cut(rest, "/")
		if !seen[name] {
			seen[name] = true
			e, _ := m.Stat(ctx, path.Join(rel, name))
			out = append(out, e)
		}
	}
	return out, nil
}

func (m memTree) Open(_ context.Context, rel string) (File, error) {
	c, ok := m[rel]
	if !ok {
		return nil, ErrNotFound
	}
	return io.NopCloser(strings.NewReader(c)), nil
}

var tree = memTree{
	"README":                "read me",
	"out/app.jar":           "jar",
	"out/lib/dep.jar":       "dep",
	"out/a*b.txt":           "literal star",
	"docs/api/v1/index.txt": "index",
	"docs/.hidden":          "h",
	"Zeta.txt":              "z",
	"alpha.txt":             "a",
}

func TestResolve(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name, path string
		kind       Kind
		base, pat  string
		up         int
		err        error
	}{
		{"a file", "/out/app.jar", KindFile, "out/app.jar", "", 0, nil},
		{"a file with a trailing slash and double slashes, as gojenkins asks", "//out/app.jar/", KindFile, "out/app.jar", "", 0, nil},
		{"a directory", "/out", KindDir, "out", "", 0, nil},
		{"the root", "/", KindDir, "", "", 0, nil},
		{"a zip of the root", "/*zip*/archive.zip", KindZip, "", "", 0, nil},
		{"a zip of a directory", "/out/*zip*/out.zip", KindZip, "out", "", 0, nil},
		{"a zip of a glob", "/out/**/*.jar/*zip*/jars.zip", KindZip, "out", "**/*.jar", 1, nil},
		{"a plain listing", "/out/*plain*", KindPlain, "out", "", 0, nil},
		{"a glob", "/out/**/*.jar", KindGlob, "out", "**/*.jar", 1, nil},
		{"a file named with a star is literal", "/out/a*b.txt", KindFile, "out/a*b.txt", "", 0, nil},
		{"a view", "/README/*view*/", KindView, "README", "", 0, nil},
		{"a fingerprint", "/README/*fingerprint*/", KindFingerprint, "README", "", 0, nil},
		{"a file is served whatever follows it", "/README/foo*", KindFile, "README", "", 0, nil},
		{"a missing file", "/nothing", 0, "", "", 0, ErrNotFound},
		{"dot dot is refused", "/out/../../etc/passwd", 0, "", "", 0, artifact.ErrTraversal},
		{"encoded dots are refused", "/%2e%2e/x", 0, "", "", 0, artifact.ErrTraversal},
		{"a drive letter is not found", "/C:/Windows", 0, "", "", 0, artifact.ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Resolve(ctx, tree, tc.path)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("err %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Kind != tc.kind || got.Entry.Path != tc.base || got.Pattern != tc.pat || got.Up != tc.up {
				t.Fatalf("%+v", got)
			}
		})
	}
}

func titles(rows [][]Path) []string {
	var out []string
	for _, r := range rows {
		var hs []string
		for _, p := range r {
			hs = append(hs, p.Href)
		}
		out = append(out, strings.Join(hs, " "))
	}
	return out
}

func TestListings(t *testing.T) {
	ctx := context.Background()
	t.Run("children: directories first, names ignoring case, single-directory chains in one row", func(t *testing.T) {
		rows, more, err := Children(ctx, tree, "")
		if err != nil || more {
			t.Fatal(err, more)
		}
		want := []string{"docs docs/api docs/api/v1", "out", "alpha.txt", "README", "Zeta.txt"}
		if got := titles(rows); !slices.Equal(got, want) {
			t.Fatalf("%q, want %q", got, want)
		}
	})
	t.Run("plain: a name a line, directories with a slash", func(t *testing.T) {
		var b bytes.Buffer
		if err := Plain(ctx, &b, tree, "out"); err != nil {
			t.Fatal(err)
		}
		if b.String() != "lib/\na*b.txt\napp.jar\n" {
			t.Fatalf("%q", b.String())
		}
	})
	t.Run("glob: each match as links from the directory, relative to the page", func(t *testing.T) {
		rows, err := Glob(ctx, tree, "out", "**/*.jar", 1)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"../app.jar", "../lib/ ../lib/dep.jar"}
		if got := titles(rows); !slices.Equal(got, want) {
			t.Fatalf("%q, want %q", got, want)
		}
		if rows, err := Glob(ctx, tree, "out", "*.none", 0); err != nil || rows != nil {
			t.Fatalf("no match: %v %v", rows, err)
		}
	})
}

func TestZip(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name, dir, pattern string
		want               []string
	}{
		{"the root, under the root's name, in Java's order", "", "", []string{"archive/README", "archive/Zeta.txt", "archive/alpha.txt", "archive/docs/.hidden", "archive/docs/api/v1/index.txt", "archive/out/a*b.txt", "archive/out/app.jar", "archive/out/lib/dep.jar"}},
		{"a directory, under its name", "out/lib", "", []string{"lib/dep.jar"}},
		{"a pattern, unprefixed", "out", "**/*.jar", []string{"app.jar", "lib/dep.jar"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			n, err := Zip(ctx, &b, tree, tc.dir, tc.pattern, "archive")
			if err != nil || n != len(tc.want) {
				t.Fatal(n, err)
			}
			zr, err := zip.NewReader(bytes.NewReader(b.Bytes()), int64(b.Len()))
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, f := range zr.File {
				names = append(names, f.Name)
				r, _ := f.Open()
				c, _ := io.ReadAll(r)
				r.Close()
				rel := strings.TrimPrefix(f.Name, "archive/")
				if tc.dir != "" {
					rel = path.Join(tc.dir, strings.TrimPrefix(f.Name, path.Base(tc.dir)+"/"))
					if tc.pattern != "" {
						rel = path.Join(tc.dir, f.Name)
					}
				}
				if string(c) != tree[rel] {
					t.Errorf("%s holds %q, want %q", f.Name, c, tree[rel])
				}
			}
			if !slices.Equal(names, tc.want) {
				t.Fatalf("%q, want %q", names, tc.want)
			}
		})
	}
}

func TestMD5(t *testing.T) {
	if got, err := MD5(context.Background(), tree, "out/app.jar"); err != nil || got != "68995fcbf432492d15484d04a9d2ac40" {
		t.Fatalf("%s %v", got, err)
	}
	if _, err := MD5(context.Background(), tree, "nothing"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("%v", err)
	}
}

func TestRawEncode(t *testing.T) {
	for in, want := range map[string]string{
		"plain-name_1.0.jar": "plain-name_1.0.jar",
		"a b#c?d":            "a%20b%23c%3Fd",
		"é.txt":              "%C3%A9.txt",
		"x{y}~":              "x%7By%7D%7E",
		"50%":                "50%25",
	} {
		if got := RawEncode(in); got != want {
			t.Errorf("RawEncode(%q) = %q, want %q", in, got, want)
		}
	}
}
