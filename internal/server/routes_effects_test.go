package server_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/server"
	"github.com/jeeves-ci/jeeves/internal/settings"
)

// routeEffect is what an action route does, read back after a request:
// prepare puts what it acts on in the state it changes (nil: the
// fixtures are in it already), and done reports whether the change is
// there, from the services or, for the actions whose answer is all they
// do, from the answer. TestRoutesByCaller holds every request the route
// answers as allowed to it, and every refused one to its absence.
type routeEffect struct {
	prepare func(t *testing.T, rs *routeStack, fx map[string]string)
	done    func(t *testing.T, rs *routeStack, fx map[string]string, res rawResp) bool
}

// routeEffects are the effects of every state-changing route of the
// table, by its path.
var routeEffects = map[string]routeEffect{
	"createItem?name={fresh}&mode=hudson.model.FreeStyleProject":              {done: itemExists("{fresh}")},
	"job/{folder}/createItem?name={fresh}&mode=hudson.model.FreeStyleProject": {done: itemExists("{folder}/{fresh}")},
	"view/all/createItem?name={fresh}&mode=hudson.model.FreeStyleProject":     {done: itemExists("{fresh}")},
	"view/{view}/createItem?name={fresh}&mode=hudson.model.FreeStyleProject": {done: func(t *testing.T, rs *routeStack, fx map[string]string, res rawResp) bool {
		return itemExists("{fresh}")(t, rs, fx, res) && slices.Contains(view(rs, fx["{view}"]).Config.JobNames, fx["{fresh}"])
	}},
	"newJob":                       {done: itemExists("{fresh}")},
	"view/all/newJob":              {done: itemExists("{fresh}")},
	"job/{folder}/newJob":          {done: itemExists("{folder}/{fresh}")},
	"job/{folder}/view/all/newJob": {done: itemExists("{folder}/{fresh}")},
	"DELETE job/{job}/":            {done: not(itemExists("{job}"))},
	"job/{job}/doDelete":           {done: not(itemExists("{job}"))},
	"job/{job}/doRename?newName={fresh}": {done: func(t *testing.T, rs *routeStack, fx map[string]string, res rawResp) bool {
		return itemExists("{fresh}")(t, rs, fx, res) && !itemExists("{job}")(t, rs, fx, res)
	}},
	"job/{job}/confirmRename?newName={fresh}": {done: func(t *testing.T, rs *routeStack, fx map[string]string, res rawResp) bool {
		return itemExists("{fresh}")(t, rs, fx, res) && !itemExists("{job}")(t, rs, fx, res)
	}},
	"job/{job}/build?delay=0sec":               {done: built},
	"job/{job}/buildWithParameters?delay=0sec": {done: built},
	"job/{job}/enable": {
		prepare: func(t *testing.T, rs *routeStack, fx map[string]string) {
			if _, err := rs.jobs.SetField(context.Background(), fx["{job}"], "disabled", "true"); err != nil {
				t.Fatal(err)
			}
		},
		done: func(t *testing.T, rs *routeStack, fx map[string]string, _ rawResp) bool {
			return !job(t, rs, fx["{job}"]).Config.Disabled
		},
	},
	"job/{job}/disable": {done: func(t *testing.T, rs *routeStack, fx map[string]string, _ rawResp) bool {
		return job(t, rs, fx["{job}"]).Config.Disabled
	}},
	"job/{job}/doWipeOutWorkspace": {
		prepare: func(t *testing.T, rs *routeStack, fx map[string]string) {
			dir := filepath.Join(rs.home, "workspace", fx["{job}"])
			if err := os.MkdirAll(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "left"), nil, 0o600); err != nil {
				t.Fatal(err)
			}
		},
		done: func(t *testing.T, rs *routeStack, fx map[string]string, _ rawResp) bool {
			_, err := os.Stat(filepath.Join(rs.home, "workspace", fx["{job}"], "left"))
			return os.IsNotExist(err)
		},
	},
	"job/{job}/config.xml":                        {done: jobDescribed("posted")},
	"job/{job}/configSubmit":                      {done: jobDescribed("posted")},
	"job/{job}/description?description=new":       {done: jobDescribed("new")},
	"job/{job}/submitDescription?description=new": {done: jobDescribed("new")},
	"job/{job}/{n}/doDelete": {done: func(t *testing.T, rs *routeStack, fx map[string]string, _ rawResp) bool {
		_, err := rs.app.Builds.Get(context.Background(), job(t, rs, fx["{job}"]).ID, number(t, fx))
		return err != nil
	}},
	"job/{job}/{n}/stop": {done: func(t *testing.T, rs *routeStack, fx map[string]string, _ rawResp) bool {
		b, err := rs.app.Builds.Get(context.Background(), job(t, rs, fx["{job}"]).ID, number(t, fx))
		return err == nil && b.Result == model.Aborted
	}},
	"job/{job}/{n}/submitDescription?description=new": {done: func(t *testing.T, rs *routeStack, fx map[string]string, _ rawResp) bool {
		return build(t, rs, fx).Description == "new"
	}},
	"job/{job}/{n}/configSubmit": {done: func(t *testing.T, rs *routeStack, fx map[string]string, _ rawResp) bool {
		b := build(t, rs, fx)
		return b.DisplayName == "new name" && b.Description == "new description"
	}},

	"createView?name={fresh}&mode=hudson.model.ListView": {done: func(t *testing.T, rs *routeStack, fx map[string]string, _ rawResp) bool {
		_, err := rs.app.Views.Get(fx["{fresh}"])
		return err == nil
	}},
	"DELETE view/{view}/":  {done: viewGone},
	"view/{view}/doDelete": {done: viewGone},
	"view/{view}/config.xml": {done: func(t *testing.T, rs *routeStack, fx map[string]string, _ rawResp) bool {
		return view(rs, fx["{view}"]).Config.Description == "posted"
	}},
	"view/{view}/addJobToView?name={job}": {done: func(t *testing.T, rs *routeStack, fx map[string]string, _ rawResp) bool {
		return slices.Contains(view(rs, fx["{view}"]).Config.JobNames, fx["{job}"])
	}},
	"view/{view}/removeJobFromView?name={job}": {
		prepare: func(t *testing.T, rs *routeStack, fx map[string]string) {
			if _, err := rs.app.Views.SetJob(context.Background(), fx["{view}"], fx["{job}"], true); err != nil {
				t.Fatal(err)
			}
		},
		done: func(t *testing.T, rs *routeStack, fx map[string]string, _ rawResp) bool {
			return !slices.Contains(view(rs, fx["{view}"]).Config.JobNames, fx["{job}"])
		},
	},
	"view/{view}/configSubmit": {done: func(t *testing.T, rs *routeStack, fx map[string]string, _ rawResp) bool {
		return view(rs, fx["{view}"]).Config.Description == "new description"
	}},
	"view/{view}/submitDescription?description=new": {done: func(t *testing.T, rs *routeStack, fx map[string]string, _ rawResp) bool {
		return view(rs, fx["{view}"]).Config.Description == "new"
	}},

	"quietDown": {done: func(t *testing.T, rs *routeStack, _ map[string]string, _ rawResp) bool { return rs.q.QuietingDown() }},
	"cancelQuietDown": {
		prepare: func(t *testing.T, rs *routeStack, _ map[string]string) { rs.q.QuietDown(true) },
		done:    func(t *testing.T, rs *routeStack, _ map[string]string, _ rawResp) bool { return !rs.q.QuietingDown() },
	},
	"manage/security/authorization": {done: func(t *testing.T, rs *routeStack, _ map[string]string, _ rawResp) bool {
		for _, g := range rs.app.Authz.Strategy().Grants {
			if g.Sid == "carol" {
				return true
			}
		}
		return false
	}},
	"manage/configure": {done: func(t *testing.T, rs *routeStack, _ map[string]string, _ rawResp) bool {
		return rs.app.Settings.Get().Executors == 3
	}},

	"queue/item/{item}/cancelQueue": {done: cancelled},
	"queue/cancelItem?id={item}":    {done: cancelled},

	"computer/doCreateItem?name={fresh}&type=hudson.slaves.DumbSlave": {done: func(t *testing.T, rs *routeStack, fx map[string]string, _ rawResp) bool {
		_, err := rs.app.Nodes.Get(fx["{fresh}"])
		return err == nil
	}},
	// The first step of a new agent only checks its name: its answer
	// is all it does, and it stores nothing.
	"computer/createItem?name={fresh}&mode=hudson.slaves.DumbSlave": {done: func(t *testing.T, rs *routeStack, fx map[string]string, res rawResp) bool {
		_, err := rs.app.Nodes.Get(fx["{fresh}"])
		return res.status == 200 && strings.Contains(res.body, "New agent "+fx["{fresh}"]) && err != nil
	}},
	"computer/(built-in)/toggleOffline": {done: func(t *testing.T, rs *routeStack, _ map[string]string, _ rawResp) bool {
		off, _ := rs.q.Offline()
		return off
	}},
	"computer/(built-in)/changeOfflineCause": {
		prepare: func(t *testing.T, rs *routeStack, _ map[string]string) { rs.q.SetOffline(true, "old cause") },
		done: func(t *testing.T, rs *routeStack, _ map[string]string, _ rawResp) bool {
			off, why := rs.q.Offline()
			return off && why == "new cause"
		},
	},
	"computer/{node}/doDelete": {done: func(t *testing.T, rs *routeStack, fx map[string]string, _ rawResp) bool {
		_, err := rs.app.Nodes.Get(fx["{node}"])
		return err != nil
	}},
	"computer/{node}/toggleOffline": {done: func(t *testing.T, rs *routeStack, fx map[string]string, _ rawResp) bool {
		return node(t, rs, fx).TempOffline
	}},
	"computer/{node}/changeOfflineCause": {done: func(t *testing.T, rs *routeStack, fx map[string]string, _ rawResp) bool {
		n := node(t, rs, fx)
		return n.TempOffline && n.OfflineReason == "new cause"
	}},
	// The fixture agent is an inbound one, never connected, so
	// disconnecting it is its answer alone: the redirect Jenkins answers
	// with. Launching it, or trusting a host key for it, is refused
	// naming why (e2e/agents_*_test.go drive both on real SSH agents).
	"computer/{node}/doDisconnect": {done: redirectsTo("computer/{node}/api/json")},
	"computer/{node}/disconnect":   {done: redirectsTo("computer/{node}/api/json")},
	"computer/{node}/launchSlaveAgent": {done: func(t *testing.T, rs *routeStack, fx map[string]string, res rawResp) bool {
		return res.status == 400 && strings.Contains(res.body, "is an inbound agent")
	}},
	"computer/{node}/saveHostKey/submit?fingerprint=SHA256:none": {done: func(t *testing.T, rs *routeStack, fx map[string]string, res rawResp) bool {
		return res.status == 400 && strings.Contains(res.body, "does not trust host keys manually")
	}},
	"computer/{node}/config.xml": {done: func(t *testing.T, rs *routeStack, fx map[string]string, _ rawResp) bool {
		return strings.Contains(string(node(t, rs, fx).ConfigXML), "posted")
	}},

	"securityRealm/createAccountByAdmin?username={fresh}&password1=pw&password2=pw": {done: userExists("{fresh}")},
	"securityRealm/user/{victim}/doDelete":                                          {done: not(userExists("{victim}"))},
	"user/{victim}/doDelete":                                                        {done: not(userExists("{victim}"))},
	"user/{user}/submitDescription?description=new": {
		prepare: func(t *testing.T, rs *routeStack, fx map[string]string) {
			if err := rs.au.SetUserDescription(context.Background(), fx["{user}"], ""); err != nil {
				t.Fatal(err)
			}
		},
		done: func(t *testing.T, rs *routeStack, fx map[string]string, _ rawResp) bool {
			d, err := rs.au.UserDescription(context.Background(), fx["{user}"])
			return err == nil && d == "new"
		},
	},
	"user/{victim}/security/password": {done: func(t *testing.T, rs *routeStack, fx map[string]string, _ rawResp) bool {
		return rs.raw(t, "GET", "api/json", "", basic(fx["{victim}"], "new-pw")).status == 200
	}},
	"user/{user}/descriptorByName/jenkins.security.ApiTokenProperty/generateNewToken?newTokenName={fresh}": {done: hasToken("{fresh}")},
	"user/{user}/descriptorByName/jenkins.security.ApiTokenProperty/addFixedToken?newTokenName={fresh}&newTokenPlainValue={value}": {
		done: hasToken("{fresh}"),
	},
	"user/{user}/security/generate?newTokenName={fresh}": {done: hasToken("{fresh}")},
	"user/{user}/descriptorByName/jenkins.security.ApiTokenProperty/rotate?tokenUuid={token}": {done: func(t *testing.T, rs *routeStack, fx map[string]string, _ rawResp) bool {
		return rs.raw(t, "GET", "api/json", "", basic("admin", fx["{token value}"])).status == 401
	}},
	"user/{user}/descriptorByName/jenkins.security.ApiTokenProperty/revoke?tokenUuid={token}": {done: tokenRevoked},
	"user/{user}/security/revoke?tokenUuid={token}":                                           {done: tokenRevoked},
	"user/{user}/descriptorByName/jenkins.security.ApiTokenProperty/rename?tokenUuid={token}&newName=renamed": {
		done: func(t *testing.T, rs *routeStack, fx map[string]string, _ rawResp) bool {
			for _, tok := range tokens(t, rs) {
				if tok.UUID == fx["{token}"] {
					return tok.Name == "renamed"
				}
			}
			return false
		},
	},
}

// TestEveryActionRouteHasAnEffect: a state-changing route added to the
// table must say how its effect is read back.
func TestEveryActionRouteHasAnEffect(t *testing.T) {
	for _, r := range server.Routes {
		if r.Kind != server.RouteAction && r.Kind != server.RouteReadWrite {
			continue
		}
		if _, ok := routeEffects[r.Path]; !ok {
			t.Errorf("%s: no effect in routeEffects", r.Path)
		}
	}
}

// fill replaces the placeholders of s with the fixtures'.
func fill(s string, fx map[string]string) string {
	for k, v := range fx {
		s = strings.ReplaceAll(s, k, v)
	}
	return s
}

func not(f func(*testing.T, *routeStack, map[string]string, rawResp) bool) func(*testing.T, *routeStack, map[string]string, rawResp) bool {
	return func(t *testing.T, rs *routeStack, fx map[string]string, res rawResp) bool { return !f(t, rs, fx, res) }
}

func itemExists(name string) func(*testing.T, *routeStack, map[string]string, rawResp) bool {
	return func(t *testing.T, rs *routeStack, fx map[string]string, _ rawResp) bool {
		_, err := rs.jobs.Get(fill(name, fx))
		return err == nil
	}
}

func job(t *testing.T, rs *routeStack, name string) *model.Job {
	t.Helper()
	j, err := rs.jobs.Get(name)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func jobDescribed(d string) func(*testing.T, *routeStack, map[string]string, rawResp) bool {
	return func(t *testing.T, rs *routeStack, fx map[string]string, _ rawResp) bool {
		return job(t, rs, fx["{job}"]).Config.Description == d
	}
}

// built: the job's build was queued, or has started.
func built(t *testing.T, rs *routeStack, fx map[string]string, _ rawResp) bool {
	j := job(t, rs, fx["{job}"])
	return j.NextBuildNumber > 1 || rs.q.JobItem(j.ID) != nil || rs.q.Busy(j.ID)
}

func number(t *testing.T, fx map[string]string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(fx["{n}"], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func build(t *testing.T, rs *routeStack, fx map[string]string) *model.Build {
	t.Helper()
	b, err := rs.app.Builds.Get(context.Background(), job(t, rs, fx["{job}"]).ID, number(t, fx))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func view(rs *routeStack, name string) *model.View {
	v, err := rs.app.Views.Get(name)
	if err != nil {
		return &model.View{}
	}
	return v
}

func viewGone(t *testing.T, rs *routeStack, fx map[string]string, _ rawResp) bool {
	_, err := rs.app.Views.Get(fx["{view}"])
	return err != nil
}

func node(t *testing.T, rs *routeStack, fx map[string]string) *model.Node {
	t.Helper()
	n, err := rs.app.Nodes.Get(fx["{node}"])
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func cancelled(t *testing.T, rs *routeStack, fx map[string]string, _ rawResp) bool {
	id, err := strconv.ParseInt(fx["{item}"], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	w, err := rs.q.Item(context.Background(), id)
	return err == nil && w.Item.Cancelled
}

func redirectsTo(path string) func(*testing.T, *routeStack, map[string]string, rawResp) bool {
	return func(t *testing.T, rs *routeStack, fx map[string]string, res rawResp) bool {
		return res.status == 302 && res.header.Get("Location") == rs.url+fill(path, fx)
	}
}

func userExists(name string) func(*testing.T, *routeStack, map[string]string, rawResp) bool {
	return func(t *testing.T, rs *routeStack, fx map[string]string, _ rawResp) bool {
		_, err := rs.au.User(context.Background(), fill(name, fx))
		return err == nil
	}
}

func tokens(t *testing.T, rs *routeStack) []*model.Token {
	t.Helper()
	ts, err := rs.au.Tokens(context.Background(), "admin")
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func hasToken(name string) func(*testing.T, *routeStack, map[string]string, rawResp) bool {
	return func(t *testing.T, rs *routeStack, fx map[string]string, _ rawResp) bool {
		return slices.ContainsFunc(tokens(t, rs), func(tok *model.Token) bool { return tok.Name == fill(name, fx) })
	}
}

func tokenRevoked(t *testing.T, rs *routeStack, fx map[string]string, _ rawResp) bool {
	return !slices.ContainsFunc(tokens(t, rs), func(tok *model.Token) bool { return tok.UUID == fx["{token}"] })
}

// outputsXML is a job whose builds leave artifacts and a test report:
// out/a.txt holds "hello\n" (MD5 b1946ac92492d2347c6235b4d2611184), and
// the report has one passing test, pkg.Suite.passes.
const outputsXML = `<project><builders><hudson.tasks.Shell><command>mkdir -p out; echo hello &gt; out/a.txt; ` +
	`echo '&lt;testsuite name="pkg.Suite"&gt;&lt;testcase classname="pkg.Suite" name="passes" time="0.1"/&gt;&lt;/testsuite&gt;' &gt; out/report.xml</command></hudson.tasks.Shell></builders>` +
	`<publishers><hudson.tasks.ArtifactArchiver><artifacts>out/a.txt</artifacts></hudson.tasks.ArtifactArchiver>` +
	`<hudson.tasks.junit.JUnitResultArchiver><testResults>out/report.xml</testResults></hudson.tasks.junit.JUnitResultArchiver></publishers></project>`

// leavesOutputs reports a route whose fixture build must leave artifacts,
// a test report or a workspace.
func leavesOutputs(path string) bool {
	for _, s := range []string{"/artifact/", "/testReport/", "/ws/", "/toggleLogKeep"} {
		if strings.Contains(path, s) {
			return true
		}
	}
	return false
}

// The effects of the routes of what builds leave behind.
func init() {
	routeEffects["job/{job}/{n}/toggleLogKeep"] = routeEffect{done: func(t *testing.T, rs *routeStack, fx map[string]string, _ rawResp) bool {
		return build(t, rs, fx).KeepLog
	}}
	routeEffects["manage/mail/configure"] = routeEffect{
		prepare: func(t *testing.T, rs *routeStack, _ map[string]string) {
			if err := rs.app.Mail.Set(context.Background(), settings.Mail{}); err != nil {
				t.Fatal(err)
			}
		},
		done: func(t *testing.T, rs *routeStack, _ map[string]string, _ rawResp) bool {
			return rs.app.Mail.Get().SMTPHost == "posted.example.com"
		},
	}
	// Without an SMTP server the test mail cannot go; that it was tried
	// (and the settings as typed read) is what the answer says.
	routeEffects["manage/mail/sendTestMail"] = routeEffect{done: func(t *testing.T, rs *routeStack, _ map[string]string, res rawResp) bool {
		return res.status == 400 && strings.Contains(res.body, "Failed to send out e-mail: no SMTP server is set")
	}}
}
