package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/audit"
	"github.com/jeeves-ci/jeeves/internal/auth"
	"github.com/jeeves-ci/jeeves/internal/request"
	"github.com/jeeves-ci/jeeves/internal/server"
)

// distinctNames is "n0,n1,…" with n names.
func distinctNames(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("n" + strconv.Itoa(i))
	}
	return b.String()
}

// TestTreeQueriesAreBounded: the public whoAmI answers a tree= beyond the
// parser's bounds with a 400 naming the bound, without parsing it (the
// parse cost itself is bounded by internal/export's tests and benchmark).
func TestTreeQueriesAreBounded(t *testing.T) {
	rs := newRouteStack(t)
	cases := []struct {
		name, tree string
		status     int
		msg        string
	}{
		{"a 636 KB tree of 160,000 names is refused", strings.Repeat("abc,", 159000) + "abc", 400, "expected at most 16384 bytes"},
		{"a 130 KB tree of 20,000 distinct names is refused", distinctNames(20000), 400, "expected at most 16384 bytes"},
		{"a tree of 3,000 short names is refused", strings.Repeat("a,", 2999) + "a", 400, "expected at most 2048 names"},
		{"Backstage's tree is answered", "jobs[actions[*],lastBuild[number,url,actions[*[*[*[*]]]]],jobs{0,1},url,name]{0,50}", 200, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := rs.raw(t, "GET", "whoAmI/api/json?tree="+url.QueryEscape(c.tree), "", nil)
			if res.status != c.status || !strings.Contains(res.body, c.msg) {
				t.Fatalf("got %d %.300s, want %d %q", res.status, res.body, c.status, c.msg)
			}
		})
	}
}

// boundCase is one request that must be refused with a 400 whose body
// names the field (and, for a length, the bound), and then something that
// must not exist.
type boundCase struct {
	name         string
	method, path string
	body         string
	want         string // in the answer's body
	absent       string // a GET path that must still be 404 afterwards; "" for none
}

func (rs *routeStack) runBoundCases(t *testing.T, cases []boundCase) {
	t.Helper()
	admin := basic("admin", rs.adminToken)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := rs.raw(t, c.method, c.path, c.body, admin)
			if res.status != 400 || !strings.Contains(res.body, c.want) {
				t.Fatalf("got %d %.400s, want 400 with %q", res.status, res.body, c.want)
			}
			if c.absent != "" {
				if got := rs.raw(t, "GET", c.absent, "", admin); got.status != 404 {
					t.Fatalf("GET %s: %d, want 404: something was stored", c.absent, got.status)
				}
			}
		})
	}
}

func xmlProject(inner string) string {
	return `<project>` + inner + `<builders/></project>`
}

// TestStoredStringsAreBounded drives every route that stores a name or a
// description with a value one byte over its bound (and a few far over),
// and expects a 400 naming the field and the bound, with nothing stored.
func TestStoredStringsAreBounded(t *testing.T) {
	rs := newRouteStack(t)
	admin := basic("admin", rs.adminToken)
	for _, p := range []string{"createItem?name=base", "createItem?name=param"} {
		body := shellXML
		if strings.HasSuffix(p, "param") {
			body = xmlProject(`<properties><hudson.model.ParametersDefinitionProperty><parameterDefinitions><hudson.model.StringParameterDefinition><name>P</name></hudson.model.StringParameterDefinition></parameterDefinitions></hudson.model.ParametersDefinitionProperty></properties>`)
		}
		if r := rs.raw(t, "POST", p, body, admin); r.status != 200 {
			t.Fatalf("%s: %d %s", p, r.status, r.body)
		}
	}
	if r := rs.raw(t, "POST", "createView?name=base-view&mode=hudson.model.ListView", "", admin); r.status >= 400 {
		t.Fatal(r.status, r.body)
	}
	if r := rs.raw(t, "POST", "computer/doCreateItem?name=base-agent&type=hudson.slaves.DumbSlave", `json={"remoteFS":"/tmp"}`, admin); r.status >= 400 {
		t.Fatal(r.status, r.body)
	}
	_, tok, err := rs.au.GenerateToken(context.Background(), "admin", "to-rename", auth.TokenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Four nested folders of 255-byte names: a full name of 1,023 bytes.
	deep := ""
	for i := range 4 {
		name := strings.Repeat(strconv.Itoa(i), 255)
		p := "createItem?name=" + name + "&mode=com.cloudbees.hudson.plugins.folder.Folder"
		if deep != "" {
			p = jobPath(deep) + p
		}
		if r := rs.raw(t, "POST", p, "", admin); r.status >= 400 {
			t.Fatalf("folder %d: %d %s", i, r.status, r.body)
		}
		deep = strings.TrimPrefix(deep+"/"+name, "/")
	}
	long := strings.Repeat("x", 256)
	q := url.QueryEscape
	desc := strings.Repeat("d", 64<<10+1)
	cases := []boundCase{
		{"createItem refuses a 256-byte name", "POST", "createItem?name=" + long, shellXML, "longer than 255 bytes", "job/" + long + "/api/json"},
		{"createItem by type refuses a 256-byte name", "POST", "createItem?name=" + long + "&mode=hudson.model.FreeStyleProject", "", "longer than 255 bytes", "job/" + long + "/api/json"},
		{"createItem as a copy refuses a 256-byte name", "POST", "createItem?name=" + long + "&mode=copy&from=base", "", "longer than 255 bytes", "job/" + long + "/api/json"},
		{"a folder's createItem refuses a full name over 1,024 bytes", "POST", jobPath(deep) + "createItem?name=ab", shellXML, "the full name is 1026 bytes long; the limit is 1024 bytes", ""},
		{"the New Item form refuses a 256-byte name", "POST", "view/all/newJob", "name=" + long + "&mode=hudson.model.FreeStyleProject&shell=true&jeeves-form=1", "longer than 255 bytes", "job/" + long + "/api/json"},
		{"doRename refuses a 256-byte name", "POST", "job/base/doRename?newName=" + long, "", "longer than 255 bytes", "job/" + long + "/api/json"},
		{"createItem refuses a 64 KiB + 1 description", "POST", "createItem?name=big-desc", xmlProject(`<description>` + desc + `</description>`), "description is 65537 bytes long; the limit is 65536 bytes", "job/big-desc/api/json"},
		{"config.xml refuses a 256-byte parameter name", "POST", "job/base/config.xml", xmlProject(`<properties><hudson.model.ParametersDefinitionProperty><parameterDefinitions><hudson.model.StringParameterDefinition><name>` + long + `</name></hudson.model.StringParameterDefinition></parameterDefinitions></hudson.model.ParametersDefinitionProperty></properties>`), "a parameter name is 256 bytes long; the limit is 255 bytes", ""},
		{"config.xml refuses a parameter default over 64 KiB", "POST", "job/base/config.xml", xmlProject(`<properties><hudson.model.ParametersDefinitionProperty><parameterDefinitions><hudson.model.StringParameterDefinition><name>P</name><defaultValue>` + desc + `</defaultValue></hudson.model.StringParameterDefinition></parameterDefinitions></hudson.model.ParametersDefinitionProperty></properties>`), "the default value of parameter ‘P’ is 65537 bytes long; the limit is 65536 bytes", ""},
		{"config.xml refuses a 256-byte authToken", "POST", "job/base/config.xml", xmlProject(`<authToken>` + long + `</authToken>`), "authToken is 256 bytes long; the limit is 255 bytes", ""},
		{"description refuses 64 KiB + 1", "POST", "job/base/description", "description=" + desc, "description is 65537 bytes long; the limit is 65536 bytes", ""},
		{"buildWithParameters refuses a value over 64 KiB", "POST", "job/param/buildWithParameters", "P=" + desc, "the value of parameter P is 65537 bytes long; the limit is 65536 bytes", ""},
		{"createView refuses a 256-byte name", "POST", "createView?name=" + long + "&mode=hudson.model.ListView", "", "longer than 255 bytes", "view/" + long + "/api/json"},
		{"createView refuses a 900 KB includeRegex", "POST", "createView?name=regex-view", `<hudson.model.ListView><name>regex-view</name><includeRegex>` + strings.Repeat("a", 900<<10) + `</includeRegex></hudson.model.ListView>`, "includeRegex is 921600 bytes long; the limit is 4096 bytes", "view/regex-view/api/json"},
		{"a view's config.xml refuses a 900 KB includeRegex", "POST", "view/base-view/config.xml", `<hudson.model.ListView><name>base-view</name><includeRegex>` + strings.Repeat("a", 900<<10) + `</includeRegex></hudson.model.ListView>`, "includeRegex is 921600 bytes long; the limit is 4096 bytes", ""},
		{"generateNewToken refuses a 3 MB token name", "POST", "user/admin/descriptorByName/jenkins.security.ApiTokenProperty/generateNewToken", "newTokenName=" + strings.Repeat("t", 3<<20), "the token name is 3145728 bytes long; the limit is 255 bytes", ""},
		{"generateNewToken refuses a 256-byte token name", "POST", "user/admin/descriptorByName/jenkins.security.ApiTokenProperty/generateNewToken", "newTokenName=" + long, "the token name is 256 bytes long; the limit is 255 bytes", ""},
		{"addFixedToken refuses a 256-byte token name", "POST", "user/admin/descriptorByName/jenkins.security.ApiTokenProperty/addFixedToken", "newTokenName=" + long + "&newTokenPlainValue=11aabbccddeeff00112233445566778899", "the token name is 256 bytes long", ""},
		{"renaming a token refuses a 256-byte name", "POST", "user/admin/descriptorByName/jenkins.security.ApiTokenProperty/rename?tokenUuid=" + tok.UUID, "newName=" + long, "the token name is 256 bytes long", ""},
		{"the Security page refuses a 256-byte token name", "POST", "user/admin/security/generate", "newTokenName=" + long, "the token name is 256 bytes long", ""},
		{"createAccountByAdmin refuses a 65-character user name", "POST", "securityRealm/createAccountByAdmin", "username=" + strings.Repeat("u", 65) + "&password1=pw&password2=pw", "at most 64", "user/" + strings.Repeat("u", 65) + "/api/json"},
		{"createAccountByAdmin refuses a 256-byte full name", "POST", "securityRealm/createAccountByAdmin", "username=longname&password1=pw&password2=pw&fullname=" + long, "fullname is 256 bytes long; the limit is 255 bytes", "user/longname/api/json"},
		{"createAccountByAdmin refuses a 255-byte e-mail address", "POST", "securityRealm/createAccountByAdmin", "username=longmail&password1=pw&password2=pw&email=" + strings.Repeat("e", 245) + "%40x.example", "email is 255 bytes long; the limit is 254 bytes", "user/longmail/api/json"},
		{"computer/doCreateItem refuses a 256-byte name", "POST", "computer/doCreateItem?name=" + long + "&type=hudson.slaves.DumbSlave", `json={"remoteFS":"/tmp"}`, "longer than 255 bytes", "computer/" + long + "/api/json"},
		{"computer/doCreateItem refuses a description over 64 KiB", "POST", "computer/doCreateItem?name=desc-agent&type=hudson.slaves.DumbSlave", "json=" + q(`{"nodeDescription":"`+desc+`"}`), "nodeDescription is 65537 bytes long; the limit is 65536 bytes", "computer/desc-agent/api/json"},
		{"computer/doCreateItem refuses a label string over 1 KiB", "POST", "computer/doCreateItem?name=label-agent&type=hudson.slaves.DumbSlave", "json=" + q(`{"labelString":"`+strings.Repeat("l ", 600)+`"}`), "labelString is 1199 bytes long; the limit is 1024 bytes", "computer/label-agent/api/json"},
		{"an agent's config.xml refuses a remoteFS over 4 KiB", "POST", "computer/base-agent/config.xml", `<slave><name>base-agent</name><remoteFS>` + strings.Repeat("r", 4097) + `</remoteFS></slave>`, "remoteFS is 4097 bytes long; the limit is 4096 bytes", ""},
		{"toggleOffline refuses an offline message over 1 KiB", "POST", "computer/base-agent/toggleOffline", "offlineMessage=" + strings.Repeat("m", 1025), "offlineMessage is 1025 bytes long; the limit is 1024 bytes", ""},
		{"the built-in node's toggleOffline refuses an offline message over 1 KiB", "POST", "computer/(built-in)/toggleOffline", "offlineMessage=" + strings.Repeat("m", 1025), "offlineMessage is 1025 bytes long; the limit is 1024 bytes", ""},
		{"the authorization strategy refuses a 256-byte sid", "POST", "manage/security/authorization", `{"strategy":"matrix","grants":[{"type":"USER","sid":"` + long + `","permissions":["hudson.model.Hudson.Read"]}]}`, "the sid is 256 bytes long; the limit is 255 bytes", ""},
		{"the settings refuse a root URL over 2 KiB", "POST", "manage/configure", "executors=2&quietPeriod=0&csrf=true&rootURL=https://ci.example/" + strings.Repeat("p", 2048), "the root URL is 2067 bytes long; the limit is 2048 bytes", ""},
	}
	rs.runBoundCases(t, cases)
	t.Run("nothing refused was stored", func(t *testing.T) {
		var got struct{ Tokens []struct{ Name string } }
		if err := json.Unmarshal([]byte(rs.raw(t, "GET", "user/admin/apiTokens/api/json", "", admin).body), &got); err != nil {
			t.Fatal(err)
		}
		for _, tk := range got.Tokens {
			if len(tk.Name) > 255 {
				t.Fatalf("a token named with %d bytes was stored", len(tk.Name))
			}
		}
		if r := rs.raw(t, "GET", "job/base/description", "", admin); r.body != "" {
			t.Fatalf("the description was stored: %d bytes", len(r.body))
		}
	})
}

// TestNamesRefuseInvisibleCharacters: a bidirectional override, an
// isolate, a zero-width character, a byte order mark or a line separator
// in an item, view, agent, user or token name is refused with a 400, and
// nothing is stored.
func TestNamesRefuseInvisibleCharacters(t *testing.T) {
	rs := newRouteStack(t)
	admin := basic("admin", rs.adminToken)
	if r := rs.raw(t, "POST", "createItem?name=plain", shellXML, admin); r.status != 200 {
		t.Fatal(r.status, r.body)
	}
	var cases []boundCase
	for _, ch := range []struct{ name, r string }{
		{"a right-to-left override U+202E", "\u202e"},
		{"a left-to-right isolate U+2066", "\u2066"},
		{"a zero-width space U+200B", "\u200b"},
		{"a right-to-left mark U+200F", "\u200f"},
		{"a byte order mark U+FEFF", "\ufeff"},
		{"a line separator U+2028", "\u2028"},
		{"a soft hyphen U+00AD", "\u00ad"},
	} {
		name := "evil" + ch.r + "gpj.exe"
		e := url.QueryEscape(name)
		cases = append(cases,
			boundCase{"createItem refuses " + ch.name, "POST", "createItem?name=" + e, shellXML, "invisible or direction-changing", "job/" + url.PathEscape(name) + "/api/json"},
			boundCase{"doRename refuses " + ch.name, "POST", "job/plain/doRename?newName=" + e, "", "invisible or direction-changing", "job/" + url.PathEscape(name) + "/api/json"},
			boundCase{"createView refuses " + ch.name, "POST", "createView?name=" + e + "&mode=hudson.model.ListView", "", "invisible or direction-changing", "view/" + url.PathEscape(name) + "/api/json"},
			boundCase{"computer/doCreateItem refuses " + ch.name, "POST", "computer/doCreateItem?name=" + e + "&type=hudson.slaves.DumbSlave", `json={"remoteFS":"/tmp"}`, "invisible or direction-changing", "computer/" + url.PathEscape(name) + "/api/json"},
			boundCase{"createAccountByAdmin refuses " + ch.name + " in the user name", "POST", "securityRealm/createAccountByAdmin", "username=" + e + "&password1=pw&password2=pw", "User name must only contain", ""},
			boundCase{"createAccountByAdmin refuses " + ch.name + " in the full name", "POST", "securityRealm/createAccountByAdmin", "username=spoof&password1=pw&password2=pw&fullname=" + e, "fullname holds the invisible or direction-changing character", "user/spoof/api/json"},
			boundCase{"generateNewToken refuses " + ch.name + " in the token name", "POST", "user/admin/descriptorByName/jenkins.security.ApiTokenProperty/generateNewToken", "newTokenName=" + e, "the token name holds the invisible or direction-changing character", ""},
		)
	}
	rs.runBoundCases(t, cases)
	t.Run("names with letters of any script, accents and emoji are still accepted", func(t *testing.T) {
		for _, name := range []string{"déjà-vu", "сборка", "ビルド", "عربي", "build 🚀"} {
			if r := rs.raw(t, "POST", "createItem?name="+url.QueryEscape(name), shellXML, admin); r.status != 200 {
				t.Fatalf("%q: %d %s", name, r.status, r.body)
			}
		}
	})
}

// TestReservedUserNamesAreRefused: anonymous, authenticated, SYSTEM and
// unknown cannot be created as users, in any case.
func TestReservedUserNamesAreRefused(t *testing.T) {
	rs := newRouteStack(t)
	var cases []boundCase
	for _, id := range []string{"anonymous", "Anonymous", "authenticated", "AUTHENTICATED", "SYSTEM", "system", "unknown"} {
		cases = append(cases, boundCase{"createAccountByAdmin refuses " + id, "POST", "securityRealm/createAccountByAdmin",
			"username=" + id + "&password1=pw&password2=pw", "is reserved and cannot be a user name", "user/" + id + "/api/json"})
	}
	rs.runBoundCases(t, cases)
}

// TestAuditFloodKeepsWhatCameBefore: 70 anonymous POSTs with 900 KB paths
// neither rotate out earlier entries nor bloat the log: fields are cut
// with a marker, the first ten refusals from the address (mallory's
// failed login among them) are logged, the other 61 are counted in one
// summary.
func TestAuditFloodKeepsWhatCameBefore(t *testing.T) {
	rs := newRouteStackWith(t, stackOptions{audit: audit.Policy{MaxBytes: 64 << 10, Keep: 2}})
	al, dir := rs.audit, filepath.Join(rs.home, "audit")
	if r := rs.raw(t, "POST", "createItem?name=before-flood", shellXML, basic("admin", rs.adminToken)); r.status != 200 {
		t.Fatal(r.status, r.body)
	}
	if r := rs.raw(t, "GET", "api/json", "", basic("mallory", "guess")); r.status != 401 {
		t.Fatal(r.status)
	}
	long := "flood/" + strings.Repeat("a", 900<<10)
	for range 70 {
		if r := rs.raw(t, "POST", long, "", nil); r.status != 403 {
			t.Fatalf("flood: %d", r.status)
		}
	}
	find := func(q audit.Query) []audit.Entry {
		t.Helper()
		q.Limit = 1000
		got, _, err := al.Find(q)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	t.Run("the entry made before the flood is still there", func(t *testing.T) {
		got := find(audit.Query{User: "admin", Action: "POST /createItem"})
		if len(got) != 1 {
			t.Fatalf("%d entries of admin's createItem", len(got))
		}
	})
	t.Run("the authentication failure made before the flood is still there", func(t *testing.T) {
		if got := find(audit.Query{User: "mallory", Action: "auth.failure"}); len(got) != 1 {
			t.Fatalf("%d entries", len(got))
		}
	})
	t.Run("nine refusals of the flood are logged, each path cut with a marker", func(t *testing.T) {
		got := find(audit.Query{Action: "POST /flood"})
		if len(got) != 9 {
			t.Fatalf("%d logged, want 9", len(got))
		}
		for _, e := range got {
			if len(e.Action) > audit.MaxAction+40 || !strings.Contains(e.Action, "…[truncated ") {
				t.Fatalf("action of %d bytes: %.80s…", len(e.Action), e.Action)
			}
		}
	})
	t.Run("closing the log writes one summary of the other 61", func(t *testing.T) {
		if err := al.Close(); err != nil {
			t.Fatal(err)
		}
		again, err := audit.Open(dir, audit.Policy{MaxBytes: 64 << 10, Keep: 2})
		if err != nil {
			t.Fatal(err)
		}
		defer again.Close()
		got, _, err := again.Find(audit.Query{Action: audit.SummaryAction})
		if err != nil || len(got) != 1 || !strings.HasPrefix(got[0].Detail, "61 more refused requests from 127.0.0.1") {
			t.Fatalf("%+v %v", got, err)
		}
	})
}

// TestAuditNeverHoldsAPasswordTypedAsAUserName: a claimed user name that
// no user can have is logged as a marker, whether it came by Basic auth
// or by the login form.
func TestAuditNeverHoldsAPasswordTypedAsAUserName(t *testing.T) {
	rs := newRouteStack(t)
	secrets := []string{"S3cret pass!", "hunter2@home", strings.Repeat("p", 65)}
	for _, pw := range secrets {
		rs.raw(t, "GET", "api/json", "", basic(pw, "whatever"))
		rs.raw(t, "POST", "j_spring_security_check", "j_username="+url.QueryEscape(pw)+"&j_password=x", nil)
	}
	rs.raw(t, "GET", "api/json", "", basic("mallory", "guess"))
	got, _, err := rs.audit.Find(audit.Query{Action: "auth.failure", Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("each failure is logged under the marker", func(t *testing.T) {
		n := 0
		for _, e := range got {
			if e.User == server.InvalidUserName {
				n++
			}
		}
		if n != 2*len(secrets) {
			t.Fatalf("%d entries under the marker, want %d: %+v", n, 2*len(secrets), got)
		}
	})
	t.Run("a valid user name is still logged as claimed", func(t *testing.T) {
		if got, _, _ := rs.audit.Find(audit.Query{User: "mallory"}); len(got) != 1 {
			t.Fatalf("%+v", got)
		}
	})
	t.Run("no password reaches the files", func(t *testing.T) {
		rs.audit.Flush()
		files, _ := filepath.Glob(filepath.Join(rs.home, "audit", "*"))
		if len(files) == 0 {
			t.Fatal("no audit files found")
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, pw := range secrets {
				if strings.Contains(string(b), pw) {
					t.Fatalf("%s holds %q", f, pw)
				}
			}
		}
	})
}

// TestEveryHTMLAnswerCarriesTheCSP: error pages (404, 401, 403 for a
// missing crumb or permission, 405), the API help page and redirects
// with an HTML body carry the same Content-Security-Policy as UI pages.
func TestEveryHTMLAnswerCarriesTheCSP(t *testing.T) {
	rs := newRouteStack(t)
	if r := rs.raw(t, "POST", "createItem?name=base", shellXML, basic("admin", rs.adminToken)); r.status != 200 {
		t.Fatal(r.status, r.body)
	}
	html := map[string]string{"Accept": "text/html"}
	withHTML := func(h map[string]string) map[string]string {
		out := map[string]string{"Accept": "text/html"}
		for k, v := range h {
			out[k] = v
		}
		return out
	}
	cases := []struct {
		name, method, path string
		header             map[string]string
		cookie             *http.Cookie
		status             int
	}{
		{"the 404 page", "GET", "no/such/page", basic("admin", rs.adminToken), nil, 404},
		{"the 404 page for a browser", "GET", "job/missing/", html, rs.session, 404},
		{"the 403 page for a POST without its crumb", "POST", "job/base/build", basic("admin", "pw"), nil, 403},
		{"the expired-form page for a browser's POST without its crumb", "POST", "job/base/build", html, rs.session, 403},
		{"the 403 page for a missing permission", "POST", "job/base/build", map[string]string{"Authorization": basic("bob", "bob-pw")["Authorization"], "Jenkins-Crumb": rs.bobCrumb}, nil, 403},
		{"the login redirect page for anonymous", "GET", "api/json", nil, nil, 403},
		{"the 401 page for bad credentials", "GET", "api/json", basic("admin", "wrong"), nil, 401},
		{"the 405 page for a GET of an action", "GET", "job/base/build", basic("admin", rs.adminToken), nil, 405},
		{"the 400 page for a bad tree", "GET", "api/json?tree=" + url.QueryEscape("a["), basic("admin", rs.adminToken), nil, 400},
		{"the API help page", "GET", "api/", basic("admin", rs.adminToken), nil, 200},
		{"the redirect of a GET of logout", "GET", "logout", withHTML(nil), nil, 302},
		{"a UI page", "GET", "", withHTML(nil), rs.session, 200},
	}
	for _, c := range cases {
		t.Run(c.name+" carries the CSP", func(t *testing.T) {
			r := rs.raw(t, c.method, c.path, "", c.header, c.cookie)
			if r.status != c.status {
				t.Fatalf("status %d, want %d: %.200s", r.status, c.status, r.body)
			}
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Fatalf("Content-Type %q", ct)
			}
			if got := r.header.Get("Content-Security-Policy"); got != request.CSP {
				t.Fatalf("Content-Security-Policy %q, want %q", got, request.CSP)
			}
		})
	}
}
