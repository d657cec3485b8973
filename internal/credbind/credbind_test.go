package credbind

import (
	"bufio"
	"context"
	"encoding/base64"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/credstore"
	"github.com/jeeves-ci/jeeves/internal/executor"
	"github.com/jeeves-ci/jeeves/internal/launcher/local"
	"github.com/jeeves-ci/jeeves/internal/model"
)

// allBindings binds every credential of secrets.xmls with each binding
// class jeeves runs.
var allBindings = bindings(
	"UsernamePasswordMultiBinding credentialsId=deploy usernameVariable=DB_USER passwordVariable=DB_PASS",
	"UsernamePasswordBinding credentialsId=deploy variable=BASIC",
	"StringBinding variable=GH_TOKEN credentialsId=gh-token", // JJB writes the id last
	"FileBinding credentialsId=npmrc variable=NPMRC",
	"SSHUserPrivateKeyBinding credentialsId=github-ssh keyFileVariable=KEY_FILE usernameVariable=SSH_USER passphraseVariable=SSH_PASS",
)

// echoAll prints every bound variable, the files and encoded forms of a
// secret, and where the files were (into the workspace, for the test).
const echoAll = `echo "user=$DB_USER pass=$DB_PASS basic=$BASIC token=$GH_TOKEN ssh_user=$SSH_USER ssh_pass=$SSH_PASS"
cat "$NPMRC"
cat "$KEY_FILE"
printf 'b64=%s\n' "$(printf %s "$GH_TOKEN" | base64)"
test -f "$NPMRC" && test -f "$KEY_FILE" && echo "the files exist during the step"
stat -c 'file mode %a' "$NPMRC" "$KEY_FILE"
stat -c 'dir mode %a' "$(dirname "$NPMRC")"
printf '%s\n%s\n' "$NPMRC" "$KEY_FILE" > "$WORKSPACE/where"`

// TestBindings runs a build that binds every type of credential with
// real processes: the step gets the values and the files, the console
// shows **** for each, and the files are gone after the build.
func TestBindings(t *testing.T) {
	w := open(t, "")
	s := newSecrets(t)
	w.create(t, s.xmls()...)
	j := w.job(t, "bound", allBindings, echoAll)
	w.start(t, j)
	b := w.await(t)
	log := w.console(t, b)
	if b.Result != model.Success {
		t.Fatalf("result %s:\n%s", b.Result, log)
	}
	for _, c := range []struct{ name, want string }{
		{"the variables reach the step, the secrets masked and the plain username shown",
			"\nuser=deployer pass=**** basic=**** token=**** ssh_user=git ssh_pass=****\n"},
		{"the secret file's content is masked", "\n****\n"},
		{"the encoded form of a secret is masked", "\nb64=****\n"},
		{"the files exist during the step", "\nthe files exist during the step\n"},
		{"the files are readable by their owner only", "\nfile mode 400\nfile mode 400\n"},
		{"their directory is private", "\ndir mode 700\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(log, c.want) {
				t.Fatalf("console lacks %q:\n%s", c.want, log)
			}
		})
	}
	t.Run("no secret appears in the console, the key not even line by line", func(t *testing.T) {
		for _, n := range s.needles() {
			if strings.Contains(log, n) {
				t.Fatalf("the console shows %q:\n%s", n, log)
			}
		}
	})
	t.Run("the console does not call the wrapper not run", func(t *testing.T) {
		if strings.Contains(log, "SecretBuildWrapper") {
			t.Fatalf("console:\n%s", log)
		}
	})
	t.Run("the files are gone after the build", func(t *testing.T) {
		where, err := os.ReadFile(filepath.Join(w.home, "workspace", "bound", "where"))
		if err != nil {
			t.Fatal(err)
		}
		paths := strings.Fields(string(where))
		if len(paths) != 2 || filepath.Dir(paths[0]) != filepath.Join(w.home, "workspace", "bound@tmp", SecretFilesDir) {
			t.Fatalf("the files were at %q", paths)
		}
		for _, p := range paths {
			if _, err := os.Stat(p); !os.IsNotExist(err) {
				t.Errorf("%s is still there (%v)", p, err)
			}
		}
		if d := w.secretDirs(t, "bound"); len(d) != 0 {
			t.Errorf("left: %v", d)
		}
		w.secretDirLeft(t, "bound")
	})
	t.Run("each use is recorded as the credential's fingerprint and audited", func(t *testing.T) {
		for _, id := range []string{"deploy", "gh-token", "npmrc", "github-ssh"} {
			uses, err := w.svc.Uses(context.Background(), id)
			if err != nil || len(uses) != 1 || uses[0].JobName != "bound" || uses[0].Number != b.Number {
				t.Errorf("%s: %+v %v", id, uses, err)
			}
		}
		var got []string
		w.mu.Lock()
		for _, ev := range w.events {
			if ev.Action == credstore.ActionUse {
				got = append(got, ev.Actor.User+" "+ev.ID+" "+ev.Detail)
			}
		}
		w.mu.Unlock()
		want := []string{`alice deploy job "bound" build #1`, `alice gh-token job "bound" build #1`,
			`alice npmrc job "bound" build #1`, `alice github-ssh job "bound" build #1`}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("%q\nwant %q", got, want)
		}
	})
}

// TestBindingFailures: a binding to a credential a build may not have
// fails the build with Jenkins's line before any step runs, binding
// nothing and leaving no file.
func TestBindingFailures(t *testing.T) {
	w := open(t, "")
	s := newSecrets(t)
	w.create(t, s.xmls()...)
	cases := []struct {
		name, wrapper, want string
	}{
		{"a missing credential", bindings("StringBinding credentialsId=nope variable=X"),
			"ERROR: Could not find credentials entry with ID 'nope'\n"},
		{"a SYSTEM-scoped credential, which builds never see", bindings("StringBinding credentialsId=sys-token variable=X"),
			"ERROR: Could not find credentials entry with ID 'sys-token'\n"},
		{"an id in another case (ids are matched exactly)", bindings("StringBinding credentialsId=GH-TOKEN variable=X"),
			"ERROR: Could not find credentials entry with ID 'GH-TOKEN'\n"},
		{"a credential of the wrong type", bindings("UsernamePasswordMultiBinding credentialsId=gh-token usernameVariable=U passwordVariable=P"),
			"ERROR: Credentials 'gh-token' is of type 'Secret text' where 'com.cloudbees.plugins.credentials.common.StandardUsernamePasswordCredentials' was expected\n"},
		{"a missing one after a file binding", bindings("FileBinding credentialsId=npmrc variable=F", "StringBinding credentialsId=nope variable=X"),
			"ERROR: Could not find credentials entry with ID 'nope'\n"},
		{"a binding jeeves does not run", bindings("ZipFileBinding credentialsId=npmrc variable=Z"),
			"ERROR: the binding ZipFileBinding (credentials 'npmrc') is not supported by jeeves\n"},
		{"a binding without its variable", bindings("StringBinding credentialsId=gh-token"),
			"ERROR: invalid credentials binding: StringBinding for credentials 'gh-token' has no <variable>\n"},
	}
	for i, c := range cases {
		t.Run(c.name+" fails the build", func(t *testing.T) {
			name := fmt.Sprintf("fail%d", i)
			j := w.job(t, name, c.wrapper, `echo "the step ran"`)
			w.start(t, j)
			b := w.await(t)
			log := w.console(t, b)
			if b.Result != model.Failure || !strings.Contains(log, c.want) || strings.Contains(log, "the step ran") {
				t.Fatalf("result %s, console:\n%s\nwant %q", b.Result, log, c.want)
			}
			if !strings.HasSuffix(log, "\nFinished: FAILURE\n") {
				t.Fatalf("console:\n%s", log)
			}
			if d := w.secretDirs(t, name); len(d) != 0 {
				t.Fatalf("secret files left: %v", d)
			}
			w.secretDirLeft(t, name)
			if uses, _ := w.svc.Uses(context.Background(), "npmrc"); len(uses) != 0 {
				t.Fatalf("a failed binding recorded a use: %+v", uses)
			}
		})
	}
}

// TestAbort: a build aborted during its step has its secret file
// removed, and their directory.
func TestAbort(t *testing.T) {
	w := open(t, "")
	s := newSecrets(t)
	w.create(t, s.xmls()...)
	j := w.job(t, "aborted", bindings("FileBinding credentialsId=npmrc variable=F"), `sleep 600`)
	r := w.start(t, j)
	waitFor(t, "the secret file", func() bool { return len(w.secretDirs(t, "aborted")) == 1 })
	r.Abort("alice")
	b := w.await(t)
	if b.Result != model.Aborted {
		t.Fatalf("result %s", b.Result)
	}
	if d := w.secretDirs(t, "aborted"); len(d) != 0 {
		t.Fatalf("the aborted build left %v", d)
	}
	w.secretDirLeft(t, "aborted")
}

// TestLeftoversOfAnEarlierBuild: a build's setup removes what an earlier
// build of the same workspace left (the workspace serves one build at a
// time), a read-only file of the same name included, and makes a
// directory others may read private again.
func TestLeftoversOfAnEarlierBuild(t *testing.T) {
	w := open(t, "")
	s := newSecrets(t)
	w.create(t, s.xmls()...)
	left := filepath.Join(w.home, "workspace", "again@tmp", SecretFilesDir, "left-by-7")
	if err := os.MkdirAll(left, 0o700); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(left, "file0.tmp"), []byte("old"), 0o400)
	os.WriteFile(filepath.Join(filepath.Dir(left), "file0.tmp"), []byte("old"), 0o400)
	os.Chmod(filepath.Dir(left), 0o755)
	j := w.job(t, "again", bindings("FileBinding credentialsId=npmrc variable=F"), `ls "$(dirname "$F")" | wc -l; stat -c 'dir mode %a' "$(dirname "$F")"`)
	w.start(t, j)
	b := w.await(t)
	if log := w.console(t, b); b.Result != model.Success || !strings.Contains(log, "\n1\n") || !strings.Contains(log, "\ndir mode 700\n") {
		t.Fatalf("result %s:\n%s", b.Result, log)
	}
	if _, err := os.Stat(left); !os.IsNotExist(err) {
		t.Fatalf("%s is still there", left)
	}
}

// TestJobsWithoutCredentials: a job without the wrapper gets no part,
// so its builds do nothing more than before.
func TestJobsWithoutCredentials(t *testing.T) {
	c := New(nil, nil)
	for _, xml := range []string{
		`<project><builders><hudson.tasks.Shell><command>echo</command></hudson.tasks.Shell></builders></project>`,
		`<project><description>uses org.jenkinsci.plugins.credentialsbinding.impl.SecretBuildWrapper</description></project>`,
	} {
		if p := c.For(&model.Job{ConfigXML: []byte(xml)}); p != nil {
			t.Errorf("a part for %s", xml)
		}
	}
	t.Run("an empty wrapper runs, binding nothing", func(t *testing.T) {
		p := c.For(&model.Job{ConfigXML: []byte(`<project><buildWrappers><org.jenkinsci.plugins.credentialsbinding.impl.SecretBuildWrapper><bindings/></org.jenkinsci.plugins.credentialsbinding.impl.SecretBuildWrapper></buildWrappers></project>`)})
		if p == nil || p.Setup != nil || len(p.Runs) != 1 {
			t.Fatalf("%+v", p)
		}
	})
}

// TestNothingInClearText stores every type of credential, updates,
// binds, prints, rotates and deletes them, then reads every file of the
// home (the database with its -wal and -shm, console logs, the audit
// log, jeeves's log, the workspace, the key ring) for every secret and
// its encoded forms, and finds none.
func TestNothingInClearText(t *testing.T) {
	ctx := context.Background()
	w := open(t, "")
	s := newSecrets(t)
	w.create(t, s.xmls()...)
	admin := credstore.Actor{User: "admin", Auth: "session"}
	old := s.password
	s.password = "n3w-pa55-w0rd-deploy"
	if _, err := w.svc.UpdateXML(ctx, admin, "deploy", []byte(s.xmls()[0])); err != nil {
		t.Fatal(err)
	}
	j := w.job(t, "leaky", allBindings, echoAll+"\nenv | sort")
	w.start(t, j)
	if b := w.await(t); b.Result != model.Success {
		t.Fatalf("%s:\n%s", b.Result, w.console(t, b))
	}
	if _, err := w.svc.RotateKey(ctx, admin); err != nil {
		t.Fatal(err)
	}
	if err := w.svc.Delete(ctx, admin, "sys-token"); err != nil {
		t.Fatal(err)
	}
	if err := w.audit.Flush(); err != nil {
		t.Fatal(err)
	}
	needles := append(s.needles(), old, base64.StdEncoding.EncodeToString([]byte(old)))
	grep := func(t *testing.T, required ...string) {
		t.Helper()
		var files []string
		err := filepath.WalkDir(w.home, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			files = append(files, strings.TrimPrefix(p, w.home))
			for _, n := range needles {
				if strings.Contains(string(data), n) {
					t.Errorf("%s holds %q", p, n)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range append(required, "/jeeves.db", "/audit/audit.log", "/jeeves.log", "/secrets/jeeves.key", "/builds/1/1.log") {
			if !contains(files, want) {
				t.Errorf("no %s was read: %v", want, files)
			}
		}
	}
	t.Run("with the database open, its WAL full", func(t *testing.T) { grep(t, "/jeeves.db-wal", "/jeeves.db-shm") })
	t.Run("once the database is closed", func(t *testing.T) {
		w.ex.Shutdown(0)
		w.audit.Close()
		w.st.Close()
		grep(t)
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// crashHome is the environment variable that makes TestCrashChild run:
// the home it builds in.
const crashHome = "JEEVES_CREDBIND_CRASH_HOME"

// TestCrashChild is jeeves in a process of its own for TestCrashCleanup:
// it starts a build that binds a secret file and sleeps, says READY once
// the file is written, and waits to be killed.
func TestCrashChild(t *testing.T) {
	home := os.Getenv(crashHome)
	if home == "" {
		t.Skip("run by TestCrashCleanup")
	}
	w := open(t, home)
	s := newSecrets(t)
	w.create(t, s.xmls()...)
	j := w.job(t, "crashed", bindings("FileBinding credentialsId=npmrc variable=F"), `sleep 600`)
	w.start(t, j)
	waitFor(t, "the secret file", func() bool { return len(w.secretDirs(t, "crashed")) == 1 })
	fmt.Printf("READY %d %d\n", j.ID, 1)
	select {}
}

// TestCrashCleanup kills (SIGKILL) a jeeves whose build has a secret
// file written, then starts jeeves again on its home: the recovery
// removes the file, kills the build's process and ends the build ABORTED.
func TestCrashCleanup(t *testing.T) {
	if os.Getenv(crashHome) != "" {
		t.Skip("in the child")
	}
	home := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.v")
	cmd.Env = append(os.Environ(), crashHome+"="+home)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	var jobID, number int64
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if _, err := fmt.Sscanf(sc.Text(), "READY %d %d", &jobID, &number); err == nil {
			break
		}
	}
	if jobID == 0 {
		t.Fatal("the child jeeves never got its build going")
	}
	// The build's sleep outlives jeeves; the recovery must kill it, and
	// this cleanup makes sure it does not outlive the test either.
	cookie := executor.Cookie(home, jobID, number)
	t.Cleanup(func() { local.New().KillAll(context.Background(), 0, cookie) })
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	tmp := filepath.Join(home, "workspace", "crashed@tmp", SecretFilesDir)
	if entries, err := os.ReadDir(tmp); err != nil || len(entries) != 1 {
		t.Fatalf("the killed jeeves left no secret files to clean up: %v %v", entries, err)
	}

	w := open(t, home)
	if _, err := w.ex.Recover(context.Background(), w.node); err != nil {
		t.Fatal(err)
	}
	t.Run("the secret files are gone", func(t *testing.T) {
		if _, err := os.Stat(tmp); !os.IsNotExist(err) {
			t.Fatalf("%s is still there (%v)", tmp, err)
		}
	})
	t.Run("the build is ABORTED and its process killed", func(t *testing.T) {
		b, err := w.st.Build(context.Background(), jobID, number)
		if err != nil || b.Building || b.Result != model.Aborted {
			t.Fatalf("%+v %v", b, err)
		}
		if n, err := w.node.Launcher.KillAll(context.Background(), 0, cookie); n != 0 || err != nil {
			t.Fatalf("%d processes of the build were still running (%v)", n, err)
		}
	})
}
