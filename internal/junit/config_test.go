package junit

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseArchiverGolden(t *testing.T) {
	inputs, _ := filepath.Glob(filepath.Join("testdata", "config", "*.xml"))
	if len(inputs) == 0 {
		t.Fatal("no inputs")
	}
	for _, in := range inputs {
		if strings.HasSuffix(in, ".golden.xml") {
			continue
		}
		t.Run("JUnit publisher config "+filepath.Base(in)+" reads as its golden JSON", func(t *testing.T) {
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
			a.Unknown, back.Unknown = nil, nil
			if b1, b2 := mustJSON(a), mustJSON(back); b1 != b2 {
				t.Errorf("written and read back:\n%s\nwant\n%s", b2, b1)
			}
		})
	}
}

func TestParseArchiverDefaultsAndRefusals(t *testing.T) {
	a, err := ParseArchiver([]byte(`<hudson.tasks.junit.JUnitResultArchiver><testResults>x</testResults><healthScaleFactor>-3</healthScaleFactor></hudson.tasks.junit.JUnitResultArchiver>`))
	if err != nil {
		t.Fatal(err)
	}
	if a.StdioRetention != RetainNone || a.HealthScaleFactor != 0 || a.AllowEmptyResults {
		t.Errorf("defaults = %+v (a negative scale is 0, as setHealthScaleFactor makes it)", a)
	}
	for name, doc := range map[string]string{
		"an unknown retention": `<hudson.tasks.junit.JUnitResultArchiver><stdioRetention>SOME</stdioRetention></hudson.tasks.junit.JUnitResultArchiver>`,
		"a scale not a number": `<hudson.tasks.junit.JUnitResultArchiver><healthScaleFactor>big</healthScaleFactor></hudson.tasks.junit.JUnitResultArchiver>`,
		"another class":        `<hudson.tasks.ArtifactArchiver/>`,
	} {
		if _, err := ParseArchiver([]byte(doc)); err == nil {
			t.Errorf("ParseArchiver accepts %s", name)
		}
	}
	if r, err := ParseRetention("failed"); err != nil || r != RetainFailed {
		t.Errorf("ParseRetention(failed) = %v, %v", r, err)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func FuzzParseArchiver(f *testing.F) {
	inputs, _ := filepath.Glob(filepath.Join("testdata", "config", "*.xml"))
	for _, in := range inputs {
		data, _ := os.ReadFile(in)
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
		if back.TestResults != a.TestResults || back.StdioRetention != a.StdioRetention || back.HealthScaleFactor != a.HealthScaleFactor {
			t.Fatalf("round trip changed %+v into %+v", a, back)
		}
	})
}
