package credentials

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Sealer encrypts a value bound to associated data and opens it again;
// internal/secret's *Ring is one.
type Sealer interface {
	Seal(plaintext, ad []byte) ([]byte, error)
	Open(ciphertext, ad []byte) ([]byte, error)
}

// Sealed is a credential as a store keeps it: the public fields in clear
// (for listing without decrypting), the secret fields in Secrets, sealed.
// A row of a store table maps onto it field for field.
type Sealed struct {
	ID             string
	Scope          Scope
	Kind           Kind
	Description    string
	Username       string
	UsernameSecret bool
	FileName       string
	// Secrets is the sealed password, secret text, file content,
	// private key and passphrase.
	Secrets []byte
}

// sealVersion is the first byte of the sealed plain text.
const sealVersion = 1

// Seal validates c and seals its secrets with s for the domain whose full
// name is given (GlobalDomainFullName). The associated data (AD) binds
// the sealed value to every public field, so a value copied onto another
// record, or a record whose scope, kind or username was changed in the
// database, fails to open; moving or renaming a credential means sealing
// it again.
func (c *Credential) Seal(s Sealer, domain string) (*Sealed, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	r := &Sealed{
		ID: c.ID, Scope: c.Scope, Kind: c.Kind, Description: c.Description,
		Username: c.Username, UsernameSecret: c.UsernameSecret, FileName: c.FileName,
	}
	var pt []byte
	pt = append(pt, sealVersion)
	for _, f := range [][]byte{[]byte(c.Password), []byte(c.Secret), c.FileData, []byte(c.PrivateKey), []byte(c.Passphrase)} {
		pt = binary.AppendUvarint(pt, uint64(len(f)))
		pt = append(pt, f...)
	}
	defer clear(pt)
	ct, err := s.Seal(pt, r.AD(domain))
	if err != nil {
		return nil, err
	}
	r.Secrets = ct
	return r, nil
}

// AD is the associated data r's Secrets are sealed with in the domain:
// a label, the domain and every public field, each prefixed by its
// length. A key rotation reseals r.Secrets with it.
func (r *Sealed) AD(domain string) []byte {
	secret := "false"
	if r.UsernameSecret {
		secret = "true"
	}
	var b []byte
	for _, p := range []string{"jeeves credential 1", domain, r.ID, string(r.Scope), string(r.Kind), r.Description, r.Username, secret, r.FileName} {
		b = binary.AppendUvarint(b, uint64(len(p)))
		b = append(b, p...)
	}
	return b
}

// Open opens r's secrets with s and gives back the credential.
func (r *Sealed) Open(s Sealer, domain string) (*Credential, error) {
	pt, err := s.Open(r.Secrets, r.AD(domain))
	if err != nil {
		return nil, fmt.Errorf("credential %q: %w", r.ID, err)
	}
	defer clear(pt)
	if len(pt) == 0 || pt[0] != sealVersion {
		return nil, fmt.Errorf("credential %q: unknown sealed format", r.ID)
	}
	rest := pt[1:]
	var fields [5][]byte
	for i := range fields {
		n, k := binary.Uvarint(rest)
		if k <= 0 || n > uint64(len(rest)-k) {
			return nil, fmt.Errorf("credential %q: %w", r.ID, errors.New("the sealed secrets are truncated"))
		}
		fields[i] = rest[k : k+int(n)]
		rest = rest[k+int(n):]
	}
	c := &Credential{
		ID: r.ID, Scope: r.Scope, Kind: r.Kind, Description: r.Description,
		Username: r.Username, UsernameSecret: r.UsernameSecret, FileName: r.FileName,
		Password: Secret(fields[0]), Secret: Secret(fields[1]), PrivateKey: Secret(fields[3]), Passphrase: Secret(fields[4]),
	}
	if len(fields[2]) > 0 {
		c.FileData = SecretBytes(append([]byte(nil), fields[2]...))
	} else if r.Kind == KindSecretFile {
		c.FileData = SecretBytes{}
	}
	return c, nil
}
