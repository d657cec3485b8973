package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"testing"
)

func TestUnavailableErrors(t *testing.T) {
	cases := []struct {
		name             string
		err              error
		full, unwritable bool
	}{
		{"ENOSPC from a file write is a full disk", &os.PathError{Op: "write", Path: "/h/x", Err: syscall.ENOSPC}, true, false},
		{"a wrapped ENOSPC is a full disk", fmt.Errorf("save: %w", syscall.ENOSPC), true, false},
		{"EDQUOT is a full disk", syscall.EDQUOT, true, false},
		{"EROFS is an unwritable home", &os.PathError{Op: "open", Path: "/h/x", Err: syscall.EROFS}, false, true},
		{"EACCES is an unwritable home", syscall.EACCES, false, true},
		{"a store's full disk is a full disk", fmt.Errorf("create: %w", &UnavailableError{Full: true, Err: errors.New("database or disk is full")}), true, false},
		{"a store's unwritable database is an unwritable home", &UnavailableError{Err: errors.New("attempt to write a readonly database")}, false, true},
		{"any other error is neither", errors.New("boom"), false, false},
		{"ErrExists is neither", ErrExists, false, false},
		{"no error is neither", nil, false, false},
		{"a cancelled context is neither", context.Canceled, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ue := AsUnavailable(c.err)
			if got := ue != nil && ue.Full; got != c.full {
				t.Errorf("full = %v", got)
			}
			if got := ue != nil && !ue.Full; got != c.unwritable {
				t.Errorf("unwritable = %v", got)
			}
			if got := errors.Is(FileError(c.err), ErrUnavailable); got != (c.full || c.unwritable) {
				t.Errorf("FileError matches ErrUnavailable: %v", got)
			}
		})
	}
	t.Run("the system's error stays in reach of errors.Is", func(t *testing.T) {
		err := FileError(&os.PathError{Op: "open", Path: "/h/x", Err: syscall.EROFS})
		if !errors.Is(err, syscall.EROFS) || !errors.Is(err, ErrUnavailable) {
			t.Fatalf("%v", err)
		}
	})
}

func TestCauseLeavesThePathOut(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		want string
	}{
		{"a path error is its operation and its reason", &os.PathError{Op: "open", Path: "/home/secret/x", Err: syscall.EACCES}, "open: permission denied"},
		{"a wrapped path error too", fmt.Errorf("save: %w", &os.PathError{Op: "write", Path: "/h/x", Err: syscall.ENOSPC}), "write: no space left on device"},
		{"any other error is its message", errors.New("boom"), "boom"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := Cause(c.err); got != c.want {
				t.Fatalf("Cause = %q, want %q", got, c.want)
			}
		})
	}
}
