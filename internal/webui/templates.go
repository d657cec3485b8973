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
	"time"

	"github.com/jeeves-ci/jeeves/internal/timespan"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// templates are the pages, parsed with the layout, and the static
// assets, both embedded in the binary.
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

// parseTemplates parses every page with the layout and hashes the
// assets.
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
		ct := mime.TypeByExtension(path.Ext(name))
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
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	// Every page is parsed with the layout and every partials*.html.
	shared := []string{"templates/layout.html"}
	for _, f := range files {
		if strings.HasPrefix(path.Base(f), "partials") {
			shared = append(shared, f)
		}
	}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "layout" || strings.HasPrefix(name, "partials") {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, append(shared, f)...)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		u.pages[name] = t
	}
	return u, nil
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
