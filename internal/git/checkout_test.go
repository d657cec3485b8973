package git

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// golden compares got with testdata/<name>, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs (run with -update after checking):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestCheckoutFirstAndSecondBuild(t *testing.T) {
	for _, mirror := range []bool{false, true} {
		name := "without a mirror"
		if mirror {
			name = "through a mirror"
		}
		t.Run("a first build clones and a second fetches "+name, func(t *testing.T) {
			f := newFixture(t)
			first := f.repo.commit("Add hello", map[string]string{"hello.txt": "hello\n"})
			s := scmFor(t, f.url, "*/main", "")
			mod := func(c *Checkout) {
				if !mirror {
					c.CacheDir = ""
				}
			}
			res, console, err := f.checkout(s, nil, 1, mod)
			if err != nil {
				t.Fatalf("first checkout: %v\n%s", err, console)
			}
			if res.Revision.SHA1 != first {
				t.Errorf("built %s, want %s", res.Revision.SHA1, first)
			}
			if got, _ := os.ReadFile(filepath.Join(f.ws, "hello.txt")); string(got) != "hello\n" {
				t.Errorf("hello.txt = %q", got)
			}
			paths := map[string]string{f.ws: "/WS", f.cache: "/CACHE"}
			suffix := ""
			if mirror {
				suffix = "-mirror"
			}
			golden(t, "console/first"+suffix+".txt", normalize(console, paths))

			second := f.repo.commit("Change hello\n\nWith a body.", map[string]string{"hello.txt": "hello again\n", "new.txt": "new\n"})
			res2, console2, err := f.checkout(s, res.BuildData, 2, mod)
			if err != nil {
				t.Fatalf("second checkout: %v\n%s", err, console2)
			}
			if res2.Revision.SHA1 != second {
				t.Errorf("built %s, want %s", res2.Revision.SHA1, second)
			}
			if len(res2.Changes) != 1 || res2.Changes[0].CommitID != second || res2.Changes[0].Title != "Change hello" {
				t.Errorf("changes = %+v", res2.Changes)
			}
			golden(t, "console/second"+suffix+".txt", normalize(console2, paths))
			if strings.Contains(console2, "Cloning") {
				t.Errorf("the second build cloned again:\n%s", console2)
			}
		})
	}
}
