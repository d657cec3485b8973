// Package workspace keeps the job workspaces of one node: where each
// lives, which are in use by a running build, and moving and removing
// them, all through the node's launcher.
//
// Workspaces live where Jenkins puts them on the built-in node:
// ROOT/workspace/<full name>, a folder's items inside its directory.
// Concurrent builds of a job use <full name>@2, @3…, and WORKSPACE_TMP is
// <full name>@tmp; those siblings go wherever the workspace goes. A
// workspace belongs to its job, not to its name: it is deleted with the
// job, moved when the job (or its folder) is renamed, and a new job never
// inherits one left under its name.
package workspace

import (
	"context"
	"errors"
	"log/slog"
	"path"
	"strconv"
	"strings"
	"sync"

	"github.com/jeeves-ci/jeeves/internal/launcher"
)

// ErrBusy is returned when a job's workspace is in use by a build.
var ErrBusy = errors.New("a build of the job is running")

// Set is the workspaces of one node. Paths are the node's
// (slash-separated), as its launcher takes them.
type Set struct {
	l    launcher.Launcher
	root string
	log  *slog.Logger

	mu     sync.Mutex
	leased map[string]bool // workspaces running builds work in
}

// New returns the workspaces below root (the built-in node's: JENKINS_HOME)
// on the machine l reaches.
func New(l launcher.Launcher, root string, log *slog.Logger) *Set {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Set{l: l, root: root, log: log, leased: map[string]bool{}}
}

// Path is the workspace of the item named fullName.
func (s *Set) Path(fullName string) string {
	return path.Join(s.root, "workspace", fullName)
}

// trash is where workspaces are moved, in one rename, before they are
// deleted: the name is free at once, and deleting a large tree does not
// hold anything up. It is outside ROOT/workspace, so no item's name can
// reach it.
func (s *Set) trash() string { return path.Join(s.root, "trash") }

// Lease gives a build of the item named fullName a workspace no running
// build works in: the item's own, else its first free sibling @2, @3…
// release gives it back; it may be called more than once.
func (s *Set) Lease(fullName string) (dir string, release func()) {
	base := s.Path(fullName)
	s.mu.Lock()
	dir = base
	for n := 2; s.leased[dir]; n++ {
		dir = base + "@" + strconv.Itoa(n)
	}
	s.leased[dir] = true
	s.mu.Unlock()
	var once sync.Once
	return dir, func() {
		once.Do(func() {
			s.mu.Lock()
			delete(s.leased, dir)
			s.mu.Unlock()
		})
	}
}

// Claim takes dir, a workspace a build already works in (one that
// outlived a restart of jeeves), so that no other build is leased it;
// release gives it back and may be called more than once.
func (s *Set) Claim(dir string) (release func()) {
	s.mu.Lock()
	s.leased[dir] = true
	s.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			delete(s.leased, dir)
			s.mu.Unlock()
		})
	}
}

// inUse reports whether a running build works in base, one of its
// siblings (base@N) or below it (base is a folder's). Called with s.mu.
func (s *Set) inUse(base string) bool {
	for ws := range s.leased {
		if ws == base || strings.HasPrefix(ws, base+"@") || strings.HasPrefix(ws, base+"/") {
			return true
		}
	}
	return false
}

// dirs lists base and its siblings base@…, those that exist. It reads
// the parent directory rather than globbing, as the root's path may hold
// glob characters.
func (s *Set) dirs(ctx context.Context, base string) []string {
	entries, err := s.l.ReadDir(ctx, path.Dir(base))
	if err != nil {
		return nil
	}
	name := path.Base(base)
	var out []string
	for _, e := range entries {
		if e.Name() == name || strings.HasPrefix(e.Name(), name+"@") {
			out = append(out, path.Join(path.Dir(base), e.Name()))
		}
	}
	return out
}

// toTrash moves dirs (entries of one directory, so their names differ)
// into a new directory under the trash and returns it ("" when dirs is
// empty). On an error, what was moved stays in the returned directory,
// for empty to delete. Called with s.mu.
func (s *Set) toTrash(ctx context.Context, dirs []string) (string, error) {
	if len(dirs) == 0 {
		return "", nil
	}
	if err := s.l.MkdirAll(ctx, s.trash(), 0o700); err != nil {
		return "", err
	}
	bin, err := s.l.MkdirTemp(ctx, s.trash(), "workspace-")
	if err != nil {
		return "", err
	}
	for _, d := range dirs {
		if err := s.l.Rename(ctx, d, path.Join(bin, path.Base(d))); err != nil {
			return bin, err
		}
	}
	return bin, nil
}

// empty deletes a directory toTrash made, logging what it cannot (the
// next start tries again).
func (s *Set) empty(ctx context.Context, bin string) {
	if bin == "" {
		return
	}
	if err := s.l.RemoveAll(ctx, bin); err != nil {
		s.log.Error("cannot delete a removed workspace; the next start tries again", "dir", bin, "err", err)
	}
}

// EmptyTrash deletes what a previous run left in the trash (it stopped
// before it was done deleting, or could not delete).
func (s *Set) EmptyTrash(ctx context.Context) {
	entries, err := s.l.ReadDir(ctx, s.trash())
	if err != nil {
		return
	}
	for _, e := range entries {
		s.empty(ctx, path.Join(s.trash(), e.Name()))
	}
}

// Remove deletes the workspace of the item named fullName with its
// siblings (a folder's: every workspace in it), unless a build runs in
// one (ErrBusy). The workspaces leave their place at once, while no
// workspace can be leased, so no build can start in them meanwhile; they
// are deleted afterwards.
func (s *Set) Remove(ctx context.Context, fullName string) error {
	base := s.Path(fullName)
	s.mu.Lock()
	if s.inUse(base) {
		s.mu.Unlock()
		return ErrBusy
	}
	bin, err := s.toTrash(ctx, s.dirs(ctx, base))
	s.mu.Unlock()
	s.empty(ctx, bin)
	return err
}

// Move moves the workspaces of an item renamed from oldName to newName
// (with its siblings; a folder's, with everything in it). A workspace
// already under newName, which an older jeeves or a failed removal left
// there, is not the item's: it is deleted first. It returns ErrBusy,
// moving nothing, while a build runs in either.
func (s *Set) Move(ctx context.Context, oldName, newName string) error {
	from, to := s.Path(oldName), s.Path(newName)
	s.mu.Lock()
	if s.inUse(from) || s.inUse(to) {
		s.mu.Unlock()
		return ErrBusy
	}
	bin, err := s.toTrash(ctx, s.dirs(ctx, to))
	if err == nil {
		for _, d := range s.dirs(ctx, from) {
			dst := to + strings.TrimPrefix(d, from)
			if err = s.l.MkdirAll(ctx, path.Dir(dst), 0o700); err == nil {
				err = s.l.Rename(ctx, d, dst)
			}
			if err != nil {
				break
			}
		}
	}
	s.mu.Unlock()
	s.empty(ctx, bin)
	return err
}
