// Package archive keeps what builds archive, as Jenkins's "Archive the
// artifacts" publisher and its artifact manager do, over the blob store
// and the store's records:
//
//   - Service.For is the publisher as a build contributor
//     (executor.Contributor): it selects files in the workspace through
//     the build's launcher (artifact.Archiver.Select), copies them below
//     blob.BuildKey(job, n)/archive/, writes the build's manifest
//     (ManifestKey) and records the build's artifacts and disk usage.
//     On the built-in node the kernel copies the files (a clone where
//     the file system can); elsewhere they stream through the launcher.
//   - Fingerprints (MD5, as Jenkins's) are recorded for every archived
//     file: at once for streamed files, which are hashed as they pass;
//     off the build's path for files the kernel copied, by a pool that
//     hashes them from the archive. A fingerprint looked up while
//     hashing is pending waits for it.
//   - The edge reads a build's artifacts through List (the "artifacts"
//     of a build's api/json), Tree (a browse.Tree for …/artifact/…,
//     its downloads, listings and zips), Open (one download) and
//     Fingerprint (/fingerprint/<md5>/api/json); the discarder deletes
//     them with DeleteArtifacts.
//
// The manifest lists every archived file with its size, mode and time,
// so nothing that reads artifacts walks a directory.
package archive

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"strings"
	"sync"

	"github.com/jeeves-ci/jeeves/internal/artifact"
	"github.com/jeeves-ci/jeeves/internal/blob"
	"github.com/jeeves-ci/jeeves/internal/store"
)

// ArchiveKey is the key below which a build's artifacts are kept, each
// under its relative path.
func ArchiveKey(jobID, number int64) string {
	return blob.BuildKey(jobID, number) + "/" + artifact.ArchiveDirName
}

// ManifestKey is the key of a build's manifest: its artifacts as JSON.
func ManifestKey(jobID, number int64) string {
	return blob.BuildKey(jobID, number) + "/artifacts.json"
}

// Store is what the service keeps in the store.
type Store interface {
	store.Records
	store.Fingerprints
}

// Config sets up a Service.
type Config struct {
	Logger *slog.Logger
	// Hashers is how many files are fingerprinted at once off the
	// builds' path; 0: the number of CPUs.
	Hashers int
	// Copiers is how many files a build copies at once on the built-in
	// node; 0: the number of CPUs, at least 2.
	Copiers int
	// CacheBuilds is how many builds' manifests are kept in memory for
	// browsing; 0: 32.
	CacheBuilds int
}

// Service keeps builds' artifacts. Create it with New; Close it at
// shutdown.
type Service struct {
	cfg   Config
	blobs blob.Store
	st    Store
	log   *slog.Logger
	hash  *hasher

	mu    sync.Mutex
	cache map[[2]int64]*cached
	order [][2]int64 // least recently used first
}

// New returns the service over the blob store and the store.
func New(cfg Config, blobs blob.Store, st Store) *Service {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Hashers <= 0 {
		cfg.Hashers = runtime.NumCPU()
	}
	if cfg.Copiers <= 0 {
		cfg.Copiers = max(2, runtime.NumCPU())
	}
	if cfg.CacheBuilds <= 0 {
		cfg.CacheBuilds = 32
	}
	s := &Service{cfg: cfg, blobs: blobs, st: st, log: cfg.Logger, cache: map[[2]int64]*cached{}}
	s.hash = newHasher(s, cfg.Hashers)
	return s
}

// Close waits until the fingerprints being computed are recorded, or
// ctx ends, and stops the hashers.
func (s *Service) Close(ctx context.Context) error { return s.hash.close(ctx) }

// Manifest is a build's artifacts as stored: every archived file, in
// Java's order of their paths.
type Manifest struct {
	Files []ManifestFile `json:"files"`
}

// ManifestFile is one archived file.
type ManifestFile struct {
	Path    string `json:"path"`
	Size    int64  `json:"size"`
	Mode    uint32 `json:"mode"`  // permission bits
	ModTime int64  `json:"mtime"` // Unix milliseconds
	// MD5 is set when the file was hashed as it was archived.
	MD5 string `json:"md5,omitempty"`
}

// MaxManifest bounds the manifest read back, in bytes.
const MaxManifest = 1 << 30

// readManifest reads a build's manifest; store.ErrNotFound when the
// build has no artifacts.
func (s *Service) readManifest(jobID, number int64) (*Manifest, error) {
	r, err := s.blobs.Open(ManifestKey(jobID, number))
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var m Manifest
	dec := json.NewDecoder(io.LimitReader(r, MaxManifest))
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("artifacts of build %d #%d: %w", jobID, number, err)
	}
	return &m, nil
}

// fileKey is the blob key of an artifact.
func fileKey(jobID, number int64, rel string) string {
	return ArchiveKey(jobID, number) + "/" + rel
}

// DeleteArtifacts deletes a build's artifacts and its manifest, as
// Run.deleteArtifacts does, and takes their bytes off the build's disk
// usage; the build and its other records stay. A build without
// artifacts is not an error.
func (s *Service) DeleteArtifacts(ctx context.Context, jobID, number int64) error {
	m, err := s.readManifest(jobID, number)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	var size int64
	if m != nil {
		for _, f := range m.Files {
			size += f.Size
		}
	}
	s.forget(jobID, number)
	// The manifest goes first: a build whose files are half deleted
	// must not list them.
	if err := s.blobs.Delete(ManifestKey(jobID, number)); err != nil {
		return store.FileError(err)
	}
	if err := s.blobs.Delete(ArchiveKey(jobID, number)); err != nil {
		return store.FileError(err)
	}
	if err := s.st.SetBuildArtifacts(ctx, jobID, number, false, -size); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return nil
}

// cleanName is a file name fit for a fingerprint record.
func cleanName(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}
