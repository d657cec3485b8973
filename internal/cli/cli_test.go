package cli

import (
	"io"
	"strings"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/queue"
)

// TestServeReadsOnlyJEEVESVariables holds the rule builds rely on: every
// environment variable jeeves reads is named JEEVES_*, so
// queue.InheritedEnv, which drops those, keeps all of jeeves's settings
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
			if got := queue.InheritedEnv([]string{name + "=x", "PATH=/bin"}); len(got) != 1 || got[0] != "PATH=/bin" {
				t.Fatalf("InheritedEnv kept %v", got)
			}
		})
	}
}
