package credentials

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/jeeves-ci/jeeves/internal/secret"
)

// testKeys are private keys made for the tests (never stored).
type testKeys struct {
	ed25519, encrypted, rsa string
	passphrase              string
}

var (
	keysOnce sync.Once
	keys     testKeys
)

func getKeys(t testing.TB) testKeys {
	t.Helper()
	keysOnce.Do(func() {
		_, priv, _ := ed25519.GenerateKey(rand.Reader)
		b, err := ssh.MarshalPrivateKey(priv, "test")
		if err != nil {
			panic(err)
		}
		keys.ed25519 = string(pem.EncodeToMemory(b))
		keys.passphrase = "correct horse"
		b, err = ssh.MarshalPrivateKeyWithPassphrase(priv, "test", []byte(keys.passphrase))
		if err != nil {
			panic(err)
		}
		keys.encrypted = string(pem.EncodeToMemory(b))
		rk, _ := rsa.GenerateKey(rand.Reader, 2048)
		keys.rsa = string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rk)}))
	})
	return keys
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sshXML is the SSH createCredentials body with a key and passphrase.
func sshXML(t testing.TB, key, passphrase string) []byte {
	var b bytes.Buffer
	escape(&b, key)
	s := strings.Replace(string(readFile(t, "create-ssh.xml.tmpl")), "{{KEY}}", b.String(), 1)
	return []byte(strings.Replace(s, "{{PASSPHRASE}}", passphrase, 1))
}

func TestParseXML(t *testing.T) {
	k := getKeys(t)
	cases := []struct {
		name string
		doc  []byte
		want Credential
	}{
		{"the documented username/password body", readFile(t, "create-usernamepassword.xml"), Credential{
			ID: "deploy-key", Scope: ScopeGlobal, Kind: KindUsernamePassword,
			Username: "wecoyote", Password: "secret123", UsernameSecret: true,
		}},
		{"the documented secret text body, description last", readFile(t, "create-string.xml"), Credential{
			ID: "wecoyote", Scope: ScopeGlobal, Kind: KindSecretText, Description: "TEST", Secret: "secret123",
		}},
		{"a secret file in base64", readFile(t, "create-file.xml"), Credential{
			ID: "npmrc", Scope: ScopeGlobal, Kind: KindSecretFile, Description: "npm token",
			FileName: ".npmrc", FileData: SecretBytes("//registry.npmjs.org/:_authToken=npm_0123456789\n"),
		}},
		{"an SSH key with a passphrase, XML 1.1", sshXML(t, k.encrypted, k.passphrase), Credential{
			ID: "github-ssh", Scope: ScopeGlobal, Kind: KindSSHKey, Description: "GitHub deploy key",
			Username: "git", PrivateKey: Secret(k.encrypted), Passphrase: Secret(k.passphrase),
		}},
		{"an RSA key in PKCS#1 with CRLF line ends, without a passphrase", sshXML(t, strings.ReplaceAll(k.rsa, "\n", "\r\n"), ""), Credential{
			ID: "github-ssh", Scope: ScopeGlobal, Kind: KindSSHKey, Description: "GitHub deploy key",
			Username: "git", PrivateKey: Secret(k.rsa),
		}},
		{"two keys separated by a form feed", sshXML(t, k.ed25519+"\f"+k.rsa, ""), Credential{
			ID: "github-ssh", Scope: ScopeGlobal, Kind: KindSSHKey, Description: "GitHub deploy key",
			Username: "git", PrivateKey: Secret(k.ed25519 + "\f" + k.rsa),
		}},
		{"a secret kept exactly, blanks and entities included", []byte("<org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl><id>t</id><secret> a&amp;b&lt;\n </secret></org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl>"), Credential{
			ID: "t", Scope: ScopeGlobal, Kind: KindSecretText, Secret: " a&b<\n ",
		}},
		{"a value that only looks encrypted is plain text", []byte("<org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl><id>t</id><secret>{not base64}</secret></org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl>"), Credential{
			ID: "t", Scope: ScopeGlobal, Kind: KindSecretText, Secret: "{not base64}",
		}},
		{"SYSTEM scope", []byte("<org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl><scope> SYSTEM </scope><id>t</id><secret>v</secret></org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl>"), Credential{
			ID: "t", Scope: ScopeSystem, Kind: KindSecretText, Secret: "v",
		}},
		{"an explicit usernameSecret false", []byte("<com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl><id>u</id><username>bob</username><password>pw</password><usernameSecret>false</usernameSecret></com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>"), Credential{
			ID: "u", Scope: ScopeGlobal, Kind: KindUsernamePassword, Username: "bob", Password: "pw",
		}},
	}
	for _, c := range cases {
		t.Run("it reads "+c.name, func(t *testing.T) {
			got, err := ParseXML(c.doc)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, c.want) {
				t.Errorf("got  %s\nwant %s", dump(got), dump(&c.want))
			}
		})
	}
	t.Run("it gives a missing id a UUID", func(t *testing.T) {
		c, err := ParseXML([]byte("<org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl><secret>v</secret></org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl>"))
		if err != nil {
			t.Fatal(err)
		}
		if !isUUID(c.ID) {
			t.Errorf("id %q is not a UUID", c.ID)
		}
	})
}

// dump shows a credential's fields, secrets included, for test failures.
func dump(c *Credential) string {
	return fmt.Sprintf("{ID:%q Scope:%s Kind:%s Desc:%q User:%q UserSecret:%v Password:%q Secret:%q File:%q/%q Key:%.40q Pass:%q Redacted:%v}",
		c.ID, c.Scope, c.Kind, c.Description, c.Username, c.UsernameSecret, c.Password.Reveal(), c.Secret.Reveal(),
		c.FileName, c.FileData.Reveal(), c.PrivateKey.Reveal(), c.Passphrase.Reveal(), c.Redacted)
}

func TestParseXMLRefuses(t *testing.T) {
	k := getKeys(t)
	str := func(inner string) []byte {
		return []byte("<org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl>" + inner + "</org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl>")
	}
	cases := []struct {
		name string
		doc  []byte
		want string // in the message
	}{
		{"an empty body", nil, "empty"},
		{"malformed XML", []byte("<a><b></a>"), "malformed XML at line 1"},
		{"a DOCTYPE", []byte(`<!DOCTYPE x [<!ENTITY a "b">]><x/>`), "<!DOCTYPE…> is not allowed"},
		{"UTF-16", []byte{0xFF, 0xFE, '<', 0}, "UTF-16"},
		{"another encoding", []byte(`<?xml version="1.0" encoding="ISO-8859-1"?><x/>`), "not supported"},
		{"an unknown credential type", []byte("<com.cloudbees.plugins.credentials.impl.CertificateCredentialsImpl/>"), "unknown credential type <com.cloudbees.plugins.credentials.impl.CertificateCredentialsImpl>"},
		{"an unknown element", str("<id>a</id><secret>s</secret><passwd>x</passwd>"), "unknown element <passwd> in Secret text"},
		{"a field of another type", str("<id>a</id><username>u</username>"), "unknown element <username>"},
		{"a repeated element", str("<id>a</id><id>b</id>"), "<id> appears twice"},
		{"elements inside a text field", str("<id><x/></id>"), "<id> holds elements"},
		{"elements inside a secret", str("<id>a</id><secret><x/></secret>"), "<secret> holds elements"},
		{"text beside <secret-redacted/>", str("<id>a</id><secret>x<secret-redacted/></secret>"), "both text and <secret-redacted/>"},
		{"an id with a slash", str("<id>a/b</id><secret>s</secret>"), "unacceptable characters"},
		{"an id of ..", str("<id>..</id><secret>s</secret>"), "path segment"},
		{"an id with a space", str("<id>cli crud</id><secret>s</secret>"), "unacceptable characters"},
		{"an id too long", str("<id>" + strings.Repeat("a", MaxIDLen+1) + "</id><secret>s</secret>"), "the limit is 256"},
		{"an unknown scope", str("<scope>EVERYWHERE</scope><id>a</id><secret>s</secret>"), "unknown scope"},
		{"the USER scope", str("<scope>USER</scope><id>a</id><secret>s</secret>"), "USER is for a user's own store"},
		{"a Jenkins-encrypted secret", str("<id>a</id><secret>{AQAAABAAAAAQbaFhrTkqFXtQHMjtvV1+H6nJ6nFJxahWiVE67g5x1GE=}</secret>"), "<secret> holds a value a Jenkins server encrypted"},
		{"a Jenkins-encrypted file", []byte("<org.jenkinsci.plugins.plaincredentials.impl.FileCredentialsImpl><id>f</id><fileName>f</fileName><secretBytes>{xDwbzNe0Iylqn9DI2Wg3d2L70Ob5D5H2ZwgZgWCSafKbC03vq5ZsQw==}</secretBytes></org.jenkinsci.plugins.plaincredentials.impl.FileCredentialsImpl>"), "<secretBytes> holds a value a Jenkins server encrypted"},
		{"a file that is not base64", []byte("<org.jenkinsci.plugins.plaincredentials.impl.FileCredentialsImpl><id>f</id><fileName>f</fileName><secretBytes>not base64!</secretBytes></org.jenkinsci.plugins.plaincredentials.impl.FileCredentialsImpl>"), "<secretBytes> is not base64"},
		{"a file without content", []byte("<org.jenkinsci.plugins.plaincredentials.impl.FileCredentialsImpl><id>f</id><fileName>f</fileName></org.jenkinsci.plugins.plaincredentials.impl.FileCredentialsImpl>"), "needs <secretBytes>"},
		{"a file without a name", []byte("<org.jenkinsci.plugins.plaincredentials.impl.FileCredentialsImpl><id>f</id><secretBytes>eA==</secretBytes></org.jenkinsci.plugins.plaincredentials.impl.FileCredentialsImpl>"), "needs a <fileName>"},
		{"a file name with a directory", []byte("<org.jenkinsci.plugins.plaincredentials.impl.FileCredentialsImpl><id>f</id><fileName>../etc/passwd</fileName><secretBytes>eA==</secretBytes></org.jenkinsci.plugins.plaincredentials.impl.FileCredentialsImpl>"), "has a directory in it"},
		{"a secret text too long", str("<id>a</id><secret>" + strings.Repeat("s", MaxSecretLen+1) + "</secret>"), "the limit is 65536"},
		{"a private key that does not parse", sshXML(t, "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n", ""), "the private key does not parse"},
		{"a private key that is not one", sshXML(t, "PuTTY-User-Key-File-3: ssh-ed25519\n", ""), "not a private key in PEM or OpenSSH form"},
		{"an encrypted key without its passphrase", sshXML(t, k.encrypted, ""), "is encrypted: give its passphrase"},
		{"an encrypted key with a wrong passphrase", sshXML(t, k.encrypted, "wrong"), "does not decrypt with the passphrase"},
		{"the second of two keys broken", sshXML(t, k.ed25519+"\f-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n", ""), "private key 2 of 2 does not parse"},
		{"an SSH credential without a key", []byte("<com.cloudbees.jenkins.plugins.sshcredentials.impl.BasicSSHUserPrivateKey><id>s</id><username>git</username></com.cloudbees.jenkins.plugins.sshcredentials.impl.BasicSSHUserPrivateKey>"), "needs a private key"},
		{"a key file on the controller", []byte(`<com.cloudbees.jenkins.plugins.sshcredentials.impl.BasicSSHUserPrivateKey><id>s</id><privateKeySource class="com.cloudbees.jenkins.plugins.sshcredentials.impl.BasicSSHUserPrivateKey$FileOnMasterPrivateKeySource"><privateKeyFile>/etc/shadow</privateKeyFile></privateKeySource></com.cloudbees.jenkins.plugins.sshcredentials.impl.BasicSSHUserPrivateKey>`), "FileOnMasterPrivateKeySource\" is not supported"},
		{"a body over the limit", append([]byte("<x>"), make([]byte, MaxXMLSize)...), "the limit is 4194304"},
	}
	for _, c := range cases {
		t.Run("it refuses "+c.name, func(t *testing.T) {
			got, err := ParseXML(c.doc)
			if err == nil {
				t.Fatalf("ParseXML = %s, want an error", dump(got))
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %q does not wrap ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not say %q", err, c.want)
			}
			for _, s := range []string{k.passphrase, "BEGIN", "secret123"} {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error %q holds %q", err, s)
				}
			}
		})
	}
	t.Run("a Jenkins-encrypted value is ErrJenkinsEncrypted", func(t *testing.T) {
		_, err := ParseXML(str("<id>a</id><secret>{AQAAABAAAAAQbaFhrTkqFXtQHMjtvV1+H6nJ6nFJxahWiVE67g5x1GE=}</secret>"))
		if !errors.Is(err, ErrJenkinsEncrypted) {
			t.Errorf("error %v is not ErrJenkinsEncrypted", err)
		}
	})
}

// fakeJenkins decrypts two known values.
type fakeJenkins struct{}

func (fakeJenkins) DecryptSecret(v string) (string, bool) {
	if v == "{AQAAABAAAAAQbaFhrTkqFXtQHMjtvV1+H6nJ6nFJxahWiVE67g5x1GE=}" {
		return "decrypted", true
	}
	return "", false
}

func (fakeJenkins) DecryptSecretBytes(v string) ([]byte, bool) {
	return []byte("file"), v == "{xDwbzNe0Iylqn9DI2Wg3d2L70Ob5D5H2ZwgZgWCSafKbC03vq5ZsQw==}"
}

func TestJenkinsDecrypter(t *testing.T) {
	sf, err := Parser{Jenkins: fakeJenkins{}}.ParseStoreXML(readFile(t, "jenkins-credentials.xml"))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("values it decrypts are read", func(t *testing.T) {
		cs := sf.Domains[0].Credentials
		if len(cs) != 2 || cs[0].Password != "decrypted" || string(cs[1].FileData) != "file" {
			t.Fatalf("read %d credentials", len(cs))
		}
	})
	t.Run("values it cannot decrypt are still refused", func(t *testing.T) {
		if len(sf.Problems) != 2 || !errors.Is(sf.Problems[0], ErrJenkinsEncrypted) {
			t.Errorf("problems %v", sf.Problems)
		}
	})
}

func TestRenderXML(t *testing.T) {
	k := getKeys(t)
	cases := []struct {
		name, golden string
		doc          []byte
	}{
		{"a username/password", "redacted-usernamepassword.xml", readFile(t, "create-usernamepassword.xml")},
		{"a secret text", "redacted-string.xml", readFile(t, "create-string.xml")},
		{"a secret file", "redacted-file.xml", readFile(t, "create-file.xml")},
		{"an SSH key with a passphrase", "redacted-ssh.xml", sshXML(t, k.encrypted, k.passphrase)},
	}
	for _, c := range cases {
		stored, err := ParseXML(c.doc)
		if err != nil {
			t.Fatal(err)
		}
		out := RenderXML(stored)
		t.Run("it redacts "+c.name+" as Jenkins does", func(t *testing.T) {
			want := bytes.TrimSuffix(readFile(t, c.golden), []byte("\n"))
			if !bytes.Equal(out, want) {
				t.Errorf("got\n%s\nwant\n%s", out, want)
			}
		})
		t.Run("posting back "+c.name+"'s redacted XML keeps its secrets", func(t *testing.T) {
			posted, err := ParseXML(out)
			if err != nil {
				t.Fatal(err)
			}
			if len(posted.Redacted) == 0 {
				t.Fatal("nothing was read as redacted")
			}
			merged, err := Merge(stored, posted)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(merged, stored) {
				t.Errorf("got  %s\nwant %s", dump(merged), dump(stored))
			}
		})
	}
	t.Run("an SSH key without a passphrase has no passphrase element", func(t *testing.T) {
		c, err := ParseXML(sshXML(t, k.ed25519, ""))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(RenderXML(c), []byte("passphrase")) {
			t.Errorf("%s", RenderXML(c))
		}
	})
	t.Run("text is escaped as XStream escapes it", func(t *testing.T) {
		c := &Credential{ID: "x", Scope: ScopeGlobal, Kind: KindSecretText, Description: "a<b>&'\"\r\x01é", Secret: "s"}
		want := "<description>a&lt;b&gt;&amp;&apos;&quot;&#xd;&#x1;é</description>"
		if !bytes.Contains(RenderXML(c), []byte(want)) {
			t.Errorf("%s does not contain %s", RenderXML(c), want)
		}
	})
}

func TestMerge(t *testing.T) {
	k := getKeys(t)
	stored := &Credential{ID: "s", Scope: ScopeGlobal, Kind: KindSSHKey, Username: "git", PrivateKey: Secret(k.encrypted), Passphrase: Secret(k.passphrase)}
	text := &Credential{ID: "s", Scope: ScopeGlobal, Kind: KindSecretText, Secret: "t0ken"}
	cases := []struct {
		name           string
		stored, posted *Credential
		want           *Credential
		err            string
	}{
		{"a posted value replaces the stored one", text, &Credential{ID: "s", Scope: ScopeGlobal, Kind: KindSecretText, Secret: "new"},
			&Credential{ID: "s", Scope: ScopeGlobal, Kind: KindSecretText, Secret: "new"}, ""},
		{"a redacted passphrase is kept while a new description is taken", stored,
			&Credential{ID: "s", Scope: ScopeGlobal, Kind: KindSSHKey, Username: "git", Description: "new", PrivateKey: Secret(k.encrypted), Redacted: []Field{FieldPassphrase}},
			&Credential{ID: "s", Scope: ScopeGlobal, Kind: KindSSHKey, Username: "git", Description: "new", PrivateKey: Secret(k.encrypted), Passphrase: Secret(k.passphrase)}, ""},
		{"a new key checked against the kept passphrase", stored,
			&Credential{ID: "s", Scope: ScopeGlobal, Kind: KindSSHKey, Username: "git", PrivateKey: Secret(k.rsa), Redacted: []Field{FieldPassphrase}},
			&Credential{ID: "s", Scope: ScopeGlobal, Kind: KindSSHKey, Username: "git", PrivateKey: Secret(k.rsa), Passphrase: Secret(k.passphrase)}, ""},
		{"a redacted key whose kept passphrase is replaced by a wrong one", stored,
			&Credential{ID: "s", Scope: ScopeGlobal, Kind: KindSSHKey, Username: "git", Passphrase: "wrong", Redacted: []Field{FieldPrivateKey}},
			nil, "does not decrypt"},
		{"a redacted field with nothing stored", nil,
			&Credential{ID: "s", Scope: ScopeGlobal, Kind: KindSecretText, Redacted: []Field{FieldSecret}},
			nil, "no stored credential to keep it from"},
		{"a redacted field over another kind", text,
			&Credential{ID: "s", Scope: ScopeGlobal, Kind: KindUsernamePassword, Redacted: []Field{FieldPassword}},
			nil, "is a Secret text, not a Username with password"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Merge(c.stored, c.posted)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) || !errors.Is(err, ErrInvalid) {
					t.Fatalf("Merge = %v, want an error saying %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got  %s\nwant %s", dump(got), dump(c.want))
			}
		})
	}
}

func TestParseJSON(t *testing.T) {
	k := getKeys(t)
	keyJSON, _ := json.Marshal(k.ed25519)
	sshForm := strings.Replace(string(readFile(t, "form-ssh.json.tmpl")), "{{KEY}}", string(keyJSON), 1)
	files := func(part string) (string, []byte, bool) {
		if part == "file0" {
			return `C:\Users\me\.npmrc`, []byte("token=x\n"), true
		}
		return "", nil, false
	}
	cases := []struct {
		name string
		form string
		want Credential
	}{
		{"the username/password form", string(readFile(t, "form-usernamepassword.json")), Credential{
			ID: "x", Scope: ScopeGlobal, Kind: KindUsernamePassword, Description: "d", Username: "u", Password: "p4ssw0rd",
		}},
		{"an uploaded secret file, keeping its base name", string(readFile(t, "form-file.json")), Credential{
			ID: "npmrc", Scope: ScopeGlobal, Kind: KindSecretFile, FileName: ".npmrc", FileData: SecretBytes("token=x\n"),
		}},
		{"a file kept by name and content", `{"credentials":{"$class":"org.jenkinsci.plugins.plaincredentials.impl.FileCredentialsImpl","id":"f","file":"file1","fileName":"a.txt","secretBytes":"eA=="}}`, Credential{
			ID: "f", Scope: ScopeGlobal, Kind: KindSecretFile, FileName: "a.txt", FileData: SecretBytes("x"),
		}},
		{"an update's bare object with stapler-class", `{"stapler-class":"org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl","id":"t","secret":"v","scope":"SYSTEM"}`, Credential{
			ID: "t", Scope: ScopeSystem, Kind: KindSecretText, Secret: "v",
		}},
		{"a checkbox sent as on", `{"credentials":{"$class":"com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl","id":"u","username":"bob","password":"p","usernameSecret":"on"}}`, Credential{
			ID: "u", Scope: ScopeGlobal, Kind: KindUsernamePassword, Username: "bob", Password: "p", UsernameSecret: true,
		}},
	}
	for _, c := range cases {
		t.Run("it reads "+c.name, func(t *testing.T) {
			got, err := ParseJSON([]byte(c.form), files)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, c.want) {
				t.Errorf("got  %s\nwant %s", dump(got), dump(&c.want))
			}
		})
	}
	t.Run("it reads the SSH form and gives it a UUID", func(t *testing.T) {
		got, err := ParseJSON([]byte(sshForm), nil)
		if err != nil {
			t.Fatal(err)
		}
		if !isUUID(got.ID) || got.Username != "git" || !got.UsernameSecret || got.PrivateKey.Reveal() != k.ed25519 || got.Passphrase != "" {
			t.Errorf("got %s", dump(got))
		}
	})
	bad := []struct {
		name, form, want string
	}{
		{"text that is not JSON", `json=`, "not a JSON object"},
		{"no class", `{"credentials":{"id":"x"}}`, `names no class`},
		{"an unknown class", `{"credentials":{"$class":"com.example.Token","id":"x"}}`, "unknown credential type"},
		{"two classes that disagree", `{"credentials":{"$class":"` + ClassSecretText + `","stapler-class":"` + ClassSecretFile + `"}}`, "different classes"},
		{"a number for a string", `{"credentials":{"$class":"` + ClassSecretText + `","id":"x","secret":5}}`, `"secret" is not a string`},
		{"a bad id", `{"credentials":{"$class":"` + ClassSecretText + `","id":"../x","secret":"s"}}`, "unacceptable characters"},
		{"a Jenkins-encrypted password from an old form", `{"credentials":{"$class":"` + ClassUsernamePassword + `","id":"x","password":"{AQAAABAAAAAQbaFhrTkqFXtQHMjtvV1+H6nJ6nFJxahWiVE67g5x1GE=}"}}`, "Jenkins server encrypted"},
		{"a file without an upload", `{"credentials":{"$class":"` + ClassSecretFile + `","id":"x","file":"file0"}}`, "upload a file"},
		{"an SSH key without a key source", `{"credentials":{"$class":"` + ClassSSHKey + `","id":"x"}}`, "needs a private key"},
		{"an SSH key that does not parse", `{"credentials":{"$class":"` + ClassSSHKey + `","id":"x","privateKeySource":{"privateKey":"nope"}}}`, "not a private key"},
	}
	for _, c := range bad {
		t.Run("it refuses "+c.name, func(t *testing.T) {
			_, err := ParseJSON([]byte(c.form), nil)
			if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("ParseJSON = %v, want an ErrInvalid saying %q", err, c.want)
			}
		})
	}
}

// TestKeepBlank: the update form shows no secret, so what it posts blank
// is kept from the stored credential.
func TestKeepBlank(t *testing.T) {
	k := getKeys(t)
	keyJSON, _ := json.Marshal(k.ed25519)
	p := Parser{KeepBlank: true}
	cases := []struct {
		name   string
		stored *Credential
		form   string
		want   *Credential
	}{
		{"a blank password is kept, the new description taken",
			&Credential{ID: "u", Scope: ScopeGlobal, Kind: KindUsernamePassword, Username: "bob", Password: "s3cret"},
			`{"stapler-class":"` + ClassUsernamePassword + `","id":"u","username":"bob","password":"","description":"new"}`,
			&Credential{ID: "u", Scope: ScopeGlobal, Kind: KindUsernamePassword, Username: "bob", Password: "s3cret", Description: "new"}},
		{"a password typed in replaces the stored one",
			&Credential{ID: "u", Scope: ScopeGlobal, Kind: KindUsernamePassword, Username: "bob", Password: "s3cret"},
			`{"stapler-class":"` + ClassUsernamePassword + `","id":"u","username":"bob","password":"n3w"}`,
			&Credential{ID: "u", Scope: ScopeGlobal, Kind: KindUsernamePassword, Username: "bob", Password: "n3w"}},
		{"a blank secret text is kept",
			&Credential{ID: "t", Scope: ScopeGlobal, Kind: KindSecretText, Secret: "t0ken"},
			`{"stapler-class":"` + ClassSecretText + `","id":"t","secret":"","scope":"SYSTEM"}`,
			&Credential{ID: "t", Scope: ScopeSystem, Kind: KindSecretText, Secret: "t0ken"}},
		{"a secret file not uploaded again is kept with its name",
			&Credential{ID: "f", Scope: ScopeGlobal, Kind: KindSecretFile, FileName: "a.txt", FileData: SecretBytes("x")},
			`{"stapler-class":"` + ClassSecretFile + `","id":"f","file":"file0"}`,
			&Credential{ID: "f", Scope: ScopeGlobal, Kind: KindSecretFile, FileName: "a.txt", FileData: SecretBytes("x")}},
		{"a blank key and passphrase are kept",
			&Credential{ID: "s", Scope: ScopeGlobal, Kind: KindSSHKey, Username: "git", PrivateKey: Secret(k.encrypted), Passphrase: Secret(k.passphrase)},
			`{"stapler-class":"` + ClassSSHKey + `","id":"s","username":"deploy","passphrase":"","privateKeySource":{"privateKey":""}}`,
			&Credential{ID: "s", Scope: ScopeGlobal, Kind: KindSSHKey, Username: "deploy", PrivateKey: Secret(k.encrypted), Passphrase: Secret(k.passphrase)}},
		{"a new plain key takes the stored passphrase, which it does not need",
			&Credential{ID: "s", Scope: ScopeGlobal, Kind: KindSSHKey, Username: "git", PrivateKey: Secret(k.encrypted), Passphrase: Secret(k.passphrase)},
			`{"stapler-class":"` + ClassSSHKey + `","id":"s","username":"git","privateKeySource":{"privateKey":` + string(keyJSON) + `}}`,
			&Credential{ID: "s", Scope: ScopeGlobal, Kind: KindSSHKey, Username: "git", PrivateKey: Secret(k.ed25519), Passphrase: Secret(k.passphrase)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			posted, err := p.ParseJSON([]byte(c.form), func(string) (string, []byte, bool) { return "", nil, false })
			if err != nil {
				t.Fatal(err)
			}
			got, err := Merge(c.stored, posted)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got  %s\nwant %s", dump(got), dump(c.want))
			}
		})
	}
	t.Run("a blank field with nothing stored is refused", func(t *testing.T) {
		posted, err := p.ParseJSON([]byte(`{"stapler-class":"`+ClassSecretText+`","id":"t","secret":""}`), nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Merge(nil, posted); !errors.Is(err, ErrInvalid) {
			t.Fatalf("Merge = %v", err)
		}
	})
	t.Run("without KeepBlank a blank key is refused at once", func(t *testing.T) {
		_, err := ParseJSON([]byte(`{"stapler-class":"`+ClassSSHKey+`","id":"s","privateKeySource":{"privateKey":""}}`), nil)
		if !errors.Is(err, ErrInvalid) {
			t.Fatalf("ParseJSON = %v", err)
		}
	})
}

func TestParseStoreXML(t *testing.T) {
	t.Run("a Jenkins-written file: every encrypted value and unknown type is a problem", func(t *testing.T) {
		sf, err := ParseStoreXML(readFile(t, "jenkins-credentials.xml"))
		if err != nil {
			t.Fatal(err)
		}
		if len(sf.Domains) != 1 || sf.Domains[0].Name != "" || len(sf.Domains[0].Credentials) != 0 {
			t.Errorf("domains %+v", sf.Domains)
		}
		want := []string{`credential "deploy"`, `credential "gh-token"`, `credential "kubeconfig"`, `credential "cert"`}
		if len(sf.Problems) != len(want) {
			t.Fatalf("problems %v", sf.Problems)
		}
		for i, w := range want {
			if !strings.Contains(sf.Problems[i].Error(), w) {
				t.Errorf("problem %q does not name %s", sf.Problems[i], w)
			}
		}
		if !errors.Is(sf.Problems[0], ErrJenkinsEncrypted) || !strings.Contains(sf.Problems[3].Error(), "unknown credential type") {
			t.Errorf("problems %v", sf.Problems)
		}
	})
	t.Run("a provisioned file in clear text, with a named domain", func(t *testing.T) {
		sf, err := ParseStoreXML(readFile(t, "provisioned-credentials.xml"))
		if err != nil {
			t.Fatal(err)
		}
		if len(sf.Domains) != 2 {
			t.Fatalf("%d domains", len(sf.Domains))
		}
		g, p := sf.Domains[0], sf.Domains[1]
		if len(g.Credentials) != 3 || g.Credentials[0].Password != "s3cret & more" || g.Credentials[1].Scope != ScopeSystem || string(g.Credentials[2].FileData) != "apiVersion: v1\n" {
			t.Errorf("global domain %+v", g.Credentials)
		}
		if p.Name != "production" || p.Description != "Production hosts" || len(p.Credentials) != 1 {
			t.Errorf("named domain %+v", p)
		}
		if len(sf.Problems) != 1 || !strings.Contains(sf.Problems[0].Error(), `credential "bad/id"`) {
			t.Errorf("problems %v", sf.Problems)
		}
	})
	t.Run("another document is refused", func(t *testing.T) {
		if _, err := ParseStoreXML([]byte("<project/>")); err == nil || !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseStoreXML = %v", err)
		}
	})
}

func TestDisplayName(t *testing.T) {
	uuid := "0b9f1a3c-1d2e-4f50-8a6b-7c8d9e0f1a2b"
	cases := []struct {
		name string
		c    Credential
		want string
	}{
		{"username/password", Credential{ID: "i", Kind: KindUsernamePassword, Username: "bob", Description: "d"}, "bob/****** (d)"},
		{"username/password without a description", Credential{ID: "i", Kind: KindUsernamePassword, Username: "bob", Description: "  "}, "bob/******"},
		{"a secret username shows the description", Credential{ID: "i", Kind: KindUsernamePassword, Username: "bob", UsernameSecret: true, Description: "d"}, "d"},
		{"a secret username without a description shows the id", Credential{ID: "i", Kind: KindUsernamePassword, Username: "bob", UsernameSecret: true}, "i"},
		{"an SSH key", Credential{ID: "i", Kind: KindSSHKey, Username: "git", Description: "d"}, "git (d)"},
		{"an SSH key with a secret username", Credential{ID: "i", Kind: KindSSHKey, Username: "git", UsernameSecret: true, Description: "d"}, "d"},
		{"secret text with a description", Credential{ID: "i", Kind: KindSecretText, Description: " d "}, "d"},
		{"secret text named by its id", Credential{ID: "gh-token", Kind: KindSecretText}, "gh-token"},
		{"secret text with a UUID id", Credential{ID: uuid, Kind: KindSecretText}, "Secret text"},
		{"a secret file", Credential{ID: "i", Kind: KindSecretFile, FileName: "config", Description: "kube"}, "config (kube)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.c.DisplayName(); got != c.want {
				t.Errorf("DisplayName = %q, want %q", got, c.want)
			}
		})
	}
}

func TestSummary(t *testing.T) {
	c := &Credential{ID: "deploy", Scope: ScopeSystem, Kind: KindUsernamePassword, Username: "deployer", Password: "pw", Description: "d"}
	b, err := json.Marshal(c.Summary(GlobalDomainFullName))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Description":"d","DisplayName":"deployer/****** (d)","Fingerprint":null,"FullName":"system/_/deploy","ID":"deploy","TypeName":"Username with password"}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}

func TestSecretsDoNotLeak(t *testing.T) {
	c := &Credential{ID: "x", Scope: ScopeGlobal, Kind: KindSecretFile, FileName: "f", FileData: SecretBytes("file-s3cret"), Password: "pw-s3cret"}
	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("m", "c", c, "p", c.Password, "f", c.FileData)
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("m", "c", c, "p", c.Password, "f", c.FileData)
	js, _ := json.Marshal(c)
	outs := map[string]string{
		"%v": fmt.Sprintf("%v", c), "%+v": fmt.Sprintf("%+v", c), "%#v": fmt.Sprintf("%#v", c),
		"%s": fmt.Sprintf("%s", c.Password), "%q": fmt.Sprintf("%q", c.Password), "%x": fmt.Sprintf("%x %x", c.Password, c.FileData),
		"%d": fmt.Sprintf("%d", c.FileData), "json": string(js), "slog": logs.String(),
	}
	for how, out := range outs {
		for _, s := range []string{"s3cret", hexOf("s3cret"), "102 105 108 101"} {
			if strings.Contains(out, s) {
				t.Errorf("%s shows %q: %s", how, s, out)
			}
		}
	}
}

func hexOf(s string) string { return fmt.Sprintf("%x", []byte(s)) }

func TestValidID(t *testing.T) {
	cases := []struct {
		id string
		ok bool
	}{
		{"deploy", true}, {"a.b_c-D9", true}, {"0b9f1a3c-1d2e-4f50-8a6b-7c8d9e0f1a2b", true}, {".hidden", true},
		{"", false}, {".", false}, {"..", false}, {"a/b", false}, {`a\b`, false}, {"a b", false}, {"a%2Fb", false},
		{"é", false}, {"a\x00", false}, {strings.Repeat("a", MaxIDLen), true}, {strings.Repeat("a", MaxIDLen+1), false},
	}
	for _, c := range cases {
		t.Run(strconv.Quote(c.id), func(t *testing.T) {
			if err := ValidID(c.id); (err == nil) != c.ok {
				t.Errorf("ValidID = %v, want ok %v", err, c.ok)
			}
		})
	}
}

func TestSeal(t *testing.T) {
	k := getKeys(t)
	ring, err := secret.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	all := []*Credential{
		{ID: "up", Scope: ScopeGlobal, Kind: KindUsernamePassword, Username: "u", Password: "pw", Description: "d"},
		{ID: "st", Scope: ScopeSystem, Kind: KindSecretText, Secret: "tok"},
		{ID: "fi", Scope: ScopeGlobal, Kind: KindSecretFile, FileName: "f", FileData: SecretBytes{0, 1, 2}},
		{ID: "em", Scope: ScopeGlobal, Kind: KindSecretFile, FileName: "empty", FileData: SecretBytes{}},
		{ID: "sk", Scope: ScopeGlobal, Kind: KindSSHKey, Username: "git", UsernameSecret: true, PrivateKey: Secret(k.encrypted), Passphrase: Secret(k.passphrase)},
	}
	for _, c := range all {
		t.Run("a "+c.Kind.TypeName()+" round-trips and keeps no secret in clear", func(t *testing.T) {
			r, err := c.Seal(ring, GlobalDomainFullName)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range []string{c.Password.Reveal(), c.Secret.Reveal(), c.PrivateKey.Reveal()[:min(40, len(c.PrivateKey))], c.Passphrase.Reveal()} {
				if s != "" && bytes.Contains(r.Secrets, []byte(s)) {
					t.Errorf("the sealed record holds %q", s)
				}
			}
			got, err := r.Open(ring, GlobalDomainFullName)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c) {
				t.Errorf("got  %s\nwant %s", dump(got), dump(c))
			}
		})
	}
	r, _ := all[1].Seal(ring, GlobalDomainFullName)
	tamper := []struct {
		name string
		edit func(*Sealed) string
	}{
		{"its scope is changed", func(r *Sealed) string { r.Scope = ScopeGlobal; return GlobalDomainFullName }},
		{"it is renamed", func(r *Sealed) string { r.ID = "other"; return GlobalDomainFullName }},
		{"it is read in another domain", func(r *Sealed) string { return "system/production" }},
		{"its secrets are another record's", func(r *Sealed) string {
			o, _ := all[0].Seal(ring, GlobalDomainFullName)
			r.Secrets = o.Secrets
			return GlobalDomainFullName
		}},
	}
	for _, c := range tamper {
		t.Run("a record does not open when "+c.name, func(t *testing.T) {
			cp := *r
			domain := c.edit(&cp)
			if _, err := cp.Open(ring, domain); !errors.Is(err, secret.ErrDecrypt) {
				t.Errorf("Open = %v, want ErrDecrypt", err)
			}
		})
	}
	t.Run("rotation reseals a record with its AD", func(t *testing.T) {
		if _, err := ring.Rotate(); err != nil {
			t.Fatal(err)
		}
		cp := *r
		out, changed, err := ring.Reseal(cp.Secrets, cp.AD(GlobalDomainFullName))
		if err != nil || !changed {
			t.Fatalf("Reseal = %v, %v", changed, err)
		}
		cp.Secrets = out
		ring.Retire(1)
		if got, err := cp.Open(ring, GlobalDomainFullName); err != nil || got.Secret != "tok" {
			t.Errorf("Open after rotation = %v", err)
		}
	})
	t.Run("an invalid credential is not sealed", func(t *testing.T) {
		if _, err := (&Credential{ID: "a/b", Scope: ScopeGlobal, Kind: KindSecretText}).Seal(ring, GlobalDomainFullName); !errors.Is(err, ErrInvalid) {
			t.Errorf("Seal = %v", err)
		}
	})
}

// FuzzParseXML checks that any document is either refused with an
// ErrInvalid or read into a credential whose redacted XML reads back into
// the same credential once merged with it.
func FuzzParseXML(f *testing.F) {
	for _, name := range []string{"create-usernamepassword.xml", "create-string.xml", "create-file.xml", "redacted-ssh.xml", "redacted-file.xml"} {
		f.Add(readFile(f, name))
	}
	f.Add([]byte("<org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl><id>a</id><secret>{AQAAABAAAAAQbaFhrTkqFXtQHMjtvV1+H6nJ6nFJxahWiVE67g5x1GE=}</secret></org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl>"))
	f.Fuzz(func(t *testing.T, doc []byte) {
		c, err := ParseXML(doc)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		if len(c.Redacted) > 0 {
			return
		}
		back, err := ParseXML(RenderXML(c))
		if err != nil {
			t.Fatalf("the rendered XML does not parse: %v\n%s", err, RenderXML(c))
		}
		merged, err := Merge(c, back)
		if err != nil {
			t.Fatalf("Merge: %v", err)
		}
		if !reflect.DeepEqual(merged, c) {
			t.Fatalf("round trip: got %s\nwant %s", dump(merged), dump(c))
		}
	})
}
