package store

import (
	"context"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/model"
)

func TestScratchPlan(t *testing.T) {
	ctx := context.Background()
	st, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var id int64
	st.Bulk(ctx, func(b *Bulk) error {
		id, _ = b.CreateJob("h", []byte("<project/>"), time.Now())
		var bs []model.Build
		for i := 1; i <= 10000; i++ {
			r := model.Success
			if i%10 == 7 {
				r = model.Failure
			}
			bs = append(bs, model.Build{Number: int64(i), Result: r})
		}
		return b.AddBuilds(id, bs)
	})
	for _, q := range []string{
		`EXPLAIN QUERY PLAN SELECT number FROM builds INDEXED BY builds_result WHERE job_id = ? AND result = ? AND building = 0 ORDER BY number DESC LIMIT 1`,
		`EXPLAIN QUERY PLAN SELECT b.job_id, b.number FROM builds b JOIN jobs j ON j.id = b.job_id WHERE b.job_id = ? ORDER BY b.number DESC LIMIT ?`,
		`EXPLAIN QUERY PLAN SELECT result FROM builds WHERE job_id = ? AND building = 0 AND result IN ('SUCCESS','UNSTABLE','FAILURE') ORDER BY number DESC LIMIT ?`,
	} {
		rows, err := st.db.Query(q, id, "UNSTABLE")
		if err != nil {
			rows, err = st.db.Query(q, id, 5)
		}
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var a, b, c int
			var d string
			rows.Scan(&a, &b, &c, &d)
			t.Log(d)
		}
		rows.Close()
	}
	for _, l := range append(Permalinks, FirstBuild) {
		t0 := time.Now()
		n, _, err := st.PermalinkNumber(ctx, id, l)
		t.Log(l, n, err, time.Since(t0))
	}
	t0 := time.Now()
	st.Builds(ctx, id, 100)
	t.Log("builds", time.Since(t0))
	t0 = time.Now()
	st.RecentResults(ctx, id, 5)
	t.Log("recent", time.Since(t0))
}
