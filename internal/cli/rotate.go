package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/app"
)

// rotateKey is `jeeves rotate-key --home DIR`: it replaces the key that
// seals the home's credentials (app.RotateKey) while no jeeves serves
// the home, and says what it did. The audit log's limits are serve's,
// from the environment or their defaults.
func rotateKey(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("jeeves rotate-key", flag.ContinueOnError)
	fs.SetOutput(stderr)
	def := getenv("JEEVES_HOME")
	if def == "" {
		def = "./jeeves-home"
	}
	home := fs.String("home", def, "the home whose credentials key is replaced; stop the jeeves serving it first (env JEEVES_HOME)")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: jeeves rotate-key [--home DIR]\n\n"+
			"Replaces the key in HOME/secrets/jeeves.key that seals the credentials: a new key\n"+
			"is made current, every credential is sealed again under it, and the old keys are\n"+
			"removed. Run it while jeeves is stopped.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "jeeves rotate-key: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	abs, err := filepath.Abs(*home)
	if err != nil {
		fmt.Fprintln(stderr, "jeeves rotate-key:", err)
		return 1
	}
	opts, err := parseServeFlags([]string{"--home", abs}, getenv, io.Discard)
	if err != nil {
		fmt.Fprintln(stderr, "jeeves rotate-key:", err)
		return 2
	}
	rot, err := app.RotateKey(context.Background(), abs, opts.Audit)
	if err != nil {
		fmt.Fprintln(stderr, "jeeves rotate-key:", err)
		return 1
	}
	retired := "none"
	if len(rot.Retired) > 0 {
		ids := make([]string, len(rot.Retired))
		for i, id := range rot.Retired {
			ids[i] = fmt.Sprint(id)
		}
		retired = strings.Join(ids, ", ")
	}
	fmt.Fprintf(stdout, "jeeves rotate-key: key %d is now the credentials key; %d credentials sealed again; keys removed: %s\n",
		rot.Key, rot.Resealed, retired)
	fmt.Fprintf(stdout, "Back up %s with the database now: older backups of the database open only with the key they were made with.\n",
		filepath.Join(abs, "secrets", "jeeves.key"))
	return 0
}
