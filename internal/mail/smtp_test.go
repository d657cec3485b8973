package mail

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
	"io"
	"math/big"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/model"
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

// server is a running aiosmtpd delivering into a Maildir.
type server struct {
	port    int
	maildir string
}

// startServer starts testdata/smtpd.py in mode ("plain", "starttls" or
// "tls"), with the certificate files when it uses TLS and the user and
// password when given, and stops it when the test ends.
func startServer(t *testing.T, mode, cert, key, user, password string) *server {
	t.Helper()
	py := python(t)
	dir := t.TempDir()
	maildir := filepath.Join(dir, "Maildir")
	args := []string{filepath.Join("testdata", "smtpd.py"), maildir, mode}
	if mode != "plain" {
		args = append(args, cert, key)
	}
	if user != "" {
		args = append(args, user, password)
	}
	cmd := exec.Command(py, args...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = &testWriter{t: t}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		stdin.Close() // the script exits when its input closes
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
		io.Copy(io.Discard, stdout)
	}()
	select {
	case port := <-ready:
		return &server{port: port, maildir: maildir}
	case err := <-exited:
		t.Fatalf("smtpd.py exited before listening: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("smtpd.py did not start listening within 30s")
	}
	return nil
}

type testWriter struct{ t *testing.T }

func (w *testWriter) Write(p []byte) (int, error) {
	w.t.Logf("smtpd: %s", strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// delivered reads the messages the server delivered.
func (s *server) delivered(t *testing.T) []*mail.Message {
	t.Helper()
	entries, _ := os.ReadDir(filepath.Join(s.maildir, "new"))
	var out []*mail.Message
	for _, e := range entries {
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
		out = append(out, m)
	}
	return out
}

// selfSigned writes a certificate for 127.0.0.1 and its key, and returns
// their paths and a pool trusting it.
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
		DNSNames:     []string{"localhost"},
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

func failureMessage(t *testing.T) *Message {
	t.Helper()
	m := Mailer{Recipients: "dev@example.com, ops"}
	in := Input{
		Build:       Build{Number: 7, Result: model.Failure},
		JobFullName: "app",
		JobURL:      "job/app/",
		RunURL:      "job/app/7/",
		Log:         []string{"+ make", "Finished: FAILURE"},
		Now:         time.Now(),
	}
	in.Decision = m.Decide(in.Build, "app #7", nil)
	msg := m.Compose(Settings{From: "ci@example.com", DefaultSuffix: "@example.com", RootURL: "http://ci/"}, in)
	if msg == nil || msg.Data == nil {
		t.Fatalf("nothing composed: %+v", msg)
	}
	return msg
}

func TestSMTPDeliversToARealServer(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t)
	tlsConf := &tls.Config{RootCAs: pool}
	tests := []struct {
		name        string
		mode        string
		user        string
		smtp        SMTP
		wantErr     string
		wantDeliver bool
	}{
		{"a plain session delivers", "plain", "", SMTP{}, "", true},
		{"STARTTLS with AUTH PLAIN delivers", "starttls", "jenkins", SMTP{TLS: true, Username: "jenkins", Password: "s3cret"}, "", true},
		{"implicit TLS with AUTH delivers", "tls", "jenkins", SMTP{SSL: true, Username: "jenkins", Password: "s3cret"}, "", true},
		{"a wrong password is refused without being echoed", "starttls", "jenkins", SMTP{TLS: true, Username: "jenkins", Password: "wrong"}, "mail: authenticating as jenkins:", false},
		{"STARTTLS required but not offered fails before anything is sent", "plain", "", SMTP{TLS: true}, "does not offer STARTTLS", false},
		{"a server demanding STARTTLS refuses a plain session", "starttls", "", SMTP{}, "MAIL FROM", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := startServer(t, tc.mode, certFile, keyFile, tc.user, "s3cret")
			s := tc.smtp
			s.Host, s.Port, s.TLSConfig, s.Timeout = "127.0.0.1", srv.port, tlsConf, 20*time.Second
			msg := failureMessage(t)
			err := s.Send(context.Background(), msg)
			if tc.wantErr == "" && err != nil {
				t.Fatalf("Send: %v", err)
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "wrong") || strings.Contains(err.Error(), "s3cret") {
					t.Errorf("the error shows the password: %v", err)
				}
			}
			got := srv.delivered(t)
			if !tc.wantDeliver {
				if len(got) != 0 {
					t.Errorf("%d messages delivered", len(got))
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("%d messages delivered, want 1", len(got))
			}
			h := got[0].Header
			if h.Get("X-Mailfrom") != "ci@example.com" || h.Get("X-Rcptto") != "dev@example.com, ops@example.com" {
				t.Errorf("envelope = %q to %q", h.Get("X-Mailfrom"), h.Get("X-Rcptto"))
			}
			subj, _ := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
			if subj != "Build failed in Jenkins: app #7" || h.Get("X-Jenkins-Result") != "FAILURE" || h.Get("Message-Id") != msg.MessageID {
				t.Errorf("headers = %v", h)
			}
			body, _ := io.ReadAll(got[0].Body)
			if !strings.Contains(string(body), "See <http://ci/job/app/7/>") || !strings.Contains(string(body), "Finished: FAILURE") {
				t.Errorf("body = %s", body)
			}
		})
	}
}

func TestSMTPRefusesCredentialsOverPlainTextToAnotherHost(t *testing.T) {
	s := SMTP{Username: "u", Password: "p"}
	for _, mechs := range []string{"PLAIN LOGIN", "LOGIN"} {
		a := s.auth(mechs, "smtp.example.com")
		if _, _, err := a.Start(&smtp.ServerInfo{Name: "smtp.example.com", Auth: strings.Fields(mechs)}); err == nil {
			t.Errorf("with %s offered, credentials would be sent in the clear", mechs)
		}
		if mech, _, err := a.Start(&smtp.ServerInfo{Name: "smtp.example.com", TLS: true, Auth: strings.Fields(mechs)}); err != nil || mech != strings.Fields(mechs)[0] {
			t.Errorf("over TLS with %s offered: %s, %v", mechs, mech, err)
		}
	}
	l := &loginAuth{user: "u", pass: "p", host: "h"}
	if r, _ := l.Next([]byte("Username:"), true); string(r) != "u" {
		t.Errorf("LOGIN first answer %q", r)
	}
	if r, _ := l.Next([]byte("Password:"), true); string(r) != "p" {
		t.Errorf("LOGIN second answer %q", r)
	}
}

func TestSMTPTimesOut(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			defer c.Close()
			io.Copy(io.Discard, c) // never greets
		}
	}()
	s := SMTP{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, Timeout: 300 * time.Millisecond}
	if err := s.Send(context.Background(), failureMessage(t)); err == nil {
		t.Fatal("a silent server did not time out")
	}
}
