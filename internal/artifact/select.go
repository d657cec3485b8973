package artifact

import (
	"context"
	"errors"
	"io/fs"
	"strconv"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/antglob"
	"github.com/jeeves-ci/jeeves/internal/buildstep"
	"github.com/jeeves-ci/jeeves/internal/macro"
	"github.com/jeeves-ci/jeeves/internal/model"
)

// Console lines, as in Jenkins's hudson/tasks/Messages.properties.
const (
	LineArchiving = "Archiving artifacts"
	LineSkipped   = "Skipped archiving because build is not successful"
	LineRecording = "Recording fingerprints"
	msgNoIncludes = "No artifacts are configured for archiving.\n" +
		"You probably forgot to set the file pattern, so please go back to the configuration and specify it.\n" +
		"If you really did mean to archive all the files in the workspace, please specify \"**\""
)

// AccessDenied is the failure for a workspace path that cannot be read,
// as Jenkins words it (relative paths are joined to the workspace).
func AccessDenied(workspace, path string) string {
	if workspace != "" && !strings.HasPrefix(path, "/") {
		path = strings.TrimSuffix(workspace, "/") + "/" + path
	}
	return "Unable to archive artifacts from workspace " + workspace + ": access was denied to " + path +
		". Verify that the Jenkins controller and agent processes have the required file permissions."
}

// NoMatchFound is the line (or the failure) for a pattern that matched
// nothing.
func NoMatchFound(pattern string) string {
	return `No artifacts found that match the file pattern "` + pattern + `". Configuration error?`
}

// Input is what Select needs to know about the build.
type Input struct {
	// Result is the build's result so far; "" while none is set.
	Result model.Result
	// Freestyle expands build variables in the patterns, as Jenkins does
	// for freestyle builds and not for Pipeline.
	Freestyle bool
	// Lookup gives a build variable's value; nil means none are defined.
	Lookup func(name string) (string, bool)
	// Root is the workspace's absolute path on its machine: absolute
	// symbolic links inside it are followed, and it names the workspace in
	// messages.
	Root string
	// MaxEntries bounds the workspace entries examined; 0 means
	// DefaultMaxEntries.
	MaxEntries int
}

// DefaultMaxEntries bounds the workspace entries one selection examines
// unless Input says otherwise; directories no pattern can reach are not
// examined and do not count.
const DefaultMaxEntries = 5_000_000

// Selection is what Select decided.
type Selection struct {
	// Lines are the console lines to print, in order, before copying.
	Lines []string
	// Files are the files to archive, each under its Path, read from its
	// Source; empty when nothing is to be archived.
	Files []antglob.File
	// Fail, when not nil, fails the step: print Fail.Line() and set the
	// build's result to FAILURE. Nothing is archived then.
	Fail *buildstep.Error
	// Fingerprint says to print LineRecording once the files are copied.
	Fingerprint bool
	// Pattern is the include list as expanded.
	Pattern string
}

// Set returns the include list as the build expands it and the file
// set Select matches: a walker of a remote workspace can skip the
// directories the set cannot reach (Set.Descend).
func (a Archiver) Set(in Input) (pattern string, set *antglob.Set) {
	pattern = a.Artifacts
	if in.Freestyle && in.Lookup != nil {
		pattern = macro.Expand(pattern, in.Lookup)
	}
	var excludes []string
	if a.Excludes != "" {
		excludes = antglob.Split(a.Excludes)
	}
	return pattern, antglob.NewSet(antglob.Split(pattern), excludes, antglob.Options{
		CaseInsensitive:   !a.CaseSensitive,
		NoDefaultExcludes: !a.DefaultExcludes,
	})
}

// Select decides what the archiver archives from the workspace ws, and
// what it prints, as ArtifactArchiver.perform does:
//
//   - an empty Artifacts fails the step ("No artifacts are configured…");
//   - with OnlyIfSuccessful and a result worse than UNSTABLE it prints
//     LineSkipped and archives nothing;
//   - otherwise it prints LineArchiving and matches the workspace with
//     Ant's rules;
//   - when nothing matches and the build has not failed, it prints the
//     hint of FilePath.validateAntFileMask if there is one, then either
//     the NoMatchFound line (AllowEmptyArchive) or fails the step with
//     it; after a failure it prints nothing more.
//
// Matched entries that cannot be archived safely (symbolic links leading
// out of the workspace, dangling or looping, and devices, pipes and
// sockets) are left out with a line each: Jenkins would store them as
// links, whose downloads it then refuses. Paths that CheckPath refuses
// are left out alike. A directory that cannot be read for want of
// permission fails the step with Jenkins's "Unable to archive artifacts
// from workspace …" message; any other error reading the workspace is
// returned.
func (a Archiver) Select(ctx context.Context, ws fs.FS, in Input) (*Selection, error) {
	sel := &Selection{}
	if a.Artifacts == "" {
		sel.Fail = &buildstep.Error{Step: DisplayName, Message: msgNoIncludes}
		return sel, nil
	}
	if a.OnlyIfSuccessful && in.Result != "" && in.Result.Rank() > model.Unstable.Rank() {
		sel.Lines = append(sel.Lines, LineSkipped)
		return sel, nil
	}
	sel.Lines = append(sel.Lines, LineArchiving)
	pattern, set := a.Set(in)
	sel.Pattern = pattern
	max := in.MaxEntries
	if max <= 0 {
		max = DefaultMaxEntries
	}
	res, err := antglob.Scan(ctx, ws, set, antglob.ScanOptions{
		NoFollowSymlinks: !a.FollowSymlinks,
		Root:             in.Root,
		MaxEntries:       max,
	})
	if err != nil {
		var pe *fs.PathError
		if errors.Is(err, fs.ErrPermission) && errors.As(err, &pe) {
			sel.Fail = &buildstep.Error{Step: DisplayName, Message: AccessDenied(in.Root, pe.Path)}
			return sel, nil
		}
		if errors.Is(err, antglob.ErrBudget) {
			sel.Fail = &buildstep.Error{Step: DisplayName, Message: "the workspace holds more than " + strconv.Itoa(max) + " entries where the pattern could match; narrow the pattern"}
			return sel, nil
		}
		return nil, err
	}
	for _, s := range res.Skipped {
		sel.Lines = append(sel.Lines, "Not archiving ‘"+s.Path+"’: "+s.Reason)
	}
	for _, f := range res.Files {
		if err := CheckPath(f.Path); err != nil {
			sel.Lines = append(sel.Lines, "Not archiving ‘"+printable(f.Path)+"’: "+err.Error())
			continue
		}
		sel.Files = append(sel.Files, f)
	}
	if len(sel.Files) > 0 {
		sel.Fingerprint = a.Fingerprint
		return sel, nil
	}
	if in.Result != "" && in.Result.Rank() > model.Unstable.Rank() {
		// The build failed before it could produce anything: Jenkins
		// stays quiet.
		return sel, nil
	}
	if hint, err := antglob.Explain(ctx, ws, pattern, a.CaseSensitive, 0, in.Root); err == nil && hint != "" {
		sel.Lines = append(sel.Lines, hint)
	}
	if a.AllowEmptyArchive {
		sel.Lines = append(sel.Lines, NoMatchFound(pattern))
		return sel, nil
	}
	sel.Fail = &buildstep.Error{Step: DisplayName, Message: NoMatchFound(pattern)}
	return sel, nil
}
