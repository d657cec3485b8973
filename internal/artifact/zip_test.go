package artifact

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"slices"
	"strings"
	"testing"
	"time"
)

func stored() []Artifact {
	mt := time.Date(2024, 5, 6, 7, 8, 10, 0, time.UTC)
	return []Artifact{
		{Path: "out/a.txt", Size: 1, Mode: 0o644, ModTime: mt},
		{Path: "out/sub/b.bin", Size: 1, Mode: 0o755, ModTime: mt},
		{Path: "out/.gitignore", Size: 1, Mode: 0o644, ModTime: mt},
		{Path: "README", Size: 1, Mode: 0o644, ModTime: mt},
		{Path: "lib/x.jar", Size: 1, Mode: 0o644, ModTime: mt},
	}
}

func TestZipSelect(t *testing.T) {
	tests := []struct {
		name, base, rest string
		want             []string
	}{
		{"the whole archive is prefixed archive/", "", "", []string{"archive/README", "archive/lib/x.jar", "archive/out/a.txt", "archive/out/sub/b.bin"}},
		{"a directory is prefixed with its name", "out", "", []string{"out/a.txt", "out/sub/b.bin"}},
		{"a nested directory is prefixed with its own name", "out/sub/", "", []string{"sub/b.bin"}},
		{"a glob has no prefix", "", "**/*.jar,README", []string{"README", "lib/x.jar"}},
		{"a glob under a directory is relative to it", "out", "**/*.bin", []string{"sub/b.bin"}},
		{"a missing directory gives nothing", "nope", "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, e := range ZipSelect(stored(), tc.base, tc.rest, ArchiveDirName) {
				got = append(got, e.Name)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("entries = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestWriteZipStreamsAReadableZip(t *testing.T) {
	entries := ZipSelect(stored(), "", "", ArchiveDirName)
	var buf bytes.Buffer
	n, err := WriteZip(context.Background(), &buf, entries, func(_ context.Context, a Artifact) (io.ReadCloser, error) {
		return io.NopCloser(strings.NewReader("content of " + a.Path)), nil
	})
	if err != nil || n != 4 {
		t.Fatalf("WriteZip = %d, %v", n, err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if want := "content of " + strings.TrimPrefix(f.Name, "archive/"); string(b) != want {
			t.Errorf("%s holds %q, want %q", f.Name, b, want)
		}
		if f.Name == "archive/out/sub/b.bin" && f.Mode().Perm() != 0o755 {
			t.Errorf("mode of %s = %v", f.Name, f.Mode())
		}
		if !f.Modified.Equal(time.Date(2024, 5, 6, 7, 8, 10, 0, time.UTC)) {
			t.Errorf("modified of %s = %v", f.Name, f.Modified)
		}
	}
}

func TestWriteZipStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := WriteZip(ctx, io.Discard, ZipSelect(stored(), "", "", ArchiveDirName), nil)
	if err != context.Canceled {
		t.Errorf("err = %v", err)
	}
}
