package server_test

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/server"
)

// parseSources parses the package's Go files but its tests.
func parseSources(t *testing.T, fset *token.FileSet) []*ast.File {
	t.Helper()
	paths, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	return files
}

// webMethodNames reads the walker's source for the segments its
// walk…Methods functions match: the web methods, after which dispatch
// ignores the rest of the path.
func webMethodNames(t *testing.T) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	for _, f := range parseSources(t, token.NewFileSet()) {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || !strings.HasPrefix(fd.Name.Name, "walk") || !strings.HasSuffix(fd.Name.Name, "Methods") {
				continue
			}
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				if cc, ok := n.(*ast.CaseClause); ok {
					for _, e := range cc.List {
						if bl, ok := e.(*ast.BasicLit); ok && bl.Kind == token.STRING {
							names[strings.Trim(bl.Value, `"`)] = true
						}
					}
				}
				return true
			})
		}
	}
	if len(names) < 30 {
		t.Fatalf("found only %d web methods: has the walker's shape changed?", len(names))
	}
	return names
}

// actionRoutes are the routes whose last segment is a web method.
func actionRoutes(t *testing.T) []server.Route {
	methods := webMethodNames(t)
	var out []server.Route
	for _, r := range server.Routes {
		path, _, _ := strings.Cut(strings.TrimPrefix(r.Path, "DELETE "), "?")
		if strings.HasPrefix(r.Path, "DELETE ") || strings.HasSuffix(path, "/") {
			continue
		}
		segs := strings.Split(path, "/")
		if methods[segs[len(segs)-1]] {
			out = append(out, r)
		}
	}
	return out
}

// withAPIJSON appends /api/json to a route's path, before its query.
func withAPIJSON(path string) string {
	p, q, hasQuery := strings.Cut(path, "?")
	p += "/api/json"
	if hasQuery {
		p += "?" + q
	}
	return p
}

// TestActionsIgnoreTheRestOfThePath: as in Stapler, a web method ends
// the walk, so every action route of the table answers the same with
// /api/json appended (the npm client jenkins-api appends it to every
// action URL, gojenkins asks for /crumbIssuer/api/json/api/json). GETs
// are compared on one server; POSTs on two servers given the same
// fixtures, one request each, so that each acts on fresh objects.
func TestActionsIgnoreTheRestOfThePath(t *testing.T) {
	acts := actionRoutes(t)
	if len(acts) < 40 {
		t.Fatalf("only %d action server.Routes", len(acts))
	}
	plain, appended := newRouteStack(t), newRouteStack(t)
	token := func(rs *routeStack) map[string]string { return basic("admin", rs.adminToken) }
	for _, r := range acts {
		if r.Kind != server.RouteAction {
			t.Run("GET "+withAPIJSON(r.Path)+" answers as GET "+r.Path, func(t *testing.T) {
				t.Cleanup(plain.reset)
				p := plain.fixtures(t, r.Path)
				want := plain.raw(t, "GET", p, "", token(plain))
				got := plain.raw(t, "GET", withAPIJSON(p), "", token(plain))
				sameAnswer(t, plain, plain, want, got, true)
			})
		}
		if r.Kind != server.RouteAction && r.Kind != server.RouteReadWrite {
			continue
		}
		method, path := "POST", r.Path
		t.Run(method+" "+withAPIJSON(path)+" answers as "+method+" "+path, func(t *testing.T) {
			t.Cleanup(plain.reset)
			t.Cleanup(appended.reset)
			p1, p2 := plain.fixtures(t, path), appended.fixtures(t, path)
			want := plain.raw(t, method, p1, plain.bodyFor(p1), token(plain))
			got := appended.raw(t, method, withAPIJSON(p2), appended.bodyFor(p2), token(appended))
			sameAnswer(t, plain, appended, want, got, false)
		})
		if r.Kind == server.RouteAction {
			t.Run("GET "+withAPIJSON(path)+" never runs the action either", func(t *testing.T) {
				p := plain.fixtures(t, path)
				if res := plain.raw(t, "GET", withAPIJSON(p), "", token(plain)); res.status != 405 {
					t.Fatalf("GET: %d, want 405\n%s", res.status, res.body)
				}
			})
		}
	}
}

// sameAnswer compares two answers: status, content type, Location (on
// each server) and X-Error; bodies when sameServer, JSON by its keys
// (values such as a queue item's "why" move with the clock).
func sameAnswer(t *testing.T, rsWant, rsGot *routeStack, want, got rawResp, sameServer bool) {
	t.Helper()
	if got.status != want.status {
		t.Fatalf("status %d, want %d\n--- with /api/json\n%s\n--- without\n%s", got.status, want.status, got.body, want.body)
	}
	if g, w := got.header.Get("Content-Type"), want.header.Get("Content-Type"); g != w {
		t.Fatalf("Content-Type %q, want %q", g, w)
	}
	if g, w := fixtureFree(strings.TrimPrefix(got.header.Get("Location"), rsGot.url)), fixtureFree(strings.TrimPrefix(want.header.Get("Location"), rsWant.url)); g != w {
		t.Fatalf("Location %q, want %q", g, w)
	}
	if g, w := fixtureFree(got.header.Get("X-Error")), fixtureFree(want.header.Get("X-Error")); g != w {
		t.Fatalf("X-Error %q, want %q", g, w)
	}
	if !sameServer {
		return
	}
	if strings.HasPrefix(want.header.Get("Content-Type"), "application/json") {
		if g, w := jsonKeys(got.body), jsonKeys(want.body); g != w {
			t.Fatalf("JSON keys %s, want %s", g, w)
		}
		return
	}
	if got.body != want.body {
		t.Fatalf("body differs\n--- with /api/json\n%s\n--- without\n%s", got.body, want.body)
	}
}

// fixtureFree masks what differs between two fixtures: their numbers
// and token uuids.
func fixtureFree(s string) string {
	return regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f-]{27}|[0-9]+`).ReplaceAllString(s, "#")
}

func jsonKeys(body string) string {
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		return "not a JSON object: " + err.Error()
	}
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, ",")
}
