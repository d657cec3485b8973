package git

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// Runner is how this package reaches the build's machine: every git
// command, every file it writes (keys, scripts, known_hosts) and every
// lock goes through it. The launcher implements it (locally today, over
// SSH on agents later); LocalRunner is the implementation on this
// machine. Paths are the build machine's.
type Runner interface {
	// Run starts argv[0] with the arguments argv[1:] in dir, with exactly
	// the environment env, copies its output to stdout and stderr, and
	// waits for it. When ctx is done the process and its children are
	// killed and ctx's error is returned. exitCode is the process's exit
	// status when it ran to its end (err is nil then, whatever the
	// status); err reports that it could not be started or was killed.
	Run(ctx context.Context, dir string, env []string, argv []string, stdout, stderr io.Writer) (exitCode int, err error)
	// WriteFile creates (or truncates) a file with exactly mode perm.
	WriteFile(path string, data []byte, perm fs.FileMode) error
	// ReadFile reads a whole file; errors satisfy errors.Is(err,
	// fs.ErrNotExist) when it does not exist.
	ReadFile(path string) ([]byte, error)
	// Mkdir creates one directory with mode perm, failing (fs.ErrExist)
	// if it exists.
	Mkdir(path string, perm fs.FileMode) error
	// MkdirAll creates a directory and its parents.
	MkdirAll(path string, perm fs.FileMode) error
	// RemoveAll removes a path and anything below it; a missing path is
	// not an error.
	RemoveAll(path string) error
	// ReadDir lists the names in a directory.
	ReadDir(path string) ([]string, error)
	// Stat reports whether path exists and is a directory.
	Stat(path string) (exists, isDir bool, err error)
	// Lock takes an exclusive lock on the file at path (creating it),
	// waiting until it is free or ctx is done. The lock must exclude
	// other processes too (flock(2) on the file): two jeeves processes
	// may share a build machine. unlock releases it.
	Lock(ctx context.Context, path string) (unlock func(), err error)
}

// LocalRunner runs commands and touches files on this machine. Each
// command runs in a new session (so no terminal can be asked anything,
// and its whole process group is killed on cancel).
type LocalRunner struct{}

// Run implements Runner.
func (LocalRunner) Run(ctx context.Context, dir string, env []string, argv []string, stdout, stderr io.Writer) (int, error) {
	if len(argv) == 0 {
		return -1, errors.New("no command")
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = env
	if env == nil {
		cmd.Env = []string{}
	}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	// A grandchild (ssh) holding the output pipes must not keep Wait
	// waiting once the group was killed.
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if ctx.Err() != nil {
		return -1, ctx.Err()
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		if exit.ExitCode() >= 0 {
			return exit.ExitCode(), nil
		}
		return -1, err
	}
	if err != nil {
		return -1, err
	}
	return 0, nil
}

// WriteFile implements Runner.
func (LocalRunner) WriteFile(path string, data []byte, perm fs.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// ReadFile implements Runner.
func (LocalRunner) ReadFile(path string) ([]byte, error) { return os.ReadFile(path) }

// Mkdir implements Runner.
func (LocalRunner) Mkdir(path string, perm fs.FileMode) error {
	if err := os.Mkdir(path, perm); err != nil {
		return err
	}
	return os.Chmod(path, perm) // not narrowed by the umask
}

// MkdirAll implements Runner.
func (LocalRunner) MkdirAll(path string, perm fs.FileMode) error { return os.MkdirAll(path, perm) }

// RemoveAll implements Runner. Directories without write permission
// (a read-only tree left by a build) are made writable first.
func (LocalRunner) RemoveAll(path string) error {
	err := os.RemoveAll(path)
	if err == nil || !errors.Is(err, fs.ErrPermission) {
		return err
	}
	_ = fsWalkChmod(path)
	return os.RemoveAll(path)
}

func fsWalkChmod(root string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			_ = os.Chmod(p, 0o700)
		}
		return nil
	})
}

// ReadDir implements Runner.
func (LocalRunner) ReadDir(path string) ([]string, error) {
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name()
	}
	return names, nil
}

// Stat implements Runner.
func (LocalRunner) Stat(path string) (bool, bool, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, false, nil
	}
	if err != nil {
		return false, false, err
	}
	return true, fi.IsDir(), nil
}

// Lock implements Runner with flock(2), polling while another holds it.
func (LocalRunner) Lock(ctx context.Context, path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	wait := time.Millisecond
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() {
				_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
				f.Close()
			}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			f.Close()
			return nil, ctx.Err()
		case <-t.C:
		}
		if wait < 100*time.Millisecond {
			wait *= 2
		}
	}
}
