package blob

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/store"
)

func TestDir(t *testing.T) {
	root := filepath.Join(t.TempDir(), "home")
	d := NewDir(root)
	t.Run("an appended stream reads back whole and at any offset", func(t *testing.T) {
		w, err := d.Append(LogKey(3, 7))
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, "hello ")
		w.Close()
		w, _ = d.Append(LogKey(3, 7))
		io.WriteString(w, "world\n")
		w.Close()
		r, err := d.Open("builds/3/7.log")
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		all, _ := io.ReadAll(r)
		part := make([]byte, 5)
		r.ReadAt(part, 6)
		if string(all) != "hello world\n" || string(part) != "world" {
			t.Fatalf("read %q and %q", all, part)
		}
		if info, err := d.Stat(LogKey(3, 7)); err != nil || info.Size != 12 {
			t.Fatalf("stat %+v %v", info, err)
		}
	})
	t.Run("what it makes is private", func(t *testing.T) {
		for _, p := range []string{filepath.Join(root, "builds"), filepath.Join(root, "builds", "3"), filepath.Join(root, "builds", "3", "7.log")} {
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm()&0o077 != 0 {
				t.Errorf("%s is %v", p, fi.Mode().Perm())
			}
		}
	})
	t.Run("a missing key is ErrNotFound", func(t *testing.T) {
		if _, err := d.Open("builds/3/8.log"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("open: %v", err)
		}
		if _, err := d.Stat("builds/3"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("stat of a prefix: %v", err)
		}
	})
	t.Run("a missing key is the not-found every layer shares", func(t *testing.T) {
		if _, err := d.Open("builds/3/8.log"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("open: %v", err)
		}
	})
	t.Run("put replaces a stream whole", func(t *testing.T) {
		if _, err := d.Put("builds/3/7/archive/a.txt", strings.NewReader("one")); err != nil {
			t.Fatal(err)
		}
		if n, err := d.Put("builds/3/7/archive/a.txt", strings.NewReader("two!")); err != nil || n != 4 {
			t.Fatal(n, err)
		}
		r, _ := d.Open("builds/3/7/archive/a.txt")
		b, _ := io.ReadAll(r)
		r.Close()
		if string(b) != "two!" {
			t.Fatalf("read %q", b)
		}
	})
	t.Run("a local file is stored whole, from its offset, up to the size given", func(t *testing.T) {
		src := filepath.Join(t.TempDir(), "src")
		if err := os.WriteFile(src, []byte("headbodytail"), 0o644); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(src)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		f.Seek(4, io.SeekStart)
		if n, err := d.PutFile("builds/3/7/archive/b.txt", f, 4); err != nil || n != 4 {
			t.Fatal(n, err)
		}
		r, _ := d.Open("builds/3/7/archive/b.txt")
		b, _ := io.ReadAll(r)
		r.Close()
		if string(b) != "body" {
			t.Fatalf("read %q", b)
		}
		if fi, err := os.Stat(filepath.Join(root, "builds/3/7/archive/b.txt")); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("stored file %v %v", fi.Mode(), err)
		}
	})
	t.Run("a local file shorter than said stores nothing", func(t *testing.T) {
		src := filepath.Join(t.TempDir(), "short")
		os.WriteFile(src, []byte("abc"), 0o644)
		f, _ := os.Open(src)
		defer f.Close()
		if _, err := d.PutFile("builds/3/7/archive/short", f, 10); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("err %v", err)
		}
		if _, err := d.Stat("builds/3/7/archive/short"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("stored anyway: %v", err)
		}
		if _, err := d.PutFile("../x", f, 1); !errors.Is(err, ErrBadKey) {
			t.Fatalf("bad key: %v", err)
		}
	})
	t.Run("walk lists the keys below a prefix in order", func(t *testing.T) {
		var keys []string
		err := d.Walk("builds/3", func(i Info) error { keys = append(keys, i.Key); return nil })
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(keys, " ") != "builds/3/7/archive/a.txt builds/3/7/archive/b.txt builds/3/7.log" {
			t.Fatalf("keys %q", keys)
		}
		if err := d.Walk("builds/99", func(Info) error { t.Fatal("called"); return nil }); err != nil {
			t.Fatalf("walking nothing: %v", err)
		}
	})
	t.Run("delete removes a key and everything below it", func(t *testing.T) {
		if err := d.Delete(JobKey(3)); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Stat(LogKey(3, 7)); !errors.Is(err, ErrNotFound) {
			t.Fatalf("after delete: %v", err)
		}
		if err := d.Delete(JobKey(3)); err != nil {
			t.Fatalf("deleting nothing: %v", err)
		}
	})
	t.Run("keys that leave the root are refused", func(t *testing.T) {
		for _, k := range []string{"", "/etc/passwd", "../x", "a/../../x", "a//b", "a/./b", ".", "..", "a\\b", "a\x00b"} {
			if _, err := d.Open(k); !errors.Is(err, ErrBadKey) {
				t.Errorf("open %q: %v", k, err)
			}
			if err := d.Delete(k); !errors.Is(err, ErrBadKey) {
				t.Errorf("delete %q: %v", k, err)
			}
		}
	})
}
