package credentials

import (
	"bytes"
	"encoding/json"
	"strings"
)

// FileLookup gives the multipart part a form's "file" field names (such
// as "file0"): the uploaded file's name and content; ok false when the
// request has no such part. The caller bounds its size.
type FileLookup func(part string) (filename string, data []byte, ok bool)

// MaxJSONSize bounds the form's json field (ParseJSON).
const MaxJSONSize = 4 << 20

// ParseJSON reads a credential with the zero Parser. See Parser.ParseJSON.
func ParseJSON(data []byte, files FileLookup) (*Credential, error) {
	return Parser{}.ParseJSON(data, files)
}

// ParseJSON reads the JSON the web UI posts in the form field "json" to
// createCredentials ({"credentials": {…}}) or updateSubmit (the
// credential object itself). The object names its class in "$class" or
// "stapler-class" and has the fields of ParseXML, with these
// differences, which are Jenkins's (the form calls the classes'
// constructors):
//
//   - "usernameSecret" is false when missing (a checkbox: true, "true"
//     or "on" are true);
//   - an SSH key is {"privateKeySource": {"$class": "…$DirectEntryPrivateKeySource",
//     "privateKey": "…"}, "passphrase": "…"};
//   - a secret file is uploaded: "file" names a multipart part, looked up
//     with files; its name without any directories becomes fileName.
//     Without an upload (an update keeping the file), "fileName" and
//     "secretBytes" (base64) are used.
//
// Other keys are ignored, as Stapler ignores them. A missing or empty id
// gets a new UUID. The result is checked as ParseXML's is (it has no
// redacted fields unless KeepBlank is set); pass it to Merge.
func (p Parser) ParseJSON(data []byte, files FileLookup) (*Credential, error) {
	if len(data) > MaxJSONSize {
		return nil, invalid("the form's JSON is %d bytes long; the limit is %d", len(data), MaxJSONSize)
	}
	var top map[string]any
	d := json.NewDecoder(bytes.NewReader(data))
	if err := d.Decode(&top); err != nil {
		return nil, invalid("the form's json field is not a JSON object: %v", err)
	}
	obj := top
	if inner, ok := top["credentials"]; ok {
		m, ok := inner.(map[string]any)
		if !ok {
			return nil, invalid(`"credentials" is not a JSON object`)
		}
		obj = m
	}
	class, err := classOf(obj, "")
	if err != nil {
		return nil, err
	}
	kind, ok := KindOfClass(class)
	if !ok {
		return nil, invalid("unknown credential type %s: jeeves takes %s, %s, %s and %s",
			quoteMax(class, 200), ClassUsernamePassword, ClassSecretText, ClassSecretFile, ClassSSHKey)
	}
	c := &Credential{Kind: kind, Scope: ScopeGlobal}
	str := func(key string) (string, error) {
		v, ok := obj[key]
		if !ok || v == nil {
			return "", nil
		}
		s, ok := v.(string)
		if !ok {
			return "", invalid("%q is not a string", key)
		}
		return s, nil
	}
	for _, f := range []struct {
		key string
		dst *string
	}{{"id", &c.ID}, {"description", &c.Description}} {
		if *f.dst, err = str(f.key); err != nil {
			return nil, err
		}
	}
	c.ID = strings.TrimSpace(c.ID)
	if c.ID == "" {
		c.ID = NewID()
	}
	scope, err := str("scope")
	if err != nil {
		return nil, err
	}
	if scope = strings.TrimSpace(scope); scope != "" {
		c.Scope = Scope(scope)
	}
	secret := func(key string) (Secret, error) {
		v, err := str(key)
		if err != nil {
			return "", err
		}
		if v == "" && p.KeepBlank {
			c.Redacted = append(c.Redacted, Field(key))
			return "", nil
		}
		v, err = p.secretText(key, v)
		return Secret(v), err
	}
	switch kind {
	case KindUsernamePassword, KindSSHKey:
		if c.Username, err = str("username"); err != nil {
			return nil, err
		}
		if c.UsernameSecret, err = boolOf(obj, "usernameSecret"); err != nil {
			return nil, err
		}
	}
	switch kind {
	case KindUsernamePassword:
		c.Password, err = secret("password")
	case KindSecretText:
		c.Secret, err = secret("secret")
	case KindSSHKey:
		if c.Passphrase, err = secret("passphrase"); err != nil {
			return nil, err
		}
		err = p.jsonKeySource(c, obj["privateKeySource"])
	case KindSecretFile:
		err = p.jsonFile(c, obj, files, str)
	}
	if err != nil {
		return nil, err
	}
	if err := c.check(p.KeepBlank); err != nil {
		return nil, err
	}
	return c, nil
}

// classOf is an object's class: "$class" or "stapler-class" (which must
// agree when both are given), or def.
func classOf(obj map[string]any, def string) (string, error) {
	var class string
	for _, key := range []string{"$class", "stapler-class"} {
		v, ok := obj[key]
		if !ok {
			continue
		}
		s, ok := v.(string)
		if !ok {
			return "", invalid("%q is not a string", key)
		}
		if class != "" && s != class {
			return "", invalid(`"$class" and "stapler-class" name different classes`)
		}
		class = s
	}
	if class == "" {
		if def == "" {
			return "", invalid(`the credential names no class ("$class")`)
		}
		class = def
	}
	return class, nil
}

// boolOf reads a checkbox: true, "true" or "on"; false when missing.
func boolOf(obj map[string]any, key string) (bool, error) {
	switch v := obj[key].(type) {
	case nil:
		return false, nil
	case bool:
		return v, nil
	case string:
		return strings.EqualFold(v, "true") || strings.EqualFold(v, "on"), nil
	}
	return false, invalid("%q is not a boolean", key)
}

// jsonKeySource reads an SSH key's privateKeySource object.
func (p Parser) jsonKeySource(c *Credential, v any) error {
	src, ok := v.(map[string]any)
	if !ok {
		if v == nil {
			return invalid("an SSH credential needs a private key (privateKeySource)")
		}
		return invalid(`"privateKeySource" is not a JSON object`)
	}
	class, err := classOf(src, ClassDirectEntry)
	if err != nil {
		return err
	}
	if class != ClassDirectEntry {
		return invalid("the private key source %s is not supported: enter the key directly (%s)", quoteMax(class, 200), ClassDirectEntry)
	}
	key, ok := src["privateKey"].(string)
	if !ok {
		return invalid(`"privateKey" is missing or not a string`)
	}
	if key == "" && p.KeepBlank {
		c.Redacted = append(c.Redacted, FieldPrivateKey)
		return nil
	}
	key, err = p.secretText("privateKey", key)
	if err != nil {
		return err
	}
	c.PrivateKey = Secret(normalizeKeys(key))
	return nil
}

// jsonFile reads a secret file: an upload, or fileName and secretBytes.
func (p Parser) jsonFile(c *Credential, obj map[string]any, files FileLookup, str func(string) (string, error)) error {
	part, err := str("file")
	if err != nil {
		return err
	}
	if part != "" && files != nil {
		if name, data, ok := files(part); ok && name != "" {
			if i := strings.LastIndexAny(name, `/\`); i >= 0 {
				name = name[i+1:] // as FileCredentialsImpl strips a browser's path
			}
			c.FileName, c.FileData = name, data
			return nil
		}
	}
	if c.FileName, err = str("fileName"); err != nil {
		return err
	}
	sb, err := str("secretBytes")
	if err != nil {
		return err
	}
	if sb == "" && p.KeepBlank {
		c.Redacted = append(c.Redacted, FieldSecretBytes)
		return nil
	}
	if sb == "" && c.FileName == "" {
		return invalid("a secret file needs its content: upload a file")
	}
	c.FileData, err = p.secretBytes("secretBytes", sb)
	return err
}
