package api

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/artifact"
	"github.com/jeeves-ci/jeeves/internal/authz"
	"github.com/jeeves-ci/jeeves/internal/browse"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/request"
	"github.com/jeeves-ci/jeeves/internal/store"
	"github.com/jeeves-ci/jeeves/internal/wsfs"
)

// Browsing a tree of files: a build's archived artifacts
// (…/<build>/artifact/…) and a job's workspace (…/ws/…), answered as
// Jenkins's DirectoryBrowserSupport answers them (hudson/model/
// DirectoryBrowserSupport.java): files with their content type, Range
// and If-Modified-Since; *view* as text; *fingerprint* as a redirect to
// the file's fingerprint; directories and glob matches as pages (drawn
// by the web UI, Pages.Listing); *plain* as a name per line; *zip*
// streamed.

// Listing is a directory or glob page of a tree, for the web UI to draw.
type Listing struct {
	Job   *model.Job
	Build *model.Build // nil: the job's workspace
	// Base links the page back to the tree's root, then down to the
	// listed directory: the root first (named RootName), each href
	// relative to the page.
	Base []browse.Path
	// Rows are the entries (browse.Children) or the glob's matches
	// (browse.Glob), hrefs relative to the page; More says rows were
	// left out.
	Rows [][]browse.Path
	More bool
	// Pattern is the glob's, "" for a directory.
	Pattern string
	// Zip is the href of the zip of what the page lists.
	Zip string
	// CanWipe offers "Wipe Out Current Workspace" (a workspace, to a
	// caller who may build the job).
	CanWipe bool
}

// tree is a tree being browsed: its files, the name its zips' entries
// start with, and the listing's context.
type tree struct {
	t        browse.Tree
	rootName string
	job      *model.Job
	build    *model.Build
}

// Artifacts answers GET …/<build>/artifact/<rest>: the build's archive.
// rest is the path after artifact/, its segments decoded; a build
// without artifacts answers 404, as Jenkins does without an archive
// directory.
func (a *API) Artifacts(c *request.Call, job *model.Job, b *model.Build, rest []string) error {
	t, err := a.outputs.Archive.Tree(c.Ctx(), job.ID, b.Number)
	if err != nil {
		return request.Refused(err)
	}
	return a.browse(c, tree{t: t, rootName: artifactRoot, job: job, build: b}, rest)
}

// artifactRoot names the archive's root in its zips ("archive/…") and
// pages.
const artifactRoot = "archive"

// Workspace answers GET /job/X/ws/<rest>: the job's workspace, for a
// caller with Job/Workspace; 404 "no workspace" when it has none.
func (a *API) Workspace(c *request.Call, job *model.Job, rest []string) error {
	if err := c.Require(authz.ItemWorkspace); err != nil {
		return err
	}
	t, err := wsfs.Browse(c.Ctx(), a.farm, job)
	if errors.Is(err, wsfs.ErrNoWorkspace) {
		return request.NewError(http.StatusNotFound, "Error: no workspace")
	}
	if err != nil {
		return err
	}
	defer t.Close()
	return a.browse(c, tree{t: t, rootName: t.Name(), job: job}, rest)
}

// browse answers the rest of a browsing URL in tr.
func (a *API) browse(c *request.Call, tr tree, rest []string) error {
	ctx := c.Ctx()
	target, err := browse.Resolve(ctx, tr.t, strings.Join(rest, "/"))
	if err != nil {
		return browseRefused(err)
	}
	e := target.Entry
	switch target.Kind {
	case browse.KindFile, browse.KindView:
		f, err := tr.t.Open(ctx, e.Path)
		if err != nil {
			return browseRefused(err)
		}
		defer f.Close()
		return serveFile(c, f, e, target.Kind == browse.KindView)
	case browse.KindFingerprint:
		sum, err := browse.MD5(ctx, tr.t, e.Path)
		if err != nil {
			return browseRefused(err)
		}
		request.Redirect(c, c.Root+"fingerprint/"+sum+"/", http.StatusFound)
		return nil
	case browse.KindPlain:
		c.W.Header().Set("Content-Type", "text/plain;charset=UTF-8")
		if c.R.Method == http.MethodHead {
			return nil
		}
		return browse.Plain(ctx, c.W, tr.t, e.Path)
	case browse.KindZip:
		name := tr.rootName
		if e.Path != "" {
			name = e.Name()
		}
		c.W.Header().Set("Content-Type", "application/zip")
		c.W.WriteHeader(http.StatusOK)
		if c.R.Method == http.MethodHead {
			return nil
		}
		_, err := browse.Zip(ctx, c.W, tr.t, e.Path, target.Pattern, name)
		return err
	case browse.KindGlob:
		rows, err := browse.Glob(ctx, tr.t, e.Path, target.Pattern, target.Up)
		if err != nil {
			return browseRefused(err)
		}
		if rows == nil {
			return request.NotFound()
		}
		back := strings.Repeat("../", target.Up)
		last := target.Pattern[strings.LastIndex(target.Pattern, "/")+1:]
		return a.pages.Listing(c, &Listing{
			Job: tr.job, Build: tr.build, Base: baseLinks(tr.rootName, e.Path, back), Rows: rows,
			Pattern: target.Pattern, Zip: browse.RawEncode(last) + "/*zip*/archive.zip", CanWipe: tr.build == nil && c.Has(authz.ItemBuild),
		})
	}
	// A directory: its page lives at its URL with a '/' (Jenkins
	// redirects there), so that relative links resolve below it.
	if !strings.HasSuffix(c.R.URL.Path, "/") {
		request.Redirect(c, path.Base(c.R.URL.EscapedPath())+"/", http.StatusFound)
		return nil
	}
	rows, more, err := browse.Children(ctx, tr.t, e.Path)
	if err != nil {
		return browseRefused(err)
	}
	name := tr.rootName
	if e.Path != "" {
		name = e.Name()
	}
	return a.pages.Listing(c, &Listing{
		Job: tr.job, Build: tr.build, Base: baseLinks(tr.rootName, e.Path, ""), Rows: rows, More: more,
		Zip: "*zip*/" + browse.RawEncode(name) + ".zip", CanWipe: tr.build == nil && c.Has(authz.ItemBuild),
	})
}

// baseLinks are the links from a page back up to the tree's root and
// down to dir: the root, then each directory, back the page's way back
// to dir.
func baseLinks(rootName, dir, back string) []browse.Path {
	var segs []string
	if dir != "" {
		segs = strings.Split(dir, "/")
	}
	out := []browse.Path{{Title: rootName, Dir: true, Href: back + strings.Repeat("../", len(segs))}}
	for i, s := range segs {
		out = append(out, browse.Path{Title: s, Dir: true, Href: back + strings.Repeat("../", len(segs)-1-i)})
	}
	for i := range out {
		if out[i].Href == "" {
			out[i].Href = "./"
		}
	}
	return out
}

// browseRefused is a browsing error as the caller is answered: a path
// that climbs out of the tree is a 400, one that names nothing the tree
// shows a 404.
func browseRefused(err error) error {
	switch {
	case errors.Is(err, artifact.ErrTraversal):
		return request.BadRequest("Not a path inside this directory: it climbs out of it (\"..\"), or holds a NUL or a backslash")
	case errors.Is(err, store.ErrNotFound):
		return request.NotFound()
	}
	return err
}

// fileCSP is the Content-Security-Policy of a file served from a tree,
// as Jenkins's DirectoryBrowserSupport sends it: an HTML artifact is
// sandboxed, runs no script and loads nothing but its own images and
// styles.
const fileCSP = "sandbox allow-same-origin; default-src 'none'; img-src 'self'; style-src 'self';"

// serveFile answers a file of a tree: its content type from its name
// (text as UTF-8), Last-Modified and Expires, If-Modified-Since, and
// single byte ranges when the file can seek. view serves it as text,
// inline (…/*view*/).
func serveFile(c *request.Call, f browse.File, e browse.Entry, view bool) error {
	h := c.W.Header()
	name := e.Name()
	if view {
		h.Set("Content-Type", "text/plain;charset=UTF-8")
		h.Set("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": name}))
	} else {
		h.Set("Content-Type", contentTypeOf(name))
	}
	h.Set("Content-Security-Policy", fileCSP)
	if !e.ModTime.IsZero() {
		h.Set("Expires", e.ModTime.UTC().Format(http.TimeFormat))
	}
	if !singleRange(c.R.Header.Get("Range"), e.Size) {
		c.R.Header.Del("Range")
	}
	if rs, ok := f.(io.ReadSeeker); ok {
		http.ServeContent(c.W, c.R, "", e.ModTime, rs)
		return nil
	}
	// A file streamed from another machine: whole, with no range.
	if !e.ModTime.IsZero() {
		if since, err := http.ParseTime(c.R.Header.Get("If-Modified-Since")); err == nil && !e.ModTime.Truncate(1e9).After(since) {
			c.W.WriteHeader(http.StatusNotModified)
			return nil
		}
		h.Set("Last-Modified", e.ModTime.UTC().Format(http.TimeFormat))
	}
	h.Set("Content-Length", strconv.FormatInt(e.Size, 10))
	c.W.WriteHeader(http.StatusOK)
	if c.R.Method == http.MethodHead {
		return nil
	}
	_, err := io.CopyN(c.W, f, e.Size)
	return err
}

// rangeRE is the one Range form Jenkins honours: bytes=S-E or bytes=S-.
var rangeRE = regexp.MustCompile(`^bytes=(\d{1,18})-(\d{0,18})$`)

// singleRange reports whether Range header v is one Jenkins honours for
// a file of size bytes: a single range from a byte inside the file.
// Suffix ranges, several ranges, malformed or unsatisfiable ones are
// answered with the whole file (200), as Jenkins answers them: never a
// 416.
func singleRange(v string, size int64) bool {
	m := rangeRE.FindStringSubmatch(strings.TrimSpace(v))
	if m == nil {
		return false
	}
	start, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil || start >= size {
		return false
	}
	if m[2] == "" {
		return true
	}
	end, err := strconv.ParseInt(m[2], 10, 64)
	return err == nil && end >= start
}
