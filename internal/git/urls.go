package git

import (
	"errors"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// URI is a repository URL split as JGit's URIish splits it: a URL with
// a scheme ("https://u@h:8443/p"), a scp-like address ("git@h:p") or a
// local path ("/srv/repo.git"; Host is empty).
type URI struct {
	Scheme string // "" for scp-like addresses and paths
	User   string
	Pass   string
	Host   string
	Port   int
	Path   string // as written: "/a/b.git" for URLs, "a/b.git" for "h:a/b.git"
}

var (
	schemeRE = regexp.MustCompile(`^([a-zA-Z][a-zA-Z0-9+.-]*)://`)
	// scpRE is JGit's RELATIVE_SCP_URI and ABSOLUTE_SCP_URI: [user@]host:path.
	scpRE = regexp.MustCompile(`^(?:([^@/:]+)@)?([^/:\\]{2,}|\[[0-9a-fA-F:.]+\]):(.*)$`)
)

// ErrBadURL is returned for URLs that cannot name a repository.
var ErrBadURL = errors.New("not a repository URL")

// ParseURI splits a repository URL.
func ParseURI(s string) (URI, error) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 4096 || strings.ContainsAny(s, "\x00\n\r") {
		return URI{}, ErrBadURL
	}
	if m := schemeRE.FindStringSubmatch(s); m != nil {
		u := URI{Scheme: strings.ToLower(m[1])}
		rest := s[len(m[0]):]
		authority, path := rest, ""
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			authority, path = rest[:i], rest[i:]
		}
		if i := strings.LastIndexByte(authority, '@'); i >= 0 {
			info := authority[:i]
			authority = authority[i+1:]
			u.User, u.Pass, _ = strings.Cut(info, ":")
			u.User, _ = url.PathUnescape(u.User)
			u.Pass, _ = url.PathUnescape(u.Pass)
		}
		host := authority
		if strings.HasPrefix(host, "[") {
			if i := strings.IndexByte(host, ']'); i >= 0 {
				if p := host[i+1:]; strings.HasPrefix(p, ":") {
					port, err := strconv.Atoi(p[1:])
					if err != nil || port <= 0 || port > 65535 {
						return URI{}, ErrBadURL
					}
					u.Port = port
				}
				host = host[:i+1]
			}
		} else if i := strings.LastIndexByte(host, ':'); i >= 0 {
			if host[i+1:] != "" {
				port, err := strconv.Atoi(host[i+1:])
				if err != nil || port <= 0 || port > 65535 {
					return URI{}, ErrBadURL
				}
				u.Port = port
			}
			host = host[:i]
		}
		u.Host = host
		if p, err := url.PathUnescape(path); err == nil {
			path = p
		}
		u.Path = path
		if u.Host == "" && u.Scheme != "file" {
			return URI{}, ErrBadURL
		}
		return u, nil
	}
	if rest, ok := strings.CutPrefix(s, "file:"); ok {
		return URI{Scheme: "file", Path: rest}, nil
	}
	if m := scpRE.FindStringSubmatch(s); m != nil {
		return URI{User: m[1], Host: m[2], Path: m[3]}, nil
	}
	return URI{Path: s}, nil
}

// LooselyMatches reports whether two repository URLs name the same
// repository as the git plugin's GitStatus.looselyMatches decides:
// scheme, user, password and port are ignored, a leading "ssh." of the
// host is dropped, and the paths are compared without a leading and a
// trailing "/", a ".git" suffix, Azure's "v3/" prefix and "/_git/". So
// git@github.com:a/b.git matches https://github.com/a/b. Unlike the
// plugin, host names are compared without regard to case.
func LooselyMatches(a, b string) bool {
	ua, err := ParseURI(a)
	if err != nil {
		return false
	}
	ub, err := ParseURI(b)
	if err != nil {
		return false
	}
	return looselyMatches(ua, ub)
}

var azureVersionRE = regexp.MustCompile(`^v\d/`)

func looselyMatches(a, b URI) bool {
	ha := strings.TrimPrefix(strings.ToLower(a.Host), "ssh.")
	hb := strings.TrimPrefix(strings.ToLower(b.Host), "ssh.")
	return ha == hb && normalizePath(a.Path) == normalizePath(b.Path)
}

func normalizePath(p string) string {
	p = strings.TrimPrefix(p, "/")
	p = strings.TrimSuffix(p, "/")
	p = strings.TrimSuffix(p, ".git")
	if azureVersionRE.MatchString(p) {
		p = p[3:]
	}
	return strings.ReplaceAll(p, "/_git/", "/")
}

// SameURI reports whether two URLs are equal part by part, as JGit's
// URIish.equals decides (RevisionParameterAction.canOriginateFrom).
func SameURI(a, b string) bool {
	ua, errA := ParseURI(a)
	ub, errB := ParseURI(b)
	if errA != nil || errB != nil {
		return a == b
	}
	return ua == ub
}

// isHTTP reports whether the URL is one git reaches with HTTP.
func (u URI) isHTTP() bool {
	switch u.Scheme {
	case "http", "https", "ftp", "ftps":
		return true
	}
	return false
}

// isSSH reports whether git reaches the URL with ssh.
func (u URI) isSSH() bool {
	switch u.Scheme {
	case "ssh", "git+ssh", "ssh+git":
		return true
	case "":
		return u.Host != ""
	}
	return false
}

// secretUserinfo reports whether the URL carries a secret in its
// userinfo: a password, or, over HTTP, a user name (a token is often
// given as one: https://TOKEN@github.com/…).
func (u URI) secretUserinfo() bool {
	return u.Pass != "" || u.isHTTP() && u.User != ""
}

// MaskURL is s with the userinfo replaced by "****" when it may hold a
// secret (a password, or any userinfo of an http(s) URL), for the
// console. Other URLs are returned as they are.
func MaskURL(s string) string {
	u, err := ParseURI(s)
	if err != nil || u.Scheme == "" || !u.secretUserinfo() {
		return s
	}
	m := schemeRE.FindString(s)
	rest := s[len(m):]
	end := strings.IndexByte(rest, '/')
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndexByte(rest[:end], '@')
	if at < 0 {
		return s
	}
	return m + "****" + rest[at:]
}

// stripUserinfo is s without the userinfo of a URL whose userinfo may
// hold a secret, and the user and password it had. git is then given
// them by GIT_ASKPASS, so that they appear on no command line and in no
// .git/config.
func stripUserinfo(s string) (clean, user, pass string) {
	u, err := ParseURI(s)
	if err != nil || u.Scheme == "" || !u.secretUserinfo() {
		return s, "", ""
	}
	m := schemeRE.FindString(s)
	rest := s[len(m):]
	end := strings.IndexByte(rest, '/')
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndexByte(rest[:end], '@')
	if !u.isHTTP() {
		// ssh and others: keep the login, take out the password.
		user, _, _ := strings.Cut(rest[:at], ":")
		return m + user + "@" + rest[at+1:], u.User, u.Pass
	}
	return m + rest[at+1:], u.User, u.Pass
}

// mirrorKeyURL is the URL a mirror is keyed by: without userinfo, so
// that jobs giving different tokens share one mirror and no token
// reaches a directory name.
func mirrorKeyURL(s string) string {
	u, err := ParseURI(s)
	if err != nil || u.Scheme == "" || (u.User == "" && u.Pass == "") {
		return strings.TrimSpace(s)
	}
	m := schemeRE.FindString(s)
	rest := s[len(m):]
	end := strings.IndexByte(rest, '/')
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndexByte(rest[:end], '@')
	return strings.TrimSpace(m + rest[at+1:])
}

// LocalCheckoutMessage is the refusal (SECURITY-2478) of a remote that
// is a local directory, for url: the git plugin's first sentence, then
// how to allow it in jeeves. The plugin's second sentence names the Java
// system property hudson.plugins.git.GitSCM.ALLOW_LOCAL_CHECKOUT, which
// jeeves does not read; its git setting allowLocalCheckout is the switch.
func LocalCheckoutMessage(url string) string {
	return "Checkout of Git remote '" + url + "' aborted because it references a local directory, " +
		"which may be insecure. You can allow local checkouts anyway with the git setting " +
		"\"Allow checkouts of local repositories\" (allowLocalCheckout) on the Manage jeeves page (manage/#git)."
}

// looksLocal reports whether url starts with file:// (any case) or is a
// path, not a URL or scp-like address; such a remote is refused unless
// the path does not exist (GitSCM.isRemoteUrlValid).
func looksLocal(raw string) (fileURL bool, path bool) {
	if strings.HasPrefix(strings.ToLower(raw), "file://") {
		return true, false
	}
	u, err := ParseURI(raw)
	if err != nil {
		return false, false
	}
	return false, u.Scheme == "" && u.Host == ""
}

// IsLocal reports whether url is a file:// URL or a local path rather
// than a URL or an scp-like address: what the plugin refuses
// (SECURITY-2478) unless local checkouts are allowed.
func IsLocal(url string) bool {
	fileURL, path := looksLocal(url)
	return fileURL || path
}

// checkRemoteURL refuses what could be read as an option or a command
// (SECURITY-1534, CliGitAPIImpl.addCheckedRemoteUrl).
func checkRemoteURL(raw string) error {
	t := strings.TrimSpace(raw)
	for _, ok := range []string{"/", "\\\\", "file:", "git:", "git@", "http:", "https:", "ssh:"} {
		if strings.HasPrefix(t, ok) {
			return nil
		}
	}
	if len(t) > 2 && t[1] == ':' && (t[0]|0x20 >= 'a' && t[0]|0x20 <= 'z') {
		return nil
	}
	if strings.HasPrefix(t, "-") || strings.Contains(t, "`") || strings.Contains(t, "--upload-pack=") ||
		strings.ContainsAny(t, " \t\n\r\f\v") {
		return errors.New("Invalid remote URL: " + raw)
	}
	return nil
}
