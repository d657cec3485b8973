package cli

import (
	"io"
	"net"
	"strings"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/executor"
	"github.com/jeeves-ci/jeeves/internal/settings"
)

// TestServeReadsOnlyJEEVESVariables holds the rule builds rely on: every
// environment variable jeeves reads is named JEEVES_*, so
// executor.InheritedEnv, which drops those, keeps all of jeeves's settings
// and secrets out of builds.
func TestServeReadsOnlyJEEVESVariables(t *testing.T) {
	var read []string
	getenv := func(name string) string {
		read = append(read, name)
		return ""
	}
	if _, err := parseServeFlags(nil, getenv, io.Discard); err != nil {
		t.Fatal(err)
	}
	if len(read) == 0 {
		t.Fatal("parseServeFlags read no variable: has it stopped using getenv?")
	}
	for _, name := range read {
		t.Run(name+" is dropped from builds' environment", func(t *testing.T) {
			if !strings.HasPrefix(name, "JEEVES_") {
				t.Fatalf("jeeves reads %s, which builds would inherit", name)
			}
			if got := executor.InheritedEnv([]string{name + "=x", "PATH=/bin"}); len(got) != 1 || got[0] != "PATH=/bin" {
				t.Fatalf("InheritedEnv kept %v", got)
			}
		})
	}
}

func TestListenURL(t *testing.T) {
	for _, c := range []struct {
		name, listen string
		bound        *net.TCPAddr
		want         string
	}{
		{"every interface is localhost", ":8080", &net.TCPAddr{IP: net.IPv4zero, Port: 8080}, "http://localhost:8080/"},
		{"every IPv6 interface is localhost", "[::]:8080", &net.TCPAddr{IP: net.IPv6unspecified, Port: 8080}, "http://localhost:8080/"},
		{"a bound IP is kept, with the port chosen", "127.0.0.1:0", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 41234}, "http://127.0.0.1:41234/"},
		{"an IPv6 address is bracketed", "[::1]:9000", &net.TCPAddr{IP: net.IPv6loopback, Port: 9000}, "http://[::1]:9000/"},
		{"a host name given to --listen is kept", "ci.internal:8080", &net.TCPAddr{IP: net.IPv4(10, 0, 0, 5), Port: 8080}, "http://ci.internal:8080/"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := listenURL(c.listen, c.bound); got != c.want {
				t.Fatalf("listenURL(%q, %v) = %q, want %q", c.listen, c.bound, got, c.want)
			}
		})
	}
}

// TestServeMailFlags: the mail settings come from flags or JEEVES_*
// variables, those given are named explicit (they win over what an admin
// saved), and a bad value stops serve with the reason.
func TestServeMailFlags(t *testing.T) {
	env := map[string]string{"JEEVES_SMTP_HOST": "smtp.example.com", "JEEVES_ADMIN_ADDRESS": "ci@example.com"}
	getenv := func(name string) string { return env[name] }
	t.Run("flags and variables are read, and only those given are explicit", func(t *testing.T) {
		o, err := parseServeFlags([]string{"--smtp-port", "2525", "--smtp-security", "STARTTLS", "--mail-from", "jeeves <ci@example.com>"}, getenv, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"smtp-host", "admin-address", "smtp-port", "smtp-security", "mail-from"} {
			if !o.MailExplicit[name] {
				t.Errorf("%s is not explicit", name)
			}
		}
		if o.MailExplicit["smtp-credentials"] || o.MailExplicit["mail-reply-to"] {
			t.Errorf("flags not given are explicit: %v", o.MailExplicit)
		}
		m := settings.Mail{ReplyTo: "saved@example.com"}
		if err := o.MailFlags.Apply(&m, o.MailExplicit); err != nil {
			t.Fatal(err)
		}
		want := settings.Mail{SMTPHost: "smtp.example.com", SMTPPort: 2525, Security: "starttls", AdminAddress: "ci@example.com",
			From: "jeeves <ci@example.com>", ReplyTo: "saved@example.com"}
		if m != want {
			t.Fatalf("got %+v\nwant %+v", m, want)
		}
	})
	for _, bad := range [][]string{{"--smtp-port", "twenty-five"}, {"--smtp-security", "tls13"}, {"--admin-address", "not an address"}, {"--smtp-host", "a/b"}} {
		t.Run("serve refuses "+strings.Join(bad, " "), func(t *testing.T) {
			if _, err := parseServeFlags(bad, getenv, io.Discard); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}
