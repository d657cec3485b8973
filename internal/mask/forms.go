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

// MaxEncodedLen is the longest secret whose base64 forms are masked.
// Longer secrets, and those of several lines (private keys, secret
// files), are masked literally, line by line and in their escaped forms,
// which keeps the matcher small.
const MaxEncodedLen = 1024

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
//   - for one-line secrets up to MaxEncodedLen bytes, standard and URL-safe
//     base64 at each of the three byte alignments a value can have inside
//     a longer encoded text, padded, unpadded, and without the last
//     character when that also encodes the bytes that follow;
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
	if len(secret) <= MaxEncodedLen && !strings.Contains(secret, "\n") {
		for _, f := range base64Forms(secret) {
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
			raw := strings.TrimRight(e, "=")
			out = append(out, e, raw)
			if pad := len(e) - len(raw); pad > 0 {
				out = append(out, raw[:len(raw)-1])
			}
		}
	}
	return out
}
