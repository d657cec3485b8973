package binding

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/jeeves-ci/jeeves/internal/credentials"
	"github.com/jeeves-ci/jeeves/internal/mask"
)

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParse(t *testing.T) {
	t.Run("it reads the wrapper Jenkins writes", func(t *testing.T) {
		got, err := Parse(readFile(t, "jenkins-wrapper.xml"))
		if err != nil {
			t.Fatal(err)
		}
		want := []Binding{
			{Class: ClassUsernamePasswordMulti, CredentialsID: "deploy", UsernameVariable: "DB_USER", PasswordVariable: "DB_PASS"},
			{Class: ClassString, CredentialsID: "gh-token", Variable: "GH_TOKEN"},
			{Class: ClassSSHUserPrivateKey, CredentialsID: "github-ssh", KeyFileVariable: "KEY_FILE", UsernameVariable: "SSH_USER", PassphraseVariable: "SSH_PASS"},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got  %+v\nwant %+v", got, want)
		}
	})
	t.Run("it finds the wrapper in a JJB config.xml with credentialsId last", func(t *testing.T) {
		got, err := FromConfigXML(readFile(t, "jjb-config.xml"))
		if err != nil {
			t.Fatal(err)
		}
		want := []Binding{
			{Class: ClassZipFile, CredentialsID: "zip-id", Variable: "CONFIG_ZIP"},
			{Class: ClassFile, CredentialsID: "file-id", Variable: "config_file"},
			{Class: ClassUsernamePassword, CredentialsID: "up-id", Variable: "config_username_password"},
			{Class: ClassString, CredentialsID: "text-id", Variable: "config_text"},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got  %+v\nwant %+v", got, want)
		}
		if got[0].Supported() || !got[1].Supported() {
			t.Error("Supported is wrong")
		}
	})
	t.Run("a config.xml without the wrapper has no bindings", func(t *testing.T) {
		got, err := FromConfigXML([]byte("<project><buildWrappers/></project>"))
		if err != nil || got != nil {
			t.Errorf("FromConfigXML = %v, %v", got, err)
		}
	})
	t.Run("Render writes what Parse reads", func(t *testing.T) {
		in, _ := Parse(readFile(t, "jenkins-wrapper.xml"))
		out := Render(in, 2)
		if !bytes.HasPrefix(out, []byte("    <"+WrapperClass)) {
			t.Errorf("not indented: %s", out)
		}
		back, err := Parse(out)
		if err != nil || !reflect.DeepEqual(back, in) {
			t.Errorf("Parse(Render) = %+v, %v\n%s", back, err, out)
		}
		if empty, err := Parse(Render(nil, 0)); err != nil || empty != nil {
			t.Errorf("Parse(Render(nil)) = %v, %v", empty, err)
		}
	})
	bad := []struct {
		name, doc, want string
	}{
		{"malformed XML", "<a>", "malformed XML"},
		{"another element", "<x/>", "is not a"},
		{"an unknown binding", wrap("<com.example.Binding><credentialsId>a</credentialsId></com.example.Binding>"), "unknown binding <com.example.Binding>"},
		{"a binding without credentialsId", wrap(item(ClassString, "<variable>V</variable>")), "StringBinding has no <credentialsId>"},
		{"a binding without its variable", wrap(item(ClassString, "<credentialsId>a</credentialsId>")), "has no <variable>"},
		{"a multi-binding without its password variable", wrap(item(ClassUsernamePasswordMulti, "<credentialsId>a</credentialsId><usernameVariable>U</usernameVariable>")), "has no <passwordVariable>"},
		{"an unknown field", wrap(item(ClassString, "<credentialsId>a</credentialsId><variable>V</variable><var>W</var>")), "unknown element <var>"},
		{"a field of another binding", wrap(item(ClassString, "<credentialsId>a</credentialsId><variable>V</variable><keyFileVariable>K</keyFileVariable>")), "unknown element <keyFileVariable>"},
		{"a repeated field", wrap(item(ClassString, "<credentialsId>a</credentialsId><variable>V</variable><variable>W</variable>")), "appears twice"},
		{"a variable name with =", wrap(item(ClassString, "<credentialsId>a</credentialsId><variable>A=B</variable>")), "not a usable environment variable name"},
		{"a variable name with a blank", wrap(item(ClassString, "<credentialsId>a</credentialsId><variable>A B</variable>")), "not a usable environment variable name"},
		{"too many bindings", wrap(strings.Repeat(item(ClassString, "<credentialsId>a</credentialsId><variable>V</variable>"), MaxBindings+1)), "the limit is 100"},
	}
	for _, c := range bad {
		t.Run("it refuses "+c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.doc))
			if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Parse = %v, want an ErrInvalid saying %q", err, c.want)
			}
		})
	}
}

func wrap(inner string) string {
	return "<" + WrapperClass + "><bindings>" + inner + "</bindings></" + WrapperClass + ">"
}

func item(class, inner string) string { return "<" + class + ">" + inner + "</" + class + ">" }

// store is a lookup over fixed credentials.
type store map[string]*credentials.Credential

func (s store) lookup(id string) (*credentials.Credential, error) {
	if id == "broken" {
		return nil, errors.New("database is locked")
	}
	return s[id], nil
}

func testStore(t testing.TB) (store, string) {
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	b, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	key := string(pem.EncodeToMemory(b))
	return store{
		"deploy":     {ID: "deploy", Scope: credentials.ScopeGlobal, Kind: credentials.KindUsernamePassword, Username: "deployer", Password: "pa$$word"},
		"secretuser": {ID: "secretuser", Scope: credentials.ScopeGlobal, Kind: credentials.KindUsernamePassword, Username: "agent-007", UsernameSecret: true, Password: "pw"},
		"gh-token":   {ID: "gh-token", Scope: credentials.ScopeGlobal, Kind: credentials.KindSecretText, Secret: "ghp_0123456789"},
		"pin":        {ID: "pin", Scope: credentials.ScopeGlobal, Kind: credentials.KindSecretText, Secret: "42"},
		"system":     {ID: "system", Scope: credentials.ScopeSystem, Kind: credentials.KindSecretText, Secret: "agent-secret"},
		"kube":       {ID: "kube", Scope: credentials.ScopeGlobal, Kind: credentials.KindSecretFile, FileName: "config", FileData: credentials.SecretBytes("apiVersion: v1\ntoken: abcdef\n")},
		"blob":       {ID: "blob", Scope: credentials.ScopeGlobal, Kind: credentials.KindSecretFile, FileName: "b.bin", FileData: credentials.SecretBytes{0xff, 0xfe, 0, 1}},
		"ssh":        {ID: "ssh", Scope: credentials.ScopeGlobal, Kind: credentials.KindSSHKey, Username: "git", PrivateKey: credentials.Secret(key)},
		"ssh-pass":   {ID: "ssh-pass", Scope: credentials.ScopeGlobal, Kind: credentials.KindSSHKey, Username: "git", UsernameSecret: true, PrivateKey: credentials.Secret(key), Passphrase: "hunter22"},
	}, key
}

func TestBind(t *testing.T) {
	s, key := testStore(t)
	dir := Dir("/ws/job", "jenkins-job-7")
	if dir != "/ws/job@tmp/secretFiles/jenkins-job-7" {
		t.Fatalf("Dir = %s", dir)
	}
	// What is masked of a file or key leaves out the line end closing it.
	keyMasked := strings.TrimSuffix(key, "\n")
	cases := []struct {
		name      string
		bindings  []Binding
		env       []string
		files     []File
		secrets   []string
		sensitive []string
		warnings  int
	}{
		{"secret text", []Binding{{Class: ClassString, CredentialsID: "gh-token", Variable: "GH"}},
			[]string{"GH=ghp_0123456789"}, nil, []string{"ghp_0123456789"}, []string{"GH"}, 0},
		{"username and password conjoined, $ kept as it is", []Binding{{Class: ClassUsernamePassword, CredentialsID: "deploy", Variable: "UP"}},
			[]string{"UP=deployer:pa$$word"}, nil, []string{"deployer:pa$$word", "pa$$word"}, []string{"UP"}, 0},
		{"username and password separated, the username public", []Binding{{Class: ClassUsernamePasswordMulti, CredentialsID: "deploy", UsernameVariable: "U", PasswordVariable: "P"}},
			[]string{"U=deployer", "P=pa$$word"}, nil, []string{"pa$$word", "deployer:pa$$word"}, []string{"P"}, 0},
		{"a secret username and a short password", []Binding{{Class: ClassUsernamePasswordMulti, CredentialsID: "secretuser", UsernameVariable: "U", PasswordVariable: "P"}},
			[]string{"U=agent-007", "P=pw"}, nil, []string{"agent-007", "agent-007:pw"}, []string{"U", "P"}, 1},
		{"a secret file", []Binding{{Class: ClassFile, CredentialsID: "kube", Variable: "KUBECONFIG"}},
			[]string{"KUBECONFIG=" + dir + "/file0.tmp"},
			[]File{{Name: "file0.tmp", Path: dir + "/file0.tmp", Data: []byte("apiVersion: v1\ntoken: abcdef\n"), Mode: 0o400}},
			[]string{dir + "/file0.tmp", "apiVersion: v1\ntoken: abcdef"}, []string{"KUBECONFIG"}, 0},
		{"a binary secret file is not masked by content", []Binding{{Class: ClassFile, CredentialsID: "blob", Variable: "B"}},
			[]string{"B=" + dir + "/file0.tmp"},
			[]File{{Name: "file0.tmp", Path: dir + "/file0.tmp", Data: []byte{0xff, 0xfe, 0, 1}, Mode: 0o400}},
			[]string{dir + "/file0.tmp"}, []string{"B"}, 0},
		{"an SSH key with every variable", []Binding{{Class: ClassSSHUserPrivateKey, CredentialsID: "ssh-pass", KeyFileVariable: "K", UsernameVariable: "U", PassphraseVariable: "PP"}},
			[]string{"K=" + dir + "/file0.tmp", "PP=hunter22", "U=git"},
			[]File{{Name: "file0.tmp", Path: dir + "/file0.tmp", Data: []byte(key + "\n"), Mode: 0o400}},
			[]string{keyMasked, dir + "/file0.tmp", "hunter22", "git"}, []string{"K", "PP", "U"}, 0},
		{"an SSH key without a passphrase gives an empty one", []Binding{{Class: ClassSSHUserPrivateKey, CredentialsID: "ssh", KeyFileVariable: "K", PassphraseVariable: "PP", UsernameVariable: "U"}},
			[]string{"K=" + dir + "/file0.tmp", "PP=", "U=git"},
			[]File{{Name: "file0.tmp", Path: dir + "/file0.tmp", Data: []byte(key + "\n"), Mode: 0o400}},
			[]string{keyMasked, dir + "/file0.tmp"}, []string{"K", "PP"}, 0},
		{"two files get two names", []Binding{{Class: ClassFile, CredentialsID: "kube", Variable: "A"}, {Class: ClassSSHUserPrivateKey, CredentialsID: "ssh", KeyFileVariable: "K"}},
			[]string{"A=" + dir + "/file0.tmp", "K=" + dir + "/file1.tmp"},
			[]File{{Name: "file0.tmp", Path: dir + "/file0.tmp", Data: []byte("apiVersion: v1\ntoken: abcdef\n"), Mode: 0o400}, {Name: "file1.tmp", Path: dir + "/file1.tmp", Data: []byte(key + "\n"), Mode: 0o400}},
			[]string{dir + "/file0.tmp", "apiVersion: v1\ntoken: abcdef", keyMasked, dir + "/file1.tmp"}, []string{"A", "K"}, 0},
		{"a short secret is bound and not masked, with a warning", []Binding{{Class: ClassString, CredentialsID: "pin", Variable: "PIN"}},
			[]string{"PIN=42"}, nil, nil, []string{"PIN"}, 1},
		{"no bindings", nil, nil, nil, nil, nil, 0},
	}
	for _, c := range cases {
		t.Run("it binds "+c.name, func(t *testing.T) {
			p, err := Bind(c.bindings, dir, s.lookup)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(p.Env, c.env) {
				t.Errorf("Env = %q, want %q", p.Env, c.env)
			}
			if !reflect.DeepEqual(p.Files, c.files) {
				t.Errorf("Files = %+v, want %+v", p.Files, c.files)
			}
			if !reflect.DeepEqual(p.Secrets, c.secrets) {
				t.Errorf("Secrets = %q, want %q", p.Secrets, c.secrets)
			}
			if !reflect.DeepEqual(p.Sensitive, c.sensitive) {
				t.Errorf("Sensitive = %q, want %q", p.Sensitive, c.sensitive)
			}
			if len(p.Warnings) != c.warnings {
				t.Errorf("Warnings = %q", p.Warnings)
			}
			for _, w := range p.Warnings {
				for _, kv := range c.env {
					if v := kv[strings.IndexByte(kv, '=')+1:]; v != "" && strings.Contains(w, "="+v) {
						t.Errorf("warning %q shows a value", w)
					}
				}
			}
		})
	}
	bad := []struct {
		name    string
		binding Binding
		want    string
	}{
		{"a missing credential", Binding{Class: ClassString, CredentialsID: "nope", Variable: "V"}, "Could not find credentials entry with ID 'nope'"},
		{"a SYSTEM credential", Binding{Class: ClassString, CredentialsID: "system", Variable: "V"}, "Could not find credentials entry with ID 'system'"},
		{"a credential of the wrong type", Binding{Class: ClassString, CredentialsID: "deploy", Variable: "V"}, "Credentials 'deploy' is of type 'Username with password' where 'org.jenkinsci.plugins.plaincredentials.StringCredentials' was expected"},
		{"an SSH binding over secret text", Binding{Class: ClassSSHUserPrivateKey, CredentialsID: "gh-token", KeyFileVariable: "K"}, "Credentials 'gh-token' is of type 'Secret text' where 'com.cloudbees.jenkins.plugins.sshcredentials.SSHUserPrivateKey' was expected"},
		{"a zip file binding", Binding{Class: ClassZipFile, CredentialsID: "kube", Variable: "Z"}, "the binding ZipFileBinding (credentials 'kube') is not supported by jeeves"},
		{"a failing lookup", Binding{Class: ClassString, CredentialsID: "broken", Variable: "V"}, "credentials 'broken': database is locked"},
	}
	for _, c := range bad {
		t.Run("it refuses "+c.name, func(t *testing.T) {
			p, err := Bind([]Binding{{Class: ClassString, CredentialsID: "gh-token", Variable: "OK"}, c.binding}, dir, s.lookup)
			if err == nil || err.Error() != c.want {
				t.Fatalf("Bind = %+v, %v; want %q", p, err, c.want)
			}
		})
	}
	t.Run("its errors have types", func(t *testing.T) {
		_, err := Bind([]Binding{{Class: ClassString, CredentialsID: "nope", Variable: "V"}}, dir, s.lookup)
		var nf *NotFoundError
		if !errors.As(err, &nf) || nf.ID != "nope" {
			t.Errorf("%v is not a NotFoundError", err)
		}
		_, err = Bind([]Binding{{Class: ClassString, CredentialsID: "deploy", Variable: "V"}}, dir, s.lookup)
		var te *TypeError
		if !errors.As(err, &te) {
			t.Errorf("%v is not a TypeError", err)
		}
	})
}

// TestPlanMasksEverything runs a log that prints every bound value (and
// the curl -v header built from a username and password) through a
// masker fed with the plan's secrets.
func TestPlanMasksEverything(t *testing.T) {
	s, key := testStore(t)
	bindings := []Binding{
		{Class: ClassUsernamePasswordMulti, CredentialsID: "deploy", UsernameVariable: "U", PasswordVariable: "P"},
		{Class: ClassString, CredentialsID: "gh-token", Variable: "GH"},
		{Class: ClassSSHUserPrivateKey, CredentialsID: "ssh-pass", KeyFileVariable: "K", UsernameVariable: "SU", PassphraseVariable: "PP"},
		{Class: ClassFile, CredentialsID: "kube", Variable: "KC"},
	}
	p, err := Bind(bindings, Dir("/ws", "b1"), s.lookup)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	m := mask.NewMasker(&out, p.Secrets)
	lines := []string{
		"+ echo ghp_0123456789", "+ curl -u deployer:pa$$word", "> Authorization: Basic ZGVwbG95ZXI6cGEkJHdvcmQ=",
		"+ cat " + p.Files[0].Path, key, "apiVersion: v1\ntoken: abcdef\n", "passphrase hunter22",
		strings.Split(key, "\n")[2], "+ echo user is deployer",
	}
	for _, l := range lines {
		io.WriteString(m, l+"\n")
	}
	m.Close()
	for _, leak := range []string{"ghp_0123456789", "pa$$word", "ZGVwbG95ZXI6cGEkJHdvcmQ", "hunter22", "token: abcdef", strings.Split(key, "\n")[2], p.Files[0].Path} {
		if strings.Contains(out.String(), leak) {
			t.Errorf("the log shows %q:\n%s", leak, out.String())
		}
	}
	if !slices.Contains(p.Env, "U=deployer") || !strings.Contains(out.String(), "user is deployer") {
		t.Errorf("a public username should stay readable where it is alone")
	}
}

// BenchmarkBindThree is Bind for three bindings plus the masker for
// their secrets: what a build that binds three credentials pays before
// its first line.
func BenchmarkBindThree(b *testing.B) {
	s, _ := testStore(b)
	bindings := []Binding{
		{Class: ClassUsernamePasswordMulti, CredentialsID: "deploy", UsernameVariable: "U", PasswordVariable: "P"},
		{Class: ClassString, CredentialsID: "gh-token", Variable: "GH"},
		{Class: ClassSSHUserPrivateKey, CredentialsID: "ssh-pass", KeyFileVariable: "K", UsernameVariable: "SU", PassphraseVariable: "PP"},
	}
	for b.Loop() {
		p, err := Bind(bindings, "/ws@tmp/secretFiles/x", s.lookup)
		if err != nil {
			b.Fatal(err)
		}
		mask.NewMasker(io.Discard, p.Secrets)
	}
}

// BenchmarkBindNone is the same for a build without bindings.
func BenchmarkBindNone(b *testing.B) {
	for b.Loop() {
		p, _ := Bind(nil, "", nil)
		if mask.Needed(p.Secrets) {
			b.Fatal("nothing to mask")
		}
	}
}

// FuzzParse checks that Parse never fails other than with ErrInvalid, and
// that what it reads Render writes back the same.
func FuzzParse(f *testing.F) {
	f.Add(readFile(f, "jenkins-wrapper.xml"))
	f.Add([]byte(wrap(item(ClassFile, "<variable>F</variable><credentialsId>x</credentialsId>"))))
	f.Fuzz(func(t *testing.T, doc []byte) {
		tm := time.AfterFunc(10*time.Second, func() { panic(fmt.Sprintf("slow input %q", doc)) })
		defer tm.Stop()
		bs, err := Parse(doc)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		back, err := Parse(Render(bs, 0))
		if err != nil || !reflect.DeepEqual(back, bs) {
			t.Fatalf("Parse(Render) = %+v, %v; want %+v", back, err, bs)
		}
	})
}

func TestCredentialKind(t *testing.T) {
	for _, c := range []struct {
		class string
		kind  credentials.Kind
		ok    bool
	}{
		{ClassString, credentials.KindSecretText, true},
		{ClassUsernamePassword, credentials.KindUsernamePassword, true},
		{ClassUsernamePasswordMulti, credentials.KindUsernamePassword, true},
		{ClassFile, credentials.KindSecretFile, true},
		{ClassSSHUserPrivateKey, credentials.KindSSHKey, true},
		{ClassZipFile, credentials.KindSecretFile, false},
		{"com.example.Binding", "", false},
	} {
		t.Run(short(c.class)+" takes "+string(c.kind), func(t *testing.T) {
			if kind, ok := CredentialKind(c.class); kind != c.kind || ok != c.ok {
				t.Errorf("CredentialKind = %q, %v; want %q, %v", kind, ok, c.kind, c.ok)
			}
		})
	}
}
