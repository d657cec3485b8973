package sshagent

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Exit statuses the file scripts use for errors the caller tells apart.
const (
	exitNotExist = 3
	exitPerm     = 4
	exitIsDir    = 5
)

// checkAbs refuses relative paths (a leading '-' would also read as an
// option to find and friends).
func checkAbs(op, p string) error {
	if !strings.HasPrefix(p, "/") {
		return &fs.PathError{Op: op, Path: p, Err: errors.New("jeeves works on agents with absolute paths only")}
	}
	if strings.ContainsRune(p, 0) {
		return &fs.PathError{Op: op, Path: p, Err: errors.New("a path cannot hold a NUL byte")}
	}
	return nil
}

// fileErr turns a script's exit status and stderr into a *fs.PathError.
func fileErr(op, p string, code int, stderr []byte) error {
	var e error
	switch code {
	case exitNotExist:
		e = fs.ErrNotExist
	case exitPerm:
		e = fs.ErrPermission
	case exitIsDir:
		e = errors.New("is a directory")
	default:
		msg := strings.TrimSpace(string(stderr))
		switch {
		case strings.Contains(msg, "No such file"):
			e = fmt.Errorf("%w: %s", fs.ErrNotExist, msg)
		case strings.Contains(msg, "Permission denied"):
			e = fmt.Errorf("%w: %s", fs.ErrPermission, msg)
		case msg == "":
			e = fmt.Errorf("exit status %d", code)
		default:
			e = errors.New(msg)
		}
	}
	return &fs.PathError{Op: op, Path: p, Err: e}
}

// simple runs a file script and maps a non-zero status to an error.
func (a *Agent) simple(ctx context.Context, op, p, script string, stdin io.Reader) ([]byte, error) {
	c, err := a.conn(ctx)
	if err != nil {
		return nil, err
	}
	var o, e bytes.Buffer
	code, err := a.exec(ctx, c, script, stdin, &o, &e)
	if err != nil {
		return nil, &fs.PathError{Op: op, Path: p, Err: err}
	}
	if code != 0 {
		return nil, fileErr(op, p, code, e.Bytes())
	}
	return o.Bytes(), nil
}

// MkdirAll creates dir and its missing parents (mkdir -p), the last one
// with mode perm.
func (a *Agent) MkdirAll(ctx context.Context, dir string, perm fs.FileMode) error {
	if err := checkAbs("mkdir", dir); err != nil {
		return err
	}
	_, err := a.simple(ctx, "mkdir", dir, fmt.Sprintf("mkdir -p -m %o -- %s", perm.Perm(), shq(dir)), nil)
	return err
}

// lener is a reader that knows how much is left (bytes.Reader,
// strings.Reader, bytes.Buffer).
type lener interface{ Len() int }

// WriteFile writes r to name with mode perm, replacing it atomically: the
// content goes to a temporary file beside it, renamed over name only
// once complete. A reader that knows its length (Len) takes one
// command; any other takes two, so a failed upload never replaces name.
func (a *Agent) WriteFile(ctx context.Context, name string, r io.Reader, perm fs.FileMode) error {
	if err := checkAbs("write", name); err != nil {
		return err
	}
	q := shq(name)
	tmp := shq(path.Join(path.Dir(name), "."+path.Base(name)+".jeeves-"+randomID()))
	mode := fmt.Sprintf("%o", perm.Perm())
	if l, ok := r.(lener); ok {
		n := l.Len()
		script := fmt.Sprintf(`[ -d %s ] || exit %d; umask 077; head -c %d > %s && [ "$(wc -c < %s)" -eq %d ] && chmod %s %s && mv -f -- %s %s || { rm -f -- %s; exit 1; }`,
			shq(path.Dir(name)), exitNotExist, n, tmp, tmp, n, mode, tmp, tmp, q, tmp)
		_, err := a.simple(ctx, "write", name, script, r)
		return err
	}
	if _, err := a.simple(ctx, "write", name, fmt.Sprintf(`[ -d %s ] || exit %d; umask 077; cat > %s || { rm -f -- %s; exit 1; }`, shq(path.Dir(name)), exitNotExist, tmp, tmp), r); err != nil {
		return err
	}
	_, err := a.simple(ctx, "write", name, fmt.Sprintf(`chmod %s %s && mv -f -- %s %s || { rm -f -- %s; exit 1; }`, mode, tmp, tmp, q, tmp), nil)
	return err
}

// Open streams a file's content. Close ends the transfer.
func (a *Agent) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	if err := checkAbs("open", name); err != nil {
		return nil, err
	}
	c, err := a.conn(ctx)
	if err != nil {
		return nil, err
	}
	s, release, err := a.session(ctx, c)
	if err != nil {
		return nil, err
	}
	out, err := s.StdoutPipe()
	if err != nil {
		release()
		return nil, err
	}
	var stderr bytes.Buffer
	s.Stderr = &stderr
	q := shq(name)
	script := fmt.Sprintf(`if [ ! -e %s ]; then exit %d; elif [ -d %s ]; then exit %d; elif [ ! -r %s ]; then exit %d; fi; printf o; exec cat -- %s`,
		q, exitNotExist, q, exitIsDir, q, exitPerm, q)
	if err := s.Start(a.wrap(script)); err != nil {
		release()
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	stop := context.AfterFunc(ctx, release)
	br := bufio.NewReader(out)
	b, err := br.ReadByte()
	if err != nil || b != 'o' {
		werr := s.Wait()
		stop()
		release()
		code := -1
		if ee, ok := werr.(interface{ ExitStatus() int }); ok {
			code = ee.ExitStatus()
		}
		if ctx.Err() != nil {
			return nil, &fs.PathError{Op: "open", Path: name, Err: ctx.Err()}
		}
		return nil, fileErr("open", name, code, stderr.Bytes())
	}
	return &remoteFile{r: br, done: func() error {
		stop()
		release()
		return nil
	}}, nil
}

type remoteFile struct {
	r    io.Reader
	done func() error
}

func (f *remoteFile) Read(p []byte) (int, error) { return f.r.Read(p) }
func (f *remoteFile) Close() error               { return f.done() }

// FileInfo is a remote file's fs.FileInfo.
type FileInfo struct {
	name    string
	size    int64
	mode    fs.FileMode
	modTime time.Time
}

func (f *FileInfo) Name() string       { return f.name }
func (f *FileInfo) Size() int64        { return f.size }
func (f *FileInfo) Mode() fs.FileMode  { return f.mode }
func (f *FileInfo) ModTime() time.Time { return f.modTime }
func (f *FileInfo) IsDir() bool        { return f.mode.IsDir() }
func (f *FileInfo) Sys() any           { return nil }

// findFormat is what find -printf prints per file: type, permission
// bits, size, mtime, path.
const findFormat = `%y %m %s %T@ %p\0`

// parseFind reads one record of findFormat (without its NUL).
func parseFind(rec string) (string, *FileInfo, error) {
	f := strings.SplitN(rec, " ", 5)
	if len(f) != 5 {
		return "", nil, fmt.Errorf("unexpected find output %q", rec)
	}
	perm, err1 := strconv.ParseUint(f[1], 8, 32)
	size, err2 := strconv.ParseInt(f[2], 10, 64)
	mt, err3 := strconv.ParseFloat(f[3], 64)
	if err := errors.Join(err1, err2, err3); err != nil {
		return "", nil, fmt.Errorf("unexpected find output %q: %v", rec, err)
	}
	mode := fs.FileMode(perm) & fs.ModePerm
	if perm&0o4000 != 0 {
		mode |= fs.ModeSetuid
	}
	if perm&0o2000 != 0 {
		mode |= fs.ModeSetgid
	}
	if perm&0o1000 != 0 {
		mode |= fs.ModeSticky
	}
	switch f[0] {
	case "d":
		mode |= fs.ModeDir
	case "l":
		mode |= fs.ModeSymlink
	case "p":
		mode |= fs.ModeNamedPipe
	case "s":
		mode |= fs.ModeSocket
	case "c":
		mode |= fs.ModeDevice | fs.ModeCharDevice
	case "b":
		mode |= fs.ModeDevice
	}
	sec, frac := math.Modf(mt)
	p := f[4]
	return p, &FileInfo{name: path.Base(p), size: size, mode: mode, modTime: time.Unix(int64(sec), int64(frac*1e9))}, nil
}

// Stat describes a file, following symbolic links.
func (a *Agent) Stat(ctx context.Context, name string) (fs.FileInfo, error) {
	if err := checkAbs("stat", name); err != nil {
		return nil, err
	}
	q := shq(name)
	out, err := a.simple(ctx, "stat", name, fmt.Sprintf(`[ -e %s ] || exit %d; exec find -H %s -maxdepth 0 -printf '%s'`, q, exitNotExist, q, findFormat), nil)
	if err != nil {
		return nil, err
	}
	_, fi, err := parseFind(strings.TrimSuffix(string(out), "\x00"))
	if err != nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: err}
	}
	return fi, nil
}

// Walk calls fn for root and every file below it, parents before their
// children, in the order find lists them (not sorted). It does not
// follow symbolic links below root. fn's path is the file's full path;
// returning fs.SkipDir from fn for a directory skips what is below it,
// fs.SkipAll ends the walk. A missing root gives fn a fs.ErrNotExist
// error.
func (a *Agent) Walk(ctx context.Context, root string, fn func(path string, info fs.FileInfo, err error) error) error {
	if err := checkAbs("walk", root); err != nil {
		return err
	}
	c, err := a.conn(ctx)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s, release, err := a.session(ctx, c)
	if err != nil {
		return err
	}
	defer release()
	stop := context.AfterFunc(ctx, release)
	defer stop()
	out, err := s.StdoutPipe()
	if err != nil {
		return err
	}
	var stderr bytes.Buffer
	s.Stderr = &stderr
	q := shq(root)
	if err := s.Start(a.wrap(fmt.Sprintf(`[ -e %s ] || exit %d; exec find -H %s -printf '%s'`, q, exitNotExist, q, findFormat))); err != nil {
		return err
	}
	br := bufio.NewReaderSize(out, 64<<10)
	var skip []string
	for {
		rec, rerr := br.ReadString(0)
		if rerr != nil {
			break
		}
		p, fi, perr := parseFind(strings.TrimSuffix(rec, "\x00"))
		if perr != nil {
			return perr
		}
		skipped := false
		for _, sdir := range skip {
			if strings.HasPrefix(p, sdir+"/") {
				skipped = true
				break
			}
		}
		if skipped {
			continue
		}
		switch err := fn(p, fi, nil); {
		case err == nil:
		case errors.Is(err, fs.SkipDir) && fi.IsDir():
			skip = append(skip, strings.TrimSuffix(p, "/"))
		case errors.Is(err, fs.SkipDir) || errors.Is(err, fs.SkipAll):
			if errors.Is(err, fs.SkipAll) || p == root {
				return nil
			}
			skip = append(skip, path.Dir(p))
		default:
			return err
		}
	}
	werr := s.Wait()
	if werr != nil {
		code := -1
		if ee, ok := werr.(interface{ ExitStatus() int }); ok {
			code = ee.ExitStatus()
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		e := fileErr("walk", root, code, stderr.Bytes())
		if code == exitNotExist {
			return fn(root, nil, e)
		}
		return e
	}
	return nil
}

// RemoveAll removes path and everything below it (rm -rf), also
// directories a build left without write permission (made writable
// first). A missing path is no error; "/" is refused.
func (a *Agent) RemoveAll(ctx context.Context, p string) error {
	if err := checkAbs("remove", p); err != nil {
		return err
	}
	if path.Clean(p) == "/" {
		return &fs.PathError{Op: "remove", Path: p, Err: errors.New("jeeves does not remove the root directory")}
	}
	q := shq(p)
	_, err := a.simple(ctx, "remove", p, "rm -rf -- "+q+" 2>/dev/null || { chmod -R u+rwx -- "+q+" 2>/dev/null; rm -rf -- "+q+"; }", nil)
	return err
}

// Rename renames from to to as rename(2) does (mv -T: a directory is
// never moved into an existing one).
func (a *Agent) Rename(ctx context.Context, from, to string) error {
	if err := checkAbs("rename", from); err != nil {
		return err
	}
	if err := checkAbs("rename", to); err != nil {
		return err
	}
	_, err := a.simple(ctx, "rename", from, fmt.Sprintf("[ -e %s ] || [ -L %s ] || exit %d; mv -T -f -- %s %s", shq(from), shq(from), exitNotExist, shq(from), shq(to)), nil)
	return err
}

// Remove removes a file or an empty directory (rm, or rmdir for a
// directory); a missing name gives an error wrapping fs.ErrNotExist.
func (a *Agent) Remove(ctx context.Context, name string) error {
	if err := checkAbs("remove", name); err != nil {
		return err
	}
	q := shq(name)
	_, err := a.simple(ctx, "remove", name, fmt.Sprintf(`[ -e %s ] || [ -L %s ] || exit %d; if [ -d %s ] && [ ! -L %s ]; then exec rmdir -- %s; fi; exec rm -f -- %s`,
		q, q, exitNotExist, q, q, q, q), nil)
	return err
}

// tempTemplate splits a pattern as os.CreateTemp reads it (its last "*"
// is where the random part goes; none: at the end) into mktemp's
// template and suffix.
func tempTemplate(pattern string) (template, suffix string, err error) {
	if strings.ContainsRune(pattern, '/') || strings.ContainsRune(pattern, 0) {
		return "", "", errors.New("pattern contains a path separator")
	}
	prefix := pattern
	if i := strings.LastIndexByte(pattern, '*'); i >= 0 {
		prefix, suffix = pattern[:i], pattern[i+1:]
	}
	return prefix + "XXXXXXXXXX", suffix, nil
}

// tmpDir is the shell expression of the directory a temporary file goes
// in: dir, or the agent's temporary directory when dir is "".
func tmpDir(dir string) string {
	if dir == "" {
		return `"${TMPDIR:-/tmp}"`
	}
	return shq(dir)
}

// MkdirTemp makes a new directory (mode 0700) with a unique name made
// from pattern in dir, as os.MkdirTemp does, and returns its path.
func (a *Agent) MkdirTemp(ctx context.Context, dir, pattern string) (string, error) {
	if dir != "" {
		if err := checkAbs("mkdirtemp", dir); err != nil {
			return "", err
		}
	}
	tmpl, suffix, err := tempTemplate(pattern)
	if err != nil {
		return "", &fs.PathError{Op: "mkdirtemp", Path: dir + "/" + pattern, Err: err}
	}
	out, err := a.simple(ctx, "mkdirtemp", dir, fmt.Sprintf(`[ -d %s ] || exit %d; exec mktemp -d -p %s --suffix=%s -- %s`,
		tmpDir(dir), exitNotExist, tmpDir(dir), shq(suffix), shq(tmpl)), nil)
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(string(out), "\n"), nil
}

// CreateTemp writes r to a new file, mode 0600, with a unique name made
// from pattern in dir (the agent's $TMPDIR, else /tmp, when dir is ""),
// created exclusively (mktemp), and returns its path. A failed upload
// leaves no file.
func (a *Agent) CreateTemp(ctx context.Context, dir, pattern string, r io.Reader) (string, error) {
	if dir != "" {
		if err := checkAbs("createtemp", dir); err != nil {
			return "", err
		}
	}
	tmpl, suffix, err := tempTemplate(pattern)
	if err != nil {
		return "", &fs.PathError{Op: "createtemp", Path: dir + "/" + pattern, Err: err}
	}
	copyIn := `cat > "$f"`
	if l, ok := r.(lener); ok {
		n := l.Len()
		copyIn = fmt.Sprintf(`head -c %d > "$f" && [ "$(wc -c < "$f")" -eq %d ]`, n, n)
	}
	script := fmt.Sprintf(`[ -d %s ] || exit %d; f=$(mktemp -p %s --suffix=%s -- %s) || exit 1
%s || { rm -f -- "$f"; exit 1; }
printf '%%s' "$f"`, tmpDir(dir), exitNotExist, tmpDir(dir), shq(suffix), shq(tmpl), copyIn)
	out, err := a.simple(ctx, "createtemp", dir, script, r)
	if err != nil {
		return "", err
	}
	return string(out), nil
}

// ReadDir lists dir's entries sorted by name, as os.ReadDir does (a
// symbolic link is listed as one, not followed).
func (a *Agent) ReadDir(ctx context.Context, dir string) ([]fs.DirEntry, error) {
	if err := checkAbs("readdir", dir); err != nil {
		return nil, err
	}
	q := shq(dir)
	out, err := a.simple(ctx, "readdir", dir, fmt.Sprintf(`[ -e %s ] || exit %d; [ -d %s ] || { echo 'not a directory' >&2; exit 1; }; exec find -H %s -mindepth 1 -maxdepth 1 -printf '%s'`,
		q, exitNotExist, q, q, findFormat), nil)
	if err != nil {
		return nil, err
	}
	var list []fs.DirEntry
	for rec := range strings.SplitSeq(string(out), "\x00") {
		if rec == "" {
			continue
		}
		_, fi, err := parseFind(rec)
		if err != nil {
			return nil, &fs.PathError{Op: "readdir", Path: dir, Err: err}
		}
		list = append(list, fs.FileInfoToDirEntry(fi))
	}
	slices.SortFunc(list, func(x, y fs.DirEntry) int { return strings.Compare(x.Name(), y.Name()) })
	return list, nil
}
