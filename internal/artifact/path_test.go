package artifact

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestCheckPath(t *testing.T) {
	tests := []struct {
		path, want string
	}{
		{"a/b.txt", ""},
		{"é/ü.txt", ""},
		{"a b/c%20d", ""},
		{"", "empty path"},
		{"/etc/passwd", "absolute path"},
		{"a/../b", "path has a . or .. segment"},
		{"./a", "path has a . or .. segment"},
		{"a//b", "path has an empty segment"},
		{"a/", "path has an empty segment"},
		{"%2e%2e/x", "path has a segment that decodes to . or .."},
		{"%252E%252e/x", "path has a segment that decodes to . or .."},
		{"a\x00b", "path holds a control character"},
		{"a\tb", "path holds a control character"},
		{"bad\xffutf8", "path is not valid UTF-8"},
		{strings.Repeat("a", MaxPathLen+1), "path longer than 4096 bytes"},
	}
	for _, tc := range tests {
		t.Run("CheckPath of "+printable(tc.path[:min(len(tc.path), 20)]), func(t *testing.T) {
			err := CheckPath(tc.path)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Errorf("CheckPath(%q) = %q, want %q", tc.path, got, tc.want)
			}
		})
	}
}

func TestSafePath(t *testing.T) {
	tests := []struct {
		name, path string
		want       []string
		err        error
	}{
		{"a plain path", "out/a.txt", []string{"out", "a.txt"}, nil},
		{"double and trailing slashes are ignored, as gojenkins sends them", "//out/a.txt/", []string{"out", "a.txt"}, nil},
		{"dot segments are ignored", "./out/./a", []string{"out", "a"}, nil},
		{"the root is empty", "/", nil, nil},
		{"dot dot is refused", "out/../../secret", nil, ErrTraversal},
		{"a trailing dot dot is refused", "out/..", nil, ErrTraversal},
		{"dots still encoded are refused", "%2e%2e/x", nil, ErrTraversal},
		{"a backslash is refused", `out\..\x`, nil, ErrTraversal},
		{"a NUL is refused", "a\x00", nil, ErrTraversal},
		{"a drive letter is not found", "C:/Windows", nil, ErrNotFound},
		{"a colon elsewhere is fine", "a/C:", []string{"a", "C:"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := SafePath(tc.path)
			if !errors.Is(err, tc.err) || !slices.Equal(got, tc.want) {
				t.Errorf("SafePath(%q) = %q, %v; want %q, %v", tc.path, got, err, tc.want, tc.err)
			}
		})
	}
}

func FuzzSafePath(f *testing.F) {
	for _, s := range []string{"a/b", "..", "%2e%2E/x", "//a//", "C:/x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		segs, err := SafePath(p)
		if err != nil {
			return
		}
		joined := strings.Join(segs, "/")
		if joined != "" {
			if cerr := CheckPath(joined); cerr != nil && !strings.Contains(cerr.Error(), "control") && !strings.Contains(cerr.Error(), "longer") {
				t.Fatalf("SafePath accepted %q as %q, which CheckPath refuses: %v", p, joined, cerr)
			}
		}
		for _, s := range segs {
			if s == ".." || s == "." || s == "" || strings.ContainsAny(s, "/\\") {
				t.Fatalf("SafePath(%q) gave segment %q", p, s)
			}
		}
	})
}
