// Package browse serves a tree of files as Jenkins's
// DirectoryBrowserSupport does: a build's archived artifacts
// (…/artifact/…) and a job's workspace (…/ws/…). A Tree is the files,
// wherever they are (a build's archive in the blob store, a workspace
// on a node reached through its launcher); this package reads the URL's
// path as Jenkins does and says what to answer:
//
//	t, err := browse.Resolve(ctx, tree, restOfPath)
//	switch t.Kind {
//	case browse.KindFile:        // serve t.Entry: tree.Open, http.ServeContent
//	case browse.KindView:        // the same as text/plain, inline
//	case browse.KindFingerprint: // redirect to /fingerprint/<MD5 of the file>/
//	case browse.KindDir:         // redirect to add '/' if missing, else Children
//	case browse.KindGlob:        // Glob: the files the pattern matches
//	case browse.KindPlain:       // Plain: one name per line
//	case browse.KindZip:         // Zip, streamed
//	}
//
// Errors: artifact.ErrTraversal (400) for a path that climbs out,
// ErrNotFound (404) for anything missing, hidden (symbolic links, @tmp
// directories) or absolute.
package browse

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/jeeves-ci/jeeves/internal/antglob"
	"github.com/jeeves-ci/jeeves/internal/artifact"
	"github.com/jeeves-ci/jeeves/internal/store"
)

// ErrNotFound is what a Tree answers for a path that holds nothing it
// shows; it is store.ErrNotFound, the not-found every layer shares.
var ErrNotFound = fmt.Errorf("browse: %w", store.ErrNotFound)

// Entry is a file or directory of a Tree.
type Entry struct {
	// Path is relative to the tree's root, '/'-separated; "" is the root.
	Path    string
	Dir     bool
	Size    int64
	Mode    fs.FileMode
	ModTime time.Time
}

// Name is the entry's last path segment.
func (e Entry) Name() string { return path.Base(e.Path) }

// File is an open file of a Tree. A File that also implements
// io.ReadSeeker (a local file, a blob) can serve Range requests.
type File interface {
	io.ReadCloser
}

// Tree is files to browse. Paths are clean, relative and
// '/'-separated, "" being the root; a Tree never shows what lies
// outside it, nor symbolic links (Jenkins opens with NOFOLLOW_LINKS),
// and answers ErrNotFound for them.
type Tree interface {
	// Stat describes the entry at rel.
	Stat(ctx context.Context, rel string) (Entry, error)
	// ReadDir lists the directory at rel, in any order.
	ReadDir(ctx context.Context, rel string) ([]Entry, error)
	// Open opens the file at rel for reading.
	Open(ctx context.Context, rel string) (File, error)
}

// Kind is what a request asks for.
type Kind int

// The kinds of request.
const (
	KindFile        Kind = iota // the file itself
	KindView                    // the file as text/plain, inline (*view*)
	KindFingerprint             // the file's fingerprint page (*fingerprint*)
	KindDir                     // the directory's listing
	KindGlob                    // the files a pattern matches below a directory
	KindPlain                   // the directory's names, one a line (*plain*)
	KindZip                     // a zip of the directory, or of what a pattern matches (*zip*)
)

// Target is what a browsing URL names.
type Target struct {
	Kind Kind
	// Entry is the file or directory the URL's base names.
	Entry Entry
	// Pattern is the Ant pattern after the base, for KindGlob and
	// KindZip ("" for a zip of the whole directory).
	Pattern string
	// Up is how many "../" lead from the URL back to Entry's directory,
	// past the pattern's segments (Jenkins's backPath).
	Up int
}

// Resolve reads the rest of a browsing URL after …/artifact or …/ws (as
// the router hands it, percent-decoded once) as
// DirectoryBrowserSupport.serveFile does: the base is the longest
// prefix of segments without wildcards (a segment with '*' or '?' is
// literal when a file of that name exists), what follows is an Ant
// pattern, and "*zip*" or "*plain*" end it. A file is served whatever
// follows it, but "*view*" and "*fingerprint*".
func Resolve(ctx context.Context, t Tree, rest string) (*Target, error) {
	segs, err := artifact.SafePath(rest)
	if err != nil {
		return nil, err
	}
	var base, pat []string
	inBase, zip, plain := true, false, false
	for _, seg := range segs {
		if inBase && strings.ContainsAny(seg, "*?") {
			if _, err := t.Stat(ctx, path.Join(append(base, seg)...)); err != nil {
				inBase = false
			}
		}
		if seg == "*zip*" {
			zip = true
			break
		}
		if seg == "*plain*" {
			plain = true
			break
		}
		if inBase {
			base = append(base, seg)
		} else {
			pat = append(pat, seg)
		}
	}
	e, err := t.Stat(ctx, strings.Join(base, "/"))
	if err != nil {
		return nil, err
	}
	target := &Target{Entry: e, Pattern: strings.Join(pat, "/"), Up: max(len(pat)-1, 0)}
	switch {
	case !e.Dir && target.Pattern == "*view*":
		target.Kind = KindView
	case !e.Dir && target.Pattern == "*fingerprint*":
		target.Kind = KindFingerprint
	case !e.Dir:
		target.Kind = KindFile
	case zip:
		target.Kind = KindZip
	case plain:
		target.Kind = KindPlain
	case target.Pattern != "":
		target.Kind = KindGlob
	default:
		target.Kind = KindDir
	}
	if !e.Dir {
		target.Pattern, target.Up = "", 0
	}
	return target, nil
}

// Path is one link of a listing: Jenkins's DirectoryBrowserSupport.Path.
type Path struct {
	// Href is the link relative to the listed page, each segment
	// encoded with RawEncode.
	Href  string
	Title string // the entry's name
	Dir   bool
	Size  int64
	// ModTime is the entry's modification time.
	ModTime time.Time
}

// MaxListed bounds the entries one listing or glob shows.
const MaxListed = 10_000

// Children lists the directory dir as Jenkins's directory page does:
// directories first, then files, each sorted by name ignoring case; a
// directory whose only meaningful entry is a directory is shown with
// it, and so on down, as one row of links (a row per child). At most
// MaxListed rows; more says there were more.
func Children(ctx context.Context, t Tree, dir string) (rows [][]Path, more bool, err error) {
	kids, err := t.ReadDir(ctx, dir)
	if err != nil {
		return nil, false, err
	}
	sortListing(kids)
	if len(kids) > MaxListed {
		kids, more = kids[:MaxListed], true
	}
	for _, k := range kids {
		p := pathOf(k, RawEncode(k.Name()))
		if !k.Dir {
			rows = append(rows, []Path{p})
			continue
		}
		row := []Path{p}
		href := p.Href
		cur := k
		for depth := 0; depth < 64; depth++ {
			sub, err := t.ReadDir(ctx, cur.Path)
			if err != nil {
				break
			}
			var meaningful []Entry
			for _, s := range sub {
				if n := s.Name(); !strings.HasPrefix(n, ".") && n != "CVS" && n != ".svn" {
					meaningful = append(meaningful, s)
				}
			}
			if len(meaningful) != 1 || !meaningful[0].Dir {
				break
			}
			cur = meaningful[0]
			href += "/" + RawEncode(cur.Name())
			row = append(row, pathOf(cur, href))
		}
		rows = append(rows, row)
	}
	return rows, more, nil
}

// Plain lists the directory dir as …/*plain* does: a name per line,
// directories followed by '/', in the order Children sorts them.
func Plain(ctx context.Context, w io.Writer, t Tree, dir string) error {
	kids, err := t.ReadDir(ctx, dir)
	if err != nil {
		return err
	}
	sortListing(kids)
	for _, k := range kids {
		line := k.Name()
		if k.Dir {
			line += "/"
		}
		if _, err := io.WriteString(w, line+"\n"); err != nil {
			return err
		}
	}
	return nil
}

// Glob lists the files below dir that pattern matches (Ant's rules,
// default excludes on), as VirtualFile.list does, each as the row of
// links from dir down to it, hrefs relative to the page (up "../" back to dir), sorted
// as Java sorts their paths; nil when nothing matches, which Jenkins
// answers as a missing file. At most MaxListed rows.
func Glob(ctx context.Context, t Tree, dir, pattern string, up int) ([][]Path, error) {
	matches, err := scan(ctx, t, dir, pattern)
	if err != nil || len(matches) == 0 {
		return nil, err
	}
	back := strings.Repeat("../", up)
	if back == "" {
		back = "./"
	}
	var rows [][]Path
	for _, m := range matches[:min(len(matches), MaxListed)] {
		var row []Path
		href := back
		segs := strings.Split(m.rel, "/")
		for i := range segs {
			rel := strings.Join(segs[:i+1], "/")
			e := m.entry
			if i < len(segs)-1 {
				e = Entry{Path: path.Join(dir, rel), Dir: true}
			}
			href += RawEncode(segs[i])
			if e.Dir {
				href += "/"
			}
			row = append(row, pathOf(e, href))
		}
		rows = append(rows, row)
	}
	return rows, nil
}

type match struct {
	rel   string // below the scanned directory
	entry Entry
}

// scan matches pattern below dir through the tree.
func scan(ctx context.Context, t Tree, dir, pattern string) ([]match, error) {
	set := antglob.NewSet(antglob.Split(pattern), nil, antglob.Options{})
	res, err := antglob.Scan(ctx, &treeFS{ctx: ctx, t: t, dir: dir}, set, antglob.ScanOptions{NoFollowSymlinks: true, MaxEntries: MaxScanned})
	if err != nil {
		return nil, err
	}
	var out []match
	for _, f := range res.Files {
		out = append(out, match{rel: f.Path, entry: Entry{Path: path.Join(dir, f.Path), Size: f.Size, Mode: f.Mode, ModTime: f.ModTime}})
	}
	slices.SortFunc(out, func(a, b match) int { return antglob.JavaCompare(a.rel, b.rel) })
	return out, nil
}

// MaxScanned bounds the entries a glob or a zip examines.
const MaxScanned = 1_000_000

// Zip streams the zip of …/*zip*/: without a pattern every file below
// dir, each named with dir's name in front (rootName for the tree's
// root: "archive" for artifacts, the workspace's directory name); with
// one, the files it matches, unprefixed. Entries are deflated, with
// their mode and time, in the order Java sorts their names; nothing is
// written to a temporary file. It returns the number of files written.
func Zip(ctx context.Context, w io.Writer, t Tree, dir, pattern, rootName string) (int, error) {
	prefix := ""
	if strings.TrimSpace(pattern) == "" {
		pattern, prefix = "**", rootName
		if dir != "" {
			prefix = path.Base(dir)
		}
	}
	matches, err := scan(ctx, t, dir, pattern)
	if err != nil {
		return 0, err
	}
	entries := make([]artifact.ZipEntry, len(matches))
	for i, m := range matches {
		name := m.rel
		if prefix != "" {
			name = prefix + "/" + name
		}
		entries[i] = artifact.ZipEntry{Name: name, Artifact: artifact.Artifact{Path: m.entry.Path, Size: m.entry.Size, Mode: m.entry.Mode, ModTime: m.entry.ModTime}}
	}
	slices.SortFunc(entries, func(a, b artifact.ZipEntry) int { return antglob.JavaCompare(a.Name, b.Name) })
	return artifact.WriteZip(ctx, w, entries, func(ctx context.Context, a artifact.Artifact) (io.ReadCloser, error) {
		return t.Open(ctx, a.Path)
	})
}

func pathOf(e Entry, href string) Path {
	return Path{Href: href, Title: e.Name(), Dir: e.Dir, Size: e.Size, ModTime: e.ModTime}
}

// sortListing sorts as Jenkins's FileComparator: directories first,
// then by name, here ignoring case (a Collator's primary order, near
// enough), ties by Java's order.
func sortListing(es []Entry) {
	slices.SortFunc(es, func(a, b Entry) int {
		if a.Dir != b.Dir {
			if a.Dir {
				return -1
			}
			return 1
		}
		if c := antglob.JavaCompareFold(a.Name(), b.Name()); c != 0 {
			return c
		}
		return antglob.JavaCompare(a.Name(), b.Name())
	})
}

// RawEncode encodes a path segment as Jenkins's Util.rawEncode does:
// control characters, space, "#%/:;<>?[\]^`{|}~ and everything beyond
// ASCII are percent-encoded (as UTF-8), the rest is kept.
func RawEncode(s string) string {
	const hex = "0123456789ABCDEF"
	encode := func(c byte) bool {
		return c <= ' ' || c >= 0x7B || strings.IndexByte("\"#%/:;<>?[\\]^`", c) >= 0
	}
	i := 0
	for i < len(s) && !encode(s[i]) {
		i++
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.WriteString(s[:i])
	for ; i < len(s); i++ {
		if c := s[i]; encode(c) {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// treeFS is a Tree below dir as an io/fs.FS, for antglob.Scan.
type treeFS struct {
	ctx context.Context
	t   Tree
	dir string
}

func (f *treeFS) rel(name string) (string, error) {
	if !fs.ValidPath(name) {
		return "", &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if name == "." {
		return f.dir, nil
	}
	return path.Join(f.dir, name), nil
}

func notExist(op, name string, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
	}
	return err
}

func (f *treeFS) Open(name string) (fs.File, error) {
	rel, err := f.rel(name)
	if err != nil {
		return nil, err
	}
	e, err := f.t.Stat(f.ctx, rel)
	if err != nil {
		return nil, notExist("open", name, err)
	}
	if e.Dir {
		return &treeDir{f: f, name: name, e: e}, nil
	}
	r, err := f.t.Open(f.ctx, rel)
	if err != nil {
		return nil, notExist("open", name, err)
	}
	return &treeFile{File: r, e: e}, nil
}

func (f *treeFS) ReadDir(name string) ([]fs.DirEntry, error) {
	rel, err := f.rel(name)
	if err != nil {
		return nil, err
	}
	es, err := f.t.ReadDir(f.ctx, rel)
	if err != nil {
		return nil, notExist("readdir", name, err)
	}
	out := make([]fs.DirEntry, len(es))
	for i, e := range es {
		out[i] = fs.FileInfoToDirEntry(info{e})
	}
	slices.SortFunc(out, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return out, nil
}

func (f *treeFS) Stat(name string) (fs.FileInfo, error) {
	rel, err := f.rel(name)
	if err != nil {
		return nil, err
	}
	e, err := f.t.Stat(f.ctx, rel)
	if err != nil {
		return nil, notExist("stat", name, err)
	}
	return info{e}, nil
}

type info struct{ e Entry }

func (i info) Name() string { return i.e.Name() }
func (i info) Size() int64  { return i.e.Size }
func (i info) Mode() fs.FileMode {
	if i.e.Dir {
		return fs.ModeDir | i.e.Mode.Perm()
	}
	return i.e.Mode.Perm()
}
func (i info) ModTime() time.Time { return i.e.ModTime }
func (i info) IsDir() bool        { return i.e.Dir }
func (i info) Sys() any           { return nil }

type treeDir struct {
	f    *treeFS
	name string
	e    Entry
}

func (d *treeDir) Stat() (fs.FileInfo, error) { return info{d.e}, nil }
func (d *treeDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.name, Err: errors.New("is a directory")}
}
func (d *treeDir) Close() error { return nil }
func (d *treeDir) ReadDir(n int) ([]fs.DirEntry, error) {
	if n > 0 {
		return nil, errors.New("browse: partial directory reads are not supported")
	}
	return d.f.ReadDir(d.name)
}

type treeFile struct {
	File
	e Entry
}

func (f *treeFile) Stat() (fs.FileInfo, error) { return info{f.e}, nil }

// MD5 is the MD5 of the file at rel, in lower-case hexadecimal, for
// …/*fingerprint*/, which Jenkins answers by forwarding to the file's
// fingerprint page (/fingerprint/<md5>/).
func MD5(ctx context.Context, t Tree, rel string) (string, error) {
	f, err := t.Open(ctx, rel)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := md5.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
