package discard

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/jxml"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

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

func TestFromJobGolden(t *testing.T) {
	inputs, _ := filepath.Glob(filepath.Join("testdata", "*.xml"))
	if len(inputs) == 0 {
		t.Fatal("no inputs")
	}
	for _, in := range inputs {
		if strings.HasSuffix(in, ".golden.xml") {
			continue
		}
		t.Run("job "+filepath.Base(in)+" has the golden discarder", func(t *testing.T) {
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			r, err := FromJob(data)
			if err != nil {
				t.Fatal(err)
			}
			out, _ := json.MarshalIndent(r, "", "  ")
			golden(t, strings.TrimSuffix(in, ".xml")+".golden.json", append(out, '\n'))
			if r == nil {
				return
			}
			written := r.XML()
			golden(t, strings.TrimSuffix(in, ".xml")+".golden.xml", append(written, '\n'))
			back, err := FromJob([]byte("<project><properties>" + string(written) + "</properties></project>"))
			if err != nil || back == nil || *back != *r {
				t.Errorf("written form reads back as %+v, %v; want %+v", back, err, r)
			}
		})
	}
}

func TestFromJobRefuses(t *testing.T) {
	tests := []struct{ name, doc, want string }{
		{"another strategy class", `<project><properties><jenkins.model.BuildDiscarderProperty><strategy class="x.Y"/></jenkins.model.BuildDiscarderProperty></properties></project>`, `strategy "x.Y" is not supported`},
		{"another legacy class", `<project><logRotator class="x.Z"/></project>`, `class "x.Z" is not supported`},
		{"a limit that is not a number", `<project><logRotator><numToKeep>ten</numToKeep></logRotator></project>`, `<numToKeep>: "ten" is not a number`},
	}
	for _, tc := range tests {
		t.Run("FromJob refuses "+tc.name, func(t *testing.T) {
			_, err := FromJob([]byte(tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestParseLegacyAndProperty(t *testing.T) {
	r, err := ParseLegacy([]byte(`<logRotator><numToKeep>010</numToKeep></logRotator>`))
	if err != nil || r.NumToKeep != 8 || r.DaysToKeep != -1 {
		t.Errorf("ParseLegacy = %+v, %v (Jenkins reads 010 as octal 8)", r, err)
	}
	e, _ := jxml.Parse([]byte(`<jenkins.model.BuildDiscarderProperty/>`))
	if p, err := FromProperty(e); p != nil || err != nil {
		t.Errorf("a property without a strategy = %+v, %v", p, err)
	}
}

func TestFieldsAsTheFormReadsThem(t *testing.T) {
	for in, want := range map[string]int{"10": 10, "": -1, "abc": -1, " 5": -1, "-1": -1, "0": 0, "+3": 3} {
		if got := ParseField(in); got != want {
			t.Errorf("ParseField(%q) = %d, want %d", in, got, want)
		}
	}
	if FieldString(-1) != "" || FieldString(0) != "0" || FieldString(7) != "7" {
		t.Error("FieldString")
	}
}

func TestMigrateLatestOnly(t *testing.T) {
	if m := MigrateLatestOnly(nil); *m != (LogRotator{-1, -1, -1, 1, false}) {
		t.Errorf("no rotator -> %+v", *m)
	}
	r := &LogRotator{5, 10, -1, -1, true}
	if m := MigrateLatestOnly(r); *m != (LogRotator{5, 10, -1, 1, true}) || r.ArtifactNumToKeep != -1 {
		t.Errorf("rotator keeping all artifacts -> %+v (original %+v)", *m, *r)
	}
	r = &LogRotator{-1, -1, -1, 3, false}
	if m := MigrateLatestOnly(r); m != r {
		t.Errorf("a rotator with its own artifactNumToKeep was changed: %+v", *m)
	}
}

func FuzzFromJob(f *testing.F) {
	inputs, _ := filepath.Glob(filepath.Join("testdata", "*.xml"))
	for _, in := range inputs {
		data, _ := os.ReadFile(in)
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := FromJob(data)
		if err != nil || r == nil {
			return
		}
		back, err := FromJob([]byte("<project><properties>" + string(r.XML()) + "</properties></project>"))
		if err != nil || back == nil || *back != *r {
			t.Fatalf("%+v writes and reads back as %+v, %v", *r, back, err)
		}
	})
}
