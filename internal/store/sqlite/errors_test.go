package sqlite

import (
	"context"
	"database/sql/driver"
	"errors"
	"strings"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/store"
)

// TestDriverErrorsBecomeTheStores: the driver's errors, raised for real
// on a connection, leave the package as the store's, told apart by
// their result codes.
func TestDriverErrorsBecomeTheStores(t *testing.T) {
	ctx := context.Background()
	st, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cases := []struct {
		name  string
		setup string // run first, on the same connection
		write string
		check func(error) bool
	}{
		{"a UNIQUE constraint is ErrExists", "INSERT INTO settings (key, value) VALUES ('k', 'v')",
			"INSERT INTO settings (key, value) VALUES ('k', 'w')", func(err error) bool { return errors.Is(err, store.ErrExists) }},
		{"a FOREIGN KEY constraint is ErrNotFound", "",
			"INSERT INTO sessions (id_hash, user_id, created_at, expires_at) VALUES ('h', 'nobody', 0, 1)", func(err error) bool { return errors.Is(err, store.ErrNotFound) }},
		{"a full database (SQLITE_FULL) is ErrUnavailable, full", "PRAGMA max_page_count = 1",
			"INSERT INTO settings (key, value) VALUES ('big', '" + strings.Repeat("x", 1<<16) + "')", func(err error) bool {
				ue := store.AsUnavailable(err)
				return errors.Is(err, store.ErrUnavailable) && ue != nil && ue.Full
			}},
		{"a read-only database (SQLITE_READONLY) is ErrUnavailable, not full", "PRAGMA query_only = 1",
			"INSERT INTO settings (key, value) VALUES ('ro', 'v')", func(err error) bool {
				ue := store.AsUnavailable(err)
				return errors.Is(err, store.ErrUnavailable) && ue != nil && !ue.Full
			}},
		{"a syntax error stays the driver's", "", "INSERT INTO", func(err error) bool {
			return err != nil && !errors.Is(err, store.ErrUnavailable) && !errors.Is(err, store.ErrExists) && !errors.Is(err, store.ErrNotFound)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			conn, err := st.db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				// A connection left with a changed pragma is not put back.
				conn.Raw(func(any) error { return driver.ErrBadConn })
				conn.Close()
			}()
			if c.setup != "" {
				if _, err := conn.ExecContext(ctx, c.setup); err != nil {
					t.Fatal(err)
				}
			}
			_, err = conn.ExecContext(ctx, c.write)
			if got := mapErr(err); !c.check(got) {
				t.Fatalf("%v (%T) mapped to %v (%T)", err, err, got, got)
			}
		})
	}
}
