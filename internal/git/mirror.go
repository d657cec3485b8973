package git

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"path"
	"regexp"
	"strings"
)

// Mirrors: each repository URL has a bare mirror in the cache directory
// of the build machine, <cache>/<hash of the URL>.git, fetched from the
// URL under the lock <cache>/<hash>.lock (flock, so that builds of two
// jeeves processes are safe too). A workspace borrows the mirror's
// objects through .git/objects/info/alternates and fetches from the
// mirror, which copies nothing: the second build of a job costs one
// incremental fetch from the remote, into the mirror.
//
// Borrowing objects makes a workspace depend on its mirror. So mirrors
// never lose objects (gc.pruneExpire=never: a force-pushed branch's old
// commits stay), each mirror has an id, made anew when it is rebuilt,
// and a workspace records the ids of the mirrors it borrows from
// (.git/jeeves-mirrors); a workspace whose mirror was rebuilt or removed
// is cloned again (from the mirror, so cheaply) instead of failing.
//
// A mirror that is half-made (no id), whose last fetch was interrupted
// and fails "git fsck --connectivity-only", or whose fetch fails the way
// a corrupt repository does, is deleted and made again.

const (
	mirrorIDFile    = "jeeves-mirror-id"
	mirrorURLFile   = "jeeves-mirror-url"
	mirrorFetchMark = "jeeves-fetching"
	workspaceMarker = "jeeves-mirrors"
)

// mirrorKey is the file name of a URL's mirror, without extension.
func mirrorKey(rawURL string) string {
	sum := sha256.Sum256([]byte(mirrorKeyURL(rawURL)))
	return hex.EncodeToString(sum[:12])
}

// MirrorDir is where the mirror of rawURL lives under cacheDir.
func MirrorDir(cacheDir, rawURL string) string {
	return path.Join(cacheDir, mirrorKey(rawURL)+".git")
}

// corruptRE recognises git's messages about a broken repository, as
// opposed to network and authentication failures.
var corruptRE = regexp.MustCompile(`(?i)not a git repository|bad object|did not send all necessary objects|` +
	`is corrupt|unable to read|object file .* is empty|packfile .* cannot be accessed|missing (?:blob|tree|commit) object|` +
	`loose object .* is corrupt|bad packed object|index-pack failed|inflate: data stream error|` +
	`fatal: bad config|could not read|broken link|is not a valid object|too short to be a packfile|does not match index|` +
	`is not a packfile|index unavailable|packfile .* is corrupt`)

// mirror is one URL's mirror, locked by the current checkout.
type mirror struct {
	dir, url string
	id       string // "" while the mirror does not exist
	fresh    bool   // made by this checkout: it has the remote's branches and tags
	unlock   func()
}

// openMirror locks the mirror of url and makes sure it is whole,
// creating or rebuilding it as needed. The caller must call m.close.
func (s *session) openMirror(cacheDir, url string) (*mirror, error) {
	if err := s.r.MkdirAll(cacheDir, 0o755); err != nil {
		return nil, err
	}
	key := mirrorKey(url)
	unlock, err := s.r.Lock(s.ctx, path.Join(cacheDir, key+".lock"))
	if err != nil {
		return nil, err
	}
	m := &mirror{dir: path.Join(cacheDir, key+".git"), url: url, unlock: unlock}
	if err := s.checkMirror(m); err != nil {
		unlock()
		return nil, err
	}
	return m, nil
}

func (m *mirror) close() {
	if m.unlock != nil {
		m.unlock()
		m.unlock = nil
	}
}

// checkMirror reads the mirror's id, rebuilding a half-made mirror and
// checking one whose last fetch was interrupted.
func (s *session) checkMirror(m *mirror) error {
	exists, _, err := s.r.Stat(m.dir)
	if err != nil || !exists {
		return err
	}
	id, err := s.r.ReadFile(path.Join(m.dir, mirrorIDFile))
	if err != nil {
		return s.dropMirror(m, "it was not completely made")
	}
	m.id = strings.TrimSpace(string(id))
	if ok, _, _ := s.r.Stat(path.Join(m.dir, mirrorFetchMark)); ok {
		if _, err := s.quiet(m.dir, "fsck", "--connectivity-only", "--no-progress", "--no-dangling"); err != nil {
			return s.dropMirror(m, "its last fetch was interrupted and it is damaged")
		}
		_ = s.r.RemoveAll(path.Join(m.dir, mirrorFetchMark))
	}
	return nil
}

// dropMirror deletes a damaged mirror; the next fetch makes it anew.
func (s *session) dropMirror(m *mirror, why string) error {
	s.println("The git mirror " + m.dir + " is rebuilt: " + why)
	m.id, m.fresh = "", false
	return s.r.RemoveAll(m.dir)
}

// createMirror makes the mirror with "git clone --bare" (which, unlike a
// fetch into an empty repository, needs no connectivity walk of the whole
// history); its id file is written last, so a mirror without one was
// interrupted while being made. The clone takes the remote's branches and
// tags; fetchMirror then fetches whatever else the job's refspecs name.
func (s *session) createMirror(m *mirror, gitURL string, timeout int, ce credEnv) error {
	if err := s.r.RemoveAll(m.dir); err != nil {
		return err
	}
	args := []string{"clone", "--bare", "--quiet", "--", gitURL, m.dir}
	if _, err := s.run(cmd{dir: path.Dir(m.dir), args: args, quiet: true, timeout: timeout, env: ce.env}); err != nil {
		_ = s.r.RemoveAll(m.dir)
		return err
	}
	for _, kv := range [][2]string{
		{"gc.pruneExpire", "never"}, // workspaces may borrow any object
		{"gc.autoDetach", "false"},  // gc runs under the mirror's lock
		{"core.logAllRefUpdates", "false"},
		{"fetch.unpackLimit", "1"}, // keep fetched objects packed
	} {
		if _, err := s.quiet(m.dir, "config", kv[0], kv[1]); err != nil {
			return err
		}
	}
	if err := s.r.WriteFile(path.Join(m.dir, mirrorURLFile), []byte(mirrorKeyURL(m.url)+"\n"), 0o644); err != nil {
		return err
	}
	m.id = randomHex(16)
	m.fresh = true
	return s.r.WriteFile(path.Join(m.dir, mirrorIDFile), []byte(m.id+"\n"), 0o644)
}

// mirrorRefspecs maps the refspecs of a fetch to the same names in the
// mirror ("+refs/heads/*:refs/remotes/origin/*" → "+refs/heads/*:refs/heads/*"),
// so that fetching the original refspecs from the mirror gives what
// fetching them from the remote would.
func mirrorRefspecs(refspecs []string, tags bool) []string {
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, rs := range refspecs {
		if strings.HasPrefix(rs, "^") {
			add(rs)
			continue
		}
		src, _, _ := strings.Cut(strings.TrimPrefix(rs, "+"), ":")
		if src == "" {
			continue
		}
		if !strings.HasPrefix(src, "refs/") {
			if strings.Contains(src, "*") {
				src = "refs/heads/" + src
			} else if shaSpecRE.MatchString(src) && len(src) == 40 {
				add(src) // a commit by its name: fetched, not mapped
				continue
			} else {
				src = "refs/heads/" + src
			}
		}
		add("+" + src + ":" + src)
	}
	if tags {
		add("+refs/tags/*:refs/tags/*")
	}
	return out
}

// fetchMirror brings the mirror up to date with the remote for the
// refspecs (mapped), making it first if needed, with the credential's
// environment. A fetch that fails the way a corrupt repository does
// rebuilds the mirror and tries once more.
func (s *session) fetchMirror(m *mirror, gitURL string, refspecs []string, tags bool, timeout int, ce credEnv) error {
	mapped := mirrorRefspecs(refspecs, tags)
	args := append([]string{"fetch", "--prune", "--force", "--no-tags", "--quiet", "--", gitURL}, mapped...)
	for attempt := 0; ; attempt++ {
		if m.id == "" {
			if err := s.createMirror(m, gitURL, timeout, ce); err != nil {
				return err
			}
		}
		if m.fresh && clonedRefspecs(mapped) {
			return nil // the clone just fetched all of it
		}
		mark := path.Join(m.dir, mirrorFetchMark)
		if err := s.r.WriteFile(mark, nil, 0o644); err != nil {
			return err
		}
		var stderr capped
		_, err := s.run(cmd{dir: m.dir, args: args, quiet: true, timeout: timeout, env: ce.env, stderr: &stderr})
		if err == nil && attempt == 0 && corruptRE.MatchString(stderr.String()) {
			// git fetched around damaged objects; rebuild rather than
			// keep a mirror that complains on every use.
			if rerr := s.dropMirror(m, "git reports damage: "+firstLineOf(stderr.String())); rerr != nil {
				return rerr
			}
			continue
		}
		if err == nil {
			return s.r.RemoveAll(mark)
		}
		if s.ctx.Err() != nil || attempt > 0 || !isCorruption(err) {
			_ = s.r.RemoveAll(mark)
			return err
		}
		if rerr := s.dropMirror(m, "fetching into it failed: "+firstLine(err)); rerr != nil {
			return rerr
		}
	}
}

// clonedRefspecs reports whether "git clone --bare" fetched everything
// the mirror refspecs name.
func clonedRefspecs(mapped []string) bool {
	for _, rs := range mapped {
		if rs != "+refs/heads/*:refs/heads/*" && rs != "+refs/tags/*:refs/tags/*" {
			return false
		}
	}
	return true
}

func isCorruption(err error) bool {
	var ce *CommandError
	return errors.As(err, &ce) && corruptRE.MatchString(ce.Stderr)
}

func firstLineOf(text string) string {
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimSpace(l); l != "" && corruptRE.MatchString(l) {
			return l
		}
	}
	return strings.TrimSpace(text)
}

func firstLine(err error) string {
	var ce *CommandError
	if errors.As(err, &ce) {
		for _, l := range strings.Split(ce.Stderr, "\n") {
			if l = strings.TrimSpace(l); l != "" {
				return l
			}
		}
	}
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// mirrorHealthy reports whether the mirror's objects are whole.
func (s *session) mirrorHealthy(m *mirror) bool {
	_, err := s.quiet(m.dir, "fsck", "--connectivity-only", "--no-progress", "--no-dangling")
	return err == nil
}

// PruneMirrors removes from cacheDir the mirrors of URLs not in keep
// (the URLs some job still uses), each under its lock so that no build
// is fetching it. It returns the directories removed.
func PruneMirrors(ctx context.Context, r Runner, cacheDir string, keep []string) ([]string, error) {
	names, err := r.ReadDir(cacheDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	wanted := map[string]bool{}
	for _, u := range keep {
		wanted[mirrorKey(u)] = true
	}
	var removed []string
	for _, n := range names {
		key, ok := strings.CutSuffix(n, ".git")
		if !ok || wanted[key] || len(key) != 24 {
			continue
		}
		unlock, err := r.Lock(ctx, path.Join(cacheDir, key+".lock"))
		if err != nil {
			return removed, err
		}
		dir := path.Join(cacheDir, n)
		err = r.RemoveAll(dir)
		if err == nil {
			err = r.RemoveAll(path.Join(cacheDir, key+".lock"))
		}
		unlock()
		if err != nil {
			return removed, err
		}
		removed = append(removed, dir)
	}
	return removed, nil
}
