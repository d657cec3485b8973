package executor

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/model"
)

// environment is the build's process environment: what builds inherit,
// then Jenkins's variables for the build, then its parameters.
func (e *Executor) environment(job *model.Job, b *model.Build, node *Node, ws string) []string {
	rootURL := *e.rootURL.Load()
	if rootURL == "" {
		rootURL = e.cfg.ListenURL
	}
	if rootURL != "" && !strings.HasSuffix(rootURL, "/") {
		rootURL += "/"
	}
	num := strconv.FormatInt(b.Number, 10)
	jobURL := rootURL + JobPath(job.Name)
	vars := []string{
		"BUILD_NUMBER=" + num,
		"BUILD_ID=" + num,
		"BUILD_DISPLAY_NAME=#" + num,
		"BUILD_TAG=jenkins-" + strings.ReplaceAll(job.Name, "/", "-") + "-" + num,
		"JOB_NAME=" + job.Name,
		"JOB_BASE_NAME=" + job.BaseName(),
		"WORKSPACE=" + ws,
		"WORKSPACE_TMP=" + ws + "@tmp",
		"JENKINS_HOME=" + e.cfg.Home,
		"HUDSON_HOME=" + e.cfg.Home,
		"EXECUTOR_NUMBER=" + strconv.Itoa(b.Executor),
		"NODE_NAME=" + node.Name,
		"NODE_LABELS=" + strings.Join(node.Labels, " "),
		"CI=true",
	}
	if rootURL != "" {
		vars = append(vars,
			"JENKINS_URL="+rootURL, "HUDSON_URL="+rootURL,
			"JOB_URL="+jobURL, "BUILD_URL="+jobURL+num+"/")
	}
	for _, p := range b.Params {
		vars = append(vars, p.Name+"="+p.Value)
		if up := strings.ToUpper(p.Name); up != p.Name {
			vars = append(vars, up+"="+p.Value)
		}
	}
	// Later entries win in os/exec (and in the script an agent's step
	// exports), so the node's variables override the inherited ones and
	// Jenkins's override both. A build on an agent inherits nothing of
	// jeeves's: its machine's own environment is its base.
	var env []string
	if node.BuiltIn {
		env = e.cfg.Env
	}
	// Clip: builds run at once and must not share the inherited slice's
	// spare capacity.
	env = append(slices.Clip(env), node.Env...)
	return append(slices.Clip(env), vars...)
}

// InheritedEnv is the part of the server's environment (environ, as
// os.Environ gives it) that builds inherit: all of it but the JEEVES_*
// variables. Those configure jeeves itself, and one of them,
// JEEVES_ADMIN_PASSWORD, is a secret; every variable jeeves reads is
// named JEEVES_*, so none of its settings reaches a build. Jenkins
// likewise gives builds on the built-in node the controller's
// environment.
func InheritedEnv(environ []string) []string {
	out := make([]string, 0, len(environ))
	for _, kv := range environ {
		if !strings.HasPrefix(kv, "JEEVES_") {
			out = append(out, kv)
		}
	}
	return out
}

// JobPath is a job's URL path below the root: job/a/job/b/.
func JobPath(fullName string) string {
	var sb strings.Builder
	for _, seg := range strings.Split(fullName, "/") {
		sb.WriteString("job/")
		sb.WriteString(url.PathEscape(seg))
		sb.WriteString("/")
	}
	return sb.String()
}

// Cookie is the cookie of one build of one home (see
// launcher.CookieVar). It is derived, not random, so that after a crash
// the next start can find and kill the processes the dead server's
// builds left behind.
func Cookie(home string, jobID, number int64) string {
	h := sha256.Sum256([]byte(home + "\x00" + strconv.FormatInt(jobID, 10) + "\x00" + strconv.FormatInt(number, 10)))
	return hex.EncodeToString(h[:16])
}
