package antglob

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"
)

// Entry is one file of a workspace listing, as a launcher reports it
// (find's -printf, an SFTP directory read, a listing command run on an
// agent): its path, its type and permission bits (fs.ModeDir,
// fs.ModeSymlink, …, as lstat gives them), its size and modification
// time, and for a symbolic link the target it holds.
type Entry struct {
	Path    string // relative, '/'-separated; "." or "" is the root
	Mode    fs.FileMode
	Size    int64
	ModTime time.Time
	Target  string // symbolic links only
}

// Listing is an io/fs.FS over a listing received in one piece, so that
// Scan and Explain can match a remote workspace without a round trip
// per directory. It implements fs.ReadDirFS, fs.StatFS and
// fs.ReadLinkFS; Open serves directories, and files through the opener
// given to NewListing (the launcher's reader), if any. Directories that
// the listing names only as parents of entries exist as directories.
type Listing struct {
	nodes map[string]*listNode
	open  func(name string) (fs.File, error)
}

type listNode struct {
	e    Entry
	kids []string // names, sorted
}

// NewListing builds a Listing from entries. open, when not nil, opens a
// file of the listing for reading (by its path in the listing). An
// entry with an unclean path (".." or empty segments, a leading '/') is
// an error; a path listed twice keeps its last entry.
func NewListing(entries []Entry, open func(name string) (fs.File, error)) (*Listing, error) {
	l := &Listing{nodes: map[string]*listNode{".": {e: Entry{Path: ".", Mode: fs.ModeDir | 0o755}}}, open: open}
	for _, e := range entries {
		p := e.Path
		if p == "" {
			p = "."
		}
		if !fs.ValidPath(p) {
			return nil, fmt.Errorf("listing: invalid path %q", e.Path)
		}
		e.Path = p
		if p == "." {
			l.nodes["."].e = e
			continue
		}
		l.ensureParents(p)
		if n, ok := l.nodes[p]; ok {
			n.e = e
			continue
		}
		l.nodes[p] = &listNode{e: e}
		parent := path.Dir(p)
		l.nodes[parent].kids = append(l.nodes[parent].kids, path.Base(p))
	}
	for _, n := range l.nodes {
		slices.Sort(n.kids)
	}
	return l, nil
}

func (l *Listing) ensureParents(p string) {
	dir := path.Dir(p)
	if _, ok := l.nodes[dir]; ok || dir == "." {
		return
	}
	l.ensureParents(dir)
	l.nodes[dir] = &listNode{e: Entry{Path: dir, Mode: fs.ModeDir | 0o755}}
	parent := path.Dir(dir)
	l.nodes[parent].kids = append(l.nodes[parent].kids, path.Base(dir))
}

func (l *Listing) node(op, name string) (*listNode, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	n, ok := l.nodes[name]
	if !ok {
		return nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
	}
	return n, nil
}

// resolve follows symbolic links in name within the listing.
func (l *Listing) resolve(op, name string) (*listNode, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	todo := strings.Split(name, "/")
	done := "."
	for hops := 0; len(todo) > 0; {
		seg := todo[0]
		todo = todo[1:]
		next := join(done, seg)
		if seg == "." {
			next = done
		}
		n, ok := l.nodes[next]
		if !ok {
			return nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
		}
		if n.e.Mode&fs.ModeSymlink == 0 {
			done = next
			continue
		}
		if hops++; hops > maxHops || strings.HasPrefix(n.e.Target, "/") {
			return nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
		}
		t := path.Join(path.Dir(next), n.e.Target)
		if t == ".." || strings.HasPrefix(t, "../") {
			return nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
		}
		todo = append(strings.Split(t, "/"), todo...)
		done = "."
	}
	return l.nodes[done], nil
}

// Open opens a directory of the listing, or a file through the opener.
func (l *Listing) Open(name string) (fs.File, error) {
	n, err := l.resolve("open", name)
	if err != nil {
		return nil, err
	}
	if n.e.Mode.IsDir() {
		return &listDir{l: l, n: n}, nil
	}
	if l.open == nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: errors.New("the listing cannot read files")}
	}
	return l.open(n.e.Path)
}

// ReadDir lists a directory, sorted by name.
func (l *Listing) ReadDir(name string) ([]fs.DirEntry, error) {
	n, err := l.resolve("readdir", name)
	if err != nil {
		return nil, err
	}
	if !n.e.Mode.IsDir() {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: errors.New("not a directory")}
	}
	out := make([]fs.DirEntry, len(n.kids))
	for i, k := range n.kids {
		out[i] = fs.FileInfoToDirEntry(info{l.nodes[join(n.e.Path, k)].e})
	}
	return out, nil
}

// Stat describes a file, following symbolic links within the listing.
func (l *Listing) Stat(name string) (fs.FileInfo, error) {
	n, err := l.resolve("stat", name)
	if err != nil {
		return nil, err
	}
	return info{n.e}, nil
}

// Lstat describes a file without following a final symbolic link.
func (l *Listing) Lstat(name string) (fs.FileInfo, error) {
	dir, base := path.Split(name)
	if name == "." {
		return info{l.nodes["."].e}, nil
	}
	if dir != "" {
		d, err := l.resolve("lstat", strings.TrimSuffix(dir, "/"))
		if err != nil {
			return nil, err
		}
		name = join(d.e.Path, base)
	}
	n, err := l.node("lstat", name)
	if err != nil {
		return nil, err
	}
	return info{n.e}, nil
}

// ReadLink returns a symbolic link's target.
func (l *Listing) ReadLink(name string) (string, error) {
	fi, err := l.Lstat(name)
	if err != nil {
		return "", err
	}
	e := fi.(info).e
	if e.Mode&fs.ModeSymlink == 0 {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: fs.ErrInvalid}
	}
	return e.Target, nil
}

// info is an Entry as an fs.FileInfo.
type info struct{ e Entry }

func (i info) Name() string       { return path.Base(i.e.Path) }
func (i info) Size() int64        { return i.e.Size }
func (i info) Mode() fs.FileMode  { return i.e.Mode }
func (i info) ModTime() time.Time { return i.e.ModTime }
func (i info) IsDir() bool        { return i.e.Mode.IsDir() }
func (i info) Sys() any           { return nil }

// listDir is an open directory of a Listing.
type listDir struct {
	l    *Listing
	n    *listNode
	read int
}

func (d *listDir) Stat() (fs.FileInfo, error) { return info{d.n.e}, nil }
func (d *listDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.n.e.Path, Err: errors.New("is a directory")}
}
func (d *listDir) Close() error { return nil }

func (d *listDir) ReadDir(count int) ([]fs.DirEntry, error) {
	all, err := d.l.ReadDir(d.n.e.Path)
	if err != nil {
		return nil, err
	}
	rest := all[d.read:]
	if count > 0 && len(rest) > count {
		rest = rest[:count]
	}
	d.read += len(rest)
	if count > 0 && len(rest) == 0 {
		return nil, io.EOF
	}
	return rest, nil
}
