package sshagent

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// The host-key verification strategies' class names, as in a node's
// config.xml (hudson.plugins.sshslaves.verifiers).
const (
	ClassNonVerifying     = "hudson.plugins.sshslaves.verifiers.NonVerifyingKeyVerificationStrategy"
	ClassKnownHostsFile   = "hudson.plugins.sshslaves.verifiers.KnownHostsFileKeyVerificationStrategy"
	ClassManuallyProvided = "hudson.plugins.sshslaves.verifiers.ManuallyProvidedKeyVerificationStrategy"
	ClassManuallyTrusted  = "hudson.plugins.sshslaves.verifiers.ManuallyTrustedKeyVerificationStrategy"
)

// HostKeyVerifier decides whether an agent's host key is the right one,
// writing its verdict to the connection log as the plugin does (log
// takes a whole line; stamp gives the timestamp prefix).
type HostKeyVerifier interface {
	Verify(log func(string), stamp func() string, host string, port int, key ssh.PublicKey) error
	// Algorithms is the host key algorithms to offer, preferred first
	// (nil for the library's default).
	Algorithms(host string, port int) []string
	// Class is the strategy's Jenkins class name.
	Class() string
}

// Fingerprint is a host key's fingerprint as the plugin shows it
// (HostKey.getFingerprint): "SHA256:" and the padded base64 of the
// SHA-256 of the key.
func Fingerprint(key ssh.PublicKey) string {
	sum := sha256.Sum256(key.Marshal())
	return "SHA256:" + base64.StdEncoding.EncodeToString(sum[:])
}

func hostKeyErr(host string, port int, key ssh.PublicKey, why string) error {
	return fmt.Errorf("%w: the %s host key of %s (%s) %s", ErrHostKey, key.Type(), net.JoinHostPort(host, strconv.Itoa(port)), Fingerprint(key), why)
}

// algorithmsFor lists the signature algorithms of keys of type t first,
// then the rest of the supported ones.
func algorithmsFor(types ...string) []string {
	var first []string
	for _, t := range types {
		if t == ssh.KeyAlgoRSA {
			first = append(first, ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA)
		} else {
			first = append(first, t)
		}
	}
	if len(first) == 0 {
		return nil
	}
	all := ssh.SupportedAlgorithms().HostKeys
	out := slices.Clone(first)
	for _, a := range all {
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// NonVerifying accepts any key, with the plugin's warning.
type NonVerifying struct{}

func (NonVerifying) Verify(log func(string), stamp func() string, _ string, _ int, _ ssh.PublicKey) error {
	log(stamp() + " [SSH] WARNING: SSH Host Keys are not being verified. Man-in-the-middle attacks may be possible against this connection.")
	return nil
}
func (NonVerifying) Algorithms(string, int) []string { return nil }
func (NonVerifying) Class() string                   { return ClassNonVerifying }

// KnownHostsFile accepts a key listed in an OpenSSH known_hosts file
// (hashed names too) for the host, under "host" or "[host]:port". A host
// not in the file, a different key, or a missing file is refused. Path
// "" is ~/.ssh/known_hosts of the user running jeeves.
type KnownHostsFile struct{ Path string }

func (k KnownHostsFile) path() string {
	if k.Path != "" {
		return k.Path
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".ssh", "known_hosts")
}

// lookup checks key for host under both names; known lists the keys the
// file has for the host.
func (k KnownHostsFile) lookup(host string, port int, key ssh.PublicKey) (ok bool, known []knownhosts.KnownKey, err error) {
	cb, err := knownhosts.New(k.path())
	if err != nil {
		return false, nil, err
	}
	addrs := []string{net.JoinHostPort(host, "22")}
	if port != 22 {
		addrs = append(addrs, net.JoinHostPort(host, strconv.Itoa(port)))
	}
	remote := &net.TCPAddr{IP: net.IPv4zero, Port: port}
	for _, a := range addrs {
		err := cb(a, remote, key)
		if err == nil {
			return true, nil, nil
		}
		var ke *knownhosts.KeyError
		var re *knownhosts.RevokedError
		switch {
		case errors.As(err, &re):
			return false, nil, fmt.Errorf("the key is marked @revoked in %s", k.path())
		case errors.As(err, &ke):
			known = append(known, ke.Want...)
		default:
			return false, nil, err
		}
	}
	return false, known, nil
}

func (k KnownHostsFile) Verify(log func(string), stamp func() string, host string, port int, key ssh.PublicKey) error {
	p := k.path()
	if _, err := os.Stat(p); err != nil {
		log(stamp() + " [SSH] No Known Hosts file was found at " + p + ". Please ensure one is created at this path and that jeeves can read it.")
		return hostKeyErr(host, port, key, "cannot be checked: there is no known hosts file at "+p)
	}
	log("Searching for " + host + " in " + p)
	if port != 22 {
		log("Searching for [" + host + "]:" + strconv.Itoa(port) + " in " + p)
	}
	ok, known, err := k.lookup(host, port, key)
	switch {
	case err != nil:
		return hostKeyErr(host, port, key, "cannot be checked: "+err.Error())
	case ok:
		log(stamp() + " [SSH] SSH host key matches key in Known Hosts file. Connection will be allowed.")
		return nil
	case len(known) == 0:
		log(stamp() + " [SSH] WARNING: No entry currently exists in the Known Hosts file for this host. Connections will be denied until this new host and its associated key is added to the Known Hosts file.")
		return hostKeyErr(host, port, key, "is not in "+p+": add it (ssh-keyscan) to trust it")
	}
	log(stamp() + " [SSH] The SSH key presented by the remote host does not match the key saved in the Known Hosts file against this host. Connections to this host will be denied until the two keys match.")
	return hostKeyErr(host, port, key, fmt.Sprintf("does not match the key %s has for the host (line %d)", p, known[0].Line))
}

func (k KnownHostsFile) Algorithms(host string, port int) []string {
	// A key of a type the file does not list would read as "changed":
	// offer the types the file has for the host first.
	probe, _ := ssh.ParsePublicKey(probeKey)
	_, known, err := k.lookup(host, port, probe)
	if err != nil {
		return nil
	}
	var types []string
	for _, kk := range known {
		types = append(types, kk.Key.Type())
	}
	return algorithmsFor(types...)
}
func (KnownHostsFile) Class() string { return ClassKnownHostsFile }

// probeKey is an ed25519 public key no host has (all zero bytes), used to
// ask a known_hosts file which keys it holds for a host.
var probeKey = ssh.Marshal(struct {
	Name string
	Key  []byte
}{ssh.KeyAlgoED25519, make([]byte, 32)})

// ManuallyProvided accepts exactly Key.
type ManuallyProvided struct{ Key ssh.PublicKey }

// ParseProvidedKey reads the key as the plugin's form takes it,
// "algorithm base64", with the plugin's error texts.
func ParseProvidedKey(s string) (ssh.PublicKey, error) {
	f := splitFields(s)
	if len(f) < 2 {
		//lint:ignore ST1005 the ssh-agents plugin's own words, shown to users as they are
		return nil, errors.New("Key should be 2 parts: algorithm and Base 64 encoded key value.")
	}
	return ParseKeyParts(f[0], f[1])
}

// ParseKeyParts reads a key given as its algorithm and base64 blob (the
// <algorithm> and <key> of config.xml).
func ParseKeyParts(algorithm, b64 string) (ssh.PublicKey, error) {
	blob, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		//lint:ignore ST1005 the ssh-agents plugin's own words, shown to users as they are
		return nil, errors.New("The value part of the key should be a Base64 encoded value.")
	}
	k, err := ssh.ParsePublicKey(blob)
	if err != nil || k.Type() != algorithm {
		//lint:ignore ST1005 the ssh-agents plugin's own words, shown to users as they are
		return nil, fmt.Errorf("Key value does not parse into a valid %s key", algorithm)
	}
	return k, nil
}

func splitFields(s string) []string {
	var out []string
	cur := ""
	for _, r := range s {
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' {
			if cur != "" {
				out = append(out, cur)
				cur = ""
			}
			continue
		}
		cur += string(r)
	}
	if cur != "" {
		out = append(out, cur)
	}
	return out
}

func sameKey(a, b ssh.PublicKey) bool {
	return a != nil && b != nil && string(a.Marshal()) == string(b.Marshal())
}

func (m ManuallyProvided) Verify(log func(string), stamp func() string, host string, port int, key ssh.PublicKey) error {
	if sameKey(m.Key, key) {
		log(stamp() + " [SSH] SSH host key matched the key required for this connection. Connection will be allowed.")
		return nil
	}
	log(stamp() + " [SSH] WARNING: The SSH key for this host does not match the key required in the connection configuration. Connections will be denied until the host key matches the configuration key.")
	return hostKeyErr(host, port, key, "is not the key the node's configuration requires ("+Fingerprint(m.Key)+")")
}
func (m ManuallyProvided) Algorithms(string, int) []string {
	if m.Key == nil {
		return nil
	}
	return algorithmsFor(m.Key.Type())
}
func (ManuallyProvided) Class() string { return ClassManuallyProvided }

// TrustStore keeps a node's trusted host key (Jenkins keeps it in
// nodes/NAME/ssh-host-key.xml).
type TrustStore interface {
	// TrustedKey is the trusted key, nil when there is none yet.
	TrustedKey() (ssh.PublicKey, error)
	// Trust records key as trusted.
	Trust(ssh.PublicKey) error
	// Offer records a key presented but not trusted, for an
	// administrator's "Trust SSH Host Key" action.
	Offer(ssh.PublicKey)
}

// ManuallyTrusted is trust on first use: with no trusted key yet, the
// presented key is trusted and stored (unless RequireInitialManualTrust,
// when it is offered to an administrator and refused); afterwards only
// the stored key is accepted, and a different one is offered and refused.
type ManuallyTrusted struct {
	RequireInitialManualTrust bool
	Store                     TrustStore
}

func (m ManuallyTrusted) Verify(log func(string), stamp func() string, host string, port int, key ssh.PublicKey) error {
	if m.Store == nil {
		return hostKeyErr(host, port, key, "cannot be checked: no store for trusted keys")
	}
	have, err := m.Store.TrustedKey()
	if err != nil {
		return hostKeyErr(host, port, key, "cannot be checked: "+err.Error())
	}
	notTrusted := stamp() + " [SSH] WARNING: The SSH key for this host is not currently trusted. Connections will be denied until this new key is authorised."
	switch {
	case have == nil && m.RequireInitialManualTrust:
		log(notTrusted)
		m.Store.Offer(key)
		return hostKeyErr(host, port, key, "waits for an administrator to trust it (Trust SSH Host Key)")
	case have == nil:
		if err := m.Store.Trust(key); err != nil {
			return hostKeyErr(host, port, key, "could not be stored: "+err.Error())
		}
		log(stamp() + " [SSH] The SSH key with fingerprint " + Fingerprint(key) + " has been automatically trusted for connections to this machine.")
		return nil
	case sameKey(have, key):
		log(stamp() + " [SSH] SSH host key matches key seen previously for this host. Connection will be allowed.")
		return nil
	}
	log(notTrusted)
	m.Store.Offer(key)
	return hostKeyErr(host, port, key, "differs from the trusted one ("+Fingerprint(have)+"); an administrator must trust the new key (Trust SSH Host Key)")
}
func (m ManuallyTrusted) Algorithms(string, int) []string {
	if m.Store == nil {
		return nil
	}
	if k, err := m.Store.TrustedKey(); err == nil && k != nil {
		return algorithmsFor(k.Type())
	}
	return nil
}
func (ManuallyTrusted) Class() string { return ClassManuallyTrusted }

// MemoryTrustStore is a TrustStore in memory, for tests and for callers
// that persist the key themselves.
type MemoryTrustStore struct {
	mu           sync.Mutex
	key, offered ssh.PublicKey
}

// TrustedKey is the trusted key.
func (s *MemoryTrustStore) TrustedKey() (ssh.PublicKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.key, nil
}

// Trust records k as trusted.
func (s *MemoryTrustStore) Trust(k ssh.PublicKey) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.key = k
	return nil
}

// Offer records k as offered.
func (s *MemoryTrustStore) Offer(k ssh.PublicKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.offered = k
}

// Offered is the last key offered for trust.
func (s *MemoryTrustStore) Offered() ssh.PublicKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.offered
}
