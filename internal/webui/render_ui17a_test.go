package webui

import (
	"time"

	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/nodeconfig"
	"github.com/jeeves-ci/jeeves/internal/sshagent"
)

// The pages of items, views, nodes, people and history, and what they
// add to the dashboard, job, build and New Item pages: their cases join
// TestEveryPageRendersWhatItIsGiven's.
func init() {
	pageCases = append(pageCases, ui17aPageCases...)
}

var ui17aPageCases = []struct {
	name string
	p    any
	want []string
}{
	{"newjob", map[string]any{
		"Action": "/job/f/newJob", "Form": jobForm{}, "CheckName": "/job/f/view/all/checkJobName", "CompleteFrom": "/job/f/view/all/descriptorByName/x/autoComplete",
		"Copy": copyForm{Name: "c" + hostile, From: "src" + hostile, Errors: map[string]string{"from": "No such item: src" + hostile}},
	}, []string{
		`id="copy-item"`, `name="mode" value="copy"`, `id="copy-name" name="name" value="c` + escaped + `"`,
		`data-check="/job/f/view/all/checkJobName" data-check-param="value"`, `id="from" name="from" value="src` + escaped + `"`,
		`data-complete="/job/f/view/all/descriptorByName/x/autoComplete"`, `No such item: src` + escaped, `id="name-check" aria-live="polite"`,
	}},
	{"rename", map[string]any{"What": "Project", "Name": "j" + hostile, "URL": "/job/j/", "NewName": "n" + hostile, "Check": fieldCheck{"error", "taken " + hostile}}, []string{
		`Rename Project j` + escaped, `action="/job/j/confirmRename"`, `id="newName" name="newName" value="n` + escaped + `"`,
		`data-check="/job/j/checkNewName" data-check-param="newName"`, `aria-invalid="true"`, `<p class="check-error" role="alert">taken ` + escaped + `</p>`,
	}},
	{"dashboard", map[string]any{
		"Jobs": []dashboardRow{{Name: "in-view", URL: "/job/in-view/", Ball: Ball("blue")}},
		"Tabs": []viewTab{{Name: "All", URL: "/"}, {Name: "v" + hostile, URL: "/view/v/", Current: true}}, "CanCreateView": true,
		"View": map[string]any{"Name": "v" + hostile, "URL": "/view/v/", "Description": "about " + hostile, "CanConfigure": true, "CanDelete": true},
	}, []string{
		`<nav class="tabs" aria-label="Views">`, `<a href="/">All</a>`, `<a href="/view/v/" aria-current="page">v` + escaped + `</a>`,
		`id="new-view" href="/newView"`, `<h1 id="jobs-h">v` + escaped + `</h1>`, `id="view-description">about ` + escaped,
		`id="edit-view" href="/view/v/configure"`, `id="delete-view" href="/view/v/delete"`,
	}},
	{"newview", map[string]any{"Name": "v" + hostile, "Mode": "hudson.model.MyView", "Types": viewTypes, "Error": "taken " + hostile}, []string{
		`id="form-error">taken ` + escaped, `action="/createView"`, `id="view-name" name="name" value="v` + escaped + `"`,
		`value="hudson.model.MyView" checked`, `List View`,
	}},
	{"viewconfig", map[string]any{"URL": "/view/v/", "Form": viewForm{Name: "v" + hostile, Description: "d" + hostile, Regex: "a.*" + hostile, UseRegex: true, Status: "2",
		Jobs: []viewJobBox{{Name: "a" + hostile, Checked: true}, {Name: "b"}}, Error: "bad regex " + hostile}}, []string{
		`id="form-error">bad regex ` + escaped, `action="/view/v/configSubmit"`, `name="json" value="{}"`, `id="view-name" name="name" value="v` + escaped + `"`,
		">\nd" + escaped + "</textarea>", `<option value="2" selected>Disabled jobs only</option>`,
		`name="item_a` + escaped + `" checked> a` + escaped, `name="item_b"> b`, `id="use-regex" name="useincluderegex" checked`,
		`name="includeRegex" value="a.*` + escaped + `"`,
	}},
	{"computers", map[string]any{"CanCreate": true, "Nodes": []nodeRow{
		{Name: "Built-In Node", URL: "/computer/(built-in)/", State: "Online", Labels: "built-in", Executors: []executorRun{{Number: 1, Build: "j #3", URL: "/job/j/3/console"}, {Number: 2}}},
		{Name: "a" + hostile, URL: "/computer/a/", State: "Offline: " + hostile, Offline: true, Labels: "linux " + hostile, Executors: []executorRun{{Number: 1, Build: "busy"}}},
	}}, []string{
		`id="new-node" href="/computer/new"`, `<a href="/computer/%28built-in%29/">Built-In Node</a>`, `<a href="/job/j/3/console">j #3</a>`, `<span class="muted">Idle</span>`,
		`<a href="/computer/a/">a` + escaped + `</a>`, `class="state-offline">Offline: ` + escaped, `linux ` + escaped, `<li>busy</li>`, `data-label="Executors"`,
	}},
	{"computer", map[string]any{"Name": "a" + hostile, "URL": "/computer/a/", "State": "Offline: taken offline (" + hostile + ")", "Offline": true, "TempOffline": true,
		"Agent": AgentState{OfflineDetail: "refused " + hostile}, "Description": "desc " + hostile, "Labels": []string{"linux" + hostile}, "NumExecutors": 2,
		"Executors": []executorRun{{Number: 1}, {Number: 2}}, "CanConfigure": true, "CanDelete": true, "CanDisconnect": true, "CanLog": true,
		"Facts": agentFacts{Launch: "Launch agents via SSH", Host: "h" + hostile + ":22", Credential: "cred" + hostile, HostKey: "Known hosts file Verification Strategy",
			Retries: "10 retries", Prefix: "sudo " + hostile, Mode: "Use this node as much as possible", RemoteFS: "/home/" + hostile,
			Env: []nodeconfig.EnvVar{{Name: "PATH" + hostile, Value: "/bin" + hostile}}}}, []string{
		`Agent a` + escaped, `id="configure-node" href="/computer/a/configure"`, `id="node-log" href="/computer/a/log"`, `id="delete-node" href="/computer/a/delete"`,
		`<p class="description">desc ` + escaped, `Offline: taken offline (` + escaped + `)`, `<p class="error">refused ` + escaped,
		`action="/computer/a/toggleOffline"`, `id="bring-online"`, `<span class="tag">linux` + escaped + `</span>`, `<code>h` + escaped + `:22</code>`,
		`<code>cred` + escaped + `</code>`, `<code>sudo ` + escaped + `</code>`, `<code>/home/` + escaped + `</code>`, `<code>PATH` + escaped + `</code>`,
		`<code>/bin` + escaped + `</code>`, `href="/computer/a/config.xml"`,
	}},
	{"nodeform", map[string]any{"Action": "/computer/new", "CheckName": "/computer/checkName", "Error": "no host " + hostile, "Note": "note " + hostile,
		"Form": nodeForm{Name: "n" + hostile, Description: "d" + hostile, Executors: "2", RemoteFS: "/r" + hostile, Labels: "l" + hostile, Mode: "EXCLUSIVE",
			Launcher: nodeconfig.ClassSSHLauncher, Host: "h" + hostile, Port: "2222", CredentialsID: "c" + hostile, HostKey: sshagent.ClassManuallyTrusted, ManualTrust: true,
			Timeout: "60", Retries: "3", RetryWait: "5", Prefix: "p" + hostile, Suffix: "s" + hostile, Retention: nodeconfig.ClassDemand, InDemandDelay: "1", IdleDelay: "2",
			Env: []nodeconfig.EnvVar{{Name: "K" + hostile, Value: "V" + hostile}, {}}, Errors: map[string]string{"host": "The Host must be specified " + hostile}},
		"HostKeys": hostKeyWords, "Credentials": []CredentialChoice{{ID: "key-1", Description: "deploy key " + hostile}},
		"SSH": nodeconfig.ClassSSHLauncher, "JNLP": nodeconfig.ClassJNLPLauncher, "Always": nodeconfig.ClassAlways, "Demand": nodeconfig.ClassDemand,
		"Copy": copyForm{Name: "copy" + hostile, Errors: map[string]string{"from": "No such agent"}}, "Agents": []*model.Node{{Name: "old" + hostile}},
	}, []string{
		`id="form-error">no host ` + escaped, `id="form-note">note ` + escaped, `action="/computer/new"`, `id="node-name" name="name" value="n` + escaped + `"`,
		`data-check="/computer/checkName"`, ">\nd" + escaped + "</textarea>", `name="numExecutors" type="number" min="1" max="1024" value="2"`,
		`name="remoteFS" value="/r` + escaped + `"`, `name="labelString" value="l` + escaped + `"`, `<option value="EXCLUSIVE" selected>`,
		`id="launch-ssh" name="launcher" value="hudson.plugins.sshslaves.SSHLauncher" checked`, `name="host" value="h` + escaped + `"`,
		`aria-invalid="true" aria-describedby="host-error"`, `id="host-error">The Host must be specified ` + escaped, `list="credential-ids"`,
		`<option value="key-1">deploy key ` + escaped + `</option>`, `Manually trusted key Verification Strategy`, `value="` + sshagent.ClassManuallyTrusted + `" selected`,
		`id="manual-trust" name="requireInitialManualTrust" value="true" checked`, `name="port" type="number" min="1" max="65535" value="2222"`,
		`name="prefixStartSlaveCmd" value="p` + escaped + `"`, `id="retention-demand" name="retention" value="hudson.slaves.RetentionStrategy$Demand" checked`,
		`name="env.name" value="K` + escaped + `"`, `name="env.value" value="V` + escaped + `"`, `data-clone="env-rows"`,
		`id="copy-node"`, `id="copy-node-name" name="name" value="copy` + escaped + `"`, `id="copy-node-from-error">No such agent`, `<option value="old` + escaped + `">`,
	}},
	{"nodelog", map[string]any{"Name": "a" + hostile, "URL": "/computer/a/", "Text": "[01/02/26] " + hostile + "\n", "Size": int64(30), "Follow": true, "Connected": true}, []string{
		`Log of a` + escaped, `data-progressive="/computer/a/logText/progressiveText" data-start="30" data-more="true">[01/02/26] ` + escaped,
	}},
	{"history", map[string]any{"Name": "j" + hostile, "URL": "/job/j/", "Descriptions": map[int64]string{7: "rc " + hostile},
		"Pager": historyPager{URL: "/job/j/", Rows: []historyRow{{Number: 7, Color: "blue", StartedAt: time.Now(), Duration: time.Second}, {Number: 5, Color: "red", Building: true}},
			Newer: "/job/j/builds?newer-than=7", Older: "/job/j/builds?older-than=5", Newest: "/job/j/builds"}}, []string{
		`Build History of j` + escaped, `<a href="/job/j/7/">#7</a>`, `<td data-label="Description">rc ` + escaped + `</td>`, `<td data-label="Duration">running</td>`,
		`id="history-newer" rel="prev"`, `href="/job/j/builds?older-than=5"`, `id="history-newest"`,
	}},
	{"job", map[string]any{"Name": "j", "URL": "/job/j/", "Color": "blue", "CanConfigure": true,
		"Builds": []historyRow{{Number: 40, Color: "blue"}}, "Trend": trend(nil),
		"Pager":      historyPager{URL: "/job/j/", Rows: []historyRow{{Number: 40, Color: "blue"}}, Older: "/job/j/?older-than=40", Full: "/job/j/builds"},
		"Permalinks": []permalink{{Words: "Last build", Number: 40, URL: "/job/j/40/", Ago: "3 min"}, {Words: "Last failed build", Number: 38, URL: "/job/j/38/", Ago: "1 hr"}},
	}, []string{
		`id="rename" href="/job/j/confirm-rename"`, `<a href="/job/j/?older-than=40" id="history-older" rel="next">Older ›</a>`, `id="history-full"`,
		`<a href="/job/j/40/">Last build (#40), 3 min ago</a>`, `<a href="/job/j/38/">Last failed build (#38), 1 hr ago</a>`,
	}},
	{"build", map[string]any{"JobName": "j", "Number": int64(5), "URL": "/job/j/5/", "Color": "blue", "StartedAt": time.Now(), "Duration": time.Second,
		"Nav": buildNav{Prev: 3, Next: 6, URL: "/job/j/"}}, []string{
		`<a href="/job/j/3/" id="previous-build" rel="prev">‹ Previous Build (#3)</a>`, `<a href="/job/j/6/" id="next-build" rel="next">Next Build (#6) ›</a>`,
	}},
	{"search", map[string]any{"Query": "q" + hostile, "Hits": []searchHit{{Name: "team/j" + hostile, URL: "/job/team/job/j/", Group: "Items"}}, "More": true}, []string{
		`Search for ‘q` + escaped + `’`, `id="search-again" name="q" value="q` + escaped + `"`, `<a href="/job/team/job/j/">team/j` + escaped + `</a> <span class="tag">Items</span>`,
		`Only the first matches are shown`,
	}},
	{"user", map[string]any{"ID": "bob", "FullName": "Bob " + hostile, "Email": "bob@example.com", "Description": "about " + hostile, "URL": "/user/bob/",
		"Builds": []userBuild{{Name: "j #4", URL: "/job/j/4/", Color: "red", StartedAt: time.Now()}}, "Self": true, "CanEdit": true, "ShowEmail": true, "Shown": 25}, []string{
		`<h1 id="user-h">Bob ` + escaped + `</h1>`, `id="user-security" href="/user/bob/security/"`, `<dd>bob</dd>`, `<dd>bob@example.com</dd>`,
		`id="user-description">about ` + escaped, `action="/user/bob/submitDescription"`, `<a href="/job/j/4/">j #4</a>`, `aria-label="Failed"`,
	}},
}
