package configxml

import (
	"slices"
	"testing"
)

func TestBuiltInListsWhatJeevesRuns(t *testing.T) {
	names := func(fs []Feature) []string {
		var out []string
		for _, f := range fs {
			out = append(out, f.Name)
		}
		return out
	}
	t.Run("without contributors: what configxml runs, and what needs no element", func(t *testing.T) {
		got := names(BuiltIn(nil))
		for _, want := range []string{"Freestyle projects", "Build periodically", "Build other projects", "This project is parameterized", "Folders", "Matrix Authorization Strategy", "List views and My View",
			// Read by configxml and run by the outputs' contributors, which
			// the server always registers.
			"JUnit", "Mailer", "Archive the artifacts", "Discard old builds"} {
			if !slices.Contains(got, want) {
				t.Errorf("%s is not listed: %v", want, got)
			}
		}
		for _, not := range []string{"Git", "Credentials Binding"} {
			if slices.Contains(got, not) {
				t.Errorf("%s is listed, though nothing runs it", not)
			}
		}
	})
	t.Run("a class a contributor claims lists its feature", func(t *testing.T) {
		got := names(BuiltIn(func(c string) bool { return c == "hudson.plugins.git.GitSCM" }))
		if !slices.Contains(got, "Git") || slices.Contains(got, "Credentials Binding") {
			t.Fatalf("%v", got)
		}
	})
	t.Run("every feature's classes are ones the support table names", func(t *testing.T) {
		for _, f := range features {
			for _, c := range f.Classes {
				if DisplayName(c) == c {
					t.Errorf("%s: %s has no display name in support.go", f.Name, c)
				}
			}
		}
	})
}
