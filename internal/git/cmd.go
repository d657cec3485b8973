package git

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// GitExe is the git program, found in the PATH of the environment given.
const GitExe = "git"

// CommandError is a git command that failed: the git client plugin's
// GitException text, with git's own message.
type CommandError struct {
	Command string // as printed: "git fetch … -- https://****@host/x.git …"
	Status  int    // -1 when it did not end by itself
	Stdout  string
	Stderr  string
	Err     error // a timeout or cancellation, or why it could not start
}

func (e *CommandError) Error() string {
	if e.Err != nil && e.Status < 0 {
		return fmt.Sprintf("Command %q failed: %v\nstdout: %s\nstderr: %s", e.Command, e.Err, e.Stdout, e.Stderr)
	}
	return fmt.Sprintf("Command %q returned status code %d:\nstdout: %s\nstderr: %s", e.Command, e.Status, e.Stdout, e.Stderr)
}

func (e *CommandError) Unwrap() error { return e.Err }

// maxOutput bounds what is kept of one command's output in memory.
const maxOutput = 16 << 20

// capped is a buffer that keeps at most maxOutput bytes.
type capped struct{ bytes.Buffer }

func (c *capped) Write(p []byte) (int, error) {
	if room := maxOutput - c.Len(); room > 0 {
		if len(p) > room {
			c.Buffer.Write(p[:room])
		} else {
			c.Buffer.Write(p)
		}
	}
	return len(p), nil
}

// session runs the git commands of one checkout or poll.
type session struct {
	ctx     context.Context
	r       Runner
	log     io.Writer
	env     []string // the base environment of every git command
	version []int    // nil until "git --version" ran
	sec     *secrets
	// masks are secret strings to hide from anything printed from git's
	// own output (a token git might echo in an error).
	masks []string
}

// cmd describes one git command.
type cmd struct {
	dir     string
	args    []string
	shown   []string // printed instead of args when set
	quiet   bool     // not printed (the plugin runs it through JGit)
	timeout int      // minutes; 0: DefaultTimeout
	env     []string // added to the base environment
	stdout  io.Writer
	stderr  *capped // receives the standard error too, when set
}

// sanitizeEnv is the base environment without what would point git at
// another repository or bypass the credentials and prompts set here.
func sanitizeEnv(env []string) []string {
	drop := map[string]bool{
		"GIT_DIR": true, "GIT_WORK_TREE": true, "GIT_INDEX_FILE": true, "GIT_OBJECT_DIRECTORY": true,
		"GIT_ALTERNATE_OBJECT_DIRECTORIES": true, "GIT_NAMESPACE": true, "GIT_COMMON_DIR": true,
		"GIT_SSH": true, "GIT_SSH_COMMAND": true, "GIT_SSH_VARIANT": true, "GIT_ASKPASS": true,
		"SSH_ASKPASS": true, "SSH_ASKPASS_REQUIRE": true, "GIT_TERMINAL_PROMPT": true,
		"GIT_CONFIG_PARAMETERS": true, "GIT_CONFIG_COUNT": true, "GCM_INTERACTIVE": true,
		"GIT_QUARANTINE_PATH": true, "JEEVES_GIT_USERNAME": true, "JEEVES_GIT_PASSWORD": true,
	}
	out := make([]string, 0, len(env)+3)
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if drop[k] || strings.HasPrefix(k, "GIT_CONFIG_KEY_") || strings.HasPrefix(k, "GIT_CONFIG_VALUE_") {
			continue
		}
		out = append(out, kv)
	}
	return withEnv(out, "GIT_TERMINAL_PROMPT=0", "GCM_INTERACTIVE=never")
}

// withEnv is env with each KEY=value of add set, replacing any earlier
// value of KEY: a Runner gets each variable once.
func withEnv(env []string, add ...string) []string {
	keys := map[string]bool{}
	for _, kv := range add {
		k, _, _ := strings.Cut(kv, "=")
		keys[k] = true
	}
	out := make([]string, 0, len(env)+len(add))
	for _, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); !keys[k] {
			out = append(out, kv)
		}
	}
	seen := map[string]int{}
	for _, kv := range add {
		k, _, _ := strings.Cut(kv, "=")
		if i, ok := seen[k]; ok {
			out[i] = kv
			continue
		}
		seen[k] = len(out)
		out = append(out, kv)
	}
	return out
}

// home is the HOME of the environment git runs with.
func (s *session) home() string {
	for _, kv := range s.env {
		if v, ok := strings.CutPrefix(kv, "HOME="); ok {
			return v
		}
	}
	return ""
}

func (s *session) println(line string) { io.WriteString(s.log, line+"\n") }

// mask hides the secrets the session knows of in text taken from git.
func (s *session) mask(text string) string {
	for _, m := range s.masks {
		if len(m) >= 3 {
			text = strings.ReplaceAll(text, m, "****")
		}
	}
	return text
}

// run runs one git command, printing " > git … # timeout=N" first as
// the git client plugin does, and returns its standard output.
func (s *session) run(c cmd) (string, error) {
	timeout := c.timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	shown := c.shown
	if shown == nil {
		shown = c.args
	}
	command := GitExe + " " + strings.Join(shown, " ")
	if !c.quiet {
		s.println(" > " + command + " # timeout=" + strconv.Itoa(timeout))
	}
	ctx, cancel := context.WithTimeout(s.ctx, time.Duration(timeout)*time.Minute)
	defer cancel()
	env := s.env
	if len(c.env) > 0 {
		env = withEnv(s.env, c.env...)
	}
	var stdout, stderr capped
	var out io.Writer = &stdout
	if c.stdout != nil {
		out = c.stdout
	}
	var errOut io.Writer = &stderr
	if c.stderr != nil {
		errOut = io.MultiWriter(&stderr, c.stderr)
	}
	argv := append([]string{GitExe}, c.args...)
	status, err := s.r.Run(ctx, c.dir, env, argv, out, errOut)
	if err != nil && s.ctx.Err() == nil && ctx.Err() == context.DeadlineExceeded {
		s.println("ERROR: Timeout after " + strconv.Itoa(timeout) + " minutes")
		err = fmt.Errorf("timed out after %d minutes", timeout)
	}
	if err != nil || status != 0 {
		if err != nil {
			status = -1
		}
		return stdout.String(), &CommandError{Command: command, Status: status,
			Stdout: s.mask(stdout.String()), Stderr: s.mask(stderr.String()), Err: err}
	}
	return stdout.String(), nil
}

// git runs a printed git command in dir.
func (s *session) git(dir string, args ...string) (string, error) {
	return s.run(cmd{dir: dir, args: args})
}

// quiet runs a git command without printing it.
func (s *session) quiet(dir string, args ...string) (string, error) {
	return s.run(cmd{dir: dir, args: args, quiet: true})
}

var versionRE = regexp.MustCompile(`(\d+)\.(\d+)(?:\.(\d+))?`)

// ensureVersion runs "git --version" once, printing both lines the
// git client plugin prints.
func (s *session) ensureVersion(dir string) error {
	if s.version != nil {
		return nil
	}
	out, err := s.run(cmd{dir: dir, args: []string{"--version"}})
	if err != nil {
		return err
	}
	out = strings.TrimSpace(out)
	s.println(" > git --version # '" + out + "'")
	s.version = []int{0, 0, 0}
	if m := versionRE.FindStringSubmatch(out); m != nil {
		for i := 0; i < 3; i++ {
			s.version[i], _ = strconv.Atoi(m[i+1])
		}
	}
	return nil
}

// atLeast reports whether git is at least major.minor.
func (s *session) atLeast(major, minor int) bool {
	v := s.version
	return v != nil && (v[0] > major || v[0] == major && v[1] >= minor)
}
