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
}

// FuzzParseTree checks that ParseTree never panics, fails only with a
// *TreeError, and that a parsed tree prints as an expression that parses
// to the same tree.
func FuzzParseTree(f *testing.F) {
	for _, s := range treeSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tr, err := ParseTree(s)
		if err != nil {
			var te *TreeError
			if !errors.As(err, &te) {
				t.Fatalf("error %v is a %T", err, err)
			}
			return
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
