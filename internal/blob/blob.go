// Package blob keeps the byte streams builds leave behind — console logs
// today, artifacts and test reports next — by key, behind one interface,
// so that nothing above it opens a path: the HTTP edge reads a build's log
// through it, and the executor writes it through it.
//
// Keys are slash-separated relative names ("builds/12/7.log"); Dir is the
// implementation on the local file system, which keeps each key as the
// file of that name below its root.
package blob

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/jeeves-ci/jeeves/internal/store"
)

// ErrNotFound is returned for a key that holds nothing: it is
// store.ErrNotFound, the not-found every layer shares.
var ErrNotFound = fmt.Errorf("blob: %w", store.ErrNotFound)

// ErrBadKey is returned for a key that is not a clean relative name.
var ErrBadKey = errors.New("blob: bad key")

// Store keeps byte streams by key.
type Store interface {
	// Append opens key for appending, creating it (and what it needs)
	// empty if it holds nothing yet. Writes go to the end of the stream.
	Append(key string) (Writer, error)
	// Open opens key for reading at any offset.
	Open(key string) (Reader, error)
	// Stat describes key.
	Stat(key string) (Info, error)
	// Put replaces key with everything r yields: readers see the old
	// stream or the new one, never part of it. It returns the bytes
	// written.
	Put(key string, r io.Reader) (int64, error)
	// Delete removes key, and every key below it ("builds/12" removes
	// "builds/12/7.log"). Deleting what holds nothing is not an error.
	Delete(key string) error
	// Walk calls fn for every key below prefix, in lexical order; an
	// error from fn stops the walk and is returned.
	Walk(prefix string, fn func(Info) error) error
}

// Writer appends to one stream. Sync makes what was written durable.
type Writer interface {
	io.Writer
	io.Closer
	Sync() error
}

// Reader reads one stream.
type Reader interface {
	io.Reader
	io.ReaderAt
	io.Seeker
	io.Closer
}

// Info describes a stream.
type Info struct {
	Key     string
	Size    int64
	ModTime time.Time
}

// FilePutter is implemented by a Store on the local file system, so that
// a file on the same machine is stored without its bytes passing
// through jeeves: the built-in node's artifacts.
type FilePutter interface {
	// PutFile replaces key with the n bytes f holds from its current
	// offset, copied by the kernel (copy_file_range: the file system
	// clones the blocks where it can, as Btrfs and XFS do). Readers see
	// the old stream or the new one, never part of it. The copy is not
	// synced to the disk, as cp does not sync: PutFile serves files a
	// build can produce again. io.ErrUnexpectedEOF if f ends before n
	// bytes, and nothing is stored.
	PutFile(key string, f *os.File, n int64) (int64, error)
}
