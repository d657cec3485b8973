package mask

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
)

// MinLen is the shortest secret, and the shortest form of one, that is
// masked. Shorter ones are left as they are: masking every "a" or "42"
// in a log would make it unreadable, and a one- or two-character secret
// is guessed in a few thousand tries whatever the log shows. Jenkins's
// credentials-binding plugin has the same bound
// (masking/SecretPatterns.java, MINIMUM_ENCODED_LENGTH); jeeves also
// tells the build's log which variables are not masked (see Maskable).
const MinLen = 3

// MaxEncodedLen is the longest secret whose base64 forms are all masked
// (every alignment, standard and URL-safe). Secrets up to MaxWrappedLen
// get only their standard base64 from their first byte, whole and
// wrapped, which is what tools print of a key or a file and keeps the
// matcher's set-up short. Longer secrets are masked literally, line by
// line and in their escaped forms.
const MaxEncodedLen = 1024

// MaxWrappedLen is the longest secret whose standard base64 (from its
// first byte) is masked: 8 KiB, room for an RSA 4096-bit private key
// with its passphrase (3.3 KB as PEM) or a secret file of that size.
const MaxWrappedLen = 8 << 10

// wrapWidths are the line lengths base64 tools wrap at: 76 (coreutils
// base64, without -w 0) and 64 (openssl base64, PEM).
var wrapWidths = [...]int{76, 64}

// minWrappedLine is the shortest line of a wrapped base64 form that is
// masked (see wrappedBase64Lines): 12 characters, 8 or 9 bytes of the
// secret.
const minWrappedLine = 12

// Maskable reports whether a secret is long enough to be masked.
func Maskable(secret string) bool { return len(secret) >= MinLen }

// Forms is every form of secret that a Masker replaces, longest first;
// nil for a secret shorter than MinLen. The forms are:
//
//   - the secret itself;
//   - as POSIX shells print it under "set -x": with each ' written '\”
//     (bash), the same wrapped in quotes, with ' written '"'"' (dash,
//     busybox), and with one level of backslashes removed;
//   - with each $ doubled and, if it has a ^, with one level of batch
//     ^-escapes removed (as Jenkins's credentials-binding masks them);
//   - URL-encoded (query and path escaping) and JSON-escaped (with and
//     without HTML escaping), when these differ from the secret;
//   - for secrets up to MaxEncodedLen (1 KiB), of one line or several,
//     standard and URL-safe base64 at each of the three byte alignments a
//     value can have inside a longer encoded text, padded, unpadded, and
//     without the last character when that also encodes the bytes that
//     follow; for secrets up to MaxWrappedLen (8 KiB), the standard
//     base64 from the secret's first byte (alignment 0) in these three
//     ways;
//   - for secrets up to MaxWrappedLen whose base64 is longer than a
//     wrapped line, each line of their standard base64 (alignment 0)
//     wrapped at 76 and at 64 characters (what "base64 FILE" and
//     "openssl base64" print), the last one also without its padding and
//     its last character, lines shorter than 12 characters left out;
//   - for a secret of several lines (a private key), each line with at
//     least MinLen characters once surrounding blanks are removed, except
//     PEM armour lines ("-----BEGIN …-----"), so that a key printed in
//     part, or re-wrapped, is still masked line by line.
//
// Forms shorter than MinLen are left out.
func Forms(secret string) []string {
	if !Maskable(secret) {
		return nil
	}
	var forms []string
	add := func(f string) {
		if len(f) >= MinLen {
			forms = append(forms, f)
		}
	}
	add(secret)
	quoted := strings.ReplaceAll(secret, "'", `'\''`)
	add(quoted)
	add("'" + quoted + "'")
	add(almquistQuoted(secret))
	add(unescape(secret, '\\'))
	if strings.Contains(secret, "$") {
		add(strings.ReplaceAll(secret, "$", "$$"))
	}
	if strings.Contains(secret, "^") {
		add(unescape(secret, '^'))
	}
	add(url.QueryEscape(secret))
	add(url.PathEscape(secret))
	add(jsonEscaped(secret, true))
	add(jsonEscaped(secret, false))
	if len(secret) <= MaxEncodedLen {
		for _, f := range base64Forms(secret) {
			add(f)
		}
	} else if len(secret) <= MaxWrappedLen {
		for _, f := range base64Aligned(secret) {
			add(f)
		}
	}
	if len(secret) <= MaxWrappedLen {
		for _, f := range wrappedBase64Lines(secret) {
			add(f)
		}
	}
	if strings.Contains(secret, "\n") {
		for line := range strings.SplitSeq(secret, "\n") {
			line = strings.TrimSpace(line)
			if strings.HasPrefix(line, "-----") {
				continue
			}
			add(line)
		}
	}
	slices.SortFunc(forms, func(a, b string) int {
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return strings.Compare(a, b)
	})
	return slices.Compact(forms)
}

// almquistQuoted is s as dash and busybox sh print it under set -x: each
// run of ' becomes '"…"'.
func almquistQuoted(s string) string {
	if !strings.Contains(s, "'") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\'' {
			b.WriteByte(s[i])
			continue
		}
		b.WriteString(`'"`)
		for ; i < len(s) && s[i] == '\''; i++ {
			b.WriteByte('\'')
		}
		i--
		b.WriteString(`"'`)
	}
	return b.String()
}

// unescape removes one level of escaping by c: "cc" becomes "c" and "cx"
// becomes "x" (Jenkins's Bash- and BatchSecretPatternFactory).
func unescape(s string, c byte) string {
	if strings.IndexByte(s, c) < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			if i+1 < len(s) && s[i+1] == c {
				b.WriteByte(c)
				i++
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// jsonEscaped is s as it appears inside a JSON string, without quotes.
func jsonEscaped(s string, html bool) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(html)
	enc.Encode(s)
	out := bytes.TrimSuffix(b.Bytes(), []byte("\n"))
	return string(out[1 : len(out)-1])
}

// base64Forms is the standard and URL-safe base64 of s at the three
// alignments it can have in a longer text. At alignment k (k bytes of
// something else before it in its 3-byte group) the first characters
// also encode those bytes and are dropped: 2 for k=1, 3 for k=2. Each is
// given padded, unpadded, and without its last character when padding
// shows that character also encodes whatever follows s.
func base64Forms(s string) []string {
	var out []string
	drop := [3]int{0, 2, 3}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
		for k := 0; k < 3; k++ {
			e := enc.EncodeToString(append(bytes.Repeat([]byte{0}, k), s...))[drop[k]:]
			out = appendEncoded(out, e)
		}
	}
	return out
}

// base64Aligned is the standard base64 of s from its first byte, in
// base64Forms's three ways.
func base64Aligned(s string) []string {
	return appendEncoded(nil, base64.StdEncoding.EncodeToString([]byte(s)))
}

// appendEncoded appends e, e unpadded and, when e is padded, e unpadded
// without its last character (which also encodes what follows).
func appendEncoded(out []string, e string) []string {
	raw := strings.TrimRight(e, "=")
	out = append(out, e, raw)
	if len(raw) < len(e) {
		out = append(out, raw[:len(raw)-1])
	}
	return out
}

// wrappedBase64Lines is each line of the standard base64 of s wrapped
// at the wrapWidths, when it takes more than one line; the last line is
// also given unpadded and, when padded, without its last character,
// which also encodes whatever follows s (as in base64Forms). Only the
// encoding of s from its first byte is wrapped: where a line breaks
// depends on everything before s, so an s inside a longer wrapped text is
// masked only where its lines fall as they would alone.
func wrappedBase64Lines(s string) []string {
	e := base64.StdEncoding.EncodeToString([]byte(s))
	var out []string
	for _, w := range wrapWidths {
		if len(e) <= w {
			continue
		}
		for i := 0; i < len(e); i += w {
			line := e[i:min(i+w, len(e))]
			out = append(out, line)
			if i+w < len(e) {
				continue
			}
			raw := strings.TrimRight(line, "=")
			if len(raw) < len(line) {
				out = append(out, raw, raw[:len(raw)-1])
			}
		}
		// A short last line is left out: masking every "ZXk" in a log
		// for the last two bytes of a long secret would hide more than
		// it protects.
		out = slices.DeleteFunc(out, func(f string) bool { return len(f) < minWrappedLine })
	}
	return out
}
