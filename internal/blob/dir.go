package blob

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Dir is a Store on the local file system: key k is the file root/k.
// Directories are made 0700 and files 0600: what builds leave may hold
// secrets.
type Dir struct {
	root string
}

var _ FilePutter = (*Dir)(nil)

// NewDir returns the Store rooted at root, which need not exist yet.
func NewDir(root string) *Dir { return &Dir{root: root} }

// path is the file of key, or ErrBadKey.
func (d *Dir) path(key string) (string, error) {
	if key == "" || strings.HasPrefix(key, "/") || strings.Contains(key, "\\") || strings.ContainsRune(key, 0) || path.Clean(key) != key || key == "." || key == ".." || strings.HasPrefix(key, "../") {
		return "", ErrBadKey
	}
	return filepath.Join(d.root, filepath.FromSlash(key)), nil
}

// Path is the file that holds key, for the local launcher, which hands a
// console log to a build's processes as their output so that no byte of
// it passes through jeeves. Code that may run against another Store must
// not use it.
func (d *Dir) Path(key string) (string, error) { return d.path(key) }

func notFound(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return ErrNotFound
	}
	return err
}

// Append implements Store.
func (d *Dir) Append(key string) (Writer, error) {
	p, err := d.path(key)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return nil, err
	}
	return os.OpenFile(p, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
}

// Open implements Store.
func (d *Dir) Open(key string) (Reader, error) {
	p, err := d.path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, notFound(err)
	}
	return f, nil
}

// Stat implements Store.
func (d *Dir) Stat(key string) (Info, error) {
	p, err := d.path(key)
	if err != nil {
		return Info{}, err
	}
	fi, err := os.Stat(p)
	if err != nil {
		return Info{}, notFound(err)
	}
	if fi.IsDir() {
		return Info{}, ErrNotFound
	}
	return Info{Key: key, Size: fi.Size(), ModTime: fi.ModTime()}, nil
}

// Put implements Store: it writes a temporary file beside key's, syncs
// it and renames it over key's.
func (d *Dir) Put(key string, r io.Reader) (int64, error) {
	p, err := d.path(key)
	if err != nil {
		return 0, err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return 0, err
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".put-*")
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(f, r)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), p)
	}
	if err != nil {
		os.Remove(f.Name())
		return n, err
	}
	return n, nil
}

// PutFile implements FilePutter: a temporary file beside key's, filled
// by copy_file_range (os.File.ReadFrom), renamed over key's.
func (d *Dir) PutFile(key string, f *os.File, n int64) (int64, error) {
	p, err := d.path(key)
	if err != nil {
		return 0, err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return 0, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".put-*")
	if err != nil {
		return 0, err
	}
	written, err := tmp.ReadFrom(io.LimitReader(f, n))
	if err == nil && written < n {
		err = io.ErrUnexpectedEOF
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), p)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return written, err
	}
	return written, nil
}

// Delete implements Store.
func (d *Dir) Delete(key string) error {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	return os.RemoveAll(p)
}

// Walk implements Store.
func (d *Dir) Walk(prefix string, fn func(Info) error) error {
	p, err := d.path(prefix)
	if err != nil {
		return err
	}
	err = filepath.WalkDir(p, func(name string, e fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && name == p {
				return fs.SkipAll
			}
			return err
		}
		if e.IsDir() || strings.HasPrefix(e.Name(), ".put-") {
			return nil
		}
		fi, err := e.Info()
		if err != nil {
			return notFound(err)
		}
		rel, err := filepath.Rel(d.root, name)
		if err != nil {
			return err
		}
		return fn(Info{Key: filepath.ToSlash(rel), Size: fi.Size(), ModTime: fi.ModTime()})
	})
	return err
}
