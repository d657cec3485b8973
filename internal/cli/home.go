package cli

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/jeeves-ci/jeeves/internal/store"
)

// homeEntries are what jeeves keeps at the top of its home. Nothing else
// there is touched: a home may have been pointed at a directory that
// holds other things too.
var homeEntries = []string{
	"jeeves.db", "jeeves.db-wal", "jeeves.db-shm", "jeeves.db-journal",
	"builds", "workspace", "secrets", "audit", "trash", "jeeves.lock",
}

// makePrivate takes group and other access away from the home and what
// jeeves keeps in it, as a home made by an older jeeves (0755, files
// 0644) lets every local user read password hashes, password defaults
// and console logs. It reports what it changed ("jeeves.db 0644→0600"),
// and what it could not change, with why.
//
// It visits the home, its entries jeeves made (homeEntries), the files
// under secrets/ and audit/, and, in a home where it fixed any of those,
// the directories under builds/ (one per job); never the console logs or
// the workspaces' contents: a directory without group or other access
// protects everything below it, so a home with 100,000 build logs starts
// as fast as an empty one. Symbolic links
// in the home are left alone, so nothing outside it changes, and so is a
// shared directory such as /tmp given as the home (its sticky bit says
// so), which is reported instead.
func makePrivate(home string) (fixed, failed []string) {
	fix := func(path string, fi fs.FileInfo) {
		if !fi.IsDir() && !fi.Mode().IsRegular() {
			return // a symbolic link, a socket…
		}
		mode := fi.Mode().Perm()
		if mode&0o077 == 0 {
			return
		}
		rel, err := filepath.Rel(home, path)
		if err != nil || rel == "." {
			rel = "home"
		}
		special := fi.Mode() & (fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky)
		if err := os.Chmod(path, special|mode&^0o077); err != nil {
			failed = append(failed, fmt.Sprintf("%s: %v", rel, store.Cause(err)))
			return
		}
		fixed = append(fixed, fmt.Sprintf("%s %04o→%04o", rel, mode, mode&^0o077))
	}
	fi, err := os.Stat(home) // the home itself may be a link to where it is
	if err != nil {
		return nil, []string{"home: " + store.Cause(err)}
	}
	if fi.Mode()&fs.ModeSticky != 0 && fi.Mode().Perm()&0o002 != 0 {
		failed = append(failed, "home: a directory shared by every user (sticky, writable by all): give jeeves a directory of its own")
	} else {
		fix(home, fi)
	}
	// each fixes the entries of dir that keep applies to.
	each := func(dir string, keep func(fs.FileInfo) bool) {
		children, err := os.ReadDir(dir)
		if err != nil {
			rel, _ := filepath.Rel(home, dir)
			failed = append(failed, fmt.Sprintf("%s: cannot list it: %v", rel, store.Cause(err)))
			return
		}
		for _, c := range children {
			if cfi, err := c.Info(); err == nil && keep(cfi) {
				fix(filepath.Join(dir, c.Name()), cfi)
			}
		}
	}
	jobDirs := 0
	for _, name := range homeEntries {
		path := filepath.Join(home, name)
		fi, err := os.Lstat(path)
		if err != nil {
			continue // not made yet
		}
		fix(path, fi)
		switch {
		case !fi.IsDir():
		case name == "secrets", name == "audit":
			each(path, func(fs.FileInfo) bool { return true })
		case name == "builds" && len(fixed) > 0:
			// Only in a home an older jeeves left open (something above
			// was fixed): otherwise builds/ protects its job directories,
			// and reading a thousand of them would slow every start.
			before := len(fixed)
			each(path, fs.FileInfo.IsDir)
			// One job's log directory is named; many are counted.
			if n := len(fixed) - before; n > 1 {
				jobDirs = n
				fixed = fixed[:before]
			}
		}
	}
	if jobDirs > 0 {
		fixed = append(fixed, fmt.Sprintf("builds/* (%d directories) lost group and other access", jobDirs))
	}
	return fixed, failed
}
