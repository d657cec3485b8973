package mask

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// masked runs writes through a Masker for secrets and returns the output.
func masked(t testing.TB, secrets []string, writes ...string) string {
	t.Helper()
	var out bytes.Buffer
	m := NewMasker(&out, secrets)
	for _, w := range writes {
		if n, err := m.Write([]byte(w)); err != nil || n != len(w) {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// TestRunnerCompatible holds the cases of the executor's Masker (once
// internal/runner's), which
// this one replaces.
func TestRunnerCompatible(t *testing.T) {
	cases := []struct {
		name   string
		writes []string
		want   string
	}{
		{"a secret in one write", []string{"PW=s3cret done\n"}, "PW=**** done\n"},
		{"a secret split across writes", []string{"PW=s3", "cr", "et\n"}, "PW=****\n"},
		{"every occurrence", []string{"s3crets3cret"}, "********"},
		{"a prefix that never completes is kept", []string{"s3cr", "ate\n"}, "s3crate\n"},
		{"a secret at the very end is masked on Close", []string{"end s3cret"}, "end ****"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := masked(t, []string{"s3cret", ""}, c.writes...); got != c.want {
				t.Fatalf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestMasker(t *testing.T) {
	key := "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU\nAAAAC3NzaC1lZDI1NTE5AAAAIOx\n-----END OPENSSH PRIVATE KEY-----\n"
	cases := []struct {
		name    string
		secrets []string
		writes  []string
		want    string
	}{
		{"overlapping secrets are masked as one stretch", []string{"abcd", "cdef"}, []string{"xabcdefx"}, "x****x"},
		{"a secret inside a longer one masks the longer one", []string{"pass", "password1"}, []string{"password1 pass"}, "**** ****"},
		{"a run of overlapping occurrences is masked without a gap", []string{"aaa"}, []string{"aaaa", "aaaa", "aaab"}, "****b"},
		{"a secret written one byte at a time", []string{"hunter22"}, strings.Split("say hunter22!", ""), "say ****!"},
		{"a one-character secret is not masked", []string{"a"}, []string{"banana"}, "banana"},
		{"a two-character secret is not masked", []string{"42"}, []string{"took 42 ms"}, "took 42 ms"},
		{"a three-character secret is masked", []string{"xyz"}, []string{"a xyz b"}, "a **** b"},
		{"bash -x quoting of a quote", []string{"it's"}, []string{"+ echo 'it'\\''s'\n"}, "+ echo ****\n"},
		{"dash -x quoting of a quote", []string{"it's"}, []string{"+ echo 'it'\"'\"'s'\n"}, "+ echo '****'\n"},
		{"a doubled dollar", []string{"pa$word"}, []string{"pa$$word"}, "****"},
		{"the URL-encoded form", []string{"p@ss w/rd"}, []string{"https://u:" + url.QueryEscape("p@ss w/rd") + "@host"}, "https://u:****@host"},
		{"the path-escaped form", []string{"p@ss w/rd"}, []string{"/x/" + url.PathEscape("p@ss w/rd") + "/"}, "/x/****/"},
		{"the JSON-escaped form", []string{`a"b\c<d`}, []string{`{"t":"a\"b\\c\u003cd"} {"t":"a\"b\\c<d"}`}, `{"t":"****"} {"t":"****"}`},
		{"the base64 form", []string{"hunter22"}, []string{"Authorization: " + base64.StdEncoding.EncodeToString([]byte("hunter22"))}, "Authorization: ****"},
		{"the base64url form", []string{"\xfb\xff\xfe?>"}, []string{base64.URLEncoding.EncodeToString([]byte("\xfb\xff\xfe?>"))}, "****"},
		{"base64 inside a longer encoding", []string{"pass1234"}, []string{"Basic " + base64.StdEncoding.EncodeToString([]byte("user:pass1234"))}, "Basic dXNlcjp****"},
		{"a whole private key", []string{key}, []string{"cat key\n" + key + "done\n"}, "cat key\n****done\n"},
		{"each line of a private key", []string{key}, []string{"x AAAAC3NzaC1lZDI1NTE5AAAAIOx y"}, "x **** y"},
		{"the armour of a private key is not masked", []string{key}, []string{"-----END OPENSSH PRIVATE KEY-----"}, "-----END OPENSSH PRIVATE KEY-----"},
		{"no secrets", nil, []string{"plain text"}, "plain text"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := masked(t, c.secrets, c.writes...); got != c.want {
				t.Fatalf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestForms(t *testing.T) {
	t.Run("they are sorted longest first with no duplicates", func(t *testing.T) {
		f := Forms("it's a $ecret^")
		if !slices.IsSortedFunc(f, func(a, b string) int { return len(b) - len(a) }) {
			t.Errorf("not sorted: %q", f)
		}
		if len(slices.Compact(slices.Clone(f))) != len(f) {
			t.Errorf("duplicates: %q", f)
		}
	})
	t.Run("short secrets have none", func(t *testing.T) {
		if f := Forms("ab"); f != nil {
			t.Errorf("Forms(ab) = %q", f)
		}
	})
	t.Run("every base64 alignment is covered", func(t *testing.T) {
		secret := "correct horse"
		forms := Forms(secret)
		for k := 0; k < 3; k++ {
			for after := 0; after < 3; after++ {
				for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding} {
					text := enc.EncodeToString([]byte(strings.Repeat("\x01", k) + secret + strings.Repeat("\xff", after)))
					if !slices.ContainsFunc(forms, func(f string) bool { return strings.Contains(text, f) }) {
						t.Errorf("no form found in %q (alignment %d, %d bytes after)", text, k, after)
					}
				}
			}
		}
	})
	t.Run("long secrets have no base64 forms", func(t *testing.T) {
		long := strings.Repeat("k", MaxWrappedLen+1)
		b64 := base64.StdEncoding.EncodeToString([]byte(long))
		for _, f := range Forms(long) {
			if strings.Contains(b64, f) {
				t.Errorf("a base64 form of %d bytes", len(f))
			}
		}
	})
}

// wrap is base64 text wrapped at width, each line ending in a newline,
// as coreutils base64 and openssl base64 print it.
func wrap(e string, width int) string {
	var b strings.Builder
	for i := 0; i < len(e); i += width {
		b.WriteString(e[i:min(i+width, len(e))])
		b.WriteByte('\n')
	}
	return b.String()
}

// chunks splits s into writes of n bytes, to split forms across writes.
func chunks(s string, n int) []string {
	var out []string
	for ; len(s) > n; s = s[n:] {
		out = append(out, s[:n])
	}
	return append(out, s)
}

func TestBase64OfAKey(t *testing.T) {
	// A PEM key of 1.7 KB (over MaxEncodedLen), its body random.
	body := make([]byte, 1200)
	rand.NewChaCha8([32]byte{1}).Read(body)
	key := "-----BEGIN RSA PRIVATE KEY-----\n" + wrap(base64.StdEncoding.EncodeToString(body), 64) + "-----END RSA PRIVATE KEY-----\n"
	if len(key) <= MaxEncodedLen || len(key) > MaxWrappedLen {
		t.Fatalf("the key is %d bytes", len(key))
	}
	std := base64.StdEncoding.EncodeToString([]byte(key))
	withNewline := base64.StdEncoding.EncodeToString([]byte(key + "\n")) // echo "$KEY" | base64
	cases := []struct {
		name, text string
	}{
		{"base64 -w 0 (one line)", "data: " + std + "\n"},
		{"base64 -w 0 of the key and a newline", "data: " + withNewline + "\n"},
		{"base64, wrapped at 76", wrap(std, 76)},
		{"base64 of the key and a newline, wrapped at 76", wrap(withNewline, 76)},
		{"openssl base64, wrapped at 64", wrap(std, 64)},
	}
	for _, c := range cases {
		t.Run(c.name+" shows no line of the encoded key", func(t *testing.T) {
			got := masked(t, []string{key}, chunks(c.text, 100)...)
			for line := range strings.Lines(got) {
				line = strings.TrimSuffix(line, "\n")
				if rest := strings.ReplaceAll(strings.TrimPrefix(line, "data: "), Mask, ""); len(rest) >= minWrappedLine {
					t.Errorf("shown: %q", line)
				}
			}
			// What is shown is at most the short tail of the last line.
			if strings.Count(got, Mask) == 0 {
				t.Errorf("nothing masked:\n%s", got)
			}
		})
	}
	t.Run("a key's base64 inside a longer encoding (another alignment) is not masked, as SECURITY.md says", func(t *testing.T) {
		text := base64.StdEncoding.EncodeToString([]byte("x" + key))
		if got := masked(t, []string{key}, text); got != text {
			t.Errorf("masked: %q", got)
		}
	})
	t.Run("a short key's base64 is masked at every alignment", func(t *testing.T) {
		short := "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU\nAAAAC3NzaC1lZDI1NTE5AAAAIOx\n-----END OPENSSH PRIVATE KEY-----\n"
		for k := range 3 {
			text := base64.URLEncoding.EncodeToString([]byte(strings.Repeat("x", k) + short))
			if got := masked(t, []string{short}, text); !strings.Contains(got, Mask) || len(got) > len(Mask)+8 {
				t.Errorf("alignment %d: %q", k, got)
			}
		}
	})
}

func TestNeeded(t *testing.T) {
	cases := []struct {
		name    string
		secrets []string
		want    bool
	}{
		{"none", nil, false},
		{"only empty and short ones", []string{"", "a", "ab"}, false},
		{"one long enough", []string{"ab", "abc"}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Needed(c.secrets); got != c.want {
				t.Errorf("Needed = %v", got)
			}
			if got := NewMasker(io.Discard, c.secrets).Active(); got != c.want {
				t.Errorf("Active = %v", got)
			}
		})
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteErrors(t *testing.T) {
	for _, secrets := range [][]string{nil, {"secret"}} {
		m := NewMasker(failWriter{}, secrets)
		if _, err := m.Write([]byte("some output that is long enough\n")); err == nil {
			t.Errorf("with secrets %q: Write hid the writer's error", secrets)
		}
	}
}

func TestSmallDenseBudget(t *testing.T) {
	// With no room for dense rows beyond the root, matching falls back
	// to trie edges and failure links; the results must not change.
	secrets := []string{"abcab", "bcabd", "cab", "password", "pass"}
	text := "xxabcabdabcabpassword cab pass"
	var a, b bytes.Buffer
	ma := NewMasker(&a, secrets)
	mb := NewMasker(&b, secrets)
	var patterns []string
	for _, s := range secrets {
		patterns = append(patterns, Forms(s)...)
	}
	mb.ac = newAutomaton(slices.Compact(patterns), 1)
	ma.Write([]byte(text))
	mb.Write([]byte(text))
	ma.Close()
	mb.Close()
	if a.String() != b.String() {
		t.Errorf("dense %q, sparse %q", a.String(), b.String())
	}
}

// FuzzMasker checks that no secret (nor any of its forms) survives in
// the output, however the input is split into writes, and that text
// without secrets passes unchanged.
func FuzzMasker(f *testing.F) {
	f.Add("abc", "bcd", "xxabcdxxabcabcbcd", uint64(1))
	f.Add("s3cret", "hunter2", "PW=s3cret and hunter2 and s3cre", uint64(7))
	f.Add("aaa", "aab", "aaaaaabaaa", uint64(3))
	f.Add("line one\nline two", "zz9", "line one\nline two\nline one", uint64(5))
	f.Fuzz(func(t *testing.T, s1, s2, text string, seed uint64) {
		tm := time.AfterFunc(10*time.Second, func() { panic(fmt.Sprintf("slow: %q %q %d %d", s1, s2, len(text), seed)) })
		defer tm.Stop()
		var secrets []string
		for _, s := range []string{s1, s2} {
			// A secret that contains the mask's character could be
			// formed by a mask and its neighbours.
			if !strings.Contains(s, "*") && len(s) <= 64 {
				secrets = append(secrets, s)
			}
		}
		// Plant each secret in the text.
		for _, s := range secrets {
			text = text + s + text[:len(text)/2]
		}
		rng := rand.New(rand.NewPCG(seed, seed>>1))
		var writes []string
		for rest := text; len(rest) > 0; {
			n := 1 + rng.IntN(len(rest))
			writes = append(writes, rest[:n])
			rest = rest[n:]
		}
		got := masked(t, secrets, writes...)
		for _, s := range secrets {
			for _, form := range Forms(s) {
				if strings.Contains(got, form) && !strings.Contains(form, "*") {
					t.Fatalf("form %q of secret %q survives in %q (writes %q)", form, s, got, writes)
				}
			}
		}
		if !Needed(secrets) && got != text {
			t.Fatalf("with nothing to mask, %q became %q", text, got)
		}
		whole := masked(t, secrets, text)
		if whole != got {
			t.Fatalf("split writes give %q, one write %q", got, whole)
		}
	})
}

func TestConcurrentWrites(t *testing.T) {
	var out bytes.Buffer
	m := NewMasker(&out, []string{"s3cret-value"})
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				m.Write([]byte("line with s3cret-value in it\n"))
			}
		}()
	}
	wg.Wait()
	m.Close()
	if strings.Contains(out.String(), "s3cret") || strings.Count(out.String(), "\n") != 400 {
		t.Errorf("lost or leaked output: %d lines", strings.Count(out.String(), "\n"))
	}
}

func TestReuseAfterClose(t *testing.T) {
	var out bytes.Buffer
	m := NewMasker(&out, []string{"abcdef"})
	m.Write([]byte("x abc"))
	m.Close()
	m.Write([]byte("def abcdef"))
	m.Close()
	if got := out.String(); got != "x abcdef ****" {
		t.Errorf("got %q: a stream after Close must start afresh", got)
	}
}
