package git

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// Texts of /git/notifyCommit's answers (GitStatus.doNotifyCommit).
const (
	NotifyTokenRequired        = "An access token is required. Please refer to Git plugin documentation (https://plugins.jenkins.io/git/#plugin-content-push-notification-from-repository) for details."
	NotifyTokenRequiredForSHA1 = "An access token is required when using the sha1 parameter. Please refer to Git plugin documentation (https://plugins.jenkins.io/git/#plugin-content-push-notification-from-repository) for details."
	NotifyTokenInvalid         = "Invalid access token"
	NotifyIllegalSHA1          = "Illegal SHA1"
	NotifyNoGitJobs            = "No git jobs found"
)

// Bounds of a notifyCommit request's values.
const (
	maxNotifyURL      = 4096
	maxNotifyBranches = 100
)

// NotifyCommit is a parsed /git/notifyCommit request.
type NotifyCommit struct {
	URL      string
	URI      URI
	Branches []string // empty: any branch
	SHA1     string   // "" or hex digits only
}

// NotifyError is a notifyCommit request's problem: Status is the HTTP
// status to answer with, Message the text.
type NotifyError struct {
	Status  int
	Message string
}

func (e *NotifyError) Error() string { return e.Message }

// ParseNotifyCommit reads the url, branches and sha1 parameters of a
// /git/notifyCommit request. A missing url is a 400 here (Jenkins fails
// with a 500); a sha1 that is not hexadecimal gives 400 "Illegal SHA1",
// a url that names no repository 400 "Illegal URL: …". Non-hex
// characters around a valid sha1 are removed as the plugin does.
func ParseNotifyCommit(q url.Values) (*NotifyCommit, error) {
	raw := q.Get("url")
	if raw == "" {
		return nil, &NotifyError{400, "Required Query parameter url is missing"}
	}
	if len(raw) > maxNotifyURL {
		return nil, &NotifyError{400, "Illegal URL: the URL is longer than " + strconv.Itoa(maxNotifyURL) + " characters"}
	}
	sha := strings.TrimSpace(q.Get("sha1"))
	if sha != "" && !hexRE.MatchString(sha) {
		return nil, &NotifyError{400, NotifyIllegalSHA1}
	}
	if len(sha) > 64 {
		return nil, &NotifyError{400, NotifyIllegalSHA1}
	}
	u, err := ParseURI(raw)
	if err != nil {
		return nil, &NotifyError{400, "Illegal URL: " + raw}
	}
	n := &NotifyCommit{URL: raw, URI: u, SHA1: sha}
	if b := strings.TrimSpace(q.Get("branches")); b != "" {
		n.Branches = strings.Split(b, ",")
		if len(n.Branches) > maxNotifyBranches {
			return nil, &NotifyError{400, "Too many branches: at most " + strconv.Itoa(maxNotifyBranches)}
		}
	}
	return n, nil
}

var hexRE = regexp.MustCompile(`^[a-fA-F0-9]+$`)

// CheckNotifyToken reports whether token is one of the notifyCommit
// tokens whose SHA-256 hashes (hex) are given, comparing in constant
// time (ApiTokenPropertyConfiguration.isValidApiToken).
func CheckNotifyToken(token string, hashes []string) bool {
	sum := sha256.Sum256([]byte(token))
	got := hex.EncodeToString(sum[:])
	ok := 0
	for _, h := range hashes {
		ok |= subtle.ConstantTimeCompare([]byte(got), []byte(strings.ToLower(h)))
	}
	return ok == 1 && token != ""
}

// Trigger is what the notifyCommit rules need to know of a job besides
// its GitSCM.
type Trigger struct {
	// HasSCMTrigger: the job polls (an hudson.triggers.SCMTrigger, even
	// with an empty spec).
	HasSCMTrigger bool
	// IgnorePostCommitHooks is the SCMTrigger's ignorePostCommitHooks.
	IgnorePostCommitHooks bool
}

// NotifyMatch is how a notifyCommit request applies to one job.
type NotifyMatch struct {
	Matched bool
	// Build: schedule a build of SHA1 (a RevisionParameterAction with
	// RepoURL, the job's matched remote URL, cause "commit notification
	// <sha1>"); otherwise poll the job.
	Build   bool
	RepoURL string
}

// Match applies the request to a job's GitSCM (GitStatus's
// JenkinsAbstractProjectListener): one of the job's remote URLs must
// loosely match, the job must have no IgnoreNotifyCommit and an
// SCMTrigger that does not ignore post-commit hooks, and one of the
// named branches must match a branch spec (a spec containing "$" always
// matches). A sha1 with a spec that has no "$" schedules a build;
// anything else polls.
func (n *NotifyCommit) Match(s *SCM, t Trigger) NotifyMatch {
	for _, repo := range s.Repositories() {
		u, err := ParseURI(repo.URL)
		if err != nil || !looselyMatches(n.URI, u) {
			continue
		}
		if s.Ext.IgnoreNotifyCommit || !t.HasSCMTrigger || t.IgnorePostCommitHooks {
			continue
		}
		found, parametrized := len(n.Branches) == 0, false
	specs:
		for _, spec := range s.Branches {
			if strings.Contains(spec.Name, "$") {
				found, parametrized = true, true
				continue
			}
			for _, b := range n.Branches {
				if spec.MatchesRepositoryBranch(repo.Name, b) {
					found = true
					break specs
				}
			}
		}
		if !found {
			continue
		}
		sha := cleanSHA1(n.SHA1)
		return NotifyMatch{Matched: true, Build: !parametrized && sha != "", RepoURL: repo.URL}
	}
	return NotifyMatch{}
}

func cleanSHA1(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F' {
			return r
		}
		return -1
	}, strings.TrimSpace(s))
}

// NotifyOutcome is what notifyCommit did to one job, for the answer.
type NotifyOutcome struct {
	FullDisplayName string // "folder » job"
	AbsoluteURL     string // the job's absolute URL
	Built           bool   // a build was scheduled; false: polling was
}

// NotifyCommitResponse is the 200 text/plain body of a notifyCommit
// request and the values of its Triggered headers: one line per job,
// or "No git jobs found" when no job has a GitSCM (anyGitJob false), or
// "No git jobs using repository: … and branches: …" when none matched.
// After ten jobs one last header says how many more there were.
func (n *NotifyCommit) NotifyCommitResponse(outcomes []NotifyOutcome, anyGitJob bool) (body string, triggered []string) {
	var sb strings.Builder
	for i, o := range outcomes {
		if i == 10 {
			triggered = append(triggered, "<"+strconv.Itoa(len(outcomes)-i)+" more>")
		} else if i < 10 {
			triggered = append(triggered, o.AbsoluteURL)
		}
		if o.Built {
			sb.WriteString("Scheduled " + o.FullDisplayName + "\n")
		} else {
			sb.WriteString("Scheduled polling of " + o.FullDisplayName + "\n")
		}
	}
	switch {
	case !anyGitJob:
		sb.WriteString(NotifyNoGitJobs + "\n")
	case len(outcomes) == 0:
		sb.WriteString("No git jobs using repository: " + MaskURL(n.URL) + " and branches: " + strings.Join(n.Branches, ",") + "\n")
	}
	return sb.String(), triggered
}

// CommitCauseDescription is the short description of the cause of a
// build scheduled by notifyCommit with a sha1.
func CommitCauseDescription(sha1 string) string { return "commit notification " + cleanSHA1(sha1) }

// GitHubPush is what jeeves reads of a GitHub push event.
type GitHubPush struct {
	RepoURL string // repository.html_url
	Ref     string // "refs/heads/main"
	After   string
	Pusher  string // pusher.name
}

const maxHookBody = 25 << 20 // GitHub caps payloads at 25 MB

// ParseGitHubPush reads a push event's body, raw JSON or a form with a
// payload field (contentType "application/x-www-form-urlencoded"). The
// error text is the GitHub plugin's "Hook should contain payload" when
// the body holds no usable payload.
func ParseGitHubPush(body []byte, contentType string) (*GitHubPush, error) {
	if len(body) > maxHookBody {
		return nil, errNoPayload("Hook should contain payload: the body is too large")
	}
	data := body
	if strings.HasPrefix(strings.ToLower(contentType), "application/x-www-form-urlencoded") {
		q, err := url.ParseQuery(string(body))
		if err != nil || q.Get("payload") == "" {
			return nil, errNoPayload("Hook should contain payload")
		}
		data = []byte(q.Get("payload"))
	}
	var p struct {
		Ref        string `json:"ref"`
		After      string `json:"after"`
		Repository struct {
			HTMLURL string `json:"html_url"`
		} `json:"repository"`
		Pusher struct {
			Name string `json:"name"`
		} `json:"pusher"`
	}
	if err := json.Unmarshal(data, &p); err != nil || p.Repository.HTMLURL == "" {
		return nil, errNoPayload("Hook should contain payload")
	}
	return &GitHubPush{RepoURL: p.Repository.HTMLURL, Ref: p.Ref, After: p.After, Pusher: p.Pusher.Name}, nil
}

// errNoPayload is the GitHub plugin's refusal of a delivery's body, whose
// text the hook answers as is.
type errNoPayload string

func (e errNoPayload) Error() string { return string(e) }

// GitHubRepo is a repository on a GitHub host.
type GitHubRepo struct{ Host, Owner, Name string }

// githubURLs are the GitHub plugin's GitHubRepositoryName.URL_PATTERNS.
var githubURLs = []*regexp.Regexp{
	regexp.MustCompile(`^git@(.+):([^/]+)/([^/]+)\.git$`),
	regexp.MustCompile(`^https?://[^/]+@([^/]+)/([^/]+)/([^/]+)\.git$`),
	regexp.MustCompile(`^https?://([^/]+)/([^/]+)/([^/]+)\.git$`),
	regexp.MustCompile(`^git://([^/]+)/([^/]+)/([^/]+)\.git$`),
	regexp.MustCompile(`^ssh://(?:git@)?([^/]+)/([^/]+)/([^/]+)\.git$`),
	regexp.MustCompile(`^git@(.+):([^/]+)/([^/]+)/?$`),
	regexp.MustCompile(`^https?://[^/]+@([^/]+)/([^/]+)/([^/]+)/?$`),
	regexp.MustCompile(`^https?://([^/]+)/([^/]+)/([^/]+)/?$`),
	regexp.MustCompile(`^git://([^/]+)/([^/]+)/([^/]+)/?$`),
	regexp.MustCompile(`^ssh://(?:git@)?([^/]+)/([^/]+)/([^/]+)/?$`),
}

// ParseGitHubRepo splits a GitHub repository URL into host, owner and
// name as the GitHub plugin does (GitHubRepositoryName.create); ok is
// false for other URLs.
func ParseGitHubRepo(s string) (r GitHubRepo, ok bool) {
	s = strings.TrimSpace(s)
	for _, re := range githubURLs {
		if m := re.FindStringSubmatch(s); m != nil {
			host := m[1]
			if h, _, found := strings.Cut(host, ":"); found && !strings.HasPrefix(s, "git@") {
				host = h // a port
			}
			return GitHubRepo{Host: host, Owner: m[2], Name: m[3]}, true
		}
	}
	return GitHubRepo{}, false
}

// SameGitHubRepo reports whether a pushed repository URL and a job's
// remote URL name the same GitHub repository. Unlike the GitHub plugin,
// which compares case-sensitively, case is ignored (GitHub ignores it).
func SameGitHubRepo(pushed, remote string) bool {
	a, ok1 := ParseGitHubRepo(pushed)
	b, ok2 := ParseGitHubRepo(remote)
	return ok1 && ok2 && strings.EqualFold(a.Host, b.Host) && strings.EqualFold(a.Owner, b.Owner) &&
		strings.EqualFold(a.Name, b.Name)
}

// VerifyGitHubSignature checks a GitHub hook signature over the raw
// body in constant time: header is the value of X-Hub-Signature-256
// ("sha256=<hex>") or of the legacy X-Hub-Signature ("sha1=<hex>").
func VerifyGitHubSignature(secret, body []byte, header string) bool {
	algo, sig, ok := strings.Cut(strings.TrimSpace(header), "=")
	if !ok || len(secret) == 0 {
		return false
	}
	var h func() hash.Hash
	switch algo {
	case "sha256":
		h = sha256.New
	case "sha1":
		h = sha1.New
	default:
		return false
	}
	want, err := hex.DecodeString(sig)
	if err != nil {
		return false
	}
	mac := hmac.New(h, secret)
	mac.Write(body)
	return hmac.Equal(mac.Sum(nil), want)
}

// GitHubSignature is the X-Hub-Signature-256 value of body under secret.
func GitHubSignature(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// VerifyGitLabToken compares an X-Gitlab-Token header with a trigger's
// secret token in constant time. An empty secret accepts nothing.
func VerifyGitLabToken(secret, header string) bool {
	if secret == "" {
		return false
	}
	a := sha256.Sum256([]byte(secret))
	b := sha256.Sum256([]byte(header))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// GitLabPush is what jeeves reads of a GitLab push event.
type GitLabPush struct {
	Ref, Before, After  string
	UserName, UserEmail string
	RepoURL             string // repository.git_http_url, or url
	RepoSSHURL          string
	// Deleted: after is forty zeros, a branch was deleted (ignored).
	Deleted bool
	// CISkip: the last commit's message contains "[ci-skip]".
	CISkip bool
}

// ParseGitLabPush reads a GitLab push (or tag push) event's JSON body.
func ParseGitLabPush(body []byte) (*GitLabPush, error) {
	if len(body) > maxHookBody {
		return nil, errors.New("the body is too large")
	}
	var p struct {
		Ref        string `json:"ref"`
		Before     string `json:"before"`
		After      string `json:"after"`
		UserName   string `json:"user_name"`
		UserEmail  string `json:"user_email"`
		Repository struct {
			URL        string `json:"url"`
			GitHTTPURL string `json:"git_http_url"`
			GitSSHURL  string `json:"git_ssh_url"`
		} `json:"repository"`
		Commits []struct {
			ID      string `json:"id"`
			Message string `json:"message"`
		} `json:"commits"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, fmt.Errorf("the body is not a GitLab push event: %w", err)
	}
	g := &GitLabPush{Ref: p.Ref, Before: p.Before, After: p.After, UserName: p.UserName, UserEmail: p.UserEmail,
		RepoURL: p.Repository.GitHTTPURL, RepoSSHURL: p.Repository.GitSSHURL}
	if g.RepoURL == "" {
		g.RepoURL = p.Repository.URL
	}
	g.Deleted = strings.Trim(p.After, "0") == "" && p.After != ""
	if len(p.Commits) > 0 {
		g.CISkip = strings.Contains(p.Commits[len(p.Commits)-1].Message, "[ci-skip]")
	}
	return g, nil
}
