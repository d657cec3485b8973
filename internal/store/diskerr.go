package store

import (
	"errors"
	"syscall"

	"modernc.org/sqlite"
)

// SQLite's primary result codes for a write the disk refused.
const (
	sqliteReadonly = 8
	sqliteIOErr    = 10
	sqliteFull     = 13
	sqliteCantOpen = 14
)

// DiskFull reports whether err means the disk holding the home is full:
// a file write that got ENOSPC (or EDQUOT), or SQLite's "database or disk
// is full". Nothing was written then; the same request succeeds once
// space returns.
func DiskFull(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return true
	}
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqliteFull
}

// CannotWrite reports whether err means the home cannot be written at
// all (read-only, no permission, I/O error), as opposed to a bug.
func CannotWrite(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, syscall.EROFS) || errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EIO) {
		return true
	}
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() & 0xff {
	case sqliteReadonly, sqliteIOErr, sqliteCantOpen:
		return true
	}
	return false
}
