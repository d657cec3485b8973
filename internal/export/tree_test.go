package export

import (
	"errors"
	"math"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// flatTree is n distinct names at one level: "n0,n1,…".
func flatTree(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("n" + strconv.Itoa(i))
	}
	return b.String()
}

func nested(levels int) string {
	return strings.Repeat("a[", levels) + "b" + strings.Repeat("]", levels)
}

func TestParseTreeAcceptsValidExpressions(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"a single name", "jobs", "jobs"},
		{"a list of names", "name,url,color", "name,url,color"},
		{"a name with children", "jobs[name,color]", "jobs[name,color]"},
		{"a star", "*", "*"},
		{"nested stars", "actions[*[*[*]]]", "actions[*[*[*]]]"},
		{"a range after children", "jobs[name]{0,1}", "jobs[name]{0,1}"},
		{"a range with no end", "builds[number]{1,}", "builds[number]{1,}"},
		{"a range with no start", "builds{,3}", "builds{0,3}"},
		{"a one-element range", "builds{5}", "builds{5,6}"},
		{"a range on a name without children", "inQueue{0,50}", "inQueue{0,50}"},
		{"the largest Java int as a range bound", "a{0,2147483647}", "a"},
		{"spaces inside names", "a b, c", "a b, c"},
		{"a name given twice, which keeps its last subtree", "a[b],a[c]", "a[c]"},
		{"names made of any other characters", "a.b-c_d:e$f/ü😀", "a.b-c_d:e$f/ü😀"},
		{"sixty-four levels of nesting", nested(64), nested(64)},
		{"python-jenkins's ten-level jobs tree", pythonJenkinsTree(), pythonJenkinsTree()},
		{"Backstage's folder tree", backstageFolderTree, backstageFolderTree},
	}
	for _, c := range cases {
		t.Run("it accepts "+c.name, func(t *testing.T) {
			tr, err := ParseTree(c.in)
			if err != nil {
				t.Fatalf("ParseTree(%q): %v", c.in, err)
			}
			if got := tr.String(); got != c.want {
				t.Errorf("ParseTree(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

// TestParseTreeAcceptsWhatClientsSend decodes query strings as clients
// encode them, then parses the tree.
func TestParseTreeAcceptsWhatClientsSend(t *testing.T) {
	cases := []struct {
		name, query, want string
	}{
		{"python-jenkins's percent-encoded brackets", "tree=jobs%5Burl,color,name,jobs%5Burl,color,name,jobs%5D%5D",
			"jobs[url,color,name,jobs[url,color,name,jobs]]"},
		{"fully percent-encoded separators", "tree=jobs%5Bname%2Ccolor%5D%7B0%2C50%7D", "jobs[name,color]{0,50}"},
		{"raw brackets and braces", "tree=jobs[name]{0,1}", "jobs[name]{0,1}"},
		{"a plus, which decodes to a space inside a name", "tree=name,+url", "name, url"},
		{"Backstage's range on a boolean", "tree=name,inQueue%7B0,50%7D", "name,inQueue{0,50}"},
	}
	for _, c := range cases {
		t.Run("it accepts "+c.name, func(t *testing.T) {
			q, err := url.ParseQuery(c.query)
			if err != nil {
				t.Fatal(err)
			}
			tr, err := ParseTree(q.Get("tree"))
			if err != nil {
				t.Fatalf("ParseTree(%q): %v", q.Get("tree"), err)
			}
			if got := tr.String(); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestParseTreeRejectsMalformedExpressions(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"an empty expression", "", "expected name at 0"},
		{"a leading comma", ",a", "expected name at 0"},
		{"a trailing comma", "a,", "expected name at 2"},
		{"two commas in a row", "a,,b", "expected name at 2"},
		{"empty brackets", "jobs[]", "expected name at 5"},
		{"an unclosed bracket", "jobs[name", "expected RBRACE at 9"},
		{"an unclosed bracket at the end", "jobs[", "expected name at 5"},
		{"an extra closing bracket", "jobs[name]]", "expected EOF at 10"},
		{"a closing bracket without an opening one", "jobs]", "expected EOF at 4"},
		{"a stray closing brace", "a}", "expected EOF at 1"},
		{"children after a range", "a{1}[b]", "expected EOF at 4"},
		{"two ranges", "a{1,2}{3}", "expected EOF at 6"},
		{"an empty range", "a{}", "expected number at 2"},
		{"an unclosed range", "a{", "expected number at 2"},
		{"a range that is not a number", "a{x}", "expected number at 2"},
		{"a negative range bound", "a{-1}", "expected number at 2"},
		{"a space in a range", "a{ 1}", "expected number at 2"},
		{"a range missing its comma", "a{1", "expected COMMA at 3"},
		{"a range missing its closing brace", "a{1,2", "expected QRBRACE at 5"},
		{"a range end that is not a number", "a{1,x}", "expected number at 4"},
		{"a range with three numbers", "a{1,2,3}", "expected QRBRACE at 5"},
		{"a range bound beyond a Java int", "a{2147483648}", "expected number at 2"},
		{"a bracket right after a name's range inside a list", "x[a{1}[b]]", "expected RBRACE at 6"},
		{"an opening brace where a name should be", "{0,1}", "expected name at 0"},
		{"an error after a two-unit character counted as Java counts", "😀[", "expected name at 3"},
		{"an error after a one-unit character counted as Java counts", "ü[]", "expected name at 2"},
		{"sixty-five levels of nesting", nested(65), "expected at most 64 levels of nesting at 129"},
		{"an expression one byte over the size bound", strings.Repeat("a", MaxTreeBytes+1), "expected at most 16384 bytes at 16384"},
		{"a 636 KB expression of 160,000 names", strings.Repeat("abc,", 160000)[:636000], "expected at most 16384 bytes at 16384"},
		{"one name over the bound", flatTree(MaxTreeNames + 1), "expected at most 2048 names at 11178"},
		{"the same name given over the bound", strings.Repeat("a,", MaxTreeNames) + "a", "expected at most 2048 names at 4096"},
	}
	for _, c := range cases {
		t.Run("it rejects "+c.name, func(t *testing.T) {
			tr, err := ParseTree(c.in)
			if err == nil {
				t.Fatalf("ParseTree(%q) = %q, want error %q", c.in, tr, c.want)
			}
			var te *TreeError
			if !errors.As(err, &te) {
				t.Fatalf("error %v is a %T, not a *TreeError", err, err)
			}
			if err.Error() != c.want {
				t.Errorf("ParseTree(%q) error = %q, want %q", c.in, err, c.want)
			}
		})
	}
}

// TestParseTreeIsLinear parses wide trees with the bounds lifted: the
// names read equal the names given, and every level keeps its index, so
// each name costs a map operation rather than a scan of its siblings.
func TestParseTreeIsLinear(t *testing.T) {
	for _, n := range []int{indexFrom, indexFrom + 1, MaxTreeNames, 40000} {
		t.Run("it reads "+strconv.Itoa(n)+" names at one level with an index", func(t *testing.T) {
			tr, names, err := parseTree(flatTree(n), math.MaxInt, math.MaxInt)
			if err != nil {
				t.Fatal(err)
			}
			if names != n || len(tr.kids) != n {
				t.Fatalf("read %d names into %d children, want %d", names, len(tr.kids), n)
			}
			checkTreeShape(t, tr)
			if got := tr.child("n" + strconv.Itoa(n-1)); got == nil {
				t.Fatal("the last name is not found")
			}
			if got := tr.child("missing"); got != nil {
				t.Fatal("a missing name is found")
			}
		})
	}
	t.Run("it accepts exactly the bounds", func(t *testing.T) {
		if _, err := ParseTree(flatTree(MaxTreeNames)); err != nil {
			t.Fatal(err)
		}
		if _, err := ParseTree(strings.Repeat("a", MaxTreeBytes)); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a star still stands for every name a wide level lacks", func(t *testing.T) {
		tr, err := ParseTree(flatTree(20) + ",*[x]")
		if err != nil {
			t.Fatal(err)
		}
		if got := tr.child("other"); got == nil || got.String() != "x" {
			t.Fatalf("child(other) = %v", got)
		}
		if got := tr.child("n3"); got == nil || got.String() != "" {
			t.Fatalf("child(n3) = %v", got)
		}
	})
}
