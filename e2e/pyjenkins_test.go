package e2e

import (
	"os/exec"
	"strings"
	"testing"
)

// pythonWithJenkins is Debian's python3, which has python3-jenkins; a
// python3 earlier on PATH (pyenv) may not.
const pythonWithJenkins = "/usr/bin/python3"

// TestPythonJenkins runs python-jenkins 1.4.0 through a workflow of every
// method that needs no plugin, once with a password (python-jenkins then
// fetches a crumb itself) and once with an API token. Without
// python3-jenkins it skips, or fails under CI (.ci/run installs it).
func TestPythonJenkins(t *testing.T) {
	t.Parallel() // slow: a real client; runs beside the timer test
	python := needPythonJenkins(t)
	for _, auth := range []string{"password", "token"} {
		t.Run("with a "+auth, func(t *testing.T) {
			j := start(t, "", nil)
			secret := adminPassword
			if auth == "token" {
				secret = j.adminToken(t)
			}
			cmd := exec.Command(python, "testdata/pyjenkins/workflow.py", strings.TrimSuffix(j.url, "/"), "admin", secret)
			out, err := cmd.CombinedOutput()
			for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				if strings.HasPrefix(line, "FAIL") || err != nil {
					t.Log(line)
				}
			}
			if err != nil {
				t.Fatalf("python-jenkins workflow: %v", err)
			}
		})
	}
}
