package artifact

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// golden compares got with the named golden file, or rewrites it under
// -update.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
	}
}

func TestParseArchiverGolden(t *testing.T) {
	inputs, err := filepath.Glob(filepath.Join("testdata", "*.xml"))
	if err != nil || len(inputs) == 0 {
		t.Fatal("no inputs", err)
	}
	for _, in := range inputs {
		if strings.HasSuffix(in, ".golden.xml") {
			continue
		}
		t.Run("archiver config "+filepath.Base(in)+" reads as its golden JSON", func(t *testing.T) {
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			a, err := ParseArchiver(data)
			if err != nil {
				t.Fatal(err)
			}
			out, _ := json.MarshalIndent(a, "", "  ")
			golden(t, strings.TrimSuffix(in, ".xml")+".golden.json", append(out, '\n'))
			golden(t, strings.TrimSuffix(in, ".xml")+".golden.xml", append(a.XML(), '\n'))
			back, err := ParseArchiver(a.XML())
			if err != nil {
				t.Fatal(err)
			}
			back.Unknown, a.Unknown = nil, nil
			back.LatestOnly, a.LatestOnly = false, false
			if b1, b2 := mustJSON(t, a), mustJSON(t, back); b1 != b2 {
				t.Errorf("written and read back:\n%s\nwant\n%s", b2, b1)
			}
		})
	}
}

func TestParseArchiverDefaults(t *testing.T) {
	a, err := ParseArchiver([]byte(`<hudson.tasks.ArtifactArchiver><artifacts>x</artifacts></hudson.tasks.ArtifactArchiver>`))
	if err != nil {
		t.Fatal(err)
	}
	if want := NewArchiver("x"); mustJSON(t, a) != mustJSON(t, want) {
		t.Errorf("defaults = %+v, want %+v", a, want)
	}
	if !a.DefaultExcludes || !a.CaseSensitive || !a.FollowSymlinks || a.AllowEmptyArchive {
		t.Errorf("Jenkins's defaults not applied: %+v", a)
	}
}

func TestParseArchiverRefuses(t *testing.T) {
	tests := []struct{ name, doc string }{
		{"another class", `<hudson.tasks.Mailer/>`},
		{"a field holding elements", `<hudson.tasks.ArtifactArchiver><artifacts><x/></artifacts></hudson.tasks.ArtifactArchiver>`},
		{"malformed XML", `<hudson.tasks.ArtifactArchiver><artifacts>`},
	}
	for _, tc := range tests {
		t.Run("ParseArchiver refuses "+tc.name, func(t *testing.T) {
			if _, err := ParseArchiver([]byte(tc.doc)); err == nil {
				t.Error("no error")
			}
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func FuzzParseArchiver(f *testing.F) {
	for _, n := range []string{"jenkins.xml", "jjb.xml", "legacy-latest-only.xml"} {
		data, err := os.ReadFile(filepath.Join("testdata", n))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := ParseArchiver(data)
		if err != nil {
			return
		}
		back, err := ParseArchiver(a.XML())
		if err != nil {
			t.Fatalf("written form does not read back: %v\n%s", err, a.XML())
		}
		if back.Artifacts != a.Artifacts || back.Excludes != a.Excludes || back.FollowSymlinks != a.FollowSymlinks {
			t.Fatalf("round trip changed %+v into %+v", a, back)
		}
	})
}
