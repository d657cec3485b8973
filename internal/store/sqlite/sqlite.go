// Package sqlite is the store (see package store) on an SQLite database
// under the home, jeeves.db, with its schema migrations embedded. It is
// the one package that speaks SQL or knows the driver: the driver's
// errors leave it as the store's (errors.go).
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver

	"github.com/jeeves-ci/jeeves/internal/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is the database of one jeeves home.
type Store struct {
	db    *sql.DB
	stmts sync.Map // query text → *sql.Stmt
	// stop ends the checkpointer; stopped is closed when it has.
	stop, stopped chan struct{}
	closeOnce     sync.Once
}

// CheckpointEvery is how often the store's own goroutine copies the
// write-ahead log back into the database (a passive checkpoint).
const CheckpointEvery = time.Second

var _ store.Store = (*Store)(nil)

// Open opens (creating if needed) the database under home and applies
// any pending schema migrations.
//
// The home and the database are created readable by their owner only.
// SQLite gives the -wal and -shm files it creates beside the database
// the database file's mode, so creating the database file first, 0600,
// covers them too, without touching the process's umask (which builds
// inherit).
func Open(home string) (*Store, error) { return open(home, CheckpointEvery) }

// open is Open with the checkpointer's period.
func open(home string, every time.Duration) (*Store, error) {
	if err := os.MkdirAll(home, 0o700); err != nil {
		return nil, fmt.Errorf("create home %s: %w", home, store.FileError(err))
	}
	path := filepath.Join(home, "jeeves.db")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, store.FileError(err))
	}
	f.Close()
	q := url.Values{}
	// wal_autocheckpoint(0): no commit checkpoints the log itself (two
	// fsyncs, 10–25 ms on a virtual disk, on whichever build's or
	// request's commit crossed 1,000 pages); the checkpointer does, off
	// their path. The log is what makes a commit durable either way.
	// journal_size_limit: a burst between two checkpoints may grow the
	// log past SQLite's usual 4 MB; it is cut back to 16 MB when reused.
	for _, p := range []string{"foreign_keys(1)", "journal_mode(WAL)", "busy_timeout(10000)", "synchronous(NORMAL)", "wal_autocheckpoint(0)", "journal_size_limit(16777216)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	db.SetConnMaxIdleTime(0)
	s := &Store{db: db, stop: make(chan struct{}), stopped: make(chan struct{})}
	if err := s.migrate(context.Background()); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	go s.checkpointer(every)
	return s, nil
}

// checkpointer checkpoints the write-ahead log every CheckpointEvery
// (PASSIVE: it waits for no reader or writer and copies what it can;
// with nothing new in the log it costs a read of the log's header),
// until Close.
func (s *Store) checkpointer(every time.Duration) {
	defer close(s.stopped)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.Checkpoint()
		}
	}
}

// Checkpoint copies what it can of the write-ahead log into the
// database now, and reports the log's frames and those copied.
func (s *Store) Checkpoint() (frames, copied int64, err error) {
	var busy int64
	err = s.db.QueryRow("PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied)
	return frames, copied, err
}

// Close closes the database: the last connection to close checkpoints
// the whole log into the database and removes it.
func (s *Store) Close() error {
	s.closeOnce.Do(func() { close(s.stop) })
	<-s.stopped
	s.stmts.Range(func(_, v any) bool { v.(*sql.Stmt).Close(); return true })
	return s.db.Close()
}

// txKey is the context key of the transaction InTx runs fn in.
type txKey struct{}

// txn is a transaction InTx opened, with the statements bound to it.
type txn struct {
	s     *Store // the store that opened it: another store's is ignored
	tx    *sql.Tx
	mu    sync.Mutex
	stmts map[string]*sql.Stmt // query text → statement bound to tx
}

// txn is the transaction ctx carries for s; nil outside one.
func (s *Store) txn(ctx context.Context) *txn {
	if t, ok := ctx.Value(txKey{}).(*txn); ok && t.s == s {
		return t
	}
	return nil
}

// InTx implements store.Transactor. SQLite has one writer at a time:
// the transaction takes the write lock when it begins (_txlock), so two
// never deadlock upgrading a read to a write.
func (s *Store) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if s.txn(ctx) != nil {
		return fn(ctx)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return mapErr(err)
	}
	done := false
	defer func() {
		if !done { // fn panicked
			tx.Rollback()
		}
	}()
	err = fn(context.WithValue(ctx, txKey{}, &txn{s: s, tx: tx, stmts: map[string]*sql.Stmt{}}))
	done = true
	if err != nil {
		tx.Rollback()
		return err
	}
	return mapErr(tx.Commit())
}

// stmt returns the prepared statement for query, preparing it once, and
// bound to the transaction ctx carries, if any. SQLite spends most of a
// small query's time parsing it; reusing statements keeps an
// authenticated api/json request cheap.
func (s *Store) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	st, err := s.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	t := s.txn(ctx)
	if t == nil {
		return st, nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if ts, ok := t.stmts[query]; ok {
		return ts, nil
	}
	ts := t.tx.StmtContext(ctx, st)
	t.stmts[query] = ts
	return ts, nil
}

func (s *Store) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	if v, ok := s.stmts.Load(query); ok {
		return v.(*sql.Stmt), nil
	}
	st, err := s.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, mapErr(err)
	}
	if v, loaded := s.stmts.LoadOrStore(query, st); loaded {
		st.Close()
		return v.(*sql.Stmt), nil
	}
	return st, nil
}

func (s *Store) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := s.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, args...)
	return rows, mapErr(err)
}

// rowScanner is a prepared QueryRow whose preparation error surfaces at
// Scan, which returns the store's errors: store.ErrNotFound for no row.
type rowScanner struct {
	row *sql.Row
	err error
}

func (r rowScanner) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	return mapErr(r.row.Scan(dest...))
}

func (s *Store) queryRow(ctx context.Context, query string, args ...any) rowScanner {
	st, err := s.stmt(ctx, query)
	if err != nil {
		return rowScanner{err: err}
	}
	return rowScanner{row: st.QueryRowContext(ctx, args...)}
}

func (s *Store) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := s.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	res, err := st.ExecContext(ctx, args...)
	return res, mapErr(err)
}

// change runs a write that must touch a row: store.ErrNotFound if it
// touched none.
func (s *Store) change(ctx context.Context, query string, args ...any) error {
	res, err := s.exec(ctx, query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return mapErr(err)
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}

// IntegrityCheck runs SQLite's integrity check and returns its verdict
// ("ok" when the database is sound).
func (s *Store) IntegrityCheck(ctx context.Context) (string, error) {
	var v string
	err := s.db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&v)
	return v, mapErr(err)
}

func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`); err != nil {
		return mapErr(err)
	}
	entries, err := migrations.ReadDir("migrations")
	if err != nil {
		return err
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	for _, name := range names {
		version, err := strconv.Atoi(strings.SplitN(name, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("migration %s: name must start with its number", name)
		}
		body, err := migrations.ReadFile("migrations/" + name)
		if err != nil {
			return err
		}
		err = s.InTx(ctx, func(ctx context.Context) error {
			tx := s.txn(ctx).tx
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil {
				return mapErr(err)
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("migration %s: %w", name, mapErr(err))
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, version, ms(time.Now()))
			return mapErr(err)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v)
}
