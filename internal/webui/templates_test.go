package webui

import (
	"bytes"
	"strings"
	"testing"
	"testing/fstest"
)

func TestEveryPageRendersWithEmptyData(t *testing.T) {
	u, err := parseTemplates()
	if err != nil {
		t.Fatal(err)
	}
	if len(u.pages) < 10 {
		t.Fatalf("only %d pages parsed", len(u.pages))
	}
	for name := range u.pages {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			data := struct {
				Title, Root, Static, Crumb, Version, Flash, Live, API string
				User                                                  any
				Admin                                                 bool
				Trail                                                 []struct{ Name, URL string }
				P                                                     map[string]any
			}{Title: "<t>", Root: "/", P: map[string]any{}}
			if err := u.Render(&buf, name, data); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(buf.String(), "<t>") {
				t.Fatal("the title was not escaped")
			}
		})
	}
}

func TestAssetsAreServedUnderTheCurrentHashOnly(t *testing.T) {
	u, err := parseTemplates()
	if err != nil {
		t.Fatal(err)
	}
	hash := strings.TrimSuffix(strings.TrimPrefix(u.StaticPrefix(), "static/"), "/")
	for _, c := range []struct {
		path string
		ok   bool
	}{
		{hash + "/jeeves.css", true},
		{hash + "/jeeves.js", true},
		{"000000000000/jeeves.css", false},
		{hash + "/missing.css", false},
		{hash, false},
	} {
		if _, ok := u.Asset(c.path); ok != c.ok {
			t.Errorf("Asset(%q) = %v, want %v", c.path, ok, c.ok)
		}
	}
}

func TestWords(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{Ball("blue").Class, "ball ball-blue"},
		{Ball("red_anime").Class, "ball ball-red ball-anime"},
		{Ball("red_anime").Words, "Failed, building"},
		{Ball("disabled").Words, "Disabled"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestPagesHoldOnlyThePartialsTheyCall(t *testing.T) {
	u, err := parseTemplates()
	if err != nil {
		t.Fatal(err)
	}
	// Each page once kept its own parse of every partial: megabytes
	// for thirty pages. A page keeps what it calls, through the layout
	// or its own templates, and nothing else.
	for _, c := range []struct {
		page   string
		has    []string
		hasNot []string
	}{
		{"login", []string{"layout.html", "content", "search-box", "user-page-link", "crumb"}, []string{"job-git", "jobform", "job-outputs"}},
		{"configure", []string{"content", "jobform-general", "jobform-steps", "jobform-triggers", "configure-git"}, []string{"newjob-copy"}},
		{"newjob", []string{"content", "jobform", "newjob-copy"}, nil},
		{"job", []string{"content", "job-git", "job-outputs"}, []string{"jobform"}},
	} {
		t.Run(c.page, func(t *testing.T) {
			set := u.pages[c.page]
			if set == nil {
				t.Fatal("no such page")
			}
			for _, n := range c.has {
				if set.Lookup(n) == nil {
					t.Errorf("%q is missing", n)
				}
			}
			for _, n := range c.hasNot {
				if set.Lookup(n) != nil {
					t.Errorf("%q is there, uncalled", n)
				}
			}
		})
	}
}

func TestPagesParsedWithWhatTheyCall(t *testing.T) {
	fsys := fstest.MapFS{
		"templates/layout.html":   {Data: []byte(`<title>{{.Title}}</title><main>{{template "content" .}}</main>`)},
		"templates/partials.html": {Data: []byte(`{{define "v"}}{{template "w" .}}{{end}}{{define "w"}}{{.}}{{end}}{{define "z"}}partial{{end}}`)},
		"templates/text.html":     {Data: []byte(`{{define "content"}}<p>{{if .X}}{{template "v" .X}}{{end}}</p>{{end}}`)},
		"templates/script.html":   {Data: []byte(`{{define "content"}}<script>var x = {{with .X}}{{template "v" .}}{{end}};</script>{{template "z"}}{{end}}`)},
		"templates/mine.html":     {Data: []byte(`{{define "content"}}{{template "z"}}{{end}}{{define "z"}}mine{{end}}`)},
		"templates/missing.html":  {Data: []byte(`{{define "content"}}{{template "nowhere"}}{{end}}`)},
	}
	pages, err := parsePages(fsys)
	if err != nil {
		t.Fatal(err)
	}
	u := &templates{pages: pages}
	data := map[string]string{"Title": "<t>", "X": `</script>"`}
	for _, c := range []struct{ name, page, want string }{
		{"a partial called through another is escaped for text", "text",
			`<title>&lt;t&gt;</title><main><p>&lt;/script&gt;&#34;</p></main>`},
		{"the same partial is escaped for script in another page, whichever renders first", "script",
			`<title>&lt;t&gt;</title><main><script>var x = "\u003c/script\u003e\"";</script>partial</main>`},
		{"a page's own template wins over a partial's of the same name", "mine",
			`<title>&lt;t&gt;</title><main>mine</main>`},
		{"the text page again, after the script page", "text",
			`<title>&lt;t&gt;</title><main><p>&lt;/script&gt;&#34;</p></main>`},
	} {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := u.Render(&buf, c.page, data); err != nil {
				t.Fatal(err)
			}
			if buf.String() != c.want {
				t.Errorf("\n got %s\nwant %s", buf.String(), c.want)
			}
		})
	}
	t.Run("a call to a template nowhere fails to render, naming it", func(t *testing.T) {
		var buf bytes.Buffer
		err := u.Render(&buf, "missing", data)
		if err == nil || !strings.Contains(err.Error(), "nowhere") {
			t.Fatalf("err = %v, want one naming the template", err)
		}
		if buf.Len() != 0 {
			t.Errorf("wrote %q", buf.String())
		}
	})
	if pages["mine"].Lookup("v") != nil {
		t.Error("a page calling no v holds it")
	}
}

func TestAssetsKeepGoContentTypes(t *testing.T) {
	u, err := parseTemplates()
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"jeeves.css": "text/css; charset=utf-8",
		"jeeves.js":  "text/javascript; charset=utf-8",
	} {
		if a, ok := u.Asset(strings.TrimPrefix(u.StaticPrefix(), "static/") + name); !ok || a.ContentType != want {
			t.Errorf("%s: %q, want %q", name, a.ContentType, want)
		}
	}
}
