package artifact

import (
	"bytes"
	"path/filepath"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/export"
)

func TestRangeSetAdd(t *testing.T) {
	tests := []struct {
		name string
		adds []int
		want RangeSet
	}{
		{"one number is a range of one", []int{5}, RangeSet{{5, 6}}},
		{"consecutive numbers merge", []int{5, 6, 7}, RangeSet{{5, 8}}},
		{"a number before a range extends it", []int{6, 5}, RangeSet{{5, 7}}},
		{"a gap keeps ranges apart", []int{1, 3}, RangeSet{{1, 2}, {3, 4}}},
		{"filling a gap joins two ranges", []int{1, 3, 2}, RangeSet{{1, 4}}},
		{"adding twice changes nothing", []int{2, 2}, RangeSet{{2, 3}}},
		{"out of order numbers end sorted", []int{9, 1, 5}, RangeSet{{1, 2}, {5, 6}, {9, 10}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var s RangeSet
			for _, n := range tc.adds {
				s.Add(n)
			}
			if len(s) != len(tc.want) {
				t.Fatalf("got %v, want %v", s, tc.want)
			}
			for i := range s {
				if s[i] != tc.want[i] {
					t.Fatalf("got %v, want %v", s, tc.want)
				}
			}
			for _, n := range tc.adds {
				if !s.Has(n) {
					t.Errorf("Has(%d) = false", n)
				}
			}
		})
	}
}

func TestFingerprintExportGolden(t *testing.T) {
	now := time.UnixMilli(1714982890123)
	f := NewFingerprint("b1946ac92492d2347c6235b4d2611184", "app.jar", BuildRef{"team/app", 3}, true, now)
	f.Add(BuildRef{"team/app", 4})
	f.Add(BuildRef{"deploy", 10})
	f.Add(BuildRef{"secret", 1})
	var buf bytes.Buffer
	if err := export.Write(&buf, f.Export(nil), export.JSON, "fingerprint", export.Options{}); err != nil {
		t.Fatal(err)
	}
	buf.WriteByte('\n')
	hidden := func(job string) bool { return job != "secret" }
	if err := export.Write(&buf, f.Export(hidden), export.JSON, "fingerprint", export.Options{}); err != nil {
		t.Fatal(err)
	}
	buf.WriteByte('\n')
	used := NewFingerprint("d41d8cd98f00b204e9800998ecf8427e", "empty", BuildRef{"x", 1}, false, now)
	if err := export.Write(&buf, used.Export(nil), export.JSON, "fingerprint", export.Options{}); err != nil {
		t.Fatal(err)
	}
	buf.WriteByte('\n')
	golden(t, filepath.Join("testdata", "fingerprint.golden.json"), buf.Bytes())
}

func TestProduced(t *testing.T) {
	start := time.UnixMilli(1000)
	if !Produced(time.UnixMilli(1000), start) || Produced(time.UnixMilli(999), start) {
		t.Error("Produced does not compare as Fingerprinter does")
	}
}
