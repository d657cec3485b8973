package sshtest

import (
	"bytes"
	"testing"

	"golang.org/x/crypto/ssh"
)

func TestServer(t *testing.T) {
	s := Start(t, Options{})
	cfg := &ssh.ClientConfig{
		User:            s.User,
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(s.ClientKey)},
		HostKeyCallback: ssh.FixedHostKey(s.HostKey.PublicKey()),
	}
	c, err := ssh.Dial("tcp", s.HostPort(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	out, err := sess.Output("id -u; echo $HOME")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out, []byte(s.Home)) {
		t.Fatalf("the session runs as %q", out)
	}
	t.Run("killing the connections closes the client", func(t *testing.T) {
		if n := s.KillConnections(); n == 0 {
			t.Fatal("no connection process found")
		}
		c.Wait()
	})
}
