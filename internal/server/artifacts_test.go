package server_test

import (
	"archive/zip"
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"html"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/model"
)

// shellJobXML is a freestyle job running cmd (XML-escaped here), with
// the publishers given.
func shellJobXML(cmd, publishers string) string {
	var b strings.Builder
	b.WriteString("<project><builders><hudson.tasks.Shell><command>")
	b.WriteString(html.EscapeString(cmd))
	b.WriteString("</command></hudson.tasks.Shell></builders><publishers>")
	b.WriteString(publishers)
	b.WriteString("</publishers></project>")
	return b.String()
}

// archiving is the archiver's element for pattern.
func archiving(pattern string) string {
	return "<hudson.tasks.ArtifactArchiver><artifacts>" + html.EscapeString(pattern) + "</artifacts></hudson.tasks.ArtifactArchiver>"
}

// runJob creates job name from xml (unless it exists), builds it over
// HTTP and waits for the build to finish.
func (rs *routeStack) runJob(t *testing.T, name, xml string) model.Build {
	t.Helper()
	if _, err := rs.jobs.Get(name); err != nil {
		rs.createJob(t, name, xml)
	}
	if r := rs.asToken(t, "POST", "job/"+name+"/build?delay=0sec", ""); r.status != 201 {
		t.Fatalf("build %s: %d %s", name, r.status, r.body)
	}
	return rs.waitBuild(t, name)
}

// TestArtifactsOverHTTP: what a build archived, read back as Jenkins's
// clients read it: "artifacts" in api/json in Jenkins's order with its
// display paths, each URL form of …/artifact/…, single byte ranges,
// conditional requests, fingerprints, and paths that try to leave the
// archive refused.
func TestArtifactsOverHTTP(t *testing.T) {
	rs := newRouteStack(t)
	b := rs.runJob(t, "arts", shellJobXML(
		"mkdir -p a b c/d/e; echo jar-a > a/app.jar; echo jar-b > b/app.jar; printf '0123456789' > README; "+
			"echo '<b>x</b>' > page.html; echo data > c/d/e/x.bin; echo '{\"k\":1}' > c/d/e/conf.json; touch ignored~",
		archiving("**")))
	if b.Result != model.Success {
		t.Fatalf("result %s: %s", b.Result, rs.asToken(t, "GET", "job/arts/1/consoleText", "").body)
	}
	get := func(t *testing.T, path string, header map[string]string) rawResp {
		t.Helper()
		h := basic("admin", rs.adminToken)
		for k, v := range header {
			h[k] = v
		}
		return rs.raw(t, "GET", path, "", h)
	}

	t.Run("artifacts in api/json come in Jenkins's order with the shortest unique display paths", func(t *testing.T) {
		r := get(t, "job/arts/1/api/json?tree=artifacts[*]", nil)
		want := `{"_class":"hudson.model.FreeStyleBuild","artifacts":[` +
			`{"displayPath":"a/app.jar","fileName":"app.jar","relativePath":"a/app.jar"},` +
			`{"displayPath":"b/app.jar","fileName":"app.jar","relativePath":"b/app.jar"},` +
			`{"displayPath":"conf.json","fileName":"conf.json","relativePath":"c/d/e/conf.json"},` +
			`{"displayPath":"x.bin","fileName":"x.bin","relativePath":"c/d/e/x.bin"},` +
			`{"displayPath":"page.html","fileName":"page.html","relativePath":"page.html"},` +
			`{"displayPath":"README","fileName":"README","relativePath":"README"}]}`
		if r.status != 200 || r.body != want {
			t.Fatalf("%d\n got %s\nwant %s", r.status, r.body, want)
		}
	})
	t.Run("a build without artifacts has an empty list", func(t *testing.T) {
		rs.runJob(t, "bare", shellXML)
		if r := get(t, "job/bare/1/api/json?tree=artifacts[*]", nil); !strings.Contains(r.body, `"artifacts":[]`) {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if r := get(t, "job/bare/1/artifact/", nil); r.status != 404 {
			t.Fatalf("a build without an archive: %d", r.status)
		}
	})
	t.Run("more than 20 artifacts have no display paths", func(t *testing.T) {
		rs.runJob(t, "many", shellJobXML("for i in $(seq 1 21); do echo $i > f$i.txt; done", archiving("*.txt")))
		var got struct{ Artifacts []map[string]any }
		json.Unmarshal([]byte(get(t, "job/many/1/api/json", nil).body), &got)
		if len(got.Artifacts) != 21 || got.Artifacts[0]["displayPath"] != nil || got.Artifacts[0]["relativePath"] != "f1.txt" || got.Artifacts[1]["relativePath"] != "f10.txt" {
			t.Fatalf("%v", got.Artifacts)
		}
	})

	t.Run("a file comes with its type, length, times and Jenkins's sandbox, and no disposition", func(t *testing.T) {
		for _, c := range []struct{ path, ctype, body string }{
			{"README", "application/octet-stream", "0123456789"},
			{"page.html", "text/html;charset=UTF-8", "<b>x</b>\n"},
			{"c/d/e/conf.json", "application/json", "{\"k\":1}\n"},
			{"a/app.jar", "application/java-archive", "jar-a\n"},
		} {
			r := get(t, "job/arts/1/artifact/"+c.path, nil)
			h := r.header
			if r.status != 200 || r.body != c.body || h.Get("Content-Type") != c.ctype || h.Get("Content-Length") == "" ||
				h.Get("Last-Modified") == "" || h.Get("Expires") != h.Get("Last-Modified") || h.Get("Accept-Ranges") != "bytes" ||
				!strings.HasPrefix(h.Get("Content-Security-Policy"), "sandbox") || h.Get("Content-Disposition") != "" || h.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("%s: %d %q %v", c.path, r.status, r.body, h)
			}
		}
	})
	t.Run("gojenkins's URL, with a doubled and a trailing slash, serves the file", func(t *testing.T) {
		if r := get(t, "job/arts//1/artifact/a/app.jar/", nil); r.status != 200 || r.body != "jar-a\n" {
			t.Fatalf("%d %q", r.status, r.body)
		}
	})
	t.Run("a permalink reaches the same archive", func(t *testing.T) {
		for _, l := range []string{"lastBuild", "lastSuccessfulBuild", "lastStableBuild", "lastCompletedBuild"} {
			if r := get(t, "job/arts/"+l+"/artifact/README", nil); r.status != 200 || r.body != "0123456789" {
				t.Errorf("%s: %d %q", l, r.status, r.body)
			}
		}
		if r := get(t, "job/arts/lastFailedBuild/artifact/README", nil); r.status != 404 {
			t.Errorf("a permalink to no build: %d", r.status)
		}
	})
	t.Run("*view* is the file as text, inline", func(t *testing.T) {
		r := get(t, "job/arts/1/artifact/page.html/*view*/", nil)
		if r.status != 200 || r.body != "<b>x</b>\n" || r.header.Get("Content-Type") != "text/plain;charset=UTF-8" || r.header.Get("Content-Disposition") != "inline; filename=page.html" {
			t.Fatalf("%d %q %v", r.status, r.body, r.header)
		}
	})

	t.Run("single byte ranges get 206; suffix, multiple, malformed and unsatisfiable ranges the whole file", func(t *testing.T) {
		for _, c := range []struct {
			rng, body, contentRange string
			status                  int
		}{
			{"bytes=2-5", "2345", "bytes 2-5/10", 206},
			{"bytes=7-", "789", "bytes 7-9/10", 206},
			{"bytes=8-100", "89", "bytes 8-9/10", 206},
			{"bytes=-3", "0123456789", "", 200},
			{"bytes=0-1,4-5", "0123456789", "", 200},
			{"bytes=20-", "0123456789", "", 200},
			{"bytes=5-2", "0123456789", "", 200},
			{"pages=1-2", "0123456789", "", 200},
		} {
			r := get(t, "job/arts/1/artifact/README", map[string]string{"Range": c.rng})
			if r.status != c.status || r.body != c.body || r.header.Get("Content-Range") != c.contentRange {
				t.Errorf("%s: %d %q %q", c.rng, r.status, r.body, r.header.Get("Content-Range"))
			}
		}
	})
	t.Run("If-Modified-Since after the file's time is 304", func(t *testing.T) {
		r := get(t, "job/arts/1/artifact/README", map[string]string{"If-Modified-Since": time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)})
		if r.status != 304 {
			t.Fatalf("%d", r.status)
		}
		r = get(t, "job/arts/1/artifact/README", map[string]string{"If-Modified-Since": time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat)})
		if r.status != 200 {
			t.Fatalf("%d", r.status)
		}
	})

	t.Run("a directory without its slash is redirected to it; with it, its page lists directories first", func(t *testing.T) {
		if r := get(t, "job/arts/1/artifact/c", nil); r.status != 302 || r.header.Get("Location") != "/job/arts/1/artifact/c/" {
			t.Fatalf("%d %v", r.status, r.header)
		}
		r := get(t, "job/arts/1/artifact/", nil)
		page := html.UnescapeString(r.body)
		order := []string{`href="a/"`, `href="b/"`, `href="c/d/e/"`, `href="page.html"`, `href="README"`, `href="*zip*/archive.zip"`}
		at := 0
		for _, w := range order {
			i := strings.Index(page[at:], w)
			if i < 0 {
				t.Fatalf("%d: no %s in order in:\n%s", r.status, w, page)
			}
			at += i
		}
		if r := get(t, "job/arts/1/artifact/c/d/", nil); r.status != 200 || !strings.Contains(r.body, `href="e/"`) {
			t.Fatalf("%d %s", r.status, r.body)
		}
	})
	t.Run("*plain* lists a name per line", func(t *testing.T) {
		r := get(t, "job/arts/1/artifact/*plain*", nil)
		if r.status != 200 || r.body != "a/\nb/\nc/\npage.html\nREADME\n" || r.header.Get("Content-Type") != "text/plain;charset=UTF-8" {
			t.Fatalf("%d %q %v", r.status, r.body, r.header)
		}
	})
	zipNames := func(t *testing.T, body string) []string {
		t.Helper()
		zr, err := zip.NewReader(bytes.NewReader([]byte(body)), int64(len(body)))
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, f := range zr.File {
			names = append(names, f.Name)
		}
		return names
	}
	t.Run("the whole archive, a directory and a glob's matches zip with Jenkins's prefixes", func(t *testing.T) {
		for _, c := range []struct {
			path string
			want []string
		}{
			{"*zip*/archive.zip", []string{"archive/README", "archive/a/app.jar", "archive/b/app.jar", "archive/c/d/e/conf.json", "archive/c/d/e/x.bin", "archive/page.html"}},
			{"c/*zip*/c.zip", []string{"c/d/e/conf.json", "c/d/e/x.bin"}},
			{"**/*.jar/*zip*/jars.zip", []string{"a/app.jar", "b/app.jar"}},
		} {
			r := get(t, "job/arts/1/artifact/"+c.path, nil)
			if r.status != 200 || r.header.Get("Content-Type") != "application/zip" {
				t.Fatalf("%s: %d %v", c.path, r.status, r.header)
			}
			if got := zipNames(t, r.body); !slices.Equal(got, c.want) {
				t.Errorf("%s: %v, want %v", c.path, got, c.want)
			}
		}
	})
	t.Run("a glob lists its matches; one matching nothing is 404", func(t *testing.T) {
		r := get(t, "job/arts/1/artifact/**/*.jar", nil)
		// The page is …/artifact/**/*.jar: its links go back up one.
		if r.status != 200 || !strings.Contains(r.body, `href="../a/"`) || !strings.Contains(r.body, `href="../a/app.jar"`) || strings.Contains(r.body, "README") {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if r := get(t, "job/arts/1/artifact/**/*.war", nil); r.status != 404 {
			t.Fatalf("%d", r.status)
		}
	})
	t.Run("*fingerprint* leads to the file's fingerprint, which gojenkins checks by its MD5", func(t *testing.T) {
		r := get(t, "job/arts/1/artifact/a/app.jar/*fingerprint*/", nil)
		sum := md5.Sum([]byte("jar-a\n"))
		hash := hex.EncodeToString(sum[:])
		if r.status != 302 || !strings.HasSuffix(r.header.Get("Location"), "/fingerprint/"+hash+"/") {
			t.Fatalf("%d %v", r.status, r.header)
		}
		var fp struct {
			FileName, Hash string
			Original       struct {
				Name   string
				Number int
			}
			Timestamp int64
			Usage     []struct {
				Name   string
				Ranges struct{ Ranges []struct{ Start, End int } }
			}
		}
		r = get(t, "fingerprint/"+hash+"/api/json", nil)
		if err := json.Unmarshal([]byte(r.body), &fp); err != nil || r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if fp.FileName != "app.jar" || fp.Hash != hash || fp.Original.Name != "arts" || fp.Original.Number != 1 || fp.Timestamp == 0 ||
			len(fp.Usage) != 1 || fp.Usage[0].Name != "arts" || len(fp.Usage[0].Ranges.Ranges) != 1 || fp.Usage[0].Ranges.Ranges[0] != (struct{ Start, End int }{1, 2}) {
			t.Fatalf("%s", r.body)
		}
		if r := get(t, "fingerprint/"+hash+"/", nil); r.status != 200 || !strings.Contains(r.body, "app.jar") {
			t.Fatalf("the fingerprint's page: %d %s", r.status, r.body)
		}
		for _, unknown := range []string{"00000000000000000000000000000000", "not-a-hash", strings.Repeat("z", 32)} {
			if r := get(t, "fingerprint/"+unknown+"/api/json", nil); r.status != 404 {
				t.Errorf("%s: %d", unknown, r.status)
			}
		}
	})

	t.Run("paths that try to leave the archive are refused, never served", func(t *testing.T) {
		for _, c := range []struct {
			path   string
			status int
		}{
			{"job/arts/1/artifact/%2e%2e/%2e%2e/config.xml", 400},
			{"job/arts/1/artifact/a/%2E%2E/%2E%2E/%2E%2E/api/json", 400},
			{"job/arts/1/artifact/a%2f..%2f..%2fconfig.xml", 400},
			{"job/arts/1/artifact/a%5c..%5c..%5cconfig.xml", 400},
			{"job/arts/1/artifact/.%2e/x", 400},
			{"job/arts/1/artifact//etc/passwd", 404},
			{"job/arts/1/artifact/%2Fetc%2Fpasswd", 404},
			{"job/arts/1/artifact/a/nothing.txt", 404},
			{"job/arts/1/artifact/README%00.txt", 400},
			{"job/arts/1/artifact/%252e%252e/config.xml", 400},
		} {
			r := get(t, c.path, nil)
			if r.status != c.status || strings.Contains(r.body, "root:") || strings.Contains(r.body, "<project>") {
				t.Errorf("%s: %d %s", c.path, r.status, r.body)
			}
		}
	})
	t.Run("a reader downloads artifacts; a caller who cannot see the job gets nothing", func(t *testing.T) {
		if r := rs.raw(t, "GET", "job/arts/1/artifact/README", "", basic("bob", "bob-pw")); r.status != 200 {
			t.Fatalf("bob: %d", r.status)
		}
		if r := rs.raw(t, "GET", "job/arts/1/artifact/README", "", nil); r.status != 403 {
			t.Fatalf("anonymous: %d", r.status)
		}
	})
}
