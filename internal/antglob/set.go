package antglob

import (
	"strings"
)

// defaultExcludes is Ant's DirectoryScanner.DEFAULTEXCLUDES, which Jenkins
// leaves as Ant ships it.
var defaultExcludes = [...]string{
	"**/*~",
	"**/#*#",
	"**/.#*",
	"**/%*%",
	"**/._*",
	"**/CVS",
	"**/CVS/**",
	"**/.cvsignore",
	"**/SCCS",
	"**/SCCS/**",
	"**/vssver.scc",
	"**/.svn",
	"**/.svn/**",
	"**/.git",
	"**/.git/**",
	"**/.gitattributes",
	"**/.gitignore",
	"**/.gitmodules",
	"**/.hg",
	"**/.hg/**",
	"**/.hgignore",
	"**/.hgsub",
	"**/.hgsubstate",
	"**/.hgtags",
	"**/.bzr",
	"**/.bzr/**",
	"**/.bzrignore",
	"**/.DS_Store",
}

// DefaultExcludes returns Ant's default excludes, in Ant's order.
func DefaultExcludes() []string {
	return append([]string(nil), defaultExcludes[:]...)
}

// Split splits a comma-separated list of patterns as Jenkins does
// (Util.createFileSet, then Ant's PatternSet): on commas only, each
// pattern trimmed, empty ones dropped. It returns nil when the list holds
// no comma-separated token at all ("" or ","), which a Set reads as "every
// file", as Ant reads a file set without includes; and an empty, non-nil
// slice when every token was blank (" , "), which matches nothing.
// White space is not a separator: "a b" is one pattern.
func Split(list string) []string {
	var out []string
	tokens := 0
	for _, t := range strings.Split(list, ",") {
		if t == "" {
			continue
		}
		tokens++
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	if tokens == 0 {
		return nil
	}
	if out == nil {
		out = []string{}
	}
	return out
}

// Options are a Set's switches; the zero value is Jenkins's default.
type Options struct {
	// CaseInsensitive matches patterns ignoring case (caseSensitive=false).
	CaseInsensitive bool
	// NoDefaultExcludes leaves out Ant's default excludes
	// (defaultExcludes=false).
	NoDefaultExcludes bool
}

// Set is an Ant file set: a path is in it when an include pattern
// matches it and no exclude pattern does.
type Set struct {
	cs bool
	// Patterns with wildcards are matched segment by segment; those
	// without are compared as whole strings (upper-cased when matching
	// ignores case), as DirectoryScanner keeps them apart.
	incWild, excWild []Pattern
	incLit, excLit   map[string]struct{}
	incLitPat        []Pattern // incLit as patterns, to decide descent
}

// NewSet builds a file set. includes nil means every path ("**"), as Ant
// reads a file set without includes; an empty, non-nil includes matches
// nothing. Empty patterns are ignored, as Ant's PatternSet ignores them.
func NewSet(includes, excludes []string, opt Options) *Set {
	s := &Set{cs: !opt.CaseInsensitive, incLit: map[string]struct{}{}, excLit: map[string]struct{}{}}
	if includes == nil {
		includes = []string{deep}
	}
	for _, p := range includes {
		if p == "" {
			continue
		}
		c := Compile(p)
		if c.wild {
			s.incWild = append(s.incWild, c)
			continue
		}
		key := s.fold(c.text)
		s.incLit[key] = struct{}{}
		s.incLitPat = append(s.incLitPat, Compile(key))
	}
	excl := excludes
	if !opt.NoDefaultExcludes {
		excl = append(append([]string(nil), excludes...), defaultExcludes[:]...)
	}
	for _, p := range excl {
		if p == "" {
			continue
		}
		c := Compile(p)
		if c.wild {
			s.excWild = append(s.excWild, c)
			continue
		}
		s.excLit[s.fold(c.text)] = struct{}{}
	}
	return s
}

// fold is how a pattern without wildcards, and a path compared with it,
// is keyed: as written, or upper-cased when case is ignored.
func (s *Set) fold(p string) string {
	if s.cs {
		return p
	}
	return strings.ToUpper(p)
}

// CaseSensitive reports whether the set matches case.
func (s *Set) CaseSensitive() bool { return s.cs }

// Included reports whether an include pattern matches path
// (DirectoryScanner.isIncluded).
func (s *Set) Included(path string) bool {
	if _, ok := s.incLit[s.fold(path)]; ok {
		return true
	}
	if len(s.incWild) == 0 {
		return false
	}
	toks := tokenize(path)
	for _, p := range s.incWild {
		if matchPath(p.tokens, toks, s.cs) {
			return true
		}
	}
	return false
}

// Excluded reports whether an exclude pattern, Ant's default excludes
// among them unless turned off, matches path
// (DirectoryScanner.isExcluded).
func (s *Set) Excluded(path string) bool {
	if _, ok := s.excLit[s.fold(path)]; ok {
		return true
	}
	toks := tokenize(path)
	for _, p := range s.excWild {
		if matchPath(p.tokens, toks, s.cs) {
			return true
		}
	}
	return false
}

// Match reports whether path is in the set: included and not excluded.
// The empty path is the base directory itself.
func (s *Set) Match(path string) bool {
	return s.Included(path) && !s.Excluded(path)
}

// Descend reports whether a walker must look inside the directory dir
// to find every path in the set: some include pattern could match below
// it and no exclude pattern ending in "**" covers all of it
// (DirectoryScanner.couldHoldIncluded and contentsExcluded). Skipping the
// directories it refuses changes what a walk finds in no way; it only
// saves the work.
func (s *Set) Descend(dir string) bool {
	return s.couldHoldIncluded(dir) && !s.contentsExcluded(dir)
}

func (s *Set) couldHoldIncluded(dir string) bool {
	toks := tokenize(dir)
	ok := func(p Pattern) bool {
		return matchPatternStart(p.tokens, toks, s.cs) &&
			s.morePowerfulThanExcludes(dir) &&
			(hasDeep(p.tokens) || len(p.tokens) > len(toks))
	}
	for _, p := range s.incWild {
		if ok(p) {
			return true
		}
	}
	for _, p := range s.incLitPat {
		if ok(p) {
			return true
		}
	}
	return false
}

// morePowerfulThanExcludes is false when an exclude pattern reads exactly
// dir + "/**".
func (s *Set) morePowerfulThanExcludes(dir string) bool {
	sought := dir + "/" + deep
	for _, p := range s.excWild {
		if p.text == sought {
			return false
		}
	}
	return true
}

func (s *Set) contentsExcluded(dir string) bool {
	toks := tokenize(dir)
	for _, p := range s.excWild {
		if n := len(p.tokens); n > 0 && p.tokens[n-1] == deep {
			if matchPath(p.tokens[:n-1], toks, s.cs) {
				return true
			}
		}
	}
	return false
}

func hasDeep(toks []string) bool {
	for _, t := range toks {
		if t == deep {
			return true
		}
	}
	return false
}
