package app

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// LockFile is the file in the home that a jeeves using the home holds
// locked (flock), so that a second server, or `jeeves rotate-key`, on
// the same home is refused instead of changing it under the first.
const LockFile = "jeeves.lock"

// ErrHomeInUse is returned when another process holds the home's lock.
var ErrHomeInUse = errors.New("another jeeves is using this home")

// lockHome takes the home's lock; release lets it go. The lock goes
// with the process, however it ends.
func lockHome(home string) (release func(), err error) {
	if err := os.MkdirAll(home, 0o700); err != nil {
		return nil, err
	}
	path := filepath.Join(home, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("cannot open the home's lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w (%s is locked): stop it first", ErrHomeInUse, path)
		}
		return nil, fmt.Errorf("cannot lock the home (%s): %w", path, err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
