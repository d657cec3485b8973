// Package wsfs reads a directory of a build machine (a workspace)
// through the machine's launcher, for the archiver and the JUnit
// recorder to select files from and for /job/X/ws/ to browse.
//
// On the built-in node (a launcher that implements launcher.Rooter) the
// directory is opened as an os.Root: reads, link targets and copies
// stay below it whatever its links say or become, and files are
// copied by the kernel. On another machine the directory is listed in
// one walk (antglob.Listing) and files are streamed through the
// launcher: there the build's own processes could read any file the
// launcher can, so a link that changes between listing and reading
// gives them nothing they did not have.
package wsfs

import (
	"context"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/antglob"
	"github.com/jeeves-ci/jeeves/internal/launcher"
)

// LinkReader is implemented by a launcher that can read a symbolic
// link's target; without it the links of a remote directory are not
// followed.
type LinkReader interface {
	Readlink(ctx context.Context, name string) (string, error)
}

// MaxEntries bounds the entries one walk of a remote directory lists.
const MaxEntries = 5_000_000

// Dir is a directory of a build machine, open for selecting files.
// Close it when done.
type Dir struct {
	// FS is the directory as an io/fs.FS for antglob.Scan and for
	// reading what it selects: ReadDirFS, StatFS, and ReadLinkFS where
	// links can be read.
	FS   fs.FS
	root *os.Root
	dir  string
	l    launcher.Launcher
	ctx  context.Context
}

// Root is the os.Root of a local directory, nil for a remote one: the
// archiver copies files opened through it without streaming them.
func (f *Dir) Root() *os.Root { return f.root }

// Dir is the directory's path on its machine.
func (f *Dir) Dir() string { return f.dir }

// Close releases the directory.
func (f *Dir) Close() error {
	if f.root != nil {
		return f.root.Close()
	}
	return nil
}

// Open opens dir on the machine l reaches. descend, when not nil, says
// which directories (relative, '/'-separated) a remote walk enters; a
// local directory is read as it is scanned. fs.ErrNotExist (wrapped) if
// dir does not exist.
func Open(ctx context.Context, l launcher.Launcher, dir string, descend func(rel string) bool) (*Dir, error) {
	if r, ok := l.(launcher.Rooter); ok {
		root, err := r.OpenRoot(dir)
		if err != nil {
			return nil, err
		}
		return &Dir{FS: root.FS(), root: root, dir: dir, l: l, ctx: ctx}, nil
	}
	entries, links, err := walk(ctx, l, dir, descend)
	if err != nil {
		return nil, err
	}
	var list *antglob.Listing
	open := func(name string) (fs.File, error) {
		fi, err := list.Lstat(name)
		if err != nil {
			return nil, err
		}
		r, err := l.Open(ctx, join(dir, name))
		if err != nil {
			return nil, err
		}
		return &remoteFile{ReadCloser: r, info: fi}, nil
	}
	if list, err = antglob.NewListing(entries, open); err != nil {
		return nil, err
	}
	f := &Dir{FS: noLinks{list}, dir: dir, l: l, ctx: ctx}
	if links {
		f.FS = list
	}
	return f, nil
}

// walk lists dir on l in one walk; links reports whether the targets of
// its symbolic links are known.
func walk(ctx context.Context, l launcher.Launcher, dir string, descend func(string) bool) ([]antglob.Entry, bool, error) {
	lr, links := l.(LinkReader)
	var entries []antglob.Entry
	err := l.Walk(ctx, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == dir {
				return err
			}
			return nil // a directory that cannot be read shows empty
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(p, dir), "/")
		if rel == "" {
			return nil
		}
		if len(entries) >= MaxEntries {
			return antglob.ErrBudget
		}
		info, err := d.Info()
		if err != nil {
			return nil // gone meanwhile
		}
		e := antglob.Entry{Path: rel, Mode: info.Mode(), Size: info.Size(), ModTime: info.ModTime()}
		if info.Mode()&fs.ModeSymlink != 0 && links {
			if e.Target, err = lr.Readlink(ctx, p); err != nil {
				e.Target = "\x00unreadable" // resolves to nothing
			}
		}
		entries = append(entries, e)
		if d.IsDir() && descend != nil && !descend(rel) {
			return fs.SkipDir
		}
		return nil
	})
	return entries, links, err
}

// noLinks is a listing whose link targets are unknown: it does not
// offer ReadLink, so a scan leaves links out, saying why.
type noLinks struct{ l *antglob.Listing }

func (n noLinks) Open(name string) (fs.File, error)          { return n.l.Open(name) }
func (n noLinks) ReadDir(name string) ([]fs.DirEntry, error) { return n.l.ReadDir(name) }
func (n noLinks) Stat(name string) (fs.FileInfo, error)      { return n.l.Stat(name) }

type remoteFile struct {
	io.ReadCloser
	info fs.FileInfo
}

func (r *remoteFile) Stat() (fs.FileInfo, error) { return r.info, nil }

func join(dir, rel string) string {
	if rel == "" || rel == "." {
		return dir
	}
	return strings.TrimSuffix(dir, "/") + "/" + rel
}

// isTmp reports whether a name is one Jenkins hides from browsing: a
// WORKSPACE@tmp directory (FilePath.isTmpDir).
func isTmp(name string) bool { return len(name) > len("@tmp") && strings.HasSuffix(name, "@tmp") }
