package sshagent

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"
)

// The files of a step's control directory, named as durable-task names
// them (FileMonitoringTask).
const (
	LogFile    = "jenkins-log.txt"
	ResultFile = "jenkins-result.txt"
	ScriptFile = "script.sh"
	pidFile    = "pid"
	stopFile   = "stop"
	runFile    = "run.sh"
	stdinFile  = "stdin"
)

// CookieVar is the variable that marks a build's processes
// (workflow-durable-task-step's COOKIE_VAR); KillAll finds processes by
// it.
const CookieVar = "JENKINS_NODE_COOKIE"

// DontKillMe, as the value of BUILD_ID or JENKINS_NODE_COOKIE, spares a
// process from KillAll (Jenkins's ProcessTree escape).
const DontKillMe = "dontKillMe"

// Heartbeat is how often a step's supervisor touches its log; a log
// untouched for StaleAfter with no result means the supervisor died (the
// machine rebooted, or it was killed).
const (
	Heartbeat  = 3 * time.Second
	StaleAfter = 5 * Heartbeat
)

// SoftKillWait is how long KillAll waits between TERM and KILL (Jenkins's
// ProcessTree.softKillWaitSeconds).
const SoftKillWait = 5 * time.Second

// Proc is a process to start: the launcher's Proc.
type Proc struct {
	Argv []string
	// Dir is the working directory, absolute; the start makes it when it
	// is missing. The step's control directory is
	// Dir+"@tmp/durable-ID", as durable-task's.
	Dir string
	// Env is "NAME=value" pairs added to the agent user's login
	// environment. Names must be valid shell names.
	Env []string
	// Stdin, when not nil, is read whole and uploaded before the start.
	Stdin io.Reader
	// Stdout receives stdout and stderr merged, as durable-task logs
	// them; Stderr is used only when Stdout is nil.
	Stdout, Stderr io.Writer
	// Cookie is exported as JENKINS_NODE_COOKIE (when not empty).
	Cookie string
	// ID names the step (its control directory is ControlDirFor(Dir,
	// ID)): 1 to 32 lower-case hexadecimal digits, unique on the agent;
	// "" picks a random one.
	ID string
	// Script, when set, is written to the control directory as
	// ScriptFile (ScriptPathFor(Dir, ID)) before the step starts, in the
	// same command: Argv may run it.
	Script []byte
	// KillAfter, when set, kills every process carrying Cookie once the
	// step has exited (as KillAll does, with KillAfter between TERM and
	// KILL), before its end is reported; Process.Swept then says it was
	// done. A build's last step sweeps so in the same round trip.
	KillAfter time.Duration
	// SweepFrom narrows that sweep to the processes whose pid was handed
	// out since SweepFrom's (pids are handed out in increasing order;
	// should they have wrapped around since, or many processes have
	// started, all are looked at): the Pid of the first process that
	// carried the cookie. SweepSelf: none did before this step. 0: all
	// processes.
	SweepFrom int
}

// SweepSelf as Proc.SweepFrom says that no process carried the cookie
// before the step.
const SweepSelf = -1

// ScriptPathFor is where the Script of the step with the given id whose
// working directory is dir is written.
func ScriptPathFor(dir, id string) string { return ControlDirFor(dir, id) + "/" + ScriptFile }

var idRE = regexp.MustCompile(`^[0-9a-f]{1,32}$`)

// NewID is a step id for Proc.ID: random.
func NewID() string { return randomID() }

// randomID is 16 hex characters from crypto/rand.
func randomID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// runScript is the script the supervisor runs: exports, cd, exec.
func runScript(p Proc) (string, error) {
	var b strings.Builder
	for _, kv := range p.Env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || !envName.MatchString(k) {
			return "", fmt.Errorf("the environment variable %q cannot be exported by a POSIX shell", k)
		}
		b.WriteString("export " + k + "=" + shq(v) + "\n")
	}
	if p.Cookie != "" {
		b.WriteString("export " + CookieVar + "=" + shq(p.Cookie) + "\n")
	}
	b.WriteString("cd " + shq(p.Dir) + " || exit 1\nexec")
	for _, a := range p.Argv {
		b.WriteString(" " + shq(a))
	}
	b.WriteString("\n")
	return b.String(), nil
}

// heartbeat touches the log every Heartbeat until the result exists.
const heartbeat = `{ while sleep 3 && [ -d "$c" ] && [ ! -f "$c/` + ResultFile + `" ]; do touch "$c/` + LogFile + `"; done; }`

// sweepRange is the most pids a narrowed sweep probes one by one; more,
// and it reads every process's environment.
const sweepRange = 256

// sweepScript kills every process whose environment holds
// JENKINS_NODE_COOKIE set to one of cookies, sparing dontKillMe ones
// and the shell itself: TERM, then KILL to those alive after grace,
// then it waits up to 5 s for them to go. It leaves in $n how many it
// signalled. It uses the positional parameters.
func sweepScript(cookies []string, grace time.Duration, from string) string {
	pats := ""
	for _, c := range cookies {
		pats += " -e " + shq(CookieVar+"="+c)
	}
	ticks := max(int(grace/(100*time.Millisecond)), 1)
	find := `set -- $(grep -lzxF` + pats + ` /proc/[0-9]*/environ 2>/dev/null)
`
	if from != "" {
		// Only the processes started since from (pids from it up to the
		// last one handed out, that of a subshell forked now) can carry
		// the cookie: the
		// environment of those of them that are the agent user's alone is
		// read, when they are few (the pids did not wrap around since,
		// and not many processes started).
		find = `f0=` + from + `; : & l0=$!; wait $l0
set --
if [ -n "$l0" ] && [ "$l0" -ge "$f0" ] && [ $((l0 - f0)) -lt ` + strconv.Itoa(sweepRange) + ` ]; then
  q=$f0; while [ $q -le $l0 ]; do [ -O /proc/$q ] && set -- "$@" /proc/$q/environ; q=$((q+1)); done
  if [ $# -gt 0 ]; then set -- $(grep -lzxF` + pats + ` "$@" 2>/dev/null); fi
else
  ` + find + `fi
`
	}
	return find + `pids=
for f; do
  grep -qzxF -e BUILD_ID=` + DontKillMe + ` -e ` + CookieVar + `=` + DontKillMe + ` "$f" 2>/dev/null && continue
  q=${f#/proc/}; q=${q%/environ}
  [ "$q" = "$$" ] || pids="$pids $q"
done
n=0
for q in $pids; do kill -TERM $q 2>/dev/null && n=$((n+1)); done
alive() { left=; for q in $1; do grep -qs '^State:[[:space:]]*[^ZX]' /proc/$q/status && left="$left $q"; done; }
i=0; alive "$pids"
while [ -n "$left" ] && [ $i -lt ` + strconv.Itoa(ticks) + ` ]; do sleep 0.1; i=$((i+1)); alive "$left"; done
if [ -n "$left" ]; then
  for q in $left; do kill -KILL $q 2>/dev/null; done
  i=0; while [ -n "$left" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); alive "$left"; done
fi`
}

// runStep runs the step in a session of its own (its own process group,
// which Stop kills), records its pid, honours a Stop that came before
// the pid was known (its stop file: Stop writes it, then reads the pid
// file; runStep writes the pid file, then reads the stop file, so one of
// them signals the step), waits for it, sweeps its cookie
// when sweep is set (leaving s=swept), and writes its exit status ($r)
// to the result file. stdin is the shell word of its input.
func runStep(stdin, sweep string) string {
	s := `setsid sh "$c/` + runFile + `" <` + stdin + ` >>"$c/` + LogFile + `" 2>&1 &
p=$!
echo $p > "$c/` + pidFile + `"
if [ -f "$c/` + stopFile + `" ]; then kill -TERM -$p 2>/dev/null || kill -TERM $p 2>/dev/null; fi
wait $p; r=$?
s=-
`
	if sweep != "" {
		s += sweep + "\ns=swept\n"
	}
	// One write of a few bytes: a reader sees no result, an empty file
	// (no result yet either) or the whole status; no mv needed.
	return s + `echo $r > "$c/` + ResultFile + `"`
}

// supervisor is the sh script that runs a step durably when the launch
// does not watch it; $1 is the control directory, $2 the step's stdin.
// It runs in a session of its own (setsid), touches the log every
// Heartbeat, and at the end kills its own group (the heartbeat loop).
func supervisor(sweep string) string {
	return `c=$1; i=$2
` + heartbeat + ` &
` + runStep(`"$i"`, sweep) + `
kill -TERM -$$ 2>/dev/null`
}

// launchScript creates the control directory (and the working directory
// dir, should it be missing), copies run.sh and the step's script from
// stdin (a first line giving their sizes, then their bytes, each copied
// by one head -c) and runs the step.
//
// Without watch it starts the supervisor, detached (setsid), and exits.
// With watch the launch shell is the supervisor itself (two processes
// fewer to start): it streams the log (tail -f) while the step runs,
// writes the result file, then reports "jeeves-result STATUS SIZE SWEPT
// PID" on stderr, SIZE being the log's length, so the controller knows
// whether tail stopped before sending all of it, SWEPT "swept" when it
// swept the cookie, PID its own pid. It then reads the controller's
// answer: "ok" (the whole log came) removes the control directory;
// anything else, or the connection's end, leaves it for the controller
// to read. A lost connection does not stop it: sshd sends no signal to
// a session without a terminal, and the shell writes to the connection
// only after the result file is written; the step runs in a session of
// its own either way.
func launchScript(ctl, dir, stdin string, watch bool, sweep string, inline []byte) string {
	s := `c=` + shq(ctl) + `
mkdir -p -m 700 "$c" ` + shq(dir) + ` && : >> "$c/` + LogFile + `" || exit 90
IFS=' ' read -r n1 n2 || exit 90
head -c "$n1" > "$c/` + runFile + `" || exit 90
if [ "$n2" -gt 0 ]; then head -c "$n2" > "$c/` + ScriptFile + `" || exit 90; fi
`
	if inline != nil {
		s += `printf '%s' ` + shq(string(inline)) + ` > "$c/` + ScriptFile + `" || exit 90
`
	}
	if !watch {
		return s + `setsid sh -c ` + shq(supervisor(sweep)) + ` jeeves-supervisor "$c" ` + shq(stdin) + ` </dev/null >/dev/null 2>&1 &
exit 0`
	}
	return s + heartbeat + ` </dev/null >/dev/null 2>&1 & h=$!
tail -c +1 -f "$c/` + LogFile + `" & t=$!
` + runStep(shq(stdin), sweep) + `
kill $h $t 2>/dev/null
n=0; [ -s "$c/` + LogFile + `" ] && n=$(wc -c < "$c/` + LogFile + `")
printf 'jeeves-result %s %s %s %s\n' "$r" $n "$s" $$ >&2
IFS= read -r a && [ "$a" = ok ] && rm -rf "$c"
exit 0`
}

// InlineScript is the largest script the launch command carries itself
// (written by the shell's printf: no process to start); a larger one, or
// one with a NUL byte, comes on its stdin (and head -c writes it). A
// step's script is no secret (it is the job's configuration); its
// environment, which may hold secrets, always comes on stdin, never on a
// command line.
const InlineScript = 16 << 10

// splitScript says how the launch carries a script: inline (on its
// command line) or on its stdin.
func splitScript(script []byte) (inline, stdin []byte) {
	if len(script) > 0 && len(script) <= InlineScript && !bytes.ContainsRune(script, 0) {
		return script, nil
	}
	return nil, script
}

// launchInput is the launch command's stdin: the sizes of run.sh and of
// the script, then their bytes.
func launchInput(run string, script []byte) io.Reader {
	head := strconv.Itoa(len(run)) + " " + strconv.Itoa(len(script)) + "\n"
	return io.MultiReader(strings.NewReader(head), strings.NewReader(run), bytes.NewReader(script))
}

// pollScript prints the log from offset off and, on stderr, the state:
// "jeeves-state nodir", or "jeeves-state log NOW MTIME r=STATUS" (the
// result read before the log, so a log read with a result is complete).
func pollScript(ctl string, off int64) string {
	return `c=` + shq(ctl) + `
[ -d "$c" ] && [ -f "$c/` + LogFile + `" ] || { echo 'jeeves-state nodir' >&2; exit 0; }
r=$(cat "$c/` + ResultFile + `" 2>/dev/null)
tail -c +` + strconv.FormatInt(off+1, 10) + ` "$c/` + LogFile + `"
printf 'jeeves-state log %s %s r=%s\n' "$(date +%s)" "$(stat -c %Y "$c/` + LogFile + `")" "$r" >&2`
}

// Process is a step started by Start or found again by Attach.
type Process struct {
	a   *Agent
	id  string
	ctl string

	out     io.Writer
	wrote   chan struct{} // a value after each Write
	mu      sync.Mutex
	off     int64
	started bool // launched by this Process (a missing control dir may be a launch in flight)

	done     chan struct{}
	ended    bool // guarded by mu
	detached bool // guarded by mu
	code     int
	err      error
	swept    atomic.Bool
	pid      atomic.Int64
}

// Pid is the pid of the step's supervisor, once its end was reported by
// the command that started it (0 otherwise): every process the step
// started has a higher one, unless pids wrapped around.
func (p *Process) Pid() int { return int(p.pid.Load()) }

// Swept reports whether the step's supervisor swept its cookie after it
// (Proc.KillAfter) and said so: false when its end was read from its
// files (a dropped connection), even if it did.
func (p *Process) Swept() bool { return p.swept.Load() }

// ID is the step's id: Attach takes it back (with the control directory).
func (p *Process) ID() string { return p.id }

// ControlDir is the step's control directory on the agent.
func (p *Process) ControlDir() string { return p.ctl }

// Offset is how many bytes of the step's log were delivered so far; a
// later Attach resumes from it.
func (p *Process) Offset() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.off
}

// Write delivers log bytes, counting them.
func (p *Process) Write(b []byte) (int, error) {
	n, err := p.out.Write(b)
	p.mu.Lock()
	p.off += int64(n)
	p.mu.Unlock()
	select {
	case p.wrote <- struct{}{}:
	default:
	}
	return n, err
}

// CatchUpWait is how long the launch waits, once the supervisor says how
// long the log is, for the log bytes still on their way (the stdout and
// stderr of a session arrive apart) before it reads the rest from the
// log file instead.
const CatchUpWait = 50 * time.Millisecond

// caughtUp reports whether the log delivered reaches size, waiting up to
// CatchUpWait for bytes on their way (or until the session ends).
func (p *Process) caughtUp(size int64, ended chan error) bool {
	t := time.NewTimer(CatchUpWait)
	defer t.Stop()
	for p.Offset() < size {
		select {
		case <-p.wrote:
		case <-t.C:
			return false
		case err := <-ended:
			ended <- err // back, for the caller (its buffer is free now)
			return p.Offset() >= size
		}
	}
	return true
}

// Done is closed when the step has ended (Wait then returns at once).
func (p *Process) Done() <-chan struct{} { return p.done }

// Wait waits for the step's end: its exit status (128+n when a signal n
// ended it), or an error: ErrAgentWentOffline when the agent stayed away
// longer than OfflineTimeout, or the supervisor's loss ("process
// apparently never started in …", "wrapper script does not seem to be
// touching the log file in …") with status -2 or -1.
func (p *Process) Wait() (int, error) {
	<-p.done
	return p.code, p.err
}

func (p *Process) finish(code int, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.finishLocked(code, err)
}

func (p *Process) finishLocked(code int, err error) {
	if p.ended {
		return
	}
	p.ended = true
	p.code, p.err = code, err
	close(p.done)
}

// Detach lets go of the step: it goes on, and its end is not collected
// (the control directory stays, for an Attach after a restart); Wait
// then returns ErrDetached. It reports false, doing nothing, when the
// step's end was collected already.
func (p *Process) Detach() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ended {
		return false
	}
	p.detached = true
	p.finishLocked(-1, ErrDetached)
	return true
}

// ErrDetached is Wait's error for a step let go of (Detach).
var ErrDetached = errors.New("detached from the step")

// collect ends the step with code, unless it was let go of; it reports
// whether it did (the caller may then remove the control directory).
func (p *Process) collect(code int) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.detached || p.ended {
		return false
	}
	p.finishLocked(code, nil)
	return true
}

// Start starts a step durably (see the package comment) and returns once
// the launch command is under way; the Process streams the log to
// Stdout.
func (a *Agent) Start(ctx context.Context, pr Proc) (*Process, error) {
	if len(pr.Argv) == 0 {
		return nil, errors.New("start: no command")
	}
	if err := checkAbs("start", pr.Dir); err != nil {
		return nil, err
	}
	if pr.Cookie == DontKillMe {
		return nil, fmt.Errorf("start: the cookie %q would make the process unkillable", DontKillMe)
	}
	run, err := runScript(pr)
	if err != nil {
		return nil, fmt.Errorf("start: %w", err)
	}
	id := pr.ID
	if id == "" {
		id = randomID()
	} else if !idRE.MatchString(id) {
		return nil, fmt.Errorf("start: %q is not a step id (1 to 32 lower-case hexadecimal digits)", id)
	}
	sweep := ""
	if strings.ContainsAny(pr.Cookie, "\x00\n") {
		return nil, fmt.Errorf("start: %q is not a cookie", pr.Cookie)
	}
	if pr.KillAfter > 0 && pr.Cookie != "" {
		from := ""
		switch {
		case pr.SweepFrom == SweepSelf:
			// The step's own pid: its supervisor's helpers (tail, the
			// heartbeat) started before it.
			from = "$p"
		case pr.SweepFrom > 0:
			from = strconv.Itoa(pr.SweepFrom)
		}
		sweep = sweepScript([]string{pr.Cookie}, pr.KillAfter, from)
	}
	ctl := ControlDirFor(pr.Dir, id)
	inline, viaStdin := splitScript(pr.Script)
	p := a.newProcess(id, ctl, pr.Stdout, pr.Stderr)
	p.started = true
	stdin := "/dev/null"
	if pr.Stdin != nil {
		if err := a.MkdirAll(ctx, ctl, 0o700); err != nil {
			return nil, err
		}
		if err := a.WriteFile(ctx, ctl+"/"+stdinFile, pr.Stdin, 0o600); err != nil {
			return nil, err
		}
		stdin = ctl + "/" + stdinFile
	}
	c, err := a.conn(ctx)
	if err != nil {
		return nil, err
	}
	watch := false
	select {
	case a.watchers <- struct{}{}:
		watch = true
	default:
	}
	if !watch {
		// Once sent, the launch is not cut short by ctx: a step whose
		// launch was cut short might run on unknown to its caller. A
		// caller whose ctx ended meanwhile gets the Process, to stop.
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.cfg.LaunchTimeout)
		defer cancel()
		var e bytes.Buffer
		code, err := a.exec(lctx, c, launchScript(ctl, pr.Dir, stdin, false, sweep, inline), launchInput(run, viaStdin), io.Discard, &e)
		if err != nil {
			return nil, fmt.Errorf("start: %w", err)
		}
		if code != 0 {
			return nil, fmt.Errorf("start: cannot create the control directory %s: %s", ctl, strings.TrimSpace(e.String()))
		}
		go p.poll(p.a.cfg.OfflineTimeout)
		return p, nil
	}
	s, release, err := a.session(ctx, c)
	if err != nil {
		<-a.watchers
		return nil, err
	}
	res := &resultWriter{got: make(chan struct{})}
	in := &launchStdin{r: launchInput(run, viaStdin), reply: make(chan string, 1)}
	s.Stdin, s.Stdout, s.Stderr = in, p, res
	if err := s.Start(a.wrap(launchScript(ctl, pr.Dir, stdin, true, sweep, inline))); err != nil {
		release()
		<-a.watchers
		return nil, fmt.Errorf("start: %w", err)
	}
	ended := make(chan error, 1)
	go func() { ended <- s.Wait() }()
	go func() {
		defer func() {
			release()
			<-a.watchers
		}()
		var err error
		select {
		case err = <-ended:
		case <-res.got:
			code, size, swept, pid, _ := res.parse()
			p.swept.Store(swept)
			p.pid.Store(int64(pid))
			if p.caughtUp(size, ended) && p.collect(code) {
				// The whole log came: the supervisor removes the
				// control directory (its log, its run.sh) and ends.
				in.answer("ok\n")
				<-ended
				return
			}
			in.answer("")
			err = <-ended
		}
		in.answer("")
		if code, size, swept, ok := res.result(); ok {
			p.swept.Store(swept)
			if p.Offset() >= size {
				if p.collect(code) {
					a.cleanup(ctl)
				}
				return
			}
			// tail stopped before the end of the log: fetch the rest.
		} else {
			var ee *ssh.ExitError
			if errors.As(err, &ee) && ee.ExitStatus() == 90 {
				p.finish(-2, fmt.Errorf("start: cannot create the control directory %s: %s", ctl, strings.TrimSpace(res.stderr())))
				return
			}
		}
		// The connection went, or the log's end is missing: follow the
		// step from its files.
		p.poll(p.a.cfg.OfflineTimeout)
	}()
	return p, nil
}

func (a *Agent) newProcess(id, ctl string, stdout, stderr io.Writer) *Process {
	out := stdout
	if out == nil {
		out = stderr
	}
	if out == nil {
		out = io.Discard
	}
	return &Process{a: a, id: id, ctl: ctl, out: out, wrote: make(chan struct{}, 1), done: make(chan struct{})}
}

// resultWriter is a launch session's stderr, where the
// "jeeves-result STATUS SIZE SWEPT PID" line comes; got is closed when it
// has.
type resultWriter struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	got  chan struct{}
	seen bool
}

var resultRE = regexp.MustCompile(`(?m)^jeeves-result (-?\d*) (\d+) (swept|-) (\d+)$`)

func (r *resultWriter) Write(b []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.buf.Len() < 64<<10 {
		r.buf.Write(b)
	}
	if !r.seen && resultRE.Match(r.buf.Bytes()) {
		r.seen = true
		close(r.got)
	}
	return len(b), nil
}

// launchStdin is a launch session's stdin: the launch input, then the
// controller's answer to the result line ("ok": the whole log came,
// remove the control directory), then the end.
type launchStdin struct {
	r     io.Reader
	reply chan string
	once  sync.Once
	left  string // what is left of the answer
	done  bool
}

func (l *launchStdin) Read(b []byte) (int, error) {
	if l.r != nil {
		n, err := l.r.Read(b)
		if err != io.EOF {
			return n, err
		}
		l.r = nil
		if n > 0 {
			return n, nil
		}
	}
	if !l.done {
		l.left, l.done = <-l.reply, true
	}
	if l.left == "" {
		return 0, io.EOF
	}
	n := copy(b, l.left)
	l.left = l.left[n:]
	return n, nil
}

// answer sends the controller's answer (once; "": none, the end).
func (l *launchStdin) answer(a string) { l.once.Do(func() { l.reply <- a }) }

// result is the status, the log's size and whether the cookie was
// swept, once the line came; a status that is not a number (no result
// file: the supervisor was killed) is -1.
func (r *resultWriter) result() (code int, size int64, swept, ok bool) {
	code, size, swept, _, ok = r.parse()
	return
}

// parse reads the result line, with the supervisor's pid.
func (r *resultWriter) parse() (code int, size int64, swept bool, pid int, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := resultRE.FindSubmatch(r.buf.Bytes())
	if m == nil {
		return 0, 0, false, 0, false
	}
	code = -1
	if v, err := strconv.Atoi(string(m[1])); err == nil {
		code = v
	}
	size, _ = strconv.ParseInt(string(m[2]), 10, 64)
	pid, _ = strconv.Atoi(string(m[4]))
	return code, size, string(m[3]) == "swept", pid, true
}

func (r *resultWriter) stderr() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.buf.String()
}

var stateRE = regexp.MustCompile(`jeeves-state (nodir|log (\d+) (\d+) r=(-?\d*))`)

// poll follows the step from its files until the result appears. budget
// is how long the agent may stay away.
func (p *Process) poll(budget time.Duration) {
	a := p.a
	wait := 50 * time.Millisecond
	var awaySince time.Time
	var firstMissing time.Time
	for {
		p.mu.Lock()
		detached := p.detached
		p.mu.Unlock()
		if detached {
			return
		}
		c, err := a.connWithin(context.Background(), remaining(awaySince, budget))
		if err != nil {
			if errors.Is(err, ErrClosed) {
				p.finish(-1, fmt.Errorf("%w: %v", ErrAgentWentOffline, err))
				return
			}
			p.finish(-1, fmt.Errorf("%w: agent ‘%s’: %v", ErrAgentWentOffline, a.cfg.Name, err))
			return
		}
		before := p.Offset()
		var e bytes.Buffer
		ctx, cancel := context.WithTimeout(context.Background(), a.cfg.LaunchTimeout)
		code, err := a.exec(ctx, c, pollScript(p.ctl, before), nil, p, &e)
		cancel()
		if err != nil || code != 0 {
			// A lost connection: wait for it within the budget.
			if awaySince.IsZero() {
				awaySince = time.Now()
			}
			time.Sleep(wait)
			continue
		}
		awaySince = time.Time{}
		m := stateRE.FindStringSubmatch(e.String())
		switch {
		case m == nil:
			p.finish(-1, fmt.Errorf("agent ‘%s’: unexpected answer following %s: %q", a.cfg.Name, p.ctl, truncate(e.Bytes(), 200)))
			return
		case m[1] == "nodir":
			if firstMissing.IsZero() {
				firstMissing = time.Now()
			}
			if !p.started || time.Since(firstMissing) > StaleAfter {
				p.finish(-2, fmt.Errorf("process apparently never started in %s", p.ctl))
				return
			}
		case m[4] != "":
			code, _ := strconv.Atoi(m[4])
			if p.collect(code) {
				a.cleanup(p.ctl)
			}
			return
		default:
			now, _ := strconv.ParseInt(m[2], 10, 64)
			mt, _ := strconv.ParseInt(m[3], 10, 64)
			if time.Duration(now-mt)*time.Second > StaleAfter {
				p.finish(-1, fmt.Errorf("wrapper script does not seem to be touching the log file in %s", p.ctl))
				return
			}
		}
		if p.Offset() > before {
			wait = 50 * time.Millisecond
		} else {
			wait = min(2*wait, time.Second)
		}
		time.Sleep(wait)
	}
}

func remaining(since time.Time, budget time.Duration) time.Duration {
	if since.IsZero() {
		return budget
	}
	return max(budget-time.Since(since), 0)
}

// cleanup removes a finished step's control directory (its log, and its
// run.sh with the step's environment), in the background, once its end
// was read from its files; a launch whose whole log came lets the
// supervisor remove it.
func (a *Agent) cleanup(ctl string) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), a.cfg.LaunchTimeout)
		defer cancel()
		c, err := a.connWithin(ctx, 0)
		if err != nil {
			return
		}
		a.exec(ctx, c, "rm -rf -- "+shq(ctl), nil, io.Discard, io.Discard)
	}()
}

// ControlDirFor is the control directory of the step with the given id
// whose working directory is dir.
func ControlDirFor(dir, id string) string {
	return strings.TrimRight(dir, "/") + "@tmp/durable-" + id
}

// Attach follows a step started earlier, by this Agent or another (a
// controller restart), from its control directory, delivering the log
// from offset on to stdout.
func (a *Agent) Attach(ctx context.Context, controlDir string, offset int64, stdout io.Writer) (*Process, error) {
	if err := checkAbs("attach", controlDir); err != nil {
		return nil, err
	}
	i := strings.LastIndex(controlDir, "/durable-")
	if i < 0 {
		return nil, fmt.Errorf("attach: %s is not a step's control directory", controlDir)
	}
	if _, err := a.conn(ctx); err != nil {
		return nil, err
	}
	p := a.newProcess(controlDir[i+len("/durable-"):], controlDir, stdout, nil)
	p.off = offset
	go p.poll(a.cfg.OfflineTimeout)
	return p, nil
}

// Stop ends the step: TERM to its process group, then KILL to what is
// left after grace. The step's exit status then reports the signal.
// Processes that left the group (setsid, daemons) are KillAll's.
func (p *Process) Stop(grace time.Duration) error {
	select {
	case <-p.done:
		return nil
	default:
	}
	ctx, cancel := context.WithTimeout(context.Background(), grace+p.a.cfg.LaunchTimeout)
	defer cancel()
	if err := p.signal(ctx, "TERM"); err != nil {
		return err
	}
	select {
	case <-p.done:
		return nil
	case <-time.After(grace):
	}
	return p.signal(ctx, "KILL")
}

// signal sends sig to the step's process group unless the step has ended
// (its pid may have been reused since). A step that is just starting
// (its control directory is there, or comes within 5 s, but not yet its
// pid file) is stopped as it starts: signal leaves a stop file, which
// the supervisor reads once it has written the pid file (see runStep).
// Before its process group exists the step's first process is signalled
// alone (setsid has not run yet).
func (p *Process) signal(ctx context.Context, sig string) error {
	script := `c=` + shq(p.ctl) + `; i=0
while [ ! -d "$c" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
[ -d "$c" ] || exit 0
: > "$c/` + stopFile + `"
[ -f "$c/` + ResultFile + `" ] && exit 0
if [ -s "$c/` + pidFile + `" ]; then q=$(cat "$c/` + pidFile + `"); kill -` + sig + ` -$q 2>/dev/null || kill -` + sig + ` $q 2>/dev/null; fi
exit 0`
	_, err := p.a.simple(ctx, "kill", p.ctl, script, nil)
	return err
}

// KillAll kills every process on the agent whose environment holds
// JENKINS_NODE_COOKIE set to one of cookies, except those whose BUILD_ID
// or JENKINS_NODE_COOKIE is dontKillMe: TERM, then KILL after grace
// (SoftKillWait when 0) for those still alive; it returns once they are
// gone (or, for a process stuck in the kernel, 5 s after the KILL). It
// reads /proc/*/environ in one command (so it sees only what the agent's
// user may read) and returns how many processes it signalled.
func (a *Agent) KillAll(ctx context.Context, grace time.Duration, cookies ...string) (int, error) {
	if len(cookies) == 0 {
		return 0, nil
	}
	if grace <= 0 {
		grace = SoftKillWait
	}
	for _, cookie := range cookies {
		if cookie == "" || cookie == DontKillMe || strings.ContainsAny(cookie, "\x00\n") {
			return 0, fmt.Errorf("killall: %q is not a cookie", cookie)
		}
	}
	script := sweepScript(cookies, grace, "") + "\necho $n"
	out, err := a.simple(ctx, "killall", strings.Join(cookies, ","), script, nil)
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		return 0, fmt.Errorf("killall: unexpected answer %q", truncate(out, 100))
	}
	return n, nil
}
