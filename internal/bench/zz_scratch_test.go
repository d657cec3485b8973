package bench

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/auth"
	"github.com/jeeves-ci/jeeves/internal/authz"
	"github.com/jeeves-ci/jeeves/internal/jobs"
	"github.com/jeeves-ci/jeeves/internal/store"
)

func TestScratchStart(t *testing.T) {
	home := t.TempDir()
	js := []seedJob{{name: "history", command: "echo", builds: 100000}}
	for i := 0; i < 999; i++ {
		js = append(js, seedJob{name: fmt.Sprintf("job-%04d", i), command: "echo", builds: 10})
	}
	if _, err := seed(home, js); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for round := 0; round < 2; round++ {
		t0 := time.Now()
		st, _ := store.Open(home)
		t.Log("open", time.Since(t0))
		t1 := time.Now()
		au, _ := auth.New(st, filepath.Join(home, "secrets"))
		au.EnsureAdmin(ctx, "")
		t.Log("auth", time.Since(t1))
		t1 = time.Now()
		authz.New(ctx, st)
		t.Log("authz", time.Since(t1))
		t1 = time.Now()
		all, _ := st.Jobs(ctx)
		t.Log("jobs query", time.Since(t1), len(all))
		t1 = time.Now()
		st.JobStatuses(ctx)
		t.Log("statuses", time.Since(t1))
		t1 = time.Now()
		jobs.New(ctx, st)
		t.Log("jobs.New", time.Since(t1))
		t1 = time.Now()
		st.RunningBuilds(ctx)
		t.Log("running", time.Since(t1))
		au.Close()
		st.Close()
	}
}
