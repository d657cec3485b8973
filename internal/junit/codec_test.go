package junit

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/export"
)

func TestEncodeDecodeKeepsTheReport(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "plugin", "*.xml"))
	if err != nil || len(files) == 0 {
		t.Fatal("no reports", err)
	}
	for _, f := range files {
		t.Run("the report of "+filepath.Base(f)+" reads back as it was written", func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			suites, err := Parse(bytes.NewReader(data), f, filepath.Base(f), Options{KeepProperties: true, Retention: RetainAll})
			if err != nil {
				t.Fatal(err)
			}
			r := NewReport()
			r.Add(suites...)
			prev := build(t, "p.A.t1=fail")
			prev.Freeze(6, nil)
			r.Freeze(7, []Lookup{prev})
			var enc bytes.Buffer
			if err := r.Encode(&enc); err != nil {
				t.Fatal(err)
			}
			back, err := DecodeReport(&enc)
			if err != nil {
				t.Fatal(err)
			}
			if back.TotalCount() != r.TotalCount() || back.FailCount() != r.FailCount() || back.SkipCount() != r.SkipCount() || len(back.Suites) != len(r.Suites) {
				t.Fatalf("counts %v, want %v", back.Summarize(), r.Summarize())
			}
			var want, got bytes.Buffer
			export.Write(&want, r.Export(ExportOptions{}), export.JSON, "testResult", export.Options{Depth: 3})
			export.Write(&got, back.Export(ExportOptions{}), export.JSON, "testResult", export.Options{Depth: 3})
			if want.String() != got.String() {
				t.Fatalf("exported differently:\n%s\nwant\n%s", got.String(), want.String())
			}
			for _, s := range back.Suites {
				for _, c := range s.Cases {
					if c.Suite() != s {
						t.Fatalf("case %s lost its suite", c.FullName())
					}
				}
			}
		})
	}
	t.Run("an index reads back", func(t *testing.T) {
		r := build(t, "p.A.t1=pass", "p.A.t2=fail")
		r.Freeze(3, nil)
		var b bytes.Buffer
		if err := r.Index().EncodeIndex(&b); err != nil {
			t.Fatal(err)
		}
		ix, err := DecodeIndex(&b)
		if err != nil {
			t.Fatal(err)
		}
		if c, ok := ix.Case("S", "p.A.t2"); !ok || !c.Failed || c.FailedSince != 3 {
			t.Fatalf("%+v %v", c, ok)
		}
	})
	t.Run("a report of another version is refused", func(t *testing.T) {
		if _, err := DecodeReport(bytes.NewReader([]byte(`{"version":99,"suites":[]}`))); err == nil {
			t.Fatal("read")
		}
	})
}
