package sqlite

import (
	"database/sql"
	"errors"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/jeeves-ci/jeeves/internal/store"
)

// driverError is an error of the driver as one of the store's: it
// matches kind (store.ErrExists…) and keeps the driver's error and text.
type driverError struct {
	kind error
	err  error
}

func (e *driverError) Error() string   { return e.err.Error() }
func (e *driverError) Unwrap() []error { return []error{e.kind, e.err} }

// mapErr turns the driver's errors into the store's by their result
// codes, never their text: no row is store.ErrNotFound; a UNIQUE or
// PRIMARY KEY constraint, store.ErrExists; a FOREIGN KEY constraint (a
// token for a user who does not exist), store.ErrNotFound; a full disk
// (SQLITE_FULL) or one that cannot be written (SQLITE_READONLY,
// SQLITE_IOERR_*, SQLITE_CANTOPEN), a *store.UnavailableError. Other
// errors pass as they are.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return &driverError{kind: store.ErrExists, err: err}
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return &driverError{kind: store.ErrNotFound, err: err}
	}
	// The primary code is the low byte of an extended one.
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_FULL:
		return &store.UnavailableError{Full: true, Err: err}
	case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN:
		return &store.UnavailableError{Err: err}
	}
	return err
}
