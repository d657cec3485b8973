package git

import (
	"net/url"
	"strings"
	"testing"
)

// The equivalent URLs of the git plugin's GitStatusSimpleTest.testLooselyMatches.
func TestLooselyMatches(t *testing.T) {
	same := []string{
		"https://example.com/jenkinsci/git-plugin",
		"https://example.com/jenkinsci/git-plugin/",
		"https://example.com/jenkinsci/git-plugin.git",
		"https://example.com/jenkinsci/git-plugin.git/",
		"https://someone@example.com/jenkinsci/git-plugin.git",
		"https://someone:somepassword@example.com/jenkinsci/git-plugin/",
		"git://example.com/jenkinsci/git-plugin",
		"git://example.com/jenkinsci/git-plugin/",
		"git://example.com/jenkinsci/git-plugin.git",
		"git://example.com/jenkinsci/git-plugin.git/",
		"ssh://git@example.com/jenkinsci/git-plugin",
		"ssh://example.com/jenkinsci/git-plugin.git",
		"git@example.com:jenkinsci/git-plugin/",
		"git@example.com:jenkinsci/git-plugin.git",
		"git@example.com:jenkinsci/git-plugin.git/",
	}
	trailing := same[0] + "///"
	otherHost := strings.Replace(same[0], "example.com", "bitbucket.org", 1)
	for _, a := range same {
		t.Run(a+" matches its equivalents and not a trailing /// or another host", func(t *testing.T) {
			for _, b := range same {
				if !LooselyMatches(a, b) {
					t.Errorf("%s does not match %s", a, b)
				}
			}
			if LooselyMatches(a, trailing) {
				t.Errorf("%s matches %s", a, trailing)
			}
			if LooselyMatches(a, otherHost) {
				t.Errorf("%s matches %s", a, otherHost)
			}
		})
	}
	more := []struct {
		a, b string
		want bool
	}{
		{"https://ssh.dev.azure.com/v3/org/proj/repo", "https://dev.azure.com/org/proj/_git/repo", true},
		{"git@ssh.dev.azure.com:v3/org/proj/repo", "https://dev.azure.com/org/proj/_git/repo", true},
		{"https://EXAMPLE.com:8443/a/b", "ssh://git@example.com:2222/a/b.git", true},
		{"https://example.com/a/b", "https://example.com/a/c", false},
		{"https://example.com/a/B", "https://example.com/a/b", false},
		{"not a url", "https://example.com/a", false},
	}
	for _, c := range more {
		t.Run(c.a+" against "+c.b, func(t *testing.T) {
			if got := LooselyMatches(c.a, c.b); got != c.want {
				t.Errorf("LooselyMatches = %v, want %v", got, c.want)
			}
		})
	}
}

func TestParseURI(t *testing.T) {
	cases := []struct {
		in   string
		want URI
	}{
		{"https://u:p%40ss@host.example:8443/a/b.git", URI{Scheme: "https", User: "u", Pass: "p@ss", Host: "host.example", Port: 8443, Path: "/a/b.git"}},
		{"git@github.com:acme/app.git", URI{User: "git", Host: "github.com", Path: "acme/app.git"}},
		{"github.com:/srv/app.git", URI{Host: "github.com", Path: "/srv/app.git"}},
		{"ssh://git@[::1]:22/x", URI{Scheme: "ssh", User: "git", Host: "[::1]", Port: 22, Path: "/x"}},
		{"/srv/repo.git", URI{Path: "/srv/repo.git"}},
		{"file:///srv/repo.git", URI{Scheme: "file", Path: "/srv/repo.git"}},
		{"C:\\repos\\x", URI{Path: "C:\\repos\\x"}},
	}
	for _, c := range cases {
		t.Run(c.in+" is split", func(t *testing.T) {
			got, err := ParseURI(c.in)
			if err != nil || got != c.want {
				t.Errorf("ParseURI = %+v, %v; want %+v", got, err, c.want)
			}
		})
	}
	for _, bad := range []string{"", "https://", "https://host:99999/x", "a\nb"} {
		t.Run("the bad URL "+strings.ReplaceAll(bad, "\n", `\n`)+" is refused", func(t *testing.T) {
			if _, err := ParseURI(bad); err == nil {
				t.Error("ParseURI succeeded")
			}
		})
	}
}

func TestMaskURL(t *testing.T) {
	cases := map[string]string{
		"https://user:s3cret@host/x.git":    "https://****@host/x.git",
		"https://ghp_TOKEN@github.com/a/b":  "https://****@github.com/a/b",
		"ssh://git@host/x.git":              "ssh://git@host/x.git",
		"ssh://git:pw@host/x.git":           "ssh://****@host/x.git",
		"git@github.com:a/b.git":            "git@github.com:a/b.git",
		"https://host/x.git":                "https://host/x.git",
		"https://u:p@h:8080/a@b/c":          "https://****@h:8080/a@b/c",
		"http://a%40b:c%3Ad@host/repo.git/": "http://****@host/repo.git/",
	}
	for in, want := range cases {
		t.Run(in+" is shown as "+want, func(t *testing.T) {
			if got := MaskURL(in); got != want {
				t.Errorf("MaskURL = %q, want %q", got, want)
			}
		})
	}
	t.Run("userinfo is taken out of URLs for git and given by GIT_ASKPASS", func(t *testing.T) {
		clean, user, pass := stripUserinfo("https://me:p%3Aw@host/x.git")
		if clean != "https://host/x.git" || user != "me" || pass != "p:w" {
			t.Errorf("stripUserinfo = %q %q %q", clean, user, pass)
		}
	})
	t.Run("an ssh URL keeps its login and loses its password", func(t *testing.T) {
		clean, user, pass := stripUserinfo("ssh://git:pw@host/x.git")
		if clean != "ssh://git@host/x.git" || user != "git" || pass != "pw" {
			t.Errorf("stripUserinfo = %q %q %q", clean, user, pass)
		}
	})
	t.Run("mirrors of the same repository with different tokens are one", func(t *testing.T) {
		if mirrorKey("https://a:1@h/x.git") != mirrorKey("https://b:2@h/x.git") || mirrorKey("https://h/x.git") == mirrorKey("https://h/y.git") {
			t.Error("mirror keys do not ignore userinfo only")
		}
	})
}

func TestCheckRemoteURL(t *testing.T) {
	for _, ok := range []string{"https://h/x", "git@h:x", "/srv/x", "C:\\x", "ssh://h/x", "host:path/x", "file:///x"} {
		t.Run(ok+" is accepted", func(t *testing.T) {
			if err := checkRemoteURL(ok); err != nil {
				t.Error(err)
			}
		})
	}
	for _, bad := range []string{"--upload-pack=touch /tmp/x", "-oProxyCommand=x", "host:`id`", "a b:c"} {
		t.Run(bad+" is refused as the client refuses it", func(t *testing.T) {
			if err := checkRemoteURL(bad); err == nil || !strings.HasPrefix(err.Error(), "Invalid remote URL: ") {
				t.Errorf("err = %v", err)
			}
		})
	}
}

func TestParseNotifyCommit(t *testing.T) {
	cases := []struct {
		query  string
		status int
		msg    string
	}{
		{"url=https://h/x.git&branches=main,dev&sha1=abc123", 0, ""},
		{"branches=main", 400, "Required Query parameter url is missing"},
		{"url=https://h/x&sha1=xyz", 400, NotifyIllegalSHA1},
		{"url=https://h/x&sha1=" + strings.Repeat("a", 65), 400, NotifyIllegalSHA1},
		{"url=https://&sha1=abc", 400, "Illegal URL: https://"},
		{"url=" + strings.Repeat("x", 5000), 400, "Illegal URL: the URL is longer than 4096 characters"},
		{"url=https://h/x&branches=" + strings.Repeat("b,", 200), 400, "Too many branches: at most 100"},
	}
	for _, c := range cases {
		t.Run(c.query+" gives "+c.msg, func(t *testing.T) {
			q, _ := url.ParseQuery(c.query)
			n, err := ParseNotifyCommit(q)
			if c.status == 0 {
				if err != nil || n.SHA1 != "abc123" || len(n.Branches) != 2 {
					t.Errorf("ParseNotifyCommit = %+v, %v", n, err)
				}
				return
			}
			ne, ok := err.(*NotifyError)
			if !ok || ne.Status != c.status || ne.Message != c.msg {
				t.Errorf("err = %#v, want %d %q", err, c.status, c.msg)
			}
		})
	}
}

func TestNotifyCommitMatch(t *testing.T) {
	scm := func(branch, ext string) *SCM { return scmFor(t, "git@github.com:acme/app.git", branch, ext) }
	polls := Trigger{HasSCMTrigger: true}
	cases := []struct {
		name    string
		query   string
		s       *SCM
		trigger Trigger
		want    NotifyMatch
	}{
		{"a push to a matching branch polls", "url=https://github.com/acme/app&branches=main", scm("*/main", ""), polls,
			NotifyMatch{Matched: true, RepoURL: "git@github.com:acme/app.git"}},
		{"a push with a sha1 builds it", "url=https://github.com/acme/app&sha1=ABCDEF12", scm("*/main", ""), polls,
			NotifyMatch{Matched: true, Build: true, RepoURL: "git@github.com:acme/app.git"}},
		{"refs/heads/main and origin/main match */main", "url=https://github.com/acme/app.git&branches=refs/heads/main,origin/x", scm("*/main", ""), polls,
			NotifyMatch{Matched: true, RepoURL: "git@github.com:acme/app.git"}},
		{"another branch does not match", "url=https://github.com/acme/app&branches=feature", scm("*/main", ""), polls, NotifyMatch{}},
		{"a parametrized spec always matches and polls even with a sha1", "url=https://github.com/acme/app&branches=x&sha1=abc", scm("${BRANCH}", ""), polls,
			NotifyMatch{Matched: true, RepoURL: "git@github.com:acme/app.git"}},
		{"another repository does not match", "url=https://github.com/acme/other", scm("*/main", ""), polls, NotifyMatch{}},
		{"a job without SCMTrigger is skipped", "url=https://github.com/acme/app", scm("*/main", ""), Trigger{}, NotifyMatch{}},
		{"a job ignoring post-commit hooks is skipped", "url=https://github.com/acme/app", scm("*/main", ""), Trigger{HasSCMTrigger: true, IgnorePostCommitHooks: true}, NotifyMatch{}},
		{"a job with IgnoreNotifyCommit is skipped", "url=https://github.com/acme/app", scm("*/main", "<hudson.plugins.git.extensions.impl.IgnoreNotifyCommit/>"), polls, NotifyMatch{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q, _ := url.ParseQuery(c.query)
			n, err := ParseNotifyCommit(q)
			if err != nil {
				t.Fatal(err)
			}
			if got := n.Match(c.s, c.trigger); got != c.want {
				t.Errorf("Match = %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestNotifyCommitResponse(t *testing.T) {
	q, _ := url.ParseQuery("url=https://tok:secret@h/x.git&branches=a,b")
	n, _ := ParseNotifyCommit(q)
	t.Run("no git job at all", func(t *testing.T) {
		body, hdr := n.NotifyCommitResponse(nil, false)
		if body != "No git jobs found\n" || len(hdr) != 0 {
			t.Errorf("body %q headers %v", body, hdr)
		}
	})
	t.Run("no job using the repository names it without its secret", func(t *testing.T) {
		body, _ := n.NotifyCommitResponse(nil, true)
		if body != "No git jobs using repository: https://****@h/x.git and branches: a,b\n" {
			t.Errorf("body %q", body)
		}
	})
	t.Run("twelve jobs give ten Triggered headers and one saying how many more", func(t *testing.T) {
		var out []NotifyOutcome
		for i := 0; i < 12; i++ {
			out = append(out, NotifyOutcome{FullDisplayName: "job" + string(rune('a'+i)), AbsoluteURL: "http://j/job/" + string(rune('a'+i)) + "/", Built: i == 0})
		}
		body, hdr := n.NotifyCommitResponse(out, true)
		if len(hdr) != 11 || hdr[10] != "<2 more>" || hdr[0] != "http://j/job/a/" {
			t.Errorf("headers %v", hdr)
		}
		if !strings.HasPrefix(body, "Scheduled joba\nScheduled polling of jobb\n") || strings.Count(body, "\n") != 12 {
			t.Errorf("body %q", body)
		}
	})
}

func TestCheckNotifyToken(t *testing.T) {
	hashes := []string{"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"} // sha256("test")
	cases := map[string]bool{"test": true, "Test": false, "": false, "test ": false}
	for tok, want := range cases {
		t.Run("the token "+tok+" is checked", func(t *testing.T) {
			if got := CheckNotifyToken(tok, hashes); got != want {
				t.Errorf("CheckNotifyToken(%q) = %v", tok, got)
			}
		})
	}
}

func TestGitHubPush(t *testing.T) {
	payload := `{"ref":"refs/heads/main","after":"0123456789abcdef0123456789abcdef01234567","repository":{"html_url":"https://github.com/acme/app"},"pusher":{"name":"alice"}}`
	t.Run("a JSON push is read", func(t *testing.T) {
		p, err := ParseGitHubPush([]byte(payload), "application/json")
		if err != nil || p.RepoURL != "https://github.com/acme/app" || p.Ref != "refs/heads/main" || p.Pusher != "alice" {
			t.Errorf("push = %+v, %v", p, err)
		}
	})
	t.Run("a form-encoded push is read", func(t *testing.T) {
		body := "payload=" + url.QueryEscape(payload)
		p, err := ParseGitHubPush([]byte(body), "application/x-www-form-urlencoded")
		if err != nil || p.Pusher != "alice" {
			t.Errorf("push = %+v, %v", p, err)
		}
	})
	for name, body := range map[string]string{"an empty body": "", "JSON without a repository": `{"ref":"x"}`, "not JSON": "<xml/>"} {
		t.Run(name+" has no payload", func(t *testing.T) {
			if _, err := ParseGitHubPush([]byte(body), "application/json"); err == nil || !strings.HasPrefix(err.Error(), "Hook should contain payload") {
				t.Errorf("err = %v", err)
			}
		})
	}
	repos := []struct {
		url  string
		want GitHubRepo
	}{
		{"git@github.com:acme/app.git", GitHubRepo{"github.com", "acme", "app"}},
		{"https://user@github.com/acme/app.git", GitHubRepo{"github.com", "acme", "app"}},
		{"https://github.com/acme/app/", GitHubRepo{"github.com", "acme", "app"}},
		{"git://github.com/acme/app.git", GitHubRepo{"github.com", "acme", "app"}},
		{"ssh://git@github.com/acme/app", GitHubRepo{"github.com", "acme", "app"}},
		{"https://ghe.example.com:8443/acme/app.git", GitHubRepo{"ghe.example.com", "acme", "app"}},
	}
	for _, c := range repos {
		t.Run(c.url+" names a GitHub repository", func(t *testing.T) {
			got, ok := ParseGitHubRepo(c.url)
			if !ok || got != c.want {
				t.Errorf("ParseGitHubRepo = %+v %v", got, ok)
			}
		})
	}
	t.Run("repositories compare without regard to case", func(t *testing.T) {
		if !SameGitHubRepo("https://github.com/Acme/App", "git@github.com:acme/app.git") || SameGitHubRepo("https://github.com/acme/app", "https://github.com/acme/app2") {
			t.Error("SameGitHubRepo is wrong")
		}
	})
}

func TestSignatures(t *testing.T) {
	secret, body := []byte("It's a Secret to Everybody"), []byte("Hello, World!")
	// GitHub's documented example.
	const documented = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
	cases := []struct {
		name   string
		secret []byte
		body   []byte
		header string
		want   bool
	}{
		{"GitHub's documented example", secret, body, documented, true},
		{"another body", secret, []byte("Hello, World?"), documented, false},
		{"another secret", []byte("x"), body, documented, false},
		{"no secret", nil, body, documented, false},
		{"a signature that is not hex", secret, body, "sha256=zz", false},
		{"an unknown algorithm", secret, body, "md5=00", false},
		{"a missing header", secret, body, "", false},
		{"the legacy SHA-1 signature", secret, body, "sha1=01dc10d0c83e72ed246219cdd91669667fe2ca59", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := VerifyGitHubSignature(c.secret, c.body, c.header); got != c.want {
				t.Errorf("VerifyGitHubSignature = %v, want %v", got, c.want)
			}
		})
	}
	t.Run("GitHubSignature gives what VerifyGitHubSignature accepts", func(t *testing.T) {
		if GitHubSignature(secret, body) != documented {
			t.Errorf("GitHubSignature = %s", GitHubSignature(secret, body))
		}
	})
	t.Run("GitLab's token is compared exactly", func(t *testing.T) {
		if !VerifyGitLabToken("tok", "tok") || VerifyGitLabToken("tok", "tok2") || VerifyGitLabToken("", "") {
			t.Error("VerifyGitLabToken is wrong")
		}
	})
}

func TestGitLabPush(t *testing.T) {
	body := `{"object_kind":"push","ref":"refs/heads/main","before":"95790bf891e76fee5e1747ab589903a6a1f80f22","after":"0000000000000000000000000000000000000000",
"user_name":"Jo","user_email":"jo@example.com","repository":{"url":"git@example.com:mike/diaspora.git","git_http_url":"http://example.com/mike/diaspora.git","git_ssh_url":"git@example.com:mike/diaspora.git"},
"commits":[{"id":"b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327","message":"fix [ci-skip]"}]}`
	p, err := ParseGitLabPush([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("a branch deletion and [ci-skip] are recognised", func(t *testing.T) {
		if !p.Deleted || !p.CISkip || p.RepoURL != "http://example.com/mike/diaspora.git" || p.UserName != "Jo" {
			t.Errorf("push = %+v", p)
		}
	})
	t.Run("a body that is not JSON is refused", func(t *testing.T) {
		if _, err := ParseGitLabPush([]byte("nope")); err == nil {
			t.Error("ParseGitLabPush succeeded")
		}
	})
}

func FuzzParseURI(f *testing.F) {
	for _, s := range []string{"https://u:p@h:1/x", "git@h:x", "/x", "file:///x", "ssh://[::1]:22/x"} {
		f.Add(s, "https://h/x")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		LooselyMatches(a, b)
		if MaskURL(a) != a {
			if u, err := ParseURI(a); err == nil && u.Pass != "" && len(u.Pass) > 3 && strings.Contains(MaskURL(a), u.Pass) && !strings.Contains(u.Host+u.Path, u.Pass) {
				t.Errorf("MaskURL(%q) shows the password", a)
			}
		}
		clean, _, _ := stripUserinfo(a)
		_ = clean
	})
}
