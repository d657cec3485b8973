package credentials

import (
	"bytes"
	"encoding/base64"
	"slices"
	"strings"
)

// JenkinsDecrypter decrypts values a Jenkins server encrypted with the
// keys in its home's secrets/ directory (core's hudson.util.Secret and
// the credentials plugin's SecretBytes). jeeves has none yet; a Parser
// without one refuses such values with ErrJenkinsEncrypted.
type JenkinsDecrypter interface {
	// DecryptSecret decrypts a Secret as Secret.decrypt does (the
	// "{AQAAAB…}" form or the legacy one); ok is false when value is not
	// one it can decrypt, which Jenkins then takes as plain text.
	DecryptSecret(value string) (plain string, ok bool)
	// DecryptSecretBytes decrypts a braced SecretBytes value ("{…}").
	DecryptSecretBytes(value string) (plain []byte, ok bool)
}

// Parser reads credentials. Its zero value refuses Jenkins-encrypted
// values; the package functions ParseXML, ParseJSON and ParseStoreXML use
// it.
type Parser struct {
	// Jenkins, if set, decrypts values a Jenkins server encrypted.
	Jenkins JenkinsDecrypter
	// KeepBlank makes ParseJSON read a secret left blank (a password,
	// secret text, passphrase or private key field left empty, a secret
	// file not uploaded again) as Redacted, so that Merge keeps the stored
	// one: the update form shows no secret, and what is left blank stays
	// as it was. An SSH key's passphrase cannot then be removed by
	// leaving it blank; a key without one ignores it.
	KeepBlank bool
}

// ParseXML reads one credential with the zero Parser. See Parser.ParseXML.
func ParseXML(data []byte) (*Credential, error) { return Parser{}.ParseXML(data) }

// ParseXML reads one credential in XStream's XML, as POSTed to
// createCredentials or to a credential's config.xml: the root element is
// the class name of one of the four kinds (with any plugin attribute),
// its children the fields, in any order:
//
//	scope, id, description                      every kind
//	username, password, usernameSecret          UsernamePasswordCredentialsImpl
//	secret                                      StringCredentialsImpl
//	fileName, secretBytes (base64)              FileCredentialsImpl
//	username, usernameSecret, passphrase,       BasicSSHUserPrivateKey
//	privateKeySource class="…$DirectEntryPrivateKeySource" { privateKey }
//
// It fills what XStream leaves as Jenkins reads it: scope GLOBAL when
// missing, a new UUID when the id is missing or empty (Jenkins would keep
// none), usernameSecret true when missing (XStream skips the field's
// initializer, and both classes then read it as true). Secret values are
// kept exactly, spaces included; a private key has its line ends made
// "\n" and ends with one, as OpenSSH wants.
//
// A secret element holding <secret-redacted/> is listed in Redacted.
// ParseXML checks everything else (Validate's rules, the private key when
// it and its passphrase are given); pass the result to Merge, with the
// stored credential or nil, which fills redacted fields and validates
// the whole.
//
// Unknown root elements (other credential types), unknown or repeated
// child elements, other private key sources, malformed XML, a DOCTYPE
// and documents over MaxXMLSize are refused with an error wrapping
// ErrInvalid that names the problem.
func (p Parser) ParseXML(data []byte) (*Credential, error) {
	if len(data) > MaxXMLSize {
		return nil, invalid("the credential's XML is %d bytes long; the limit is %d", len(data), MaxXMLSize)
	}
	root, err := parseTree(data)
	if err != nil {
		return nil, err
	}
	c, err := p.fromNode(root)
	if err != nil {
		return nil, err
	}
	if err := c.check(true); err != nil {
		return nil, err
	}
	return c, nil
}

// fromNode reads a credential element.
func (p Parser) fromNode(root *node) (*Credential, error) {
	kind, ok := KindOfClass(root.name)
	if !ok {
		return nil, invalid("unknown credential type <%s>: jeeves takes %s, %s, %s and %s",
			trimName(root.name), ClassUsernamePassword, ClassSecretText, ClassSecretFile, ClassSSHKey)
	}
	c := &Credential{Kind: kind, Scope: ScopeGlobal}
	allowed := map[Kind][]string{
		KindUsernamePassword: {"username", "password", "usernameSecret"},
		KindSecretText:       {"secret"},
		KindSecretFile:       {"fileName", "secretBytes"},
		KindSSHKey:           {"username", "usernameSecret", "passphrase", "privateKeySource"},
	}[kind]
	seen := map[string]bool{}
	for _, n := range root.children {
		if n.name != "scope" && n.name != "id" && n.name != "description" && !slices.Contains(allowed, n.name) {
			return nil, invalid("line %d: unknown element <%s> in %s", n.line, trimName(n.name), kind.TypeName())
		}
		if seen[n.name] {
			return nil, invalid("line %d: <%s> appears twice", n.line, n.name)
		}
		seen[n.name] = true
		if n.name != "privateKeySource" && !onlyText(n) {
			if !isSecretElement(n.name) {
				return nil, invalid("line %d: <%s> holds elements; it takes text", n.line, n.name)
			}
		}
		text := string(n.text)
		switch n.name {
		case "scope":
			c.Scope = Scope(strings.TrimSpace(text))
			if c.Scope == "" {
				c.Scope = ScopeGlobal
			}
		case "id":
			c.ID = strings.TrimSpace(text)
		case "description":
			c.Description = text
		case "username":
			c.Username = text
		case "usernameSecret":
			c.UsernameSecret = strings.EqualFold(strings.TrimSpace(text), "true")
		case "fileName":
			c.FileName = text
		case "password", "secret", "passphrase":
			v, red, err := p.secretValue(n)
			if err != nil {
				return nil, err
			}
			switch {
			case red:
				c.Redacted = append(c.Redacted, Field(n.name))
			case n.name == "password":
				c.Password = Secret(v)
			case n.name == "secret":
				c.Secret = Secret(v)
			default:
				c.Passphrase = Secret(v)
			}
		case "secretBytes":
			v, red, err := p.secretBytesValue(n)
			if err != nil {
				return nil, err
			}
			if red {
				c.Redacted = append(c.Redacted, FieldSecretBytes)
			} else {
				c.FileData = v
			}
		case "privateKeySource":
			if err := p.keySource(c, n); err != nil {
				return nil, err
			}
		}
	}
	if (kind == KindUsernamePassword || kind == KindSSHKey) && !seen["usernameSecret"] {
		c.UsernameSecret = true
	}
	if kind == KindSecretFile && !seen["secretBytes"] {
		return nil, invalid("a secret file needs <secretBytes> (its content in base64)")
	}
	if c.ID == "" {
		c.ID = NewID()
	}
	return c, nil
}

// keySource reads <privateKeySource>.
func (p Parser) keySource(c *Credential, n *node) error {
	class := n.attr("class")
	if class != "" && class != ClassDirectEntry && class != strings.ReplaceAll(ClassDirectEntry, "$", "_-") {
		return invalid("line %d: the private key source %s is not supported: enter the key directly (%s)", n.line, quoteMax(class, 200), ClassDirectEntry)
	}
	var key *node
	for _, k := range n.children {
		if k.name != "privateKey" {
			return invalid("line %d: unknown element <%s> in <privateKeySource>", k.line, trimName(k.name))
		}
		if key != nil {
			return invalid("line %d: <privateKey> appears twice", k.line)
		}
		key = k
	}
	if key == nil {
		return invalid("line %d: <privateKeySource> has no <privateKey>", n.line)
	}
	v, red, err := p.secretValue(key)
	if err != nil {
		return err
	}
	if red {
		c.Redacted = append(c.Redacted, FieldPrivateKey)
		return nil
	}
	c.PrivateKey = Secret(normalizeKeys(v))
	return nil
}

// normalizeKeys makes each key (they are separated by form feeds) end its
// lines with "\n", without blanks around it, and end with a newline.
func normalizeKeys(v string) string {
	v = strings.ReplaceAll(v, "\r\n", "\n")
	var keys []string
	for k := range strings.SplitSeq(v, "\f") {
		if k = strings.TrimSpace(k); k != "" {
			keys = append(keys, k+"\n")
		}
	}
	return strings.Join(keys, "\f")
}

func isSecretElement(name string) bool {
	switch name {
	case "password", "secret", "passphrase", "secretBytes", "privateKey":
		return true
	}
	return false
}

// onlyText reports whether n has no child elements.
func onlyText(n *node) bool { return len(n.children) == 0 }

// isRedacted reports whether n holds <secret-redacted/> and nothing else
// but blanks; it fails for any other child element.
func isRedacted(n *node) (bool, error) {
	if len(n.children) == 0 {
		return false, nil
	}
	if len(n.children) > 1 || n.children[0].name != "secret-redacted" || len(n.children[0].children) > 0 {
		return false, invalid("line %d: <%s> holds elements; it takes text or <secret-redacted/>", n.line, n.name)
	}
	if len(bytes.TrimSpace(n.text)) > 0 {
		return false, invalid("line %d: <%s> holds both text and <secret-redacted/>", n.line, n.name)
	}
	return true, nil
}

// secretValue reads a Secret element: its text exactly, or redacted.
func (p Parser) secretValue(n *node) (string, bool, error) {
	if red, err := isRedacted(n); red || err != nil {
		return "", red, err
	}
	v, err := p.secretText(n.name, string(n.text))
	return v, false, err
}

// secretText is a Secret's plain text: v itself, or v decrypted when it is
// a value a Jenkins server encrypted.
func (p Parser) secretText(field, v string) (string, error) {
	if p.Jenkins != nil {
		if plain, ok := p.Jenkins.DecryptSecret(v); ok {
			return plain, nil
		}
	}
	if isJenkinsSecret(v) {
		return "", jenkinsEncrypted(field)
	}
	return v, nil
}

// secretBytesValue reads a SecretBytes element: base64 content, a
// Jenkins-encrypted {…} value, or redacted.
func (p Parser) secretBytesValue(n *node) ([]byte, bool, error) {
	if red, err := isRedacted(n); red || err != nil {
		return nil, red, err
	}
	b, err := p.secretBytes(n.name, string(n.text))
	return b, false, err
}

func (p Parser) secretBytes(field, v string) ([]byte, error) {
	v = strings.TrimSpace(v)
	if len(v) >= 2 && v[0] == '{' && v[len(v)-1] == '}' {
		if p.Jenkins != nil {
			if plain, ok := p.Jenkins.DecryptSecretBytes(v); ok {
				return plain, nil
			}
		}
		return nil, jenkinsEncrypted(field)
	}
	b, ok := decodeBase64(v)
	if !ok {
		return nil, invalid("<%s> is not base64", field)
	}
	return b, nil
}

// decodeBase64 decodes standard or URL-safe base64, padded or not, with
// line breaks and blanks anywhere (as the base64 tool wraps it).
func decodeBase64(v string) ([]byte, bool) {
	v = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, v)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.Strict().DecodeString(v); err == nil {
			return b, true
		}
	}
	return nil, false
}

// isJenkinsSecret reports whether v has the form of a hudson.util.Secret
// encrypted by a Jenkins server: "{" base64 "}" whose payload is version
// 1, an IV length, a data length and exactly that many bytes
// (Secret.decrypt). Anything else Jenkins takes as plain text.
func isJenkinsSecret(v string) bool {
	if len(v) < 2 || v[0] != '{' || v[len(v)-1] != '}' {
		return false
	}
	p, err := base64.StdEncoding.DecodeString(v[1 : len(v)-1])
	if err != nil || len(p) < 9 || p[0] != 1 {
		return false
	}
	be := func(b []byte) int64 { return int64(b[0])<<24 | int64(b[1])<<16 | int64(b[2])<<8 | int64(b[3]) }
	return int64(len(p)) == 9+be(p[1:5])+be(p[5:9])
}

// trimName shortens an element name for an error message.
func trimName(s string) string { q := quoteMax(s, 200); return q[1 : len(q)-1] }

// RenderXML writes c's config.xml as Jenkins answers GET
// …/credential/ID/config.xml: the XStream form of ParseXML with the
// root's plugin attribute, and every secret (password, secret,
// secretBytes, passphrase, privateKey) written as <secret-redacted/>
// (CredentialsStoreAction.SECRETS_REDACTED). Like XStream it writes no
// XML declaration, and leaves out an SSH key's passphrase when it has
// none. Posting the answer back with ParseXML and Merge keeps every
// secret.
func RenderXML(c *Credential) []byte {
	info := kinds[c.Kind]
	w := &xmlWriter{}
	w.open(info.class, "plugin", info.plugin)
	w.leaf("scope", string(c.Scope))
	w.leaf("id", c.ID)
	w.leaf("description", c.Description)
	switch c.Kind {
	case KindUsernamePassword:
		w.leaf("username", c.Username)
		w.redacted("password")
		w.leaf("usernameSecret", boolText(c.UsernameSecret))
	case KindSecretText:
		w.redacted("secret")
	case KindSecretFile:
		w.leaf("fileName", c.FileName)
		w.redacted("secretBytes")
	case KindSSHKey:
		w.leaf("username", c.Username)
		w.leaf("usernameSecret", boolText(c.UsernameSecret))
		if c.Passphrase != "" {
			w.redacted("passphrase")
		}
		w.open("privateKeySource", "class", ClassDirectEntry)
		w.redacted("privateKey")
		w.close("privateKeySource")
	}
	w.close(info.class)
	return bytes.TrimSuffix(w.b.Bytes(), []byte("\n"))
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// Merge returns posted with each field it lists in Redacted taken from
// stored, and checks the result with Validate. stored is the credential
// being replaced, or nil when creating one, in which case a redacted
// field is an error.
//
// This is where jeeves does better than Jenkins, which stores an empty
// secret for a posted <secret-redacted/>: fetching a credential's
// config.xml, editing its description and posting it back keeps its
// secrets. A redacted field can be kept only from a stored credential of
// the same kind. A kept secret file keeps its name too unless posted
// names it.
func Merge(stored, posted *Credential) (*Credential, error) {
	c := *posted
	c.Redacted = nil
	if len(posted.Redacted) > 0 {
		first := posted.Redacted[0]
		if stored == nil {
			return nil, invalid("<%s> is <secret-redacted/>, but there is no stored credential to keep it from: send the secret itself", first)
		}
		if stored.Kind != posted.Kind {
			return nil, invalid("<%s> is <secret-redacted/>, but the stored credential %q is a %s, not a %s: send the secret itself", first, stored.ID, stored.Kind.TypeName(), posted.Kind.TypeName())
		}
		for _, f := range posted.Redacted {
			switch f {
			case FieldPassword:
				c.Password = stored.Password
			case FieldSecret:
				c.Secret = stored.Secret
			case FieldSecretBytes:
				c.FileData = stored.FileData
				if c.FileName == "" {
					c.FileName = stored.FileName
				}
			case FieldPrivateKey:
				c.PrivateKey = stored.PrivateKey
			case FieldPassphrase:
				c.Passphrase = stored.Passphrase
			}
		}
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}
