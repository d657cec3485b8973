package mask

import (
	"bytes"
	"fmt"
	"io"
	"sync"
	"testing"
)

// benchLog is 100 MB of build output: compiler-like lines with paths,
// hashes and base64, none of which contain a secret. It is made on first
// use.
var benchLog = sync.OnceValue(func() []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < 100<<20; i++ {
		fmt.Fprintf(&b, "[INFO] Compiling module-%d/src/main/java/org/example/Thing%d.java (sha256 %x) eyJhbGciOiJIUzI1NiJ9.%d\n", i%97, i, i*2654435761, i)
	}
	return b.Bytes()[:100<<20]
})

// The three secrets of a typical job: a token, a password, a username.
var benchSecrets = []string{"ghp_16C7e42F292c6912E7710c838347Ae178B4a", "correct-horse-battery-staple", "deploy-bot"}

const chunk = 32 << 10 // what a build's pipe read typically returns

func copyChunks(b *testing.B, w io.Writer) {
	log := benchLog()
	b.SetBytes(int64(len(log)))
	for b.Loop() {
		for p := log; len(p) > 0; {
			n := min(chunk, len(p))
			if _, err := w.Write(p[:n]); err != nil {
				b.Fatal(err)
			}
			p = p[n:]
		}
		if c, ok := w.(io.Closer); ok {
			c.Close()
		}
	}
}

// BenchmarkFloor is the same writes straight to io.Discard.
func BenchmarkFloor(b *testing.B) { copyChunks(b, io.Discard) }

// copier copies what it is given, as writing to the page cache does.
type copier struct{ buf []byte }

func (c *copier) Write(p []byte) (int, error) { return copy(c.buf, p), nil }

// BenchmarkFloorCopy is the same writes each copied once (memcpy speed).
func BenchmarkFloorCopy(b *testing.B) { copyChunks(b, &copier{make([]byte, chunk)}) }

// BenchmarkNoSecrets is a Masker with nothing to mask.
func BenchmarkNoSecrets(b *testing.B) { copyChunks(b, NewMasker(io.Discard, nil)) }

// BenchmarkThreeSecrets masks three secrets (about 60 forms).
func BenchmarkThreeSecrets(b *testing.B) { copyChunks(b, NewMasker(io.Discard, benchSecrets)) }

// benchKey is an RSA private key's size and shape (1.7 KB of PEM).
var benchKey = "-----BEGIN RSA PRIVATE KEY-----\n" + string(bytes.Repeat([]byte("MIIEowIBAAKCAQEAx3b1yrP4ZfWq9uE0oKj7N2m8dQv5tLc6hS1gR4aXyB0wZpJ\n"), 25)) + "-----END RSA PRIVATE KEY-----\n"

// BenchmarkKeyAndThreeSecrets masks the three secrets and a private key
// (its lines, escaped and base64 forms: 70 forms in all, the key's
// lines repeating).
func BenchmarkKeyAndThreeSecrets(b *testing.B) {
	copyChunks(b, NewMasker(io.Discard, append([]string{benchKey}, benchSecrets...)))
}

// BenchmarkNewMasker is the set-up cost of masking three secrets.
func BenchmarkNewMasker(b *testing.B) {
	for b.Loop() {
		NewMasker(io.Discard, benchSecrets)
	}
}

// BenchmarkNewMaskerKey is the set-up cost for an RSA private key (the
// largest secret most jobs bind).
func BenchmarkNewMaskerKey(b *testing.B) {
	for b.Loop() {
		NewMasker(io.Discard, append([]string{benchKey}, benchSecrets...))
	}
}
