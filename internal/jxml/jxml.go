// Package jxml reads the XML that Jenkins and the tools around it write:
// job configuration elements as XStream writes them, and reports such as
// JUnit's, which may be large.
//
// NewDecoder returns an encoding/xml Decoder that also accepts what
// encoding/xml alone refuses but Jenkins's parsers read: an XML 1.1
// declaration, a UTF-16 document (with its byte order mark), and the
// ISO-8859-1 and US-ASCII encodings. Parse and ReadElement build a small
// element tree of a configuration fragment, bounded in depth and size.
// Bool, Int and Double convert element text the way XStream's converters
// do, so a value means in jeeves what it means in Jenkins.
package jxml

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// prologLen bounds how much of a document is read to find its XML
// declaration.
const prologLen = 512

// NewDecoder returns a decoder of r that accepts an XML 1.1 declaration
// (read as 1.0: the documents at hand use nothing 1.1 adds besides what
// 1.0 parsers of Jenkins accept), a UTF-8 or UTF-16 byte order mark, and
// the declared encodings UTF-8, US-ASCII, ISO-8859-1 (Latin-1) and
// UTF-16. Other encodings are refused when the declaration is read.
func NewDecoder(r io.Reader) *xml.Decoder {
	br := bufio.NewReaderSize(r, 4096)
	var src io.Reader = br
	head, _ := br.Peek(2)
	switch {
	case bytes.Equal(head, []byte{0xFE, 0xFF}):
		br.Discard(2)
		src = &utf16Reader{r: br, big: true}
	case bytes.Equal(head, []byte{0xFF, 0xFE}):
		br.Discard(2)
		src = &utf16Reader{r: br}
	default:
		if h, _ := br.Peek(3); bytes.Equal(h, []byte{0xEF, 0xBB, 0xBF}) {
			br.Discard(3)
		}
	}
	d := xml.NewDecoder(&prologReader{r: src})
	d.CharsetReader = charsetReader
	return d
}

// charsetReader maps the encodings a declaration may name to readers of
// UTF-8. UTF-16 documents were transcoded before the declaration was
// read, so the label is only checked.
func charsetReader(label string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "utf-8", "utf8", "us-ascii", "ascii", "utf-16", "utf-16le", "utf-16be":
		return input, nil
	case "iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "iso_8859-1":
		return &latin1Reader{r: bufio.NewReader(input)}, nil
	}
	return nil, fmt.Errorf("unsupported encoding %q: only UTF-8, UTF-16, US-ASCII and ISO-8859-1 are read", label)
}

// prologReader passes a document through, except that an XML declaration
// of version 1.1 at its start is rewritten to version 1.0, which is all
// encoding/xml accepts.
type prologReader struct {
	r    io.Reader
	head []byte // the rewritten start of the document, not yet read
	done bool   // the start has been examined
}

func (p *prologReader) Read(b []byte) (int, error) {
	if !p.done {
		p.done = true
		buf := make([]byte, prologLen)
		n, err := io.ReadAtLeast(p.r, buf, prologLen)
		if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
			return 0, err
		}
		p.head = rewriteVersion(buf[:n])
	}
	if len(p.head) > 0 {
		n := copy(b, p.head)
		p.head = p.head[n:]
		return n, nil
	}
	return p.r.Read(b)
}

// rewriteVersion changes version="1.1" (or '1.1') in a leading XML
// declaration to 1.0, in place.
func rewriteVersion(head []byte) []byte {
	s := bytes.TrimLeft(head, " \t\r\n")
	if !bytes.HasPrefix(s, []byte("<?xml")) {
		return head
	}
	end := bytes.Index(s, []byte("?>"))
	if end < 0 {
		return head
	}
	decl := s[:end]
	i := bytes.Index(decl, []byte("version"))
	if i < 0 {
		return head
	}
	rest := bytes.TrimLeft(decl[i+len("version"):], " \t\r\n")
	if len(rest) == 0 || rest[0] != '=' {
		return head
	}
	rest = bytes.TrimLeft(rest[1:], " \t\r\n")
	if len(rest) >= 5 && (rest[0] == '"' || rest[0] == '\'') && string(rest[1:4]) == "1.1" && rest[4] == rest[0] {
		rest[3] = '0'
	}
	return head
}

// latin1Reader decodes ISO-8859-1 into UTF-8.
type latin1Reader struct {
	r       *bufio.Reader
	pending []byte
}

func (l *latin1Reader) Read(b []byte) (int, error) {
	n := 0
	for n < len(b) {
		if len(l.pending) > 0 {
			k := copy(b[n:], l.pending)
			l.pending = l.pending[k:]
			n += k
			continue
		}
		c, err := l.r.ReadByte()
		if err != nil {
			if n > 0 {
				return n, nil
			}
			return 0, err
		}
		if c < utf8.RuneSelf {
			b[n] = c
			n++
			continue
		}
		var enc [2]byte
		utf8.EncodeRune(enc[:], rune(c))
		l.pending = append(l.pending[:0], enc[:]...)
	}
	return n, nil
}

// utf16Reader decodes UTF-16 (after its byte order mark) into UTF-8.
type utf16Reader struct {
	r       *bufio.Reader
	big     bool
	pending []byte
	err     error
}

func (u *utf16Reader) unit() (uint16, error) {
	var b [2]byte
	if _, err := io.ReadFull(u.r, b[:]); err != nil {
		if err == io.ErrUnexpectedEOF {
			return 0, errors.New("UTF-16 document has an odd number of bytes")
		}
		return 0, err
	}
	if u.big {
		return uint16(b[0])<<8 | uint16(b[1]), nil
	}
	return uint16(b[1])<<8 | uint16(b[0]), nil
}

func (u *utf16Reader) Read(b []byte) (int, error) {
	n := 0
	for n < len(b) {
		if len(u.pending) > 0 {
			k := copy(b[n:], u.pending)
			u.pending = u.pending[k:]
			n += k
			continue
		}
		if u.err != nil {
			break
		}
		c, err := u.unit()
		if err != nil {
			u.err = err
			break
		}
		r := rune(c)
		if utf16.IsSurrogate(r) {
			c2, err := u.unit()
			if err != nil {
				u.err = err
				break
			}
			r = utf16.DecodeRune(r, rune(c2))
		}
		u.pending = utf8.AppendRune(u.pending[:0], r)
	}
	if n == 0 && u.err != nil {
		return 0, u.err
	}
	return n, nil
}

// Bool converts text as XStream's BooleanConverter does: "true" in any
// case (around white space, which XStream would not trim) is true, and
// anything else is false.
func Bool(s string) bool {
	return strings.EqualFold(strings.TrimSpace(s), "true")
}

// Int converts text as XStream's IntConverter does (Java's
// Integer.decode): an optional sign, then decimal digits, "0x", "0X" or
// "#" and hexadecimal digits, or "0" and octal digits. The value must fit
// in 32 bits. Surrounding white space is trimmed.
func Int(s string) (int, error) {
	t := strings.TrimSpace(s)
	orig := t
	neg := false
	if t != "" && (t[0] == '-' || t[0] == '+') {
		neg = t[0] == '-'
		t = t[1:]
	}
	base := 10
	switch {
	case strings.HasPrefix(t, "0x") || strings.HasPrefix(t, "0X"):
		base, t = 16, t[2:]
	case strings.HasPrefix(t, "#"):
		base, t = 16, t[1:]
	case len(t) > 1 && t[0] == '0':
		base, t = 8, t[1:]
	}
	if t == "" || t[0] == '-' || t[0] == '+' {
		return 0, fmt.Errorf("%q is not a number", orig)
	}
	v, err := strconv.ParseInt(t, base, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", orig)
	}
	if neg {
		v = -v
	}
	if v < math.MinInt32 || v > math.MaxInt32 {
		return 0, fmt.Errorf("%q is out of range", orig)
	}
	return int(v), nil
}

// Double converts text as XStream's DoubleConverter does (Java's
// Double.valueOf): decimal or exponent notation around optional white
// space, an optional trailing f, F, d or D, "NaN" and "Infinity".
func Double(s string) (float64, error) {
	t := strings.TrimSpace(s)
	orig := t
	if n := len(t); n > 0 && strings.IndexByte("fFdD", t[n-1]) >= 0 && !strings.HasSuffix(t, "Infinity") {
		t = t[:n-1]
	}
	switch strings.TrimLeft(t, "+-") {
	case "NaN":
		if t != "NaN" && t != "+NaN" && t != "-NaN" {
			break
		}
		return math.NaN(), nil
	case "Infinity":
		if strings.HasPrefix(t, "-") {
			return math.Inf(-1), nil
		}
		return math.Inf(1), nil
	}
	// strconv accepts forms Java does not (inf, nan, underscores,
	// hexadecimal without exponent); keep to digits, '.', exponent, sign.
	for i := 0; i < len(t); i++ {
		if strings.IndexByte("0123456789.eE+-", t[i]) < 0 {
			return 0, fmt.Errorf("%q is not a number", orig)
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, fmt.Errorf("%q is not a number", orig)
	}
	return v, nil
}
