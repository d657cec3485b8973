// Package credbind binds credentials into freestyle builds: the build
// contributor (executor.Contributor) for the credentials-binding
// plugin's SecretBuildWrapper ("Use secret text(s) or file(s)").
//
// For a job whose config.xml has the wrapper, Setup resolves each
// binding's credential as Jenkins's CredentialsProvider.findCredentialById
// does for a freestyle build: in the job's context, as SYSTEM, so
// GLOBAL credentials only (SYSTEM-scoped ones are never offered to
// items) and no per-user check. It applies binding.Bind's plan: every
// secret is masked in the console from then on (internal/mask), each
// variable is set, and secret files (a FileBinding's copy, an SSH key)
// are written through the build's launcher, mode 0400, in a new 0700
// directory below WORKSPACE@tmp/secretFiles/. Each use is recorded and
// audited (credstore.Service.RecordUse) before any secret reaches the
// build.
//
// A binding to a missing, SYSTEM-scoped or wrong-type credential fails
// the build before its steps with Jenkins's line ("ERROR: Could not find
// credentials entry with ID 'x'", "ERROR: Credentials 'x' is of type …
// where … was expected").
//
// The files go away with the build: the teardown removes the directory
// however the steps ended, aborted included. What a jeeves that died
// mid-build left is removed at the next start (Recover, an
// executor.Recoverer), and a build's Setup also removes what an earlier
// build of the same workspace left, since a workspace serves one build at
// a time.
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
	"time"

	"github.com/jeeves-ci/jeeves/internal/credentials"
	"github.com/jeeves-ci/jeeves/internal/credentials/binding"
	"github.com/jeeves-ci/jeeves/internal/credstore"
	"github.com/jeeves-ci/jeeves/internal/executor"
	"github.com/jeeves-ci/jeeves/internal/model"
)

// SecretFilesDir is the directory below WORKSPACE@tmp where builds'
// secret files go, each build's in a directory of its own.
const SecretFilesDir = "secretFiles"

// cleanupTimeout bounds removing a build's secret files.
const cleanupTimeout = time.Minute

// Resolver gives builds credentials and records their use:
// credstore.Service.
type Resolver interface {
	Resolve(ctx context.Context, id string, b credstore.Build) (*credentials.Credential, error)
	RecordUse(ctx context.Context, b credstore.Build, ids ...string) error
}

// Contributor binds credentials into the builds of jobs that ask for it.
type Contributor struct {
	creds Resolver
	log   *slog.Logger
}

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
	return &Contributor{creds: creds, log: log}
}

// wrapperTag is how the wrapper's element begins in a config.xml; a job
// without it costs a build one search of its config.xml.
var wrapperTag = []byte("<" + binding.WrapperClass)

// For implements executor.Contributor: a Part for jobs whose config.xml
// has a SecretBuildWrapper. A wrapper that does not parse gives a Part
// whose Setup fails the build, saying why.
func (c *Contributor) For(job *model.Job) *executor.Part {
	if !bytes.Contains(job.ConfigXML, wrapperTag) {
		return nil
	}
	bindings, err := binding.FromConfigXML(job.ConfigXML)
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
	p.Setup = func(ctx context.Context, b *executor.Build) (func(context.Context, *executor.Build), error) {
		return c.setup(ctx, b, bindings)
	}
	return p
}

// needsFiles reports whether any binding writes a file.
func needsFiles(bindings []binding.Binding) bool {
	return slices.ContainsFunc(bindings, func(b binding.Binding) bool {
		return b.Class == binding.ClassFile || b.Class == binding.ClassSSHUserPrivateKey
	})
}

// setup binds the credentials into build b. The teardown it returns,
// also with an error, removes the secret files.
func (c *Contributor) setup(ctx context.Context, b *executor.Build, bindings []binding.Binding) (func(context.Context, *executor.Build), error) {
	fail := func(err error) error {
		fmt.Fprintf(b.Console(), "ERROR: %v\n", err)
		return err
	}
	ref := credstore.Build{JobID: b.Job.ID, JobName: b.Job.Name, Number: b.Build.Number}
	if b.By != nil {
		ref.By = b.By.User
	}
	var dir string
	var teardown func(context.Context, *executor.Build)
	if needsFiles(bindings) {
		var err error
		if dir, err = c.makeDir(ctx, b); err != nil {
			return nil, fail(fmt.Errorf("cannot make a directory for the secret files: %w", err))
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
		return teardown, fail(err)
	}
	// Nothing is masked before Mask, so every secret is masked before
	// anything about the binding is printed.
	b.Mask(plan.Secrets...)
	if err := c.creds.RecordUse(ctx, ref, ids...); err != nil {
		return teardown, fail(fmt.Errorf("cannot record the use of the credentials, so they are not bound: %w", err))
	}
	for _, w := range plan.Warnings {
		fmt.Fprintln(b.Console(), w)
	}
	for _, f := range plan.Files {
		if err := b.Launcher.WriteFile(ctx, f.Path, bytes.NewReader(f.Data), f.Mode); err != nil {
			return teardown, fail(fmt.Errorf("cannot write a secret file: %w", err))
		}
	}
	for _, kv := range plan.Env {
		name, value, _ := strings.Cut(kv, "=")
		b.SetEnv(name, value)
	}
	return teardown, nil
}

// makeDir makes the build's secret directory: WORKSPACE@tmp/secretFiles
// (0700) emptied of what an earlier build of this workspace left, and a
// new directory of a random name in it (MkdirTemp: 0700, made
// exclusively).
func (c *Contributor) makeDir(ctx context.Context, b *executor.Build) (string, error) {
	parent := path.Join(b.TmpDir, SecretFilesDir)
	if err := b.Launcher.RemoveAll(ctx, parent); err != nil {
		return "", err
	}
	if err := b.Launcher.MkdirAll(ctx, parent, binding.DirMode); err != nil {
		return "", err
	}
	// A new directory of a name nobody can guess, made exclusively.
	dir, err := b.Launcher.MkdirTemp(ctx, parent, strconv.FormatInt(b.Build.Number, 10)+"-*")
	if err != nil {
		return "", err
	}
	return dir, nil
}

// remove deletes a build's secret directory, saying in the console when
// it cannot (the next build of the workspace, or the next start, tries
// again).
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
