package export

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

var treeSeeds = []string{
	"", "jobs", "jobs[name,color]", "jobs[name]{0,1}", "*", "actions[*[*[*]]]", "lastBuild",
	"builds[number]{1,}", "inQueue{0,50}", "a{,3}", "a{5}", "a b, c", "jobs[", "a{1,2}{3}",
	"a{2147483648}", "😀[", pythonJenkinsTree(), backstageFolderTree, backstageJobTree, nested(70),
	flatTree(MaxTreeNames), flatTree(MaxTreeNames + 1), strings.Repeat("a,", MaxTreeBytes/2) + "a",
}

// FuzzParseTree checks that ParseTree never panics, fails only with a
// *TreeError, refuses every expression beyond its bounds, builds a tree
// whose lookups cost the same however wide it is, and that a parsed tree
// prints as an expression that parses to the same tree.
func FuzzParseTree(f *testing.F) {
	for _, s := range treeSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tr, err := ParseTree(s)
		if len(s) > MaxTreeBytes && err == nil {
			t.Fatalf("ParseTree accepted %d bytes, more than MaxTreeBytes", len(s))
		}
		if err != nil {
			var te *TreeError
			if !errors.As(err, &te) {
				t.Fatalf("error %v is a %T", err, err)
			}
			return
		}
		if names, depth := checkTreeShape(t, tr); names > MaxTreeNames || depth > MaxTreeNesting+1 || names > len(s) {
			t.Fatalf("ParseTree(%d bytes) holds %d names %d levels deep", len(s), names, depth)
		}
		printed := tr.String()
		again, err := ParseTree(printed)
		if err != nil {
			t.Fatalf("ParseTree(%q) printed as %q, which does not parse: %v", s, printed, err)
		}
		if again.String() != printed {
			t.Fatalf("ParseTree(%q) printed as %q, then as %q", s, printed, again.String())
		}
	})
}

// FuzzWrite renders the fixtures, with an arbitrary string as a property
// name and value, pruned by an arbitrary tree or depth, in every flavor,
// and checks the output is well-formed.
//
// Non-ASCII strings are used as values only: Stapler keeps any Unicode
// letter in element names, while encoding/xml checks names against the
// older XML 1.0 tables and rejects letters such as U+0502. Nor do names
// get colons: Stapler keeps them, and encoding/xml reads them as
// namespace prefixes, rejecting names such as "::".
func FuzzWrite(f *testing.F) {
	for i, s := range treeSeeds {
		f.Add(s, i%4-1, i%2 == 0, "x\"\\\n\x00\x7f\u0085\xff<&>'")
	}
	f.Fuzz(func(t *testing.T, tree string, depth int, pretty bool, s string) {
		var opt Options
		if tree != "" {
			tr, err := ParseTree(tree)
			if err != nil {
				return
			}
			opt.Tree = tr
		}
		opt.Depth, opt.Pretty = depth%6, pretty
		name := strings.ReplaceAll(s, ":", "_")
		for _, c := range []byte(s) {
			if c >= utf8.RuneSelf {
				name = "name"
				break
			}
		}
		for _, root := range []*Object{hudsonRoot(), alpha()} {
			root.Props = append(root.Props, p(name, s), p("list", []any{s, []string{s}, obj(s, pv(name, 2, s))}))
			var js, py, x bytes.Buffer
			if err := Write(&js, root, JSON, "", opt); err != nil {
				t.Fatal(err)
			}
			if !json.Valid(js.Bytes()) {
				t.Fatalf("invalid JSON: %s", js.Bytes())
			}
			if err := Write(&py, root, Python, "", opt); err != nil {
				t.Fatal(err)
			}
			if got := pythonToJSON(py.Bytes()); !bytes.Equal(got, js.Bytes()) {
				t.Fatalf("Python output %s does not match JSON output %s", py.Bytes(), js.Bytes())
			}
			if err := Write(&x, root, XML, name, opt); err != nil {
				t.Fatal(err)
			}
			if err := checkXML(x.Bytes()); err != nil {
				t.Fatalf("malformed XML (%v): %s", err, x.Bytes())
			}
		}
	})
}

// checkTreeShape counts a tree's names and levels, and fails unless every
// level wider than indexFrom has its name index: parsing and lookups then
// cost a constant per name.
func checkTreeShape(t *testing.T, tr *Tree) (names, depth int) {
	t.Helper()
	if len(tr.kids) > indexFrom && len(tr.index) != len(tr.kids) {
		t.Fatalf("a level of %d names has an index of %d", len(tr.kids), len(tr.index))
	}
	for _, k := range tr.kids {
		n, d := checkTreeShape(t, k.sub)
		names += 1 + n
		depth = max(depth, d)
	}
	return names, depth + 1
}
