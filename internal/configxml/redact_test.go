package configxml

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/model"
)

// pwParam is a password parameter definition named name with a default
// whose content is written as content.
func pwParam(name, content string) string {
	return "<hudson.model.PasswordParameterDefinition><name>" + name + "</name><defaultValue>" + content +
		"</defaultValue></hudson.model.PasswordParameterDefinition>"
}

func pwDoc(params ...string) string {
	return "<?xml version='1.1' encoding='UTF-8'?>\n<project><properties><hudson.model.ParametersDefinitionProperty><parameterDefinitions>" +
		strings.Join(params, "") + "</parameterDefinitions></hudson.model.ParametersDefinitionProperty></properties></project>"
}

func TestRedact(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"a plain default is replaced, the rest kept byte for byte",
			pwDoc(pwParam("PW", "s3cret")), pwDoc(pwParam("PW", RedactedDefault))},
		{"a default with entities and a CDATA section is replaced whole",
			pwDoc(pwParam("PW", "a&amp;b<![CDATA[<c>]]>")), pwDoc(pwParam("PW", RedactedDefault))},
		{"a default holding a control character reference is replaced, and the offsets stay right",
			pwDoc(pwParam("A&#x1b;", "x&#27;y"), pwParam("B", "z")), pwDoc(pwParam("A&#x1b;", RedactedDefault), pwParam("B", RedactedDefault))},
		{"a byte order mark does not shift the offsets",
			"\uFEFF" + pwDoc(pwParam("PW", "s3cret")), "\uFEFF" + pwDoc(pwParam("PW", RedactedDefault))},
		{"an empty default stays empty",
			pwDoc(pwParam("PW", "")), pwDoc(pwParam("PW", ""))},
		{"a self-closing default stays",
			pwDoc("<hudson.model.PasswordParameterDefinition><name>PW</name><defaultValue/></hudson.model.PasswordParameterDefinition>"),
			pwDoc("<hudson.model.PasswordParameterDefinition><name>PW</name><defaultValue/></hudson.model.PasswordParameterDefinition>")},
		{"a definition named by its class attribute is redacted too, and defaultValueAsSecret",
			`<project><x class="hudson.model.PasswordParameterDefinition"><name>PW</name><defaultValueAsSecret>s</defaultValueAsSecret></x></project>`,
			`<project><x class="hudson.model.PasswordParameterDefinition"><name>PW</name><defaultValueAsSecret>` + RedactedDefault + `</defaultValueAsSecret></x></project>`},
		{"a string parameter's default is not a secret",
			pwDoc("<hudson.model.StringParameterDefinition><name>S</name><defaultValue>v</defaultValue></hudson.model.StringParameterDefinition>", pwParam("PW", "p")),
			pwDoc("<hudson.model.StringParameterDefinition><name>S</name><defaultValue>v</defaultValue></hudson.model.StringParameterDefinition>", pwParam("PW", RedactedDefault))},
		{"a document without password parameters is returned as is",
			"<project><description>PasswordParameterDefinition</description></project>", "<project><description>PasswordParameterDefinition</description></project>"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Redact([]byte(c.in))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.want {
				t.Fatalf("got\n%s\nwant\n%s", got, c.want)
			}
			back, err := Restore(got, []byte(c.in))
			if err != nil {
				t.Fatal(err)
			}
			if string(back) != c.in {
				t.Fatalf("Restore(Redact(x), x) =\n%s\nwant\n%s", back, c.in)
			}
		})
	}
}

func TestRestore(t *testing.T) {
	stored := pwDoc(pwParam("A", "alpha"), pwParam("B", "&lt;beta&gt;"))
	cases := []struct {
		name, posted, want, stored, refused string
	}{
		{"each placeholder takes the stored default of its parameter, as stored",
			pwDoc(pwParam("B", RedactedDefault), pwParam("A", " "+RedactedDefault+"\n")), pwDoc(pwParam("B", "&lt;beta&gt;"), pwParam("A", "alpha")), stored, ""},
		{"a default given in clear is kept",
			pwDoc(pwParam("A", "new"), pwParam("B", RedactedDefault)), pwDoc(pwParam("A", "new"), pwParam("B", "&lt;beta&gt;")), stored, ""},
		{"a placeholder for a parameter not stored is refused, naming it",
			pwDoc(pwParam("C", RedactedDefault)), "", stored, "C"},
		{"a placeholder in a new item is refused",
			pwDoc(pwParam("A", RedactedDefault)), "", "", "A"},
		{"the placeholder outside a password default is text like any other",
			"<project><description>" + RedactedDefault + "</description></project>", "<project><description>" + RedactedDefault + "</description></project>", "", ""},
		{"a document that cannot be read is returned as posted",
			"<project><description>" + RedactedDefault + "</project>", "<project><description>" + RedactedDefault + "</project>", stored, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			posted := []byte(c.posted)
			got, err := Restore(posted, []byte(c.stored))
			if string(posted) != c.posted {
				t.Fatal("Restore modified the posted document")
			}
			if c.refused != "" {
				var re *RedactedDefaultError
				if !errors.As(err, &re) || re.Param != c.refused || !strings.Contains(err.Error(), c.refused) {
					t.Fatalf("want a refusal naming %s, got %v", c.refused, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.want {
				t.Fatalf("got\n%s\nwant\n%s", got, c.want)
			}
		})
	}
}

// FuzzRedact: a redacted document holds no password default but the
// placeholder, reads as the original otherwise, and Restore against the
// original gives the original back byte for byte.
func FuzzRedact(f *testing.F) {
	f.Add([]byte(pwDoc(pwParam("PW", "s3cret"), pwParam("PW", "again"))))
	f.Add([]byte(pwDoc(pwParam("A&#x1b;", "x&#27;y<!-- c -->"))))
	f.Add([]byte("\uFEFF" + pwDoc(pwParam("PW", "<![CDATA[x]]>"))))
	f.Add(Render(&model.JobConfig{Params: []model.ParamDef{{Kind: model.ParamPassword, Name: "PW", Default: "s"}}}))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data)
		if err != nil {
			return
		}
		red, err := Redact(data)
		if err != nil {
			t.Fatalf("Parse reads it, Redact does not: %v", err)
		}
		spans, err := secretSpans(red)
		if err != nil {
			t.Fatalf("the redacted document cannot be read: %v", err)
		}
		for _, sp := range spans {
			if sp.text != "" && sp.text != RedactedDefault {
				t.Fatalf("a default is left: %q", sp.text)
			}
		}
		rcfg, err := Parse(red)
		if err != nil {
			t.Fatalf("the redacted document does not parse: %v", err)
		}
		if len(rcfg.Params) != len(cfg.Params) {
			t.Fatalf("the redacted document has %d parameters, want %d", len(rcfg.Params), len(cfg.Params))
		}
		back, err := Restore(red, data)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(back, data) {
			t.Fatalf("Restore(Redact(x), x) =\n%q\nwant\n%q", back, data)
		}
	})
}
