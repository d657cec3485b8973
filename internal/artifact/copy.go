package artifact

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"time"

	"github.com/jeeves-ci/jeeves/internal/antglob"
)

// Hasher is an io.Writer that computes the MD5 (Jenkins's fingerprint)
// and SHA-256 of what is written to it: put it beside the destination
// with io.MultiWriter, or use Copy.
type Hasher struct {
	md5, sha hash.Hash
	n        int64
}

// NewHasher returns an empty Hasher.
func NewHasher() *Hasher { return &Hasher{md5: md5.New(), sha: sha256.New()} }

// Write adds p to the sums; it never fails.
func (h *Hasher) Write(p []byte) (int, error) {
	h.md5.Write(p)
	h.sha.Write(p)
	h.n += int64(len(p))
	return len(p), nil
}

// Digest returns the sums of what was written so far.
func (h *Hasher) Digest() Digest {
	return Digest{MD5: hex.EncodeToString(h.md5.Sum(nil)), SHA256: hex.EncodeToString(h.sha.Sum(nil)), Size: h.n}
}

// Digest is a file's size and sums, in lower-case hexadecimal.
type Digest struct {
	MD5    string
	SHA256 string
	Size   int64
}

// Artifact is one archived file: what a store keeps as the build's
// manifest, so that listings and fingerprints need no directory walk.
type Artifact struct {
	// Path is the relative path under the build's archive, '/'-separated.
	Path    string
	Size    int64
	Mode    fs.FileMode
	ModTime time.Time
	MD5     string
	SHA256  string
}

// Sink is where Copy puts archived files: the artifact store.
type Sink interface {
	// Put stores the file at path (relative to the build's archive),
	// reading its content from r to EOF. It must store all of it or
	// nothing: when r fails, Put returns the error and keeps nothing.
	Put(ctx context.Context, a Artifact, r io.Reader) error
}

// ErrChanged is returned by Copy when a file's size changed between the
// selection and the copy.
var ErrChanged = errors.New("file changed while it was archived")

// Copy copies the selected files from ws to dst, each read from its
// Source and stored under its Path, and returns what was stored with its
// MD5 and SHA-256. A file is read only up to the size the selection saw,
// as Jenkins bounds its tar entries; a file that has since shrunk fails
// with ErrChanged. It stops at the first error, returning the files
// stored before it.
func Copy(ctx context.Context, ws fs.FS, files []antglob.File, dst Sink) ([]Artifact, error) {
	out := make([]Artifact, 0, len(files))
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		a, err := copyOne(ctx, ws, f, dst)
		if err != nil {
			return out, fmt.Errorf("archiving %s: %w", f.Path, err)
		}
		out = append(out, a)
	}
	return out, nil
}

func copyOne(ctx context.Context, ws fs.FS, f antglob.File, dst Sink) (Artifact, error) {
	src, err := ws.Open(f.Source)
	if err != nil {
		return Artifact{}, err
	}
	defer src.Close()
	h := NewHasher()
	a := Artifact{Path: f.Path, Size: f.Size, Mode: f.Mode, ModTime: f.ModTime}
	r := &exactReader{r: io.TeeReader(io.LimitReader(src, f.Size), h), left: f.Size}
	if err := dst.Put(ctx, a, r); err != nil {
		return Artifact{}, err
	}
	if r.left != 0 {
		return Artifact{}, ErrChanged
	}
	d := h.Digest()
	a.MD5, a.SHA256 = d.MD5, d.SHA256
	return a, nil
}

// exactReader fails with ErrChanged when its source ends before left
// bytes were read, so that a Sink never keeps a short file.
type exactReader struct {
	r    io.Reader
	left int64
}

func (e *exactReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	e.left -= int64(n)
	if err == io.EOF && e.left > 0 {
		return n, ErrChanged
	}
	return n, err
}
