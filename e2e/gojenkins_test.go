package e2e

// gojenkins v1.2.0 (github.com/bndr/gojenkins), the Go client, driven
// against jeeves through the recording proxy. It is a Go module, so it
// needs nothing but Go and runs wherever the suite runs; it is imported
// only here, a test-only dependency.
//
// What gojenkins does that jeeves answers as Jenkins does:
//   - it asks for /crumbIssuer/api/json/api/json before every POST, and
//     copies the first Set-Cookie value into its Cookie header;
//   - it JSON-decodes every answer it does not read as text, so build's
//     201 must have Jenkins's empty body (curl, which accepts text, gets
//     "Started build for job N");
//   - it follows redirects and wants a final 200 with JSON or nothing:
//     against real Jenkins Disable, Enable, Delete and DeleteUser follow
//     the 302 to an HTML page and fail with "invalid character '<'";
//     jeeves redirects clients that do not accept HTML to the object's
//     api/json instead, so they succeed;
//   - GetBuild asks for /job/X//N/api/json?depth=1 (a doubled slash);
//     GetAllNodes names the built-in node "Built-In Node".
//
// Left out: History (parses the buildHistory/ajax HTML widget),
// GetInjectedEnvVars, GetResultSet, pipeline and plugin installation
// (plugins jeeves does not have; its CredentialsManager is driven in
// credentials_test.go), LaunchNodeBySSH and
// GetLogText (agents do not connect to jeeves yet), SafeRestart.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bndr/gojenkins"
)

// TestGoJenkins runs gojenkins through jobs, builds, queue items, views,
// folders, nodes, users and tokens, once with admin's password (gojenkins
// then fetches a crumb before every POST) and once with an API token.
func TestGoJenkins(t *testing.T) {
	t.Parallel() // slow: waits for builds; runs beside the other clients
	for _, auth := range []string{"password", "token"} {
		t.Run(auth, func(t *testing.T) {
			j := start(t, "", nil)
			secret := adminPassword
			if auth == "token" {
				secret = j.adminToken(t)
			}
			rec := recordProxy(t, j)
			goJenkinsWorkflow(t, j, rec, secret)
			traceAll(t, rec)
		})
	}
}

func goJenkinsWorkflow(t *testing.T, j *jeeves, rec *recorder, secret string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	jk := gojenkins.CreateJenkins(&http.Client{Timeout: 30 * time.Second}, rec.url, "admin", secret)

	// step runs one client call as a subtest named after it; a failure
	// shows the HTTP exchanges the call made. A step whose objects an
	// earlier step failed to make is skipped as failed.
	step := func(name string, fn func() error, needs ...any) {
		t.Helper()
		rec.setStep(name)
		t.Run(name, func(t *testing.T) {
			for _, n := range needs {
				if reflect.ValueOf(n).IsNil() {
					t.Fatal("not run: an earlier step failed to make what this one needs")
				}
			}
			if err := fn(); err != nil {
				t.Errorf("%v\n  HTTP exchanges of this step:\n%s", err, formatExchanges(rec.exchanges(name)))
			}
		})
	}
	// waitDone polls a build until it has finished.
	waitDone := func(b *gojenkins.Build) error {
		return poll("the build to finish", 60*time.Second, func() bool { return !b.IsRunning(ctx) })
	}
	paramJob := strings.Replace(shellJob(`echo "$GREETING from gojenkins"`), "<builders>",
		`<properties><hudson.model.ParametersDefinitionProperty><parameterDefinitions><hudson.model.StringParameterDefinition>`+
			`<name>GREETING</name><defaultValue>hello</defaultValue></hudson.model.StringParameterDefinition>`+
			`</parameterDefinitions></hudson.model.ParametersDefinitionProperty></properties><builders>`, 1)

	var job, params, inner *gojenkins.Job
	var build *gojenkins.Build
	var queueID int64

	step("Init", func() error {
		if _, err := jk.Init(ctx); err != nil {
			return err
		}
		if jk.Version == "" {
			return errors.New("no version from X-Jenkins")
		}
		_, err := jk.Info(ctx)
		return err
	})
	step("CreateJob", func() error {
		var err error
		if job, err = jk.CreateJob(ctx, shellJob("echo hello from gojenkins"), "gj-job"); err != nil {
			return err
		}
		if job.GetName() != "gj-job" || job.GetDescription() != "made by a test" {
			return fmt.Errorf("created %q described %q", job.GetName(), job.GetDescription())
		}
		return nil
	})
	step("GetJob and GetConfig", func() error {
		got, err := jk.GetJob(ctx, "gj-job")
		if err != nil {
			return err
		}
		cfg, err := got.GetConfig(ctx)
		if err != nil {
			return err
		}
		if !strings.Contains(cfg, "echo hello from gojenkins") {
			return fmt.Errorf("config.xml:\n%s", cfg)
		}
		return nil
	})
	step("UpdateConfig", func() error {
		xml := strings.Replace(shellJob("echo hello from gojenkins"), "made by a test", "updated by gojenkins", 1)
		if err := job.UpdateConfig(ctx, xml); err != nil {
			return err
		}
		if job.GetDescription() != "updated by gojenkins" {
			return fmt.Errorf("description %q", job.GetDescription())
		}
		return nil
	}, job)
	step("BuildJob", func() error {
		var err error
		if queueID, err = jk.BuildJob(ctx, "gj-job", nil); err != nil {
			return err
		}
		if queueID <= 0 {
			return fmt.Errorf("queue id %d", queueID)
		}
		return nil
	})
	step("GetQueueItem", func() error {
		task, err := jk.GetQueueItem(ctx, queueID)
		if err != nil {
			return err
		}
		if task.Raw.ID != queueID || task.Raw.Task.Name != "gj-job" {
			return fmt.Errorf("queue item %+v", task.Raw)
		}
		return nil
	})
	step("GetBuildFromQueueID", func() error {
		var err error
		if build, err = jk.GetBuildFromQueueID(ctx, job, queueID); err != nil {
			return err
		}
		if err := waitDone(build); err != nil {
			return err
		}
		if build.GetResult() != "SUCCESS" {
			return fmt.Errorf("result %q", build.GetResult())
		}
		if out := build.GetConsoleOutput(ctx); !strings.Contains(out, "hello from gojenkins") {
			return fmt.Errorf("console:\n%s", out)
		}
		causes, err := build.GetCauses(ctx)
		if err != nil || len(causes) == 0 {
			return fmt.Errorf("causes %v: %v", causes, err)
		}
		return nil
	}, job)
	step("GetConsoleOutputFromIndex", func() error {
		out, err := build.GetConsoleOutputFromIndex(ctx, 0)
		if err != nil {
			return err
		}
		if out.Offset <= 0 || out.HasMoreText || !strings.Contains(out.Content, "hello from gojenkins") {
			return fmt.Errorf("%+v", out)
		}
		return nil
	}, build)
	step("SetDescription", func() error {
		if err := build.SetDescription(ctx, "described by gojenkins"); err != nil {
			return err
		}
		if _, err := build.Poll(ctx); err != nil {
			return err
		}
		if build.Raw.Description != "described by gojenkins" {
			return fmt.Errorf("description %v", build.Raw.Description)
		}
		return nil
	}, build)
	step("GetBuild", func() error {
		b, err := jk.GetBuild(ctx, "gj-job", build.GetBuildNumber())
		if err != nil {
			return err
		}
		if b.GetBuildNumber() != build.GetBuildNumber() || b.Raw.QueueID != queueID {
			return fmt.Errorf("build %d from queue %d", b.GetBuildNumber(), b.Raw.QueueID)
		}
		return nil
	}, build)
	step("GetLastBuild and the other permalinks", func() error {
		if _, err := job.Poll(ctx); err != nil {
			return err
		}
		for name, get := range map[string]func(context.Context) (*gojenkins.Build, error){
			"lastBuild": job.GetLastBuild, "firstBuild": job.GetFirstBuild, "lastSuccessfulBuild": job.GetLastSuccessfulBuild,
			"lastStableBuild": job.GetLastStableBuild, "lastCompletedBuild": job.GetLastCompletedBuild,
		} {
			b, err := get(ctx)
			if err != nil {
				return fmt.Errorf("%s: %v", name, err)
			}
			if b.GetBuildNumber() != build.GetBuildNumber() {
				return fmt.Errorf("%s is #%d, want #%d", name, b.GetBuildNumber(), build.GetBuildNumber())
			}
		}
		return nil
	}, job, build)
	step("GetAllBuildIds and GetBuildsFields", func() error {
		ids, err := job.GetAllBuildIds(ctx)
		if err != nil {
			return err
		}
		if len(ids) != 1 || ids[0].Number != build.GetBuildNumber() {
			return fmt.Errorf("build ids %+v", ids)
		}
		var fields struct {
			Builds []struct {
				Number int64
				Result string
			}
		}
		if err := job.GetBuildsFields(ctx, []string{"number", "result"}, &fields); err != nil {
			return err
		}
		if len(fields.Builds) != 1 || fields.Builds[0].Result != "SUCCESS" {
			return fmt.Errorf("builds %+v", fields.Builds)
		}
		return nil
	}, job, build)
	// What builds leave behind: GetArtifacts, Artifact.Save (which checks
	// the download's MD5 against /fingerprint/<md5>/api/json) and the
	// test report (GetResultSet).
	var leaves *gojenkins.Build
	step("a build that archives and records tests", func() error {
		j, err := jk.CreateJob(ctx, withPublishers(shellJob("mkdir -p dist; head -c 300000 /dev/urandom > dist/app.bin; echo notes > dist/notes.txt; "+junitFile("TEST-gj.xml", "works", "breaks")),
			archiverXML("dist/*")+junitXML("TEST-*.xml")), "gj-leaves")
		if err != nil {
			return err
		}
		id, err := j.InvokeSimple(ctx, nil)
		if err != nil {
			return err
		}
		if leaves, err = jk.GetBuildFromQueueID(ctx, j, id); err != nil {
			return err
		}
		if err := waitDone(leaves); err != nil {
			return err
		}
		if leaves.GetResult() != "UNSTABLE" {
			return fmt.Errorf("result %q", leaves.GetResult())
		}
		return nil
	})
	step("GetArtifacts and Artifact.Save with its MD5 check", func() error {
		arts := leaves.GetArtifacts()
		if len(arts) != 2 || arts[0].FileName != "app.bin" || arts[1].FileName != "notes.txt" {
			return fmt.Errorf("artifacts %+v", arts)
		}
		dir := t.TempDir()
		for _, a := range arts {
			ok, err := a.Save(ctx, filepath.Join(dir, a.FileName))
			if err != nil || !ok {
				return fmt.Errorf("Save %s: %v %v", a.FileName, ok, err)
			}
		}
		if b, err := os.ReadFile(filepath.Join(dir, "notes.txt")); err != nil || string(b) != "notes\n" {
			return fmt.Errorf("notes.txt %q %v", b, err)
		}
		if fi, err := os.Stat(filepath.Join(dir, "app.bin")); err != nil || fi.Size() != 300000 {
			return fmt.Errorf("app.bin %v %v", fi, err)
		}
		return nil
	}, leaves)
	step("GetResultSet", func() error {
		rs, err := leaves.GetResultSet(ctx)
		if err != nil {
			return err
		}
		if rs.FailCount != 1 || rs.PassCount != 1 || len(rs.Suites) != 1 || len(rs.Suites[0].Cases) != 2 || rs.Suites[0].Cases[1].Status != "FAILED" {
			return fmt.Errorf("%+v", rs)
		}
		_, err = jk.DeleteJob(ctx, "gj-leaves")
		return err
	}, leaves)
	step("InvokeSimple with parameters", func() error {
		var err error
		if params, err = jk.CreateJob(ctx, paramJob, "gj-params"); err != nil {
			return err
		}
		id, err := params.InvokeSimple(ctx, map[string]string{"GREETING": "hi there"})
		if err != nil {
			return err
		}
		b, err := jk.GetBuildFromQueueID(ctx, params, id)
		if err != nil {
			return err
		}
		if err := waitDone(b); err != nil {
			return err
		}
		if ps := b.GetParameters(); len(ps) != 1 || ps[0].Name != "GREETING" || ps[0].Value != "hi there" {
			return fmt.Errorf("parameters %+v", ps)
		}
		if out := b.GetConsoleOutput(ctx); !strings.Contains(out, "hi there from gojenkins") {
			return fmt.Errorf("console:\n%s", out)
		}
		return nil
	})
	step("Disable and Enable", func() error {
		if ok, err := job.Disable(ctx); !ok || err != nil {
			return fmt.Errorf("Disable: %v %v", ok, err)
		}
		if on, err := job.IsEnabled(ctx); on || err != nil {
			return fmt.Errorf("enabled after Disable: %v %v", on, err)
		}
		if ok, err := job.Enable(ctx); !ok || err != nil {
			return fmt.Errorf("Enable: %v %v", ok, err)
		}
		if on, err := job.IsEnabled(ctx); !on || err != nil {
			return fmt.Errorf("disabled after Enable: %v %v", on, err)
		}
		return nil
	}, job)
	step("GetQueue and CancelTask", func() error {
		r := j.do(t, req{method: "POST", path: "job/gj-job/build?delay=3600sec", user: "admin", secret: j.adminToken(t)})
		if r.status != 201 {
			return fmt.Errorf("delayed build: %d %s", r.status, r.body)
		}
		q, err := jk.GetQueue(ctx)
		if err != nil {
			return err
		}
		tasks := q.GetTasksForJob("gj-job")
		if len(tasks) != 1 {
			return fmt.Errorf("tasks for gj-job: %d", len(tasks))
		}
		if ok, err := q.CancelTask(ctx, tasks[0].Raw.ID); !ok || err != nil {
			return fmt.Errorf("CancelTask: %v %v", ok, err)
		}
		if _, err := q.Poll(ctx); err != nil {
			return err
		}
		if n := len(q.GetTasksForJob("gj-job")); n != 0 {
			return fmt.Errorf("%d tasks left after cancelling", n)
		}
		return nil
	})
	step("CreateView, AddJob and GetView", func() error {
		v, err := jk.CreateView(ctx, "gj-view", gojenkins.LIST_VIEW)
		if err != nil {
			return err
		}
		if ok, err := v.AddJob(ctx, "gj-job"); !ok || err != nil {
			return fmt.Errorf("AddJob: %v %v", ok, err)
		}
		got, err := jk.GetView(ctx, "gj-view")
		if err != nil {
			return err
		}
		if len(got.GetJobs()) != 1 || got.GetJobs()[0].Name != "gj-job" {
			return fmt.Errorf("view jobs %+v", got.GetJobs())
		}
		if ok, err := v.DeleteJob(ctx, "gj-job"); !ok || err != nil {
			return fmt.Errorf("DeleteJob: %v %v", ok, err)
		}
		return nil
	})
	step("CreateView of a My View", func() error {
		v, err := jk.CreateView(ctx, "gj-mine", gojenkins.MY_VIEW)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(v.GetJobs(), func(j gojenkins.InnerJob) bool { return j.Name == "gj-job" }) {
			return fmt.Errorf("my view lists %+v", v.GetJobs())
		}
		return nil
	})
	step("GetAllViews", func() error {
		views, err := jk.GetAllViews(ctx)
		if err != nil {
			return err
		}
		var names []string
		for _, v := range views {
			if v == nil {
				return errors.New("a view could not be read")
			}
			names = append(names, v.GetName())
		}
		if strings.Join(names, " ") != "all gj-mine gj-view" {
			return fmt.Errorf("views %v", names)
		}
		return nil
	})
	step("GetAllJobs and GetAllJobNames", func() error {
		all, err := jk.GetAllJobs(ctx)
		if err != nil {
			return err
		}
		names, err := jk.GetAllJobNames(ctx)
		if err != nil {
			return err
		}
		if len(all) != 2 || len(names) != 2 || all[0].GetName() != "gj-job" || names[1].Name != "gj-params" {
			return fmt.Errorf("%d jobs, names %+v", len(all), names)
		}
		return nil
	})
	step("CopyJob, RenameJob and DeleteJob", func() error {
		if _, err := jk.CopyJob(ctx, "gj-job", "gj-copy"); err != nil {
			return err
		}
		jk.RenameJob(ctx, "gj-copy", "gj-renamed")
		renamed, err := jk.GetJob(ctx, "gj-renamed")
		if err != nil {
			return fmt.Errorf("the renamed job: %v", err)
		}
		if renamed.GetDescription() != "updated by gojenkins" {
			return fmt.Errorf("the copy is described %q", renamed.GetDescription())
		}
		if ok, err := jk.DeleteJob(ctx, "gj-renamed"); !ok || err != nil {
			return fmt.Errorf("DeleteJob: %v %v", ok, err)
		}
		if _, err := jk.GetJob(ctx, "gj-renamed"); err == nil {
			return errors.New("the deleted job is still there")
		}
		return nil
	})
	step("CreateFolder and CreateJobInFolder", func() error {
		f, err := jk.CreateFolder(ctx, "gj-folder")
		if err != nil {
			return err
		}
		if f.GetName() != "gj-folder" {
			return fmt.Errorf("folder %q", f.GetName())
		}
		if inner, err = jk.CreateJobInFolder(ctx, shellJob("echo inside"), "inner", "gj-folder"); err != nil {
			return err
		}
		got, err := jk.GetJob(ctx, "inner", "gj-folder")
		if err != nil {
			return err
		}
		if got.Raw.FullName != "gj-folder/inner" {
			return fmt.Errorf("full name %q", got.Raw.FullName)
		}
		if _, err := f.Poll(ctx); err != nil || len(f.Raw.Jobs) != 1 || f.Raw.Jobs[0].Name != "inner" {
			return fmt.Errorf("folder jobs %+v: %v", f.Raw.Jobs, err)
		}
		return nil
	})
	step("InvokeSimple in a folder", func() error {
		id, err := inner.InvokeSimple(ctx, nil)
		if err != nil {
			return err
		}
		task, err := jk.GetQueueItem(ctx, id)
		if err != nil {
			return err
		}
		if task.Raw.Task.Name != "inner" {
			return fmt.Errorf("task name %q, want inner", task.Raw.Task.Name)
		}
		b, err := jk.GetBuildFromQueueID(ctx, inner, id)
		if err != nil {
			return err
		}
		if err := waitDone(b); err != nil {
			return err
		}
		if b.GetResult() != "SUCCESS" {
			return fmt.Errorf("result %q", b.GetResult())
		}
		return nil
	}, inner)
	var agent *gojenkins.Node
	step("GetAllNodes", func() error {
		nodes, err := jk.GetAllNodes(ctx)
		if err != nil {
			return err
		}
		if len(nodes) != 1 || nodes[0].GetName() != "Built-In Node" {
			return fmt.Errorf("nodes %d", len(nodes))
		}
		if online, err := nodes[0].IsOnline(ctx); !online || err != nil {
			return fmt.Errorf("the built-in node: online %v, %v", online, err)
		}
		return nil
	})
	step("CreateNode", func() error {
		var err error
		if agent, err = jk.CreateNode(ctx, "gj-agent", 2, "made by gojenkins", "/tmp/gj-agent", "linux arm"); err != nil {
			return err
		}
		if agent.GetName() != "gj-agent" || agent.Raw.NumExecutors != 2 {
			return fmt.Errorf("node %+v", agent.Raw)
		}
		if online, err := agent.IsOnline(ctx); online || err != nil {
			return fmt.Errorf("a new agent: online %v, %v", online, err)
		}
		return nil
	})
	step("ToggleTemporarilyOffline and Disconnect", func() error {
		if ok, err := agent.ToggleTemporarilyOffline(ctx, "maintenance"); !ok || err != nil {
			return fmt.Errorf("toggle: %v %v", ok, err)
		}
		if off, err := agent.IsTemporarilyOffline(ctx); !off || err != nil {
			return fmt.Errorf("temporarily offline %v, %v", off, err)
		}
		if ok, err := agent.ToggleTemporarilyOffline(ctx); !ok || err != nil {
			return fmt.Errorf("toggle back: %v %v", ok, err)
		}
		if status, err := agent.Disconnect(ctx); status != 200 || err != nil {
			return fmt.Errorf("Disconnect: %d %v", status, err)
		}
		return nil
	}, agent)
	step("GetLabel", func() error {
		l, err := jk.GetLabel(ctx, "linux")
		if err != nil {
			return err
		}
		if ns := l.GetNodes(); len(ns) != 1 || ns[0].NodeName != "gj-agent" {
			return fmt.Errorf("label nodes %+v", ns)
		}
		return nil
	})
	step("DeleteNode", func() error {
		if ok, err := jk.DeleteNode(ctx, "gj-agent"); !ok || err != nil {
			return fmt.Errorf("DeleteNode: %v %v", ok, err)
		}
		if _, err := jk.GetNode(ctx, "gj-agent"); err == nil {
			return errors.New("the deleted agent is still there")
		}
		return nil
	})
	step("GetPlugins", func() error {
		ps, err := jk.GetPlugins(ctx, 1)
		if err != nil {
			return err
		}
		if ps.Count() != 0 {
			return fmt.Errorf("%d plugins", ps.Count())
		}
		return nil
	})
	step("CreateUser and DeleteUser", func() error {
		if _, err := jk.CreateUser(ctx, "gj-user", "gj-user-pw", "GJ", "gj@example.com"); err != nil {
			return err
		}
		if r := j.do(t, req{path: "user/gj-user/api/json", user: "admin", secret: j.adminToken(t)}); r.status != 200 {
			return fmt.Errorf("the new user: %d", r.status)
		}
		if err := jk.DeleteUser(ctx, "gj-user"); err != nil {
			return err
		}
		if r := j.do(t, req{path: "user/gj-user/api/json", user: "admin", secret: j.adminToken(t)}); r.status != 404 {
			return fmt.Errorf("the deleted user answers %d", r.status)
		}
		return nil
	})
	step("GenerateAPIToken and Revoke", func() error {
		tok, err := jk.GenerateAPIToken(ctx, "gj-token")
		if err != nil {
			return err
		}
		if tok.Value == "" || tok.Name != "gj-token" {
			return fmt.Errorf("token %+v", tok)
		}
		if r := j.do(t, req{path: "api/json", user: "admin", secret: tok.Value}); r.status != 200 {
			return fmt.Errorf("the new token: %d", r.status)
		}
		if err := tok.Revoke(); err != nil {
			return err
		}
		if r := j.do(t, req{path: "api/json", user: "admin", secret: tok.Value}); r.status != 401 {
			return fmt.Errorf("the revoked token: %d", r.status)
		}
		return nil
	})
	step("Job.Delete", func() error {
		if ok, err := params.Delete(ctx); !ok || err != nil {
			return fmt.Errorf("Delete: %v %v", ok, err)
		}
		return nil
	}, params)
}
