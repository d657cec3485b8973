// Package secret encrypts values at rest with a key ring kept under the
// home's secrets directory.
//
// A Ring holds one or more 256-bit AES keys, each with a numeric id. The
// newest is the current key: Seal always uses it, and Open uses whichever
// key the ciphertext names, so values sealed before a rotation still open.
//
//	ring, err := secret.Open(filepath.Join(home, "secrets"))
//	ad := secret.AD("credential", "system/_", id, "password")
//	ct, err := ring.Seal([]byte(password), ad)   // store ct
//	pt, err := ring.Open(ct, ad)                 // the same ad, or ErrDecrypt
//
// Encryption is AES-256-GCM (crypto/aes, crypto/cipher) with a random
// 96-bit nonce per value. A sealed value is
//
//	0x01 ‖ key id (4 bytes, big-endian) ‖ nonce (12 bytes) ‖ ciphertext ‖ tag (16 bytes)
//
// 33 bytes longer than the plain text. The version byte and key id are
// authenticated with the caller's associated data, which binds a value to
// its record: a ciphertext copied to another record (another credential,
// another field) fails to open. Use AD to build associated data from
// parts without ambiguity.
//
// # The key file
//
// Open keeps the ring in DIR/jeeves.key (KeyFile), created on first use
// with mode 0600 in a directory made 0700. It is text:
//
//	jeeves-keyring 1
//	key 1 <64 hex digits>
//	key 2 <64 hex digits>
//	current 2
//
// Open refuses a key file that group or others may read or write, and
// never replaces one it cannot read: losing the file loses every value
// sealed with it, so back it up with the database, and keep the two
// apart (a copy of both is a copy of every secret).
//
// # Rotation
//
// To replace the key (a copy of the file leaked, or on a schedule):
//
//  1. Rotate adds a new key and makes it current; new values use it.
//  2. Reseal every stored value: it opens the value and seals it again
//     under the current key (values already under it are returned as
//     they are), so the caller can rewrite each record in turn.
//  3. Retire the old key once nothing uses it; values still sealed with
//     it then fail with ErrUnknownKey. KeyID tells which key a stored
//     value uses.
//
// Every change to the file is written to a temporary file, synced and
// renamed over it, so a crash leaves the old ring or the new one.
//
// A Ring is safe for concurrent use. Its errors never contain plain text.
package secret

import (
	"bufio"
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// KeyFile is the name of the key ring's file in its directory.
const KeyFile = "jeeves.key"

// KeySize is the size of each key in bytes (AES-256).
const KeySize = 32

// Overhead is how much longer a sealed value is than its plain text.
const Overhead = headerSize + 16

const (
	version    = 0x01
	nonceSize  = 12
	headerSize = 1 + 4 + nonceSize
	fileHeader = "jeeves-keyring 1"
)

var (
	// ErrDecrypt is returned by Open when a value does not authenticate:
	// it was altered, or sealed with other associated data or by another
	// ring whose key has the same id.
	ErrDecrypt = errors.New("secret: the value does not authenticate (altered, or sealed for another record or key)")
	// ErrUnknownKey is returned by Open for a value sealed with a key
	// the ring does not hold (retired, or from another ring).
	ErrUnknownKey = errors.New("secret: the value was sealed with a key this ring does not hold")
	// ErrFormat is returned by Open for a value too short or of an
	// unknown version to be a sealed value.
	ErrFormat = errors.New("secret: not a sealed value")
)

// Ring is a set of keys, one of them current. See the package comment.
type Ring struct {
	path string

	mu      sync.RWMutex
	keys    map[uint32]cipher.AEAD
	raw     map[uint32][]byte // for rewriting the file
	current uint32
}

// Open loads the key ring in dir, creating dir (0700) and a ring with one
// new key (file mode 0600) if the file does not exist. It fails if the
// file exists but cannot be read or parsed, or if group or others may
// access it.
func Open(dir string) (*Ring, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	path := filepath.Join(dir, KeyFile)
	r := &Ring{path: path}
	data, err := r.readFile()
	if errors.Is(err, fs.ErrNotExist) {
		return r, r.create()
	}
	if err != nil {
		return nil, err
	}
	if err := r.parse(data); err != nil {
		return nil, err
	}
	return r, nil
}

// readFile reads the key file, refusing one that others may access.
func (r *Ring) readFile() ([]byte, error) {
	f, err := os.Open(r.path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("secret: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("secret: %s is not a regular file", r.path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("secret: %s has mode %04o, so other users may read the keys: make it private (chmod 600) after checking who read it", r.path, perm)
	}
	if fi.Size() > 1<<20 {
		return nil, fmt.Errorf("secret: %s is too large to be a key ring", r.path)
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(f); err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	return buf.Bytes(), nil
}

// create makes a ring with one key and writes it, unless another process
// created the file first, in which case that file is loaded.
func (r *Ring) create() error {
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return fmt.Errorf("secret: %w", err)
	}
	r.keys = map[uint32]cipher.AEAD{}
	r.raw = map[uint32][]byte{}
	if err := r.add(1, key); err != nil {
		return err
	}
	r.current = 1
	err := writeFile(r.path, r.encode(), false)
	if errors.Is(err, fs.ErrExist) {
		data, err := r.readFile()
		if err != nil {
			return err
		}
		return r.parse(data)
	}
	return err
}

// parse reads the key file's text into r.
func (r *Ring) parse(data []byte) error {
	r.keys = map[uint32]cipher.AEAD{}
	r.raw = map[uint32][]byte{}
	r.current = 0
	bad := func(line int, format string, args ...any) error {
		return fmt.Errorf("secret: %s line %d: %s", r.path, line, fmt.Sprintf(format, args...))
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	n, header := 0, false
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if !header {
			if line != fileHeader {
				return bad(n, "the file must begin with %q", fileHeader)
			}
			header = true
			continue
		}
		f := strings.Fields(line)
		switch {
		case len(f) == 3 && f[0] == "key":
			id, err := parseID(f[1])
			if err != nil {
				return bad(n, "%v", err)
			}
			if _, dup := r.keys[id]; dup {
				return bad(n, "key %d appears twice", id)
			}
			key, err := hex.DecodeString(f[2])
			if err != nil || len(key) != KeySize {
				return bad(n, "key %d is not %d hex digits", id, 2*KeySize)
			}
			if err := r.add(id, key); err != nil {
				return err
			}
		case len(f) == 2 && f[0] == "current":
			id, err := parseID(f[1])
			if err != nil {
				return bad(n, "%v", err)
			}
			r.current = id
		default:
			return bad(n, "expected \"key ID HEX\" or \"current ID\"")
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("secret: %s: %w", r.path, err)
	}
	if !header {
		return fmt.Errorf("secret: %s is empty; it must begin with %q (restore it from a backup: a new key cannot open existing values)", r.path, fileHeader)
	}
	if r.current == 0 {
		return fmt.Errorf("secret: %s names no current key", r.path)
	}
	if _, ok := r.keys[r.current]; !ok {
		return fmt.Errorf("secret: %s: the current key %d is not in the file", r.path, r.current)
	}
	return nil
}

func parseID(s string) (uint32, error) {
	v, err := strconv.ParseUint(s, 10, 32)
	if err != nil || v == 0 {
		return 0, fmt.Errorf("key id %q is not a number from 1 to %d", s, uint32(1<<32-1))
	}
	return uint32(v), nil
}

// add makes an AEAD for key and puts it in the ring.
func (r *Ring) add(id uint32, key []byte) error {
	block, err := aes.NewCipher(key)
	if err != nil {
		return fmt.Errorf("secret: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return fmt.Errorf("secret: %w", err)
	}
	r.keys[id] = aead
	r.raw[id] = key
	return nil
}

// encode is the key file's text for the ring.
func (r *Ring) encode() []byte {
	var b bytes.Buffer
	b.WriteString("# jeeves's encryption keys for secrets at rest. Keep this file private\n")
	b.WriteString("# (mode 0600) and back it up apart from the database: without it the\n")
	b.WriteString("# stored secrets cannot be read.\n")
	b.WriteString(fileHeader + "\n")
	for _, id := range r.ids() {
		fmt.Fprintf(&b, "key %d %s\n", id, hex.EncodeToString(r.raw[id]))
	}
	fmt.Fprintf(&b, "current %d\n", r.current)
	return b.Bytes()
}

// ids is the ring's key ids in increasing order.
func (r *Ring) ids() []uint32 {
	ids := make([]uint32, 0, len(r.keys))
	for id := range r.keys {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// writeFile writes data to path with mode 0600 through a synced
// temporary file. With replace false it fails with fs.ErrExist if path
// exists (the temporary file is linked, not renamed, into place).
func writeFile(path string, data []byte, replace bool) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".tmp-"+KeyFile+"-*")
	if err != nil {
		return fmt.Errorf("secret: %w", err)
	}
	defer os.Remove(tmp.Name())
	err = tmp.Chmod(0o600)
	if err == nil {
		_, err = tmp.Write(data)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("secret: %w", err)
	}
	if replace {
		err = os.Rename(tmp.Name(), path)
	} else {
		err = os.Link(tmp.Name(), path)
	}
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return err
		}
		return fmt.Errorf("secret: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// Path is the key file's path.
func (r *Ring) Path() string { return r.path }

// Current is the id of the key Seal uses.
func (r *Ring) Current() uint32 {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.current
}

// KeyIDs is the ids of the keys the ring holds, in increasing order.
func (r *Ring) KeyIDs() []uint32 {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.ids()
}

// Seal encrypts plaintext under the current key, bound to ad (which may
// be nil). Each call uses a new random nonce, so sealing the same value
// twice gives different results.
func (r *Ring) Seal(plaintext, ad []byte) ([]byte, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.seal(plaintext, ad)
}

func (r *Ring) seal(plaintext, ad []byte) ([]byte, error) {
	out := make([]byte, headerSize, headerSize+len(plaintext)+16)
	out[0] = version
	binary.BigEndian.PutUint32(out[1:5], r.current)
	if _, err := rand.Read(out[5:headerSize]); err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	aead := r.keys[r.current]
	return aead.Seal(out, out[5:headerSize], plaintext, additional(out[:5], ad)), nil
}

// additional is the data GCM authenticates: the version and key id, then
// the caller's associated data.
func additional(head, ad []byte) []byte {
	a := make([]byte, 0, len(head)+len(ad))
	return append(append(a, head...), ad...)
}

// Open decrypts a value Seal returned, given the same associated data.
// It fails with ErrFormat, ErrUnknownKey or ErrDecrypt.
func (r *Ring) Open(ciphertext, ad []byte) ([]byte, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.open(ciphertext, ad)
}

func (r *Ring) open(ciphertext, ad []byte) ([]byte, error) {
	id, err := KeyID(ciphertext)
	if err != nil {
		return nil, err
	}
	aead, ok := r.keys[id]
	if !ok {
		return nil, ErrUnknownKey
	}
	pt, err := aead.Open(nil, ciphertext[5:headerSize], ciphertext[headerSize:], additional(ciphertext[:5], ad))
	if err != nil {
		return nil, ErrDecrypt
	}
	return pt, nil
}

// KeyID is the id of the key a sealed value was sealed with.
func KeyID(ciphertext []byte) (uint32, error) {
	if len(ciphertext) < Overhead || ciphertext[0] != version {
		return 0, ErrFormat
	}
	return binary.BigEndian.Uint32(ciphertext[1:5]), nil
}

// Reseal opens ciphertext and seals its plain text again under the
// current key, with the same associated data. A value already sealed with
// the current key is returned unchanged, with changed false.
func (r *Ring) Reseal(ciphertext, ad []byte) (out []byte, changed bool, err error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if id, err := KeyID(ciphertext); err == nil && id == r.current {
		if _, err := r.open(ciphertext, ad); err != nil {
			return nil, false, err
		}
		return ciphertext, false, nil
	}
	pt, err := r.open(ciphertext, ad)
	if err != nil {
		return nil, false, err
	}
	defer clear(pt)
	out, err = r.seal(pt, ad)
	return out, err == nil, err
}

// Rotate adds a new random key, makes it current and saves the ring. It
// returns the new key's id. Values sealed before still open; Reseal moves
// them to the new key.
func (r *Ring) Rotate() (uint32, error) {
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return 0, fmt.Errorf("secret: %w", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	ids := r.ids()
	last := ids[len(ids)-1]
	if last == 1<<32-1 {
		return 0, errors.New("secret: no key id is left")
	}
	id := last + 1
	prev := r.current
	if err := r.add(id, key); err != nil {
		return 0, err
	}
	r.current = id
	if err := writeFile(r.path, r.encode(), true); err != nil {
		delete(r.keys, id)
		delete(r.raw, id)
		r.current = prev
		return 0, err
	}
	return id, nil
}

// Retire removes a key that is not current and saves the ring. Values
// still sealed with it can no longer be opened (ErrUnknownKey), so Reseal
// them all first.
func (r *Ring) Retire(id uint32) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if id == r.current {
		return fmt.Errorf("secret: key %d is current and cannot be retired: Rotate first", id)
	}
	aead, ok := r.keys[id]
	if !ok {
		return fmt.Errorf("secret: the ring holds no key %d", id)
	}
	raw := r.raw[id]
	delete(r.keys, id)
	delete(r.raw, id)
	if err := writeFile(r.path, r.encode(), true); err != nil {
		r.keys[id] = aead
		r.raw[id] = raw
		return err
	}
	clear(raw)
	return nil
}

// AD builds associated data from parts, each prefixed by its length, so
// that different lists of parts never give the same bytes ("ab","c" and
// "a","bc" differ).
func AD(parts ...string) []byte {
	n := 0
	for _, p := range parts {
		n += binary.MaxVarintLen64 + len(p)
	}
	b := make([]byte, 0, n)
	for _, p := range parts {
		b = binary.AppendUvarint(b, uint64(len(p)))
		b = append(b, p...)
	}
	return b
}
