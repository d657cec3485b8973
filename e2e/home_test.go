package e2e

import (
	"strings"
	"testing"
)

// TestBuildEnvironmentKeepsServerSecrets: a build inherits the server's
// environment, but no JEEVES_* variable: they configure jeeves, and
// JEEVES_ADMIN_PASSWORD is a secret.
func TestBuildEnvironmentKeepsServerSecrets(t *testing.T) {
	j := start(t, "", []string{"JEEVES_THROTTLE_FAILURES=7", "INHERITED_BY_BUILDS=yes"})
	j.createJob(t, "print-env", shellJob("env"))
	b := j.waitBuild(t, j.trigger(t, "print-env"))
	log := j.must(t, 200, req{path: strings.TrimPrefix(b.URL, j.url) + "consoleText", user: "admin", secret: j.adminToken(t)}).body
	t.Run("no JEEVES_ variable reaches the build", func(t *testing.T) {
		for _, line := range strings.Split(log, "\n") {
			if strings.HasPrefix(line, "JEEVES_") {
				t.Errorf("the build sees %s", line)
			}
		}
		if strings.Contains(log, adminPassword) {
			t.Errorf("the admin password is in the console:\n%s", log)
		}
	})
	t.Run("other server variables and Jenkins's own reach the build", func(t *testing.T) {
		for _, want := range []string{"\nINHERITED_BY_BUILDS=yes\n", "\nPATH=", "\nBUILD_NUMBER=1\n", "\nJOB_NAME=print-env\n"} {
			if !strings.Contains(log, want) {
				t.Errorf("console lacks %q:\n%s", strings.TrimSpace(want), log)
			}
		}
	})
}
