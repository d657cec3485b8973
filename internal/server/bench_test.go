package server_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/app"
	"github.com/jeeves-ci/jeeves/internal/auth"
	"github.com/jeeves-ci/jeeves/internal/model"
)

// stack is the whole server wired in-process on a real TCP listener,
// with a real SQLite home, so benchmarks measure what a client sees.
type stack struct {
	url      string
	token    string
	finished chan model.Build
	client   *http.Client
	handler  http.Handler // the server itself, for handler-only benchmarks
}

func newStack(tb testing.TB) *stack {
	tb.Helper()
	ctx := context.Background()
	s := &stack{finished: make(chan model.Build, 1024)}
	a, err := app.New(ctx, app.Options{Home: tb.TempDir(), Version: "bench", Executors: 2, CSRF: true, AdminPassword: "pw",
		OnFinish: func(b model.Build) { s.finished <- b }})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { a.Close(0) })
	if s.token, _, err = a.Auth.GenerateToken(ctx, "admin", "bench", auth.TokenOptions{}); err != nil {
		tb.Fatal(err)
	}
	for _, name := range []string{"hello", "other"} {
		if _, err := a.Jobs.Create(ctx, "", name, []byte(`<project><builders><hudson.tasks.Shell><command>echo hello</command></hudson.tasks.Shell></builders></project>`), nil); err != nil {
			tb.Fatal(err)
		}
	}
	s.handler = a.Handler()
	hs := httptest.NewServer(s.handler)
	tb.Cleanup(hs.Close)
	s.url = hs.URL
	s.client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	return s
}

func (s *stack) do(tb testing.TB, method, path string, want int) {
	req, _ := http.NewRequest(method, s.url+path, nil)
	req.SetBasicAuth("admin", s.token)
	resp, err := s.client.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want {
		tb.Fatalf("%s %s: %d, want %d", method, path, resp.StatusCode, want)
	}
}

// BenchmarkBareHandler is the floor: a handler that writes a few bytes.
func BenchmarkBareHandler(b *testing.B) {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		io.WriteString(w, `{"ok":true}`)
	}))
	defer hs.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Get(hs.URL + "/api/json")
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
}

// BenchmarkAPIJSONWithToken is the seed's first request: the root
// api/json authenticated by an API token.
func BenchmarkAPIJSONWithToken(b *testing.B) {
	s := newStack(b)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			s.do(b, "GET", "/api/json?pretty=true", 200)
		}
	})
}

// BenchmarkRootAPIJSON100Jobs is the root api/json listing 100 jobs,
// handler only (no network): the cost jeeves-bench's api/json row
// compares with a bare handler.
func BenchmarkRootAPIJSON100Jobs(b *testing.B) {
	s := newStack(b)
	for i := range 98 { // newStack made two
		req, _ := http.NewRequest("POST", s.url+"/createItem?name=job-"+strconv.Itoa(i), strings.NewReader(
			`<project><builders><hudson.tasks.Shell><command>echo hello</command></hudson.tasks.Shell></builders></project>`))
		req.SetBasicAuth("admin", s.token)
		req.Header.Set("Content-Type", "application/xml")
		resp, err := s.client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("createItem: %d", resp.StatusCode)
		}
	}
	req := httptest.NewRequest("GET", "/api/json", nil)
	req.SetBasicAuth("admin", s.token)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		s.handler.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("api/json: %d", w.Code)
		}
	}
}

// BenchmarkTriggerToFinished measures POST /job/hello/build (no quiet
// period) until the build of `echo hello` is recorded as finished.
func BenchmarkTriggerToFinished(b *testing.B) {
	s := newStack(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.do(b, "POST", "/job/hello/build?delay=0sec", 201)
		if got := s.waitFinished(b); got.Result != model.Success {
			b.Fatalf("build %d: %s", got.Number, got.Result)
		}
	}
}

// TestStackRunsABuild keeps the benchmark harness honest: it fails if
// the wiring above stops producing a successful build.
func TestStackRunsABuild(t *testing.T) {
	s := newStack(t)
	s.do(t, "POST", "/job/hello/build?delay=0sec", 201)
	b := s.waitFinished(t)
	if b.Result != model.Success || b.Number != 1 {
		t.Fatalf("got build %d %s, want #1 SUCCESS", b.Number, b.Result)
	}
	req, _ := http.NewRequest("GET", s.url+"/job/hello/1/consoleText", nil)
	req.SetBasicAuth("admin", s.token)
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(text), "+ echo hello\nhello\n") || !strings.HasSuffix(string(text), "Finished: SUCCESS\n") {
		t.Fatalf("console:\n%s", text)
	}
}

// BenchmarkDashboard renders the web UI's dashboard with 100 jobs that
// each have builds: what a browser left open re-fetches while builds run.
func BenchmarkDashboard(b *testing.B) {
	s := newStack(b)
	for i := 0; i < 100; i++ {
		name := "job-" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + strconv.Itoa(i)
		req, _ := http.NewRequest("POST", s.url+"/createItem?name="+name, strings.NewReader(`<project><builders><hudson.tasks.Shell><command>true</command></hudson.tasks.Shell></builders></project>`))
		req.SetBasicAuth("admin", s.token)
		req.Header.Set("Content-Type", "application/xml")
		resp, err := s.client.Do(req)
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("create %s: %v", name, err)
		}
		resp.Body.Close()
		for k := 0; k < 2; k++ {
			s.do(b, "POST", "/job/"+name+"/build?delay=0sec", 201)
			s.waitFinished(b)
		}
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			s.do(b, "GET", "/", 200)
		}
	})
}

// waitFinished is the next build recorded as finished; it fails tb when
// none finishes within a minute.
func (s *stack) waitFinished(tb testing.TB) model.Build {
	tb.Helper()
	select {
	case b := <-s.finished:
		return b
	case <-time.After(time.Minute):
		tb.Fatal("no build finished within a minute")
		return model.Build{}
	}
}
