// Package runner runs one freestyle build: each shell step as
// `/bin/sh -xe <script>` in the job's workspace, with Jenkins's
// environment, writing the console log Jenkins writes. Before the steps,
// the log names each element of the job's config.xml that jeeves does
// not run; an SCM or a build step among them fails the build unrun.
package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/jeeves-ci/jeeves/internal/model"
)

// Shell is the interpreter for shell steps, as Jenkins's default.
const Shell = "/bin/sh"

// KillGrace is how long a stopped build's processes get between SIGTERM
// and SIGKILL.
const KillGrace = 3 * time.Second

// Spec is everything one build needs.
type Spec struct {
	Job       *model.Job
	Build     *model.Build
	Workspace string
	TmpDir    string   // where step scripts are written
	Env       []string // the full environment, Jenkins's variables included
	Log       io.Writer
	// Cookie marks the build's processes (JENKINS_NODE_COOKIE): when the
	// build ends or is stopped, every process still carrying it is killed.
	// Empty: only each step's process group is killed.
	Cookie string
	// BeforeFinish, when set, is called once the steps are over, with the
	// log and the build's result, before the log's "Finished:" line: what
	// Jenkins's publishers print (downstream triggers) goes there.
	BeforeFinish func(log io.Writer, result model.Result)
}

// Aborted is the cause a build's context is cancelled with when someone
// stops it; By names who. Reason, when set, is the log's line instead of
// "Aborted by …".
type Aborted struct{ By, Reason string }

func (a *Aborted) Error() string {
	if a.Reason != "" {
		return a.Reason
	}
	return "aborted by " + a.By
}

// errWriter remembers the first error writing the log (a full disk).
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	n, err := e.w.Write(p)
	if err != nil && e.err == nil {
		e.err = err
	}
	return n, err
}

// Run executes the build's steps and returns its result. Cancelling ctx
// with an *Aborted cause (context.WithCancelCause) stops the running step
// by killing its whole process group and ends the build ABORTED.
//
// logErr is the first error writing the log (a full disk): the build is
// then at best a FAILURE, since its output is incomplete, and no step
// runs if not even the log's first lines could be written.
func Run(ctx context.Context, spec Spec) (result model.Result, logErr error) {
	log := &errWriter{w: spec.Log}
	started := time.Now()
	firstPid := 0 // of the first step's process; 0 while none ran
	for _, c := range spec.Build.Causes {
		fmt.Fprintln(log, c.Description())
	}
	if len(spec.Build.Causes) == 0 {
		fmt.Fprintln(log, "Started")
	}
	fmt.Fprintln(log, "Running as SYSTEM")
	fmt.Fprintf(log, "Building in workspace %s\n", spec.Workspace)
	result = model.Success
	if log.err != nil {
		result = model.Failure
	} else if err := os.MkdirAll(spec.Workspace, 0o700); err != nil {
		fmt.Fprintf(log, "ERROR: cannot create the workspace: %v\n", err)
		result = model.Failure
	}
	if result == model.Success && !reportUnsupported(log, spec.Job.Config.Unsupported) {
		result = model.Failure
	}
	for _, step := range spec.Job.Config.Builders {
		if result != model.Success && result != model.Unstable {
			break
		}
		if !step.IsShell() {
			// Unsupported lists it; a config built without Parse may not.
			fmt.Fprintf(log, "ERROR: jeeves cannot run %s: %s\n", step.Class, cannotRun[model.KindBuilder])
			result = model.Failure
			break
		}
		if ctx.Err() != nil {
			result = model.Aborted
			break
		}
		code, err := runShell(ctx, spec, log, step.Command, &firstPid)
		switch {
		case ctx.Err() != nil:
			result = model.Aborted
		case err != nil:
			fmt.Fprintf(log, "ERROR: %v\n", err)
			fmt.Fprintln(log, "Build step 'Execute shell' marked build as failure")
			result = model.Failure
		case code == 0:
		case step.UnstableReturn != 0 && code == step.UnstableReturn:
			fmt.Fprintln(log, "Build step 'Execute shell' changed build result to UNSTABLE")
			result = model.Unstable
		default:
			fmt.Fprintln(log, "Build step 'Execute shell' marked build as failure")
			result = model.Failure
		}
	}
	// Jenkins's rule: nothing the build started outlives it, unless it
	// opted out with dontKillMe.
	if spec.Cookie != "" && firstPid != 0 {
		killProcesses(KillGrace, scope{first: firstPid, since: started}, spec.Cookie)
	}
	if result == model.Aborted || ctx.Err() != nil {
		result = model.Aborted
		fmt.Fprintln(log, "Build was aborted")
		var a *Aborted
		if errors.As(context.Cause(ctx), &a) {
			if a.Reason != "" {
				fmt.Fprintln(log, a.Reason)
			} else {
				fmt.Fprintf(log, "Aborted by %s\n", a.By)
			}
		}
	}
	if log.err != nil && result != model.Aborted {
		result = model.Failure
	}
	if spec.BeforeFinish != nil {
		spec.BeforeFinish(log, result)
	}
	fmt.Fprintf(log, "Finished: %s\n", result)
	return result, log.err
}

// cannotRun says why a build fails rather than run without an element of
// that kind.
var cannotRun = map[string]string{
	model.KindSCM:     "the build steps would run without the checkout they expect, so the build does not run",
	model.KindBuilder: "skipping this step would report a result the build did not earn, so the build does not run",
}

// reportUnsupported writes a line for each element of the config.xml that
// jeeves does not run, before any step: a warning for those a build can
// do without, an error for an SCM or a build step. It reports whether
// the build may run its steps.
func reportUnsupported(log io.Writer, list []model.Unsupported) (ok bool) {
	ok = true
	for _, u := range list {
		switch {
		case u.Fails():
			fmt.Fprintf(log, "ERROR: jeeves cannot run %s: %s\n", u, cannotRun[u.Kind])
			ok = false
		case u.Kind == model.KindParameter:
			fmt.Fprintf(log, "WARNING: jeeves does not run %s; the build gets its value as a string parameter\n", u)
		default:
			fmt.Fprintf(log, "WARNING: jeeves does not run %s; it is kept in config.xml but ignored\n", u)
		}
	}
	return ok
}

// runShell runs one shell step and returns its exit code. err is set only
// when the step could not be started at all.
func runShell(ctx context.Context, spec Spec, log io.Writer, command string, firstPid *int) (int, error) {
	script := strings.ReplaceAll(command, "\r\n", "\n")
	var argv []string
	f, err := os.CreateTemp(spec.TmpDir, "jeeves*.sh")
	if err != nil {
		return -1, fmt.Errorf("cannot write the step's script: %w", err)
	}
	defer os.Remove(f.Name())
	if strings.HasPrefix(script, "#!") {
		line, _, _ := strings.Cut(script[2:], "\n")
		argv = append(strings.Fields(line), f.Name())
	} else {
		script = "\n" + script
		argv = []string{Shell, "-xe", f.Name()}
	}
	_, werr := f.WriteString(script)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return -1, fmt.Errorf("cannot write the step's script: %w", werr)
	}
	if len(argv) < 2 {
		return -1, errors.New("the script's #! line names no interpreter")
	}
	fmt.Fprintf(log, "[%s] $ %s\n", filepath.Base(spec.Workspace), quoteArgs(argv))

	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = spec.Workspace
	cmd.Env = spec.Env
	if spec.Cookie != "" {
		cmd.Env = append(cmd.Env[:len(cmd.Env):len(cmd.Env)], CookieVar+"="+spec.Cookie)
	}
	cmd.Stdout, cmd.Stderr = spec.Log, spec.Log
	if _, direct := spec.Log.(*os.File); !direct {
		// The output goes through a pipe: a daemon the step leaves behind
		// holds it open, and the step must not wait for the daemon.
		cmd.WaitDelay = time.Second
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return -1, err
	}
	if *firstPid == 0 {
		*firstPid = cmd.Process.Pid
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	var werr2 error
	select {
	case werr2 = <-waited:
	case <-ctx.Done():
		if spec.Cookie != "" {
			KillProcesses(KillGrace, spec.Cookie)
		} else {
			killGroup(cmd.Process.Pid, waited)
		}
		werr2 = <-waited
	}
	if spec.Cookie == "" {
		// Whatever the step left running in its group goes with it.
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	if werr2 == nil || errors.Is(werr2, exec.ErrWaitDelay) {
		// ErrWaitDelay: the step succeeded, but a process it left behind
		// still holds its output pipe; the build's end deals with that.
		return 0, nil
	}
	var exit *exec.ExitError
	if errors.As(werr2, &exit) {
		if code := exit.ExitCode(); code >= 0 {
			return code, nil
		}
		return 128 + int(exit.Sys().(syscall.WaitStatus).Signal()), nil
	}
	return -1, werr2
}

// killGroup sends SIGTERM to the process group, then SIGKILL if the
// leader has not gone within KillGrace. It puts the leader's exit back on
// waited for the caller.
func killGroup(pgid int, waited chan error) {
	syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case err := <-waited:
		waited <- err
	case <-time.After(KillGrace):
		syscall.Kill(-pgid, syscall.SIGKILL)
	}
}

func quoteArgs(argv []string) string {
	out := make([]string, len(argv))
	for i, a := range argv {
		if strings.ContainsAny(a, " \t\"'") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		out[i] = a
	}
	return strings.Join(out, " ")
}
