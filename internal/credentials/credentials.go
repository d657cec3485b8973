// Package credentials is the domain of Jenkins's credentials plugin as
// jeeves keeps it: the system store's credentials (global domain "_"),
// their validation, and the forms they travel in.
//
// # Model
//
// A Credential has an id, a Scope (GLOBAL, usable by jobs, or SYSTEM,
// never offered to jobs), a description and a Kind, one of the four types
// users use:
//
//	KindUsernamePassword  com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl
//	KindSecretText        org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl
//	KindSecretFile        org.jenkinsci.plugins.plaincredentials.impl.FileCredentialsImpl
//	KindSSHKey            com.cloudbees.jenkins.plugins.sshcredentials.impl.BasicSSHUserPrivateKey
//	                      (key entered directly, optional passphrase)
//
// Secret fields have the types Secret and SecretBytes, which print,
// log and marshal as "****": a Credential passed to fmt, log/slog or
// encoding/json by mistake shows no secret. Reveal gives the value.
//
// # Forms
//
//   - ParseXML reads one credential as createCredentials and a
//     credential's config.xml POST take it (XStream's XML, secrets in
//     clear text). A secret element holding <secret-redacted/> is
//     recorded in Credential.Redacted; Merge then keeps the stored
//     secret for it (Jenkins would store an empty one).
//   - ParseJSON reads the form the web UI posts (json={"credentials":
//     {"$class": …}}), with uploaded files given by a FileLookup.
//   - ParseStoreXML reads a Jenkins credentials.xml
//     (SystemCredentialsProvider), credential by credential.
//   - RenderXML writes a credential's config.xml as Jenkins answers a
//     GET: every secret replaced by <secret-redacted/>.
//   - Summary gives the fields a CredentialsWrapper exports in api/json
//     (no secret, username or scope, as in Jenkins).
//
// Values that a Jenkins server encrypted with its own keys ({AQAAAB…}
// secrets, {…} secretBytes) cannot be read without that server's
// secrets/ directory: parsing refuses them (ErrJenkinsEncrypted) unless a
// Parser is given a JenkinsDecrypter.
//
// Every error from parsing and Validate wraps ErrInvalid (answer 400) and
// names the element or field at fault. None quotes a secret value; only
// an XML syntax error may quote the few malformed bytes it stopped at.
//
// # Storage
//
// Seal turns a Credential into a Sealed record for a store: public fields
// in clear, every secret field in one value sealed by a Sealer (such as
// internal/secret's Ring) with associated data naming the credential, so
// that a sealed value copied onto another credential does not open.
// Sealed.Open reverses it.
//
// This package imports nothing else of jeeves.
package credentials

import (
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Scope says who may use a credential.
type Scope string

// The scopes of the system store. USER exists only in user stores, which
// jeeves does not have.
const (
	// ScopeGlobal credentials may be used by jobs and by jeeves.
	ScopeGlobal Scope = "GLOBAL"
	// ScopeSystem credentials are used by jeeves itself (agents, its
	// own git) and are never offered to jobs.
	ScopeSystem Scope = "SYSTEM"
)

// Kind is a credential's type, named by the Jenkins @Symbol of its class.
type Kind string

// The kinds jeeves knows.
const (
	KindUsernamePassword Kind = "usernamePassword"
	KindSecretText       Kind = "string"
	KindSecretFile       Kind = "file"
	KindSSHKey           Kind = "sshUserPrivateKey"
)

// Jenkins's class names of the kinds, as XML root elements and $class.
const (
	ClassUsernamePassword = "com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl"
	ClassSecretText       = "org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl"
	ClassSecretFile       = "org.jenkinsci.plugins.plaincredentials.impl.FileCredentialsImpl"
	ClassSSHKey           = "com.cloudbees.jenkins.plugins.sshcredentials.impl.BasicSSHUserPrivateKey"
	// ClassDirectEntry is the only SSH private key source jeeves takes:
	// the key entered directly.
	ClassDirectEntry = "com.cloudbees.jenkins.plugins.sshcredentials.impl.BasicSSHUserPrivateKey$DirectEntryPrivateKeySource"
)

type kindInfo struct {
	class, typeName, plugin string
}

// The plugin attribute of the root element is the one a current Jenkins
// writes; clients do not read it.
var kinds = map[Kind]kindInfo{
	KindUsernamePassword: {ClassUsernamePassword, "Username with password", "credentials@1319.v7eb_51b_3a_c97b_"},
	KindSecretText:       {ClassSecretText, "Secret text", "plain-credentials@179.vc5cb_98f6db_38"},
	KindSecretFile:       {ClassSecretFile, "Secret file", "plain-credentials@179.vc5cb_98f6db_38"},
	KindSSHKey:           {ClassSSHKey, "SSH Username with private key", "ssh-credentials@337.v395d2403ccd4"},
}

// KindOfClass is the Kind of a Jenkins class name, and whether it is one
// jeeves knows.
func KindOfClass(class string) (Kind, bool) {
	for k, info := range kinds {
		if info.class == class {
			return k, true
		}
	}
	return "", false
}

// Class is the kind's Jenkins class name ("" for an unknown kind).
func (k Kind) Class() string { return kinds[k].class }

// TypeName is the kind's name in Jenkins's UI and api/json ("typeName").
func (k Kind) TypeName() string { return kinds[k].typeName }

// Field names a secret field, by its XML element.
type Field string

// The secret fields.
const (
	FieldPassword    Field = "password"    // KindUsernamePassword
	FieldSecret      Field = "secret"      // KindSecretText
	FieldSecretBytes Field = "secretBytes" // KindSecretFile
	FieldPrivateKey  Field = "privateKey"  // KindSSHKey
	FieldPassphrase  Field = "passphrase"  // KindSSHKey
)

// Limits on what jeeves stores. Jenkins has none; these keep a request or
// a bound build from holding unbounded memory.
const (
	MaxIDLen          = 256 // bytes
	MaxDescriptionLen = 16 << 10
	MaxUsernameLen    = 1 << 10
	MaxSecretLen      = 64 << 10 // a password, secret text or passphrase
	MaxPrivateKeyLen  = 64 << 10 // all keys of an SSH credential together
	MaxFileNameLen    = 255
	MaxFileSize       = 1 << 20 // a secret file's content
)

var (
	// ErrInvalid is wrapped by every error about bad input.
	ErrInvalid = errors.New("invalid credential")
	// ErrJenkinsEncrypted is wrapped by the error for a value encrypted
	// by a Jenkins server that jeeves cannot decrypt. It also wraps
	// ErrInvalid.
	ErrJenkinsEncrypted = fmt.Errorf("%w: encrypted by a Jenkins server", ErrInvalid)
	// ErrExists is what a store returns when a credential with the same
	// id already exists (409, or MsgExists in JSON answers).
	ErrExists = errors.New("a credential with this id already exists")
)

// invalid is an error wrapping ErrInvalid.
func invalid(format string, args ...any) error {
	return &inputError{msg: fmt.Sprintf(format, args...)}
}

type inputError struct{ msg string }

func (e *inputError) Error() string { return e.msg }
func (e *inputError) Unwrap() error { return ErrInvalid }

// jenkinsEncrypted is the error for field holding a Jenkins-encrypted value.
func jenkinsEncrypted(field string) error {
	return &jenkinsError{field: field}
}

type jenkinsError struct{ field string }

func (e *jenkinsError) Error() string {
	return "<" + e.field + "> holds a value a Jenkins server encrypted with its own keys (a {…} value); jeeves cannot decrypt it without that server's secrets/ directory: send the secret itself (createCredentials takes it in clear text)"
}
func (e *jenkinsError) Unwrap() error { return ErrJenkinsEncrypted }

// Secret is a secret text value. It prints, logs and marshals as "****";
// Reveal gives the value.
type Secret string

// Reveal is the secret's value.
func (s Secret) Reveal() string { return string(s) }

// Equal compares two secrets in constant time (for equal lengths).
func (s Secret) Equal(t Secret) bool {
	return subtle.ConstantTimeCompare([]byte(s), []byte(t)) == 1
}

// String is "****".
func (Secret) String() string { return "****" }

// GoString is "****".
func (Secret) GoString() string { return "****" }

// Format writes "****" for every verb.
func (Secret) Format(f fmt.State, _ rune) { io.WriteString(f, "****") }

// MarshalText is "****", so encoding/json and log/slog show no secret.
func (Secret) MarshalText() ([]byte, error) { return []byte("****"), nil }

// LogValue is "****".
func (Secret) LogValue() slog.Value { return slog.StringValue("****") }

// SecretBytes is a secret file's content. It prints, logs and marshals
// as "****"; Reveal gives the bytes.
type SecretBytes []byte

// Reveal is the content.
func (b SecretBytes) Reveal() []byte { return b }

// String is "****".
func (SecretBytes) String() string { return "****" }

// GoString is "****".
func (SecretBytes) GoString() string { return "****" }

// Format writes "****" for every verb.
func (SecretBytes) Format(f fmt.State, _ rune) { io.WriteString(f, "****") }

// MarshalText is "****".
func (SecretBytes) MarshalText() ([]byte, error) { return []byte("****"), nil }

// LogValue is "****".
func (SecretBytes) LogValue() slog.Value { return slog.StringValue("****") }

// Credential is one credential of the system store. Fields that do not
// belong to its Kind are empty.
type Credential struct {
	ID          string
	Scope       Scope
	Description string
	Kind        Kind

	// Username is the user of KindUsernamePassword and KindSSHKey.
	Username string
	// UsernameSecret says the username is masked in build logs like a
	// secret (and hidden from the display name).
	UsernameSecret bool

	Password Secret // KindUsernamePassword
	Secret   Secret // KindSecretText

	FileName string      // KindSecretFile: a plain name, no directories
	FileData SecretBytes // KindSecretFile

	// PrivateKey is KindSSHKey's key in PEM or OpenSSH form, ending with
	// a newline; several keys are separated by form feeds ("\f"), as
	// Jenkins allows.
	PrivateKey Secret
	Passphrase Secret // KindSSHKey; empty when the key has none

	// Redacted lists the secret fields that arrived as
	// <secret-redacted/>, for Merge. A stored credential has none.
	Redacted []Field
}

// NewID is a random UUID (version 4), the id Jenkins gives a credential
// created without one.
func NewID() string {
	var u [16]byte
	rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:])
}

// ValidID checks a credential id. jeeves enforces the rule Jenkins's form
// checks (BaseStandardCredentials.doCheckId: letters, digits, '_', '.'
// and '-') on every path, which keeps ids safe in URLs and file names,
// and refuses "." and "..", which URL clients collapse, and ids longer
// than MaxIDLen.
func ValidID(id string) error {
	switch {
	case id == "":
		return invalid("the credential id is empty")
	case len(id) > MaxIDLen:
		return invalid("the credential id is %d bytes long; the limit is %d", len(id), MaxIDLen)
	case id == "." || id == "..":
		return invalid("the credential id %q is a path segment", id)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return invalid("the credential id %s has unacceptable characters: use letters, digits, '_', '.' and '-'", quoteShort(id))
		}
	}
	return nil
}

// quoteShort quotes s for an error message, cut to a readable length.
func quoteShort(s string) string { return quoteMax(s, 64) }

// quoteMax quotes s, cut to max bytes.
func quoteMax(s string, max int) string {
	if len(s) > max {
		s = strings.ToValidUTF8(s[:max], "") + "…"
	}
	return fmt.Sprintf("%q", s)
}

// Validate checks c as jeeves stores it: a valid id, scope and kind, the
// fields of its kind within the limits, a file name without directories,
// an SSH private key that parses (with its passphrase), and no redacted
// field left (Merge first).
func (c *Credential) Validate() error { return c.check(false) }

// check is Validate; with allowRedacted, redacted fields are accepted and
// what depends on them (the private key's parse) is not checked.
func (c *Credential) check(allowRedacted bool) error {
	if err := ValidID(c.ID); err != nil {
		return err
	}
	switch c.Scope {
	case ScopeGlobal, ScopeSystem:
	case "USER":
		return invalid("credential %q: scope USER is for a user's own store; the system store takes GLOBAL or SYSTEM", c.ID)
	default:
		return invalid("credential %q: unknown scope %s: use GLOBAL or SYSTEM", c.ID, quoteShort(string(c.Scope)))
	}
	if _, ok := kinds[c.Kind]; !ok {
		return invalid("credential %q: unknown kind %s", c.ID, quoteShort(string(c.Kind)))
	}
	if len(c.Redacted) > 0 && !allowRedacted {
		return invalid("credential %q: <%s> is <secret-redacted/> and no stored secret was kept for it", c.ID, c.Redacted[0])
	}
	if len(c.Description) > MaxDescriptionLen {
		return invalid("credential %q: the description is %d bytes long; the limit is %d", c.ID, len(c.Description), MaxDescriptionLen)
	}
	for _, s := range []struct {
		name, v string
	}{{"description", c.Description}, {"username", c.Username}, {"fileName", c.FileName}} {
		if !utf8.ValidString(s.v) {
			return invalid("credential %q: <%s> is not valid UTF-8", c.ID, s.name)
		}
	}
	has := func(f Field) bool {
		switch f {
		case FieldPassword:
			return c.Password != ""
		case FieldSecret:
			return c.Secret != ""
		case FieldSecretBytes:
			return len(c.FileData) > 0 || c.FileName != ""
		case FieldPrivateKey:
			return c.PrivateKey != ""
		case FieldPassphrase:
			return c.Passphrase != ""
		}
		return false
	}
	own := map[Kind][]Field{
		KindUsernamePassword: {FieldPassword},
		KindSecretText:       {FieldSecret},
		KindSecretFile:       {FieldSecretBytes},
		KindSSHKey:           {FieldPrivateKey, FieldPassphrase},
	}[c.Kind]
	for _, f := range []Field{FieldPassword, FieldSecret, FieldSecretBytes, FieldPrivateKey, FieldPassphrase} {
		if has(f) && !contains(own, f) {
			return invalid("credential %q: a %s has no <%s>", c.ID, c.Kind.TypeName(), f)
		}
	}
	if (c.Username != "" || c.UsernameSecret) && c.Kind != KindUsernamePassword && c.Kind != KindSSHKey {
		return invalid("credential %q: a %s has no username", c.ID, c.Kind.TypeName())
	}
	if len(c.Username) > MaxUsernameLen {
		return invalid("credential %q: the username is %d bytes long; the limit is %d", c.ID, len(c.Username), MaxUsernameLen)
	}
	for _, s := range []struct {
		f Field
		v Secret
	}{{FieldPassword, c.Password}, {FieldSecret, c.Secret}, {FieldPassphrase, c.Passphrase}} {
		if len(s.v) > MaxSecretLen {
			return invalid("credential %q: <%s> is %d bytes long; the limit is %d", c.ID, s.f, len(s.v), MaxSecretLen)
		}
	}
	switch c.Kind {
	case KindSecretFile:
		if c.FileName == "" && contains(c.Redacted, FieldSecretBytes) {
			break // Merge keeps the stored file's name with its content
		}
		if err := validFileName(c.FileName); err != nil {
			return invalid("credential %q: %v", c.ID, err)
		}
		if len(c.FileData) > MaxFileSize {
			return invalid("credential %q: the secret file is %d bytes long; the limit is %d", c.ID, len(c.FileData), MaxFileSize)
		}
	case KindSSHKey:
		if len(c.PrivateKey) > MaxPrivateKeyLen {
			return invalid("credential %q: <privateKey> is %d bytes long; the limit is %d", c.ID, len(c.PrivateKey), MaxPrivateKeyLen)
		}
		if contains(c.Redacted, FieldPrivateKey) || contains(c.Redacted, FieldPassphrase) {
			break
		}
		if err := checkPrivateKeys(c.PrivateKey, c.Passphrase); err != nil {
			return invalid("credential %q: %v", c.ID, err)
		}
	}
	return nil
}

func contains(fs []Field, f Field) bool {
	for _, x := range fs {
		if x == f {
			return true
		}
	}
	return false
}

// validFileName checks a secret file's name: a plain name that bindings
// and downloads can use as it is.
func validFileName(name string) error {
	switch {
	case name == "":
		return errors.New("a secret file needs a <fileName>")
	case len(name) > MaxFileNameLen:
		return fmt.Errorf("the file name is %d bytes long; the limit is %d", len(name), MaxFileNameLen)
	case name == "." || name == "..":
		return fmt.Errorf("the file name %q is a path segment", name)
	case strings.ContainsAny(name, "/\\"):
		return fmt.Errorf("the file name %s has a directory in it: give the name alone", quoteShort(name))
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("the file name %s has a control character", quoteShort(name))
		}
	}
	return nil
}

// TypeName is the credential's type in Jenkins's words ("typeName").
func (c *Credential) TypeName() string { return c.Kind.TypeName() }

// DisplayName is the credential's name in lists and api/json, chosen as
// Jenkins's CredentialsNameProvider chooses it (the @NameWith of highest
// priority that gives a name):
//
//   - username with password: "user/****** (description)", or the
//     description alone when the username is secret;
//   - SSH key: "user (description)", or the description alone when the
//     username is secret;
//   - secret text: the description, else the id unless it is a UUID,
//     else "Secret text";
//   - secret file: "fileName (description)";
//   - when that gives nothing: "id (description)".
//
// A blank description counts as none.
func (c *Credential) DisplayName() string {
	desc := strings.TrimSpace(c.Description)
	paren := ""
	if desc != "" {
		paren = " (" + desc + ")"
	}
	var name string
	switch c.Kind {
	case KindUsernamePassword:
		if c.UsernameSecret {
			name = c.Description
		} else {
			name = c.Username + "/******" + paren
		}
	case KindSSHKey:
		if c.UsernameSecret {
			name = c.Description
		} else {
			name = c.Username + paren
		}
	case KindSecretText:
		switch {
		case desc != "":
			name = desc
		case !isUUID(c.ID):
			name = c.ID
		default:
			name = "Secret text"
		}
	case KindSecretFile:
		name = c.FileName + paren
	}
	if name == "" {
		name = c.ID + paren
	}
	return name
}

// isUUID reports whether s parses as Java's UUID.fromString would accept
// a canonical UUID: 8-4-4-4-12 hex digits.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if c != '-' {
				return false
			}
			continue
		}
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// FullName is the credential's "fullName" in api/json: its domain's full
// name (such as "system/_") and its URL-encoded id.
func (c *Credential) FullName(domainFullName string) string {
	if domainFullName == "" {
		return url.PathEscape(c.ID)
	}
	return domainFullName + "/" + url.PathEscape(c.ID)
}
