package views

import (
	"context"
	"errors"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/limits"
	"github.com/jeeves-ci/jeeves/internal/store"
	"github.com/jeeves-ci/jeeves/internal/store/sqlite"
)

func newService(t *testing.T) (*Service, *sqlite.Store) {
	t.Helper()
	st, err := sqlite.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s, err := New(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	return s, st
}

func viewXML(regex string) []byte {
	return []byte(`<hudson.model.ListView><name>v</name><jobNames><string>listed</string></jobNames><includeRegex>` + regex + `</includeRegex></hudson.model.ListView>`)
}

// TestIncludeRegexIsCompiledOnceWhenSaved counts compilations: one when
// the view is saved, none when it is matched against jobs, one more when
// its configuration changes, and one for each view when they are loaded.
func TestIncludeRegexIsCompiledOnceWhenSaved(t *testing.T) {
	ctx := context.Background()
	s, st := newService(t)
	compiles := 0
	s.compile = func(expr string) (*regexp.Regexp, error) {
		compiles++
		return compileRegex(expr)
	}
	if _, err := s.Create(ctx, "v", viewXML("app-.*")); err != nil {
		t.Fatal(err)
	}
	t.Run("saving a view compiles its regex once", func(t *testing.T) {
		if compiles != 1 {
			t.Fatalf("%d compilations, want 1", compiles)
		}
	})
	t.Run("matching a hundred jobs ten times compiles nothing", func(t *testing.T) {
		shown := 0
		for range 10 {
			in := s.Contains("v")
			for i := range 100 {
				if in("app-" + strconv.Itoa(i)) {
					shown++
				}
			}
			if !in("listed") || in("other") || in("xapp-1") {
				t.Fatal("the view shows the wrong jobs")
			}
		}
		if shown != 1000 || compiles != 1 {
			t.Fatalf("%d shown, %d compilations; want 1000 and 1", shown, compiles)
		}
	})
	t.Run("a new configuration is compiled once and used at once", func(t *testing.T) {
		if _, err := s.UpdateConfig(ctx, "v", viewXML("lib-.*")); err != nil {
			t.Fatal(err)
		}
		in := s.Contains("v")
		if compiles != 2 || !in("lib-x") || in("app-1") {
			t.Fatalf("%d compilations; lib-x %v, app-1 %v", compiles, in("lib-x"), in("app-1"))
		}
	})
	t.Run("a deleted view shows nothing", func(t *testing.T) {
		if err := s.Delete(ctx, "v"); err != nil {
			t.Fatal(err)
		}
		if s.Contains("v")("lib-x") || len(s.regexes) != 0 {
			t.Fatal("the deleted view still matches")
		}
	})
	t.Run("loading compiles each stored regex", func(t *testing.T) {
		if _, err := s.Create(ctx, "w", viewXML("w-.*")); err != nil {
			t.Fatal(err)
		}
		again, err := New(ctx, st)
		if err != nil {
			t.Fatal(err)
		}
		if !again.Contains("w")("w-1") {
			t.Fatal("the loaded view does not match")
		}
	})
}

// TestViewFieldsAreBounded: a description or includeRegex over its bound
// is refused with an error naming the field and the bound.
func TestViewFieldsAreBounded(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t)
	cases := []struct {
		name string
		xml  string
		want string
	}{
		{"a 900 KB includeRegex", string(viewXML(strings.Repeat("a", 900<<10))), "includeRegex is 921600 bytes long; the limit is 4096 bytes"},
		{"a 32-byte includeRegex that compiles to thousands of instructions", string(viewXML("(.{0,10}){0,100}(.{0,10}){0,100}")), "includeRegex compiles to more than 4096 instructions"},
		{"a 3,600-byte includeRegex that compiles to 800,000 instructions", string(viewXML(strings.Repeat(".{0,1000}", 400))), "includeRegex compiles to more than 4096 instructions"},
		{"a 65 KiB description", `<hudson.model.ListView><description>` + strings.Repeat("d", 65<<10) + `</description></hudson.model.ListView>`, "description is 66560 bytes long; the limit is 65536 bytes"},
	}
	for i, c := range cases {
		t.Run("it refuses "+c.name, func(t *testing.T) {
			name := "big-" + strconv.Itoa(i)
			_, err := s.Create(ctx, name, []byte(c.xml))
			if !errors.Is(err, ErrBadConfig) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
			if _, err := s.Get(name); !errors.Is(err, store.ErrNotFound) {
				t.Fatal("the view was stored")
			}
		})
	}
}

// TestProgramSizeBoundsTheCompiledProgram holds programSize to what
// regexp/syntax compiles: never less, for expressions up to the bound.
func TestProgramSizeBoundsTheCompiledProgram(t *testing.T) {
	for _, expr := range []string{
		"app-.*", "(app|lib)-(main|release)", "[a-z]+-[0-9]{1,4}-(dev|prod)", "(.{0,10}){0,10}", "a{3,}b+c*d?",
		strings.Repeat("team-service-|", 60) + "x", "(?i)Foo|BAR", ".{0,1000}", "((a|b){2,5}c){3}", "(.{0,10}){0,100}",
	} {
		t.Run("it bounds "+expr[:min(len(expr), 30)], func(t *testing.T) {
			re, err := syntax.Parse(anchored(expr), syntax.Perl)
			if err != nil {
				t.Fatal(err)
			}
			prog, err := syntax.Compile(re.Simplify())
			if err != nil {
				t.Fatal(err)
			}
			if got := programSize(re); got < len(prog.Inst) && got <= limits.RegexProgram {
				t.Fatalf("programSize %d, but it compiles to %d instructions", got, len(prog.Inst))
			}
		})
	}
}
