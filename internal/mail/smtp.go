package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"strconv"
	"strings"
	"time"
)

// DefaultTimeout bounds a whole SMTP session, as the mailer plugin sets
// mail.smtp.timeout and connectiontimeout to 60 seconds.
const DefaultTimeout = 60 * time.Second

// SMTP sends messages to a mail server, configured as the mailer
// plugin's descriptor is.
type SMTP struct {
	// Host is the server's name; "localhost" when empty.
	Host string
	// Port is the server's port; 0 means 465 with SSL, 587 with TLS, else
	// 25.
	Port int
	// SSL connects with TLS from the start (SMTPS, "Use SSL").
	SSL bool
	// TLS requires STARTTLS before anything else is said ("Use TLS").
	TLS bool
	// Username and Password, when Username is set, authenticate with
	// AUTH PLAIN, or LOGIN when the server offers only that. Credentials
	// are only sent over TLS, or to the local machine.
	Username, Password string
	// Timeout bounds the session; DefaultTimeout when 0.
	Timeout time.Duration
	// HelloName is the name given in EHLO; "localhost" when empty.
	HelloName string
	// TLSConfig, when set, is used for SSL and STARTTLS (its ServerName
	// defaults to Host).
	TLSConfig *tls.Config
}

func (s SMTP) addr() (host string, port int) {
	host = s.Host
	if host == "" {
		host = "localhost"
	}
	port = s.Port
	if port == 0 {
		switch {
		case s.SSL:
			port = 465
		case s.TLS:
			port = 587
		default:
			port = 25
		}
	}
	return host, port
}

func (s SMTP) tlsConfig(host string) *tls.Config {
	c := &tls.Config{}
	if s.TLSConfig != nil {
		c = s.TLSConfig.Clone()
	}
	if c.ServerName == "" {
		c.ServerName = host
	}
	return c
}

// Send delivers m: envelope sender m.From, recipients m.To, content
// m.Data. The session ends by ctx's deadline or Timeout, whichever comes
// first; an error names the SMTP step that failed, never the password.
func (s SMTP) Send(ctx context.Context, m *Message) error {
	if m == nil || len(m.To) == 0 {
		return errors.New("mail: nothing to send")
	}
	host, port := s.addr()
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	dialer := &net.Dialer{Deadline: deadline}
	address := net.JoinHostPort(host, strconv.Itoa(port))
	var conn net.Conn
	var err error
	if s.SSL {
		conn, err = (&tls.Dialer{NetDialer: dialer, Config: s.tlsConfig(host)}).DialContext(ctx, "tcp", address)
	} else {
		conn, err = dialer.DialContext(ctx, "tcp", address)
	}
	if err != nil {
		return fmt.Errorf("mail: connecting to %s: %w", address, err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(deadline); err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return fmt.Errorf("mail: greeting from %s: %w", address, err)
	}
	defer c.Close()
	hello := s.HelloName
	if hello == "" {
		hello = "localhost"
	}
	if err := c.Hello(hello); err != nil {
		return fmt.Errorf("mail: EHLO: %w", err)
	}
	if s.TLS && !s.SSL {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return errors.New("mail: the server does not offer STARTTLS, which the settings require")
		}
		if err := c.StartTLS(s.tlsConfig(host)); err != nil {
			return fmt.Errorf("mail: STARTTLS: %w", err)
		}
	}
	if s.Username != "" {
		_, mechs := c.Extension("AUTH")
		if err := c.Auth(s.auth(mechs, host)); err != nil {
			return fmt.Errorf("mail: authenticating as %s: %w", s.Username, err)
		}
	}
	if err := c.Mail(m.From); err != nil {
		return fmt.Errorf("mail: MAIL FROM: %w", err)
	}
	for _, to := range m.To {
		if err := c.Rcpt(to); err != nil {
			return fmt.Errorf("mail: RCPT TO %s: %w", to, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("mail: DATA: %w", err)
	}
	if _, err := w.Write(m.Data); err != nil {
		return fmt.Errorf("mail: writing the message: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("mail: ending the message: %w", err)
	}
	return c.Quit()
}

// auth picks PLAIN, or LOGIN when the server's mechanisms (mechs, as
// its EHLO lists them) hold LOGIN and not PLAIN.
func (s SMTP) auth(mechs, host string) smtp.Auth {
	m := " " + strings.ToUpper(mechs) + " "
	if !strings.Contains(m, " PLAIN ") && strings.Contains(m, " LOGIN ") {
		return &loginAuth{user: s.Username, pass: s.Password, host: host}
	}
	return smtp.PlainAuth("", s.Username, s.Password, host)
}

// loginAuth is the LOGIN mechanism, under the rule smtp.PlainAuth keeps:
// credentials go only over TLS or to the local machine.
type loginAuth struct {
	user, pass, host string
	step             int
}

func (a *loginAuth) Start(server *smtp.ServerInfo) (string, []byte, error) {
	if !server.TLS && !isLocal(server.Name) {
		return "", nil, errors.New("unencrypted connection")
	}
	if server.Name != a.host {
		return "", nil, errors.New("wrong host name")
	}
	return "LOGIN", nil, nil
}

func (a *loginAuth) Next(fromServer []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	a.step++
	switch a.step {
	case 1:
		return []byte(a.user), nil
	case 2:
		return []byte(a.pass), nil
	}
	return nil, errors.New("unexpected server challenge")
}

func isLocal(name string) bool {
	return name == "localhost" || name == "127.0.0.1" || name == "::1"
}
