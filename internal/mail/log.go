package mail

import (
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxLogLines is how many lines of the console a failure mail quotes
// (MailSender.maxLogLines).
const MaxLogLines = 250

// LastLines returns the last max lines of a console log of size bytes,
// reading it backwards through r as Run.getLog(int) does: carriage
// returns are dropped, a final newline does not start a line, and when
// the log is longer the first line returned says how much was left out
// ("[...truncated 1.50 KiB...]"), so max lines are returned in all.
// Console notes (Jenkins's hidden ESC[8mha:…ESC[0m annotations) are
// removed. Bytes that are not UTF-8 are replaced.
func LastLines(r io.ReaderAt, size int64, max int) ([]string, error) {
	if max <= 0 || size <= 0 {
		if max > 0 {
			return []string{""}, nil
		}
		return nil, nil
	}
	var lines []string
	var cur []byte // the current line, backwards
	buf := make([]byte, 8192)
	last := size - 1
	pos := size
	count := 0
	var fp int64 // the position of the byte being read
	done := false
	for pos > 0 && !done {
		n := int64(len(buf))
		if pos < n {
			n = pos
		}
		pos -= n
		if _, err := r.ReadAt(buf[:n], pos); err != nil && err != io.EOF {
			return nil, err
		}
		for i := n - 1; i >= 0; i-- {
			fp = pos + i
			c := buf[i]
			switch {
			case c == '\n':
				if fp < last {
					count++
					lines = append(lines, reverseString(cur))
					cur = cur[:0]
				}
			case c != '\r':
				cur = append(cur, c)
			}
			if count == max {
				// Run.getLog reports the size before the newline it
				// stopped at, less one: its loop decrements first.
				done = true
				fp--
				break
			}
		}
	}
	if count != max {
		lines = append(lines, reverseString(cur))
	}
	for i, j := 0, len(lines)-1; i < j; i, j = i+1, j-1 {
		lines[i], lines[j] = lines[j], lines[i]
	}
	if count == max {
		lines[0] = "[...truncated " + humanSize(fp) + "...]"
	}
	for i, l := range lines {
		lines[i] = removeNotes(l)
	}
	return lines, nil
}

func reverseString(b []byte) string {
	out := make([]byte, len(b))
	for i, c := range b {
		out[len(b)-1-i] = c
	}
	if !utf8.Valid(out) {
		return strings.ToValidUTF8(string(out), "\uFFFD")
	}
	return string(out)
}

// humanSize is Functions.humanReadableByteSize.
func humanSize(n int64) string {
	if n < 1024 {
		return strconv.FormatInt(n, 10) + " B"
	}
	v := float64(n)
	unit := "B"
	for _, u := range []string{"KiB", "MiB", "GiB", "TiB"} {
		if v < 1024 {
			break
		}
		v /= 1024
		unit = u
	}
	return strconv.FormatFloat(roundHalfEven(v, 2), 'f', 2, 64) + " " + unit
}

// roundHalfEven rounds to d decimals as Java's DecimalFormat does.
func roundHalfEven(v float64, d int) float64 {
	s := strconv.FormatFloat(v, 'f', d, 64) // Go rounds the exact binary value, as DecimalFormat does
	f, _ := strconv.ParseFloat(s, 64)
	return f
}

// Console notes, as ConsoleNote writes them.
const (
	notePreamble  = "\x1b[8mha:"
	notePostamble = "\x1b[0m"
)

// removeNotes is ConsoleNote.removeNotes for one line.
func removeNotes(line string) string {
	for {
		i := strings.Index(line, notePreamble)
		if i < 0 {
			return line
		}
		j := strings.Index(line[i+len(notePreamble):], notePostamble)
		if j < 0 {
			return line
		}
		line = line[:i] + line[i+len(notePreamble)+j+len(notePostamble):]
	}
}
