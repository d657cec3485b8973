package server_test

import (
	"strings"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/auth"
)

// TestJobGlobTokensStayInsideTheirGlob: a token limited to a job glob
// acts only on items whose full name matches, before and after the
// action; the folders on the way to its jobs are walk-only; and it cannot
// manage tokens or act on the server as a whole.
func TestJobGlobTokensStayInsideTheirGlob(t *testing.T) {
	rs := newRouteStack(t)
	rs.adminDo(t, "POST", "createItem?name=team-a", shellXML)
	rs.adminDo(t, "POST", "createItem?name=other", shellXML)
	rs.adminDo(t, "POST", "createItem?name=g", folderXML)
	rs.adminDo(t, "POST", "job/g/createItem?name=a", shellXML)
	rs.adminDo(t, "POST", "job/g/createItem?name=sub", folderXML)
	rs.adminDo(t, "POST", "job/g/job/sub/createItem?name=keep", shellXML)
	team, _ := rs.newToken(t, "team", auth.TokenOptions{Jobs: "team-*"})
	_, victim := rs.newToken(t, "victim", auth.TokenOptions{})
	gTok, _ := rs.newToken(t, "g", auth.TokenOptions{Jobs: "g/*"})
	tokens := rs.tokenCount(t)

	exists := func(names ...string) func(t *testing.T) {
		return func(t *testing.T) {
			for _, n := range names {
				if !rs.jobExists(n) {
					t.Errorf("%s is gone", n)
				}
			}
		}
	}
	absent := func(names ...string) func(t *testing.T) {
		return func(t *testing.T) {
			for _, n := range names {
				if rs.jobExists(n) {
					t.Errorf("%s was created", n)
				}
			}
		}
	}
	noNewToken := func(t *testing.T) {
		if n := rs.tokenCount(t); n != tokens {
			t.Errorf("admin has %d tokens, want %d", n, tokens)
		}
	}
	cases := []struct {
		name               string
		token              string
		method, path, body string
		want               int
		msg, notMsg        string // the answer contains msg and not notMsg
		after              func(t *testing.T)
	}{
		{name: "a team-* token cannot mint an unrestricted token", token: team,
			method: "POST", path: tokenPath + "generateNewToken?newTokenName=wider", want: 403, msg: "cannot manage API tokens", after: noNewToken},
		{name: "a team-* token cannot add a fixed token", token: team,
			method: "POST", path: tokenPath + "addFixedToken?newTokenName=fixed&newTokenPlainValue=11" + strings.Repeat("cd", 16), want: 403, msg: "cannot manage API tokens", after: noNewToken},
		{name: "a team-* token cannot rotate a token", token: team,
			method: "POST", path: tokenPath + "rotate?tokenUuid=" + victim.UUID, want: 403, msg: "cannot manage API tokens", after: noNewToken},
		{name: "a team-* token cannot rename a token", token: team,
			method: "POST", path: tokenPath + "rename?tokenUuid=" + victim.UUID + "&newName=x", want: 403, msg: "cannot manage API tokens"},
		{name: "a team-* token cannot revoke a token", token: team,
			method: "POST", path: tokenPath + "revoke?tokenUuid=" + victim.UUID, want: 403, msg: "cannot manage API tokens", after: noNewToken},
		{name: "a team-* token cannot mint a token from the Security page", token: team,
			method: "POST", path: "user/admin/security/generate", body: "newTokenName=wider", want: 403, msg: "cannot manage API tokens", after: noNewToken},
		{name: "a team-* token may create a job its glob matches", token: team,
			method: "POST", path: "createItem?name=team-new", body: shellXML, want: 200, after: exists("team-new")},
		{name: "a team-* token cannot create a job outside its glob", token: team,
			method: "POST", path: "createItem?name=outside", body: shellXML, want: 403, msg: "limited to jobs matching", after: absent("outside")},
		{name: "a team-* token cannot create a job outside its glob by copying one inside it", token: team,
			method: "POST", path: "createItem?name=outside-copy&mode=copy&from=team-a", want: 403, msg: "limited to jobs matching", after: absent("outside-copy")},
		{name: "a team-* token cannot create a job outside its glob from a type", token: team,
			method: "POST", path: "createItem?name=outside-type&mode=hudson.model.FreeStyleProject", want: 403, after: absent("outside-type")},
		{name: "a team-* token cannot create a job outside its glob from the New Item form", token: team,
			method: "POST", path: "view/all/newJob", body: "name=outside-ui&mode=hudson.model.FreeStyleProject", want: 403, after: absent("outside-ui")},
		{name: "a team-* token cannot copy a job it cannot see", token: team,
			method: "POST", path: "createItem?name=team-copy&mode=copy&from=other", want: 400, after: absent("team-copy")},
		{name: "a team-* token cannot rename a job out of its glob", token: team,
			method: "POST", path: "job/team-a/doRename?newName=renamed-out", want: 403, msg: "renamed-out", after: func(t *testing.T) {
				exists("team-a")(t)
				absent("renamed-out")(t)
			}},
		{name: "a team-* token may rename a job within its glob", token: team,
			method: "POST", path: "job/team-new/doRename?newName=team-renamed", want: 302, after: exists("team-renamed")},
		{name: "a team-* token cannot read the audit log", token: team, method: "GET", path: "manage/audit/api/json", want: 403},
		{name: "a team-* token cannot quiet the server down", token: team, method: "POST", path: "quietDown", want: 403},
		{name: "a team-* token cannot take the controller offline", token: team, method: "POST", path: "computer/(built-in)/toggleOffline", want: 403},
		{name: "a team-* token cannot create an agent", token: team,
			method: "POST", path: "computer/doCreateItem?name=team-agent&type=hudson.slaves.DumbSlave", want: 403},

		{name: "a g/* token walks through folder g to its jobs", token: gTok, method: "GET", path: "job/g/job/a/api/json", want: 200},
		{name: "a g/* token lists in g only what it may see", token: gTok,
			method: "GET", path: "job/g/api/json?tree=jobs[name,jobs[name]]", want: 200, msg: `"a"`, notMsg: "keep"},
		{name: "a g/* token may configure a job its glob matches", token: gTok,
			method: "POST", path: "job/g/job/a/config.xml", body: shellXML, want: 200},
		{name: "a g/* token may create a job in g whose full name its glob matches", token: gTok,
			method: "POST", path: "job/g/createItem?name=b", body: shellXML, want: 200, after: exists("g/b")},
		{name: "a g/* token cannot delete folder g, which holds g/sub/keep", token: gTok,
			method: "DELETE", path: "job/g/", want: 403, after: exists("g", "g/sub/keep")},
		{name: "a g/* token cannot doDelete folder g", token: gTok,
			method: "POST", path: "job/g/doDelete", want: 403, after: exists("g", "g/sub/keep")},
		{name: "a g/* token cannot read folder g's config.xml", token: gTok, method: "GET", path: "job/g/config.xml", want: 403},
		{name: "a g/* token cannot rewrite folder g's config.xml", token: gTok,
			method: "POST", path: "job/g/config.xml", body: folderXML, want: 403},
		{name: "a g/* token cannot rename folder g", token: gTok,
			method: "POST", path: "job/g/doRename?newName=h", want: 403, after: exists("g/a", "g/sub/keep")},
		{name: "a g/* token cannot set folder g's description", token: gTok,
			method: "POST", path: "job/g/description?description=mine", want: 403},
		{name: "a g/* token cannot delete g/sub, which holds g/sub/keep it cannot see", token: gTok,
			method: "DELETE", path: "job/g/job/sub/", want: 403, after: exists("g/sub/keep")},
		{name: "a g/* token cannot rename g/sub, which holds g/sub/keep", token: gTok,
			method: "POST", path: "job/g/job/sub/doRename?newName=sub2", want: 403, after: exists("g/sub/keep")},
		{name: "a g/* token cannot create g/sub/deep, which its glob does not match", token: gTok,
			method: "POST", path: "job/g/job/sub/createItem?name=deep", body: shellXML, want: 403, after: absent("g/sub/deep")},
		{name: "a g/* token does not reach g/sub/keep", token: gTok, method: "GET", path: "job/g/job/sub/job/keep/api/json", want: 404},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Cleanup(rs.reset)
			res := rs.raw(t, tc.method, tc.path, tc.body, basic("admin", tc.token))
			if res.status != tc.want {
				t.Fatalf("%s %s: %d, want %d\n%s", tc.method, tc.path, res.status, tc.want, res.body)
			}
			if tc.msg != "" && !strings.Contains(res.body, tc.msg) {
				t.Errorf("the answer does not say %q:\n%s", tc.msg, res.body)
			}
			if tc.notMsg != "" && strings.Contains(res.body, tc.notMsg) {
				t.Errorf("the answer shows %q:\n%s", tc.notMsg, res.body)
			}
			if tc.after != nil {
				tc.after(t)
			}
		})
	}
}
