// Package local is the launcher of the built-in node: builds run as
// jeeves's own child processes, each in its own process group, and the
// processes a build leaves behind are found by their cookie in /proc.
package local

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/jeeves-ci/jeeves/internal/launcher"
)

// Launcher runs processes and touches files on this machine.
type Launcher struct {
	mu sync.Mutex
	// scopes narrows the next KillAll of a cookie to the processes
	// started since the first one that carried it. KillAll drops the
	// entry.
	scopes map[string]scope
}

var (
	_ launcher.Launcher = (*Launcher)(nil)
	_ launcher.Rooter   = (*Launcher)(nil)
)

// New returns the local launcher.
func New() *Launcher { return &Launcher{scopes: map[string]scope{}} }

// Start implements launcher.Launcher. The process leads a new process
// group. An *os.File given as its output is the process's own output,
// so no byte of it passes through jeeves; any other writer is fed from a
// pipe, and the process's Wait then does not wait more than a second for
// a process it left behind holding that pipe.
func (l *Launcher) Start(_ context.Context, p launcher.Proc) (launcher.Process, error) {
	if len(p.Argv) == 0 {
		return nil, errors.New("no program to run")
	}
	cmd := exec.Command(p.Argv[0], p.Argv[1:]...)
	cmd.Dir = p.Dir
	cmd.Env = p.Env
	if p.Cookie != "" {
		// Clip: builds start at once and must not share the slice's
		// spare capacity.
		cmd.Env = append(cmd.Env[:len(cmd.Env):len(cmd.Env)], launcher.CookieVar+"="+p.Cookie)
	}
	if p.Stdin != nil {
		cmd.Stdin = p.Stdin
	}
	if p.Stdout != nil {
		cmd.Stdout = p.Stdout
	}
	if p.Stderr != nil {
		cmd.Stderr = p.Stderr
	}
	if piped(p.Stdin) || piped(p.Stdout) || piped(p.Stderr) {
		// The output goes through a pipe: a daemon the process leaves
		// behind holds it open, and Wait must not wait for the daemon.
		cmd.WaitDelay = time.Second
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	started := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	if p.Cookie != "" {
		l.mu.Lock()
		if _, ok := l.scopes[p.Cookie]; !ok {
			l.scopes[p.Cookie] = scope{first: cmd.Process.Pid, since: started}
		}
		l.mu.Unlock()
	}
	pr := &process{cmd: cmd, grouped: p.Cookie == "", done: make(chan struct{})}
	go pr.wait()
	return pr, nil
}

// piped reports whether os/exec copies v through a pipe: it is set and
// is not a file.
func piped(v any) bool {
	if v == nil {
		return false
	}
	_, file := v.(*os.File)
	return !file
}

// process is a started child.
type process struct {
	cmd *exec.Cmd
	// grouped: the process has no cookie, so what it leaves in its
	// process group is killed when it exits.
	grouped bool
	done    chan struct{}
	code    int
	err     error
}

func (p *process) wait() {
	err := p.cmd.Wait()
	if p.grouped {
		// Whatever the process left running in its group goes with it.
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	}
	var exit *exec.ExitError
	switch {
	case err == nil || errors.Is(err, exec.ErrWaitDelay):
		// ErrWaitDelay: the process exited 0, but one it left behind
		// still holds its output pipe; the build's end deals with that.
		p.code = 0
	case errors.As(err, &exit):
		if p.code = exit.ExitCode(); p.code < 0 {
			p.code = 128 + int(exit.Sys().(syscall.WaitStatus).Signal())
		}
	default:
		p.code, p.err = -1, err
	}
	close(p.done)
}

func (p *process) Done() <-chan struct{} { return p.done }

func (p *process) Wait() (int, error) {
	<-p.done
	return p.code, p.err
}

// Kill implements launcher.Process: SIGTERM to the process group, then
// SIGKILL to it if the leader has not exited within grace.
func (p *process) Kill(grace time.Duration) error {
	pgid := p.cmd.Process.Pid
	syscall.Kill(-pgid, syscall.SIGTERM)
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-p.done:
	case <-t.C:
		syscall.Kill(-pgid, syscall.SIGKILL)
	}
	return nil
}

// KillAll implements launcher.Launcher by reading the environment of the
// processes in /proc. For a single cookie whose first process this
// launcher started less than a second ago, only the processes started
// since are read.
func (l *Launcher) KillAll(ctx context.Context, grace time.Duration, cookies ...string) (int, error) {
	var sc scope
	l.mu.Lock()
	if len(cookies) == 1 {
		sc = l.scopes[cookies[0]]
	}
	for _, c := range cookies {
		delete(l.scopes, c)
	}
	l.mu.Unlock()
	return killProcesses(ctx, grace, sc, cookies...)
}

// MkdirAll implements launcher.Launcher.
func (l *Launcher) MkdirAll(_ context.Context, dir string, perm fs.FileMode) error {
	return os.MkdirAll(dir, perm)
}

// MkdirTemp implements launcher.Launcher.
func (l *Launcher) MkdirTemp(_ context.Context, dir, pattern string) (string, error) {
	return os.MkdirTemp(dir, pattern)
}

// CreateTemp implements launcher.Launcher.
func (l *Launcher) CreateTemp(_ context.Context, dir, pattern string, r io.Reader) (string, error) {
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return "", err
	}
	_, err = io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// WriteFile implements launcher.Launcher.
func (l *Launcher) WriteFile(_ context.Context, name string, r io.Reader, perm fs.FileMode) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Open implements launcher.Launcher.
func (l *Launcher) Open(_ context.Context, name string) (io.ReadCloser, error) {
	return os.Open(name)
}

// Stat implements launcher.Launcher.
func (l *Launcher) Stat(_ context.Context, name string) (fs.FileInfo, error) {
	return os.Stat(name)
}

// ReadDir implements launcher.Launcher.
func (l *Launcher) ReadDir(_ context.Context, dir string) ([]fs.DirEntry, error) {
	return os.ReadDir(dir)
}

// Walk implements launcher.Launcher.
func (l *Launcher) Walk(ctx context.Context, root string, fn fs.WalkDirFunc) error {
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		return fn(path, d, err)
	})
}

// OpenRoot implements launcher.Rooter: the built-in node's files are
// jeeves's own.
func (l *Launcher) OpenRoot(dir string) (*os.Root, error) { return os.OpenRoot(dir) }

// Rename implements launcher.Launcher.
func (l *Launcher) Rename(_ context.Context, from, to string) error {
	return os.Rename(from, to)
}

// Remove implements launcher.Launcher.
func (l *Launcher) Remove(_ context.Context, name string) error {
	return os.Remove(name)
}

// RemoveAll implements launcher.Launcher like os.RemoveAll, also when a
// build left directories without write permission in the tree (Go's
// module cache, for one, is read-only).
func (l *Launcher) RemoveAll(_ context.Context, dir string) error {
	err := os.RemoveAll(dir)
	if err == nil || !errors.Is(err, fs.ErrPermission) {
		return err
	}
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(path, 0o700)
		}
		return nil
	})
	return os.RemoveAll(dir)
}
