package e2e

import (
	"archive/zip"
	"bufio"
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"io"
	"net/http"
	"net/mail"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestArtifactsWithCurl drives a build's artifacts with the real curl,
// as scripts fetch them: single byte ranges (-r), HEAD (-I), a
// conditional download (-z), zips, and paths sent as they are
// (--path-as-is) that try to climb out of the archive.
func TestArtifactsWithCurl(t *testing.T) {
	t.Parallel()
	j := start(t, "", nil)
	tok := j.adminToken(t)
	j.createJob(t, "arts", withPublishers(shellJob("mkdir -p out/sub; printf 0123456789 > out/digits.txt; echo deep > out/sub/deep.txt"), archiverXML("out/**")))
	if b := j.waitBuild(t, j.trigger(t, "arts")); *b.Result != "SUCCESS" {
		t.Fatalf("result %s", *b.Result)
	}
	base := j.url + "job/arts/1/artifact/"
	auth := "admin:" + tok
	t.Run("curl -r asks for a single range and gets 206 with that range", func(t *testing.T) {
		if got := curl(t, "-u", auth, "-r", "2-5", base+"out/digits.txt"); got != "2345" {
			t.Fatalf("%q", got)
		}
		head := curl(t, "-u", auth, "-r", "7-", "-D", "-", "-o", "/dev/null", base+"out/digits.txt")
		if !strings.Contains(head, "HTTP/1.1 206") || !strings.Contains(head, "Content-Range: bytes 7-9/10") {
			t.Fatalf("%s", head)
		}
	})
	t.Run("curl -I shows the headers of a download", func(t *testing.T) {
		head := curl(t, "-u", auth, "-I", base+"out/digits.txt")
		for _, want := range []string{"HTTP/1.1 200", "Content-Type: text/plain;charset=UTF-8", "Content-Length: 10", "Accept-Ranges: bytes", "Last-Modified: ", "Content-Security-Policy: sandbox"} {
			if !strings.Contains(head, want) {
				t.Errorf("no %q in\n%s", want, head)
			}
		}
	})
	t.Run("curl -z with a newer date gets nothing new (304)", func(t *testing.T) {
		code := curl(t, "-u", auth, "-z", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat), "-o", "/dev/null", "-w", "%{http_code}", base+"out/digits.txt")
		if code != "304" {
			t.Fatalf("%s", code)
		}
	})
	t.Run("the archive's zip holds every file under archive/", func(t *testing.T) {
		dir := t.TempDir()
		zipPath := filepath.Join(dir, "a.zip")
		curl(t, "-u", auth, "-o", zipPath, base+"*zip*/archive.zip")
		zr, err := zip.OpenReader(zipPath)
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		var names []string
		for _, f := range zr.File {
			names = append(names, f.Name)
		}
		if !slices.Equal(names, []string{"archive/out/digits.txt", "archive/out/sub/deep.txt"}) {
			t.Fatalf("%v", names)
		}
	})
	t.Run("paths sent as they are never leave the archive", func(t *testing.T) {
		for _, c := range []struct{ path, want string }{
			{"out/%2e%2e/%2e%2e/%2e%2e/%2e%2e/config.xml", "400"},
			{"out%2f..%2f..%2f..%2f..%2fsecrets", "400"},
			{"../../../../../../etc/passwd", "404"},
			{"out/sub/../../../../../../../secrets/initialAdminPassword", "404"},
		} {
			code := curl(t, "--path-as-is", "-u", auth, "-o", "/dev/null", "-w", "%{http_code}", base+c.path)
			if code != c.want {
				t.Errorf("%s: %s, want %s", c.path, code, c.want)
			}
		}
	})
}

// TestDiscardOldBuildsAsJJBWritesThem: both forms Jenkins Job Builder
// writes (logrotate: the class-less legacy <logRotator>; build-discarder:
// the property) discard after each build, and the history over HTTP
// shows it; a build kept forever stays.
func TestDiscardOldBuildsAsJJBWritesThem(t *testing.T) {
	t.Parallel()
	j := start(t, "", nil)
	tok := j.adminToken(t)
	forms := map[string]string{
		"legacy": `<logRotator><daysToKeep>-1</daysToKeep><numToKeep>2</numToKeep><artifactDaysToKeep>-1</artifactDaysToKeep><artifactNumToKeep>-1</artifactNumToKeep></logRotator>`,
		"property": `<properties><jenkins.model.BuildDiscarderProperty><strategy class="hudson.tasks.LogRotator"><daysToKeep>-1</daysToKeep><numToKeep>2</numToKeep>` +
			`<artifactDaysToKeep>-1</artifactDaysToKeep><artifactNumToKeep>-1</artifactNumToKeep></strategy></jenkins.model.BuildDiscarderProperty></properties>`,
	}
	for name, element := range forms {
		t.Run("the "+name+" form keeps the newest two and the kept one", func(t *testing.T) {
			j.createJob(t, name, strings.Replace(shellJob("true"), "<builders>", element+"<builders>", 1))
			j.waitBuild(t, j.trigger(t, name))
			j.must(t, 302, req{method: "POST", path: "job/" + name + "/1/toggleLogKeep", user: "admin", secret: tok})
			for range 3 {
				j.waitBuild(t, j.trigger(t, name))
			}
			var got []int64
			waitFor(t, "the discarder to delete #2", func() bool {
				var v struct{ Builds []struct{ Number int64 } }
				j.json(t, "job/"+name+"/api/json?tree=builds[number]", &v)
				got = got[:0]
				for _, b := range v.Builds {
					got = append(got, b.Number)
				}
				return slices.Equal(got, []int64{4, 3, 1})
			})
			j.must(t, 404, req{path: "job/" + name + "/2/consoleText", user: "admin", secret: tok})
		})
	}
}

// smtpd is a real SMTP server: the mail package's smtpd.py on Debian's
// python3-aiosmtpd, plain, delivering into a Maildir.
type smtpd struct {
	port    int
	maildir string
}

// startSMTP starts smtpd, or skips (fails under CI) without aiosmtpd.
func startSMTP(t *testing.T) *smtpd {
	t.Helper()
	python := need(t, "python3", pythonWithJenkins, "apt-get install python3")
	if out, err := exec.Command(python, "-c", "import aiosmtpd").CombinedOutput(); err != nil {
		unavailable(t, "aiosmtpd is not installed ("+err.Error()+": "+string(out)+")", "apt-get install python3-aiosmtpd")
	}
	s := &smtpd{maildir: filepath.Join(t.TempDir(), "Maildir")}
	cmd := exec.Command(python, filepath.Join("..", "internal", "mail", "testdata", "smtpd.py"), s.maildir, "plain")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		stdin.Close()
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})
	ready := make(chan int, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if f := strings.Fields(sc.Text()); len(f) == 2 && f[0] == "READY" {
				p, _ := strconv.Atoi(f[1])
				ready <- p
			}
		}
	}()
	select {
	case s.port = <-ready:
	case <-exited:
		t.Fatal("smtpd.py exited")
	case <-time.After(30 * time.Second):
		t.Fatal("smtpd.py did not start")
	}
	return s
}

// messages are the mails the server holds.
func (s *smtpd) messages(t *testing.T) []*mail.Message {
	t.Helper()
	es, _ := os.ReadDir(filepath.Join(s.maildir, "new"))
	var out []*mail.Message
	for _, e := range es {
		b, err := os.ReadFile(filepath.Join(s.maildir, "new", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		m, err := mail.ReadMessage(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

// waitMail waits for a mail whose subject starts with subject.
func (s *smtpd) waitMail(t *testing.T, subject string) *mail.Message {
	t.Helper()
	var found *mail.Message
	waitFor(t, "a mail "+subject, func() bool {
		for _, m := range s.messages(t) {
			if strings.HasPrefix(m.Header.Get("Subject"), subject) {
				found = m
				return true
			}
		}
		return false
	})
	return found
}

// TestMailOnFailure: with the SMTP server given by flags, a failing build
// mails its recipients (naming the job, the build, the result and the
// console), the build back to normal mails again, and Manage → Mail's
// test mail goes through the same server.
func TestMailOnFailure(t *testing.T) {
	t.Parallel()
	s := startSMTP(t)
	j := start(t, "", []string{"JEEVES_ADMIN_ADDRESS=jeeves <ci@example.com>"}, "--smtp-host", "127.0.0.1", "--smtp-port", strconv.Itoa(s.port),
		"--mail-default-suffix", "@example.com")
	tok := j.adminToken(t)
	mailer := `<hudson.tasks.Mailer><recipients>dev team@example.org</recipients><dontNotifyEveryUnstableBuild>false</dontNotifyEveryUnstableBuild><sendToIndividuals>false</sendToIndividuals></hudson.tasks.Mailer>`
	fail := withPublishers(shellJob("echo about to fail; exit 3"), mailer)
	j.createJob(t, "breaks", fail)
	if b := j.waitBuild(t, j.trigger(t, "breaks")); *b.Result != "FAILURE" {
		t.Fatalf("%s", *b.Result)
	}
	t.Run("a failure mails the recipients, naming the build and its console", func(t *testing.T) {
		m := s.waitMail(t, "Build failed in Jenkins: breaks #1")
		body, _ := io.ReadAll(m.Body)
		to := m.Header.Get("To")
		if !strings.Contains(m.Header.Get("From"), "ci@example.com") || !strings.Contains(to, "dev@example.com") || !strings.Contains(to, "team@example.org") ||
			!strings.Contains(string(body), j.url+"job/breaks/1/display/redirect") && !strings.Contains(string(body), j.url+"job/breaks/1/") ||
			!strings.Contains(string(body), "about to fail") {
			t.Fatalf("%v\n%s", m.Header, body)
		}
		log := j.must(t, 200, req{path: "job/breaks/1/consoleText", user: "admin", secret: tok}).body
		if !strings.Contains(log, "Sending e-mails to:") {
			t.Fatalf("%s", log)
		}
	})
	t.Run("back to normal mails again", func(t *testing.T) {
		j.must(t, 200, req{method: "POST", path: "job/breaks/config.xml", user: "admin", secret: tok, header: map[string]string{"Content-Type": "application/xml"},
			body: withPublishers(shellJob("echo fixed"), mailer)})
		if b := j.waitBuild(t, j.trigger(t, "breaks")); *b.Result != "SUCCESS" {
			t.Fatalf("%s", *b.Result)
		}
		s.waitMail(t, "Jenkins build is back to normal : breaks #2")
	})
	t.Run("Manage → Mail's test mail goes through the settings as typed", func(t *testing.T) {
		form := url.Values{"mail.smtpHost": {"127.0.0.1"}, "mail.smtpPort": {strconv.Itoa(s.port)}, "mail.security": {"none"},
			"mail.adminAddress": {"ci@example.com"}, "mail.testRecipient": {"admin@example.com"}}
		r := j.must(t, 200, req{method: "POST", path: "manage/mail/sendTestMail", user: "admin", secret: tok,
			header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, body: form.Encode()})
		if !strings.Contains(r.body, "Email was successfully sent") {
			t.Fatalf("%s", r.body)
		}
		m := s.waitMail(t, "Test email #")
		if !strings.Contains(m.Header.Get("To"), "admin@example.com") {
			t.Fatalf("%v", m.Header)
		}
	})
	t.Run("the page shows the settings the flags gave", func(t *testing.T) {
		r := j.must(t, 200, req{path: "manage/mail", user: "admin", secret: tok})
		if !strings.Contains(r.body, `value="127.0.0.1"`) || !strings.Contains(r.body, `value="`+strconv.Itoa(s.port)+`"`) {
			t.Fatalf("%s", r.body)
		}
	})
}

// TestFullDiskWhileArchiving: an artifact that does not fit on the disk
// holding the home fails its build, saying why, and leaves no archive;
// a request that must write answers 507 meanwhile; once space returns
// jeeves archives again.
func TestFullDiskWhileArchiving(t *testing.T) {
	t.Parallel()
	dir := mountTmpfs(t, "size=24m")
	home := filepath.Join(dir, "home")
	gate := filepath.Join(t.TempDir(), "gate")
	j := start(t, home, nil, "--executors", "2")
	t.Cleanup(func() { killHomeProcesses(home) })
	tok := j.adminToken(t)
	j.createJob(t, "kept", withPublishers(shellJob("echo small > s.txt"), archiverXML("s.txt")))
	j.waitBuild(t, j.trigger(t, "kept"))
	// big makes a 2 MB file, waits at the gate (the test fills the disk
	// meanwhile), then archives it.
	j.createJob(t, "big", withPublishers(shellJob("head -c 2000000 /dev/urandom > big.bin; "+gateScript(gate)), archiverXML("big.bin")))
	loc := j.trigger(t, "big")
	waitFor(t, "the big build to wait at its gate", func() bool {
		r := j.do(t, req{path: "job/big/1/consoleText", user: "admin", secret: tok})
		return r.status == 200 && strings.Contains(r.body, "started big")
	})
	filler := fill(t, dir)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("jeeves's log:\n%s", j.logBuf.String())
		}
	})
	t.Run("a request that must write answers 507", func(t *testing.T) {
		r := j.do(t, req{method: "POST", path: "job/kept/1/toggleLogKeep", user: "admin", secret: tok})
		if r.status != 507 || !strings.Contains(r.header.Get("X-Error"), "disk holding its home is full") {
			t.Fatalf("%d %v %s", r.status, r.header, r.body)
		}
	})
	if err := os.WriteFile(gate, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// The build's log cannot be written either until space returns
	// (TestFullDisk): give the archiver time to fail, then free space.
	waitFor(t, "jeeves to report it cannot archive or record", func() bool {
		l := j.logBuf.String()
		return strings.Contains(l, "cannot record build result") && strings.Contains(l, "job=big")
	})
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	t.Run("the archiving build fails with the reason and leaves no archive", func(t *testing.T) {
		b := j.waitBuild(t, loc)
		log := j.must(t, 200, req{path: "job/big/1/consoleText", user: "admin", secret: tok}).body
		if *b.Result != "FAILURE" || !strings.Contains(log, "Archiving artifacts") || !strings.Contains(log, "no space left on device") {
			t.Fatalf("%s\n%s", *b.Result, log)
		}
		j.must(t, 404, req{path: "job/big/1/artifact/big.bin", user: "admin", secret: tok})
	})
	t.Run("once space returns, a build archives again and its artifact downloads whole", func(t *testing.T) {
		j.must(t, 200, req{method: "POST", path: "job/big/config.xml", user: "admin", secret: tok, header: map[string]string{"Content-Type": "application/xml"},
			body: withPublishers(shellJob("head -c 100000 /dev/urandom > big.bin"), archiverXML("big.bin"))})
		if b := j.waitBuild(t, j.trigger(t, "big")); *b.Result != "SUCCESS" {
			t.Fatalf("%s", *b.Result)
		}
		r := j.must(t, 200, req{path: "job/big/2/artifact/big.bin", user: "admin", secret: tok})
		sum := md5.Sum([]byte(r.body))
		var fp struct{ Hash string }
		j.json(t, "fingerprint/"+hex.EncodeToString(sum[:])+"/api/json", &fp)
		if len(r.body) != 100000 || fp.Hash != hex.EncodeToString(sum[:]) {
			t.Fatalf("%d bytes, fingerprint %q", len(r.body), fp.Hash)
		}
	})
	j.stop()
	t.Run("the database passes its integrity check", func(t *testing.T) {
		integrityCheck(t, home)
	})
}

// TestOutputsOverHTTP drives, against the real binary, what a build
// leaves behind as scripts and dashboards read it: artifacts in api/json
// in Jenkins's order, *view*, a directory's zip, the lastSuccessfulBuild
// permalink, the fingerprint by MD5, the test report of an UNSTABLE
// build, disk usage, and the workspace: a file, its zip and Wipe Out.
func TestOutputsOverHTTP(t *testing.T) {
	t.Parallel()
	j := start(t, "", nil)
	tok := j.adminToken(t)
	admin := func(r req) req { r.user, r.secret = "admin", tok; return r }
	j.createJob(t, "outs", withPublishers(shellJob("mkdir -p out/b; printf hello > out/a.txt; echo bee > out/b/c.txt; echo z > z.txt; "+junitFile("TEST-o.xml", "works", "breaks")),
		archiverXML("out/**, z.txt")+junitXML("TEST-*.xml")))
	if b := j.waitBuild(t, j.trigger(t, "outs")); *b.Result != "UNSTABLE" {
		t.Fatalf("result %s, want UNSTABLE (one failed test)", *b.Result)
	}
	type artifact struct{ DisplayPath, FileName, RelativePath string }
	t.Run("api/json lists the artifacts in Jenkins's order with their display paths", func(t *testing.T) {
		var b struct {
			Result    string
			Artifacts []artifact
		}
		j.json(t, "job/outs/1/api/json", &b)
		want := []artifact{{"a.txt", "a.txt", "out/a.txt"}, {"c.txt", "c.txt", "out/b/c.txt"}, {"z.txt", "z.txt", "z.txt"}}
		if b.Result != "UNSTABLE" || !slices.Equal(b.Artifacts, want) {
			t.Fatalf("%+v", b)
		}
	})
	t.Run("*view* shows a file inline as plain text, as DirectoryBrowserSupport does", func(t *testing.T) {
		r := j.must(t, 200, admin(req{path: "job/outs/1/artifact/out/a.txt/*view*/"}))
		if r.header.Get("Content-Type") != "text/plain;charset=UTF-8" || r.header.Get("Content-Disposition") != "inline; filename=a.txt" || r.body != "hello" {
			t.Fatalf("%v\n%s", r.header, r.body)
		}
	})
	t.Run("a directory's zip holds that directory only", func(t *testing.T) {
		r := j.must(t, 200, admin(req{path: "job/outs/1/artifact/out/b/*zip*/b.zip"}))
		zr, err := zip.NewReader(bytes.NewReader([]byte(r.body)), int64(len(r.body)))
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, f := range zr.File {
			names = append(names, f.Name)
		}
		if !slices.Equal(names, []string{"b/c.txt"}) {
			t.Fatalf("%v", names)
		}
	})
	t.Run("the test report of the UNSTABLE build names the failed case", func(t *testing.T) {
		var rep struct {
			FailCount, PassCount, SkipCount int
			Suites                          []struct {
				Cases []struct{ ClassName, Name, Status, ErrorDetails, ErrorStackTrace string }
			}
		}
		j.json(t, "job/outs/1/testReport/api/json", &rep)
		if rep.FailCount != 1 || rep.PassCount != 1 || len(rep.Suites) != 1 || len(rep.Suites[0].Cases) != 2 {
			t.Fatalf("%+v", rep)
		}
		if c := rep.Suites[0].Cases[1]; c.Name != "breaks" || c.Status != "FAILED" || c.ErrorDetails != "boom" || c.ErrorStackTrace != "trace" {
			t.Fatalf("%+v", c)
		}
	})
	// #2 fails: lastSuccessfulBuild (UNSTABLE or better) stays #1.
	j.must(t, 200, admin(req{method: "POST", path: "job/outs/config.xml", header: map[string]string{"Content-Type": "application/xml"},
		body: withPublishers(shellJob("mkdir -p out; printf other > out/a.txt; exit 1"), archiverXML("out/**"))}))
	if b := j.waitBuild(t, j.trigger(t, "outs")); *b.Result != "FAILURE" {
		t.Fatalf("result %s", *b.Result)
	}
	t.Run("lastSuccessfulBuild/artifact/ serves the last successful build's file", func(t *testing.T) {
		if r := j.must(t, 200, admin(req{path: "job/outs/lastSuccessfulBuild/artifact/out/a.txt"})); r.body != "hello" {
			t.Fatalf("%q", r.body)
		}
		if r := j.must(t, 200, admin(req{path: "job/outs/lastBuild/artifact/out/a.txt"})); r.body != "other" {
			t.Fatalf("%q", r.body)
		}
	})
	t.Run("the fingerprint of an artifact's MD5 names its file and the build that made it", func(t *testing.T) {
		sum := md5.Sum([]byte("hello"))
		var fp struct {
			Hash, FileName string
			Original       struct {
				Name   string
				Number int
			}
		}
		j.json(t, "fingerprint/"+hex.EncodeToString(sum[:])+"/api/json", &fp)
		if fp.Hash != hex.EncodeToString(sum[:]) || fp.FileName != "a.txt" || fp.Original.Name != "outs" || fp.Original.Number != 1 {
			t.Fatalf("%+v", fp)
		}
		j.must(t, 404, admin(req{path: "fingerprint/00000000000000000000000000000000/api/json"}))
	})
	t.Run("a build's and a job's disk usage are in their actions", func(t *testing.T) {
		usage := func(path, class string) int64 {
			var o struct {
				Actions []struct {
					Class     string `json:"_class"`
					DiskUsage int64
				}
			}
			j.json(t, path, &o)
			for _, a := range o.Actions {
				if a.Class == class {
					return a.DiskUsage
				}
			}
			t.Fatalf("no %s in %s", class, path)
			return 0
		}
		build := usage("job/outs/1/api/json", "hudson.plugins.disk_usage.BuildDiskUsageAction")
		job := usage("job/outs/api/json", "hudson.plugins.disk_usage.ProjectDiskUsageAction")
		if build < int64(len("hello")) || job < build {
			t.Fatalf("build %d, job %d", build, job)
		}
	})
	t.Run("the workspace serves a file and its zip, and Wipe Out removes it", func(t *testing.T) {
		if r := j.must(t, 200, admin(req{path: "job/outs/ws/out/a.txt"})); r.body != "other" {
			t.Fatalf("%q", r.body)
		}
		r := j.must(t, 200, admin(req{path: "job/outs/ws/*zip*/outs.zip"}))
		zr, err := zip.NewReader(bytes.NewReader([]byte(r.body)), int64(len(r.body)))
		if err != nil {
			t.Fatal(err)
		}
		if len(zr.File) == 0 || !strings.HasPrefix(zr.File[0].Name, "outs/") {
			t.Fatalf("%v", zr.File)
		}
		j.must(t, 302, admin(req{method: "POST", path: "job/outs/doWipeOutWorkspace"}))
		j.must(t, 404, admin(req{path: "job/outs/ws/"}))
	})
	t.Run("deleting the build deletes its artifacts and report", func(t *testing.T) {
		j.must(t, 302, admin(req{method: "POST", path: "job/outs/1/doDelete"}))
		j.must(t, 404, admin(req{path: "job/outs/lastSuccessfulBuild/artifact/out/a.txt"}))
		j.must(t, 404, admin(req{path: "job/outs/1/testReport/api/json"}))
	})
}
