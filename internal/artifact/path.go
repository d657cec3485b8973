package artifact

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxPathLen bounds an artifact's relative path, in bytes.
const MaxPathLen = 4096

// CheckPath reports whether p may name an archived file: a relative,
// '/'-separated path of valid UTF-8 without empty, "." or ".." segments,
// without segments that read "." or ".." once percent-decoded, and
// without control characters, at most MaxPathLen bytes long. Paths from
// the workspace scanner always meet the first rules; the others keep
// every stored name safe to print, to put in JSON and in a URL, and to
// decode again.
func CheckPath(p string) error {
	switch {
	case p == "":
		return errors.New("empty path")
	case len(p) > MaxPathLen:
		return errors.New("path longer than " + strconv.Itoa(MaxPathLen) + " bytes")
	case !utf8.ValidString(p):
		return errors.New("path is not valid UTF-8")
	case strings.HasPrefix(p, "/"):
		return errors.New("absolute path")
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7F || (r >= 0x80 && r < 0xA0) {
			return errors.New("path holds a control character")
		}
	}
	for seg := range strings.SplitSeq(p, "/") {
		switch {
		case seg == "":
			return errors.New("path has an empty segment")
		case isDots(seg):
			return errors.New("path has a . or .. segment")
		case isDots(percentDecode(seg)):
			//lint:ignore ST1005 the console names the segments it refuses, dots included
			return errors.New("path has a segment that decodes to . or ..")
		}
	}
	return nil
}

// Errors SafePath returns; the HTTP edge answers ErrTraversal with 400
// and ErrNotFound with 404, as Jenkins's DirectoryBrowserSupport does.
var (
	ErrTraversal = errors.New("artifact path leaves its directory")
	ErrNotFound  = errors.New("no such artifact path")
)

// SafePath checks a path requested under …/artifact/ (already
// percent-decoded once, as a router hands it) and returns its segments.
// Empty segments and "." are dropped, so "//a/b/" is a/b, as Jenkins
// reads it. A ".." segment, or one that still decodes to "." or "..",
// or a NUL or backslash, is ErrTraversal; a first segment that names a
// Windows drive ("C:") is ErrNotFound, as Jenkins refuses absolute paths.
// The result may be empty: the archive's root.
func SafePath(p string) ([]string, error) {
	if strings.ContainsAny(p, "\x00\\") || !utf8.ValidString(p) {
		return nil, ErrTraversal
	}
	var segs []string
	for seg := range strings.SplitSeq(p, "/") {
		if seg == "" || seg == "." {
			continue
		}
		if seg == ".." || isDots(percentDecode(seg)) {
			return nil, ErrTraversal
		}
		segs = append(segs, seg)
	}
	if len(segs) > 0 && len(segs[0]) == 2 && segs[0][1] == ':' && isLetter(segs[0][0]) {
		return nil, ErrNotFound
	}
	return segs, nil
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func isDots(s string) bool { return s == "." || s == ".." }

// percentDecode decodes %XX escapes, repeatedly, leaving malformed ones;
// it serves only to recognize dots in disguise.
func percentDecode(s string) string {
	for range 4 {
		if !strings.Contains(s, "%") {
			return s
		}
		var b strings.Builder
		changed := false
		for i := 0; i < len(s); i++ {
			if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
				v, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
				b.WriteByte(byte(v))
				i += 2
				changed = true
				continue
			}
			b.WriteByte(s[i])
		}
		if !changed {
			return s
		}
		s = b.String()
	}
	return s
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// printable quotes the bytes of p that CheckPath refuses, for a console
// line.
func printable(p string) string {
	q := strconv.QuoteToGraphic(p)
	return q[1 : len(q)-1]
}
