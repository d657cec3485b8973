package artifact

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"testing"
	"testing/fstest"

	"github.com/jeeves-ci/jeeves/internal/antglob"
)

// memSink keeps what it is given, all or nothing.
type memSink struct {
	files map[string][]byte
	fail  error
}

func (m *memSink) Put(_ context.Context, a Artifact, r io.Reader) error {
	if m.fail != nil {
		return m.fail
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if m.files == nil {
		m.files = map[string][]byte{}
	}
	m.files[a.Path] = b
	return nil
}

func TestHasherComputesJenkinsFingerprints(t *testing.T) {
	tests := []struct{ in, md5, sha string }{
		{"", "d41d8cd98f00b204e9800998ecf8427e", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"hello\n", "b1946ac92492d2347c6235b4d2611184", "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"},
	}
	for _, tc := range tests {
		h := NewHasher()
		io.Copy(h, bytes.NewReader([]byte(tc.in)))
		d := h.Digest()
		if d.MD5 != tc.md5 || d.SHA256 != tc.sha || d.Size != int64(len(tc.in)) {
			t.Errorf("Digest(%q) = %+v", tc.in, d)
		}
	}
}

func TestCopyStoresAndFingerprints(t *testing.T) {
	ws := fstest.MapFS{"out/a.txt": {Data: []byte("hello\n"), Mode: 0o640}, "real/b": {Data: []byte("bb")}}
	files := []antglob.File{
		{Path: "out/a.txt", Source: "out/a.txt", Size: 6, Mode: 0o640},
		{Path: "link-b", Source: "real/b", Size: 2},
	}
	sink := &memSink{}
	got, err := Copy(context.Background(), ws, files, sink)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].MD5 != "b1946ac92492d2347c6235b4d2611184" || got[0].Mode != 0o640 || got[1].Path != "link-b" {
		t.Errorf("artifacts = %+v", got)
	}
	if string(sink.files["out/a.txt"]) != "hello\n" || string(sink.files["link-b"]) != "bb" {
		t.Errorf("stored = %q", sink.files)
	}
}

func TestCopyReadsNoMoreThanSelected(t *testing.T) {
	ws := fstest.MapFS{"grew.log": {Data: []byte("0123456789")}}
	sink := &memSink{}
	got, err := Copy(context.Background(), ws, []antglob.File{{Path: "grew.log", Source: "grew.log", Size: 4}}, sink)
	if err != nil {
		t.Fatal(err)
	}
	if string(sink.files["grew.log"]) != "0123" || got[0].Size != 4 {
		t.Errorf("stored %q, size %d", sink.files["grew.log"], got[0].Size)
	}
}

func TestCopyRefusesAFileThatShrank(t *testing.T) {
	ws := fstest.MapFS{"shrank.log": {Data: []byte("01")}}
	sink := &memSink{}
	_, err := Copy(context.Background(), ws, []antglob.File{{Path: "shrank.log", Source: "shrank.log", Size: 4}}, sink)
	if !errors.Is(err, ErrChanged) {
		t.Errorf("err = %v, want ErrChanged", err)
	}
	if _, kept := sink.files["shrank.log"]; kept {
		t.Error("a short file was stored")
	}
}

func TestCopyStopsAtTheFirstError(t *testing.T) {
	ws := fstest.MapFS{"a": {Data: []byte("a")}}
	files := []antglob.File{{Path: "a", Source: "a", Size: 1}, {Path: "gone", Source: "gone", Size: 1}}
	got, err := Copy(context.Background(), ws, files, &memSink{})
	if !errors.Is(err, fs.ErrNotExist) || len(got) != 1 {
		t.Errorf("got %d artifacts, err %v", len(got), err)
	}
	_, err = Copy(context.Background(), ws, files[:1], &memSink{fail: errors.New("disk full")})
	if err == nil || err.Error() != "archiving a: disk full" {
		t.Errorf("err = %v", err)
	}
}
