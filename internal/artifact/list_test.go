package artifact

import (
	"bytes"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/export"
)

func TestListOrderAndDisplayPaths(t *testing.T) {
	tests := []struct {
		name    string
		paths   []string
		order   []string
		display []string
	}{
		{"colliding names grow by a segment", []string{"README", "b/app.jar", "a/app.jar"},
			[]string{"a/app.jar", "b/app.jar", "README"}, []string{"a/app.jar", "b/app.jar", "README"}},
		{"a three-way collision grows each entry until none collide", []string{"x/a/f", "y/a/f", "z/b/f"},
			[]string{"x/a/f", "y/a/f", "z/b/f"}, []string{"x/a/f", "y/a/f", "b/f"}},
		{"each level is sorted ignoring case, directories among files", []string{"Zeta.txt", "alpha/x", "Beta/y", "beta.txt"},
			[]string{"alpha/x", "Beta/y", "beta.txt", "Zeta.txt"}, []string{"x", "y", "beta.txt", "Zeta.txt"}},
		{"depth first", []string{"a/b/c/d.txt", "a/a.txt", "a/b/z.txt"},
			[]string{"a/a.txt", "a/b/c/d.txt", "a/b/z.txt"}, []string{"a.txt", "d.txt", "z.txt"}},
		{"no artifacts is an empty list", nil, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			list := List(tc.paths, 0)
			var order, display []string
			for _, e := range list {
				order = append(order, e.RelativePath)
				display = append(display, *e.DisplayPath)
				if want := filepath.Base(e.RelativePath); e.FileName != want {
					t.Errorf("fileName of %s = %q", e.RelativePath, e.FileName)
				}
			}
			if !slices.Equal(order, tc.order) || !slices.Equal(display, tc.display) {
				t.Errorf("order = %q, display = %q; want %q, %q", order, display, tc.order, tc.display)
			}
		})
	}
}

func TestListCutoff(t *testing.T) {
	var paths []string
	for i := range ListCutoff + 1 {
		paths = append(paths, fmt.Sprintf("f%02d", i))
	}
	list := List(paths, 0)
	if len(list) != 21 || list[0].DisplayPath != nil {
		t.Errorf("with %d artifacts displayPath = %v, want nil", len(list), list[0].DisplayPath)
	}
	if got := List(paths[:ListCutoff], 0); got[0].DisplayPath == nil {
		t.Error("with 20 artifacts displayPath is nil")
	}
	if got := List(paths, 3); len(got) != 3 || got[2].RelativePath != "f02" {
		t.Errorf("List upTo 3 = %+v", got)
	}
}

func TestExportGolden(t *testing.T) {
	build := func(paths []string) *export.Object {
		return &export.Object{Class: "hudson.model.FreeStyleBuild", Props: []export.Prop{
			{Name: "artifacts", Vis: 1, Value: Export(List(paths, 0))},
		}}
	}
	var many []string
	for i := range 21 {
		many = append(many, fmt.Sprintf("d/f%02d.txt", i))
	}
	var buf bytes.Buffer
	for _, b := range []*export.Object{build([]string{"README", "b/app.jar", "a/app.jar"}), build(nil), build(many[:2])} {
		if err := export.Write(&buf, b, export.JSON, "freeStyleBuild", export.Options{}); err != nil {
			t.Fatal(err)
		}
		buf.WriteByte('\n')
	}
	big := build(many)
	if err := export.Write(&buf, big, export.JSON, "freeStyleBuild", export.Options{Tree: mustTree(t, "artifacts[displayPath,relativePath]{19,21}")}); err != nil {
		t.Fatal(err)
	}
	buf.WriteByte('\n')
	golden(t, filepath.Join("testdata", "artifacts.golden.json"), buf.Bytes())
}

func mustTree(t *testing.T, s string) *export.Tree {
	t.Helper()
	tr, err := export.ParseTree(s)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}
