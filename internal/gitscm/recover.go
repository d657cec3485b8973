package gitscm

import (
	"context"
	"errors"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/jeeves-ci/jeeves/internal/executor"
	"github.com/jeeves-ci/jeeves/internal/model"
)

// secretDirPrefix begins the name of the private directory a checkout
// or a poll keeps its credentials' files in (an SSH key, an askpass
// script), below the build's WORKSPACE@tmp or Home/caches/git-poll.
const secretDirPrefix = "jeeves-git-"

// Recover removes the credentials' files that checkouts of builds a
// jeeves that stopped uncleanly left running did not get to remove:
// the jeeves-git-* directories in each such build's WORKSPACE@tmp (and
// its siblings' @N@tmp) on node. The executor calls it at start, before
// any build runs on the node (executor.Recoverer).
func (p *Plugin) Recover(ctx context.Context, node *executor.Node, stale []*model.Build) {
	if node == nil || node.Workspaces == nil || node.Launcher == nil {
		return
	}
	byParent := map[string]map[string]bool{}
	for _, b := range stale {
		base := node.Workspaces.Path(b.JobName)
		dir := path.Dir(base)
		if byParent[dir] == nil {
			byParent[dir] = map[string]bool{}
		}
		byParent[dir][path.Base(base)] = true
	}
	for dir, names := range byParent {
		entries, err := node.Launcher.ReadDir(ctx, dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if e.IsDir() && isTmpOf(e.Name(), names) {
				p.removeSecretDirs(ctx, node, path.Join(dir, e.Name()))
			}
		}
	}
}

// isTmpOf reports whether name is WORKSPACE@tmp or WORKSPACE@N@tmp of
// one of the workspaces named.
func isTmpOf(name string, workspaces map[string]bool) bool {
	base, ok := strings.CutSuffix(name, "@tmp")
	if !ok {
		return false
	}
	if i := lastAt(base); i >= 0 {
		base = base[:i]
	}
	return workspaces[base]
}

func (p *Plugin) removeSecretDirs(ctx context.Context, node *executor.Node, tmp string) {
	entries, err := node.Launcher.ReadDir(ctx, tmp)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), secretDirPrefix) {
			continue
		}
		d := path.Join(tmp, e.Name())
		if err := node.Launcher.RemoveAll(ctx, d); err != nil {
			p.cfg.Logger.Error("cannot remove the git credentials' files a build left when jeeves stopped", "dir", d, "err", err)
			continue
		}
		p.cfg.Logger.Info("removed the git credentials' files a build left when jeeves stopped", "dir", d)
	}
}

// cleanPollTmp removes what polls of a jeeves that stopped uncleanly
// left in Home/caches/git-poll; no poll runs yet.
func (p *Plugin) cleanPollTmp() {
	if p.cfg.Launcher == nil || p.cfg.Home == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dir := path.Join(p.cfg.Home, "caches", "git-poll")
	entries, err := p.cfg.Launcher.ReadDir(ctx, dir)
	if errors.Is(err, fs.ErrNotExist) || err != nil {
		return
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), secretDirPrefix) {
			if err := p.cfg.Launcher.RemoveAll(ctx, path.Join(dir, e.Name())); err != nil {
				p.cfg.Logger.Error("cannot remove the git credentials' files a poll left when jeeves stopped", "err", err)
			}
		}
	}
}
