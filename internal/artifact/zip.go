package artifact

import (
	"archive/zip"
	"context"
	"io"
	"path"
	"slices"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/antglob"
)

// ArchiveDirName is the name of a build's artifact directory, which
// prefixes the entries of …/artifact/*zip*/archive.zip.
const ArchiveDirName = "archive"

// ZipEntry is a file WriteZip writes: its name in the zip and the stored
// artifact it reads.
type ZipEntry struct {
	Name     string
	Artifact Artifact
}

// ZipSelect chooses the entries of a */*zip*/ download as
// DirectoryBrowserSupport does. base is the directory the URL names
// ("" for the root, whose name is rootName: ArchiveDirName for
// artifacts); rest is the glob after it, "" when the URL is
// base/*zip*/name.zip. Without rest every file under base is taken, its
// name prefixed with the base directory's name; with rest, the files
// under base that rest matches, unprefixed. Ant's default excludes
// apply either way, as in Jenkins. The entries are in the order Java
// sorts their paths.
func ZipSelect(files []Artifact, base, rest, rootName string) []ZipEntry {
	base = strings.Trim(base, "/")
	includes := []string{"**"}
	prefix := rootName
	if base != "" {
		prefix = path.Base(base)
	}
	if strings.TrimSpace(rest) != "" {
		includes = antglob.Split(rest)
		prefix = ""
	}
	set := antglob.NewSet(includes, nil, antglob.Options{})
	var out []ZipEntry
	for _, a := range files {
		rel := a.Path
		if base != "" {
			var ok bool
			if rel, ok = strings.CutPrefix(a.Path, base+"/"); !ok {
				continue
			}
		}
		if !set.Match(rel) {
			continue
		}
		name := rel
		if prefix != "" {
			name = prefix + "/" + rel
		}
		out = append(out, ZipEntry{Name: name, Artifact: a})
	}
	slices.SortFunc(out, func(x, y ZipEntry) int { return antglob.JavaCompare(x.Name, y.Name) })
	return out
}

// Opener reads a stored artifact.
type Opener func(ctx context.Context, a Artifact) (io.ReadCloser, error)

// WriteZip streams a zip of entries to w, deflated, with each file's
// mode and modification time, in Zip64 form when sizes need it: no
// temporary file and no length known in advance. It returns the number
// of entries written.
func WriteZip(ctx context.Context, w io.Writer, entries []ZipEntry, open Opener) (int, error) {
	zw := zip.NewWriter(w)
	n := 0
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		h := &zip.FileHeader{Name: e.Name, Method: zip.Deflate, Modified: e.Artifact.ModTime}
		h.SetMode(e.Artifact.Mode.Perm())
		dst, err := zw.CreateHeader(h)
		if err != nil {
			return n, err
		}
		src, err := open(ctx, e.Artifact)
		if err != nil {
			return n, err
		}
		_, err = io.Copy(dst, src)
		src.Close()
		if err != nil {
			return n, err
		}
		n++
	}
	return n, zw.Close()
}
