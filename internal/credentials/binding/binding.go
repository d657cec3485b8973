// Package binding is the credentials-binding plugin's freestyle build
// wrapper (org.jenkinsci.plugins.credentialsbinding.impl.SecretBuildWrapper,
// "Use secret text(s) or file(s)") as jeeves runs it.
//
// A job's config.xml lists the bindings:
//
//	<buildWrappers>
//	  <org.jenkinsci.plugins.credentialsbinding.impl.SecretBuildWrapper plugin="credentials-binding@…">
//	    <bindings>
//	      <org.jenkinsci.plugins.credentialsbinding.impl.StringBinding>
//	        <credentialsId>gh-token</credentialsId><variable>GH_TOKEN</variable>
//	      </org.jenkinsci.plugins.credentialsbinding.impl.StringBinding>
//	      …
//
// Parse reads the wrapper element, FromConfigXML finds it in a whole
// config.xml, and New builds one Binding from fields a caller has parsed
// itself; Render writes the element back as Jenkins does.
//
// Bind is the build-time step, a pure function: given the bindings, the
// directory the build's secret files go in and a way to look credentials
// up, it returns a Plan: the environment variables to add, the files to
// write (name, content, mode 0400), the values to mask in the log (feed
// them to internal/mask), the variables whose values are secret, and
// warnings for the log. It touches no file system; the caller
// (internal/credbind) writes the files through the build's launcher into
// a private directory (DirMode) and removes them when the build ends,
// whatever its result:
//
//	plan, err := binding.Bind(bindings, binding.Dir(ws, buildTag), lookup)
//	if err != nil { log it ("ERROR: " + err.Error()), fail the build }
//	mkdir plan.Dir (0700); write each plan.Files[i] at its Path with its Mode
//	defer remove plan.Dir
//	env = append(env, plan.Env...)
//	log = mask.NewMasker(log, plan.Secrets); print plan.Warnings
//
// What each binding gives (values are passed as they are: jeeves does not
// expand $VAR in environment values, so it does not double "$" as
// Jenkins does for SECURITY-698):
//
//	StringBinding                 variable = the secret text
//	UsernamePasswordBinding       variable = "username:password"
//	UsernamePasswordMultiBinding  usernameVariable, passwordVariable
//	FileBinding                   variable = the path of a copy of the file
//	                              (named fileN.tmp: like Jenkins, it ignores the credential's fileName)
//	SSHUserPrivateKeyBinding      keyFileVariable = the path of the key file,
//	                              usernameVariable and passphraseVariable if set
//	                              (the passphrase is "" when the key has none)
//
// ZipFileBinding and CertificateMultiBinding are read but not supported:
// Bind refuses them with a message naming them.
//
// Masking: every secret value is masked, and more than Jenkins masks:
// the password of a username/password alone and "username:password" (so
// an HTTP Basic header built from them is masked), a secret username,
// each private key (whole and line by line), a text secret file's
// content (up to MaxMaskedFile bytes), and, as Jenkins does, the paths of
// the files. Values shorter than mask.MinLen are not masked and get a
// warning.
//
// Errors use Jenkins's texts: "Could not find credentials entry with ID
// '…'" for a missing credential, or one of SYSTEM scope, which jobs may
// not use; "Credentials '…' is of type '…' where '…' was expected" for
// one of the wrong kind.
package binding

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/jeeves-ci/jeeves/internal/credentials"
	"github.com/jeeves-ci/jeeves/internal/mask"
)

// WrapperClass is the build wrapper's element name in config.xml.
const WrapperClass = "org.jenkinsci.plugins.credentialsbinding.impl.SecretBuildWrapper"

// The bindings' classes (element names inside <bindings>).
const (
	ClassString                = "org.jenkinsci.plugins.credentialsbinding.impl.StringBinding"
	ClassUsernamePassword      = "org.jenkinsci.plugins.credentialsbinding.impl.UsernamePasswordBinding"
	ClassUsernamePasswordMulti = "org.jenkinsci.plugins.credentialsbinding.impl.UsernamePasswordMultiBinding"
	ClassFile                  = "org.jenkinsci.plugins.credentialsbinding.impl.FileBinding"
	ClassSSHUserPrivateKey     = "org.jenkinsci.plugins.credentialsbinding.impl.SSHUserPrivateKeyBinding"
	// Read but not supported.
	ClassZipFile          = "org.jenkinsci.plugins.credentialsbinding.impl.ZipFileBinding"
	ClassCertificateMulti = "org.jenkinsci.plugins.credentialsbinding.impl.CertificateMultiBinding"
)

// The modes of what the executor creates.
const (
	DirMode  fs.FileMode = 0o700
	FileMode fs.FileMode = 0o400
)

// MaxMaskedFile is the largest secret file whose content is masked (when
// it is UTF-8 text).
const MaxMaskedFile = 64 << 10

// MaxBindings bounds the bindings of one wrapper.
const MaxBindings = 100

// ErrInvalid is wrapped by errors about a wrapper's XML or fields.
var ErrInvalid = errors.New("invalid credentials binding")

// Binding is one binding of the wrapper: its class and the fields it
// uses (the others are empty).
type Binding struct {
	Class              string
	CredentialsID      string
	Variable           string // String, UsernamePassword, File, ZipFile
	UsernameVariable   string // UsernamePasswordMulti, SSHUserPrivateKey (optional there)
	PasswordVariable   string // UsernamePasswordMulti, CertificateMulti
	KeyFileVariable    string // SSHUserPrivateKey
	PassphraseVariable string // SSHUserPrivateKey (optional)
	KeystoreVariable   string // CertificateMulti
	AliasVariable      string // CertificateMulti (optional)
}

// spec says which fields a class requires and allows, and the kind of
// credential it takes with Jenkins's name for that type.
type spec struct {
	required, optional []string
	kind               credentials.Kind
	javaType           string
	supported          bool
}

var specs = map[string]spec{
	ClassString:                {[]string{"variable"}, nil, credentials.KindSecretText, "org.jenkinsci.plugins.plaincredentials.StringCredentials", true},
	ClassUsernamePassword:      {[]string{"variable"}, nil, credentials.KindUsernamePassword, "com.cloudbees.plugins.credentials.common.StandardUsernamePasswordCredentials", true},
	ClassUsernamePasswordMulti: {[]string{"usernameVariable", "passwordVariable"}, nil, credentials.KindUsernamePassword, "com.cloudbees.plugins.credentials.common.StandardUsernamePasswordCredentials", true},
	ClassFile:                  {[]string{"variable"}, nil, credentials.KindSecretFile, "org.jenkinsci.plugins.plaincredentials.FileCredentials", true},
	ClassSSHUserPrivateKey:     {[]string{"keyFileVariable"}, []string{"usernameVariable", "passphraseVariable"}, credentials.KindSSHKey, "com.cloudbees.jenkins.plugins.sshcredentials.SSHUserPrivateKey", true},
	ClassZipFile:               {[]string{"variable"}, nil, credentials.KindSecretFile, "org.jenkinsci.plugins.plaincredentials.FileCredentials", false},
	ClassCertificateMulti:      {[]string{"keystoreVariable"}, []string{"passwordVariable", "aliasVariable"}, "", "com.cloudbees.plugins.credentials.common.StandardCertificateCredentials", false},
}

// short is a class's simple name, for messages.
func short(class string) string { return class[strings.LastIndexByte(class, '.')+1:] }

// CredentialKind is the kind of credential a binding class takes, and
// whether jeeves binds that class (the job form lists only credentials
// of that kind for it).
func CredentialKind(class string) (credentials.Kind, bool) {
	sp, ok := specs[class]
	return sp.kind, ok && sp.supported
}

// Supported reports whether Bind can bind b.
func (b Binding) Supported() bool { return specs[b.Class].supported }

// field is a pointer to b's field for an element name.
func (b *Binding) field(name string) *string {
	switch name {
	case "credentialsId":
		return &b.CredentialsID
	case "variable":
		return &b.Variable
	case "usernameVariable":
		return &b.UsernameVariable
	case "passwordVariable":
		return &b.PasswordVariable
	case "keyFileVariable":
		return &b.KeyFileVariable
	case "passphraseVariable":
		return &b.PassphraseVariable
	case "keystoreVariable":
		return &b.KeystoreVariable
	case "aliasVariable":
		return &b.AliasVariable
	}
	return nil
}

// Variables is the environment variables b sets, in the order Bind sets
// them.
func (b Binding) Variables() []string {
	var vs []string
	for _, v := range []string{b.Variable, b.UsernameVariable, b.PasswordVariable, b.KeyFileVariable, b.PassphraseVariable, b.KeystoreVariable, b.AliasVariable} {
		if v != "" {
			vs = append(vs, v)
		}
	}
	return vs
}

// New builds a binding from its class (element name) and the text of its
// child elements, for a caller that parsed the XML itself. Values are
// trimmed (Jenkins trims credentialsId and the SSH binding's optional
// variables). It fails, wrapping ErrInvalid, when a field the class
// requires is missing, a field is not one of the class's, or a variable
// name cannot be an environment variable (empty, or with "=", blanks or
// control characters). Unknown classes are refused; ZipFileBinding and
// CertificateMultiBinding are accepted here and refused by Bind.
func New(class string, fields map[string]string) (Binding, error) {
	sp, ok := specs[class]
	if !ok {
		return Binding{}, fmt.Errorf("%w: unknown binding <%s>: jeeves binds StringBinding, UsernamePasswordBinding, UsernamePasswordMultiBinding, FileBinding and SSHUserPrivateKeyBinding", ErrInvalid, quoteName(class))
	}
	b := Binding{Class: class}
	for name, v := range fields {
		p := b.field(name)
		if p == nil || name != "credentialsId" && !slices.Contains(sp.required, name) && !slices.Contains(sp.optional, name) {
			return Binding{}, fmt.Errorf("%w: unknown element <%s> in %s", ErrInvalid, quoteName(name), short(class))
		}
		*p = strings.TrimSpace(v)
	}
	if b.CredentialsID == "" {
		return Binding{}, fmt.Errorf("%w: %s has no <credentialsId>", ErrInvalid, short(class))
	}
	for _, name := range sp.required {
		if *b.field(name) == "" {
			return Binding{}, fmt.Errorf("%w: %s for credentials '%s' has no <%s>", ErrInvalid, short(class), b.CredentialsID, name)
		}
	}
	for _, name := range append(slices.Clone(sp.required), sp.optional...) {
		if v := *b.field(name); v != "" && !validVar(v) {
			return Binding{}, fmt.Errorf("%w: %s: <%s> %q is not a usable environment variable name", ErrInvalid, short(class), name, v)
		}
	}
	return b, nil
}

func validVar(v string) bool {
	if len(v) > 256 {
		return false
	}
	for _, r := range v {
		if r == '=' || r <= ' ' || r == 0x7f {
			return false
		}
	}
	return true
}

func quoteName(s string) string {
	if len(s) > 200 {
		s = strings.ToValidUTF8(s[:200], "") + "…"
	}
	return strings.ToValidUTF8(s, "?")
}

// xmlWrapper and xmlItem are the shapes Parse decodes.
type xmlWrapper struct {
	XMLName  xml.Name
	Bindings *struct {
		Items []xmlItem `xml:",any"`
	} `xml:"bindings"`
}

type xmlItem struct {
	XMLName xml.Name
	Fields  []struct {
		XMLName xml.Name
		Text    string `xml:",chardata"`
	} `xml:",any"`
}

// versionRE finds an XML 1.1 declaration, which encoding/xml refuses.
var versionRE = regexp.MustCompile(`^\s*<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(?:'1\.1'|"1\.1")`)

// controlRefRE finds references to control characters (XML 1.1 allows
// them; encoding/xml does not). Binding fields never hold them, so they
// are replaced, wherever they are, by U+FFFD.
var controlRefRE = regexp.MustCompile(`&#(?:x0*[1-8bBcCeEfF]|x0*1[0-9a-fA-F]|0*(?:[1-8]|1[1-24-9]|2[0-9]|3[01]));`)

// prepare makes a document encoding/xml can read.
func prepare(data []byte) []byte {
	if loc := versionRE.FindIndex(data); loc != nil {
		data = bytes.Clone(data)
		data[loc[1]-2] = '0'
	}
	return controlRefRE.ReplaceAll(data, []byte("&#xFFFD;"))
}

// decode reads one element of data into v, refusing what follows it.
func decode(data []byte, v any) error {
	d := xml.NewDecoder(bytes.NewReader(prepare(data)))
	d.Strict = true
	d.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		if strings.EqualFold(label, "utf-8") || strings.EqualFold(label, "us-ascii") {
			return in, nil
		}
		return nil, fmt.Errorf("encoding %q is not supported", label)
	}
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("%w: malformed XML: %v", ErrInvalid, err)
	}
	return nil
}

// Parse reads the SecretBuildWrapper element (with or without an XML
// declaration, with bindings in any order and their fields in any
// order: Jenkins writes credentialsId first, Jenkins Job Builder last).
// Each binding is checked by New.
func Parse(wrapper []byte) ([]Binding, error) {
	var w xmlWrapper
	if err := decode(wrapper, &w); err != nil {
		return nil, err
	}
	if w.XMLName.Local != WrapperClass {
		return nil, fmt.Errorf("%w: <%s> is not a %s", ErrInvalid, quoteName(w.XMLName.Local), WrapperClass)
	}
	return fromXML(w)
}

func fromXML(w xmlWrapper) ([]Binding, error) {
	if w.Bindings == nil {
		return nil, nil
	}
	if len(w.Bindings.Items) > MaxBindings {
		return nil, fmt.Errorf("%w: %d bindings; the limit is %d", ErrInvalid, len(w.Bindings.Items), MaxBindings)
	}
	var out []Binding
	for _, it := range w.Bindings.Items {
		fields := map[string]string{}
		for _, f := range it.Fields {
			if _, dup := fields[f.XMLName.Local]; dup {
				return nil, fmt.Errorf("%w: <%s> appears twice in %s", ErrInvalid, quoteName(f.XMLName.Local), short(it.XMLName.Local))
			}
			fields[f.XMLName.Local] = f.Text
		}
		b, err := New(it.XMLName.Local, fields)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// FromConfigXML finds the SecretBuildWrapper in a job's config.xml
// (project/buildWrappers) and reads it as Parse does; it returns nil and
// no error when the job has none. Nothing else of the document is
// checked.
func FromConfigXML(config []byte) ([]Binding, error) {
	var doc struct {
		Wrappers struct {
			Items []xmlWrapper `xml:",any"`
		} `xml:"buildWrappers"`
	}
	if err := decode(config, &doc); err != nil {
		return nil, err
	}
	for _, w := range doc.Wrappers.Items {
		if w.XMLName.Local == WrapperClass {
			return fromXML(w)
		}
	}
	return nil, nil
}

// Render writes the wrapper element as Jenkins does, for a config.xml's
// <buildWrappers>, indented by indent levels of two spaces.
func Render(bindings []Binding, indent int) []byte {
	var b bytes.Buffer
	pad := func(n int) { b.WriteString(strings.Repeat("  ", indent+n)) }
	pad(0)
	b.WriteString("<" + WrapperClass + ` plugin="credentials-binding@687.v619cb_15e923f">` + "\n")
	pad(1)
	if len(bindings) == 0 {
		b.WriteString("<bindings/>\n")
	} else {
		b.WriteString("<bindings>\n")
		for _, x := range bindings {
			pad(2)
			b.WriteString("<" + x.Class + ">\n")
			for _, f := range []struct{ name, v string }{
				{"credentialsId", x.CredentialsID}, {"variable", x.Variable},
				{"keyFileVariable", x.KeyFileVariable}, {"keystoreVariable", x.KeystoreVariable},
				{"usernameVariable", x.UsernameVariable}, {"passwordVariable", x.PasswordVariable},
				{"passphraseVariable", x.PassphraseVariable}, {"aliasVariable", x.AliasVariable},
			} {
				if f.v != "" {
					pad(3)
					b.WriteString("<" + f.name + ">")
					xml.EscapeText(&b, []byte(f.v))
					b.WriteString("</" + f.name + ">\n")
				}
			}
			pad(2)
			b.WriteString("</" + x.Class + ">\n")
		}
		pad(1)
		b.WriteString("</bindings>\n")
	}
	pad(0)
	b.WriteString("</" + WrapperClass + ">\n")
	return b.Bytes()
}

// Dir is where a build's secret files go: a directory named unique (the
// build's tag, say) under WORKSPACE@tmp/secretFiles, as Jenkins puts them
// (UnbindableDir.java). The executor creates it with DirMode and removes
// it when the build ends.
func Dir(workspace, unique string) string {
	return filepath.Join(workspace+"@tmp", "secretFiles", unique)
}

// Lookup finds a credential by id; it returns nil and no error when there
// is none.
type Lookup func(id string) (*credentials.Credential, error)

// File is a file the executor writes before the build runs.
type File struct {
	Name string      // in the plan's Dir
	Path string      // Dir joined with Name
	Data []byte      // the content
	Mode fs.FileMode // FileMode
}

// Plan is what binding the credentials amounts to. See the package
// comment.
type Plan struct {
	Dir   string
	Env   []string // "NAME=value", in binding order (a later one wins)
	Files []File
	// Secrets are the values to mask in the build's log.
	Secrets []string
	// Sensitive are the variables whose values are secret (shown as
	// ******** wherever a build's variables are listed).
	Sensitive []string
	// Warnings are lines for the build's log.
	Warnings []string
}

// NotFoundError is Bind's error for a credential that does not exist or
// may not be used by jobs.
type NotFoundError struct{ ID string }

func (e *NotFoundError) Error() string {
	return "Could not find credentials entry with ID '" + e.ID + "'"
}

// TypeError is Bind's error for a credential of the wrong kind.
type TypeError struct {
	ID, Type, Expected string
}

func (e *TypeError) Error() string {
	return "Credentials '" + e.ID + "' is of type '" + e.Type + "' where '" + e.Expected + "' was expected"
}

// Bind resolves bindings with lookup and returns the plan, or the first
// binding's error: a *NotFoundError, a *TypeError, a refusal of an
// unsupported binding, or lookup's own error. dir is where files go (see
// Dir). Bind writes nothing.
func Bind(bindings []Binding, dir string, lookup Lookup) (*Plan, error) {
	p := &Plan{Dir: dir}
	files := 0
	for _, b := range bindings {
		sp, ok := specs[b.Class]
		if !ok || !sp.supported {
			return nil, fmt.Errorf("the binding %s (credentials '%s') is not supported by jeeves", short(b.Class), b.CredentialsID)
		}
		c, err := lookup(b.CredentialsID)
		if err != nil {
			return nil, fmt.Errorf("credentials '%s': %w", b.CredentialsID, err)
		}
		if c == nil || c.Scope == credentials.ScopeSystem {
			return nil, &NotFoundError{ID: b.CredentialsID}
		}
		if c.Kind != sp.kind {
			return nil, &TypeError{ID: b.CredentialsID, Type: c.TypeName(), Expected: sp.javaType}
		}
		newFile := func(data []byte) string {
			name := fmt.Sprintf("file%d.tmp", files)
			files++
			path := filepath.Join(dir, name)
			p.Files = append(p.Files, File{Name: name, Path: path, Data: data, Mode: FileMode})
			return path
		}
		switch b.Class {
		case ClassString:
			p.secret(b.Variable, c.Secret.Reveal(), b.CredentialsID)
		case ClassUsernamePassword:
			p.secret(b.Variable, c.Username+":"+c.Password.Reveal(), b.CredentialsID)
			p.mask(c.Password.Reveal())
			if c.UsernameSecret {
				p.mask(c.Username)
			}
		case ClassUsernamePasswordMulti:
			p.username(b.UsernameVariable, c, b.CredentialsID)
			p.secret(b.PasswordVariable, c.Password.Reveal(), b.CredentialsID)
			p.mask(c.Username + ":" + c.Password.Reveal())
		case ClassFile:
			data := c.FileData.Reveal()
			p.secret(b.Variable, newFile(data), b.CredentialsID)
			if len(data) <= MaxMaskedFile && utf8.Valid(data) {
				p.mask(string(data))
			}
		case ClassSSHUserPrivateKey:
			var content strings.Builder
			for key := range strings.SplitSeq(c.PrivateKey.Reveal(), "\f") {
				if !strings.HasSuffix(key, "\n") {
					key += "\n"
				}
				content.WriteString(key + "\n") // as SSHUserPrivateKeyBinding writes them
				p.mask(key)
			}
			p.secret(b.KeyFileVariable, newFile([]byte(content.String())), b.CredentialsID)
			if b.PassphraseVariable != "" {
				p.secret(b.PassphraseVariable, c.Passphrase.Reveal(), b.CredentialsID)
			}
			if b.UsernameVariable != "" {
				p.username(b.UsernameVariable, c, b.CredentialsID)
			}
		}
	}
	return p, nil
}

// secret sets a variable whose value is secret.
func (p *Plan) secret(name, value, id string) {
	p.Env = append(p.Env, name+"="+value)
	p.Sensitive = append(p.Sensitive, name)
	if value != "" && !mask.Maskable(value) {
		p.Warnings = append(p.Warnings, fmt.Sprintf("Warning: the value of %s (credentials '%s') has fewer than %d characters and is not masked in this log", name, id, mask.MinLen))
	}
	p.mask(value)
}

// username sets a username variable, secret if the credential says so.
func (p *Plan) username(name string, c *credentials.Credential, id string) {
	if c.UsernameSecret {
		p.secret(name, c.Username, id)
		return
	}
	p.Env = append(p.Env, name+"="+c.Username)
}

// mask adds a value to mask, once. A line end closing the value is not
// part of what is masked, so a file or key printed whole leaves its last
// line end in the log.
func (p *Plan) mask(v string) {
	v = strings.TrimSuffix(strings.TrimSuffix(v, "\n"), "\r")
	if mask.Maskable(v) && !slices.Contains(p.Secrets, v) {
		p.Secrets = append(p.Secrets, v)
	}
}
