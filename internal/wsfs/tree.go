package wsfs

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path"
	"strings"
	"syscall"

	"github.com/jeeves-ci/jeeves/internal/browse"
	"github.com/jeeves-ci/jeeves/internal/launcher"
	"github.com/jeeves-ci/jeeves/internal/model"
)

// ErrNoWorkspace is the kind of error for a job that has no workspace
// to browse: Jenkins answers 404 with "Error: no workspace".
var ErrNoWorkspace = errors.New("no workspace")

// Locator finds where a job's builds work: the machine and the
// directory of the latest build's workspace (Jenkins's
// AbstractProject.getSomeWorkspace).
type Locator interface {
	Workspace(ctx context.Context, job *model.Job) (launcher.Launcher, string, error)
}

// Browse opens job's workspace for browsing (/job/X/ws/…); close the
// Tree when done. An error of kind ErrNoWorkspace when it does not
// exist.
func Browse(ctx context.Context, loc Locator, job *model.Job) (*Tree, error) {
	l, dir, err := loc.Workspace(ctx, job)
	if err != nil {
		return nil, err
	}
	t, err := NewTree(ctx, l, dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errors.Join(ErrNoWorkspace, browse.ErrNotFound)
	}
	return t, err
}

// Tree is a directory of a build machine as a browse.Tree, as Jenkins's
// DirectoryBrowserSupport shows a workspace: symbolic links anywhere in
// a path, and @tmp directories, are not shown (browse.ErrNotFound).
type Tree struct {
	l    launcher.Launcher
	dir  string
	root *os.Root // the built-in node's
}

var _ browse.Tree = (*Tree)(nil)

// NewTree opens dir on the machine l reaches; fs.ErrNotExist (wrapped)
// if it does not exist. Close it when done.
func NewTree(ctx context.Context, l launcher.Launcher, dir string) (*Tree, error) {
	t := &Tree{l: l, dir: strings.TrimSuffix(dir, "/")}
	if r, ok := l.(launcher.Rooter); ok {
		root, err := r.OpenRoot(dir)
		if err != nil {
			return nil, err
		}
		t.root = root
		return t, nil
	}
	fi, err := l.Stat(ctx, dir)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, &fs.PathError{Op: "open", Path: dir, Err: fs.ErrNotExist}
	}
	return t, nil
}

// Name is the workspace directory's name: the root of its zips.
func (t *Tree) Name() string { return path.Base(t.dir) }

// Close releases the tree.
func (t *Tree) Close() error {
	if t.root != nil {
		return t.root.Close()
	}
	return nil
}

func notFound(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return browse.ErrNotFound
	}
	return err
}

func entry(rel string, fi fs.FileInfo) browse.Entry {
	return browse.Entry{Path: rel, Dir: fi.IsDir(), Size: fi.Size(), Mode: fi.Mode(), ModTime: fi.ModTime()}
}

// check refuses a path browsing must not reach: not clean and
// relative, or through a @tmp directory.
func check(rel string) error {
	if rel == "" {
		return nil
	}
	if !fs.ValidPath(rel) || rel == "." {
		return browse.ErrNotFound
	}
	for _, seg := range strings.Split(rel, "/") {
		if isTmp(seg) {
			return browse.ErrNotFound
		}
	}
	return nil
}

// Stat implements browse.Tree: every segment of rel is looked at
// without following links, and a link among them is not found.
func (t *Tree) Stat(ctx context.Context, rel string) (browse.Entry, error) {
	if err := check(rel); err != nil {
		return browse.Entry{}, err
	}
	if rel == "" {
		if t.root != nil {
			fi, err := t.root.Stat(".")
			if err != nil {
				return browse.Entry{}, notFound(err)
			}
			return entry("", fi), nil
		}
		fi, err := t.l.Stat(ctx, t.dir)
		if err != nil {
			return browse.Entry{}, notFound(err)
		}
		return entry("", fi), nil
	}
	if t.root != nil {
		var fi fs.FileInfo
		segs := strings.Split(rel, "/")
		for i := range segs {
			var err error
			if fi, err = t.root.Lstat(strings.Join(segs[:i+1], "/")); err != nil {
				return browse.Entry{}, notFound(err)
			}
			if fi.Mode()&fs.ModeSymlink != 0 || (i < len(segs)-1 && !fi.IsDir()) {
				return browse.Entry{}, browse.ErrNotFound
			}
		}
		return entry(rel, fi), nil
	}
	// Remote: each segment is looked up in its parent's listing, which
	// tells links apart.
	segs := strings.Split(rel, "/")
	for i := range segs {
		des, err := t.l.ReadDir(ctx, join(t.dir, strings.Join(segs[:i], "/")))
		if err != nil {
			return browse.Entry{}, notFound(err)
		}
		var found fs.DirEntry
		for _, d := range des {
			if d.Name() == segs[i] {
				found = d
				break
			}
		}
		if found == nil || found.Type()&fs.ModeSymlink != 0 || (i < len(segs)-1 && !found.IsDir()) {
			return browse.Entry{}, browse.ErrNotFound
		}
		if i == len(segs)-1 {
			fi, err := found.Info()
			if err != nil {
				return browse.Entry{}, notFound(err)
			}
			return entry(rel, fi), nil
		}
	}
	return browse.Entry{}, browse.ErrNotFound
}

// ReadDir implements browse.Tree: links and @tmp directories are left
// out.
func (t *Tree) ReadDir(ctx context.Context, rel string) ([]browse.Entry, error) {
	e, err := t.Stat(ctx, rel)
	if err != nil {
		return nil, err
	}
	if !e.Dir {
		return nil, browse.ErrNotFound
	}
	var des []fs.DirEntry
	if t.root != nil {
		name := rel
		if name == "" {
			name = "."
		}
		des, err = fs.ReadDir(t.root.FS(), name)
	} else {
		des, err = t.l.ReadDir(ctx, join(t.dir, rel))
	}
	if err != nil {
		return nil, notFound(err)
	}
	out := make([]browse.Entry, 0, len(des))
	for _, d := range des {
		if d.Type()&fs.ModeSymlink != 0 || isTmp(d.Name()) {
			continue
		}
		fi, err := d.Info()
		if err != nil {
			continue // gone meanwhile
		}
		out = append(out, entry(path.Join(rel, d.Name()), fi))
	}
	return out, nil
}

// Open implements browse.Tree. A local file is an *os.File, which
// serves Range requests.
func (t *Tree) Open(ctx context.Context, rel string) (browse.File, error) {
	e, err := t.Stat(ctx, rel)
	if err != nil {
		return nil, err
	}
	if !e.Mode.IsRegular() {
		return nil, browse.ErrNotFound
	}
	if t.root != nil {
		// O_NONBLOCK: a file swapped for a pipe since Stat must not
		// hold the request.
		f, err := t.root.OpenFile(rel, os.O_RDONLY|syscall.O_NONBLOCK, 0)
		if err != nil {
			return nil, notFound(err)
		}
		if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
			f.Close()
			return nil, browse.ErrNotFound
		}
		return f, nil
	}
	r, err := t.l.Open(ctx, join(t.dir, rel))
	if err != nil {
		return nil, notFound(err)
	}
	return r, nil
}
