package git

import (
	"regexp"
	"strings"
)

// BranchSpec is one branch specifier of a GitSCM, matched as the git
// plugin's BranchSpec does: "*" matches anything but "/", "**" anything;
// a name without "/" and "**" also matches it under any remote
// ("origin/x", "refs/remotes/r/x", "remotes/r/x") and as "refs/heads/x";
// a name starting with ":" is a java.util.regex.Pattern matched against
// the whole ref; ${VAR} and $VAR are expanded from the environment.
type BranchSpec struct {
	Name string // trimmed; "**" when blank
}

// NewBranchSpec makes a BranchSpec of a configured name (BranchSpec.setName).
func NewBranchSpec(name string) BranchSpec {
	if name == "" {
		return BranchSpec{Name: "**"}
	}
	return BranchSpec{Name: strings.TrimSpace(name)}
}

// gitRefRE is GitSCM.GIT_REF.
var gitRefRE = regexp.MustCompile(`^(refs/[^/]+)/(.+)`)

// cutRefs drops a leading "refs/<kind>/" (BranchSpec.cutRefs).
func cutRefs(name string) string {
	if m := gitRefRE.FindStringSubmatch(name); m != nil {
		return m[2]
	}
	return name
}

func (b BranchSpec) expanded(env map[string]string) string {
	s := Expand(b.Name, env)
	if s == "" {
		return "**"
	}
	return s
}

// Matches reports whether ref (such as "origin/main",
// "refs/remotes/origin/main", "refs/heads/main" or "refs/tags/v1")
// matches the spec, with variables expanded from env (BranchSpec.matches).
func (b BranchSpec) Matches(ref string, env map[string]string) bool {
	return b.Matcher(env)(ref)
}

// Matcher compiles the spec once for matching many refs. A regular
// expression that does not compile matches nothing; Err says why.
func (b BranchSpec) Matcher(env map[string]string) func(ref string) bool {
	name := b.expanded(env)
	if re := javaPattern(name); re != nil {
		return re
	}
	simple := !strings.Contains(name, "**") && !strings.Contains(name, "/")
	return func(ref string) bool {
		// The plugin's pattern: (refs/heads/|<remote prefixes>)?<glob>.
		if globMatch(name, ref) {
			return true
		}
		if rest, ok := strings.CutPrefix(ref, "refs/heads/"); ok && globMatch(name, rest) {
			return true
		}
		if !simple {
			for _, p := range []string{"refs/remotes/", "remotes/"} {
				if rest, ok := strings.CutPrefix(ref, p); ok && globMatch(name, rest) {
					return true
				}
			}
			return false
		}
		for _, p := range []string{"refs/remotes/", "remotes/", ""} {
			rest, ok := strings.CutPrefix(ref, p)
			if !ok {
				continue
			}
			if seg, after, ok := strings.Cut(rest, "/"); ok && seg != "" && globMatch(name, after) {
				return true
			}
		}
		return false
	}
}

// globMatch matches s against a branch spec's wildcards: "*" any text
// without "/", "**" any text (BranchSpec.convertWildcardStringToRegex),
// the rest literally.
func globMatch(pattern, s string) bool {
	// memo[i][j]: pattern[i:] against s[j:] was tried and failed.
	type key struct{ i, j int }
	failed := map[key]bool{}
	var match func(i, j int) bool
	match = func(i, j int) bool {
		for i < len(pattern) {
			if pattern[i] != '*' {
				if j >= len(s) || s[j] != pattern[i] {
					return false
				}
				i++
				j++
				continue
			}
			any := i+1 < len(pattern) && pattern[i+1] == '*'
			next := i + 1
			if any {
				next = i + 2
			}
			if failed[key{i, j}] {
				return false
			}
			for k := j; k <= len(s); k++ {
				if match(next, k) {
					return true
				}
				if k < len(s) && !any && s[k] == '/' {
					break
				}
			}
			failed[key{i, j}] = true
			return false
		}
		return j == len(s)
	}
	return match(0, 0)
}

// Err is why the spec's regular expression (a name starting with ":")
// does not compile; nil when it does or the spec is not one.
func (b BranchSpec) Err(env map[string]string) error {
	name := b.expanded(env)
	if !strings.HasPrefix(name, ":") || len(name) < 2 {
		return nil
	}
	_, err := compileJavaRegex(name[1:])
	return err
}

// javaPattern compiles a ":regex" spec; nil if name is not one.
func javaPattern(name string) func(string) bool {
	if !strings.HasPrefix(name, ":") || len(name) < 2 {
		return nil
	}
	re, err := compileJavaRegex(name[1:])
	if err != nil {
		return func(string) bool { return false }
	}
	return func(s string) bool {
		ok, _ := re.matches(s)
		return ok
	}
}

// MatchesRepositoryBranch reports whether a branch named by a push
// notification ("main", "refs/heads/main" or "origin/main") matches the
// spec for the remote called repo (BranchSpec.matchesRepositoryBranch).
// Variables are not expanded.
func (b BranchSpec) MatchesRepositoryBranch(repo, branch string) bool {
	name := b.expanded(nil)
	match := javaPattern(name)
	if match == nil {
		pattern := strings.TrimPrefix(cutRefs(name), "remotes/")
		match = func(s string) bool { return globMatch(pattern, s) }
	}
	short := cutRefs(branch)
	return match(short) || match(repo+"/"+short)
}

// varRE is hudson.Util's VARIABLE pattern.
var varRE = regexp.MustCompile(`\$([A-Za-z0-9_]+|\{[A-Za-z0-9_.]+\}|\$)`)

// Expand replaces $VAR and ${VAR} with their values in env, and $$ with
// $, leaving unknown variables as they are (hudson.Util.replaceMacro, as
// EnvVars.expand uses it).
func Expand(s string, env map[string]string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	idx := 0
	for idx <= len(s) {
		loc := varRE.FindStringSubmatchIndex(s[idx:])
		if loc == nil {
			return s
		}
		start, end := idx+loc[0], idx+loc[1]
		key := s[start+1 : end]
		var value string
		ok := true
		if key == "$" {
			value = "$"
		} else {
			key = strings.TrimSuffix(strings.TrimPrefix(key, "{"), "}")
			value, ok = env[key]
		}
		if !ok {
			idx = end
			continue
		}
		s = s[:start] + value + s[end:]
		idx = start + len(value)
	}
	return s
}
