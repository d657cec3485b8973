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
	var sb strings.Builder
	sb.WriteString("^(?:refs/heads/")
	if !strings.Contains(name, "**") && !strings.Contains(name, "/") {
		sb.WriteString("|refs/remotes/[^/]+/|remotes/[^/]+/|[^/]+/")
	} else {
		sb.WriteString("|refs/remotes/|remotes/")
	}
	sb.WriteString(")?")
	sb.WriteString(wildcardToRegex(name))
	sb.WriteString("$")
	re := regexp.MustCompile(sb.String())
	return re.MatchString
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
		re := regexp.MustCompile("^" + wildcardToRegex(pattern) + "$")
		match = re.MatchString
	}
	short := cutRefs(branch)
	return match(short) || match(repo+"/"+short)
}

// wildcardToRegex turns "*" into "[^/]*" and "**" into ".*", quoting the
// rest (BranchSpec.convertWildcardStringToRegex).
func wildcardToRegex(s string) string {
	var sb strings.Builder
	pending := false // the previous token was a single "*"
	for len(s) > 0 {
		if s[0] == '*' {
			if pending {
				sb.WriteString(".*")
				pending = false
			} else {
				pending = true
			}
			s = s[1:]
			continue
		}
		i := strings.IndexByte(s, '*')
		if i < 0 {
			i = len(s)
		}
		if pending {
			sb.WriteString("[^/]*")
			pending = false
		}
		sb.WriteString(regexp.QuoteMeta(s[:i]))
		s = s[i:]
	}
	if pending {
		sb.WriteString("[^/]*")
	}
	return sb.String()
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
