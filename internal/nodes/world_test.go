package nodes_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/blob"
	"github.com/jeeves-ci/jeeves/internal/credentials"
	"github.com/jeeves-ci/jeeves/internal/executor"
	"github.com/jeeves-ci/jeeves/internal/farm"
	"github.com/jeeves-ci/jeeves/internal/jobs"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/nodes"
	"github.com/jeeves-ci/jeeves/internal/sshagent"
	"github.com/jeeves-ci/jeeves/internal/sshagent/sshtest"
	"github.com/jeeves-ci/jeeves/internal/store/sqlite"
)

// creds is a credentials service in memory.
type creds struct {
	mu sync.Mutex
	m  map[string]*credentials.Credential
}

func (c *creds) Resolve(_ context.Context, id string) (*credentials.Credential, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[id], nil
}

func (c *creds) put(cr *credentials.Credential) {
	c.mu.Lock()
	c.m[cr.ID] = cr
	c.mu.Unlock()
}

// world is jeeves below its HTTP edge, on a real SQLite store: the jobs,
// the farm and the nodes service, wired as the composition root wires
// them, connecting to real sshd servers.
type world struct {
	t              testing.TB
	home           string
	offlineTimeout time.Duration
	builtIn        int
	creds          *creds
	seq            int

	st       *sqlite.Store
	js       *jobs.Service
	blobs    blob.Store
	farm     *farm.Farm
	ns       *nodes.Service
	finished chan model.Build
}

func newWorld(t testing.TB, builtIn int, offlineTimeout time.Duration) *world {
	w := &world{t: t, home: t.TempDir(), offlineTimeout: offlineTimeout, builtIn: builtIn, creds: &creds{m: map[string]*credentials.Credential{}}}
	w.open()
	t.Cleanup(w.close)
	return w
}

// tune shortens an agent's timeouts for tests.
func tune(c *sshagent.Config) {
	c.LaunchTimeout = 3 * time.Second
	c.RetryWait = 200 * time.Millisecond
	c.KeepAliveInterval = 200 * time.Millisecond
	c.KeepAliveCountMax = 3
}

// open starts jeeves on w.home.
func (w *world) open() {
	t := w.t
	ctx := context.Background()
	var err error
	if w.st, err = sqlite.Open(w.home); err != nil {
		t.Fatal(err)
	}
	w.blobs = blob.NewDir(w.home)
	if w.js, err = jobs.New(ctx, w.st, w.blobs); err != nil {
		t.Fatal(err)
	}
	if w.ns, err = nodes.New(ctx, w.st); err != nil {
		t.Fatal(err)
	}
	w.finished = make(chan model.Build, 256)
	finished := w.finished
	w.farm, err = farm.New(ctx, farm.Config{
		Executors: w.builtIn, Home: w.home, Logs: w.blobs, ListenURL: "http://127.0.0.1:1/",
		Agents:       w.ns,
		OnFinish:     func(b model.Build) { finished <- b },
		Contributors: []executor.Contributor{fileContributor{}},
	}, w.st, w.js)
	if err != nil {
		t.Fatal(err)
	}
	err = w.ns.Start(ctx, nodes.Config{
		Credentials: w.creds, Farm: w.farm, Blobs: w.blobs, OfflineTimeout: w.offlineTimeout,
		RetentionCheck: 2 * time.Second, Tune: tune,
	})
	if err != nil {
		t.Fatal(err)
	}
}

// close stops jeeves as a shutdown does: builds whose steps run durably
// on agents are left running there.
func (w *world) close() {
	if w.farm == nil {
		return
	}
	w.farm.Shutdown(0)
	w.ns.Close()
	w.st.Close()
	w.farm = nil
}

// restart stops jeeves and starts it again on the same home.
func (w *world) restart() {
	w.close()
	w.open()
}

// keyCredential is an SSH key credential for srv's user.
func (w *world) keyCredential(id string, srv *sshtest.Server) {
	w.creds.put(&credentials.Credential{ID: id, Kind: credentials.KindSSHKey, Username: srv.User, PrivateKey: credentials.Secret(srv.ClientKeyPEM)})
}

// nodeXML is a permanent agent on srv, its host key given.
func nodeXML(name string, srv *sshtest.Server, cred, labels string, executors int, props string) string {
	k := srv.HostKey.PublicKey()
	return fmt.Sprintf(`<slave><name>%s</name><remoteFS>%s/agent</remoteFS><numExecutors>%d</numExecutors><mode>NORMAL</mode>
<retentionStrategy class="hudson.slaves.RetentionStrategy$Always"/>
<launcher class="hudson.plugins.sshslaves.SSHLauncher"><host>%s</host><port>22</port><credentialsId>%s</credentialsId>
<sshHostKeyVerificationStrategy class="hudson.plugins.sshslaves.verifiers.ManuallyProvidedKeyVerificationStrategy"><key><algorithm>%s</algorithm><key>%s</key></key></sshHostKeyVerificationStrategy>
</launcher><label>%s</label><nodeProperties>%s</nodeProperties></slave>`,
		name, srv.Home, executors, srv.Addr, cred, k.Type(), base64.StdEncoding.EncodeToString(k.Marshal()), labels, props)
}

// server starts an sshd for w. jeeves stops before it does: an sshd
// that serves connections does not stop.
func server(w *world) *sshtest.Server {
	w.t.Helper()
	srv := sshtest.Start(w.t, sshtest.Options{})
	w.t.Cleanup(w.close)
	return srv
}

// agent creates a connected agent on a server of its own.
func (w *world) agent(name, labels string, executors int, props string) *sshtest.Server {
	w.t.Helper()
	srv := server(w)
	w.keyCredential("key-"+name, srv)
	if _, err := w.ns.CreateFromXML(context.Background(), name, []byte(nodeXML(name, srv, "key-"+name, labels, executors, props))); err != nil {
		w.t.Fatal(err)
	}
	w.online(name)
	return srv
}

// online waits until the agent is connected.
func (w *world) online(name string) *nodes.Computer {
	w.t.Helper()
	var c *nodes.Computer
	eventually(w.t, 20*time.Second, name+" connects", func() bool {
		c, _ = w.ns.Computer(name)
		return c != nil && !c.Offline
	})
	return c
}

// job creates a job that runs commands as shell steps on the nodes expr
// selects ("" any).
func (w *world) job(name, expr string, concurrent bool, commands ...string) *model.Job {
	w.t.Helper()
	where := "<canRoam>true</canRoam>"
	if expr != "" {
		where = "<assignedNode>" + esc(expr) + "</assignedNode><canRoam>false</canRoam>"
	}
	var steps strings.Builder
	for _, c := range commands {
		steps.WriteString("<hudson.tasks.Shell><command>" + esc(c) + "</command></hudson.tasks.Shell>")
	}
	xml := fmt.Sprintf("<project>%s<concurrentBuild>%v</concurrentBuild><builders>%s</builders></project>", where, concurrent, steps.String())
	j, err := w.js.Create(context.Background(), "", name, []byte(xml), &model.Authority{User: "admin"})
	if err != nil {
		w.t.Fatal(err)
	}
	return j
}

func esc(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

var atOnce = time.Duration(0)

// build queues a build of j due at once; each call is a build of its
// own (a SEQ parameter keeps the queue from folding them together).
func (w *world) build(j *model.Job) *model.QueueItem {
	w.t.Helper()
	w.seq++
	params := []model.ParamValue{{Kind: model.ParamString, Name: "SEQ", Value: strconv.Itoa(w.seq)}}
	it, _, err := w.farm.Schedule(context.Background(), j, model.Cause{Kind: model.CauseUser, UserID: "admin"}, &model.Authority{User: "admin"}, params, &atOnce)
	if err != nil {
		w.t.Fatal(err)
	}
	return it
}

// await waits for the next build to finish.
func (w *world) await() model.Build {
	w.t.Helper()
	select {
	case b := <-w.finished:
		return b
	case <-time.After(60 * time.Second):
		w.t.Fatalf("no build finished; queue: %+v", w.farm.Items())
		return model.Build{}
	}
}

// console is a build's console log.
func (w *world) console(b model.Build) string {
	w.t.Helper()
	r, err := w.blobs.Open(blob.LogKey(b.JobID, b.Number))
	if err != nil {
		w.t.Fatal(err)
	}
	defer r.Close()
	s, _ := io.ReadAll(r)
	return string(s)
}

// running waits until a build of j runs and its console holds want.
func (w *world) running(j *model.Job, number int64, want string) {
	w.t.Helper()
	eventually(w.t, 30*time.Second, fmt.Sprintf("%s #%d prints %q", j.Name, number, want), func() bool {
		r, err := w.blobs.Open(blob.LogKey(j.ID, number))
		if err != nil {
			return false
		}
		defer r.Close()
		s, _ := io.ReadAll(r)
		return strings.Contains(string(s), want)
	})
}

// why is what the queue says of an item.
func (w *world) why(it *model.QueueItem) string {
	w.t.Helper()
	wt, err := w.farm.Item(context.Background(), it.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	return wt.Why
}

// eventually polls cond until it holds, with a backing-off interval.
func eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for wait := 5 * time.Millisecond; !cond(); wait = min(2*wait, 200*time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", timeout, what)
		}
		time.Sleep(wait)
	}
}

// lines is "line 1\n" … "line n\n".
func lines(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "line %d\n", i)
	}
	return b.String()
}

// counter is a shell step printing n numbered lines, one every d.
func counter(n int, d time.Duration) string {
	return fmt.Sprintf("set +x; i=1; while [ $i -le %d ]; do echo line $i; i=$((i+1)); sleep %.2f; done", n, d.Seconds())
}

// conn is the connection of the agent named name.
func (w *world) conn(name string) *sshagent.Agent {
	w.t.Helper()
	c := w.ns.ConnOf(name)
	if c == nil {
		w.t.Fatalf("%s is not connected", name)
	}
	return c
}

// consoleOf is the console of build number of j so far ("" before it
// has one).
func (w *world) consoleOf(j *model.Job, number int64) string {
	r, err := w.blobs.Open(blob.LogKey(j.ID, number))
	if err != nil {
		return ""
	}
	defer r.Close()
	s, _ := io.ReadAll(r)
	return string(s)
}
