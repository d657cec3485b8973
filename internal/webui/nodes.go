package webui

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jeeves-ci/jeeves/internal/authz"
	"github.com/jeeves-ci/jeeves/internal/limits"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/nodeconfig"
	"github.com/jeeves-ci/jeeves/internal/nodes"
	"github.com/jeeves-ci/jeeves/internal/request"
	"github.com/jeeves-ci/jeeves/internal/sshagent"
	"github.com/jeeves-ci/jeeves/internal/usererr"
)

// Nodes: /computer/ (every node, its state, its executors and what they
// run), a node's page, New Node and Configure for permanent agents
// (launched over SSH: host, port, credential, host-key verification,
// retries, prefix and suffix; labels, executors, remote root, usage,
// availability, environment variables), Delete, and the agent's
// connection log. The forms write the agent's config.xml as Jenkins
// writes a DumbSlave (internal/nodeconfig), which the nodes service
// stores.

// Agents is the hook through which the node pages learn what the nodes
// service knows of an agent's connection once agents connect: its
// state, what its executors run, its connection log. nil (this
// version's nodes service keeps no connection): every agent shows as
// Jenkins shows one that has never connected, offline and idle, with an
// empty log.
type Agents interface {
	// Agent is the agent's connection as it is now; ok is false when the
	// service knows nothing of it.
	Agent(name string) (st AgentState, ok bool)
	// AgentLog is the agent's connection log from byte start on (a
	// chunk of it), and the offset to read next: what
	// /computer/NAME/logText/progressiveText serves.
	AgentLog(name string, start int64) (text []byte, next int64, err error)
}

// AgentState is an agent's connection as the node pages show it.
type AgentState struct {
	Connected, Connecting bool
	ConnectedSince        time.Time
	// OfflineCause says why the agent is offline ("" when it is online
	// or was never launched); OfflineDetail what failed, when known.
	OfflineCause, OfflineDetail string
	// Executors has the build each executor runs (nil: idle).
	Executors []*model.Build
	// Architecture is the remote system ("Linux (amd64)"), once known.
	Architecture string
	// ConfigError says why the agent cannot be connected as configured.
	ConfigError string
	// LaunchSupported: the agent can be launched now (launchSlaveAgent).
	LaunchSupported bool
}

// Credentials is the hook through which the agent form offers the
// credentials an SSH launcher may use. nil: the form takes a
// credential's id as typed.
type Credentials interface {
	SSHCredentials(ctx context.Context) []CredentialChoice
}

// CredentialChoice is one credential the agent form offers.
type CredentialChoice struct{ ID, Description string }

// computerURL is a node's page, "computer/NAME/" under the root URL.
func computerURL(c *request.Call, name string) string {
	return c.Root + "computer/" + url.PathEscape(name) + "/"
}

// executorRun is one executor of a node on the node pages.
type executorRun struct {
	Number    int
	Build     string // "" idle; "busy" when the caller may not see what
	URL       string
	StartedAt time.Time
}

// runs describes executors running builds (nil: idle) as the caller may
// see them.
func (ui *UI) runs(c *request.Call, builds []*model.Build) []executorRun {
	out := make([]executorRun, len(builds))
	for i, b := range builds {
		out[i].Number = i + 1
		if b == nil {
			continue
		}
		out[i].StartedAt = b.StartedAt
		j := ui.jobByID(b.JobID)
		if j == nil || !c.CanSee(j) {
			out[i].Build = "busy"
			continue
		}
		n := strconv.FormatInt(b.Number, 10)
		out[i].Build, out[i].URL = j.Name+" #"+n, c.Root+jobPath(j.Name)+n+"/console"
	}
	return out
}

// nodeRow is one node on /computer/.
type nodeRow struct {
	Name, URL, State, Labels string
	Offline                  bool
	Executors                []executorRun
}

// agentState is the state the hook reports for n, or that of an agent
// that never connected.
func (ui *UI) agentState(n *model.Node) AgentState {
	if ui.agents != nil {
		if st, ok := ui.agents.Agent(n.Name); ok {
			return st
		}
	}
	return AgentState{Executors: make([]*model.Build, n.Config.NumExecutors)}
}

// stateWords says a node's state in a few words.
func stateWords(st AgentState, n *model.Node) (string, bool) {
	switch {
	case n.TempOffline && n.OfflineReason != "":
		return "Offline: taken offline (" + n.OfflineReason + ")", true
	case n.TempOffline:
		return "Offline: taken offline", true
	case st.Connected:
		return "Online", false
	case st.Connecting:
		return "Connecting", true
	case st.OfflineCause != "":
		return "Offline: " + st.OfflineCause, true
	}
	return "Offline: not connected", true
}

// builtInState is the built-in node's state in a few words.
func (ui *UI) builtInState() (string, bool) {
	if off, why := ui.farm.Offline(); off {
		if why != "" {
			return "Offline: taken offline (" + why + ")", true
		}
		return "Offline: taken offline", true
	}
	return "Online", false
}

// ComputersPage is /computer/: the built-in node and every agent, each
// with its state, labels and what its executors run.
func (ui *UI) ComputersPage(c *request.Call) error {
	state, off := ui.builtInState()
	busy := false
	execs := ui.farm.Executors()
	for _, b := range execs {
		busy = busy || b != nil
	}
	rows := []nodeRow{{Name: model.BuiltInDisplayName, URL: computerURL(c, model.BuiltInURLName), State: state, Offline: off, Labels: model.BuiltInNode, Executors: ui.runs(c, execs)}}
	for _, n := range ui.nodes.List() {
		st := ui.agentState(n)
		words, off := stateWords(st, n)
		for _, b := range st.Executors {
			busy = busy || b != nil
		}
		busy = busy || st.Connecting
		rows = append(rows, nodeRow{Name: n.Name, URL: computerURL(c, n.Name), State: words, Offline: off, Labels: strings.Join(n.Config.Labels, " "), Executors: ui.runs(c, st.Executors)})
	}
	live := liveIdle
	if busy {
		live = liveBusy
	}
	return ui.render(c, http.StatusOK, "computers", page{Title: "Nodes", Live: live, Trail: []trail{{"Nodes", c.Root + "computer/"}}, P: map[string]any{
		"Nodes": rows, "CanCreate": c.ID.User != nil && c.HasOn(nil, authz.NodeCreate),
	}})
}

// BuiltInPage is /computer/(built-in)/: the controller's own node, what
// its executors run, and taking it offline or back.
func (ui *UI) BuiltInPage(c *request.Call) error {
	state, off := ui.builtInState()
	execs := ui.farm.Executors()
	live := liveIdle
	for _, b := range execs {
		if b != nil {
			live = liveBusy
		}
	}
	u := computerURL(c, model.BuiltInURLName)
	return ui.render(c, http.StatusOK, "computer", page{Title: model.BuiltInDisplayName, Live: live, Trail: []trail{{"Nodes", c.Root + "computer/"}, {model.BuiltInDisplayName, u}}, P: map[string]any{
		"Name": model.BuiltInDisplayName, "URL": u, "BuiltIn": true, "State": state, "Offline": off,
		"Description": model.BuiltInDescription, "Labels": []string{model.BuiltInNode}, "NumExecutors": len(execs),
		"Executors": ui.runs(c, execs), "CanDisconnect": c.HasOn(nil, authz.NodeDisconnect), "Admin": c.HasOn(nil, authz.Administer),
		"ManageURL": c.Root + "manage/",
	}})
}

// agentFacts is what an agent's page says of its configuration.
type agentFacts struct {
	Launch, Host, Credential, HostKey, Retries, Prefix, Suffix string
	Mode, Retention, RemoteFS                                  string
	Env                                                        []nodeconfig.EnvVar
	Error                                                      string // the configuration does not read
}

// hostKeyWords names the host-key verification strategies as the
// ssh-slaves plugin's form does.
var hostKeyWords = [][2]string{
	{sshagent.ClassKnownHostsFile, "Known hosts file Verification Strategy"},
	{sshagent.ClassManuallyProvided, "Manually provided key Verification Strategy"},
	{sshagent.ClassManuallyTrusted, "Manually trusted key Verification Strategy"},
	{sshagent.ClassNonVerifying, "Non verifying Verification Strategy"},
}

func wordsFor(pairs [][2]string, class string) string {
	for _, p := range pairs {
		if p[0] == class {
			return p[1]
		}
	}
	return class
}

// factsOf reads an agent's config.xml for its page.
func factsOf(n *model.Node) agentFacts {
	cfg, err := nodeconfig.Parse(n.ConfigXML)
	if err != nil {
		return agentFacts{Error: strings.TrimPrefix(err.Error(), nodeconfig.ErrInvalid.Error()+": "), RemoteFS: n.Config.RemoteFS, Mode: modeWords(nodeconfig.Mode(n.Config.Mode))}
	}
	f := agentFacts{Mode: modeWords(cfg.Mode), RemoteFS: cfg.RemoteFS, Env: cfg.Env, Retention: "Keep this agent online as much as possible"}
	if cfg.Retention.Class == nodeconfig.ClassDemand {
		f.Retention = "Bring this agent online when in demand (after " + strconv.FormatInt(cfg.Retention.InDemandDelay, 10) +
			" min in demand), and take it offline when idle (after " + strconv.FormatInt(cfg.Retention.IdleDelay, 10) + " min)"
	}
	switch s := cfg.Launcher.SSH; {
	case s != nil:
		f.Launch = "Launch agents via SSH"
		f.Host = s.Host + ":" + strconv.Itoa(s.Port)
		f.Credential = s.CredentialsID
		f.HostKey = wordsFor(hostKeyWords, s.HostKey.Class)
		if s.HostKey.Missing {
			f.HostKey += " (none configured: the host key is not verified)"
		}
		f.Retries = strconv.Itoa(s.MaxNumRetries) + " retries, " + strconv.Itoa(s.RetryWaitTime) + " s apart; " + strconv.Itoa(s.LaunchTimeoutSeconds) + " s to connect"
		f.Prefix, f.Suffix = s.Prefix, s.Suffix
	case cfg.Launcher.Class == nodeconfig.ClassJNLPLauncher:
		f.Launch = "Launch agent by connecting it to the controller (inbound; jeeves keeps it but does not connect it)"
	default:
		f.Launch = cfg.Launcher.Class
	}
	return f
}

func modeWords(m nodeconfig.Mode) string {
	if m == nodeconfig.Exclusive {
		return "Only build jobs with label expressions matching this node"
	}
	return "Use this node as much as possible"
}

// AgentPage is /computer/NAME/ of a permanent agent: its state, what its
// executors run, its configuration, and its actions.
func (ui *UI) AgentPage(c *request.Call, n *model.Node) error {
	st := ui.agentState(n)
	words, off := stateWords(st, n)
	live := liveIdle
	if st.Connecting {
		live = liveBusy
	}
	for _, b := range st.Executors {
		if b != nil {
			live = liveBusy
		}
	}
	u := computerURL(c, n.Name)
	return ui.render(c, http.StatusOK, "computer", page{Title: n.Name, Live: live, Trail: []trail{{"Nodes", c.Root + "computer/"}, {n.Name, u}}, P: map[string]any{
		"Name": n.Name, "URL": u, "State": words, "Offline": off, "TempOffline": n.TempOffline, "Agent": st,
		"Description": n.Config.Description, "Labels": n.Config.Labels, "NumExecutors": n.Config.NumExecutors,
		"Executors": ui.runs(c, st.Executors), "Facts": factsOf(n),
		"CanConfigure": c.HasOn(nil, authz.NodeConfigure), "CanDelete": c.HasOn(nil, authz.NodeDelete),
		"CanDisconnect": c.HasOn(nil, authz.NodeDisconnect), "CanLog": c.HasOn(nil, authz.NodeExtRead) || c.HasOn(nil, authz.NodeConnect),
		"CanLaunch": st.LaunchSupported && !st.Connected && c.HasOn(nil, authz.NodeConnect),
	}})
}

// AgentDeletePage is GET /computer/NAME/delete: the confirmation, whose
// button posts to doDelete.
func (ui *UI) AgentDeletePage(c *request.Call, n *model.Node) error {
	if err := c.Require(authz.NodeDelete); err != nil {
		return err
	}
	u := computerURL(c, n.Name)
	return ui.render(c, http.StatusOK, "message", page{Title: "Delete " + n.Name, Trail: []trail{{"Nodes", c.Root + "computer/"}, {n.Name, u}}, P: map[string]any{
		"Heading": "Delete Agent", "Text": "Delete the agent ‘" + n.Name + "’?",
		"Form": u + "doDelete", "Button": "Yes", "Back": u, "BackText": "No, go back",
	}})
}

// AgentLogPage is /computer/NAME/log: the agent's connection log, which
// follows what the agent says while it connects (progressiveText).
func (ui *UI) AgentLogPage(c *request.Call, n *model.Node) error {
	// Computer.getLogText: Computer/Connect or Computer/ExtendedRead.
	if !c.HasOn(nil, authz.NodeExtRead) && !c.HasOn(nil, authz.NodeConnect) {
		return request.Forbidden(authz.NodeExtRead)
	}
	var text []byte
	var next int64
	st := ui.agentState(n)
	if ui.agents != nil {
		var err error
		if text, next, err = ui.agents.AgentLog(n.Name, 0); err != nil {
			return err
		}
	}
	u := computerURL(c, n.Name)
	return ui.render(c, http.StatusOK, "nodelog", page{Title: n.Name + " Log", Trail: []trail{{"Nodes", c.Root + "computer/"}, {n.Name, u}, {"Log", u + "log"}}, P: map[string]any{
		"Name": n.Name, "URL": u, "Text": string(text), "Size": next, "Follow": st.Connecting || st.Connected,
		"Inbound": !st.LaunchSupported,
	}})
}

// nodeForm is the agent form as shown: a stored agent's settings, or
// what was typed when the form comes back with an error.
type nodeForm struct {
	Name, Description, Executors, RemoteFS, Labels, Mode string
	Launcher                                             string // the launcher's class
	Host, Port, CredentialsID, HostKey, HostKeyValue     string
	ManualTrust                                          bool
	Timeout, Retries, RetryWait, Prefix, Suffix          string
	Retention, InDemandDelay, IdleDelay                  string
	Env                                                  []nodeconfig.EnvVar
	// What the form keeps of the stored agent without showing it.
	JavaPath, JVMOptions, WorkDir string
	TCPNoDelay                    bool
	// Kept names what the stored config.xml has that the form would
	// drop (node properties jeeves does not act on): the form refuses to
	// save over it.
	Kept   []string
	Errors map[string]string
}

// maxEnvRows bounds the environment variables one form sets.
const maxEnvRows = 1000

// newNodeForm is the form of a new agent: SSHLauncher's defaults, and the
// known-hosts check of the host's key.
func newNodeForm(name string) nodeForm {
	return nodeForm{Name: name, Executors: "1", Mode: string(nodeconfig.Normal), Launcher: nodeconfig.ClassSSHLauncher,
		Port: strconv.Itoa(nodeconfig.DefaultPort), HostKey: sshagent.ClassKnownHostsFile,
		Timeout: strconv.Itoa(nodeconfig.DefaultLaunchTimeoutSeconds), Retries: strconv.Itoa(nodeconfig.DefaultMaxNumRetries),
		RetryWait: strconv.Itoa(nodeconfig.DefaultRetryWaitTime), Retention: nodeconfig.ClassAlways, InDemandDelay: "0", IdleDelay: "1", TCPNoDelay: true}
}

// nodeFormOf is the form of a stored agent.
func nodeFormOf(n *model.Node) (nodeForm, error) {
	cfg, err := nodeconfig.Parse(n.ConfigXML)
	if err != nil {
		f := newNodeForm(n.Name)
		f.Description, f.RemoteFS, f.Labels, f.Mode = n.Config.Description, n.Config.RemoteFS, strings.Join(n.Config.Labels, " "), n.Config.Mode
		f.Executors = strconv.Itoa(n.Config.NumExecutors)
		return f, err
	}
	f := newNodeForm(n.Name)
	f.Description, f.Executors, f.RemoteFS, f.Labels, f.Mode = cfg.Description, strconv.Itoa(cfg.NumExecutors), cfg.RemoteFS, cfg.LabelString, string(cfg.Mode)
	f.Launcher, f.Env, f.Kept = cfg.Launcher.Class, cfg.Env, cfg.OtherProperties
	f.Retention = cfg.Retention.Class
	f.InDemandDelay, f.IdleDelay = strconv.FormatInt(cfg.Retention.InDemandDelay, 10), strconv.FormatInt(cfg.Retention.IdleDelay, 10)
	if s := cfg.Launcher.SSH; s != nil {
		f.Host, f.Port, f.CredentialsID = s.Host, strconv.Itoa(s.Port), s.CredentialsID
		f.HostKey, f.HostKeyValue, f.ManualTrust = s.HostKey.Class, s.HostKey.KeyString(), s.HostKey.RequireInitialManualTrust
		if s.HostKey.Missing {
			f.HostKey = sshagent.ClassNonVerifying
		}
		f.Timeout, f.Retries, f.RetryWait = strconv.Itoa(s.LaunchTimeoutSeconds), strconv.Itoa(s.MaxNumRetries), strconv.Itoa(s.RetryWaitTime)
		f.Prefix, f.Suffix = s.Prefix, s.Suffix
		f.JavaPath, f.JVMOptions, f.WorkDir, f.TCPNoDelay = s.JavaPath, s.JVMOptions, s.WorkDir, s.TCPNoDelay
	}
	return f, nil
}

// readNodeForm is the agent form as posted, every field as typed, over
// base (what the form keeps without showing it).
func readNodeForm(v url.Values, base nodeForm) (nodeForm, error) {
	f := base
	f.Errors = nil
	f.Description, f.Executors, f.RemoteFS = v.Get("nodeDescription"), v.Get("numExecutors"), v.Get("remoteFS")
	f.Labels, f.Mode, f.Launcher = v.Get("labelString"), v.Get("mode"), v.Get("launcher")
	f.Host, f.Port, f.CredentialsID = v.Get("host"), v.Get("port"), v.Get("credentialsId")
	f.HostKey, f.HostKeyValue, f.ManualTrust = v.Get("hostKey"), v.Get("hostKeyValue"), v.Get("requireInitialManualTrust") == "true"
	f.Timeout, f.Retries, f.RetryWait = v.Get("launchTimeoutSeconds"), v.Get("maxNumRetries"), v.Get("retryWaitTime")
	f.Prefix, f.Suffix = v.Get("prefixStartSlaveCmd"), v.Get("suffixStartSlaveCmd")
	f.Retention, f.InDemandDelay, f.IdleDelay = v.Get("retention"), v.Get("inDemandDelay"), v.Get("idleDelay")
	names, values := v["env.name"], v["env.value"]
	if len(names) != len(values) {
		return f, request.BadRequest("The environment variable rows are incomplete; reload the page and try again")
	}
	if len(names) > maxEnvRows {
		return f, request.BadRequest("The form sets more than " + strconv.Itoa(maxEnvRows) + " environment variables")
	}
	f.Env = nil
	for i := range names {
		if strings.TrimSpace(names[i]) != "" || values[i] != "" {
			f.Env = append(f.Env, nodeconfig.EnvVar{Name: strings.TrimSpace(names[i]), Value: values[i]})
		}
	}
	return f, nil
}

// fail records a message beside field.
func (f *nodeForm) fail(field, msg string) {
	if f.Errors == nil {
		f.Errors = map[string]string{}
	}
	if f.Errors[field] == "" {
		f.Errors[field] = msg
	}
}

// bounds holds every field the form takes to its bound (package
// limits), each refusal beside its field.
func (f *nodeForm) bounds() {
	for _, b := range []struct {
		field, value string
		max          int
	}{
		{"name", f.Name, limits.Name}, {"nodeDescription", f.Description, limits.Description}, {"remoteFS", f.RemoteFS, limits.Path},
		{"labelString", f.Labels, limits.Label}, {"host", f.Host, limits.Name}, {"credentialsId", f.CredentialsID, limits.Name},
		{"hostKeyValue", f.HostKeyValue, limits.Value}, {"prefixStartSlaveCmd", f.Prefix, limits.Value}, {"suffixStartSlaveCmd", f.Suffix, limits.Value},
	} {
		if err := limits.Check(b.field, b.value, b.max); err != nil {
			f.fail(b.field, err.Error())
		}
	}
	for _, e := range f.Env {
		if err := limits.Check("an environment variable's name", e.Name, limits.Name); err != nil {
			f.fail("env", err.Error())
		}
		if err := limits.Check("the value of "+e.Name, e.Value, limits.Value); err != nil {
			f.fail("env", err.Error())
		}
		if e.Name == "" {
			f.fail("env", "An environment variable has a value but no name")
		}
	}
}

// submitted is the json field Jenkins's agent form submits (what
// nodeconfig.FromForm reads) for f.
func (f nodeForm) submitted() string {
	env := make([]map[string]string, 0, len(f.Env))
	for _, e := range f.Env {
		env = append(env, map[string]string{"key": e.Name, "value": e.Value})
	}
	launcher := map[string]any{"stapler-class": f.Launcher}
	if f.Launcher == nodeconfig.ClassSSHLauncher {
		launcher = map[string]any{
			"stapler-class": f.Launcher, "host": f.Host, "port": f.Port, "credentialsId": f.CredentialsID,
			"javaPath": f.JavaPath, "jvmOptions": f.JVMOptions, "prefixStartSlaveCmd": f.Prefix, "suffixStartSlaveCmd": f.Suffix,
			"workDir": f.WorkDir, "tcpNoDelay": strconv.FormatBool(f.TCPNoDelay),
			"launchTimeoutSeconds": f.Timeout, "maxNumRetries": f.Retries, "retryWaitTime": f.RetryWait,
			"sshHostKeyVerificationStrategy": map[string]any{
				"stapler-class": f.HostKey, "requireInitialManualTrust": strconv.FormatBool(f.ManualTrust), "key": f.HostKeyValue,
			},
		}
	}
	b, _ := json.Marshal(map[string]any{
		"nodeDescription": f.Description, "numExecutors": f.Executors, "remoteFS": f.RemoteFS, "labelString": f.Labels, "mode": f.Mode,
		"retentionStrategy": map[string]any{"stapler-class": f.Retention, "inDemandDelay": f.InDemandDelay, "idleDelay": f.IdleDelay},
		"launcher":          launcher,
		"nodeProperties":    map[string]any{"hudson-slaves-EnvironmentVariablesNodeProperty": map[string]any{"env": env}},
	})
	return string(b)
}

// nodeConfigFields maps the start of nodeconfig's messages to the form
// field they are about.
var nodeConfigFields = []struct{ prefix, field string }{
	{"launcher/sshHostKeyVerificationStrategy/key", "hostKeyValue"},
	{"launcher/sshHostKeyVerificationStrategy", "hostKey"},
	{"launcher/host", "host"},
	{"launcher/port", "port"},
	{"launcher/credentialsId", "credentialsId"},
	{"launcher/launchTimeoutSeconds", "launchTimeoutSeconds"},
	{"launcher/maxNumRetries", "maxNumRetries"},
	{"launcher/retryWaitTime", "retryWaitTime"},
	{"launcher", "launcher"},
	{"numExecutors", "numExecutors"},
	{"mode", "mode"},
	{"remoteFS", "remoteFS"},
	{"label", "labelString"},
	{"retentionStrategy", "retention"},
	{nodeconfig.ClassEnvProperty, "env"},
}

// toConfig checks f as Jenkins's agent form would be checked and writes
// its config.xml; it reports false, with the messages beside the
// fields in f, when a field is wrong.
func (f *nodeForm) toConfig() ([]byte, bool) {
	f.bounds()
	if len(f.Kept) > 0 {
		f.fail("form", "This agent's config.xml has node properties the form does not show ("+strings.Join(f.Kept, ", ")+"), which saving the form would drop: edit its config.xml instead")
	}
	if f.Errors != nil {
		return nil, false
	}
	n, err := nodeconfig.FromForm(f.Name, f.submitted())
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), nodeconfig.ErrInvalid.Error()+": ")
		field := "form"
		for _, m := range nodeConfigFields {
			if strings.HasPrefix(msg, m.prefix) {
				field = m.field
				break
			}
		}
		f.fail(field, msg)
		return nil, false
	}
	return nodeconfig.Render(n), true
}

// firstError is one of the form's messages, for the top of the page.
func (f nodeForm) firstError() string {
	for _, field := range []string{"form", "name", "nodeDescription", "numExecutors", "remoteFS", "labelString", "mode", "launcher", "host", "port",
		"credentialsId", "hostKey", "hostKeyValue", "launchTimeoutSeconds", "maxNumRetries", "retryWaitTime", "prefixStartSlaveCmd", "suffixStartSlaveCmd", "retention", "env"} {
		if m := f.Errors[field]; m != "" {
			return m
		}
	}
	return ""
}

// nodeFormPage renders the agent form: New Node (n nil) or Configure.
func (ui *UI) nodeFormPage(c *request.Call, n *model.Node, status int, f nodeForm, note string, cp copyForm) error {
	var creds []CredentialChoice
	if ui.sshCreds != nil {
		creds = ui.sshCreds.SSHCredentials(c.Ctx())
	}
	shown := f
	shown.Env = append(append([]nodeconfig.EnvVar(nil), f.Env...), nodeconfig.EnvVar{})
	data := map[string]any{
		"Form": shown, "Error": f.firstError(), "Note": note, "HostKeys": hostKeyWords, "Credentials": creds,
		"SSH": nodeconfig.ClassSSHLauncher, "JNLP": nodeconfig.ClassJNLPLauncher, "Always": nodeconfig.ClassAlways, "Demand": nodeconfig.ClassDemand,
		"Manual": sshagent.ClassManuallyProvided, "Trusted": sshagent.ClassManuallyTrusted,
	}
	tr := []trail{{"Nodes", c.Root + "computer/"}}
	title := "New node"
	if n == nil {
		data["Action"] = c.Root + "computer/new"
		data["CheckName"] = c.Root + "computer/checkName"
		data["Copy"] = cp
		data["Agents"] = ui.nodes.List()
		if data["Error"] == "" {
			data["Error"] = cp.Errors["copy-name"] + cp.Errors["from"]
		}
		tr = append(tr, trail{"New node", c.Root + "computer/new"})
	} else {
		u := computerURL(c, n.Name)
		data["Action"] = u + "configSubmit"
		data["URL"] = u
		title = n.Name + " Configuration"
		tr = append(tr, trail{n.Name, u}, trail{"Configure", u + "configure"})
	}
	return ui.render(c, status, "nodeform", page{Title: title, Trail: tr, P: data})
}

// NewNode is GET and POST /computer/new: the New Node page, with its two
// forms: a permanent agent from its settings, or a copy of an agent. A
// form that fails comes back (400) as typed, the reason beside the
// field.
func (ui *UI) NewNode(c *request.Call) error {
	if err := c.Require(authz.NodeCreate); err != nil {
		return err
	}
	if c.R.Method != http.MethodPost {
		return ui.nodeFormPage(c, nil, http.StatusOK, newNodeForm(""), "", copyForm{})
	}
	if err := request.ParseForm(c); err != nil {
		return err
	}
	v := c.R.PostForm
	if v.Get("mode") == "copy" {
		cp := copyForm{Name: v.Get("name"), From: v.Get("from")}
		n, err := ui.nodes.Copy(c.Ctx(), cp.Name, cp.From)
		if err != nil {
			msg, ok := request.FormMessage(request.Refused(err))
			if !ok {
				return request.Refused(err)
			}
			field := "copy-name"
			if strings.TrimSpace(cp.From) == "" || strings.HasPrefix(msg, "No such agent") {
				field = "from"
			}
			cp.Errors = map[string]string{field: msg}
			return ui.nodeFormPage(c, nil, http.StatusBadRequest, newNodeForm(""), "", cp)
		}
		return request.SeeOther(c, computerURL(c, n.Name)+"configure")
	}
	f, err := readNodeForm(v, newNodeForm(""))
	if err != nil {
		return err
	}
	f.Name = strings.TrimSpace(v.Get("name"))
	if f.Name == "" {
		f.fail("name", "Enter a node name")
	} else if _, err := ui.nodes.CheckNew(f.Name); err != nil {
		msg, ok := request.FormMessage(request.Refused(err))
		if !ok {
			return request.Refused(err)
		}
		f.fail("name", msg)
	}
	xml, ok := f.toConfig()
	if !ok || f.Errors != nil {
		return ui.nodeFormPage(c, nil, http.StatusBadRequest, f, "", copyForm{})
	}
	n, err := ui.nodes.CreateFromXML(c.Ctx(), f.Name, xml)
	if err != nil {
		msg, ok := request.FormMessage(request.Refused(err))
		if !ok {
			return request.Refused(err)
		}
		field := "form"
		if errors.Is(err, nodes.ErrExists) {
			field = "name"
		}
		f.fail(field, msg)
		return ui.nodeFormPage(c, nil, http.StatusBadRequest, f, "", copyForm{})
	}
	return request.SeeOther(c, computerURL(c, n.Name))
}

// NewAgent is the answer to the first step of Jenkins's New Node
// (createItem?name=&mode=hudson.slaves.DumbSlave, the name checked): the
// agent form with the name filled in.
func (ui *UI) NewAgent(c *request.Call, name, mode string) error {
	return ui.nodeFormPage(c, nil, http.StatusOK, newNodeForm(name), "New agent "+name+": fill in its settings, then Save.", copyForm{})
}

// CheckNodeName is GET /computer/checkName?value=: ComputerSet's check of
// a new agent's name as it is typed. It needs Agent/Create.
func (ui *UI) CheckNodeName(c *request.Call) error {
	if err := c.Require(authz.NodeCreate); err != nil {
		return err
	}
	value := c.R.URL.Query().Get("value")
	if strings.TrimSpace(value) == "" {
		return writeCheck(c, fieldCheck{})
	}
	if _, err := ui.nodes.CheckNew(value); err != nil {
		return writeCheck(c, fieldCheck{"error", usererr.Message(err)})
	}
	return writeCheck(c, fieldCheck{})
}

// AgentConfigurePage is GET /computer/NAME/configure: the agent form
// with its settings. It needs Agent/Configure.
func (ui *UI) AgentConfigurePage(c *request.Call, n *model.Node) error {
	if err := c.Require(authz.NodeConfigure); err != nil {
		return err
	}
	f, err := nodeFormOf(n)
	note := ""
	if err != nil {
		note = "This agent's config.xml does not read as jeeves reads agents (" + strings.TrimPrefix(err.Error(), nodeconfig.ErrInvalid.Error()+": ") +
			"): the form shows what could be read, and saving it replaces the config.xml."
	}
	return ui.nodeFormPage(c, n, http.StatusOK, f, note, copyForm{})
}

// AgentConfigSubmit is POST /computer/NAME/configSubmit (Computer's
// doConfigSubmit): the agent form's settings become the agent's
// config.xml. A form that fails comes back (400) as typed.
func (ui *UI) AgentConfigSubmit(c *request.Call, n *model.Node) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.Require(authz.NodeConfigure); err != nil {
		return err
	}
	if err := request.ParseForm(c); err != nil {
		return err
	}
	base, _ := nodeFormOf(n)
	f, err := readNodeForm(c.R.PostForm, base)
	if err != nil {
		return err
	}
	xml, ok := f.toConfig()
	if !ok {
		return ui.nodeFormPage(c, n, http.StatusBadRequest, f, "", copyForm{})
	}
	if _, err := ui.nodes.UpdateConfig(c.Ctx(), n.Name, xml); err != nil {
		msg, ok := request.FormMessage(request.Refused(err))
		if !ok {
			return request.Refused(err)
		}
		f.fail("form", msg)
		return ui.nodeFormPage(c, n, http.StatusBadRequest, f, "", copyForm{})
	}
	return request.SeeOther(c, computerURL(c, n.Name))
}
