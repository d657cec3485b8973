package bench

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/store/sqlite"
)

// TestSeedWritesAHomeJeevesReads: the seeded jobs take their next
// number after their builds, the builds read back finished, and each
// requested log is where jeeves reads logs, at its size.
func TestSeedWritesAHomeJeevesReads(t *testing.T) {
	home := t.TempDir()
	token, err := seed(home, []seedJob{
		{name: "many", command: "true", builds: 12, logs: map[int64]int64{12: 100 << 10}},
		{name: "none", command: "true"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if token == "" {
		t.Fatal("no token")
	}
	st, err := sqlite.Open(home)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	cases := []struct {
		name       string
		next       int64
		builds     int
		lastResult model.Result
	}{
		{"many", 13, 12, model.Success},
		{"none", 1, 0, ""},
	}
	for _, c := range cases {
		t.Run(c.name+" has its builds and the next number after them", func(t *testing.T) {
			j, err := st.Job(ctx, c.name)
			if err != nil {
				t.Fatal(err)
			}
			bs, err := st.Builds(ctx, j.ID, 0)
			if err != nil {
				t.Fatal(err)
			}
			if j.NextBuildNumber != c.next || len(bs) != c.builds {
				t.Fatalf("next %d, %d builds; want %d, %d", j.NextBuildNumber, len(bs), c.next, c.builds)
			}
			if c.builds > 0 && (bs[0].Result != c.lastResult || bs[0].Building) {
				t.Fatalf("newest build %+v", bs[0])
			}
		})
	}
	t.Run("the log is where jeeves reads it, at the size asked", func(t *testing.T) {
		j, err := st.Job(ctx, "many")
		if err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(filepath.Join(home, "builds", strconv.FormatInt(j.ID, 10), "12.log"))
		if err != nil || fi.Size() != 100<<10 {
			t.Fatalf("%v %v", fi, err)
		}
	})
}
