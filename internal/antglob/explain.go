package antglob

import (
	"context"
	"errors"
	"io/fs"
	"slices"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// ExplainBound is Jenkins's default bound on the work of one match
// attempt while explaining (FilePath.VALIDATE_ANT_FILE_MASK_BOUND).
const ExplainBound = 10000

// ErrNoHint is returned by Explain when the workspace is too large to
// explain a pattern within the bound; Jenkins then prints no hint.
var ErrNoHint = errors.New("antglob: no matches found within the bound")

// Explain words why masks, a comma-separated list of patterns, matches
// nothing in fsys, as FilePath.validateAntFileMask does for the line
// Jenkins prints before "No artifacts found that match the file pattern";
// "" when every pattern matches something. Each attempt examines at most
// bound directory entries (ExplainBound when bound is 0); when one runs
// out Explain returns ErrNoHint. Symbolic links are followed as Scan
// follows them; root is ScanOptions.Root.
func Explain(ctx context.Context, fsys fs.FS, masks string, caseSensitive bool, bound int, root string) (string, error) {
	if bound <= 0 {
		bound = ExplainBound
	}
	if strings.HasPrefix(masks, "~") {
		return "‘~’ is only supported in a Unix shell and nowhere else.", nil
	}
	x := explainer{ctx: ctx, fsys: fsys, bound: bound, root: root}
	for _, tok := range strings.Split(masks, ",") {
		if tok == "" {
			continue
		}
		mask := strings.TrimSpace(tok)
		msg, err := x.one(mask, caseSensitive)
		if err != nil || msg != "" {
			return msg, err
		}
	}
	return "", nil
}

type explainer struct {
	ctx   context.Context
	fsys  fs.FS
	bound int
	root  string
}

// hasMatch reports whether pattern alone matches a file or a directory,
// with no default excludes, as ValidateAntFileMask.hasMatch does.
func (x *explainer) hasMatch(pattern string, cs bool) (bool, error) {
	set := NewSet([]string{pattern}, nil, Options{CaseInsensitive: !cs, NoDefaultExcludes: true})
	if pattern == "" {
		// A set of one empty pattern still matches the base directory.
		return true, nil
	}
	res, err := Scan(x.ctx, x.fsys, set, ScanOptions{Dirs: true, Root: x.root, MaxEntries: x.bound})
	if len(res.Files) > 0 || len(res.Dirs) > 0 {
		return true, nil
	}
	if errors.Is(err, ErrBudget) {
		return false, ErrNoHint
	}
	return false, err
}

func (x *explainer) one(mask string, cs bool) (string, error) {
	if ok, err := x.hasMatch(mask, cs); ok || err != nil {
		return "", err
	}
	if cs {
		ok, err := x.hasMatch(mask, false)
		if err != nil {
			return "", err
		}
		if ok {
			return "‘" + mask + "’ doesn’t match anything because it is treated case sensitively. You can deactivate case sensitivity to get matches", nil
		}
	}
	if strings.Contains(mask, " ") {
		all := true
		for _, t := range tokenizeQuoted(mask) {
			ok, err := x.hasMatch(t, cs)
			if err != nil {
				return "", err
			}
			all = all && ok
		}
		if all {
			return "Whitespace can no longer be used as the separator. Please Use ‘,’ as the separator instead.", nil
		}
	}
	// The user gave aa/bb/cc/dd where cc/dd was meant.
	for f := mask; ; {
		i := strings.IndexAny(f, "/\\")
		if i < 0 {
			break
		}
		f = f[i+1:]
		ok, err := x.hasMatch(f, cs)
		if err != nil {
			return "", err
		}
		if ok {
			return "‘" + mask + "’ doesn’t match anything, but ‘" + f + "’ does. Perhaps that’s what you mean?", nil
		}
	}
	// The user gave cc/dd where aa/bb/cc/dd was meant.
	set := NewSet(Split("**/"+mask), nil, Options{CaseInsensitive: !cs})
	res, err := Scan(x.ctx, x.fsys, set, ScanOptions{Root: x.root, MaxEntries: x.bound})
	if errors.Is(err, ErrBudget) {
		return "", ErrNoHint
	}
	if err != nil {
		return "", err
	}
	names := make([]string, len(res.Files))
	for i, f := range res.Files {
		names[i] = f.Path
	}
	slices.SortStableFunc(names, func(a, b string) int { return javaLen(a) - javaLen(b) })
	for _, f := range names {
		var prefix strings.Builder
		for {
			i := strings.IndexAny(f, "/\\")
			if i < 0 {
				break
			}
			prefix.WriteString(f[:i])
			prefix.WriteByte('/')
			f = f[i+1:]
			ok, err := x.hasMatch(prefix.String()+mask, cs)
			if err != nil {
				return "", err
			}
			if ok {
				return "‘" + mask + "’ doesn’t match anything, but ‘" + prefix.String() + mask + "’ does. Perhaps that’s what you mean?", nil
			}
		}
	}
	// Finally, find the longest leading part that exists.
	var previous string
	pattern := mask
	for {
		ok, err := x.hasMatch(pattern, cs)
		if err != nil {
			return "", err
		}
		if ok {
			if previous == "" {
				return "‘" + mask + "’ doesn’t match anything, although ‘" + pattern + "’ exists", nil
			}
			return "‘" + mask + "’ doesn’t match anything: ‘" + pattern + "’ exists but not ‘" + previous + "’", nil
		}
		i := strings.IndexAny(pattern, "/\\")
		if i < 0 {
			if pattern == mask {
				return "‘" + mask + "’ doesn’t match anything", nil
			}
			return "‘" + mask + "’ doesn’t match anything: even ‘" + pattern + "’ doesn’t exist", nil
		}
		previous = pattern
		pattern = pattern[:i]
	}
}

// tokenizeQuoted splits s on white space, keeping quoted runs together
// and dropping the quotes, as Jenkins's Util.tokenize does.
func tokenizeQuoted(s string) []string {
	var out []string
	var cur strings.Builder
	in := false
	var quote rune
	escaped := false
	for _, r := range s {
		switch {
		case escaped:
			cur.WriteRune(r)
			escaped = false
			in = true
		case quote != 0 && r == '\\':
			escaped = true
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '"' || r == '\'':
			quote = r
			in = true
		case r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f':
			if in {
				out = append(out, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if in {
		out = append(out, cur.String())
	}
	return out
}

// javaLen is the length of s in UTF-16 code units, as Java counts it.
func javaLen(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// JavaCompare orders strings as Java's String.compareTo does: by UTF-16
// code units. It differs from Go's byte order only between characters
// outside the Basic Multilingual Plane and those from U+E000 to U+FFFF.
func JavaCompare(a, b string) int {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra != rb {
			return unitKey(ra) - unitKey(rb)
		}
		a, b = a[na:], b[nb:]
	}
	return len(a) - len(b)
}

// JavaCompareFold orders strings as Java's String.compareToIgnoreCase
// does: character by character, each folded to upper then lower case.
func JavaCompareFold(a, b string) int {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra != rb {
			fa := unicode.ToLower(unicode.ToUpper(ra))
			fb := unicode.ToLower(unicode.ToUpper(rb))
			if fa != fb {
				return unitKey(fa) - unitKey(fb)
			}
		}
		a, b = a[na:], b[nb:]
	}
	return len(a) - len(b)
}

// unitKey maps a character to a number that orders as its UTF-16
// encoding does: characters outside the Basic Multilingual Plane, whose
// first unit is a surrogate (0xD800 to 0xDBFF), come before U+E000 to
// U+FFFF.
func unitKey(r rune) int {
	switch {
	case r >= 0x10000:
		return 0xD800 + int(r-0x10000)
	case r >= 0xE000:
		return int(r) + 0x100000
	}
	return int(r)
}
