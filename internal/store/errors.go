package store

import (
	"errors"
	"os"
	"syscall"
)

// The errors every implementation returns, whatever its driver: callers
// tell them apart with errors.Is, never by their text.
var (
	// ErrNotFound: the record asked for, or the one a write refers to
	// (a token's user, a queue item's job), does not exist.
	ErrNotFound = errors.New("not found")
	// ErrExists: a record with the same key already exists.
	ErrExists = errors.New("already exists")
	// ErrUnavailable: the storage refused a write it would take at
	// another time (the disk is full, or it cannot be written at all);
	// the error is an *UnavailableError saying which.
	ErrUnavailable = errors.New("storage unavailable")
)

// UnavailableError is a write the storage refused for want of space or
// of a writable place: nothing was written, and the same write succeeds
// once an operator has made room or fixed the permissions.
// errors.Is(err, ErrUnavailable) holds, and so does errors.Is with the
// system's error it carries (syscall.EROFS…).
type UnavailableError struct {
	Full bool  // the disk is full (or the quota spent); else it cannot be written
	Err  error // the driver's or the system's error
}

// Error is the driver's or the system's message, as it was.
func (e *UnavailableError) Error() string { return e.Err.Error() }

// Unwrap makes the error match ErrUnavailable and what it carries.
func (e *UnavailableError) Unwrap() []error { return []error{ErrUnavailable, e.Err} }

// FileError is err from a file operation (the database's own file, a
// log) as an implementation returns it: an *UnavailableError when the
// system said the disk is full (ENOSPC, EDQUOT) or cannot be written
// (EROFS, EACCES, EPERM, EIO); err itself otherwise.
func FileError(err error) error {
	if err == nil {
		return nil
	}
	var ue *UnavailableError
	if errors.As(err, &ue) {
		return err
	}
	switch {
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return &UnavailableError{Full: true, Err: err}
	case errors.Is(err, syscall.EROFS), errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM), errors.Is(err, syscall.EIO):
		return &UnavailableError{Err: err}
	}
	return err
}

// AsUnavailable is the *UnavailableError in err's chain, or the one
// FileError makes of a system error found there (a file written beside
// the store, such as a workspace, fails the same way); nil when err
// means neither a full disk nor an unwritable one.
func AsUnavailable(err error) *UnavailableError {
	if err == nil {
		return nil
	}
	var ue *UnavailableError
	if errors.As(FileError(err), &ue) {
		return ue
	}
	return nil
}

// Cause is err's message without the file path an *os.PathError puts in
// front of it ("open: permission denied"), for a message that names the
// file already, or must not show where it is.
func Cause(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Op + ": " + pe.Err.Error()
	}
	return err.Error()
}
