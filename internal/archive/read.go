package archive

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/jeeves-ci/jeeves/internal/artifact"
	"github.com/jeeves-ci/jeeves/internal/blob"
	"github.com/jeeves-ci/jeeves/internal/browse"
	"github.com/jeeves-ci/jeeves/internal/store"
)

// cached is a build's manifest as a tree, kept for browsing.
type cached struct {
	files map[string]ManifestFile // by path
	dirs  map[string][]string     // directory → the names in it
	paths []string                // in the manifest's order
}

func index(m *Manifest) *cached {
	c := &cached{files: make(map[string]ManifestFile, len(m.Files)), dirs: map[string][]string{"": nil}, paths: make([]string, len(m.Files))}
	known := make(map[string]bool, len(m.Files))
	for i, f := range m.Files {
		c.files[f.Path] = f
		c.paths[i] = f.Path
		// Each path joins its directory's names once, and its
		// directories theirs, up to the first one already known.
		for p := f.Path; p != "" && !known[p]; {
			known[p] = true
			dir, name := path.Split(p)
			dir = strings.TrimSuffix(dir, "/")
			c.dirs[dir] = append(c.dirs[dir], name)
			p = dir
		}
	}
	return c
}

// manifest is a build's indexed manifest, from the cache when there;
// store.ErrNotFound when the build has no artifacts.
func (s *Service) manifest(jobID, number int64) (*cached, error) {
	k := [2]int64{jobID, number}
	s.mu.Lock()
	if c, ok := s.cache[k]; ok {
		s.touch(k)
		s.mu.Unlock()
		return c, nil
	}
	s.mu.Unlock()
	m, err := s.readManifest(jobID, number)
	if err != nil {
		return nil, err
	}
	c := index(m)
	s.mu.Lock()
	if _, ok := s.cache[k]; !ok {
		s.cache[k] = c
		s.order = append(s.order, k)
		for len(s.order) > s.cfg.CacheBuilds {
			delete(s.cache, s.order[0])
			s.order = s.order[1:]
		}
	}
	s.mu.Unlock()
	return c, nil
}

// touch makes k the most recently used; s.mu is held.
func (s *Service) touch(k [2]int64) {
	if i := slices.Index(s.order, k); i >= 0 {
		s.order = append(append(s.order[:i:i], s.order[i+1:]...), k)
	}
}

// forget drops a build from the cache.
func (s *Service) forget(jobID, number int64) {
	k := [2]int64{jobID, number}
	s.mu.Lock()
	delete(s.cache, k)
	if i := slices.Index(s.order, k); i >= 0 {
		s.order = slices.Delete(s.order, i, i+1)
	}
	s.mu.Unlock()
}

// List returns a build's artifacts as the "artifacts" of its api/json
// lists them (Run.getArtifactsUpTo): Jenkins's order and display paths,
// at most upTo (0: all). A build without artifacts has none: an empty
// list, no error. Write them with artifact.Export.
func (s *Service) List(ctx context.Context, jobID, number int64, upTo int) ([]artifact.Entry, error) {
	c, err := s.manifest(jobID, number)
	if errors.Is(err, store.ErrNotFound) {
		return []artifact.Entry{}, nil
	}
	if err != nil {
		return nil, err
	}
	return artifact.List(c.paths, upTo), nil
}

// Tree returns a build's archive as a browse.Tree, for …/artifact/…:
// browse.Resolve reads the URL, and Open gives a file that serves Range
// requests (an io.ReadSeeker). store.ErrNotFound when the build has no
// artifacts (Jenkins answers 404 when it has no archive directory).
func (s *Service) Tree(ctx context.Context, jobID, number int64) (*Tree, error) {
	c, err := s.manifest(jobID, number)
	if err != nil {
		return nil, err
	}
	return &Tree{s: s, c: c, jobID: jobID, number: number}, nil
}

// Tree is a build's archive, browsed as Jenkins's artifact pages.
type Tree struct {
	s             *Service
	c             *cached
	jobID, number int64
}

var _ browse.Tree = (*Tree)(nil)

// RootName is the name of the archive's root directory, which prefixes
// the entries of …/artifact/*zip*/archive.zip.
const RootName = artifact.ArchiveDirName

func (t *Tree) entry(rel string) (browse.Entry, bool) {
	if f, ok := t.c.files[rel]; ok {
		return browse.Entry{Path: rel, Size: f.Size, Mode: fs.FileMode(f.Mode), ModTime: modTime(f.ModTime)}, true
	}
	if _, ok := t.c.dirs[rel]; ok {
		return browse.Entry{Path: rel, Dir: true, Mode: fs.ModeDir | 0o755}, true
	}
	return browse.Entry{}, false
}

// Stat implements browse.Tree.
func (t *Tree) Stat(_ context.Context, rel string) (browse.Entry, error) {
	if e, ok := t.entry(rel); ok {
		return e, nil
	}
	return browse.Entry{}, browse.ErrNotFound
}

// ReadDir implements browse.Tree.
func (t *Tree) ReadDir(_ context.Context, rel string) ([]browse.Entry, error) {
	names, ok := t.c.dirs[rel]
	if !ok {
		return nil, browse.ErrNotFound
	}
	out := make([]browse.Entry, 0, len(names))
	for _, n := range names {
		e, _ := t.entry(path.Join(rel, n))
		out = append(out, e)
	}
	return out, nil
}

// Open implements browse.Tree: the file is a blob.Reader (io.ReadSeeker
// and io.ReaderAt).
func (t *Tree) Open(_ context.Context, rel string) (browse.File, error) {
	if _, ok := t.c.files[rel]; !ok {
		return nil, browse.ErrNotFound
	}
	r, err := t.s.blobs.Open(fileKey(t.jobID, t.number, rel))
	if err != nil {
		return nil, err
	}
	return r, nil
}

// Download is an artifact opened for download, with what http.ServeContent
// needs for Range and If-Modified-Since: the edge serves it with
// http.ServeContent(w, r, d.Name, d.ModTime, d.Reader). Pass d.Reader,
// not d: from a blob.Dir it is an *os.File, which the server sends with
// sendfile.
type Download struct {
	blob.Reader
	Name    string // the file's base name, for its content type
	Size    int64
	ModTime time.Time
}

// Open opens one artifact of a build for download, by the path a URL
// gives after …/artifact/ (percent-decoded once; empty and "."
// segments are ignored, as Jenkins does): artifact.ErrTraversal (400)
// for a path that climbs out, store.ErrNotFound (404) for a missing
// file, a directory, or a build without artifacts.
func (s *Service) Open(ctx context.Context, jobID, number int64, urlPath string) (*Download, error) {
	segs, err := artifact.SafePath(urlPath)
	if err != nil {
		if errors.Is(err, artifact.ErrNotFound) {
			return nil, browse.ErrNotFound
		}
		return nil, err
	}
	t, err := s.Tree(ctx, jobID, number)
	if err != nil {
		return nil, err
	}
	rel := strings.Join(segs, "/")
	f, ok := t.c.files[rel]
	if !ok {
		return nil, browse.ErrNotFound
	}
	r, err := s.blobs.Open(fileKey(jobID, number, rel))
	if err != nil {
		return nil, err
	}
	return &Download{Reader: r, Name: path.Base(rel), Size: f.Size, ModTime: modTime(f.ModTime)}, nil
}

// Zip streams a zip of a build's artifacts as …/artifact/*zip*/ does:
// of the directory dir ("" for all, named "archive"), or of what
// pattern matches below it (see browse.Zip). Nothing is written to a
// temporary file.
func (s *Service) Zip(ctx context.Context, w io.Writer, jobID, number int64, dir, pattern string) (int, error) {
	t, err := s.Tree(ctx, jobID, number)
	if err != nil {
		return 0, err
	}
	return browse.Zip(ctx, w, t, dir, pattern, RootName)
}
