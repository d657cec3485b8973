package archive

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/jeeves-ci/jeeves/internal/artifact"
	"github.com/jeeves-ci/jeeves/internal/export"
	"github.com/jeeves-ci/jeeves/internal/store"
)

// hasher fingerprints archived files off the builds' path: a pool of
// workers reads each file back from the archive, and a build's
// fingerprints are recorded at once when its last file is hashed.
type hasher struct {
	s *Service

	mu      sync.Mutex
	cond    *sync.Cond
	queue   []task
	pending int           // builds not yet recorded
	idle    chan struct{} // closed while pending is 0
	closed  bool
	workers sync.WaitGroup
}

type task struct {
	pb *pendingBuild
	i  int
}

// pendingBuild is a build whose fingerprints are being computed.
type pendingBuild struct {
	jobID, number int64
	start         time.Time
	files         []artifact.Artifact
	mu            sync.Mutex
	left          int
	done          chan struct{}
	once          sync.Once
}

// finish marks the build's fingerprinting over, recorded or given up.
func (p *pendingBuild) finish() { p.once.Do(func() { close(p.done) }) }

// wait waits until the build's fingerprints are recorded, or ctx ends.
func (p *pendingBuild) wait(ctx context.Context) {
	select {
	case <-p.done:
	case <-ctx.Done():
	}
}

func newHasher(s *Service, workers int) *hasher {
	h := &hasher{s: s, idle: make(chan struct{})}
	close(h.idle)
	h.cond = sync.NewCond(&h.mu)
	for range workers {
		h.workers.Go(h.work)
	}
	return h
}

// fingerprint records the fingerprints of a build's artifacts: at once
// when every MD5 is known, otherwise once the workers have hashed the
// rest, and it returns that pending work.
func (h *hasher) fingerprint(ctx context.Context, jobID, number int64, start time.Time, files []artifact.Artifact) *pendingBuild {
	pb := &pendingBuild{jobID: jobID, number: number, start: start, files: files, done: make(chan struct{})}
	var todo []task
	for i, f := range files {
		if f.MD5 == "" {
			todo = append(todo, task{pb, i})
		}
	}
	if len(todo) == 0 {
		h.record(pb)
		pb.finish()
		return nil
	}
	pb.left = len(todo)
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		h.s.log.Warn("jeeves is stopping: the build's artifacts are not fingerprinted", "job", jobID, "build", number)
		pb.finish()
		return nil
	}
	if h.pending == 0 {
		h.idle = make(chan struct{})
	}
	h.pending++
	h.queue = append(h.queue, todo...)
	h.cond.Broadcast()
	h.mu.Unlock()
	return pb
}

func (h *hasher) work() {
	// The read buffer is made at the first task, not at start: an
	// installation that archives nothing keeps no buffer per worker.
	var buf []byte
	for {
		h.mu.Lock()
		for len(h.queue) == 0 && !h.closed {
			h.cond.Wait()
		}
		if len(h.queue) == 0 {
			h.mu.Unlock()
			return
		}
		t := h.queue[0]
		h.queue[0] = task{}
		h.queue = h.queue[1:]
		h.mu.Unlock()

		if buf == nil {
			buf = make([]byte, 256<<10)
		}
		pb := t.pb
		f := &pb.files[t.i]
		sum, err := h.md5(fileKey(pb.jobID, pb.number, f.Path), buf)
		pb.mu.Lock()
		if err == nil {
			f.MD5 = sum
		}
		pb.left--
		last := pb.left == 0
		pb.mu.Unlock()
		if err != nil {
			// The build was deleted meanwhile, most likely.
			h.s.log.Warn("cannot fingerprint an artifact", "job", pb.jobID, "build", pb.number, "path", f.Path, "err", err)
		}
		if last {
			h.record(pb)
			pb.finish()
			h.mu.Lock()
			if h.pending--; h.pending == 0 {
				close(h.idle)
			}
			h.mu.Unlock()
		}
	}
}

func (h *hasher) md5(key string, buf []byte) (string, error) {
	r, err := h.s.blobs.Open(key)
	if err != nil {
		return "", err
	}
	defer r.Close()
	m := md5.New()
	if _, err := io.CopyBuffer(m, r, buf); err != nil {
		return "", err
	}
	return hex.EncodeToString(m.Sum(nil)), nil
}

// record stores the build's fingerprints, in one transaction.
func (h *hasher) record(pb *pendingBuild) {
	uses := make([]store.FingerprintUse, 0, len(pb.files))
	for _, f := range pb.files {
		if f.MD5 != "" {
			uses = append(uses, store.FingerprintUse{MD5: f.MD5, FileName: cleanName(f.Path), Produced: artifact.Produced(f.ModTime, pb.start)})
		}
	}
	if len(uses) == 0 {
		return
	}
	err := h.s.st.RecordFingerprints(context.Background(), pb.jobID, pb.number, uses, time.Now())
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		h.s.log.Error("cannot record fingerprints", "job", pb.jobID, "build", pb.number, "err", err)
	}
}

// waitIdle waits until no build's fingerprints are pending, or ctx
// ends.
func (h *hasher) waitIdle(ctx context.Context) {
	h.mu.Lock()
	idle := h.idle
	h.mu.Unlock()
	select {
	case <-idle:
	case <-ctx.Done():
	}
}

func (h *hasher) close(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		h.waitIdle(context.Background())
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
	}
	h.mu.Lock()
	h.closed = true
	dropped := h.queue
	h.queue = nil
	h.cond.Broadcast()
	h.mu.Unlock()
	// Builds whose files were not all hashed in time are given up on:
	// whoever waits for them goes on.
	given := map[*pendingBuild]bool{}
	for _, t := range dropped {
		if !given[t.pb] {
			given[t.pb] = true
			h.s.log.Warn("jeeves is stopping: a build's artifacts are not all fingerprinted", "job", t.pb.jobID, "build", t.pb.number)
			t.pb.finish()
		}
	}
	h.mu.Lock()
	if h.pending -= len(given); h.pending == 0 && len(given) > 0 {
		close(h.idle)
	}
	h.mu.Unlock()
	h.workers.Wait()
	return ctx.Err()
}

// MaxFingerprintWait bounds how long a lookup waits for fingerprints
// being computed.
const MaxFingerprintWait = 30 * time.Second

// Fingerprint returns what is known of a file by its MD5, as
// /fingerprint/<md5>/api/json writes it (hudson.model.Fingerprint).
// visible says whether the reader may see a job (nil: all); usages of
// other jobs are left out, and an original build of another job is
// null, as in Jenkins. An MD5 not known, or not 32 hexadecimal digits,
// is store.ErrNotFound (404). While archived files are being hashed, a
// hash not yet known waits for them (up to MaxFingerprintWait), so that
// a client checking an artifact it just downloaded finds it.
func (s *Service) Fingerprint(ctx context.Context, md5sum string, visible func(job string) bool) (*export.Object, error) {
	f, err := s.FingerprintOf(ctx, md5sum)
	if err != nil {
		return nil, err
	}
	return f.Export(visible), nil
}

// FingerprintOf is what is known of a file by its MD5, for a page to
// show (Fingerprint exports it), found as Fingerprint finds it.
func (s *Service) FingerprintOf(ctx context.Context, md5sum string) (*artifact.Fingerprint, error) {
	md5sum = strings.ToLower(md5sum)
	if len(md5sum) != 32 || strings.Trim(md5sum, "0123456789abcdef") != "" {
		return nil, store.ErrNotFound
	}
	rec, err := s.st.Fingerprint(ctx, md5sum)
	if errors.Is(err, store.ErrNotFound) {
		// Look again once nothing is pending: what was pending may also
		// have been recorded between the first look and this wait.
		wctx, cancel := context.WithTimeout(ctx, MaxFingerprintWait)
		s.hash.waitIdle(wctx)
		cancel()
		rec, err = s.st.Fingerprint(ctx, md5sum)
	}
	if err != nil {
		return nil, err
	}
	return FromRecord(rec), nil
}

// FromRecord is a stored fingerprint as the artifact package exports it.
func FromRecord(rec *store.FingerprintRecord) *artifact.Fingerprint {
	f := &artifact.Fingerprint{Hash: rec.MD5, FileName: rec.FileName, Timestamp: rec.CreatedAt}
	if rec.OriginalJob != "" {
		f.Original = &artifact.BuildRef{Job: rec.OriginalJob, Number: int(rec.OriginalNumber)}
	}
	for _, u := range rec.Usages {
		us := artifact.Usage{Job: u.Job}
		for _, n := range u.Numbers {
			us.Ranges.Add(int(n))
		}
		f.Usages = append(f.Usages, us)
	}
	return f
}
