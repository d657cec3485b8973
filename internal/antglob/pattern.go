// Package antglob matches paths against Ant patterns exactly as Jenkins
// does, through Ant's DirectoryScanner and SelectorUtils: the file sets of
// the artifact archiver, the fingerprinter, the JUnit publisher and the
// workspace and artifact browsers.
//
// A pattern is matched against a '/'-separated path relative to a base
// directory. A segment "**" matches zero or more directories; "*" matches
// any run of characters within one segment and "?" exactly one. A pattern
// ending in "/" (or "\") gets "**" appended, so "target/" means
// everything under target. Backslashes are separators. Empty segments
// ("a//b") are dropped from wildcard patterns, but a pattern without
// wildcards is compared as written, so "a//b" matches nothing, and "."
// and ".." are literal segments, so "./out/*.jar" matches nothing either:
// both as in Jenkins. A pattern starting with "/" is absolute and never
// matches a relative path.
//
// A Set is a FileSet: include and exclude patterns, Ant's default
// excludes (DefaultExcludes) unless turned off, and case sensitivity.
// Set.Match decides one path, so a caller can filter a listing streamed
// from wherever the files are; Set.Descend tells a walker which
// directories can hold matches. Scan walks an io/fs.FS the way
// DirectoryScanner walks a directory, following symbolic links only
// within the tree. A Listing is such an fs.FS built from a workspace
// listing a launcher sends in one piece (paths, types, sizes, link
// targets), so a remote workspace is matched without a round trip per
// directory. Explain words the hint Jenkins prints when a pattern
// matches nothing (FilePath.validateAntFileMask).
//
// Characters are compared as Unicode code points; Java compares UTF-16
// code units, so "?" matches a character outside the Basic Multilingual
// Plane here but needs "??" in Jenkins. Case-insensitive matching folds
// with unicode.ToUpper per character, as Java's Character.toUpperCase.
package antglob

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// deep is the token that matches any number of directories.
const deep = "**"

// Pattern is one compiled Ant pattern.
type Pattern struct {
	text   string   // the normalized pattern
	tokens []string // its segments; an absolute pattern's first is "/"
	wild   bool     // it holds '*' or '?'
}

// Compile normalizes p as DirectoryScanner.normalizePattern does ('\' to
// '/', "**" after a trailing '/') and splits it into segments. Every
// string is a pattern; none is refused.
func Compile(p string) Pattern {
	p = strings.ReplaceAll(p, "\\", "/")
	if strings.HasSuffix(p, "/") {
		p += deep
	}
	return Pattern{text: p, tokens: tokenize(p), wild: strings.ContainsAny(p, "*?")}
}

// String returns the normalized pattern.
func (p Pattern) String() string { return p.text }

// Wild reports whether the pattern holds a wildcard.
func (p Pattern) Wild() bool { return p.wild }

// Match reports whether path (relative, '/'-separated) matches the
// pattern's segments, as SelectorUtils.matchPath does. Unlike Set, it
// treats a pattern without wildcards segment by segment too.
func (p Pattern) Match(path string, caseSensitive bool) bool {
	return matchPath(p.tokens, tokenize(path), caseSensitive)
}

// MatchStart reports whether some path under dir could match the
// pattern, as SelectorUtils.matchPatternStart does: false only when a
// segment of dir before the pattern's first "**" fails to match.
func (p Pattern) MatchStart(dir string, caseSensitive bool) bool {
	if strings.HasPrefix(dir, "/") != strings.HasPrefix(p.text, "/") {
		return false
	}
	return matchPatternStart(p.tokens, tokenize(dir), caseSensitive)
}

// tokenize splits a path into its segments as
// SelectorUtils.tokenizePathAsArray does: empty segments are dropped, and
// a leading '/' becomes a first segment "/".
func tokenize(s string) []string {
	n := 0
	if strings.HasPrefix(s, "/") {
		n++
	}
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '/' {
			if i > start {
				n++
			}
			start = i + 1
		}
	}
	if n == 0 {
		return nil
	}
	out := make([]string, 0, n)
	if strings.HasPrefix(s, "/") {
		out = append(out, "/")
	}
	start = 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '/' {
			if i > start {
				out = append(out, s[start:i])
			}
			start = i + 1
		}
	}
	return out
}

// matchPatternStart is SelectorUtils.matchPatternStart on segments.
func matchPatternStart(pat, str []string, cs bool) bool {
	ps, pe := 0, len(pat)-1
	ss, se := 0, len(str)-1
	for ps <= pe && ss <= se {
		if pat[ps] == deep {
			break
		}
		if !matchSegment(pat[ps], str[ss], cs) {
			return false
		}
		ps++
		ss++
	}
	return ss > se || ps <= pe
}

// matchPath is SelectorUtils.matchPath on segments.
func matchPath(pat, str []string, cs bool) bool {
	ps, pe := 0, len(pat)-1
	ss, se := 0, len(str)-1

	// up to the first "**"
	for ps <= pe && ss <= se {
		if pat[ps] == deep {
			break
		}
		if !matchSegment(pat[ps], str[ss], cs) {
			return false
		}
		ps++
		ss++
	}
	if ss > se {
		return onlyDeep(pat[ps : pe+1])
	}
	if ps > pe {
		return false
	}
	// back to the last "**"
	for ps <= pe && ss <= se {
		if pat[pe] == deep {
			break
		}
		if !matchSegment(pat[pe], str[se], cs) {
			return false
		}
		pe--
		se--
	}
	if ss > se {
		return onlyDeep(pat[ps : pe+1])
	}
	// the segments between "**"s, each run found leftmost
	for ps != pe && ss <= se {
		next := -1
		for i := ps + 1; i <= pe; i++ {
			if pat[i] == deep {
				next = i
				break
			}
		}
		if next == ps+1 { // "**/**"
			ps++
			continue
		}
		plen := next - ps - 1
		slen := se - ss + 1
		found := -1
	search:
		for i := 0; i <= slen-plen; i++ {
			for j := 0; j < plen; j++ {
				if !matchSegment(pat[ps+j+1], str[ss+i+j], cs) {
					continue search
				}
			}
			found = ss + i
			break
		}
		if found < 0 {
			return false
		}
		ps = next
		ss = found + plen
	}
	return onlyDeep(pat[ps : pe+1])
}

func onlyDeep(toks []string) bool {
	for _, t := range toks {
		if t != deep {
			return false
		}
	}
	return true
}

// matchSegment is SelectorUtils.match: '*' matches any run of characters
// and '?' exactly one.
func matchSegment(pat, str string, cs bool) bool {
	if isASCII(pat) && isASCII(str) {
		return matchChars([]byte(pat), []byte(str), cs)
	}
	return matchChars([]rune(pat), []rune(str), cs)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func differ[T byte | rune](cs bool, a, b T) bool {
	if cs || a == b {
		return a != b
	}
	return unicode.ToUpper(rune(a)) != unicode.ToUpper(rune(b))
}

func matchChars[T byte | rune](p, s []T, cs bool) bool {
	ps, pe := 0, len(p)-1
	ss, se := 0, len(s)-1
	star := false
	for _, c := range p {
		if c == '*' {
			star = true
			break
		}
	}
	if !star {
		if pe != se {
			return false
		}
		for i := 0; i <= pe; i++ {
			if p[i] != '?' && differ(cs, p[i], s[i]) {
				return false
			}
		}
		return true
	}
	if pe == 0 {
		return true // "*"
	}
	for {
		c := p[ps]
		if c == '*' || ss > se {
			break
		}
		if c != '?' && differ(cs, c, s[ss]) {
			return false
		}
		ps++
		ss++
	}
	if ss > se {
		return allStars(p[ps : pe+1])
	}
	for {
		c := p[pe]
		if c == '*' || ss > se {
			break
		}
		if c != '?' && differ(cs, c, s[se]) {
			return false
		}
		pe--
		se--
	}
	if ss > se {
		return allStars(p[ps : pe+1])
	}
	for ps != pe && ss <= se {
		next := -1
		for i := ps + 1; i <= pe; i++ {
			if p[i] == '*' {
				next = i
				break
			}
		}
		if next == ps+1 {
			ps++
			continue
		}
		plen := next - ps - 1
		slen := se - ss + 1
		found := -1
	search:
		for i := 0; i <= slen-plen; i++ {
			for j := 0; j < plen; j++ {
				c := p[ps+j+1]
				if c != '?' && differ(cs, c, s[ss+i+j]) {
					continue search
				}
			}
			found = ss + i
			break
		}
		if found < 0 {
			return false
		}
		ps = next
		ss = found + plen
	}
	return allStars(p[ps : pe+1])
}

func allStars[T byte | rune](p []T) bool {
	for _, c := range p {
		if c != '*' {
			return false
		}
	}
	return true
}
