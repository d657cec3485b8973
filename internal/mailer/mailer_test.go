package mailer_test

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"mime"
	"net"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/buildtest"
	"github.com/jeeves-ci/jeeves/internal/credentials"
	jmail "github.com/jeeves-ci/jeeves/internal/mail"
	"github.com/jeeves-ci/jeeves/internal/mailer"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/settings"
	"github.com/jeeves-ci/jeeves/internal/store"
)

// python finds an interpreter that has aiosmtpd, or skips the test
// (fails it when CI is set).
func python(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"python3", "/usr/bin/python3"} {
		if exec.Command(p, "-c", "import aiosmtpd").Run() == nil {
			return p
		}
	}
	msg := "no python3 with aiosmtpd: apt-get install python3-aiosmtpd"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// smtpServer is a real SMTP server (the mail package's smtpd.py, on
// aiosmtpd) delivering into a Maildir; it asks for user and password
// when given.
type smtpServer struct {
	port    int
	maildir string
	tls     *tls.Config
}

// selfSigned makes a certificate for 127.0.0.1 and the pool that
// trusts it.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// smtpServer requires STARTTLS, with a certificate pool trusts.
func startSMTP(t *testing.T, user, password string) *smtpServer {
	t.Helper()
	py := python(t)
	maildir := filepath.Join(t.TempDir(), "Maildir")
	cert, key, pool := selfSigned(t)
	args := []string{filepath.Join("..", "mail", "testdata", "smtpd.py"), maildir, "starttls", cert, key}
	if user != "" {
		args = append(args, user, password)
	}
	cmd := exec.Command(py, args...)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
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
	case port := <-ready:
		return &smtpServer{port: port, maildir: maildir, tls: &tls.Config{RootCAs: pool}}
	case err := <-exited:
		t.Fatalf("smtpd.py exited: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("smtpd.py did not start")
	}
	return nil
}

// delivered are the messages the server holds, oldest first.
func (s *smtpServer) delivered(t *testing.T) []*mail.Message {
	t.Helper()
	es, _ := os.ReadDir(filepath.Join(s.maildir, "new"))
	type dated struct {
		t time.Time
		m *mail.Message
	}
	var ms []dated
	for _, e := range es {
		f, err := os.Open(filepath.Join(s.maildir, "new", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		m, err := mail.ReadMessage(f)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(m.Body)
		f.Close()
		m.Body = strings.NewReader(string(body))
		info, _ := e.Info()
		ms = append(ms, dated{info.ModTime(), m})
	}
	slices.SortStableFunc(ms, func(a, b dated) int { return a.t.Compare(b.t) })
	out := make([]*mail.Message, len(ms))
	for i, d := range ms {
		out[i] = d.m
	}
	return out
}

func subject(m *mail.Message) string {
	s, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	return s
}

func body(m *mail.Message) string {
	b, _ := io.ReadAll(m.Body)
	m.Body = strings.NewReader(string(b))
	return string(b)
}

// creds is a credentials store with one username-with-password.
type creds map[string][2]string

func (c creds) UsernamePassword(_ context.Context, id string) (string, string, error) {
	if up, ok := c[id]; ok {
		return up[0], up[1], nil
	}
	return "", "", store.ErrNotFound
}

func newWorld(t *testing.T, srv *smtpServer, m settings.Mail) (*buildtest.World, *mailer.Service) {
	t.Helper()
	w := buildtest.New(t, nil)
	m.SMTPHost, m.SMTPPort, m.Security = "127.0.0.1", srv.port, settings.SecurityStartTLS
	s := mailer.New(mailer.Config{Mail: func() settings.Mail { return m }, RootURL: func() string { return "https://ci.example.com/" }, Credentials: creds{"smtp": {"jeeves", "s3cret"}}, TLSConfig: srv.tls}, w.Blobs, w.Store)
	w.Exec.Register(s)
	return w, s
}

const mailerXML = `<publishers><hudson.tasks.Mailer><recipients>dev@example.com qa</recipients><dontNotifyEveryUnstableBuild>true</dontNotifyEveryUnstableBuild><sendToIndividuals>false</sendToIndividuals></hudson.tasks.Mailer></publishers>`

// step fails, passes or is unstable as the file "state" in the
// workspace says.
const step = `<project>` + mailerXML + `<builders><hudson.tasks.Shell><command>s=$(cat state 2>/dev/null || echo pass); echo "state $s"; [ "$s" = fail ] &amp;&amp; exit 1; [ "$s" = unstable ] &amp;&amp; exit 3; true</command><unstableReturn>3</unstableReturn></hudson.tasks.Shell></builders></project>`

func TestMailOnResultsToARealSMTPServer(t *testing.T) {
	srv := startSMTP(t, "jeeves", "s3cret")
	w, _ := newWorld(t, srv, settings.Mail{AdminAddress: "Jeeves <ci@example.com>", CredentialsID: "smtp", DefaultSuffix: "@example.com"})
	job := w.Job(t, "app", step)
	set := func(state string) {
		os.MkdirAll(w.Workspace(job), 0o755)
		if err := os.WriteFile(filepath.Join(w.Workspace(job), "state"), []byte(state), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		state  string
		result model.Result
		mail   string // the subject; "" for none
	}{
		{"fail", model.Failure, "Build failed in Jenkins: app #1"},
		{"fail", model.Failure, "Build failed in Jenkins: app #2"},
		{"pass", model.Success, "Jenkins build is back to normal : app #3"},
		{"pass", model.Success, ""},
		{"unstable", model.Unstable, "Jenkins build became unstable:  app #5"},
		{"unstable", model.Unstable, ""}, // dontNotifyEveryUnstableBuild
		{"pass", model.Success, "Jenkins build is back to stable : app #7"},
	}
	var want []string
	for _, s := range steps {
		set(s.state)
		b := w.Run(t, job)
		log := w.Log(t, b)
		t.Run("build #"+strconv.FormatInt(b.Number, 10)+" ("+s.state+")", func(t *testing.T) {
			if b.Result != s.result {
				t.Fatalf("result %s:\n%s", b.Result, log)
			}
			sending := "Sending e-mails to: dev@example.com qa@example.com\nFinished: " + string(s.result) + "\n"
			if s.mail != "" && !strings.HasSuffix(log, sending) {
				t.Fatalf("console does not end with %q:\n%s", sending, log)
			}
			if s.mail == "" && strings.Contains(log, "Sending e-mails") {
				t.Fatalf("a mail was sent:\n%s", log)
			}
			if strings.Contains(log, "jeeves does not run E-mail Notification") || strings.Contains(log, "ERROR") {
				t.Fatalf("console:\n%s", log)
			}
		})
		if s.mail != "" {
			want = append(want, s.mail)
		}
	}
	got := srv.delivered(t)
	t.Run("the server got one mail per failure, first unstable and return to normal, in order", func(t *testing.T) {
		var subjects []string
		for _, m := range got {
			subjects = append(subjects, subject(m))
		}
		if !slices.Equal(subjects, want) {
			t.Fatalf("subjects %q, want %q", subjects, want)
		}
	})
	if len(got) != len(want) {
		return
	}
	t.Run("a failure mail names the build, links to its console and quotes its end", func(t *testing.T) {
		m := got[0]
		b := body(m)
		for _, want := range []string{"See <https://ci.example.com/job/app/1/>", "state fail", "Build step 'Execute shell' marked build as failure"} {
			if !strings.Contains(b, want) {
				t.Errorf("body lacks %q:\n%s", want, b)
			}
		}
		if m.Header.Get("From") != "Jeeves <ci@example.com>" || m.Header.Get("X-Jenkins-Job") != "app" || m.Header.Get("X-Jenkins-Result") != "FAILURE" {
			t.Errorf("headers %v", m.Header)
		}
	})
	t.Run("a second failure replies to the first", func(t *testing.T) {
		if id := got[0].Header.Get("Message-Id"); id == "" || got[1].Header.Get("In-Reply-To") != id {
			t.Fatalf("first %q, second replies to %q", id, got[1].Header.Get("In-Reply-To"))
		}
	})
}

func TestMailFailures(t *testing.T) {
	srv := startSMTP(t, "jeeves", "s3cret")
	t.Run("an unknown credential prints an error and leaves the result alone", func(t *testing.T) {
		w, _ := newWorld(t, srv, settings.Mail{AdminAddress: "ci@example.com", CredentialsID: "nope"})
		job := w.Job(t, "app", buildtest.Shell("exit 1", mailerXML))
		b := w.Run(t, job)
		log := w.Log(t, b)
		if b.Result != model.Failure || !strings.Contains(log, "Sending e-mails to: dev@example.com\nERROR: mail: the SMTP credentials cannot be used: \"nope\"") {
			t.Fatalf("result %s:\n%s", b.Result, log)
		}
	})
	t.Run("a server that refuses prints the SMTP step, never the password", func(t *testing.T) {
		w, _ := newWorld(t, srv, settings.Mail{AdminAddress: "ci@example.com"})
		job := w.Job(t, "app", buildtest.Shell("exit 1", mailerXML))
		b := w.Run(t, job)
		log := w.Log(t, b)
		if b.Result != model.Failure || !strings.Contains(log, "ERROR: mail: MAIL FROM: ") || strings.Contains(log, "s3cret") {
			t.Fatalf("result %s:\n%s", b.Result, log)
		}
	})
}

func TestSendTestMail(t *testing.T) {
	ctx := context.Background()
	srv := startSMTP(t, "jeeves", "s3cret")
	_, s := newWorld(t, srv, settings.Mail{})
	form := settings.Mail{SMTPHost: "127.0.0.1", SMTPPort: srv.port, Security: settings.SecurityStartTLS, CredentialsID: "smtp", AdminAddress: "ci@example.com", ReplyTo: "dev@example.com"}
	t.Run("the form's settings send Test email #1 to the address given", func(t *testing.T) {
		n, err := s.SendTest(ctx, form, "admin@example.com")
		if err != nil || n != 1 {
			t.Fatal(n, err)
		}
		got := srv.delivered(t)
		if len(got) != 1 || subject(got[0]) != "Test email #1" || got[0].Header.Get("To") != "admin@example.com" ||
			got[0].Header.Get("Reply-To") != "dev@example.com" || strings.TrimSpace(body(got[0])) != "This is test email #1 sent from Jenkins" {
			t.Fatalf("%+v", got)
		}
	})
	t.Run("a wrong password is an error that does not show it", func(t *testing.T) {
		_, err := mailer.New(mailer.Config{Credentials: creds{"smtp": {"jeeves", "wrong-pass"}}, TLSConfig: srv.tls}, nil, nil).SendTest(ctx, form, "admin@example.com")
		if err == nil || strings.Contains(err.Error(), "wrong-pass") || !strings.Contains(err.Error(), "authenticating as jeeves") {
			t.Fatalf("%v", err)
		}
	})
	t.Run("a recipient that is no address, or one smuggling headers, is refused", func(t *testing.T) {
		for _, to := range []string{"not an address", "a@example.com\r\nBcc: victim@example.com"} {
			if _, err := s.SendTest(ctx, form, to); err == nil {
				t.Errorf("sent to %q", to)
			}
		}
	})
	t.Run("invalid settings are refused before anything is sent", func(t *testing.T) {
		bad := form
		bad.Security = "tls9"
		if _, err := s.SendTest(ctx, bad, "admin@example.com"); !errors.Is(err, settings.ErrInvalid) {
			t.Fatalf("%v", err)
		}
	})
}

// resolver is a credentials service holding two credentials.
type resolver map[string]*credentials.Credential

func (r resolver) ResolveForJeeves(_ context.Context, id, purpose string) (*credentials.Credential, error) {
	if purpose != "smtp" {
		return nil, errors.New("purpose " + purpose)
	}
	if c, ok := r[id]; ok {
		return c, nil
	}
	return nil, store.ErrNotFound
}

func TestCredentialsFromTheCredentialsService(t *testing.T) {
	ctx := context.Background()
	c := mailer.FromCredentials(resolver{
		"smtp":  {ID: "smtp", Kind: credentials.KindUsernamePassword, Username: "jeeves", Password: "s3cret"},
		"token": {ID: "token", Kind: credentials.KindSecretText, Secret: "t"},
	})
	if u, p, err := c.UsernamePassword(ctx, "smtp"); err != nil || u != "jeeves" || p != "s3cret" {
		t.Fatalf("%q %q %v", u, p, err)
	}
	if _, _, err := c.UsernamePassword(ctx, "token"); err == nil || !strings.Contains(err.Error(), "not a username with password") {
		t.Fatalf("a secret text was taken: %v", err)
	}
	if _, _, err := c.UsernamePassword(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("%v", err)
	}
}

// TestSendToIndividualsMailsTheChangesAuthors: with sendToIndividuals,
// a failed build's mail also goes to the authors of its changes (the
// SCM's changelog, Config.Changes), and names them under "Changes:"; an
// author without an address is said in the console.
func TestSendToIndividualsMailsTheChangesAuthors(t *testing.T) {
	srv := startSMTP(t, "", "")
	w := buildtest.New(t, nil)
	m := settings.Mail{AdminAddress: "ci@example.com", SMTPHost: "127.0.0.1", SMTPPort: srv.port, Security: settings.SecurityStartTLS}
	changes := func(job *model.Job, number int64) ([]jmail.Change, []jmail.Culprit, bool) {
		return []jmail.Change{{Author: "Ann Author", Message: "Break the build\n"}, {Author: "Nomail", Message: "Also\n"}},
			[]jmail.Culprit{{FullName: "Ann Author", Email: "ann@example.org"}, {FullName: "Nomail"}}, true
	}
	s := mailer.New(mailer.Config{Mail: func() settings.Mail { return m }, TLSConfig: srv.tls, Changes: changes}, w.Blobs, w.Store)
	w.Exec.Register(s)
	job := w.Job(t, "app", `<project><publishers><hudson.tasks.Mailer><recipients>dev@example.com</recipients><sendToIndividuals>true</sendToIndividuals></hudson.tasks.Mailer></publishers><builders><hudson.tasks.Shell><command>exit 1</command></hudson.tasks.Shell></builders></project>`)
	b := w.Run(t, job)
	log := w.Log(t, b)
	t.Run("the console names every recipient and the author without an address", func(t *testing.T) {
		for _, want := range []string{"Sending e-mails to: dev@example.com ann@example.org", "Failed to send e-mail to Nomail because no e-mail address is known"} {
			if !strings.Contains(log, want) {
				t.Errorf("console lacks %q:\n%s", want, log)
			}
		}
	})
	got := srv.delivered(t)
	t.Run("the mail goes to the recipients and the author, and lists the changes", func(t *testing.T) {
		if len(got) != 1 {
			t.Fatalf("%d mails", len(got))
		}
		if to := got[0].Header.Get("To"); !strings.Contains(to, "dev@example.com") || !strings.Contains(to, "ann@example.org") {
			t.Errorf("To: %q", to)
		}
		if b := body(got[0]); !strings.Contains(b, "Changes:") || !strings.Contains(b, "Ann Author") || !strings.Contains(b, "Break the build") {
			t.Errorf("body:\n%s", b)
		}
	})
}
