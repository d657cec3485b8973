package farm

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// Workspaces live where Jenkins puts them on the built-in node:
// HOME/workspace/<full name>, a folder's items inside its directory.
// Concurrent builds of a job use <full name>@2, @3…, and WORKSPACE_TMP is
// <full name>@tmp; those siblings go wherever the workspace goes. A
// workspace belongs to its job, not to its name: it is deleted with the
// job, moved when the job (or its folder) is renamed, and a new job never
// inherits one left under its name.

// workspaceBase is the workspace of the item named fullName.
func (q *Queue) workspaceBase(fullName string) string {
	return filepath.Join(q.cfg.Home, "workspace", filepath.FromSlash(fullName))
}

// trash is where workspaces are moved, in one rename, before they are
// deleted: the name is free at once, and deleting a large tree does not
// hold the queue. It is outside HOME/workspace, so no item's name can
// reach it.
func (q *Queue) trash() string { return filepath.Join(q.cfg.Home, "trash") }

// ErrBusy is returned when a job's workspace is in use by a build.
var ErrBusy = errors.New("a build of the job is running")

// Hold keeps builds of the jobs ids from starting until release is
// called (waiting items stay waiting); builds already running go on.
// release may be called more than once.
func (q *Queue) Hold(ids []int64) (release func()) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.hold(ids)
}

// HoldIdle is Hold, when no build of the jobs ids is running; it returns
// ErrBusy, holding nothing, when one is.
func (q *Queue) HoldIdle(ids []int64) (release func(), err error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, id := range ids {
		if q.jobRunning(id) {
			return nil, ErrBusy
		}
	}
	return q.hold(ids), nil
}

// hold is Hold, called with q.mu.
func (q *Queue) hold(ids []int64) func() {
	if q.held == nil {
		q.held = map[int64]int{}
	}
	for _, id := range ids {
		q.held[id]++
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			q.mu.Lock()
			for _, id := range ids {
				if q.held[id]--; q.held[id] <= 0 {
					delete(q.held, id)
				}
			}
			q.mu.Unlock()
			q.poke()
		})
	}
}

// inUse reports whether a running build works in base, one of its
// siblings (base@N) or below it (base is a folder's). Called with q.mu.
func (q *Queue) inUse(base string) bool {
	for _, r := range q.running {
		if r.workspace == base || strings.HasPrefix(r.workspace, base+"@") || strings.HasPrefix(r.workspace, base+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

// workspaceDirs lists base and its siblings base@…, those that exist. It
// reads the parent directory rather than globbing, as the home's path
// may hold glob characters.
func workspaceDirs(base string) []string {
	entries, err := os.ReadDir(filepath.Dir(base))
	if err != nil {
		return nil
	}
	name := filepath.Base(base)
	var out []string
	for _, e := range entries {
		if e.Name() == name || strings.HasPrefix(e.Name(), name+"@") {
			out = append(out, filepath.Join(filepath.Dir(base), e.Name()))
		}
	}
	return out
}

// toTrash moves dirs (entries of one directory, so their names differ)
// into a new directory under the trash and returns
// it ("" when dirs is empty). On an error, what was moved stays in the
// returned directory, for empty to delete. Called with q.mu.
func (q *Queue) toTrash(dirs []string) (string, error) {
	if len(dirs) == 0 {
		return "", nil
	}
	if err := os.MkdirAll(q.trash(), 0o700); err != nil {
		return "", err
	}
	bin, err := os.MkdirTemp(q.trash(), "workspace-")
	if err != nil {
		return "", err
	}
	for _, d := range dirs {
		if err := os.Rename(d, filepath.Join(bin, filepath.Base(d))); err != nil {
			return bin, err
		}
	}
	return bin, nil
}

// empty deletes a directory toTrash made, logging what it cannot (the
// next start tries again).
func (q *Queue) empty(bin string) {
	if bin == "" {
		return
	}
	if err := removeTree(bin); err != nil {
		q.cfg.Logger.Error("cannot delete a removed workspace; the next start tries again", "dir", bin, "err", err)
	}
}

// removeTree deletes dir like os.RemoveAll, also when a build left
// directories without write permission in it (Go's module cache, for
// one, is read-only).
func removeTree(dir string) error {
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

// emptyTrash deletes what a previous run left in the trash (it stopped
// before it was done deleting, or could not delete).
func (q *Queue) emptyTrash() {
	entries, err := os.ReadDir(q.trash())
	if err != nil {
		return
	}
	for _, e := range entries {
		q.empty(filepath.Join(q.trash(), e.Name()))
	}
}

// RemoveWorkspace deletes the workspace of the item named fullName with
// its siblings (a folder's: every workspace in it), unless a build runs
// in one (ErrBusy). The workspaces leave their place at once, under the
// queue's lock, so no build can start in them meanwhile; they are
// deleted afterwards.
func (q *Queue) RemoveWorkspace(fullName string) error {
	base := q.workspaceBase(fullName)
	q.mu.Lock()
	if q.inUse(base) {
		q.mu.Unlock()
		return ErrBusy
	}
	bin, err := q.toTrash(workspaceDirs(base))
	q.mu.Unlock()
	q.empty(bin)
	return err
}

// MoveWorkspace moves the workspaces of an item renamed from oldName to
// newName (with its siblings; a folder's, with everything in it). A
// workspace already under newName, which an older jeeves or a failed
// removal left there, is not the item's: it is deleted first. It
// returns ErrBusy, moving nothing, while a build runs in either.
func (q *Queue) MoveWorkspace(oldName, newName string) error {
	from, to := q.workspaceBase(oldName), q.workspaceBase(newName)
	q.mu.Lock()
	if q.inUse(from) || q.inUse(to) {
		q.mu.Unlock()
		return ErrBusy
	}
	bin, err := q.toTrash(workspaceDirs(to))
	if err == nil {
		for _, d := range workspaceDirs(from) {
			dst := to + strings.TrimPrefix(d, from)
			if err = os.MkdirAll(filepath.Dir(dst), 0o700); err == nil {
				err = os.Rename(d, dst)
			}
			if err != nil {
				break
			}
		}
	}
	q.mu.Unlock()
	q.empty(bin)
	return err
}

// WipeWorkspace deletes the job's workspace (and its @N siblings),
// unless a build of the job is running in it.
func (q *Queue) WipeWorkspace(name string) error {
	return q.RemoveWorkspace(name)
}
