package export

import (
	"bytes"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// replacement is U+FFFD in UTF-8, written for invalid UTF-8 and for
// characters XML cannot carry.
const replacement = "\uFFFD"

// appendJSONString appends s as a quoted JSON string, escaped like
// Stapler's JSONDataWriter: \" \\ \n \r \t, other ISO control characters
// (U+0000–U+001F, U+007F–U+009F) as \u00xx, everything else raw.
// Invalid UTF-8 becomes U+FFFD so the output stays valid JSON.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c-0x20 < 0x7f-0x20 && c != '"' && c != '\\' { // printable ASCII
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, replacement...)
		case r <= 0x9f: // C1 controls
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '0', '0', hexDigits[r>>4], hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendXMLText appends s escaped like Stapler.escape (& < > only).
// Invalid UTF-8 and characters XML 1.0 forbids become U+FFFD (Stapler
// would write them raw, producing XML no parser accepts).
func appendXMLText(b []byte, s string) []byte { return appendXML(b, s, false) }

// appendXMLAttr is appendXMLText for a value in single quotes.
func appendXMLAttr(b []byte, s string) []byte { return appendXML(b, s, true) }

func appendXML(b []byte, s string, attr bool) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			var rep string
			switch {
			case c == '<':
				rep = "&lt;"
			case c == '>':
				rep = "&gt;"
			case c == '&':
				rep = "&amp;"
			case c == '\'' && attr:
				rep = "&apos;"
			case c < 0x20 && c != '\t' && c != '\n' && c != '\r':
				rep = replacement
			default:
				i++
				continue
			}
			b = append(b, s[start:i]...)
			b = append(b, rep...)
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || r == 0xfffe || r == 0xffff {
			b = append(b, s[start:i]...)
			b = append(b, replacement...)
			start = i + size
		}
		i += size
	}
	return append(b, s[start:]...)
}

// appendXMLName appends the element name for property name, as
// XMLDataWriter.adjustName makes it: a valid XML name (makeXMLName), and
// inside an array singular by Stapler's rule (trailing "ies" → "y", else
// one trailing "s" dropped).
func appendXMLName(b []byte, name string, singular bool) []byte {
	if !isSimpleXMLName(name) {
		name = makeXMLName(name)
	}
	if singular {
		if strings.HasSuffix(name, "ies") {
			b = append(b, name[:len(name)-3]...)
			return append(b, 'y')
		}
		name = strings.TrimSuffix(name, "s")
		if name == "" {
			name = "_" // Stapler would write "<>" for a property named "s"
		}
	}
	return append(b, name...)
}

// isSimpleXMLName reports whether name is an ASCII XML name, which
// makeXMLName leaves alone.
func isSimpleXMLName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', c == '_', c == ':':
		case i > 0 && ('0' <= c && c <= '9' || c == '.' || c == '-'):
		default:
			return false
		}
	}
	return true
}

// makeXMLName is Stapler's XMLDataWriter.makeXmlName: "" becomes "_"; a
// first character that cannot start a name is dropped when the second
// can, else "_" is put before it; then every later character that cannot
// be in a name is removed. Characters outside the BMP count as Java's
// surrogate pairs, which are never name characters.
func makeXMLName(name string) string {
	if name == "" {
		return "_"
	}
	r0, n0 := utf8.DecodeRuneInString(name)
	if !xmlNameStart(r0) {
		r1, _ := utf8.DecodeRuneInString(name[n0:])
		if r0 <= 0xffff && len(name) > n0 && xmlNameStart(r1) {
			name = name[n0:]
		} else {
			name = "_" + name
		}
	}
	_, n := utf8.DecodeRuneInString(name)
	var sb strings.Builder
	sb.Grow(len(name))
	sb.WriteString(name[:n])
	for _, r := range name[n:] {
		if xmlNameChar(r) {
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

// xmlNameStart is Stapler's XmlChars.isNameStart, without its table of
// Unicode "compatibility" characters.
func xmlNameStart(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || r == '_' || r == ':'
	}
	if r > 0xffff || r == utf8.RuneError {
		return false
	}
	if unicode.In(r, unicode.Ll, unicode.Lu, unicode.Lo, unicode.Lt, unicode.Nl) {
		return !(0x20dd <= r && r <= 0x20e0)
	}
	return 0x02bb <= r && r <= 0x02c1 || r == 0x0559 || r == 0x06e5 || r == 0x06e6
}

// xmlNameChar is Stapler's XmlChars.isNameChar, without its table of
// Unicode "compatibility" characters.
func xmlNameChar(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' ||
			r == '.' || r == '-' || r == '_' || r == ':'
	}
	if r > 0xffff || r == utf8.RuneError {
		return false
	}
	if unicode.In(r, unicode.Ll, unicode.Lu, unicode.Lo, unicode.Lt, unicode.Nl,
		unicode.Mc, unicode.Me, unicode.Mn, unicode.Lm, unicode.Nd) {
		return !(0x20dd <= r && r <= 0x20e0)
	}
	switch r {
	case 0x0387, 0x00b7, 0x02d0, 0x02d1, 0x0640, 0x0e46, 0x0ec6, 0x3005:
		return true
	}
	return 0x3031 <= r && r <= 0x3035 || 0x309d <= r && r <= 0x309e || 0x30fc <= r && r <= 0x30fe
}

func isFinite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// appendJavaFloat appends f as Java's Double.toString (Float.toString
// when bits is 32) writes it: the shortest digits that read back as f,
// plain ("100.0", "0.001") from 10^-3 up to 10^7, otherwise "1.0E7",
// "1.5E-4"; "NaN", "Infinity", "-Infinity", "0.0", "-0.0".
func appendJavaFloat(b []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, 1):
		return append(b, "Infinity"...)
	case math.IsInf(f, -1):
		return append(b, "-Infinity"...)
	case f == 0:
		if math.Signbit(f) {
			return append(b, "-0.0"...)
		}
		return append(b, "0.0"...)
	}
	if f < 0 {
		b = append(b, '-')
		f = -f
	}
	// Shortest digits in the form d.ddde±XX.
	var tmp [40]byte
	s := strconv.AppendFloat(tmp[:0], f, 'e', -1, bits)
	e := bytes.LastIndexByte(s, 'e')
	var digs [32]byte
	d := append(digs[:0], s[0])
	if e > 2 {
		d = append(d, s[2:e]...)
	}
	exp := 0
	for _, c := range s[e+2:] {
		exp = exp*10 + int(c-'0')
	}
	if s[e+1] == '-' {
		exp = -exp
	}
	if f >= 1e-3 && f < 1e7 {
		if exp < 0 {
			b = append(b, '0', '.')
			for i := -1; i > exp; i-- {
				b = append(b, '0')
			}
			return append(b, d...)
		}
		for i := 0; i <= exp; i++ {
			if i < len(d) {
				b = append(b, d[i])
			} else {
				b = append(b, '0')
			}
		}
		b = append(b, '.')
		if len(d) > exp+1 {
			return append(b, d[exp+1:]...)
		}
		return append(b, '0')
	}
	b = append(b, d[0], '.')
	if len(d) > 1 {
		b = append(b, d[1:]...)
	} else {
		b = append(b, '0')
	}
	b = append(b, 'E')
	return strconv.AppendInt(b, int64(exp), 10)
}
