package cli

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// makePrivate takes group and other access away from the home and what
// jeeves keeps in it, as a home made by an older jeeves (0755, files
// 0644) lets every local user read password hashes, password defaults
// and console logs. It reports what it changed ("jeeves.db 0644→0600"),
// and the paths it could not change with why.
//
// It visits the home's own entries, the files under secrets/ and audit/,
// and the directories under builds/ (one per job), never the console
// logs or the workspaces' contents: a directory without group or other
// access protects everything below it, so a home with 100,000 build logs
// starts as fast as an empty one. Symbolic links are left alone, so
// nothing outside the home is changed.
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
		if err := os.Chmod(path, mode&^0o077); err != nil {
			failed = append(failed, fmt.Sprintf("%s: %v", rel, errCause(err)))
			return
		}
		fixed = append(fixed, fmt.Sprintf("%s %04o→%04o", rel, mode, mode&^0o077))
	}
	fi, err := os.Lstat(home)
	if err != nil {
		return nil, []string{"home: " + errCause(err)}
	}
	fix(home, fi)
	entries, err := os.ReadDir(home)
	if err != nil {
		return fixed, append(failed, "home: "+errCause(err))
	}
	jobDirs := 0
	for _, e := range entries {
		path := filepath.Join(home, e.Name())
		fi, err := e.Info()
		if err != nil {
			continue // gone meanwhile
		}
		fix(path, fi)
		if !fi.IsDir() {
			continue
		}
		switch e.Name() {
		case "secrets", "audit":
			children, _ := os.ReadDir(path)
			for _, c := range children {
				if cfi, err := c.Info(); err == nil {
					fix(filepath.Join(path, c.Name()), cfi)
				}
			}
		case "builds":
			children, _ := os.ReadDir(path)
			before := len(fixed)
			for _, c := range children {
				if cfi, err := c.Info(); err == nil && cfi.IsDir() {
					fix(filepath.Join(path, c.Name()), cfi)
				}
			}
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
