package archive

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jeeves-ci/jeeves/internal/antglob"
	"github.com/jeeves-ci/jeeves/internal/artifact"
	"github.com/jeeves-ci/jeeves/internal/blob"
	"github.com/jeeves-ci/jeeves/internal/buildstep"
	"github.com/jeeves-ci/jeeves/internal/executor"
	"github.com/jeeves-ci/jeeves/internal/launcher"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/store"
	"github.com/jeeves-ci/jeeves/internal/wsfs"
)

var _ executor.Contributor = (*Service)(nil)

// For implements executor.Contributor: the archiver takes part in the
// builds of jobs that have a <hudson.tasks.ArtifactArchiver> publisher,
// as a recorder.
func (s *Service) For(job *model.Job) *executor.Part {
	e := buildstep.Publisher(job.ConfigXML, artifact.ArchiverClass)
	if e == nil {
		return nil
	}
	a, err := artifact.ArchiverFromElement(e)
	p := &executor.Part{Name: artifact.DisplayName, Runs: []string{artifact.ArchiverClass}}
	var pending *pendingBuild
	p.Publish = func(ctx context.Context, b *executor.Build) {
		if err != nil {
			fmt.Fprintln(b.Console(), (&buildstep.Error{Step: artifact.DisplayName, Message: err.Error(), Exception: true}).Line())
			b.SetResult(model.Failure)
			return
		}
		var failed bool
		failed, pending = s.publish(ctx, target{
			out: b.Console(), result: b.Result, env: b.Env(), l: b.Launcher, workspace: b.Workspace,
			jobName: b.Job.Name, jobID: b.Build.JobID, number: b.Build.Number, start: b.Build.StartedAt,
		}, a)
		if failed {
			b.SetResult(model.Failure)
		}
	}
	p.Finished = func(ctx context.Context, _ model.Build) {
		// The build's fingerprints are recorded before it is told
		// finished to anyone after it.
		if pending != nil {
			pending.wait(ctx)
		}
	}
	return p
}

// target is the build the archiver archives from, as it sees it.
type target struct {
	out           io.Writer // the console
	result        model.Result
	env           []string
	l             launcher.Launcher
	workspace     string
	jobName       string
	jobID, number int64
	start         time.Time
}

// lookup gives a build variable's value, ignoring case as Jenkins's
// EnvVars does; the last definition wins.
func lookup(env []string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		for i := len(env) - 1; i >= 0; i-- {
			if k, v, ok := strings.Cut(env[i], "="); ok && strings.EqualFold(k, name) {
				return v, true
			}
		}
		return "", false
	}
}

// publish runs the archiver in build b as ArtifactArchiver.perform does;
// failed says the step failed (the build's result becomes FAILURE), and
// pending is the fingerprinting still under way, if any.
func (s *Service) publish(ctx context.Context, b target, a artifact.Archiver) (failed bool, pending *pendingBuild) {
	out := b.out
	fail := func(e *buildstep.Error) (bool, *pendingBuild) {
		fmt.Fprintln(out, e.Line())
		return true, nil
	}
	for _, u := range a.Unknown {
		fmt.Fprintf(out, "WARNING: jeeves does not read <%s> of ‘%s’; it is kept in config.xml but ignored\n", u, artifact.DisplayName)
	}
	in := artifact.Input{Result: b.result, Freestyle: true, Lookup: lookup(b.env), Root: b.workspace}
	_, set := a.Set(in)
	dir, err := wsfs.Open(ctx, b.l, b.workspace, set.Descend)
	if err != nil {
		return fail(&buildstep.Error{Step: artifact.DisplayName, Message: err.Error(), Exception: true})
	}
	defer dir.Close()
	sel, err := a.Select(ctx, dir.FS, in)
	if err != nil {
		return fail(&buildstep.Error{Step: artifact.DisplayName, Message: err.Error(), Exception: true})
	}
	for _, l := range sel.Lines {
		fmt.Fprintln(out, l)
	}
	if sel.Fail != nil {
		return fail(sel.Fail)
	}
	if len(sel.Files) == 0 {
		return false, nil
	}
	jobID, number := b.jobID, b.number
	files, err := s.copyAll(ctx, dir, sel.Files, jobID, number)
	if err == nil {
		err = s.writeManifest(jobID, number, files)
	}
	if err != nil {
		// Nothing half archived stays behind.
		s.blobs.Delete(ManifestKey(jobID, number))
		s.blobs.Delete(ArchiveKey(jobID, number))
		return fail(&buildstep.Error{Step: artifact.DisplayName, Message: store.FileError(err).Error(), Exception: true})
	}
	var size int64
	for _, f := range files {
		size += f.Size
	}
	if err := s.st.SetBuildArtifacts(ctx, jobID, number, true, size); err != nil {
		s.log.Error("cannot record a build's artifacts", "job", b.jobName, "build", number, "err", err)
	}
	if sel.Fingerprint {
		fmt.Fprintln(out, artifact.LineRecording)
	}
	return false, s.hash.fingerprint(ctx, jobID, number, b.start, files)
}

// copyAll stores the selected files below the build's archive key and
// returns them, MD5 set where it was computed on the way.
func (s *Service) copyAll(ctx context.Context, dir *wsfs.Dir, files []antglob.File, jobID, number int64) ([]artifact.Artifact, error) {
	if fp, ok := s.blobs.(blob.FilePutter); ok && dir.Root() != nil {
		return s.copyLocal(ctx, dir.Root(), fp, files, jobID, number)
	}
	return artifact.Copy(ctx, dir.FS, files, &sink{blobs: s.blobs, jobID: jobID, number: number})
}

// sink stores streamed artifacts in the blob store.
type sink struct {
	blobs         blob.Store
	jobID, number int64
}

func (k *sink) Put(_ context.Context, a artifact.Artifact, r io.Reader) error {
	_, err := k.blobs.Put(fileKey(k.jobID, k.number, a.Path), r)
	return err
}

// copyLocal copies the files of a local workspace with the kernel,
// Copiers at a time, each opened through the workspace's root so that
// no link leads a copy outside it.
func (s *Service) copyLocal(ctx context.Context, root *os.Root, fp blob.FilePutter, files []antglob.File, jobID, number int64) ([]artifact.Artifact, error) {
	out := make([]artifact.Artifact, len(files))
	next := make(chan int)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	for range min(s.cfg.Copiers, len(files)) {
		wg.Go(func() {
			for i := range next {
				f := files[i]
				err := copyOne(root, fp, f, fileKey(jobID, number, f.Path))
				if err != nil {
					mu.Lock()
					if first == nil {
						first = fmt.Errorf("archiving %s: %w", f.Path, err)
					}
					mu.Unlock()
					continue
				}
				out[i] = artifact.Artifact{Path: f.Path, Size: f.Size, Mode: f.Mode, ModTime: f.ModTime}
			}
		})
	}
	for i := range files {
		mu.Lock()
		stop := first != nil
		mu.Unlock()
		if stop || ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return out, first
}

func copyOne(root *os.Root, fp blob.FilePutter, f antglob.File, key string) error {
	// O_NONBLOCK: a file swapped for a pipe since the scan must not hold
	// the build.
	src, err := root.OpenFile(f.Source, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return err
	}
	defer src.Close()
	if fi, err := src.Stat(); err != nil || !fi.Mode().IsRegular() {
		return errors.New("no longer a regular file")
	}
	if _, err := fp.PutFile(key, src, f.Size); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return artifact.ErrChanged
		}
		return err
	}
	return nil
}

// writeManifest stores the build's manifest.
func (s *Service) writeManifest(jobID, number int64, files []artifact.Artifact) error {
	m := Manifest{Files: make([]ManifestFile, len(files))}
	for i, f := range files {
		m.Files[i] = ManifestFile{Path: f.Path, Size: f.Size, Mode: uint32(f.Mode.Perm()), ModTime: f.ModTime.UnixMilli(), MD5: f.MD5}
	}
	slices.SortFunc(m.Files, func(a, b ManifestFile) int { return antglob.JavaCompare(a.Path, b.Path) })
	data, err := json.Marshal(&m)
	if err != nil {
		return err
	}
	_, err = s.blobs.Put(ManifestKey(jobID, number), bytes.NewReader(data))
	return err
}

// modTime reads a manifest time.
func modTime(ms int64) time.Time { return time.UnixMilli(ms) }
