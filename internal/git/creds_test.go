package git

import (
	"context"
	"crypto/subtle"
	"io"
	"io/fs"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// httpServer serves the repositories under base over smart HTTP with
// git-http-backend, requiring HTTP Basic user:pass.
func httpServer(t testing.TB, base, user, pass string) string {
	t.Helper()
	backend := "/usr/lib/git-core/git-http-backend"
	if _, err := os.Stat(backend); err != nil {
		needTool(t, "git-http-backend", "apt-get install git (git-http-backend in /usr/lib/git-core)")
	}
	h := &cgi.Handler{Path: backend, Env: []string{"GIT_PROJECT_ROOT=" + base, "GIT_HTTP_EXPORT_ALL=1"}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if !ok || subtle.ConstantTimeCompare([]byte(u+":"+p), []byte(user+":"+pass)) != 1 {
			w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// recorder is a Runner that records what the checkout asked of the
// build machine.
type recorder struct {
	LocalRunner
	mu    sync.Mutex
	runs  []recordedRun
	files map[string]fs.FileMode
	dirs  map[string]fs.FileMode
}

type recordedRun struct {
	argv []string
	env  []string
}

func (r *recorder) Run(ctx context.Context, dir string, env []string, argv []string, stdout, stderr io.Writer) (int, error) {
	r.mu.Lock()
	r.runs = append(r.runs, recordedRun{append([]string(nil), argv...), append([]string(nil), env...)})
	r.mu.Unlock()
	return r.LocalRunner.Run(ctx, dir, env, argv, stdout, stderr)
}

func (r *recorder) WriteFile(path string, data []byte, perm fs.FileMode) error {
	r.mu.Lock()
	if r.files == nil {
		r.files = map[string]fs.FileMode{}
	}
	r.files[path] = perm
	r.mu.Unlock()
	return r.LocalRunner.WriteFile(path, data, perm)
}

func (r *recorder) Mkdir(path string, perm fs.FileMode) error {
	r.mu.Lock()
	if r.dirs == nil {
		r.dirs = map[string]fs.FileMode{}
	}
	r.dirs[path] = perm
	r.mu.Unlock()
	return r.LocalRunner.Mkdir(path, perm)
}

// assertNoSecret checks that secret is on no command line, in no
// console, in no file of the workspace or the cache, and that the
// checkout's private directory is gone.
func assertNoSecret(t *testing.T, secret string, rec *recorder, console string, f *fixture) {
	t.Helper()
	for _, run := range rec.runs {
		for _, a := range run.argv {
			if strings.Contains(a, secret) {
				t.Errorf("the secret is on the command line %q", run.argv)
			}
		}
	}
	if strings.Contains(console, secret) {
		t.Errorf("the console shows the secret:\n%s", console)
	}
	for _, root := range []string{f.ws, f.cache} {
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			if data, err := os.ReadFile(p); err == nil && strings.Contains(string(data), secret) {
				t.Errorf("%s holds the secret", p)
			}
			return nil
		})
	}
	if names, _ := os.ReadDir(f.tmp); len(names) != 0 {
		t.Errorf("the temporary directory keeps %v", names)
	}
}

func TestUsernamePasswordCredentials(t *testing.T) {
	const user, pass = "deployer", "pa55-w0rd-zz"
	for _, mirror := range []bool{false, true} {
		via := map[bool]string{false: "", true: " through a mirror"}[mirror]
		t.Run("a username and password reach git only through GIT_ASKPASS"+via, func(t *testing.T) {
			f := newFixture(t)
			f.repo.commit("one", map[string]string{"a.txt": "a\n"})
			url := httpServer(t, f.served, user, pass) + "/app.git"
			s := scmFor(t, url, "*/main", "")
			s.Remotes[0].CredentialsID = "http"
			rec := &recorder{}
			res, console, err := f.checkout(s, nil, 1, func(c *Checkout) {
				c.Runner = rec
				c.Credentials = map[string]*Credential{"http": {ID: "http", Description: "deploy user", Username: user, Password: pass}}
				if !mirror {
					c.CacheDir = ""
				}
			})
			if err != nil {
				t.Fatalf("checkout: %v\n%s", err, console)
			}
			if !strings.Contains(console, "using credential http\n") || !strings.Contains(console, "using GIT_ASKPASS to set credentials deploy user\n") {
				t.Errorf("console lacks the credential lines:\n%s", console)
			}
			assertNoSecret(t, pass, rec, console, f)
			withSecret := 0
			for _, run := range rec.runs {
				for _, e := range run.env {
					if e == "JEEVES_GIT_PASSWORD="+pass {
						withSecret++
						if run.argv[1] != "fetch" && run.argv[1] != "clone" {
							t.Errorf("the password was given to %q", run.argv)
						}
					}
				}
			}
			if withSecret == 0 {
				t.Error("no command was given the password")
			}
			for p, mode := range rec.files {
				if strings.HasSuffix(p, "askpass.sh") && mode != 0o500 {
					t.Errorf("%s has mode %o", p, mode)
				}
			}
			for p, mode := range rec.dirs {
				if mode != 0o700 {
					t.Errorf("the private directory %s has mode %o", p, mode)
				}
			}
			// The next build fetches with the same credential.
			f.repo.commit("two", map[string]string{"b.txt": "b\n"})
			if _, console, err := f.checkout(s, res.BuildData, 2, func(c *Checkout) {
				c.Runner = rec
				c.Credentials = map[string]*Credential{"http": {ID: "http", Username: user, Password: pass}}
				if !mirror {
					c.CacheDir = ""
				}
			}); err != nil {
				t.Fatalf("second checkout: %v\n%s", err, console)
			}
		})
	}

	t.Run("a password in the URL is masked in the console and kept out of .git/config", func(t *testing.T) {
		f := newFixture(t)
		f.repo.commit("one", map[string]string{"a.txt": "a\n"})
		base := httpServer(t, f.served, user, pass)
		url := strings.Replace(base, "http://", "http://"+user+":"+pass+"@", 1) + "/app.git"
		rec := &recorder{}
		_, console, err := f.checkout(scmFor(t, url, "*/main", ""), nil, 1, func(c *Checkout) { c.Runner = rec })
		if err != nil {
			t.Fatalf("checkout: %v\n%s", err, console)
		}
		if !strings.Contains(console, "http://****@127.0.0.1") {
			t.Errorf("console does not mask the URL:\n%s", console)
		}
		assertNoSecret(t, pass, rec, console, f)
	})

	bad := []struct {
		name string
		cred *Credential
		want string
	}{
		{"a wrong password fails at once with git's message", &Credential{ID: "http", Username: user, Password: "Wr0ng-Passw0rd"}, "Authentication failed"},
		{"no credential for a server that asks for one fails at once instead of prompting", nil, "terminal prompts disabled"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			f.repo.commit("one", map[string]string{"a.txt": "a\n"})
			s := scmFor(t, httpServer(t, f.served, user, pass)+"/app.git", "*/main", "")
			if c.cred != nil {
				s.Remotes[0].CredentialsID = "http"
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			_, console, err := f.checkout(s, nil, 1, func(c2 *Checkout) {
				c2.Credentials = map[string]*Credential{"http": c.cred}
				_ = ctx
			})
			var ae *AbortError
			if err == nil || !asAbort(err, &ae) || ae.Message != "Error cloning remote repo 'origin'" {
				t.Fatalf("err = %v\n%s", err, console)
			}
			if !strings.Contains(console, c.want) || !strings.HasSuffix(console, "ERROR: Error cloning remote repo 'origin'\n") {
				t.Errorf("console:\n%s", console)
			}
			if strings.Contains(console, "Wr0ng-Passw0rd") {
				t.Errorf("the console shows the password:\n%s", console)
			}
		})
	}
}

func asAbort(err error, target **AbortError) bool {
	a, ok := err.(*AbortError)
	if ok {
		*target = a
	}
	return ok
}
