package retention_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/archive"
	"github.com/jeeves-ci/jeeves/internal/blob"
	"github.com/jeeves-ci/jeeves/internal/builds"
	"github.com/jeeves-ci/jeeves/internal/jobs"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/retention"
	"github.com/jeeves-ci/jeeves/internal/store/sqlite"
)

// BenchmarkDiscard measures one pass of the discarder that deletes one
// build (with its record, log and blobs), for jobs whose histories hold
// 1,000, 10,000 and 100,000 builds: its cost should follow the builds
// it deletes, not the history.
//
//   - days: daysToKeep 30; each pass finds one build older than that
//     among the recent ones and deletes it.
//
//   - num: numToKeep equal to the history; each pass follows one new
//     build and deletes the oldest. It skips the builds it keeps, so its
//     cost follows numToKeep (an index walk of the kept builds).
//
//     go test -run X -bench Discard -benchtime 200x ./internal/retention/
func BenchmarkDiscard(b *testing.B) {
	for _, mode := range []string{"days", "num"} {
		for _, history := range []int{1_000, 10_000, 100_000} {
			b.Run(fmt.Sprintf("%s/history=%d", mode, history), func(b *testing.B) { benchDiscard(b, mode, history) })
		}
	}
}

func benchDiscard(b *testing.B, mode string, history int) {
	ctx := context.Background()
	home := b.TempDir()
	st, err := sqlite.Open(home)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	blobs := blob.NewDir(home)
	js, err := jobs.New(ctx, st, blobs)
	if err != nil {
		b.Fatal(err)
	}
	rotator := `<daysToKeep>30</daysToKeep>`
	if mode == "num" {
		rotator = fmt.Sprintf(`<numToKeep>%d</numToKeep>`, history)
	}
	job, err := js.Create(ctx, "", "big", []byte(`<project><properties><jenkins.model.BuildDiscarderProperty><strategy class="hudson.tasks.LogRotator">`+rotator+
		`</strategy></jenkins.model.BuildDiscarderProperty></properties></project>`), nil)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	old := now.AddDate(0, 0, -60)
	// Numbers: old builds below base, the recent history from base up.
	base := int64(b.N + 10)
	recent := make([]model.Build, history)
	for i := range recent {
		recent[i] = model.Build{Number: base + int64(i), Result: model.Success, StartedAt: now.Add(time.Duration(i-history) * time.Second), Duration: time.Second}
	}
	if err := st.ImportBuilds(ctx, job.ID, recent); err != nil {
		b.Fatal(err)
	}
	arch := archive.New(archive.Config{}, blobs, st)
	defer arch.Close(ctx)
	d := retention.New(retention.Config{}, st, builds.New(st, blobs, js), arch, js, blobs)
	addBuild := func(n int64, start time.Time) {
		if err := st.ImportBuilds(ctx, job.ID, []model.Build{{Number: n, Result: model.Success, StartedAt: start}}); err != nil {
			b.Fatal(err)
		}
		if _, err := blobs.Put(blob.LogKey(job.ID, n), strings.NewReader("Started\nFinished: SUCCESS\n")); err != nil {
			b.Fatal(err)
		}
	}
	j, _ := js.ByID(job.ID)
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		if mode == "days" {
			addBuild(int64(i+1), old)
		} else {
			addBuild(base+int64(history+i), now.Add(time.Duration(i)*time.Second))
		}
		b.StartTimer()
		dec, err := d.Discard(ctx, j)
		if err != nil || len(dec.Delete) != 1 {
			b.Fatalf("%+v %v", dec, err)
		}
	}
}
