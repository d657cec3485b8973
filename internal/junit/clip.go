package junit

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Java counts text in UTF-16 code units; the plugin's cuts and its
// "[truncated N chars]" count them so, and so does clip.

// units is the length of UTF-8 text b in UTF-16 code units.
func units(b []byte) int {
	n := 0
	for _, c := range b {
		switch {
		case c < 0x80: // ASCII
			n++
		case c >= 0xF0: // first byte of a character outside the BMP
			n += 2
		case c >= 0xC0: // first byte of a BMP character
			n++
		}
	}
	return n
}

// headUnits returns the longest prefix of s of at most n units that does
// not split a character (a surrogate pair that would be split is left
// out, as the plugin's cleanupTruncated drops its half).
func headUnits(s string, n int) string {
	u := 0
	for i, r := range s {
		w := 1
		if r >= 0x10000 {
			w = 2
		}
		if u+w > n {
			return s[:i]
		}
		u += w
	}
	return s
}

// tailUnits returns the longest suffix of s of at most n units that does
// not split a character.
func tailUnits(s string, n int) string {
	u := 0
	i := len(s)
	for i > 0 {
		r, size := utf8.DecodeLastRuneInString(s[:i])
		w := 1
		if r >= 0x10000 {
			w = 2
		}
		if u+w > n {
			break
		}
		u += w
		i -= size
	}
	return s[i:]
}

// clip accumulates a text as it streams in, keeping at most cap units
// at its start and cap at its end, and counting all of it.
type clip struct {
	cap   int
	head  []byte
	hu    int // units in head
	tail  []byte
	total int // units written
	full  bool
	limit int // the tail's length in bytes that triggers compaction
}

func (c *clip) reset(cap int) {
	*c = clip{cap: cap, head: c.head[:0], tail: c.tail[:0], limit: 2*cap + 64}
}

func (c *clip) write(b []byte) {
	c.total += units(b)
	if !c.full {
		room := c.cap - c.hu
		if u := units(b); u <= room {
			c.head = append(c.head, b...)
			c.hu += u
			return
		}
		// Fill the head up to the cap, a whole character at a time.
		s := headUnits(string(b), room)
		c.head = append(c.head, s...)
		c.hu += units([]byte(s))
		b = b[len(s):]
		c.full = true
	}
	c.tail = append(c.tail, b...)
	if len(c.tail) > c.limit {
		c.tail = append(c.tail[:0], tailUnits(string(c.tail), c.cap)...)
		// Compact again only once the tail has doubled: however many
		// bytes the kept units take, the work stays linear.
		c.limit = max(2*len(c.tail), 2*c.cap) + 64
	}
}

// dropped reports whether the clip no longer holds the whole text.
func (c *clip) dropped() bool {
	return c.full && c.hu+units(c.tail) < c.total
}

// whole returns the text when the clip holds all of it.
func (c *clip) whole() string {
	if len(c.tail) == 0 {
		return string(c.head)
	}
	var b strings.Builder
	b.Grow(len(c.head) + len(c.tail))
	b.Write(c.head)
	b.Write(c.tail)
	return b.String()
}

// cut returns the text cut to half units at each end with the plugin's
// marker ("\n...[truncated N chars]...\n", N counting from the whole
// text) when it is longer than 2·half, else whole. half must not exceed
// the clip's cap.
func (c *clip) cut(half int) string {
	middle := c.total - 2*half
	if middle <= 0 {
		return c.whole()
	}
	all := c.whole()
	if !c.dropped() {
		return headUnits(all, half) + "\n...[truncated " + strconv.Itoa(middle) + " chars]...\n" + tailUnits(all, half)
	}
	return headUnits(string(c.head), half) + "\n...[truncated " + strconv.Itoa(middle) + " chars]...\n" + tailUnits(string(c.tail), half)
}

// bounded returns the text whole, or cut to the clip's cap at each end
// when it was longer than that.
func (c *clip) bounded() string {
	if !c.dropped() && c.total <= 2*c.cap {
		return c.whole()
	}
	return c.cut(c.cap)
}

// fixNULs replaces NUL characters as the plugin does (JENKINS-71139).
func fixNULs(s string) string {
	return strings.ReplaceAll(s, "\x00", "^@")
}
