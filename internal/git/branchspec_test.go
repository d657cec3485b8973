package git

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// The cases of the git plugin's BranchSpecTest, one row per assertion.
func TestBranchSpecMatches(t *testing.T) {
	env := map[string]string{
		"master": "master", "origin": "origin", "dev": "dev", "magnayn": "magnayn",
		"mybranch": "my.branch", "anyLong": "**", "anyShort": "*", "anyEmpty": "",
	}
	gitBranch := map[string]string{"GIT_BRANCH": "origin/master"}
	cases := []struct {
		spec string
		env  map[string]string
		ref  string
		want bool
	}{
		{"master", nil, "origin/master", true},
		{"master", nil, "origin/something/master", false},
		{"master", nil, "master", true},
		{"master", nil, "dev", false},
		{"origin/*/dev", nil, "origintestdev", false},
		{"origin/*/dev", nil, "origin/test/dev", true},
		{"origin/*/dev", nil, "origin/test/release", false},
		{"origin/*/dev", nil, "origin/test/something/release", false},
		{"origin/*", nil, "origin/master", true},
		{"**/magnayn/*", nil, "origin/magnayn/b1", true},
		{"**/magnayn/*", nil, "remote/origin/magnayn/b1", true},
		{"**/magnayn/*", nil, "remotes/origin/magnayn/b1", true},
		{"*/my.branch/*", nil, "origin/my.branch/b1", true},
		{"*/my.branch/*", nil, "origin/my-branch/b1", false},
		{"*/my.branch/*", nil, "remote/origin/my.branch/b1", false},
		{"*/my.branch/*", nil, "remotes/origin/my.branch/b1", true},
		{"**", nil, "origin/my.branch/b1", true},
		{"**", nil, "origin/my-branch/b1", true},
		{"**", nil, "remote/origin/my.branch/b1", true},
		{"**", nil, "remotes/origin/my.branch/b1", true},
		{"*", nil, "origin/x", true},
		{"*", nil, "origin/my-branch/b1", false},

		{"${master}", env, "origin/master", true},
		{"${master}", env, "origin/something/master", false},
		{"${master}", env, "master", true},
		{"${master}", env, "dev", false},
		{"${origin}/*/${dev}", env, "origintestdev", false},
		{"${origin}/*/${dev}", env, "origin/test/dev", true},
		{"${origin}/*/${dev}", env, "origin/test/release", false},
		{"${origin}/*/${dev}", env, "origin/test/something/release", false},
		{"${origin}/*", env, "origin/master", true},
		{"**/${magnayn}/*", env, "origin/magnayn/b1", true},
		{"**/${magnayn}/*", env, "remote/origin/magnayn/b1", true},
		{"*/${mybranch}/*", env, "origin/my.branch/b1", true},
		{"*/${mybranch}/*", env, "origin/my-branch/b1", false},
		{"*/${mybranch}/*", env, "remote/origin/my.branch/b1", false},
		{"${anyLong}", env, "origin/my.branch/b1", true},
		{"${anyLong}", env, "origin/my-branch/b1", true},
		{"${anyLong}", env, "remote/origin/my.branch/b1", true},
		{"${anyShort}", env, "origin/x", true},
		{"${anyShort}", env, "origin/my-branch/b1", false},
		{"${anyEmpty}", env, "origin/my.branch/b1", true},
		{"${anyEmpty}", env, "origin/my-branch/b1", true},
		{"${anyEmpty}", env, "remote/origin/my.branch/b1", true},

		{"refs/heads/j*n*", nil, "refs/heads/jenkins", true},
		{"refs/heads/j*n*", nil, "refs/heads/jane", true},
		{"refs/heads/j*n*", nil, "refs/heads/jones", true},
		{"refs/heads/j*n*", nil, "origin/jenkins", false},
		{"refs/heads/j*n*", nil, "remote/origin/jane", false},

		{":^(?!(origin/prefix)).*", nil, "origin", true},
		{":^(?!(origin/prefix)).*", nil, "origin/master", true},
		{":^(?!(origin/prefix)).*", nil, "origin/feature", true},
		{":^(?!(origin/prefix)).*", nil, "origin/prefix_123", false},
		{":^(?!(origin/prefix)).*", nil, "origin/prefix", false},
		{":^(?!(origin/prefix)).*", nil, "origin/prefix-abc", false},
		{`:origin/release-\d{8}`, nil, "origin/release-20150101", true},
		{`:origin/release-\d{8}`, nil, "origin/release-2015010", false},
		{`:origin/release-\d{8}`, nil, "origin/release-201501011", false},
		{`:origin/release-\d{8}`, nil, "origin/release-20150101-something", false},
		{":^(?!origin/master$|origin/develop$).*", nil, "origin/branch1", true},
		{":^(?!origin/master$|origin/develop$).*", nil, "origin/branch-2", true},
		{":^(?!origin/master$|origin/develop$).*", nil, "origin/master123", true},
		{":^(?!origin/master$|origin/develop$).*", nil, "origin/develop-123", true},
		{":^(?!origin/master$|origin/develop$).*", nil, "origin/master", false},
		{":^(?!origin/master$|origin/develop$).*", nil, "origin/develop", false},

		{"${GIT_BRANCH}", gitBranch, "refs/heads/origin/master", true},
		{"${GIT_BRANCH}", gitBranch, "origin/master", true},
		{"${GIT_BRANCH}", gitBranch, "master", false},
		{"$GIT_BRANCH", gitBranch, "refs/heads/origin/master", true},
		{"$GIT_BRANCH", gitBranch, "origin/master", true},
		{"$GIT_BRANCH", gitBranch, "master", false},
		{"${GIT_BRANCH,fullName=True}", gitBranch, "refs/heads/origin/master", false},
		{"${GIT_BRANCH,fullName=True}", gitBranch, "origin/master", false},
		{"${GIT_BRANCH,fullName=True}", gitBranch, "master", false},
		{"${GIT_BRANCH,fullName=false}", gitBranch, "origin/master", false},

		// The forms of the research notes.
		{"*/main", nil, "refs/remotes/origin/main", true},
		{"*/main", nil, "origin/main", true},
		{"*/main", nil, "origin/feature/main", false},
		{"main", nil, "refs/remotes/upstream/main", true},
		{"main", nil, "refs/heads/main", true},
		{"refs/heads/x", nil, "refs/heads/x", true},
		{"origin/x", nil, "origin/x", true},
		{"origin/x", nil, "upstream/x", false},
		{"refs/tags/v1.2", nil, "refs/tags/v1.2", true},
		{"refs/tags/v1.2", nil, "refs/tags/v1x2", false},
		{"**", nil, "refs/tags/v1.2", true},
		{"*/release-*", nil, "origin/release-1.0", true},
		{"*/release-*", nil, "origin/release/1.0", false},
		{"", nil, "anything/at/all", true},
		{":bad(regex", nil, "bad(regex", false},
	}
	for _, c := range cases {
		name := c.spec + " matching " + c.ref
		t.Run(name, func(t *testing.T) {
			if got := NewBranchSpec(c.spec).Matches(c.ref, c.env); got != c.want {
				t.Errorf("NewBranchSpec(%q).Matches(%q) = %v, want %v", c.spec, c.ref, got, c.want)
			}
		})
	}
}

func TestBranchSpecName(t *testing.T) {
	for in, want := range map[string]string{"": "**", " master ": "master", "other": "other"} {
		t.Run("the name "+strings.TrimSpace(in)+" is kept as "+want, func(t *testing.T) {
			if got := NewBranchSpec(in).Name; got != want {
				t.Errorf("NewBranchSpec(%q).Name = %q, want %q", in, got, want)
			}
		})
	}
}

// notifyCommit's branch matching (the plugin's GitStatusTest cases).
func TestMatchesRepositoryBranch(t *testing.T) {
	cases := []struct {
		spec, repo, branch string
		want               bool
	}{
		{"*/main", "origin", "main", true},
		{"*/main", "origin", "refs/heads/main", true},
		{"*/main", "origin", "origin/main", true},
		{"*/main", "origin", "feature", false},
		{"main", "origin", "main", true},
		{"origin/main", "origin", "main", true},
		{"refs/heads/main", "origin", "main", true},
		{"remotes/origin/main", "origin", "main", true},
		{"**", "origin", "a/b/c", true},
		{"*/feature/*", "origin", "feature/x", true},
		{":.*main", "origin", "main", true},
		{"*/main", "upstream", "origin/main", true}, // "*" matches the "origin" part itself
		{"*/main", "upstream", "origin/x/main", false},
	}
	for _, c := range cases {
		t.Run(c.spec+" and a push to "+c.branch, func(t *testing.T) {
			if got := NewBranchSpec(c.spec).MatchesRepositoryBranch(c.repo, c.branch); got != c.want {
				t.Errorf("MatchesRepositoryBranch(%q, %q) for %q = %v, want %v", c.repo, c.branch, c.spec, got, c.want)
			}
		})
	}
}

func TestExpand(t *testing.T) {
	env := map[string]string{"A": "x", "B_C": "y", "D.E": "z", "EMPTY": ""}
	cases := map[string]string{
		"$A":          "x",
		"${A}/$B_C":   "x/y",
		"${D.E}":      "z",
		"$UNKNOWN/$A": "$UNKNOWN/x",
		"$$A":         "$A",
		"pre${EMPTY}": "pre",
		"${A,b}":      "${A,b}",
		"no vars":     "no vars",
	}
	for in, want := range cases {
		t.Run(in+" expands to "+want, func(t *testing.T) {
			if got := Expand(in, env); got != want {
				t.Errorf("Expand(%q) = %q, want %q", in, got, want)
			}
		})
	}
}

func TestJavaRegex(t *testing.T) {
	cases := []struct {
		re, in string
		want   bool
	}{
		{`a(?=b)b`, "ab", true},
		{`(?<=a)b`, "b", false},
		{`.*(?<=a)b`, "ab", true},
		{`.*(?<!a)b`, "ab", false},
		{`(?i)MAIN`, "main", true},
		{`(?i:MA)IN`, "maIN", true},
		{`(?i:MA)IN`, "main", false},
		{`(a+)+b`, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaac", false},
		{`(\w+)-\1`, "abc-abc", true},
		{`(\w+)-\1`, "abc-abd", false},
		{`(?<n>x+)y\k<n>`, "xxyxx", true},
		{`a{2,3}`, "aaaa", false},
		{`a{2,}`, "aaaa", true},
		{`a*+a`, "aaa", false},
		{`a*?a`, "aaa", true},
		{`(?>a*)a`, "aaa", false},
		{`[a-c&&[b-d]]+`, "bcbc", true},
		{`[a-c&&[b-d]]+`, "abc", false},
		{`[^/]+`, "x/y", false},
		{`\Qa.b\E+`, "a.bbb", true},
		{`\Qa.b\E`, "axb", false},
		{`\p{Lu}\p{L}*`, "Élan", true},
		{`\d+\.\d+`, "1.25", true},
		{`origin/(main|develop)`, "origin/develop", true},
		{`release-.*$`, "release-1\n", false}, // matches() must consume the final line terminator too
		{`x$`, "x\n\n", false},
		{`(?x) a b # comment`, "ab", true},
		{`\bfoo\b.*`, "foo bar", true},
		{`[]a]+`, "]a]", true},
		{`\u0041\x42\0103`, "ABC", true},
	}
	for _, c := range cases {
		t.Run(c.re+" on "+c.in, func(t *testing.T) {
			re, err := compileJavaRegex(c.re)
			if err != nil {
				t.Fatalf("compile %q: %v", c.re, err)
			}
			got, _ := re.matches(c.in)
			if got != c.want {
				t.Errorf("%q matches %q = %v, want %v", c.re, c.in, got, c.want)
			}
		})
	}
	for _, bad := range []string{`(`, `)`, `*a`, `a{`, `[a`, `a{3,1}`, `\k<x>`, `(?z)`, `\y`} {
		t.Run("the invalid pattern "+bad+" is refused", func(t *testing.T) {
			if _, err := compileJavaRegex(bad); err == nil {
				t.Errorf("compileJavaRegex(%q) succeeded", bad)
			}
		})
	}
}

var leadingZeroRE = regexp.MustCompile(`[{,]0\d`)

// Where a pattern is valid for both RE2 and Java, both must agree.
func FuzzJavaRegexAgreesWithRE2(f *testing.F) {
	for _, s := range []string{`a.*b`, `[^/]+/x`, `(a|ab)(c|bcd)`, `x{2,3}y?`, `\d+`, `(?i)ab`} {
		f.Add(s, "aabcd")
	}
	f.Fuzz(func(t *testing.T, pattern, input string) {
		if len(pattern) > 40 || len(input) > 40 || strings.ContainsAny(pattern, `\[$^`) {
			return // class and escape syntaxes differ between the two
		}
		if leadingZeroRE.MatchString(pattern) {
			return // RE2 reads x{05} as literal text, Java as a repetition
		}
		if strings.ContainsAny(input, "\r\u0085\u2028\u2029") {
			return // Java's "." also stops at these line terminators; RE2's only at \n
		}
		re2, err := regexp.Compile(`^(?:` + pattern + `)$`)
		if err != nil || strings.Contains(pattern, "(?") {
			return
		}
		jre, err := compileJavaRegex(pattern)
		if err != nil {
			return
		}
		got, err := jre.matches(input)
		if err != nil {
			return
		}
		if want := re2.MatchString(input); got != want && strings.ToValidUTF8(input, "") == input {
			t.Errorf("%q on %q: java %v, RE2 %v", pattern, input, got, want)
		}
	})
}

func FuzzBranchSpec(f *testing.F) {
	for _, s := range []string{"*/main", "**", ":^(?!origin/master$).*", "refs/tags/*", "${X}/y", ":(a+)+$"} {
		f.Add(s, "refs/remotes/origin/main")
	}
	f.Fuzz(func(t *testing.T, spec, ref string) {
		b := NewBranchSpec(spec)
		b.Matches(ref, map[string]string{"X": "origin"})
		b.MatchesRepositoryBranch("origin", ref)
		_ = b.Err(nil)
	})
}

// wildcardRegex is the plugin's convertWildcardStringToRegex, ported
// literally, to check globMatch against.
func wildcardRegex(s string) string {
	var sb strings.Builder
	pending := false
	for _, tok := range regexp.MustCompile(`\*|[^*]+`).FindAllString(s, -1) {
		if tok == "*" {
			if pending {
				sb.WriteString(".*")
				pending = false
			} else {
				pending = true
			}
			continue
		}
		if pending {
			sb.WriteString("[^/]*")
			pending = false
		}
		sb.WriteString(regexp.QuoteMeta(tok))
	}
	if pending {
		sb.WriteString("[^/]*")
	}
	return sb.String()
}

func FuzzGlobAgreesWithThePluginsRegex(f *testing.F) {
	for _, s := range []string{"*/main", "**", "***", "a*b**c", "origin/*/dev", "refs/heads/j*n*"} {
		f.Add(s, "origin/test/dev")
	}
	f.Fuzz(func(t *testing.T, pattern, s string) {
		if !utf8.ValidString(pattern) || !utf8.ValidString(s) || len(pattern) > 30 || len(s) > 60 {
			return
		}
		re := regexp.MustCompile(`^(?s:` + wildcardRegex(pattern) + `)$`)
		if got, want := globMatch(pattern, s), re.MatchString(s); got != want {
			t.Errorf("globMatch(%q, %q) = %v, the regex says %v", pattern, s, got, want)
		}
	})
}
