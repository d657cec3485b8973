package configxml

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/jxml"
)

// RedactedDefault is what jeeves serves in place of a password
// parameter's default value. Jenkins keeps the default encrypted
// (hudson.util.Secret) and serves only the ciphertext, "{AQAAAB…}", which
// it decrypts when the document is posted back; jeeves has no key yet,
// so it serves this placeholder, and a document posted with it keeps the
// default stored for the same parameter (Restore).
const RedactedDefault = "{jeeves-redacted-password-default}"

const passwordClass = "hudson.model.PasswordParameterDefinition"

// RedactedDefaultError is the error Restore returns when a document
// holds RedactedDefault for a parameter that has no stored default to
// stand for.
type RedactedDefaultError struct {
	Param string // the parameter's name
}

// Error says which parameter, and what to send instead.
func (e *RedactedDefaultError) Error() string {
	return "the default of password parameter " + e.Param + " is " + RedactedDefault +
		", which jeeves serves in place of a stored password, and this item has none stored for " + e.Param + ": send the value itself"
}

// secretSpan is the content of one password parameter default in a
// document, between <defaultValue> and </defaultValue>.
type secretSpan struct {
	param      string // the parameter's name
	start, end int    // byte offsets of the content in the document
	text       string // the content's text
}

// secretSpans finds the default of every password parameter definition
// in data, wherever it is in the document (an element named
// hudson.model.PasswordParameterDefinition, or with that class
// attribute): the content of each child element whose name starts with
// defaultValue, which also covers Jenkins's defaultValueAsSecret.
//
// It reads the document as Parse does, on a copy whose rewrites keep
// every byte where it was, so that the offsets are data's own.
func secretSpans(data []byte) ([]secretSpan, error) {
	if !bytes.Contains(data, []byte(passwordClass)) {
		return nil, nil
	}
	if bytes.HasPrefix(data, []byte{0xFE, 0xFF}) || bytes.HasPrefix(data, []byte{0xFF, 0xFE}) {
		return nil, errors.New("the document is UTF-16; config.xml must be UTF-8")
	}
	doc := bytes.Clone(data)
	bom := 0
	if bytes.HasPrefix(doc, []byte("\uFEFF")) {
		bom = len("\uFEFF")
		doc = doc[bom:]
	}
	start := len(doc) - len(bytes.TrimLeft(doc, " \t\r\n"))
	if loc := versionRE.FindIndex(doc[start:]); loc != nil {
		doc[start+loc[1]-2] = '0' // 1.1 -> 1.0, as prepare does
	}
	// encoding/xml refuses references to control characters, which XML
	// 1.1 allows: each becomes a reference to a tab of the same length.
	jxml.EachControlRef(doc, func(s, e int) {
		copy(doc[s:e], "&#"+strings.Repeat("0", e-s-4)+"9;")
	})
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.CharsetReader = charsetReader
	var (
		spans []secretSpan
		depth int
		// Inside a password parameter definition: its depth (0: not
		// inside one), its name, and its defaults found so far.
		param    int
		name     *strings.Builder
		defaults []secretSpan
		// Inside one of its direct children: which (a default, its name).
		inDefault, inName bool
		text              strings.Builder
		last              int64 // the offset after the previous token
	)
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			return spans, nil
		}
		if err != nil {
			return nil, err
		}
		off := d.InputOffset()
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch {
			case param == 0 && isPasswordParam(t):
				param, name, defaults = depth, &strings.Builder{}, nil
			case param != 0 && depth == param+1 && strings.HasPrefix(fullName(t.Name), "defaultValue"):
				inDefault = true
				text.Reset()
				defaults = append(defaults, secretSpan{start: bom + int(off)})
			case param != 0 && depth == param+1 && fullName(t.Name) == "name":
				inName = true
			}
		case xml.EndElement:
			switch {
			case param != 0 && depth == param+1 && inDefault:
				inDefault = false
				sp := &defaults[len(defaults)-1]
				sp.end, sp.text = bom+int(last), text.String()
			case param != 0 && depth == param+1 && inName:
				inName = false
			case depth == param:
				for _, sp := range defaults {
					sp.param = name.String()
					spans = append(spans, sp)
				}
				param = 0
			}
			depth--
		case xml.CharData:
			switch {
			case inDefault:
				text.Write(t)
			case inName && depth == param+1:
				name.Write(t)
			}
		}
		last = off
	}
}

// isPasswordParam reports whether an element is a password parameter
// definition, by its name or by XStream's class attribute.
func isPasswordParam(t xml.StartElement) bool {
	if fullName(t.Name) == passwordClass {
		return true
	}
	for _, a := range t.Attr {
		if a.Name.Space == "" && a.Name.Local == "class" && a.Value == passwordClass {
			return true
		}
	}
	return false
}

// Redact returns data with the default of every password parameter
// replaced by RedactedDefault, and every other byte as it was. An empty
// default is left empty: it hides nothing. A document without password
// parameters is returned as is, without being read.
func Redact(data []byte) ([]byte, error) {
	spans, err := secretSpans(data)
	if err != nil {
		return nil, err
	}
	var out []byte
	last := 0
	for _, sp := range spans {
		if sp.text == "" {
			continue
		}
		out = append(out, data[last:sp.start]...)
		out = append(out, RedactedDefault...)
		last = sp.end
	}
	if out == nil {
		return data, nil
	}
	return append(out, data[last:]...), nil
}

// Restore undoes Redact on a posted document: every password default
// that is RedactedDefault (white space around it aside) is replaced by
// the default stored for the parameter of the same name in stored (the
// document it stands for; nil for a new item), written as it was stored.
// The n-th parameter of a name matches the n-th stored one. It returns a
// *RedactedDefaultError when a placeholder has no stored default to
// stand for, and posted unchanged
// when posted cannot be read (Parse then says why). posted itself is
// never modified.
func Restore(posted, stored []byte) ([]byte, error) {
	if !bytes.Contains(posted, []byte(RedactedDefault)) {
		return posted, nil
	}
	spans, err := secretSpans(posted)
	if err != nil {
		return posted, nil
	}
	old, err := secretSpans(stored)
	if err != nil {
		old = nil
	}
	seen := map[string]int{}
	var out []byte
	last := 0
	for _, sp := range spans {
		n := seen[sp.param]
		seen[sp.param]++
		if strings.TrimSpace(sp.text) != RedactedDefault {
			continue
		}
		var match *secretSpan
		for i := range old {
			if old[i].param != sp.param {
				continue
			}
			if n == 0 {
				match = &old[i]
				break
			}
			n--
		}
		if match == nil {
			return nil, &RedactedDefaultError{Param: sp.param}
		}
		out = append(out, posted[last:sp.start]...)
		out = append(out, stored[match.start:match.end]...)
		last = sp.end
	}
	if out == nil {
		return posted, nil
	}
	return append(out, posted[last:]...), nil
}
