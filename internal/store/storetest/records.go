package storetest

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/store"
)

func testRecords(t *testing.T, open func(t *testing.T) store.Store) {
	ctx := context.Background()
	st := open(t)
	job := createJob(t, st, "j")
	other := createJob(t, st, "other")
	for range 6 {
		b := startBuild(t, st, job.ID, 0)
		if b.Number != 6 {
			must(t, st.FinishBuild(ctx, job.ID, b.Number, model.Success, time.Second))
		}
	}
	startBuild(t, st, other.ID, 0)

	t.Run("keepLog is set and cleared per build", func(t *testing.T) {
		must(t, st.SetKeepLog(ctx, job.ID, 2, true))
		b, err := st.Build(ctx, job.ID, 2)
		must(t, err)
		if !b.KeepLog {
			t.Fatal("keepLog not read back")
		}
		if b, _ := st.Build(ctx, job.ID, 3); b.KeepLog {
			t.Fatal("another build is kept")
		}
		is(t, st.SetKeepLog(ctx, job.ID, 99, true), store.ErrNotFound)
	})
	t.Run("a build's disk usage adds up, and its job's is the sum of its builds'", func(t *testing.T) {
		must(t, st.AddBuildDisk(ctx, job.ID, 1, 100))
		must(t, st.SetBuildArtifacts(ctx, job.ID, 1, true, 1000))
		must(t, st.SetBuildArtifacts(ctx, job.ID, 3, true, 50))
		must(t, st.AddBuildDisk(ctx, other.ID, 1, 7))
		b, err := st.Build(ctx, job.ID, 1)
		must(t, err)
		if b.DiskUsage != 1100 || !b.HasArtifacts {
			t.Fatalf("build %+v", b)
		}
		if n, err := st.JobDiskUsage(ctx, job.ID); err != nil || n != 1150 {
			t.Fatalf("job usage %d %v", n, err)
		}
		is(t, st.AddBuildDisk(ctx, job.ID, 99, 1), store.ErrNotFound)
		is(t, st.SetBuildArtifacts(ctx, job.ID, 99, true, 1), store.ErrNotFound)
		_, err = st.JobDiskUsage(ctx, 1<<40)
		is(t, err, store.ErrNotFound)
	})
	t.Run("deleting artifacts or a build takes its bytes off its job's usage", func(t *testing.T) {
		must(t, st.SetBuildArtifacts(ctx, job.ID, 3, false, -50))
		must(t, st.DeleteBuild(ctx, job.ID, 1))
		if n, err := st.JobDiskUsage(ctx, job.ID); err != nil || n != 0 {
			t.Fatalf("job usage %d %v", n, err)
		}
		if b, _ := st.Build(ctx, job.ID, 3); b.HasArtifacts {
			t.Fatal("artifacts still marked")
		}
		if n, _ := st.JobDiskUsage(ctx, other.ID); n != 7 {
			t.Fatalf("other job's usage %d", n)
		}
	})
	t.Run("build marks are listed by page, either way, after a number, with or without artifacts", func(t *testing.T) {
		must(t, st.SetBuildArtifacts(ctx, job.ID, 4, true, 1))
		must(t, st.SetBuildArtifacts(ctx, job.ID, 2, true, 1))
		numbers := func(q store.MarkQuery) []int64 {
			ms, err := st.BuildMarks(ctx, job.ID, q)
			must(t, err)
			var out []int64
			for _, m := range ms {
				out = append(out, m.Number)
			}
			return out
		}
		cases := []struct {
			name string
			q    store.MarkQuery
			want []int64
		}{
			{"newest first", store.MarkQuery{Limit: 10}, []int64{6, 5, 4, 3, 2}},
			{"newest first, skipping two", store.MarkQuery{Skip: 2, Limit: 10}, []int64{4, 3, 2}},
			{"newest first below 5, by pages of 2", store.MarkQuery{After: 5, Limit: 2}, []int64{4, 3}},
			{"oldest first", store.MarkQuery{Oldest: true, Limit: 3}, []int64{2, 3, 4}},
			{"oldest first above 3", store.MarkQuery{Oldest: true, After: 3, Limit: 10}, []int64{4, 5, 6}},
			{"oldest first with artifacts", store.MarkQuery{Oldest: true, WithArtifacts: true, Limit: 10}, []int64{2, 4}},
			{"newest first with artifacts below 4", store.MarkQuery{After: 4, WithArtifacts: true, Limit: 10}, []int64{2}},
		}
		for _, c := range cases {
			if got := numbers(c.q); !slices.Equal(got, c.want) {
				t.Errorf("%s: %v, want %v", c.name, got, c.want)
			}
		}
		ms, err := st.BuildMarks(ctx, job.ID, store.MarkQuery{Limit: 1})
		must(t, err)
		if m := ms[0]; m.Number != 6 || !m.Building || m.Result != "" || m.StartedAt.IsZero() {
			t.Errorf("running build %+v", m)
		}
		ms, _ = st.BuildMarks(ctx, job.ID, store.MarkQuery{Oldest: true, Limit: 1})
		if m := ms[0]; m.Number != 2 || !m.KeepLog || !m.HasArtifacts || m.Building || m.Result != model.Success {
			t.Errorf("kept build %+v", m)
		}
	})
}

func testFingerprints(t *testing.T, open func(t *testing.T) store.Store) {
	ctx := context.Background()
	st := open(t)
	app := createJob(t, st, "app")
	deploy := createJob(t, st, "deploy")
	for range 3 {
		startBuild(t, st, app.ID, 0)
	}
	startBuild(t, st, deploy.ID, 0)
	t0 := now()
	const jar, doc = "0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210"

	t.Run("a file first seen in a build that produced it has that build as its original", func(t *testing.T) {
		must(t, st.RecordFingerprints(ctx, app.ID, 1, []store.FingerprintUse{{MD5: jar, FileName: "app.jar", Produced: true}, {MD5: doc, FileName: "README"}}, t0))
		f, err := st.Fingerprint(ctx, jar)
		must(t, err)
		want := &store.FingerprintRecord{MD5: jar, FileName: "app.jar", OriginalJob: "app", OriginalNumber: 1, CreatedAt: t0,
			Usages: []store.FingerprintUsage{{Job: "app", Numbers: []int64{1}}}}
		if !reflect.DeepEqual(f, want) {
			t.Fatalf("%+v, want %+v", f, want)
		}
		if f, _ := st.Fingerprint(ctx, doc); f.OriginalJob != "" || f.OriginalNumber != 0 {
			t.Fatalf("a file not produced has an original: %+v", f)
		}
	})
	t.Run("later builds add usages, by job, sorted by name, and keep the first name and original", func(t *testing.T) {
		must(t, st.RecordFingerprints(ctx, deploy.ID, 1, []store.FingerprintUse{{MD5: jar, FileName: "renamed.jar", Produced: true}}, t0.Add(time.Hour)))
		must(t, st.RecordFingerprints(ctx, app.ID, 3, []store.FingerprintUse{{MD5: jar, FileName: "app.jar", Produced: true}}, t0.Add(time.Hour)))
		must(t, st.RecordFingerprints(ctx, app.ID, 3, []store.FingerprintUse{{MD5: jar, FileName: "app.jar", Produced: true}}, t0.Add(time.Hour)))
		f, err := st.Fingerprint(ctx, jar)
		must(t, err)
		want := []store.FingerprintUsage{{Job: "app", Numbers: []int64{1, 3}}, {Job: "deploy", Numbers: []int64{1}}}
		if f.FileName != "app.jar" || f.OriginalNumber != 1 || !f.CreatedAt.Equal(t0) || !reflect.DeepEqual(f.Usages, want) {
			t.Fatalf("%+v", f)
		}
	})
	t.Run("an unknown hash, or a build that does not exist, is ErrNotFound", func(t *testing.T) {
		_, err := st.Fingerprint(ctx, "00000000000000000000000000000000")
		is(t, err, store.ErrNotFound)
		is(t, st.RecordFingerprints(ctx, app.ID, 99, []store.FingerprintUse{{MD5: jar, FileName: "x"}}, t0), store.ErrNotFound)
	})
	t.Run("a renamed job is followed", func(t *testing.T) {
		must(t, st.RenameJob(ctx, "app", "app2"))
		f, err := st.Fingerprint(ctx, jar)
		must(t, err)
		if f.OriginalJob != "app2" || f.Usages[0].Job != "app2" {
			t.Fatalf("%+v", f)
		}
	})
	t.Run("a deleted build's usage goes, the original keeps its name", func(t *testing.T) {
		must(t, st.DeleteBuild(ctx, app.ID, 1))
		f, err := st.Fingerprint(ctx, jar)
		must(t, err)
		want := []store.FingerprintUsage{{Job: "app2", Numbers: []int64{3}}, {Job: "deploy", Numbers: []int64{1}}}
		if f.OriginalJob != "app2" || f.OriginalNumber != 1 || !reflect.DeepEqual(f.Usages, want) {
			t.Fatalf("%+v", f)
		}
	})
	t.Run("a fingerprint goes with its last usage", func(t *testing.T) {
		_, err := st.Fingerprint(ctx, doc)
		is(t, err, store.ErrNotFound)
		must(t, st.DeleteJob(ctx, app.ID))
		f, err := st.Fingerprint(ctx, jar)
		must(t, err)
		if f.OriginalJob != "app2" || len(f.Usages) != 1 || f.Usages[0].Job != "deploy" {
			t.Fatalf("after the original job was deleted: %+v", f)
		}
		must(t, st.DeleteBuild(ctx, deploy.ID, 1))
		_, err = st.Fingerprint(ctx, jar)
		is(t, err, store.ErrNotFound)
	})
}
