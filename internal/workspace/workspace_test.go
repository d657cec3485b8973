package workspace

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/launcher/local"
)

// tree lists the files and directories below root, relative to it.
func tree(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && p != root {
			rel, _ := filepath.Rel(root, p)
			out = append(out, rel)
		}
		return nil
	})
	return out
}

func mkdirs(t *testing.T, root string, dirs ...string) {
	t.Helper()
	for _, d := range dirs {
		if err := os.MkdirAll(filepath.Join(root, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLease(t *testing.T) {
	s := New(local.New(), "/home", nil)
	a, releaseA := s.Lease("f/job")
	b, releaseB := s.Lease("f/job")
	c, releaseC := s.Lease("f/job")
	t.Run("concurrent builds get the workspace, then @2, @3", func(t *testing.T) {
		if a != "/home/workspace/f/job" || b != a+"@2" || c != a+"@3" {
			t.Fatalf("leased %s %s %s", a, b, c)
		}
	})
	t.Run("a released workspace is the next one leased", func(t *testing.T) {
		releaseB()
		releaseB() // a second release changes nothing
		if d, _ := s.Lease("f/job"); d != b {
			t.Fatalf("leased %s, want %s", d, b)
		}
	})
	t.Run("another job's lease does not count", func(t *testing.T) {
		if d, _ := s.Lease("f/job2"); d != "/home/workspace/f/job2" {
			t.Fatalf("leased %s", d)
		}
	})
	releaseA()
	releaseC()
}

func TestRemoveAndMove(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	s := New(local.New(), root, nil)
	mkdirs(t, root, "workspace/job/src", "workspace/job@2", "workspace/job@tmp", "workspace/job2", "workspace/f/inner")

	t.Run("a workspace a build works in is not removed", func(t *testing.T) {
		_, release := s.Lease("job")
		defer release()
		if err := s.Remove(ctx, "job"); !errors.Is(err, ErrBusy) {
			t.Fatalf("remove: %v", err)
		}
		if err := s.Move(ctx, "job", "moved"); !errors.Is(err, ErrBusy) {
			t.Fatalf("move: %v", err)
		}
		if err := s.Move(ctx, "other", "job"); !errors.Is(err, ErrBusy) {
			t.Fatalf("move onto it: %v", err)
		}
	})
	t.Run("a folder with a busy workspace in it is not removed", func(t *testing.T) {
		_, release := s.Lease("f/inner")
		defer release()
		if err := s.Remove(ctx, "f"); !errors.Is(err, ErrBusy) {
			t.Fatalf("remove: %v", err)
		}
	})
	t.Run("a move takes the siblings along and replaces what was left under the new name", func(t *testing.T) {
		mkdirs(t, root, "workspace/moved/stale")
		if err := s.Move(ctx, "job", "moved"); err != nil {
			t.Fatal(err)
		}
		want := []string{"trash", "workspace", "workspace/f", "workspace/f/inner", "workspace/job2",
			"workspace/moved", "workspace/moved/src", "workspace/moved@2", "workspace/moved@tmp"}
		if got := tree(t, root); !slices.Equal(got, want) {
			t.Fatalf("tree %q", got)
		}
	})
	t.Run("a remove takes the siblings and nothing else", func(t *testing.T) {
		if err := s.Remove(ctx, "moved"); err != nil {
			t.Fatal(err)
		}
		want := []string{"trash", "workspace", "workspace/f", "workspace/f/inner", "workspace/job2"}
		if got := tree(t, root); !slices.Equal(got, want) {
			t.Fatalf("tree %q", got)
		}
	})
	t.Run("removing a workspace that was never made is not an error", func(t *testing.T) {
		if err := s.Remove(ctx, "never"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("what a previous run left in the trash is deleted at start", func(t *testing.T) {
		mkdirs(t, root, "trash/workspace-1/job")
		s.EmptyTrash(ctx)
		if got := tree(t, filepath.Join(root, "trash")); len(got) != 0 {
			t.Fatalf("trash holds %q", got)
		}
	})
}
