package sqlite

import (
	"context"
	"strings"
	"testing"
)

// TestHistoryQueriesUseIndexes: each history query is answered through
// an index, never by scanning every build, so its cost does not grow
// with the history (SQLite's query plan says which).
func TestHistoryQueriesUseIndexes(t *testing.T) {
	st, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, c := range []struct {
		name, query string
		args        []any
		want        string
	}{
		{"a page of a job's history", buildsBeforeQuery, []any{1, 10, 5}, "USING PRIMARY KEY"},
		{"the page above a build", buildsAfterQuery, []any{1, 10, 5}, "USING PRIMARY KEY"},
		{"a build's neighbours", adjacentBuildsQuery, []any{1, 5, 1, 5}, "USING PRIMARY KEY"},
		{"a user's builds", userBuildsQuery, []any{"alice", 5}, "USING INDEX builds_started_by"},
	} {
		t.Run(c.name+" reads an index", func(t *testing.T) {
			rows, err := st.db.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+c.query, c.args...)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var plan []string
			for rows.Next() {
				var id, parent, unused int
				var detail string
				if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, detail)
			}
			all := strings.Join(plan, "\n")
			t.Logf("plan:\n%s", all)
			if !strings.Contains(all, c.want) || strings.Contains(all, "SCAN b\n") || strings.HasSuffix(all, "SCAN b") || strings.Contains(all, "USE TEMP B-TREE") {
				t.Fatalf("the plan does not read %s alone:\n%s", c.want, all)
			}
		})
	}
}
