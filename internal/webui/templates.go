package webui

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"mime"
	"path"
	"strings"
	texttemplate "text/template"
	"text/template/parse"
	"time"

	"github.com/jeeves-ci/jeeves/internal/timespan"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// templates are the pages, each parsed with the layout and the partials
// it calls (parsePages), and the static assets, both embedded in the
// binary.
type templates struct {
	pages  map[string]*template.Template
	assets map[string]Asset
	hash   string // of all assets: their URL prefix, so they cache forever
}

// Asset is one embedded static file.
type Asset struct {
	Body        []byte
	ContentType string
}

// assetTypes are the Content-Types of the assets jeeves ships, as Go's
// own table has them: looking them up in package mime would load the
// machine's MIME tables (hundreds of kilobytes, kept for the process's
// life) and let them change what the assets are served as.
var assetTypes = map[string]string{
	".css": "text/css; charset=utf-8",
	".js":  "text/javascript; charset=utf-8",
}

// parseTemplates parses the pages (parsePages) and hashes the assets.
func parseTemplates() (*templates, error) {
	u := &templates{pages: map[string]*template.Template{}, assets: map[string]Asset{}}
	h := sha256.New()
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		ct := assetTypes[path.Ext(name)]
		if ct == "" {
			ct = mime.TypeByExtension(path.Ext(name))
		}
		if ct == "" {
			ct = "application/octet-stream"
		}
		u.assets[name] = Asset{Body: b, ContentType: ct}
		h.Write([]byte(name))
		h.Write(b)
		return nil
	})
	if err != nil {
		return nil, err
	}
	u.hash = hex.EncodeToString(h.Sum(nil))[:12]
	pages, err := parsePages(templateFS)
	if err != nil {
		return nil, err
	}
	u.pages = pages
	return u, nil
}

// parsePages parses each page (templates/NAME.html, not layout.html nor
// partials*.html) into a set of its own, with the layout and the
// partials' templates it calls, directly or through others: not all of
// them, which kept a copy of every partial per page in memory (each
// page's set needs its own copy, as html/template escapes a set's trees
// in place for the contexts that set calls them in). The partials are
// parsed once; a page gets copies of the trees it calls. A page's own
// templates win over the partials' of the same name. The result maps
// each page's name to its set, whose "layout.html" is executed.
func parsePages(fsys fs.FS) (map[string]*template.Template, error) {
	files, err := fs.Glob(fsys, "templates/*.html")
	if err != nil {
		return nil, err
	}
	shared := []string{"templates/layout.html"}
	for _, f := range files {
		if strings.HasPrefix(path.Base(f), "partials") {
			shared = append(shared, f)
		}
	}
	lib, err := texttemplate.New("").Funcs(texttemplate.FuncMap(funcs)).ParseFS(fsys, shared...)
	if err != nil {
		return nil, fmt.Errorf("template partials: %w", err)
	}
	pages := map[string]*template.Template{}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "layout" || strings.HasPrefix(name, "partials") {
			continue
		}
		t, err := parsePage(fsys, f, lib)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// parsePage parses the page file f with the templates of lib that
// "layout.html" and the page's templates call.
func parsePage(fsys fs.FS, f string, lib *texttemplate.Template) (*template.Template, error) {
	src, err := fs.ReadFile(fsys, f)
	if err != nil {
		return nil, err
	}
	own, err := texttemplate.New(path.Base(f)).Funcs(texttemplate.FuncMap(funcs)).Parse(string(src))
	if err != nil {
		return nil, err
	}
	set := template.New("layout.html").Funcs(funcs)
	added := map[string]bool{}
	add := func(name string, tree *parse.Tree) error {
		added[name] = true
		_, err := set.AddParseTree(name, tree)
		return err
	}
	// The page's own templates, all of them (as before: a page may
	// define templates it only calls through a partial).
	for _, t := range own.Templates() {
		if t.Tree != nil {
			if err := add(t.Name(), t.Tree); err != nil {
				return nil, err
			}
		}
	}
	need := []string{"layout.html"}
	for _, t := range own.Templates() {
		if t.Tree != nil {
			need = calls(t.Tree.Root, need)
		}
	}
	for len(need) > 0 {
		name := need[len(need)-1]
		need = need[:len(need)-1]
		if added[name] {
			continue
		}
		t := lib.Lookup(name)
		if t == nil || t.Tree == nil {
			continue // executing a call to it fails, as it did
		}
		tree := t.Tree.Copy()
		if err := add(name, tree); err != nil {
			return nil, err
		}
		need = calls(tree.Root, need)
	}
	return set, nil
}

// calls appends to out the names of the templates n calls.
func calls(n parse.Node, out []string) []string {
	switch n := n.(type) {
	case *parse.ListNode:
		if n != nil {
			for _, c := range n.Nodes {
				out = calls(c, out)
			}
		}
	case *parse.IfNode:
		out = calls(n.ElseList, calls(n.List, out))
	case *parse.RangeNode:
		out = calls(n.ElseList, calls(n.List, out))
	case *parse.WithNode:
		out = calls(n.ElseList, calls(n.List, out))
	case *parse.TemplateNode:
		out = append(out, n.Name)
	}
	return out
}

// StaticPrefix is the path (under the root URL) assets are served from.
func (u *templates) StaticPrefix() string { return "static/" + u.hash + "/" }

// Asset finds an asset by the path after "static/"; the hash segment must
// be the current one (old URLs are not served stale content forever).
func (u *templates) Asset(p string) (Asset, bool) {
	hash, name, ok := strings.Cut(p, "/")
	if !ok || hash != u.hash {
		return Asset{}, false
	}
	a, ok := u.assets[name]
	return a, ok
}

// Render executes page into w, buffered so that an error leaves nothing
// half-written.
func (u *templates) Render(w io.Writer, page string, data any) error {
	t, ok := u.pages[page]
	if !ok {
		return fmt.Errorf("web: no page %q", page)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", data); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

var funcs = template.FuncMap{
	"ago":      timespan.Ago,
	"duration": timespan.Format,
	// when is a time as pages show it without script: in UTC, said so;
	// the page's script shows it in the browser's time zone.
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "never"
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	},
	"iso":   func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"ball":  Ball,
	"wbr":   breakable,
	"lower": strings.ToLower,
}

// Ball is the CSS class and the words for a Jenkins ball colour
// ("blue", "red_anime", "disabled", …).
func Ball(color string) BallInfo {
	base, anime := strings.CutSuffix(color, "_anime")
	var words string
	switch base {
	case "blue":
		words = "Success"
	case "red":
		words = "Failed"
	case "yellow":
		words = "Unstable"
	case "aborted":
		words = "Aborted"
	case "notbuilt":
		words = "Not built"
	case "disabled":
		words = "Disabled"
	case "grey":
		words = "Pending"
	default:
		words = base
	}
	if anime {
		// Running: the last result's colour (none yet: "not built"),
		// with a turning ring that tells it apart from a still ball.
		if base == "notbuilt" || base == "grey" {
			words = "Building"
		} else {
			words += ", building"
		}
		return BallInfo{Class: "ball ball-" + base + " ball-anime", Words: words}
	}
	return BallInfo{Class: "ball ball-" + base, Words: words}
}

// BallInfo is how a status icon is drawn and said.
type BallInfo struct{ Class, Words string }

// breakable is s, escaped, with a line-break opportunity (<wbr>) after
// each '/', '.', '?', '&' and '=': a long path or class name wraps between
// its parts, never in the middle of one.
func breakable(s string) template.HTML {
	var b strings.Builder
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '/', '.', '?', '&', '=':
			b.WriteString(template.HTMLEscapeString(s[start : i+1]))
			b.WriteString("<wbr>")
			start = i + 1
		}
	}
	b.WriteString(template.HTMLEscapeString(s[start:]))
	return template.HTML(b.String())
}
