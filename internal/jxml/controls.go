package jxml

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The private-use plane control characters are moved to, 32 code points
// (a block) at a time.
const (
	puaFirst  = 0xF0000
	puaBlocks = (unicode.MaxRune + 1 - puaFirst) / 32
)

// MapControlRefs rewrites references to control characters (other than
// tab, newline and carriage return), which XML 1.1 allows (Jenkins
// writes &#xc; between the keys of an SSH credential) and encoding/xml
// refuses, into references to a block of 32 private-use code points the
// document does not otherwise use, and returns that block's base (0 when
// the document has none; data is then returned as it is). RestoreControls
// maps them back.
func MapControlRefs(data []byte) ([]byte, rune, error) {
	var used [puaBlocks]bool
	found := false
	mark := func(r rune) {
		if r >= puaFirst && r <= unicode.MaxRune {
			used[(r-puaFirst)/32] = true
		}
	}
	eachCharRef(data, func(_, _ int, r rune) {
		if isControl(r) {
			found = true
		}
		mark(r)
	})
	if !found {
		return data, 0, nil
	}
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		mark(r)
		i += size
	}
	var base rune
	for i, u := range used {
		if !u {
			base = puaFirst + rune(i)*32
			break
		}
	}
	if base == 0 {
		return nil, 0, errors.New("the document uses too many private-use characters to carry its control characters")
	}
	var out bytes.Buffer
	last := 0
	eachCharRef(data, func(start, end int, r rune) {
		if isControl(r) {
			out.Write(data[last:start])
			fmt.Fprintf(&out, "&#x%X;", base+r)
			last = end
		}
	})
	out.Write(data[last:])
	return out.Bytes(), base, nil
}

// RestoreControls is s with the private-use stand-ins MapControlRefs
// chose at base turned back into control characters; s itself when base
// is 0.
func RestoreControls(s string, base rune) string {
	if base == 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r > base && r < base+0x20 {
			return r - base
		}
		return r
	}, s)
}

func isControl(r rune) bool {
	return r >= 1 && r < 0x20 && r != '\t' && r != '\n' && r != '\r'
}

// eachCharRef calls fn with the offsets and value of every numeric
// character reference (&#27; or &#x1b;) outside comments, CDATA sections
// and processing instructions, where references are not expanded.
func eachCharRef(data []byte, fn func(start, end int, r rune)) {
	skips := [...]struct{ open, close string }{
		{"<!--", "-->"}, {"<![CDATA[", "]]>"}, {"<?", "?>"},
	}
	for i := 0; i < len(data); {
		j := bytes.IndexAny(data[i:], "<&")
		if j < 0 {
			return
		}
		i += j
		rest := data[i:]
		if rest[0] == '<' {
			i++
			for _, s := range skips {
				if bytes.HasPrefix(rest, []byte(s.open)) {
					k := bytes.Index(rest[len(s.open):], []byte(s.close))
					if k < 0 {
						return
					}
					i += len(s.open) + k + len(s.close) - 1
					break
				}
			}
			continue
		}
		if n, r, ok := charRef(rest); ok {
			fn(i, i+n, r)
			i += n
			continue
		}
		i++
	}
}

// charRef parses a numeric character reference at the start of s as
// encoding/xml does, returning its length and value.
func charRef(s []byte) (n int, r rune, ok bool) {
	if !bytes.HasPrefix(s, []byte("&#")) {
		return 0, 0, false
	}
	i, base := 2, 10
	if i < len(s) && s[i] == 'x' {
		i, base = 3, 16
	}
	start := i
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || base == 16 && strings.IndexByte("abcdefABCDEF", s[i]) >= 0) {
		i++
	}
	if i >= len(s) || s[i] != ';' {
		return 0, 0, false
	}
	v, err := strconv.ParseUint(string(s[start:i]), base, 32)
	if err != nil || v > unicode.MaxRune {
		return 0, 0, false
	}
	return i + 1, rune(v), true
}

// EachControlRef calls fn with the offsets of every reference to a
// control character that MapControlRefs would move, for a reader that
// must keep the document's length (it may overwrite the reference in
// place).
func EachControlRef(data []byte, fn func(start, end int)) {
	eachCharRef(data, func(start, end int, r rune) {
		if isControl(r) {
			fn(start, end)
		}
	})
}
