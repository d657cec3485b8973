// Package sshlauncher is the launcher of a permanent agent reached over
// SSH: a thin adapter of internal/sshagent to the launcher interface.
// Every process runs durably on the agent (sshagent.Agent.Start): its
// Process is a launcher.Durable, and the Launcher a launcher.Reattacher
// that follows such a process again after jeeves restarted.
//
// The agent's connection comes from a Source, asked at each call: the
// nodes service replaces an agent's connection when it is disconnected
// and launched again, and a launcher (held by the node's workspaces and
// its running builds) must follow.
package sshlauncher

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jeeves-ci/jeeves/internal/launcher"
	"github.com/jeeves-ci/jeeves/internal/sshagent"
)

// Source gives the agent's connection, waiting (within ctx) while there
// is none.
type Source interface {
	Agent(ctx context.Context) (*sshagent.Agent, error)
}

// fixed is a Source of one connection.
type fixed struct{ a *sshagent.Agent }

func (f fixed) Agent(context.Context) (*sshagent.Agent, error) { return f.a, nil }

// Fixed is the Source of one connection that stays.
func Fixed(a *sshagent.Agent) Source { return fixed{a} }

// Launcher runs processes and touches files on one agent.
type Launcher struct {
	src Source

	// made remembers the directories MkdirAll made over the current
	// connection, so that a build's "make the workspace" costs no round
	// trip the second time: a step's start makes its working directory
	// anyway, should something have removed it meanwhile. Removing or
	// renaming through the launcher forgets what is below.
	mu   sync.Mutex
	conn *sshagent.Agent
	made map[string]bool
	// scopes narrows a build's end-of-build sweep: per cookie, the
	// lowest supervisor pid of the processes that carried it.
	scopes map[string]*scope
}

// scope is what the launcher knows of the processes that carried a
// cookie: the lowest pid of their supervisors, how many are still
// running, and whether one ended without its pid known.
type scope struct {
	first   int
	open    int
	unknown bool
}

var (
	_ launcher.Launcher      = (*Launcher)(nil)
	_ launcher.Reattacher    = (*Launcher)(nil)
	_ launcher.ScriptStarter = (*Launcher)(nil)
)

// New returns the launcher of the agent src connects to.
func New(src Source) *Launcher {
	return &Launcher{src: src, made: map[string]bool{}, scopes: map[string]*scope{}}
}

// maxScopes bounds the scopes kept (a build whose agent went away is
// never swept, and leaves its scope).
const maxScopes = 4096

// started notes a process started with cookie, and returns the
// SweepFrom a sweep after it may use.
func (l *Launcher) started(cookie string) int {
	if cookie == "" {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	sc := l.scopes[cookie]
	from := sshagent.SweepSelf
	switch {
	case sc == nil:
		if len(l.scopes) >= maxScopes {
			clear(l.scopes)
		}
		sc = &scope{}
		l.scopes[cookie] = sc
	case sc.open > 0 || sc.unknown || sc.first == 0:
		from = 0 // look at every process
	default:
		from = sc.first
	}
	sc.open++
	return from
}

// ended notes the end of a process started with cookie, whose
// supervisor had pid (0: unknown); swept: it swept the cookie, which is
// done with.
func (l *Launcher) ended(cookie string, pid int, swept bool) {
	if cookie == "" {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	sc := l.scopes[cookie]
	if sc == nil {
		return
	}
	if swept {
		delete(l.scopes, cookie)
		return
	}
	sc.open--
	switch {
	case pid == 0:
		sc.unknown = true
	case sc.first == 0 || pid < sc.first:
		sc.first = pid
	}
}

// known reports whether MkdirAll made dir over a's connection.
func (l *Launcher) known(a *sshagent.Agent, dir string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn != a {
		l.conn, l.made = a, map[string]bool{}
	}
	return l.made[path.Clean(dir)]
}

// remember records that dir exists.
func (l *Launcher) remember(a *sshagent.Agent, dir string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn == a {
		l.made[path.Clean(dir)] = true
	}
}

// forget forgets p and what is below it.
func (l *Launcher) forget(p string) {
	p = path.Clean(p)
	l.mu.Lock()
	defer l.mu.Unlock()
	for d := range l.made {
		if d == p || strings.HasPrefix(d, p+"/") || p == "/" {
			delete(l.made, d)
		}
	}
}

// offline is a step's loss, as the launcher reports it: the agent's own
// error, which is also launcher.ErrOffline.
type offline struct{ err error }

func (e *offline) Error() string        { return e.err.Error() }
func (e *offline) Unwrap() error        { return e.err }
func (e *offline) Is(target error) bool { return target == launcher.ErrOffline }

// process is a step on the agent.
type process struct {
	p      *sshagent.Process
	l      *Launcher
	cookie string
	once   *sync.Once
}

func (l *Launcher) process(p *sshagent.Process, cookie string) process {
	return process{p: p, l: l, cookie: cookie, once: &sync.Once{}}
}

var (
	_ launcher.Durable = process{}
	_ launcher.Swept   = process{}
)

// Swept implements launcher.Swept.
func (p process) Swept() bool { return p.p.Swept() }

func (p process) Done() <-chan struct{} { return p.p.Done() }

// Wait implements launcher.Process: an agent that stayed away longer
// than its offline timeout gives an error wrapping launcher.ErrOffline.
func (p process) Wait() (int, error) {
	code, err := p.p.Wait()
	if p.l != nil {
		p.once.Do(func() { p.l.ended(p.cookie, p.p.Pid(), p.p.Swept()) })
	}
	if err == nil {
		return code, nil
	}
	if code == 0 {
		code = -1
	}
	if errors.Is(err, sshagent.ErrAgentWentOffline) {
		return code, &offline{err}
	}
	return code, err
}

// Kill implements launcher.Process: TERM to the step's process group,
// KILL after grace.
func (p process) Kill(grace time.Duration) error { return p.p.Stop(grace) }

// Handle implements launcher.Durable: the step's control directory.
func (p process) Handle() string { return p.p.ControlDir() }

// Offset implements launcher.Durable.
func (p process) Offset() int64 { return p.p.Offset() }

// Detach implements launcher.Durable.
func (p process) Detach() bool { return p.p.Detach() }

// Start implements launcher.Launcher: the process runs durably, its
// stdout and stderr merged into Stdout (Stderr when Stdout is nil).
func (l *Launcher) Start(ctx context.Context, pr launcher.Proc) (launcher.Process, error) {
	a, err := l.src.Agent(ctx)
	if err != nil {
		return nil, err
	}
	from := l.started(pr.Cookie)
	p, err := a.Start(ctx, sshagent.Proc{
		Argv: pr.Argv, Dir: pr.Dir, Env: pr.Env, Stdin: pr.Stdin,
		Stdout: pr.Stdout, Stderr: pr.Stderr, Cookie: pr.Cookie, KillAfter: pr.KillAllAfter, SweepFrom: from,
	})
	if err != nil {
		l.ended(pr.Cookie, 0, false)
		return nil, err
	}
	return l.process(p, pr.Cookie), nil
}

// StartScript implements launcher.ScriptStarter: the script is written
// in the step's control directory (sshagent.ScriptPathFor) by the
// command that starts the step.
func (l *Launcher) StartScript(ctx context.Context, pr launcher.Proc, script []byte, announce func(path string)) (launcher.Process, error) {
	a, err := l.src.Agent(ctx)
	if err != nil {
		return nil, err
	}
	id := sshagent.NewID()
	file := sshagent.ScriptPathFor(pr.Dir, id)
	argv := make([]string, len(pr.Argv))
	for i, arg := range pr.Argv {
		if arg == launcher.ScriptArg {
			arg = file
		}
		argv[i] = arg
	}
	if announce != nil {
		announce(file)
	}
	from := l.started(pr.Cookie)
	p, err := a.Start(ctx, sshagent.Proc{
		Argv: argv, Dir: pr.Dir, Env: pr.Env, Stdin: pr.Stdin,
		Stdout: pr.Stdout, Stderr: pr.Stderr, Cookie: pr.Cookie, KillAfter: pr.KillAllAfter, SweepFrom: from,
		ID: id, Script: script,
	})
	if err != nil {
		l.ended(pr.Cookie, 0, false)
		return nil, err
	}
	return l.process(p, pr.Cookie), nil
}

// Lock implements launcher.Locker: a lock helper holds the lock over a
// session of its own (sshagent.Agent.Lock).
func (l *Launcher) Lock(ctx context.Context, path string) (func(), error) {
	a, err := l.src.Agent(ctx)
	if err != nil {
		return nil, err
	}
	return a.Lock(ctx, path)
}

// Reattach implements launcher.Reattacher.
func (l *Launcher) Reattach(ctx context.Context, handle string, offset int64, out io.Writer) (launcher.Process, error) {
	a, err := l.src.Agent(ctx)
	if err != nil {
		return nil, err
	}
	p, err := a.Attach(ctx, handle, offset, out)
	if err != nil {
		return nil, err
	}
	return process{p: p, once: &sync.Once{}}, nil
}

// KillAll implements launcher.Launcher.
func (l *Launcher) KillAll(ctx context.Context, grace time.Duration, cookies ...string) (int, error) {
	if len(cookies) == 0 {
		return 0, nil
	}
	a, err := l.src.Agent(ctx)
	if err != nil {
		return 0, err
	}
	l.mu.Lock()
	for _, c := range cookies {
		delete(l.scopes, c)
	}
	l.mu.Unlock()
	return a.KillAll(ctx, grace, cookies...)
}

// MkdirAll implements launcher.Launcher.
func (l *Launcher) MkdirAll(ctx context.Context, dir string, perm fs.FileMode) error {
	a, err := l.src.Agent(ctx)
	if err != nil {
		return err
	}
	if l.known(a, dir) {
		return nil
	}
	if err := a.MkdirAll(ctx, dir, perm); err != nil {
		return err
	}
	l.remember(a, dir)
	return nil
}

// MkdirTemp implements launcher.Launcher.
func (l *Launcher) MkdirTemp(ctx context.Context, dir, pattern string) (string, error) {
	a, err := l.src.Agent(ctx)
	if err != nil {
		return "", err
	}
	return a.MkdirTemp(ctx, dir, pattern)
}

// CreateTemp implements launcher.Launcher.
func (l *Launcher) CreateTemp(ctx context.Context, dir, pattern string, r io.Reader) (string, error) {
	a, err := l.src.Agent(ctx)
	if err != nil {
		return "", err
	}
	return a.CreateTemp(ctx, dir, pattern, r)
}

// WriteFile implements launcher.Launcher.
func (l *Launcher) WriteFile(ctx context.Context, name string, r io.Reader, perm fs.FileMode) error {
	a, err := l.src.Agent(ctx)
	if err != nil {
		return err
	}
	return a.WriteFile(ctx, name, r, perm)
}

// Open implements launcher.Launcher.
func (l *Launcher) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	a, err := l.src.Agent(ctx)
	if err != nil {
		return nil, err
	}
	return a.Open(ctx, name)
}

// Stat implements launcher.Launcher.
func (l *Launcher) Stat(ctx context.Context, name string) (fs.FileInfo, error) {
	a, err := l.src.Agent(ctx)
	if err != nil {
		return nil, err
	}
	return a.Stat(ctx, name)
}

// ReadDir implements launcher.Launcher.
func (l *Launcher) ReadDir(ctx context.Context, dir string) ([]fs.DirEntry, error) {
	a, err := l.src.Agent(ctx)
	if err != nil {
		return nil, err
	}
	return a.ReadDir(ctx, dir)
}

// Walk implements launcher.Launcher: the tree is listed in one command,
// then walked as fs.WalkDir walks, each directory's entries in lexical
// order.
func (l *Launcher) Walk(ctx context.Context, root string, fn fs.WalkDirFunc) error {
	a, err := l.src.Agent(ctx)
	if err != nil {
		return err
	}
	root = path.Clean(root)
	var rootInfo fs.FileInfo
	children := map[string][]fs.DirEntry{}
	err = a.Walk(ctx, root, func(p string, fi fs.FileInfo, err error) error {
		if err != nil {
			return err
		}
		p = path.Clean(p)
		if p == root {
			rootInfo = fi
			return nil
		}
		dir := path.Dir(p)
		children[dir] = append(children[dir], fs.FileInfoToDirEntry(fi))
		return nil
	})
	if err != nil {
		if rootInfo == nil {
			// fs.WalkDir calls fn once for a root it cannot read.
			if err = fn(root, nil, err); err == fs.SkipDir || err == fs.SkipAll {
				return nil
			}
		}
		return err
	}
	for _, list := range children {
		slices.SortFunc(list, func(x, y fs.DirEntry) int { return strings.Compare(x.Name(), y.Name()) })
	}
	err = walk(ctx, root, fs.FileInfoToDirEntry(rootInfo), children, fn)
	if err == fs.SkipDir || err == fs.SkipAll {
		return nil
	}
	return err
}

// walk is fs.WalkDir's walkDir over a listed tree.
func walk(ctx context.Context, p string, d fs.DirEntry, children map[string][]fs.DirEntry, fn fs.WalkDirFunc) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := fn(p, d, nil); err != nil || !d.IsDir() {
		if err == fs.SkipDir && d.IsDir() {
			err = nil
		}
		return err
	}
	for _, c := range children[p] {
		if err := walk(ctx, path.Join(p, c.Name()), c, children, fn); err != nil {
			if err == fs.SkipDir {
				break
			}
			return err
		}
	}
	return nil
}

// Rename implements launcher.Launcher.
func (l *Launcher) Rename(ctx context.Context, from, to string) error {
	a, err := l.src.Agent(ctx)
	if err != nil {
		return err
	}
	l.forget(from)
	l.forget(to)
	return a.Rename(ctx, from, to)
}

// Remove implements launcher.Launcher.
func (l *Launcher) Remove(ctx context.Context, name string) error {
	a, err := l.src.Agent(ctx)
	if err != nil {
		return err
	}
	l.forget(name)
	return a.Remove(ctx, name)
}

// RemoveAll implements launcher.Launcher.
func (l *Launcher) RemoveAll(ctx context.Context, p string) error {
	a, err := l.src.Agent(ctx)
	if err != nil {
		return err
	}
	l.forget(p)
	return a.RemoveAll(ctx, p)
}
