package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"testing"
)

func TestDiskErrors(t *testing.T) {
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
		{"any other error is neither", errors.New("boom"), false, false},
		{"no error is neither", nil, false, false},
		{"a cancelled context is neither", context.Canceled, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := DiskFull(c.err); got != c.full {
				t.Errorf("DiskFull = %v", got)
			}
			if got := CannotWrite(c.err); got != c.unwritable {
				t.Errorf("CannotWrite = %v", got)
			}
		})
	}
}
