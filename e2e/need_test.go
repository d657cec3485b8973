package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// What the tests drive besides jeeves: `go test ./...` runs anywhere Go
// is installed and skips a test whose tool is missing, naming what to
// install; under CI (the CI environment variable set, as .ci/run does)
// a missing tool fails the test instead, since CI installs everything.

// unavailable skips t, or fails it under CI, saying what is missing and
// how to get it.
func unavailable(t testing.TB, what, fix string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("%s (CI is set, so this fails instead of skipping): %s", what, fix)
	}
	t.Skipf("skipped: %s; to run it: %s (or run .ci/run, which installs everything, on Debian as root)", what, fix)
}

// need returns the path of tool (a name looked up in PATH, or an absolute
// path) when it can be run; otherwise it skips t, or fails it under CI,
// naming install as the fix.
func need(t testing.TB, name, tool, install string) string {
	t.Helper()
	path, err := exec.LookPath(tool)
	if err != nil {
		unavailable(t, name+" is not installed ("+tool+": "+err.Error()+")", install)
	}
	return path
}

// needRoot skips t, or fails it under CI, unless the tests run as root
// (mounting a tmpfs needs it).
func needRoot(t testing.TB, why string) {
	t.Helper()
	if os.Geteuid() != 0 {
		unavailable(t, "this test needs root: "+why, "run the tests as root (sudo -E go test ./e2e)")
	}
}

// needPythonJenkins returns Debian's python3 once it can import
// python-jenkins (pythonWithJenkins: a python3 earlier on PATH, such as
// pyenv's, may lack it).
func needPythonJenkins(t testing.TB) string {
	t.Helper()
	const install = "apt-get install python3-jenkins"
	python := need(t, "python3 with python-jenkins", pythonWithJenkins, install)
	if out, err := exec.Command(python, "-c", "import jenkins").CombinedOutput(); err != nil {
		unavailable(t, "python-jenkins is not installed ("+err.Error()+": "+string(out)+")", install)
	}
	return python
}

// needNodeJenkins returns node once node-jenkins 1.1.0 is installed in
// nodeJenkinsDir. The tests never run npm themselves: .ci/run does, from
// the lock file.
func needNodeJenkins(t testing.TB) string {
	t.Helper()
	node := need(t, "node", "node", "apt-get install nodejs npm")
	var pkg struct{ Version string }
	b, err := os.ReadFile(filepath.Join(nodeJenkinsDir, "node_modules", "jenkins", "package.json"))
	if err == nil {
		err = json.Unmarshal(b, &pkg)
	}
	if err != nil || pkg.Version != "1.1.0" {
		unavailable(t, fmt.Sprintf("node-jenkins 1.1.0 is not installed in e2e/%s/node_modules (version %q, %v)", nodeJenkinsDir, pkg.Version, err),
			"(cd e2e/"+nodeJenkinsDir+" && npm ci --no-audit --no-fund)")
	}
	return node
}
