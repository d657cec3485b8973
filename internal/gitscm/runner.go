package gitscm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"sync"
	"time"

	"github.com/jeeves-ci/jeeves/internal/git"
	"github.com/jeeves-ci/jeeves/internal/launcher"
)

// killGrace is how long a cancelled or timed-out git command's process
// group gets between SIGTERM and SIGKILL.
const killGrace = 2 * time.Second

// maxReadFile bounds what ReadFile reads of one file (the files git's
// checkout reads are a few lines: alternates, mirror ids).
const maxReadFile = 1 << 20

// Runner is git.Runner over a launcher.Launcher: every git command, every
// file and every lock of a checkout or a poll goes to the build's machine
// through its launcher, so that the same code checks out on the built-in
// node and on an agent.
//
// File modes are what the launcher creates (perm less the machine's
// umask): a file is removed before it is written, so that it is always
// created, never truncated with an older mode. The modes git asks for
// (0400, 0500, 0644, 0700) lose nothing to a usual umask.
type Runner struct {
	L launcher.Launcher
	// Ctx bounds the file operations (git.Runner's file methods take no
	// context): the build's or the poll's.
	Ctx context.Context
	// Dir is where a command given no directory runs ("/" when empty):
	// a launcher needs an existing working directory.
	Dir string
	// Env is the environment of the lock helper (flock): at least PATH.
	Env []string
}

var _ git.Runner = (*Runner)(nil)

func (r *Runner) ctx() context.Context {
	if r.Ctx == nil {
		return context.Background()
	}
	return r.Ctx
}

func (r *Runner) dir(d string) string {
	switch {
	case d != "":
		return d
	case r.Dir != "":
		return r.Dir
	}
	return "/"
}

// Run implements git.Runner. The command leads a process group of its
// own (the launcher's rule): when ctx ends, the whole group is stopped,
// ssh and git's helpers included.
func (r *Runner) Run(ctx context.Context, dir string, env []string, argv []string, stdout, stderr io.Writer) (int, error) {
	if len(argv) == 0 {
		return -1, errors.New("no command")
	}
	if env == nil {
		env = []string{} // nil would inherit jeeves's own environment on the built-in node
	}
	p, err := r.L.Start(ctx, launcher.Proc{Argv: argv, Dir: r.dir(dir), Env: env, Stdout: stdout, Stderr: stderr})
	if err != nil {
		return -1, err
	}
	select {
	case <-p.Done():
	case <-ctx.Done():
		_ = p.Kill(killGrace)
		<-p.Done()
		return -1, ctx.Err()
	}
	code, err := p.Wait()
	if err != nil {
		return -1, err
	}
	return code, nil
}

// WriteFile implements git.Runner.
func (r *Runner) WriteFile(path string, data []byte, perm fs.FileMode) error {
	if err := r.L.Remove(r.ctx(), path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return r.L.WriteFile(r.ctx(), path, bytes.NewReader(data), perm)
}

// ReadFile implements git.Runner.
func (r *Runner) ReadFile(path string) ([]byte, error) {
	f, err := r.L.Open(r.ctx(), path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxReadFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxReadFile {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, maxReadFile)
	}
	return data, nil
}

// Mkdir implements git.Runner. The launcher has no exclusive mkdir: the
// directory is refused if it exists, then made. git makes its private
// directories with random names inside directories of the build's own,
// where nobody else can race it.
func (r *Runner) Mkdir(path string, perm fs.FileMode) error {
	if exists, _, err := r.Stat(path); err != nil {
		return err
	} else if exists {
		return &fs.PathError{Op: "mkdir", Path: path, Err: fs.ErrExist}
	}
	return r.L.MkdirAll(r.ctx(), path, perm)
}

// MkdirAll implements git.Runner.
func (r *Runner) MkdirAll(path string, perm fs.FileMode) error {
	return r.L.MkdirAll(r.ctx(), path, perm)
}

// RemoveAll implements git.Runner.
func (r *Runner) RemoveAll(path string) error { return r.L.RemoveAll(r.ctx(), path) }

// ReadDir implements git.Runner.
func (r *Runner) ReadDir(path string) ([]string, error) {
	entries, err := r.L.ReadDir(r.ctx(), path)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name()
	}
	return names, nil
}

// Stat implements git.Runner.
func (r *Runner) Stat(path string) (bool, bool, error) {
	fi, err := r.L.Stat(r.ctx(), path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, false, nil
	}
	if err != nil {
		return false, false, err
	}
	return true, fi.IsDir(), nil
}

// lockedLine is what the lock helper prints once it holds the lock.
const lockedLine = "locked"

// Lock implements git.Runner with flock(1) on the build's machine: a
// helper process takes the lock (flock(2), so it excludes every process
// there, another jeeves's included) and holds it until its input is
// closed, which unlock does. A jeeves that dies closes it too, so a lock
// is never left behind. A launcher that is a launcher.Locker (an SSH
// agent's, whose processes read their input whole before they start)
// takes the lock itself.
func (r *Runner) Lock(ctx context.Context, path string) (func(), error) {
	if lk, ok := r.L.(launcher.Locker); ok {
		return lk.Lock(ctx, path)
	}
	in, feed := io.Pipe()
	held := &lineSignal{want: lockedLine, ch: make(chan struct{})}
	var stderr bytes.Buffer
	env := r.Env
	if env == nil {
		env = []string{"PATH=/usr/local/bin:/usr/bin:/bin"}
	}
	p, err := r.L.Start(ctx, launcher.Proc{
		Argv:  []string{"flock", path, "sh", "-c", "echo " + lockedLine + "; exec cat >/dev/null"},
		Dir:   r.dir(""),
		Env:   env,
		Stdin: in, Stdout: held, Stderr: &lockedBuffer{b: &stderr},
	})
	if err != nil {
		feed.Close()
		return nil, fmt.Errorf("cannot lock %s: %w", path, err)
	}
	select {
	case <-held.ch:
		var once sync.Once
		return func() {
			once.Do(func() {
				feed.Close()
				select {
				case <-p.Done():
				case <-time.After(5 * time.Second):
					_ = p.Kill(0)
				}
				_, _ = p.Wait()
			})
		}, nil
	case <-p.Done():
		feed.Close()
		code, werr := p.Wait()
		if code == 127 {
			return nil, fmt.Errorf("cannot lock %s: flock(1) is not installed on the build machine (util-linux)", path)
		}
		return nil, fmt.Errorf("cannot lock %s: flock exited with %d (%v): %s", path, code, werr, strings.TrimSpace(stderr.String()))
	case <-ctx.Done():
		feed.Close()
		_ = p.Kill(0)
		_, _ = p.Wait()
		return nil, ctx.Err()
	}
}

// lineSignal closes ch once want has been written as a line.
type lineSignal struct {
	mu   sync.Mutex
	buf  []byte
	want string
	ch   chan struct{}
	done bool
}

func (s *lineSignal) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return len(p), nil
	}
	s.buf = append(s.buf, p...)
	if len(s.buf) > 4096 {
		s.buf = s.buf[len(s.buf)-4096:]
	}
	if bytes.Contains(s.buf, []byte(s.want+"\n")) {
		s.done = true
		close(s.ch)
	}
	return len(p), nil
}

// lockedBuffer is a buffer safe to write from the launcher's goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  *bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.b.Len() < 4096 {
		l.b.Write(p)
	}
	return len(p), nil
}
