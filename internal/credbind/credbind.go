// Package credbind binds credentials into freestyle builds: the build
// contributor (executor.Contributor) for the credentials-binding
// plugin's SecretBuildWrapper ("Use secret text(s) or file(s)").
//
// For a job whose config.xml has the wrapper, Setup resolves each
// binding's credential as Jenkins's CredentialsProvider.findCredentialById
// does for a freestyle build: in the job's context, as SYSTEM, so
// GLOBAL credentials only (SYSTEM-scoped ones are never offered to
// items) and no per-user check. It applies binding.Bind's plan: every
// secret is masked in the console from then on (internal/mask), each use
// is audited, secret files (a FileBinding's copy, an SSH key) are
// written through the build's launcher, mode 0400, in
// WORKSPACE@tmp/secretFiles (0700), and each variable is set. The uses
// are stored as the credentials' fingerprints once the build is over
// (Finished), off the build's own time.
//
// A binding to a missing, SYSTEM-scoped or wrong-type credential fails
// the build before its steps with Jenkins's line ("ERROR: Could not find
// credentials entry with ID 'x'", "ERROR: Credentials 'x' is of type …
// where … was expected"), binding nothing.
//
// The files go away with the build: the teardown removes them, and
// their directory, however the steps ended, aborted included. What a jeeves that died mid-build
// left is removed at the next start (Recover, an executor.Recoverer), and
// a build's Setup also empties the directory of what an earlier build of
// the same workspace left, since a workspace serves one build at a time.
//
// A job without the wrapper costs a build one search of its config.xml;
// a job's bindings are parsed once per version of its config.xml.
package credbind

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jeeves-ci/jeeves/internal/credentials"
	"github.com/jeeves-ci/jeeves/internal/credentials/binding"
	"github.com/jeeves-ci/jeeves/internal/credstore"
	"github.com/jeeves-ci/jeeves/internal/executor"
	"github.com/jeeves-ci/jeeves/internal/model"
)

// SecretFilesDir is the directory below WORKSPACE@tmp where a build's
// secret files go. A workspace serves one build at a time, so it is that
// build's alone: made at Setup, removed with its files by the teardown.
const SecretFilesDir = "secretFiles"

// cleanupTimeout bounds removing a build's secret files.
const cleanupTimeout = time.Minute

// Resolver gives builds credentials, audits their use and records it:
// credstore.Service.
type Resolver interface {
	Resolve(ctx context.Context, id string, b credstore.Build) (*credentials.Credential, error)
	AuditUse(b credstore.Build, ids ...string)
	StoreUse(ctx context.Context, b credstore.Build, ids ...string) error
}

// Contributor binds credentials into the builds of jobs that ask for it.
type Contributor struct {
	creds Resolver
	log   *slog.Logger
	// tag is how the wrapper's element begins in a config.xml; a job
	// without it costs a build one search of its config.xml.
	tag []byte

	// parsed keeps each job's bindings as read from its config.xml, so
	// that a build of an unchanged job does not parse it again.
	mu     sync.Mutex
	parsed map[int64]parsedConfig
}

// parsedConfig is a job's config.xml and what binding.FromConfigXML read
// from it.
type parsedConfig struct {
	config   []byte
	bindings []binding.Binding
	err      error
}

// maxParsed bounds the parsed configurations kept (past it they are all
// forgotten, and read again as builds need them).
const maxParsed = 1024

var (
	_ executor.Contributor = (*Contributor)(nil)
	_ executor.Recoverer   = (*Contributor)(nil)
)

// New returns the contributor, resolving credentials with creds; log
// (nil: none) gets what cannot be said in a build's console.
func New(creds Resolver, log *slog.Logger) *Contributor {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Contributor{creds: creds, log: log, tag: []byte("<" + binding.WrapperClass)}
}

// For implements executor.Contributor: a Part for jobs whose config.xml
// has a SecretBuildWrapper. A wrapper that does not parse gives a Part
// whose Setup fails the build, saying why.
func (c *Contributor) For(job *model.Job) *executor.Part {
	if !bytes.Contains(job.ConfigXML, c.tag) {
		return nil
	}
	bindings, err := c.bindings(job)
	p := &executor.Part{Name: "credentials binding", Runs: []string{binding.WrapperClass}}
	if err != nil {
		p.Setup = func(_ context.Context, b *executor.Build) (func(context.Context, *executor.Build), error) {
			fmt.Fprintf(b.Console(), "ERROR: %v\n", err)
			return nil, err
		}
		return p
	}
	if len(bindings) == 0 {
		return p
	}
	// What this build bound, for Finished to record.
	var ref credstore.Build
	var used []string
	p.Setup = func(ctx context.Context, b *executor.Build) (func(context.Context, *executor.Build), error) {
		ref = credstore.Build{JobID: b.Job.ID, JobName: b.Job.Name, Number: b.Build.Number}
		if b.By != nil {
			ref.By = b.By.User
		}
		var err error
		var teardown func(context.Context, *executor.Build)
		teardown, used, err = c.setup(ctx, b, ref, bindings)
		return teardown, err
	}
	p.Finished = func(ctx context.Context, _ model.Build) {
		if len(used) == 0 {
			return
		}
		if err := c.creds.StoreUse(ctx, ref, used...); err != nil {
			c.log.Error("cannot record the credentials a build used", "job", ref.JobName, "build", ref.Number, "err", err)
		}
	}
	return p
}

// bindings reads the job's bindings from its config.xml, or reuses what
// was read from the same config.xml before.
func (c *Contributor) bindings(job *model.Job) ([]binding.Binding, error) {
	c.mu.Lock()
	p, ok := c.parsed[job.ID]
	c.mu.Unlock()
	if ok && bytes.Equal(p.config, job.ConfigXML) {
		return p.bindings, p.err
	}
	p = parsedConfig{config: job.ConfigXML}
	p.bindings, p.err = binding.FromConfigXML(job.ConfigXML)
	c.mu.Lock()
	if c.parsed == nil || len(c.parsed) >= maxParsed {
		c.parsed = map[int64]parsedConfig{}
	}
	c.parsed[job.ID] = p
	c.mu.Unlock()
	return p.bindings, p.err
}

// needsFiles reports whether any binding writes a file.
func needsFiles(bindings []binding.Binding) bool {
	return slices.ContainsFunc(bindings, func(b binding.Binding) bool {
		return b.Class == binding.ClassFile || b.Class == binding.ClassSSHUserPrivateKey
	})
}

// setup binds the credentials into build b and returns the ids of those
// it bound. The teardown it returns, also with an error, removes the
// secret files and their directory.
func (c *Contributor) setup(ctx context.Context, b *executor.Build, ref credstore.Build, bindings []binding.Binding) (func(context.Context, *executor.Build), []string, error) {
	fail := func(err error) error {
		fmt.Fprintf(b.Console(), "ERROR: %v\n", err)
		return err
	}
	var dir string
	var teardown func(context.Context, *executor.Build)
	if needsFiles(bindings) {
		var err error
		if dir, err = c.prepareDir(ctx, b); err != nil {
			return nil, nil, fail(fmt.Errorf("cannot make the directory for the secret files: %w", err))
		}
		teardown = func(_ context.Context, b *executor.Build) { c.remove(b, dir) }
	}
	var ids []string
	plan, err := binding.Bind(bindings, dir, func(id string) (*credentials.Credential, error) {
		cred, err := c.creds.Resolve(ctx, id, ref)
		if cred != nil {
			ids = append(ids, id)
		}
		return cred, err
	})
	if err != nil {
		return teardown, nil, fail(err)
	}
	// Nothing is masked before Mask, so every secret is masked before
	// anything about the binding is printed; every use is audited
	// before any secret reaches the build.
	b.Mask(plan.Secrets...)
	c.creds.AuditUse(ref, ids...)
	for _, w := range plan.Warnings {
		fmt.Fprintln(b.Console(), w)
	}
	for _, f := range plan.Files {
		if err := b.Launcher.WriteFile(ctx, f.Path, bytes.NewReader(f.Data), f.Mode); err != nil {
			return teardown, ids, fail(fmt.Errorf("cannot write a secret file: %w", err))
		}
	}
	for _, kv := range plan.Env {
		name, value, _ := strings.Cut(kv, "=")
		b.SetEnv(name, value)
	}
	return teardown, ids, nil
}

// prepareDir readies the directory of the build's secret files,
// WORKSPACE@tmp/secretFiles: private (0700; made again if it is not),
// and empty. What an earlier build of this workspace left in it (a
// jeeves that died before its teardown) is removed: the workspace serves
// one build at a time, so the files' names (binding.Bind's fileN.tmp)
// are the build's own.
func (c *Contributor) prepareDir(ctx context.Context, b *executor.Build) (string, error) {
	l := b.Launcher
	dir := path.Join(b.TmpDir, SecretFilesDir)
	fi, err := l.Stat(ctx, dir)
	if err == nil && (!fi.IsDir() || fi.Mode().Perm()&0o077 != 0) {
		if err := l.RemoveAll(ctx, dir); err != nil {
			return "", err
		}
		err = fs.ErrNotExist
	}
	if err != nil {
		return dir, l.MkdirAll(ctx, dir, binding.DirMode)
	}
	entries, err := l.ReadDir(ctx, dir)
	if err != nil {
		return "", err
	}
	for _, e := range entries {
		if err := l.RemoveAll(ctx, path.Join(dir, e.Name())); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// remove deletes the directory of a build's secret files with what it
// holds, saying in the console when it cannot (the next build of the
// workspace, or the next start, tries again). The workspace serves one
// build at a time, so the directory is the build's alone.
func (c *Contributor) remove(b *executor.Build, dir string) {
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	if err := b.Launcher.RemoveAll(ctx, dir); err != nil {
		fmt.Fprintf(b.Console(), "WARNING: cannot remove the secret files in %s: %v\n", dir, err)
		c.log.Error("cannot remove a build's secret files", "job", b.Job.Name, "build", b.Build.Number, "dir", dir, "err", err)
	}
}

// Recover implements executor.Recoverer: it removes the secret files of
// the builds a jeeves that died left running, in each of their job's
// workspaces on node (WORKSPACE@tmp and WORKSPACE@N@tmp), since a build
// may have had any of them.
func (c *Contributor) Recover(ctx context.Context, node *executor.Node, stale []*model.Build) {
	if node == nil || node.Workspaces == nil {
		return
	}
	// The workspaces' parent directories, each listed once.
	byParent := map[string][]string{}
	for _, b := range stale {
		base := node.Workspaces.Path(b.JobName)
		dir, name := path.Dir(base), path.Base(base)
		if !slices.Contains(byParent[dir], name) {
			byParent[dir] = append(byParent[dir], name)
		}
	}
	for dir, names := range byParent {
		entries, err := node.Launcher.ReadDir(ctx, dir)
		if err != nil {
			continue // no workspace at all
		}
		for _, e := range entries {
			if !e.IsDir() || !isTmpOf(e.Name(), names) {
				continue
			}
			secrets := path.Join(dir, e.Name(), SecretFilesDir)
			if _, err := node.Launcher.Stat(ctx, secrets); errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err := node.Launcher.RemoveAll(ctx, secrets); err != nil {
				c.log.Error("cannot remove the secret files a build left when jeeves stopped", "dir", secrets, "err", err)
				continue
			}
			c.log.Info("removed the secret files a build left when jeeves stopped", "dir", secrets)
		}
	}
}

// isTmpOf reports whether entry is the @tmp sibling of one of the
// workspaces names: NAME@tmp or NAME@N@tmp.
func isTmpOf(entry string, names []string) bool {
	rest, ok := strings.CutSuffix(entry, "@tmp")
	if !ok {
		return false
	}
	for _, name := range names {
		if rest == name {
			return true
		}
		if n, ok := strings.CutPrefix(rest, name+"@"); ok {
			if _, err := strconv.Atoi(n); err == nil {
				return true
			}
		}
	}
	return false
}
