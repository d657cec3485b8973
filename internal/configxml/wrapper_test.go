package configxml

import "testing"

// TestSetBuildWrapper: a build wrapper is replaced, added or removed in
// place, and nothing else of the document changes.
func TestSetBuildWrapper(t *testing.T) {
	const w = "org.example.W"
	markup := func(in string) string { return "<" + w + ">\n" + in + "  <x>1</x>\n" + in + "</" + w + ">" }
	cases := []struct {
		name, in string
		markup   func(string) string
		want     string
	}{
		{"a wrapper is replaced where it is, the others kept",
			"<project>\n  <buildWrappers>\n    <a.B/>\n    <org.example.W><x>0</x></org.example.W>\n    <c.D>keep</c.D>\n  </buildWrappers>\n</project>", markup,
			"<project>\n  <buildWrappers>\n    <a.B/>\n    <org.example.W>\n      <x>1</x>\n    </org.example.W>\n    <c.D>keep</c.D>\n  </buildWrappers>\n</project>"},
		{"a new wrapper goes after the others",
			"<project>\n  <buildWrappers>\n    <a.B/>\n  </buildWrappers>\n</project>", markup,
			"<project>\n  <buildWrappers>\n    <a.B/>\n    <org.example.W>\n      <x>1</x>\n    </org.example.W>\n  </buildWrappers>\n</project>"},
		{"an empty buildWrappers is opened for it",
			"<project>\n  <builders/>\n  <buildWrappers/>\n</project>", markup,
			"<project>\n  <builders/>\n  <buildWrappers>\n    <org.example.W>\n      <x>1</x>\n    </org.example.W>\n  </buildWrappers>\n</project>"},
		{"buildWrappers is added where Jenkins writes it",
			"<project>\n  <builders/>\n  <publishers/>\n</project>", markup,
			"<project>\n  <builders/>\n  <publishers/>\n  <buildWrappers>\n    <org.example.W>\n      <x>1</x>\n    </org.example.W>\n  </buildWrappers>\n</project>"},
		{"removing the last wrapper leaves an empty buildWrappers",
			"<project>\n  <buildWrappers>\n    <org.example.W><x>0</x></org.example.W>\n  </buildWrappers>\n</project>", nil,
			"<project>\n  <buildWrappers/>\n</project>"},
		{"removing one wrapper keeps the others",
			"<project>\n  <buildWrappers>\n    <org.example.W/>\n    <a.B/>\n  </buildWrappers>\n</project>", nil,
			"<project>\n  <buildWrappers>\n    <a.B/>\n  </buildWrappers>\n</project>"},
		{"removing a wrapper the project does not have changes nothing",
			"<project>\n<!-- c -->\n  <builders/>\n</project>", nil,
			"<project>\n<!-- c -->\n  <builders/>\n</project>"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := SetBuildWrapper([]byte(c.in), w, c.markup)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.want {
				t.Fatalf("got\n%s\nwant\n%s", got, c.want)
			}
		})
	}
	t.Run("a folder has no build wrappers", func(t *testing.T) {
		if _, err := SetBuildWrapper([]byte(`<com.cloudbees.hudson.plugins.folder.Folder/>`), w, markup); err == nil {
			t.Fatal("no error")
		}
	})
}
