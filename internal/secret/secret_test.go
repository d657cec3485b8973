package secret

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func newRing(t *testing.T) (*Ring, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "secrets")
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return r, dir
}

func TestSealOpen(t *testing.T) {
	r, _ := newRing(t)
	ad := AD("credential", "system/_", "deploy", "password")
	cases := []struct {
		name  string
		plain []byte
	}{
		{"an empty value round-trips", []byte{}},
		{"a short value round-trips", []byte("s3cret")},
		{"binary data round-trips", []byte{0, 1, 2, 0xff, '\n'}},
		{"a large value round-trips", bytes.Repeat([]byte("x"), 1<<20)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ct, err := r.Seal(c.plain, ad)
			if err != nil {
				t.Fatal(err)
			}
			if len(ct) != len(c.plain)+Overhead {
				t.Errorf("sealed length %d, want %d", len(ct), len(c.plain)+Overhead)
			}
			if len(c.plain) >= 4 && bytes.Contains(ct, c.plain[:4]) {
				t.Errorf("the sealed value contains the plain text")
			}
			pt, err := r.Open(ct, ad)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(pt, c.plain) {
				t.Errorf("opened %d bytes, want the %d sealed", len(pt), len(c.plain))
			}
		})
	}
	t.Run("sealing twice gives different values", func(t *testing.T) {
		a, _ := r.Seal([]byte("same"), ad)
		b, _ := r.Seal([]byte("same"), ad)
		if bytes.Equal(a, b) {
			t.Error("two seals of one value are equal: the nonce is not random")
		}
	})
}

func TestOpenRefuses(t *testing.T) {
	r, _ := newRing(t)
	ad := AD("credential", "system/_", "deploy", "password")
	ct, err := r.Seal([]byte("hunter22"), ad)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := newRing(t)
	flip := func(i int) []byte {
		b := bytes.Clone(ct)
		b[i] ^= 1
		return b
	}
	cases := []struct {
		name string
		ring *Ring
		ct   []byte
		ad   []byte
		want error
	}{
		{"a flipped ciphertext bit", r, flip(len(ct) - 20), ad, ErrDecrypt},
		{"a flipped tag bit", r, flip(len(ct) - 1), ad, ErrDecrypt},
		{"a flipped nonce bit", r, flip(6), ad, ErrDecrypt},
		{"another record's associated data", r, ct, AD("credential", "system/_", "other", "password"), ErrDecrypt},
		{"another field's associated data", r, ct, AD("credential", "system/_", "deploy", "passphrase"), ErrDecrypt},
		{"no associated data", r, ct, nil, ErrDecrypt},
		{"another ring's key with the same id", other, ct, ad, ErrDecrypt},
		{"a key id the ring does not hold", r, func() []byte { b := bytes.Clone(ct); b[4] = 9; return b }(), ad, ErrUnknownKey},
		{"a truncated value", r, ct[:Overhead-1], ad, ErrFormat},
		{"an unknown version", r, flip(0), ad, ErrFormat},
		{"nothing", r, nil, ad, ErrFormat},
	}
	for _, c := range cases {
		t.Run("it refuses "+c.name, func(t *testing.T) {
			pt, err := c.ring.Open(c.ct, c.ad)
			if !errors.Is(err, c.want) {
				t.Fatalf("Open = %q, %v; want %v", pt, err, c.want)
			}
			if strings.Contains(err.Error(), "hunter22") {
				t.Errorf("the error %q holds the plain text", err)
			}
		})
	}
}

func TestAD(t *testing.T) {
	if bytes.Equal(AD("ab", "c"), AD("a", "bc")) {
		t.Error(`AD("ab","c") equals AD("a","bc")`)
	}
	if bytes.Equal(AD("a", ""), AD("a")) {
		t.Error(`AD("a","") equals AD("a")`)
	}
}

func TestRotation(t *testing.T) {
	r, dir := newRing(t)
	ad := AD("x")
	old, err := r.Seal([]byte("before"), ad)
	if err != nil {
		t.Fatal(err)
	}
	id, err := r.Rotate()
	if err != nil {
		t.Fatal(err)
	}
	t.Run("the new key is current and saved", func(t *testing.T) {
		if id != 2 || r.Current() != 2 {
			t.Fatalf("Rotate = %d, Current = %d; want 2", id, r.Current())
		}
		again, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		if again.Current() != 2 || len(again.KeyIDs()) != 2 {
			t.Errorf("reopened ring has current %d, keys %v", again.Current(), again.KeyIDs())
		}
	})
	t.Run("new values use the new key and old ones still open", func(t *testing.T) {
		ct, _ := r.Seal([]byte("after"), ad)
		if k, _ := KeyID(ct); k != 2 {
			t.Errorf("new value sealed with key %d", k)
		}
		if pt, err := r.Open(old, ad); err != nil || string(pt) != "before" {
			t.Errorf("old value: %q, %v", pt, err)
		}
	})
	t.Run("the current key cannot be retired", func(t *testing.T) {
		if err := r.Retire(2); err == nil {
			t.Error("Retire(current) succeeded")
		}
	})
	var resealed []byte
	t.Run("reseal moves a value to the current key", func(t *testing.T) {
		var changed bool
		resealed, changed, err = r.Reseal(old, ad)
		if err != nil || !changed {
			t.Fatalf("Reseal = %v, %v", changed, err)
		}
		if k, _ := KeyID(resealed); k != 2 {
			t.Errorf("resealed with key %d", k)
		}
		same, changed, err := r.Reseal(resealed, ad)
		if err != nil || changed || !bytes.Equal(same, resealed) {
			t.Errorf("resealing a current value: changed %v, err %v", changed, err)
		}
		if _, _, err := r.Reseal(old, AD("y")); !errors.Is(err, ErrDecrypt) {
			t.Errorf("reseal with the wrong associated data: %v", err)
		}
	})
	t.Run("a retired key no longer opens its values", func(t *testing.T) {
		if err := r.Retire(1); err != nil {
			t.Fatal(err)
		}
		if _, err := r.Open(old, ad); !errors.Is(err, ErrUnknownKey) {
			t.Errorf("Open(old) after Retire: %v", err)
		}
		if pt, err := r.Open(resealed, ad); err != nil || string(pt) != "before" {
			t.Errorf("resealed value: %q, %v", pt, err)
		}
		again, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		if ids := again.KeyIDs(); len(ids) != 1 || ids[0] != 2 {
			t.Errorf("reopened ring holds keys %v, want [2]", ids)
		}
		if err := r.Retire(1); err == nil {
			t.Error("retiring a missing key succeeded")
		}
	})
}

func TestFiles(t *testing.T) {
	t.Run("the directory is 0700 and the key file 0600", func(t *testing.T) {
		r, dir := newRing(t)
		for path, want := range map[string]os.FileMode{dir: 0o700, r.Path(): 0o600} {
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != want {
				t.Errorf("%s has mode %04o, want %04o", path, fi.Mode().Perm(), want)
			}
		}
		if _, err := r.Rotate(); err != nil {
			t.Fatal(err)
		}
		fi, _ := os.Stat(r.Path())
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("after Rotate the key file has mode %04o", fi.Mode().Perm())
		}
		left, _ := filepath.Glob(filepath.Join(dir, ".tmp-*"))
		if len(left) > 0 {
			t.Errorf("temporary files left behind: %v", left)
		}
	})
	t.Run("reopening loads the same key", func(t *testing.T) {
		r, dir := newRing(t)
		ct, _ := r.Seal([]byte("v"), nil)
		again, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		if pt, err := again.Open(ct, nil); err != nil || string(pt) != "v" {
			t.Errorf("Open after reopening: %q, %v", pt, err)
		}
	})
	t.Run("a key file others may read is refused", func(t *testing.T) {
		r, dir := newRing(t)
		os.Chmod(r.Path(), 0o644)
		_, err := Open(dir)
		if err == nil || !strings.Contains(err.Error(), "chmod 600") {
			t.Errorf("Open = %v, want a refusal that says chmod 600", err)
		}
	})
	bad := []struct {
		name, text, want string
	}{
		{"an empty file", "", "empty"},
		{"a missing header", "key 1 00\ncurrent 1\n", "must begin"},
		{"a short key", "jeeves-keyring 1\nkey 1 abcd\ncurrent 1\n", "hex digits"},
		{"no current key", "jeeves-keyring 1\nkey 1 " + strings.Repeat("ab", 32) + "\n", "no current"},
		{"a current key that is missing", "jeeves-keyring 1\nkey 1 " + strings.Repeat("ab", 32) + "\ncurrent 2\n", "not in the file"},
		{"a duplicate key id", "jeeves-keyring 1\nkey 1 " + strings.Repeat("ab", 32) + "\nkey 1 " + strings.Repeat("cd", 32) + "\ncurrent 1\n", "twice"},
		{"a key id of zero", "jeeves-keyring 1\nkey 0 " + strings.Repeat("ab", 32) + "\ncurrent 0\n", "not a number"},
		{"an unknown line", "jeeves-keyring 1\nfoo\n", "expected"},
	}
	for _, c := range bad {
		t.Run("a key file with "+c.name+" is refused and kept", func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, KeyFile)
			os.WriteFile(path, []byte(c.text), 0o600)
			_, err := Open(dir)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Open = %v, want an error containing %q", err, c.want)
			}
			if got, _ := os.ReadFile(path); string(got) != c.text {
				t.Errorf("the file was changed to %q", got)
			}
		})
	}
}

func TestConcurrentUse(t *testing.T) {
	r, _ := newRing(t)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			ad := AD("g", string(rune('a'+g)))
			for i := 0; i < 200; i++ {
				ct, err := r.Seal([]byte("value"), ad)
				if err == nil {
					_, err = r.Open(ct, ad)
				}
				if err == nil && i%50 == 0 {
					_, _, err = r.Reseal(ct, ad)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}(g)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 3; i++ {
			if _, err := r.Rotate(); err != nil {
				errs <- err
				return
			}
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if r.Current() != 4 {
		t.Errorf("Current = %d after 3 rotations", r.Current())
	}
}

func TestConcurrentCreate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "secrets")
	rings := make([]*Ring, 4)
	var wg sync.WaitGroup
	for i := range rings {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r, err := Open(dir)
			if err != nil {
				t.Error(err)
			}
			rings[i] = r
		}(i)
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	ct, _ := rings[0].Seal([]byte("shared"), nil)
	for i, r := range rings {
		if _, err := r.Open(ct, nil); err != nil {
			t.Errorf("ring %d opened at the same time holds another key: %v", i, err)
		}
	}
}

func BenchmarkSealOpen(b *testing.B) {
	r, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	ad := AD("credential", "system/_", "deploy", "password")
	pt := []byte("a 32-byte token value 0123456789")
	for b.Loop() {
		ct, _ := r.Seal(pt, ad)
		if _, err := r.Open(ct, ad); err != nil {
			b.Fatal(err)
		}
	}
}
