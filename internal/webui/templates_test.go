package webui

import (
	"bytes"
	"strings"
	"testing"
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
