package server

// routeKind says what a route does with a request.
type routeKind int

const (
	// routeRead answers GET and HEAD and changes nothing.
	routeRead routeKind = iota
	// routeAction changes state; it takes POST (GET answers 405 or a
	// page with a button, never a change).
	routeAction
	// routeReadWrite answers GET with what a POST replaces (config.xml,
	// description).
	routeReadWrite
	// routePublic needs no permission (the login pages, whoAmI).
	routePublic
	// routeHook is a push hook servers call (a git hook, GitHub,
	// GitLab): it needs no login and no crumb, and its own rules decide
	// (a notifyCommit token, a signature, a job's trigger token, or Perm
	// without one). It may act on a GET (/git/notifyCommit, as the git
	// plugin does).
	routeHook
)

// route is one URL the walker answers. Placeholders in path name the
// objects walked through: {job} a freestyle job, {folder} a folder, {n} a
// build number, {view} a list view, {user} a user, {node} an agent,
// {item} a queue item id, {label} a label, {token} one of the user's
// token uuids, {cred} a credential, {fresh} an unused name, {value} an
// unused API token value, {victim} a fresh user, {asset} a static file,
// {gittoken} a notifyCommit token's uuid, {repo} a repository URL.
// "DELETE " before
// a path is the HTTP DELETE method on it.
type route struct {
	Path string
	Kind routeKind
	Perm string // what a POST needs (a GET for routeRead); "self": the user themself
}

// routes is the walker's contract: every URL it answers and what each
// needs. routes_test.go checks it both ways: every segment the walker
// (walk*.go) matches must appear here, and every state-changing route is
// driven over HTTP by each kind of caller, with and without its crumb,
// and must answer exactly as classified.
var routes = []route{
	{"", routeRead, permRead},
	{"login", routePublic, ""},
	{"loginError", routePublic, ""},
	{"j_spring_security_check", routePublic, ""},
	{"logout", routePublic, ""},
	{"whoAmI/api/json", routePublic, ""},
	{"api/json", routeRead, permRead},
	{"api/python", routeRead, permRead},
	{"crumbIssuer/api/json", routeRead, permRead},
	{"crumbIssuer/api/xml", routeRead, permRead},
	{"pluginManager/api/json", routeRead, permRead},
	{"label/{label}/api/json", routeRead, permRead},
	{"createItem?name={fresh}&mode=hudson.model.FreeStyleProject", routeAction, permCreate},
	{"createView?name={fresh}&mode=hudson.model.ListView", routeAction, permViewCreate},
	{"quietDown", routeAction, permAdminister},
	{"cancelQuietDown", routeAction, permAdminister},
	{"manage/audit/api/json", routeRead, permAdminister},
	{"manage/security/authorization", routeReadWrite, permAdminister},
	{"securityRealm/createAccountByAdmin?username={fresh}&password1=pw&password2=pw", routeAction, permAdminister},

	{"queue/api/json", routeRead, permRead},
	{"queue/item/{item}/", routeRead, permRead},
	{"queue/item/{item}/api/json", routeRead, permRead},
	{"queue/item/{item}/cancelQueue", routeAction, permCancel},
	{"queue/cancelItem?id={item}", routeAction, permCancel},

	{"computer/api/json", routeRead, permRead},
	{"computer/doCreateItem?name={fresh}&type=hudson.slaves.DumbSlave", routeAction, permNodeCreate},
	{"computer/createItem?name={fresh}&mode=hudson.slaves.DumbSlave", routeAction, permNodeCreate},
	{"computer/(built-in)/api/json", routeRead, permRead},
	{"computer/(built-in)/toggleOffline", routeAction, permDisconnect},
	{"computer/(built-in)/changeOfflineCause", routeAction, permDisconnect},
	{"computer/(built-in)/logText/progressiveText", routeRead, permNodeExtRead},
	{"computer/{node}/api/json", routeRead, permRead},
	{"computer/{node}/config.xml", routeReadWrite, permNodeConfigure},
	{"computer/{node}/doDelete", routeAction, permNodeDelete},
	{"computer/{node}/toggleOffline", routeAction, permDisconnect},
	{"computer/{node}/changeOfflineCause", routeAction, permDisconnect},
	{"computer/{node}/doDisconnect", routeAction, permDisconnect},
	{"computer/{node}/disconnect", routeAction, permDisconnect},
	{"computer/{node}/launchSlaveAgent", routeAction, permNodeConnect},
	{"computer/{node}/saveHostKey/submit?fingerprint=SHA256:none", routeAction, permNodeConfigure},
	{"computer/{node}/logText/progressiveText", routeRead, permNodeExtRead},

	{"job/{job}/", routeRead, permItemRead},
	{"DELETE job/{job}/", routeAction, permDelete},
	{"job/{job}/api/json", routeRead, permItemRead},
	{"job/{job}/build?delay=0sec", routeAction, permBuild},
	{"job/{job}/buildWithParameters?delay=0sec", routeAction, permBuild},
	{"job/{job}/enable", routeAction, permConfigure},
	{"job/{job}/disable", routeAction, permConfigure},
	{"job/{job}/doWipeOutWorkspace", routeAction, permBuild},
	{"job/{job}/config.xml", routeReadWrite, permConfigure},
	{"job/{job}/description?description=new", routeReadWrite, permConfigure},
	{"job/{job}/submitDescription?description=new", routeAction, permConfigure},
	{"job/{job}/doDelete", routeAction, permDelete},
	{"job/{job}/doRename?newName={fresh}", routeAction, permConfigure},
	{"job/{job}/confirmRename?newName={fresh}", routeAction, permConfigure},
	{"job/{job}/{n}/", routeRead, permItemRead},
	{"job/{job}/{n}/api/json", routeRead, permItemRead},
	{"job/{job}/{n}/consoleText", routeRead, permItemRead},
	{"job/{job}/{n}/console", routeRead, permItemRead},
	{"job/{job}/{n}/logText/progressiveText", routeRead, permItemRead},
	{"job/{job}/{n}/buildNumber", routeRead, permItemRead},
	{"job/{job}/{n}/doDelete", routeAction, permRunDelete},
	{"job/{job}/{n}/stop", routeAction, permCancel},
	{"job/{job}/{n}/submitDescription?description=new", routeAction, permRunUpdate},
	{"job/{job}/{n}/configSubmit", routeAction, permRunUpdate},
	{"job/{folder}/api/json", routeRead, permItemRead},
	{"job/{folder}/createItem?name={fresh}&mode=hudson.model.FreeStyleProject", routeAction, permCreate},
	{"job/{folder}/job/{job}/api/json", routeRead, permItemRead},
	{"job/{folder}/view/all/api/json", routeRead, permItemRead},
	{"job/{folder}/view/all/itemCategories?depth=3", routeRead, permCreate},

	{"view/all/api/json", routeRead, permRead},
	{"view/all/job/{job}/api/json", routeRead, permItemRead},
	{"view/all/itemCategories?depth=3", routeRead, permCreate},
	{"view/all/createItem?name={fresh}&mode=hudson.model.FreeStyleProject", routeAction, permCreate},
	{"view/{view}/api/json", routeRead, permRead},
	{"DELETE view/{view}/", routeAction, permViewDelete},
	{"view/{view}/job/{job}/api/json", routeRead, permItemRead},
	{"view/{view}/config.xml", routeReadWrite, permViewConfigure},
	{"view/{view}/doDelete", routeAction, permViewDelete},
	{"view/{view}/addJobToView?name={job}", routeAction, permViewConfigure},
	{"view/{view}/removeJobFromView?name={job}", routeAction, permViewConfigure},
	{"view/{view}/itemCategories?depth=3", routeRead, permCreate},
	{"view/{view}/createItem?name={fresh}&mode=hudson.model.FreeStyleProject", routeAction, permCreate},
	{"view/{view}/configSubmit", routeAction, permViewConfigure},
	{"view/{view}/submitDescription?description=new", routeAction, permViewConfigure},

	{"user/{user}/api/json", routeRead, permRead},
	{"user/{user}/submitDescription?description=new", routeAction, "self"},
	{"securityRealm/user/{victim}/doDelete", routeAction, permAdminister},
	{"user/{user}/apiTokens/api/json", routeRead, "self"},
	{"user/{user}/descriptorByName/jenkins.security.ApiTokenProperty/generateNewToken?newTokenName={fresh}", routeAction, "self"},
	{"user/{user}/descriptorByName/jenkins.security.ApiTokenProperty/addFixedToken?newTokenName={fresh}&newTokenPlainValue={value}", routeAction, "self"},
	{"user/{user}/descriptorByName/jenkins.security.ApiTokenProperty/rotate?tokenUuid={token}", routeAction, "self"},
	{"user/{user}/descriptorByName/jenkins.security.ApiTokenProperty/revoke?tokenUuid={token}", routeAction, "self"},
	{"user/{user}/descriptorByName/jenkins.security.ApiTokenProperty/rename?tokenUuid={token}&newName=renamed", routeAction, "self"},
	{"me/api/json", routeRead, permRead},

	// The web UI's pages and forms.
	{"static/{asset}", routePublic, ""},
	{"descriptorByName/hudson.triggers.TimerTrigger/checkSpec?value=H+*+*+*+*", routeRead, permRead},
	{"job/{job}/descriptorByName/hudson.triggers.TimerTrigger/checkSpec?value=H+*+*+*+*", routeRead, permItemRead},
	{"newJob", routeReadWrite, permCreate},
	{"view/all/newJob", routeReadWrite, permCreate},
	{"job/{folder}/newJob", routeReadWrite, permCreate},
	{"job/{folder}/view/all/newJob", routeReadWrite, permCreate},
	{"job/{job}/configure", routeRead, permConfigure},
	{"job/{job}/configSubmit", routeAction, permConfigure},
	{"job/{job}/delete", routeRead, permDelete},
	{"me/security/", routeRead, "self"},
	{"user/{user}/security/", routeRead, "self"},
	{"user/{user}/security/generate?newTokenName={fresh}", routeAction, "self"},
	{"user/{user}/security/revoke?tokenUuid={token}", routeAction, "self"},
	{"user/{victim}/security/password", routeAction, "self"},
	{"user/{victim}/doDelete", routeAction, permAdminister},
	{"manage/", routeRead, permAdminister},
	{"manage/configure", routeAction, permAdminister},
	{"manage/users/", routeRead, permAdminister},
	{"manage/audit/", routeRead, permAdminister},
	{"pluginManager/", routeRead, permRead},
	{"api/", routeRead, permRead},
	{"job/{job}/api/", routeRead, permItemRead},
	{"job/{job}/{n}/api/", routeRead, permItemRead},

	// What builds leave behind: the fixtures' builds of these routes
	// archive out/a.txt ("hello\n", whose MD5 names the fingerprint) and
	// record a report of the test pkg.Suite.passes.
	{"job/{job}/{n}/artifact/", routeRead, permItemRead},
	{"job/{job}/{n}/artifact/out/a.txt", routeRead, permItemRead},
	{"job/{job}/{n}/artifact/out/a.txt/*view*/", routeRead, permItemRead},
	{"job/{job}/{n}/artifact/out/*plain*", routeRead, permItemRead},
	{"job/{job}/{n}/artifact/**/*.txt", routeRead, permItemRead},
	{"job/{job}/{n}/artifact/*zip*/archive.zip", routeRead, permItemRead},
	{"job/{job}/lastSuccessfulBuild/artifact/out/a.txt", routeRead, permItemRead},
	{"job/{job}/{n}/testReport/", routeRead, permItemRead},
	{"job/{job}/{n}/testReport/api/json", routeRead, permItemRead},
	{"job/{job}/{n}/testReport/pkg/", routeRead, permItemRead},
	{"job/{job}/{n}/testReport/pkg/Suite/api/json", routeRead, permItemRead},
	{"job/{job}/{n}/testReport/pkg/Suite/passes/", routeRead, permItemRead},
	{"job/{job}/{n}/testReport/pkg/Suite/passes/api/json", routeRead, permItemRead},
	{"job/{job}/{n}/toggleLogKeep", routeAction, permRunUpdate},
	{"job/{job}/ws/", routeRead, permWorkspace},
	{"job/{job}/ws/out/a.txt", routeRead, permWorkspace},
	{"job/{job}/ws/*zip*/ws.zip", routeRead, permWorkspace},
	{"fingerprint/b1946ac92492d2347c6235b4d2611184/", routeRead, permRead},
	{"fingerprint/b1946ac92492d2347c6235b4d2611184/api/json", routeRead, permRead},
	{"manage/mail", routeRead, permAdminister},
	{"manage/mail/configure", routeAction, permAdminister},
	{"manage/mail/sendTestMail", routeAction, permAdminister},

	// The credentials plugin's API and pages (walk_credentials.go), under
	// /credentials/ and /manage/credentials/, as credential/ID and
	// credentials/ID; {cred} is a credential's id.
	{"credentials/api/json", routeRead, permCredView},
	{"manage/credentials/api/json", routeRead, permCredView},
	{"credentials/store/system/api/json", routeRead, permCredView},
	{"credentials/store/system/domain/_/api/json?depth=1", routeRead, permCredView},
	{"credentials/store/system/createDomain", routeAction, permCredDomains},
	{"credentials/store/system/domain/_/config.xml", routeReadWrite, permCredDomains},
	{"credentials/store/system/domain/_/createCredentials", routeAction, permCredCreate},
	{"manage/credentials/store/system/domain/_/createCredentials", routeAction, permCredCreate},
	{"credentials/store/system/domain/_/credential/{cred}/api/json", routeRead, permCredView},
	{"manage/credentials/store/system/domain/_/credentials/{cred}/api/json", routeRead, permCredView},
	{"credentials/store/system/domain/_/credential/{cred}/config.xml", routeReadWrite, permCredUpdate},
	{"DELETE credentials/store/system/domain/_/credential/{cred}/config.xml", routeAction, permCredDelete},
	{"credentials/store/system/domain/_/credential/{cred}/updateSubmit", routeAction, permCredUpdate},
	{"credentials/store/system/domain/_/credential/{cred}/doDelete", routeAction, permCredDelete},
	{"manage/credentials/store/system/domain/_/credentials/{cred}/doDelete", routeAction, permCredDelete},
	{"credentials/store/system/domain/_/credential/{cred}/doMove?destination=system/_", routeAction, permCredDelete},
	{"manage/credentials/", routeRead, permCredView},
	{"credentials/", routeRead, permCredView},
	{"credentials/store/system/", routeRead, permCredView},
	{"credentials/store/system/domain/_/", routeRead, permCredView},
	{"credentials/store/system/domain/_/newCredentials", routeReadWrite, permCredCreate},
	{"credentials/store/system/domain/_/credential/{cred}/", routeRead, permCredView},
	{"credentials/store/system/domain/_/credential/{cred}/update", routeReadWrite, permCredUpdate},
	{"credentials/store/system/domain/_/credential/{cred}/delete", routeRead, permCredDelete},

	// The git plugin (walk_git.go).
	{"git/notifyCommit?url={repo}", routeHook, ""},
	{"github-webhook/", routeHook, ""},
	{"project/{job}", routeHook, permBuild},
	{"job/{job}/scmPollLog/", routeRead, permItemRead},
	{"job/{job}/GitHubPollLog/", routeRead, permItemRead},
	{"job/{job}/changes", routeRead, permItemRead},
	{"job/{job}/polling", routeAction, permBuild},
	{"job/{job}/{n}/changes", routeRead, permItemRead},
	{"job/{job}/{n}/pollingLog/", routeRead, permItemRead},
	{"job/{job}/{n}/pollingLog/pollingLog", routeRead, permItemRead},
	{"descriptorByName/hudson.plugins.git.ApiTokenPropertyConfiguration/generate?apiTokenName={fresh}", routeAction, permAdminister},
	{"descriptorByName/hudson.plugins.git.ApiTokenPropertyConfiguration/revoke?apiTokenUuid={gittoken}", routeAction, permAdminister},
	{"manage/git/configure", routeAction, permAdminister},
	{"manage/git/generateToken?apiTokenName={fresh}", routeAction, permAdminister},
	{"manage/git/revokeToken?uuid={gittoken}", routeAction, permAdminister},

	// Items, views, nodes, people and history: their pages, the checks
	// their forms make as they are typed, and the search box.
	{"search/?q={job}", routeRead, permRead},
	{"search/suggest?query={job}", routeRead, permRead},
	{"view/all/checkJobName?value={fresh}", routeRead, permCreate},
	{"job/{folder}/view/all/checkJobName?value={fresh}", routeRead, permCreate},
	{"view/all/descriptorByName/hudson.model.AllView/autoCompleteCopyNewItemFrom?value=job", routeRead, permCreate},
	{"job/{folder}/view/all/descriptorByName/hudson.model.AllView/autoCompleteCopyNewItemFrom?value=job", routeRead, permCreate},
	{"job/{job}/confirm-rename", routeRead, permConfigure},
	{"job/{folder}/confirm-rename", routeRead, permConfigure},
	{"job/{job}/checkNewName?newName={fresh}", routeRead, permConfigure},
	{"job/{job}/builds", routeRead, permItemRead},
	{"newView", routeRead, permViewCreate},
	{"view/{view}/", routeRead, permRead},
	{"view/{view}/configure", routeRead, permViewConfigure},
	{"view/{view}/delete", routeRead, permViewDelete},
	{"computer/", routeRead, permRead},
	{"computer/(built-in)/", routeRead, permRead},
	{"computer/{node}/", routeRead, permRead},
	{"computer/new", routeReadWrite, permNodeCreate},
	{"computer/checkName?value={fresh}", routeRead, permNodeCreate},
	{"computer/{node}/configure", routeRead, permNodeConfigure},
	{"computer/{node}/configSubmit", routeAction, permNodeConfigure},
	{"computer/{node}/delete", routeRead, permNodeDelete},
	{"computer/{node}/log", routeRead, permNodeExtRead},
	{"user/{user}/", routeRead, permRead},
}
