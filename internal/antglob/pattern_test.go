package antglob

import (
	"slices"
	"strings"
	"testing"
)

func TestPatternMatch(t *testing.T) {
	tests := []struct {
		pattern, path string
		cs, want      bool
	}{
		// "**" matches zero or more directories (TokenizedPatternTest).
		{"**", "", true, true},
		{"*", "", true, false},
		{"**", "a/b/c", true, true},
		{"**/*.jar", "app.jar", true, true},
		{"**/*.jar", "a/b/app.jar", true, true},
		{"*.jar", "a/app.jar", true, false},
		{"*/*.jar", "a/app.jar", true, true},
		{"a/**/b", "a/b", true, true},
		{"a/**/b", "a/x/y/b", true, true},
		{"a/**/b", "a/x/y/c", true, false},
		{"a/**/b/**/c", "a/1/b/2/3/c", true, true},
		{"a/**/b/**/c", "a/1/2/c", true, false},
		{"**/**/x", "x", true, true},
		{"**/gamma/**", "alpha/beta/gamma/gamma.xml", true, true},
		// A trailing slash means everything below, the directory too.
		{"target/", "target/a/b.class", true, true},
		{"target/", "target", true, true},
		{"target\\", "target/x", true, true},
		{"target", "target/x", true, false},
		// '?' is one character, '*' any run within a segment.
		{"a?c", "abc", true, true},
		{"a?c", "ac", true, false},
		{"a*c", "ac", true, true},
		{"a*c", "abbbc", true, true},
		{"a*c", "abbbd", true, false},
		{"*a*b*", "xxaxxbxx", true, true},
		{"*a*b*", "xxbxxaxx", true, false},
		{"a*b?c*", "aXXbYcZ", true, true},
		{"**/te?t/**/*.xml", "src/test/java/a.xml", true, true},
		// Case.
		{"ALPHA/*.XML", "alpha/b.xml", true, false},
		{"ALPHA/*.XML", "alpha/b.xml", false, true},
		{"é*", "Éa", false, true},
		// Backslashes are separators; empty segments are dropped.
		{"a\\b\\*.txt", "a/b/c.txt", true, true},
		{"a//*.txt", "a/c.txt", true, true},
		// "." and ".." are literal segments; absolute patterns never match.
		{"./a/*.txt", "a/b.txt", true, false},
		{"/a/*.txt", "a/b.txt", true, false},
		{"../*", "x", true, false},
		// Non-ASCII characters count as one for '?'.
		{"caf?", "café", true, true},
		{"?", "𝄞", true, true},
	}
	for _, tc := range tests {
		name := "pattern " + tc.pattern + " matching " + tc.path
		if !tc.want {
			name = "pattern " + tc.pattern + " not matching " + tc.path
		}
		if !tc.cs {
			name += " ignoring case"
		}
		t.Run(name, func(t *testing.T) {
			if got := Compile(tc.pattern).Match(tc.path, tc.cs); got != tc.want {
				t.Errorf("Compile(%q).Match(%q, %v) = %v, want %v", tc.pattern, tc.path, tc.cs, got, tc.want)
			}
		})
	}
}

func TestPatternMatchStart(t *testing.T) {
	tests := []struct {
		pattern, dir string
		want         bool
	}{
		{"alpha/beta/*.xml", "alpha", true},
		{"alpha/beta/*.xml", "alpha/beta", true},
		{"alpha/beta/*.xml", "gamma", false},
		{"alpha/**/x", "alpha/a/b/c", true},
		{"*/x", "anything", true},
		{"a/b", "a/b/c", false},
		{"/abs/x", "abs", false},
	}
	for _, tc := range tests {
		t.Run("pattern "+tc.pattern+" could match below "+tc.dir, func(t *testing.T) {
			if got := Compile(tc.pattern).MatchStart(tc.dir, true); got != tc.want {
				t.Errorf("MatchStart = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSplit(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"commas separate and tokens are trimmed", " a/*.jar , b/** ", []string{"a/*.jar", "b/**"}},
		{"white space is part of a pattern", "a b", []string{"a b"}},
		{"no token at all means every file", ",", nil},
		{"an empty list means every file", "", nil},
		{"blank tokens match nothing", " , ", []string{}},
		{"empty tokens between commas are skipped", "a,,b", []string{"a", "b"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Split(tc.in)
			if (got == nil) != (tc.want == nil) || !slices.Equal(got, tc.want) {
				t.Errorf("Split(%q) = %#v, want %#v", tc.in, got, tc.want)
			}
		})
	}
}

func TestSetMatch(t *testing.T) {
	tests := []struct {
		name               string
		includes, excludes []string
		opt                Options
		path               string
		want               bool
	}{
		{"a literal pattern matches its path", []string{"a/b.txt"}, nil, Options{}, "a/b.txt", true},
		{"a literal pattern is compared as written", []string{"a//b.txt"}, nil, Options{}, "a/b.txt", false},
		{"a literal pattern ignores case when asked", []string{"A/B.TXT"}, nil, Options{CaseInsensitive: true}, "a/b.txt", true},
		{"a literal pattern keeps case by default", []string{"A/B.TXT"}, nil, Options{}, "a/b.txt", false},
		{"excludes win over includes", []string{"**/*.jar"}, []string{"**/*-sources.jar"}, Options{}, "x/a-sources.jar", false},
		{"nil includes mean every file", nil, nil, Options{}, "deep/in/there.txt", true},
		{"empty includes mean no file", []string{}, nil, Options{}, "a.txt", false},
		{"default excludes leave out .gitignore", []string{"**"}, nil, Options{}, "sub/.gitignore", false},
		{"default excludes leave out a .git directory's contents", []string{"**"}, nil, Options{}, ".git/config", false},
		{"default excludes leave out backup files", []string{"**"}, nil, Options{}, "notes.txt~", false},
		{"default excludes leave out emacs lock files", []string{"**"}, nil, Options{}, "a/.#lock", false},
		{"default excludes leave out CVS directories", []string{"**"}, nil, Options{}, "CVS/Entries", false},
		{"default excludes fold case when the set does", []string{"**"}, nil, Options{CaseInsensitive: true}, "cvs/Entries", false},
		{"default excludes can be turned off", []string{"**"}, nil, Options{NoDefaultExcludes: true}, ".gitignore", true},
		{"a .gitlab-ci.yml is not a default exclude", []string{"**"}, nil, Options{}, ".gitlab-ci.yml", true},
		{"an absolute include never matches", []string{"/a/**"}, nil, Options{}, "a/x", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := NewSet(tc.includes, tc.excludes, tc.opt)
			if got := s.Match(tc.path); got != tc.want {
				t.Errorf("Match(%q) = %v, want %v", tc.path, got, tc.want)
			}
		})
	}
}

func TestSetDescend(t *testing.T) {
	tests := []struct {
		name               string
		includes, excludes []string
		dir                string
		want               bool
	}{
		{"a directory on a pattern's way is entered", []string{"target/*.jar"}, nil, "target", true},
		{"a directory off every pattern's way is skipped", []string{"target/*.jar"}, nil, "node_modules", false},
		{"a directory as deep as a pattern without ** is skipped", []string{"target/*.jar"}, nil, "target/classes", false},
		{"** reaches every depth", []string{"**/*.xml"}, nil, "a/b/c", true},
		{"an exclude of dir/** closes dir", []string{"**"}, []string{"build/**"}, "build", false},
		{"an exclude ending in ** closes what it covers", []string{"**"}, []string{"**/gamma/**"}, "alpha/beta/gamma", false},
		{"a literal include is followed to its directory", []string{"a/b/c.txt"}, nil, "a/b", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := NewSet(tc.includes, tc.excludes, Options{NoDefaultExcludes: true})
			if got := s.Descend(tc.dir); got != tc.want {
				t.Errorf("Descend(%q) = %v, want %v", tc.dir, got, tc.want)
			}
		})
	}
}

func TestDefaultExcludesAreAnts(t *testing.T) {
	got := DefaultExcludes()
	if len(got) != 28 || got[0] != "**/*~" || got[len(got)-1] != "**/.DS_Store" {
		t.Errorf("DefaultExcludes() = %v", got)
	}
	got[0] = "changed"
	if DefaultExcludes()[0] != "**/*~" {
		t.Error("DefaultExcludes hands out its own array")
	}
}

func TestJavaCompare(t *testing.T) {
	tests := []struct {
		a, b string
		sign int
	}{
		{"a", "b", -1},
		{"B", "a", -1}, // upper case first, as in Java
		{"a", "a/b", -1},
		{"\U0001D11E", "\uFFFD", -1}, // a surrogate pair sorts before U+FFFD in Java, after it in Go
		{"", "", 0},
	}
	for _, tc := range tests {
		if got := sign(JavaCompare(tc.a, tc.b)); got != tc.sign {
			t.Errorf("JavaCompare(%q, %q) sign = %d, want %d", tc.a, tc.b, got, tc.sign)
		}
	}
	if sign(JavaCompareFold("B", "a")) != 1 || JavaCompareFold("ABC", "abc") != 0 {
		t.Error("JavaCompareFold does not ignore case")
	}
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

// FuzzPattern checks that matching never panics and agrees with itself:
// a pattern always matches the path it spells when it has no wildcards
// and no empty or dot segments, and "**/" before a pattern never loses a
// match.
func FuzzPattern(f *testing.F) {
	for _, s := range []string{"**/*.jar", "a/**/b", "a?c*", "target/", "\\x\\*", "**/**", "é*"} {
		f.Add(s, "a/b/c.jar", true)
	}
	f.Fuzz(func(t *testing.T, pattern, path string, cs bool) {
		p := Compile(pattern)
		got := p.Match(path, cs)
		if got && !Compile("**/"+pattern).Match(path, cs) && !strings.HasPrefix(strings.ReplaceAll(pattern, "\\", "/"), "/") {
			t.Fatalf("%q matches %q but **/%q does not", pattern, path, pattern)
		}
		p.MatchStart(path, cs)
		NewSet([]string{pattern}, []string{path}, Options{CaseInsensitive: !cs}).Descend(path)
	})
}
