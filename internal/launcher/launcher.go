// Package launcher is how jeeves touches the machine a build runs on:
// starting processes with an environment in a directory, streaming their
// output, stopping them and every process a build left behind, and
// reading, writing, moving and removing files there. Everything the
// executor does to a node goes through a Launcher, so that a build runs
// the same on the built-in node (internal/launcher/local) as on an agent
// reached over a connection.
//
// # What every implementation guarantees
//
// Paths are the build machine's own: absolute, slash-separated POSIX
// paths on that machine, never jeeves's. Nothing assumes a file system
// shared with jeeves: a file reaches the machine through WriteFile or
// CreateTemp, and comes back through Open.
//
// A connection to the machine may drop at any time. A process whose fate
// is unknown (the connection dropped before its exit was seen) ends its
// Wait with an error, never with exit code 0: a build must not pass
// because its machine went away; when the machine stayed away for good,
// that error wraps ErrOffline. Every other method reports such a loss
// as an error too, and none of them blocks past its context.
//
// A remote launcher may run processes durably: they outlive the
// connection and jeeves itself. Their Process is then also Durable, and
// the launcher a Reattacher that finds such a process again, from its
// handle, after jeeves restarted.
//
// Processes carry a cookie: Start adds CookieVar=cookie to their
// environment, children inherit it, and KillAll finds them by it however
// they detached (setsid, nohup, a double fork), sparing those that opted
// out with DontKillMe, as Jenkins's ProcessTreeKiller does. A remote
// implementation runs that search on the machine itself.
package launcher

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"time"
)

// CookieVar is the variable every process of a build carries in its
// environment, as Jenkins's ProcessTreeKiller sets it: when the build ends,
// whatever still runs with the build's cookie is killed.
const CookieVar = "JENKINS_NODE_COOKIE"

// DontKillMe is Jenkins's documented opt-out: a process whose environment
// has BUILD_ID=dontKillMe or JENKINS_NODE_COOKIE=dontKillMe outlives its
// build.
const DontKillMe = "dontKillMe"

// ErrOffline is wrapped by the error of a Process's Wait when the
// machine went away during the process and did not come back in time:
// Jenkins's "Agent went offline during the build".
var ErrOffline = errors.New("the machine went offline during the build")

// Durable is a Process that outlives the connection to its machine and
// jeeves itself (a step on an agent, under its supervisor).
type Durable interface {
	// Handle names the process for Reattach: text to keep.
	Handle() string
	// Offset is how many bytes of the process's output were delivered
	// so far.
	Offset() int64
	// Detach lets go of the process, which goes on, so that a later
	// Reattach finds it whole: its end is not collected (what it leaves
	// on its machine stays for the one that reattaches). It reports
	// false when the process had ended already: its end is Wait's.
	Detach() bool
}

// Reattacher is a Launcher whose durable processes can be found again
// after jeeves restarted.
type Reattacher interface {
	// Reattach follows the process named by handle (Durable.Handle),
	// delivering its output from offset on to out (stdout and stderr
	// merged).
	Reattach(ctx context.Context, handle string, offset int64, out io.Writer) (Process, error)
}

// Proc describes a process to start.
type Proc struct {
	// Argv is the program and its arguments; Argv[0] is looked up in the
	// machine's PATH when it holds no slash.
	Argv []string
	// Dir is the working directory; it must exist.
	Dir string
	// Env is the whole environment; nothing of jeeves's is added but the
	// cookie.
	Env []string
	// Stdin is read as the process's input; nil: empty input.
	Stdin io.Reader
	// Stdout and Stderr receive its output (both may be the same
	// writer). A local launcher may hand an *os.File to the process
	// itself, so that no byte passes through jeeves.
	Stdout, Stderr io.Writer
	// Cookie marks the process and every process it starts (see
	// KillAll). Empty: no cookie; the process's own group is then all
	// that can be found again, and what it leaves in it is killed when
	// it exits.
	Cookie string
	// KillAllAfter, when set, asks for KillAll(Cookie) once the process
	// has exited, with this grace, before its end is reported: a
	// build's end-of-build sweep, done by a remote machine in the same
	// round trip as its last step. A launcher may ignore it; one that
	// did it says so through Swept.
	KillAllAfter time.Duration
}

// Swept is a Process that reports whether it did its Proc's
// KillAllAfter.
type Swept interface {
	Swept() bool
}

// ScriptStarter is a Launcher that writes a step's script and starts it
// in one round trip (what CreateTemp, Start and Remove do in three): the
// script lives beside the process's own files on the machine, and goes
// with them.
type ScriptStarter interface {
	// StartScript starts p with every argument equal to ScriptArg
	// replaced by the path of a new private file holding script. It
	// calls announce with that path before the process can write
	// anything.
	StartScript(ctx context.Context, p Proc, script []byte, announce func(path string)) (Process, error)
}

// ScriptArg stands for the script's path in the Argv given to
// StartScript.
const ScriptArg = "\x00script\x00"

// Process is a started process.
type Process interface {
	// Done is closed once the process has exited, or once its fate can
	// no longer be known (the connection dropped).
	Done() <-chan struct{}
	// Wait waits until Done and returns the exit code: the process's
	// own, or 128+n for a process killed by signal n. err is set when
	// the exit code is unknown (the connection dropped, its output could
	// not be delivered); code is then never 0.
	Wait() (code int, err error)
	// Kill stops the process and its process group: a polite signal
	// (SIGTERM), then SIGKILL if the process has not exited within
	// grace. It returns once the process has exited or been sent
	// SIGKILL.
	Kill(grace time.Duration) error
}

// Launcher is a machine builds run on.
type Launcher interface {
	// Start starts a process. ctx bounds the start only: the process
	// runs until it exits or is killed.
	Start(ctx context.Context, p Proc) (Process, error)
	// KillAll ends every process on the machine (jeeves aside) whose
	// environment carries CookieVar set to one of cookies, sparing those
	// that opted out with DontKillMe: SIGTERM first, SIGKILL to those
	// still there after grace. It returns once none is left, with how
	// many it signalled.
	KillAll(ctx context.Context, grace time.Duration, cookies ...string) (int, error)

	// MkdirAll makes dir and the directories above it that are missing.
	MkdirAll(ctx context.Context, dir string, perm fs.FileMode) error
	// MkdirTemp makes a new directory with a unique name made from
	// pattern (its last "*" is replaced) in dir, and returns its path.
	MkdirTemp(ctx context.Context, dir, pattern string) (string, error)
	// CreateTemp writes everything r yields to a new file, mode 0600,
	// with a unique name made from pattern in dir (the machine's
	// temporary directory when dir is ""), and returns its path. The
	// file is created exclusively: CreateTemp never writes through a
	// file or link someone else put there.
	CreateTemp(ctx context.Context, dir, pattern string, r io.Reader) (string, error)
	// WriteFile writes everything r yields to name, creating it with
	// perm or truncating it.
	WriteFile(ctx context.Context, name string, r io.Reader, perm fs.FileMode) error
	// Open opens name for reading.
	Open(ctx context.Context, name string) (io.ReadCloser, error)
	// Stat describes name.
	Stat(ctx context.Context, name string) (fs.FileInfo, error)
	// ReadDir lists dir, sorted by name.
	ReadDir(ctx context.Context, dir string) ([]fs.DirEntry, error)
	// Walk walks the tree at root as fs.WalkDir does, in lexical order.
	Walk(ctx context.Context, root string, fn fs.WalkDirFunc) error
	// Rename moves from to to; both are on the machine.
	Rename(ctx context.Context, from, to string) error
	// Remove removes a file or an empty directory.
	Remove(ctx context.Context, name string) error
	// RemoveAll removes path and everything below it, also directories a
	// build left without write permission. Removing what does not exist
	// is not an error.
	RemoveAll(ctx context.Context, path string) error
}

// Locker is implemented by a launcher that takes file locks on its
// machine itself. A launcher whose Start reads a process's Stdin whole
// before starting it (the SSH launcher's durable processes) must: there,
// a helper holding a lock until its input closes never starts.
type Locker interface {
	// Lock takes an exclusive flock(2) lock on path, creating the file,
	// waiting while another process holds it until ctx ends. unlock
	// releases it; so does the loss of jeeves or of its connection to
	// the machine.
	Lock(ctx context.Context, path string) (unlock func(), err error)
}

// Rooter is implemented by a launcher whose machine is the one jeeves
// runs on (the built-in node's). OpenRoot opens a directory there as an
// os.Root: files below it are then read, copied or cloned by the file
// system directly, without passing through the launcher, and never from
// outside the directory, however its links point. A launcher that
// reaches another machine must not implement it, nor a wrapper pass it
// on from one that does unless its paths are still jeeves's.
type Rooter interface {
	OpenRoot(dir string) (*os.Root, error)
}
