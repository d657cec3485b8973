package antglob

import (
	"context"
	"errors"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"
)

// maxHops bounds how many symbolic links one path may pass through.
const maxHops = 40

// ErrBudget is returned by Scan when it examined more entries than
// ScanOptions.MaxEntries allowed; the result then holds what was found so
// far.
var ErrBudget = errors.New("antglob: too many entries to examine")

// ScanOptions are Scan's switches; the zero value is Jenkins's default.
type ScanOptions struct {
	// NoFollowSymlinks leaves symbolic links out, as Ant does with
	// followSymlinks=false: a link is neither reported nor entered.
	NoFollowSymlinks bool
	// Dirs also reports the directories in the set, the base directory
	// (as "") among them.
	Dirs bool
	// Root is the absolute path of the scanned directory on its machine.
	// A symbolic link whose target is an absolute path inside Root is
	// followed; without Root every absolute target counts as leading out.
	Root string
	// MaxEntries bounds how many directory entries Scan examines; 0 means
	// no bound.
	MaxEntries int
}

// File is a file Scan found in the set.
type File struct {
	// Path is where the file was found, relative to the scanned
	// directory, '/'-separated: the path the set matched.
	Path string
	// Source is where to read it: Path, or, when Path passes through
	// symbolic links, the path they lead to within the tree.
	Source  string
	Size    int64
	Mode    fs.FileMode // of the file read, not of a link to it
	ModTime time.Time
}

// Skip is an entry that matched but that Scan would not report, and why.
type Skip struct {
	Path   string
	Reason string
}

// Result is what Scan found.
type Result struct {
	// Files are the files in the set, sorted as Java sorts strings
	// (DirectoryScanner.getIncludedFiles).
	Files []File
	// Dirs are the directories in the set, when asked for, sorted alike.
	Dirs []string
	// Skipped are entries the set matched that are not plain files or
	// directories within the tree: symbolic links that lead out of it,
	// dangle or loop, and devices, pipes and sockets.
	Skipped []Skip
}

// Scan walks fsys from its root as Ant's DirectoryScanner walks a base
// directory and returns the files (and, if asked, directories) in set.
// It reads directories with fs.ReadDir and enters only those that can
// hold matches (Set.Descend). Symbolic links are followed, unless
// opt.NoFollowSymlinks, when fsys implements fs.ReadLinkFS and the link
// leads to a place inside the tree; a matched path is then reported under
// the link's name, with Source naming the real file. Links that lead out
// of the tree, dangle or loop are reported in Skipped instead: Jenkins
// would archive them as links, whose downloads it refuses. A directory
// that cannot be read is an error, as in Ant. fsys should be one that
// refuses to follow links out of the tree by itself (os.Root.FS does), so
// that a link changed during the walk cannot lead reads astray.
func Scan(ctx context.Context, fsys fs.FS, set *Set, opt ScanOptions) (*Result, error) {
	w := &walker{ctx: ctx, fsys: fsys, set: set, opt: opt, res: &Result{}}
	if opt.Dirs && set.Match("") {
		w.res.Dirs = append(w.res.Dirs, "")
	}
	err := w.dir("", ".", []string{"."})
	slices.SortFunc(w.res.Files, func(a, b File) int { return JavaCompare(a.Path, b.Path) })
	slices.SortFunc(w.res.Dirs, JavaCompare)
	return w.res, err
}

type walker struct {
	ctx   context.Context
	fsys  fs.FS
	set   *Set
	opt   ScanOptions
	res   *Result
	count int
}

// dir walks the directory found at virt (as matched) and read at real;
// open holds the real paths of the directories being walked, to refuse
// loops.
func (w *walker) dir(virt, real string, open []string) error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	entries, err := fs.ReadDir(w.fsys, real)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if w.opt.MaxEntries > 0 {
			if w.count++; w.count > w.opt.MaxEntries {
				return ErrBudget
			}
		}
		name := e.Name()
		vp, rp := join(virt, name), join(real, name)
		typ := e.Type()
		if typ&fs.ModeSymlink != 0 {
			if w.opt.NoFollowSymlinks || (!w.set.Match(vp) && !w.set.Descend(vp)) {
				continue // not followed, or nothing to find through it
			}
			target, info, reason := w.resolve(rp)
			if reason != "" {
				// Ant takes a link it cannot follow for a file.
				if w.set.Match(vp) {
					w.res.Skipped = append(w.res.Skipped, Skip{vp, reason})
				}
				continue
			}
			if info.IsDir() {
				if slices.Contains(open, target) {
					if w.set.Match(vp) || w.set.Descend(vp) {
						w.res.Skipped = append(w.res.Skipped, Skip{vp, "symbolic link loop"})
					}
					continue
				}
				if err := w.enter(vp, target, open); err != nil {
					return err
				}
				continue
			}
			w.file(vp, target, info)
			continue
		}
		switch {
		case typ.IsDir():
			if err := w.enter(vp, rp, open); err != nil {
				return err
			}
		case typ.IsRegular():
			info, err := e.Info()
			if errors.Is(err, fs.ErrNotExist) {
				continue // removed while walking
			}
			if err != nil {
				return err
			}
			w.file(vp, rp, info)
		default:
			if w.set.Match(vp) {
				w.res.Skipped = append(w.res.Skipped, Skip{vp, "not a regular file"})
			}
		}
	}
	return nil
}

func (w *walker) enter(vp, rp string, open []string) error {
	if w.opt.Dirs && w.set.Match(vp) {
		w.res.Dirs = append(w.res.Dirs, vp)
	}
	if !w.set.Descend(vp) {
		return nil
	}
	return w.dir(vp, rp, append(open, rp))
}

func (w *walker) file(vp, source string, info fs.FileInfo) {
	if !info.Mode().IsRegular() {
		if w.set.Match(vp) {
			w.res.Skipped = append(w.res.Skipped, Skip{vp, "not a regular file"})
		}
		return
	}
	if w.set.Match(vp) {
		w.res.Files = append(w.res.Files, File{Path: vp, Source: source, Size: info.Size(), Mode: info.Mode(), ModTime: info.ModTime()})
	}
}

// resolve follows the symbolic links of p, a path in the tree whose last
// segment is a link, to the real path it names within the tree; reason
// says why it cannot.
func (w *walker) resolve(p string) (real string, info fs.FileInfo, reason string) {
	if _, ok := w.fsys.(fs.ReadLinkFS); !ok {
		return "", nil, "symbolic link (the file system cannot read links)"
	}
	todo := strings.Split(p, "/")
	done := "."
	hops := 0
	for len(todo) > 0 {
		seg := todo[0]
		todo = todo[1:]
		next := join(done, seg)
		fi, err := fs.Lstat(w.fsys, next)
		if err != nil {
			return "", nil, "symbolic link to a missing file"
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			done = next
			continue
		}
		if hops++; hops > maxHops {
			return "", nil, "symbolic link loop"
		}
		target, err := fs.ReadLink(w.fsys, next)
		if err != nil {
			return "", nil, "symbolic link that cannot be read"
		}
		var base string
		if strings.HasPrefix(target, "/") {
			root := strings.TrimSuffix(w.opt.Root, "/")
			if root == "" || (target != root && !strings.HasPrefix(target, root+"/")) {
				return "", nil, "symbolic link out of the workspace"
			}
			base = "." + strings.TrimPrefix(target, root)
		} else {
			base = path.Join(done, target)
		}
		base = path.Clean(base)
		if base == ".." || strings.HasPrefix(base, "../") {
			return "", nil, "symbolic link out of the workspace"
		}
		todo = append(strings.Split(base, "/"), todo...)
		done = "."
	}
	fi, err := fs.Stat(w.fsys, done)
	if err != nil {
		return "", nil, "symbolic link to a missing file"
	}
	return done, fi, ""
}

// join joins a directory and a name as fs paths do, "." being the root.
func join(dir, name string) string {
	if dir == "" || dir == "." {
		return name
	}
	return dir + "/" + name
}
