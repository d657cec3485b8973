package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/app"
	"golang.org/x/crypto/bcrypt"
)

// TestRotateKeyCommand: `jeeves rotate-key` refuses a home a jeeves
// serves, rotates one that none does, and says what it did.
func TestRotateKeyCommand(t *testing.T) {
	home := t.TempDir()
	a, err := app.New(context.Background(), app.Options{Home: home, AdminPassword: "pw", BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := Main(append([]string{"rotate-key"}, args...), &out, &errOut)
		return code, out.String(), errOut.String()
	}
	cases := []struct {
		name    string
		before  func()
		args    []string
		code    int
		out, er string
	}{
		{"a home a jeeves serves is refused", nil, []string{"--home", home}, 1, "", "another jeeves is using this home"},
		{"once it stops, the key is replaced", func() { a.Close(0) }, []string{"--home", home}, 0, "key 2 is now the credentials key; 0 credentials sealed again; keys removed: 1", ""},
		{"an argument it does not take is refused", nil, []string{"--home", home, "extra"}, 2, "", "unexpected argument"},
		{"-h explains it", nil, []string{"-h"}, 0, "", "Run it while jeeves is stopped"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.before != nil {
				c.before()
			}
			code, out, errOut := run(c.args...)
			if code != c.code || !strings.Contains(out, c.out) || !strings.Contains(errOut, c.er) {
				t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
			}
		})
	}
}
