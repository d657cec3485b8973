package bench

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMain_exitsNonZeroWhenAScenarioBreaks(t *testing.T) {
	// A "jeeves" that exits at once: the first scenario cannot start it.
	fake := filepath.Join(t.TempDir(), "jeeves")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\necho broken >&2\nexit 3\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	code := Main([]string{"-smoke", "-only", "trigger", "-jeeves", fake}, io.Discard, &stderr)
	if code == 0 {
		t.Fatalf("Main exited 0 with a jeeves that cannot start; stderr:\n%s", stderr.String())
	}
	if !strings.Contains(stderr.String(), "trigger:") {
		t.Errorf("stderr does not name the broken scenario:\n%s", stderr.String())
	}
}
