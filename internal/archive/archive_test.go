package archive_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/archive"
	"github.com/jeeves-ci/jeeves/internal/artifact"
	"github.com/jeeves-ci/jeeves/internal/blob"
	"github.com/jeeves-ci/jeeves/internal/browse"
	"github.com/jeeves-ci/jeeves/internal/buildtest"
	"github.com/jeeves-ci/jeeves/internal/export"
	"github.com/jeeves-ci/jeeves/internal/launcher"
	"github.com/jeeves-ci/jeeves/internal/launcher/local"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/store"
)

// remote is the local launcher seen as another machine's: files stream
// through it and are hashed on the way.
type remote struct{ launcher.Launcher }

// world is a home whose builds run the archiver.
type world struct {
	*buildtest.World
	arch *archive.Service
}

func newWorld(t *testing.T, l launcher.Launcher, wrap func(blob.Store) blob.Store) *world {
	t.Helper()
	w := buildtest.New(t, l)
	var blobs blob.Store = w.Blobs
	if wrap != nil {
		blobs = wrap(blobs)
	}
	a := archive.New(archive.Config{}, blobs, w.Store)
	t.Cleanup(func() { a.Close(context.Background()) })
	w.Exec.Register(a)
	return &world{World: w, arch: a}
}

func archiver(inner string) string {
	return `<publishers><hudson.tasks.ArtifactArchiver>` + inner + `</hudson.tasks.ArtifactArchiver></publishers>`
}

// produce is a step that writes a few files, a link within the
// workspace and links out of it.
const produce = `mkdir -p out/lib docs
printf 'jar bytes' > out/app.jar
printf 'dep' > out/lib/dep.jar
printf 'readme' > docs/README
printf 'secret' > ../secret.txt
ln -sf app.jar out/same.jar
ln -sf ../../secret.txt out/escape.jar
ln -sf /etc/passwd out/passwd.jar`

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func exportJSON(t *testing.T, o *export.Object) map[string]any {
	t.Helper()
	var b bytes.Buffer
	if err := export.Write(&b, o, export.JSON, "fingerprint", export.Options{}); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestArchivingInRealBuilds(t *testing.T) {
	for _, l := range []launcher.Launcher{local.New(), remote{local.New()}} {
		name := "on the built-in node, copied by the kernel"
		if _, ok := l.(remote); ok {
			name = "on another machine, streamed through the launcher"
		}
		t.Run(name, func(t *testing.T) { testArchiving(t, l) })
	}
}

func testArchiving(t *testing.T, l launcher.Launcher) {
	ctx := context.Background()
	w := newWorld(t, l, nil)
	job := w.Job(t, "app", buildtest.Shell(produce, archiver(`<artifacts>out/**, docs/*</artifacts><fingerprint>true</fingerprint>`)))
	b := w.Run(t, job)
	log := w.Log(t, b)

	t.Run("the build archives what matches, says so as Jenkins does, and succeeds", func(t *testing.T) {
		if b.Result != model.Success {
			t.Fatalf("result %s:\n%s", b.Result, log)
		}
		for _, want := range []string{"Archiving artifacts\n", "Recording fingerprints\nFinished: SUCCESS\n"} {
			if !strings.Contains(log, want) {
				t.Errorf("console lacks %q:\n%s", want, log)
			}
		}
		if strings.Contains(log, "jeeves does not run Archive the artifacts") {
			t.Errorf("the console still says the archiver is not run:\n%s", log)
		}
	})
	t.Run("links out of the workspace are refused with a line each, a link within it is archived", func(t *testing.T) {
		for _, want := range []string{"Not archiving ‘out/escape.jar’: symbolic link out of the workspace", "Not archiving ‘out/passwd.jar’: symbolic link out of the workspace"} {
			if _, ok := l.(remote); ok {
				want = strings.Replace(want, "symbolic link out of the workspace", "symbolic link (the file system cannot read links)", 1)
			}
			if !strings.Contains(log, want) {
				t.Errorf("console lacks %q:\n%s", want, log)
			}
		}
		list, err := w.arch.List(ctx, b.JobID, b.Number, 0)
		if err != nil {
			t.Fatal(err)
		}
		var paths []string
		for _, e := range list {
			paths = append(paths, e.RelativePath)
		}
		want := []string{"docs/README", "out/app.jar", "out/lib/dep.jar", "out/same.jar"}
		if _, ok := l.(remote); ok {
			want = slices.DeleteFunc(want, func(p string) bool { return p == "out/same.jar" })
		}
		if !slices.Equal(paths, want) {
			t.Fatalf("artifacts %q, want %q", paths, want)
		}
		for _, e := range list {
			r, err := w.arch.Open(ctx, b.JobID, b.Number, e.RelativePath)
			if err != nil {
				t.Fatal(err)
			}
			c, _ := io.ReadAll(r)
			r.Close()
			if string(c) == "secret" || strings.Contains(string(c), "root:") {
				t.Errorf("%s holds what lies outside the workspace", e.RelativePath)
			}
		}
	})
	t.Run("every archived file is fingerprinted, with the build as its original", func(t *testing.T) {
		for _, content := range []string{"jar bytes", "dep", "readme"} {
			o, err := w.arch.Fingerprint(ctx, strings.ToUpper(md5hex(content)), nil)
			if err != nil {
				t.Fatalf("%q: %v", content, err)
			}
			m := exportJSON(t, o)
			orig, _ := m["original"].(map[string]any)
			if m["hash"] != md5hex(content) || orig["name"] != "app" || orig["number"] != float64(1) {
				t.Errorf("fingerprint of %q: %v", content, m)
			}
		}
		if _, err := w.arch.Fingerprint(ctx, md5hex("never archived"), nil); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("an unknown hash: %v", err)
		}
		if _, err := w.arch.Fingerprint(ctx, "../../etc", nil); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a malformed hash: %v", err)
		}
	})
	t.Run("the build's record says it has artifacts, and their bytes count in its disk usage and its job's", func(t *testing.T) {
		rec, err := w.Store.Build(ctx, b.JobID, b.Number)
		if err != nil {
			t.Fatal(err)
		}
		min := int64(len("jar bytes") + len("dep") + len("readme"))
		if !rec.HasArtifacts || rec.DiskUsage < min {
			t.Fatalf("record %+v", rec)
		}
		if n, _ := w.Store.JobDiskUsage(ctx, b.JobID); n != rec.DiskUsage {
			t.Fatalf("job usage %d, build %d", n, rec.DiskUsage)
		}
	})
	t.Run("a download opens with its size and time, and seeks for a range", func(t *testing.T) {
		d, err := w.arch.Open(ctx, b.JobID, b.Number, "//out/app.jar/")
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		if d.Size != 9 || d.Name != "app.jar" || d.ModTime.IsZero() {
			t.Fatalf("%+v", d)
		}
		d.Seek(4, io.SeekStart)
		part := make([]byte, 5)
		if _, err := io.ReadFull(d, part); err != nil || string(part) != "bytes" {
			t.Fatalf("%q %v", part, err)
		}
	})
	t.Run("served as the edge will serve it, a download answers Range and If-Modified-Since", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			d, err := w.arch.Open(r.Context(), b.JobID, b.Number, r.URL.Path)
			if err != nil {
				http.NotFound(rw, r)
				return
			}
			defer d.Close()
			http.ServeContent(rw, r, d.Name, d.ModTime, d.Reader)
		}))
		defer srv.Close()
		req, _ := http.NewRequest("GET", srv.URL+"/out/app.jar", nil)
		req.Header.Set("Range", "bytes=4-8")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 206 || string(body) != "bytes" || resp.Header.Get("Content-Range") != "bytes 4-8/9" {
			t.Fatalf("%d %q %v", resp.StatusCode, body, resp.Header)
		}
		req, _ = http.NewRequest("GET", srv.URL+"/out/app.jar", nil)
		req.Header.Set("If-Modified-Since", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat))
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 304 {
			t.Fatalf("%d", resp.StatusCode)
		}
	})
	t.Run("a download path that climbs out is refused, a missing one not found", func(t *testing.T) {
		for p, want := range map[string]error{"out/../../secret.txt": artifact.ErrTraversal, "%2e%2e/secret.txt": artifact.ErrTraversal, "out": store.ErrNotFound, "nothing": store.ErrNotFound, "C:/x": store.ErrNotFound} {
			if _, err := w.arch.Open(ctx, b.JobID, b.Number, p); !errors.Is(err, want) {
				t.Errorf("%s: %v, want %v", p, err, want)
			}
		}
	})
	t.Run("the archive browses and zips, entries under archive/", func(t *testing.T) {
		tr, err := w.arch.Tree(ctx, b.JobID, b.Number)
		if err != nil {
			t.Fatal(err)
		}
		target, err := browse.Resolve(ctx, tr, "/out/lib/")
		if err != nil || target.Kind != browse.KindDir {
			t.Fatalf("%+v %v", target, err)
		}
		var z bytes.Buffer
		n, err := w.arch.Zip(ctx, &z, b.JobID, b.Number, "", "")
		if err != nil || n < 3 {
			t.Fatal(n, err)
		}
		zr, err := zip.NewReader(bytes.NewReader(z.Bytes()), int64(z.Len()))
		if err != nil {
			t.Fatal(err)
		}
		if zr.File[0].Name != "archive/docs/README" {
			t.Fatalf("first entry %s", zr.File[0].Name)
		}
	})
	t.Run("a second build of the same files adds its usage to their fingerprints", func(t *testing.T) {
		b2 := w.Run(t, job)
		if b2.Result != model.Success {
			t.Fatalf("%s", w.Log(t, b2))
		}
		o, err := w.arch.Fingerprint(ctx, md5hex("dep"), nil)
		if err != nil {
			t.Fatal(err)
		}
		m := exportJSON(t, o)
		usage := m["usage"].([]any)[0].(map[string]any)
		ranges := usage["ranges"].(map[string]any)["ranges"].([]any)[0].(map[string]any)
		if usage["name"] != "app" || ranges["start"] != float64(1) || ranges["end"] != float64(3) {
			t.Fatalf("%v", m)
		}
	})
	t.Run("deleting a build's artifacts leaves the build, without them", func(t *testing.T) {
		if err := w.arch.DeleteArtifacts(ctx, b.JobID, 2); err != nil {
			t.Fatal(err)
		}
		if list, err := w.arch.List(ctx, b.JobID, 2, 0); err != nil || len(list) != 0 {
			t.Fatalf("%v %v", list, err)
		}
		if _, err := w.Blobs.Stat(archive.ArchiveKey(b.JobID, 2) + "/out/app.jar"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("file still there: %v", err)
		}
		rec, _ := w.Store.Build(ctx, b.JobID, 2)
		if rec.HasArtifacts {
			t.Fatalf("%+v", rec)
		}
	})
}

func TestArchivingRefuses(t *testing.T) {
	w := newWorld(t, nil, nil)
	tests := []struct {
		name, step, config string
		result             model.Result
		lines              []string
	}{
		{"nothing matching fails the build with Jenkins's words and hint", "mkdir -p out", `<artifacts>out/*.txt</artifacts>`, model.Failure,
			[]string{"Archiving artifacts\n‘out/*.txt’ doesn’t match anything: ‘out’ exists but not ‘out/*.txt’\n", "ERROR: Step ‘Archive the artifacts’ failed: No artifacts found that match the file pattern \"out/*.txt\". Configuration error?\nFinished: FAILURE\n"}},
		{"nothing matching is a line when an empty archive is allowed", "true", `<artifacts>out/*.txt</artifacts><allowEmptyArchive>true</allowEmptyArchive>`, model.Success,
			[]string{"No artifacts found that match the file pattern \"out/*.txt\". Configuration error?\nFinished: SUCCESS\n"}},
		{"a pattern climbing out of the workspace matches nothing", "printf x > ../outside.txt", `<artifacts>../outside.txt</artifacts>`, model.Failure,
			[]string{"No artifacts found that match the file pattern \"../outside.txt\""}},
		{"an absolute pattern matches nothing", "true", `<artifacts>/etc/passwd</artifacts>`, model.Failure,
			[]string{"No artifacts found that match the file pattern \"/etc/passwd\""}},
		{"a failed build skips archiving when only successful builds archive", "mkdir -p out; echo x > out/a.txt; exit 1", `<artifacts>out/*</artifacts><onlyIfSuccessful>true</onlyIfSuccessful>`, model.Failure,
			[]string{"Build step 'Execute shell' marked build as failure\nSkipped archiving because build is not successful\nFinished: FAILURE\n"}},
		{"an empty pattern fails with Jenkins's words", "true", `<artifacts></artifacts>`, model.Failure,
			[]string{"ERROR: Step ‘Archive the artifacts’ failed: No artifacts are configured for archiving."}},
		{"build variables are expanded in the pattern", "mkdir -p out; echo x > out/a-$BUILD_NUMBER.txt", `<artifacts>out/a-${BUILD_NUMBER}.txt</artifacts>`, model.Success,
			[]string{"Archiving artifacts\nFinished: SUCCESS\n"}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			job := w.Job(t, "job"+string(rune('a'+i)), buildtest.Shell(tc.step, archiver(tc.config)))
			b := w.Run(t, job)
			log := w.Log(t, b)
			if b.Result != tc.result {
				t.Errorf("result %s, want %s", b.Result, tc.result)
			}
			for _, l := range tc.lines {
				if !strings.Contains(log, l) {
					t.Errorf("console lacks %q:\n%s", l, log)
				}
			}
			if tc.result == model.Failure {
				if _, err := w.Blobs.Stat(archive.ManifestKey(b.JobID, b.Number)); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("a manifest was written: %v", err)
				}
			}
		})
	}
}

// fullDisk is a blob store whose disk fills once a few bytes are in.
type fullDisk struct {
	blob.Store
	left int
}

func (f *fullDisk) Put(key string, r io.Reader) (int64, error) {
	if strings.Contains(key, "/archive/") {
		if f.left--; f.left < 0 {
			return 0, &os.PathError{Op: "write", Path: key, Err: syscall.ENOSPC}
		}
	}
	return f.Store.Put(key, r)
}

func TestArchivingOnAFullDisk(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, remote{local.New()}, func(b blob.Store) blob.Store { return &fullDisk{Store: b, left: 1} })
	job := w.Job(t, "full", buildtest.Shell("mkdir -p out; echo a > out/a; echo b > out/b", archiver(`<artifacts>out/*</artifacts>`)))
	b := w.Run(t, job)
	log := w.Log(t, b)
	t.Run("the build fails with a line naming the full disk", func(t *testing.T) {
		if b.Result != model.Failure || !strings.Contains(log, "ERROR: Step ‘Archive the artifacts’ aborted due to exception: \n") || !strings.Contains(log, "no space left on device") {
			t.Fatalf("result %s:\n%s", b.Result, log)
		}
	})
	t.Run("nothing is left half archived", func(t *testing.T) {
		var keys []string
		w.Blobs.Walk(blob.BuildKey(b.JobID, b.Number), func(i blob.Info) error { keys = append(keys, i.Key); return nil })
		if len(keys) != 0 {
			t.Fatalf("left %q", keys)
		}
		if rec, _ := w.Store.Build(ctx, b.JobID, b.Number); rec.HasArtifacts {
			t.Fatalf("%+v", rec)
		}
	})
}

// TestArchivedFilesAreCopies: an artifact keeps what the build
// archived when a later build rewrites the workspace file in place.
func TestArchivedFilesAreCopies(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, nil, nil)
	job := w.Job(t, "rewrite", buildtest.Shell(`mkdir -p out; echo "build $BUILD_NUMBER" > out/v.txt`, archiver(`<artifacts>out/v.txt</artifacts>`)))
	w.Run(t, job)
	w.Run(t, job)
	d, err := w.arch.Open(ctx, job.ID, 1, "out/v.txt")
	if err != nil {
		t.Fatal(err)
	}
	c, _ := io.ReadAll(d)
	d.Close()
	if string(c) != "build 1\n" {
		t.Fatalf("build 1's artifact reads %q", c)
	}
	ws, _ := os.ReadFile(filepath.Join(w.Workspace(job), "out/v.txt"))
	if string(ws) != "build 2\n" {
		t.Fatalf("workspace %q", ws)
	}
}

// slowReads is a blob store whose archived files cannot be read back
// until release is closed: fingerprinting waits.
type slowReads struct {
	blob.Store
	release chan struct{}
}

func (s *slowReads) Open(key string) (blob.Reader, error) {
	if strings.Contains(key, "/archive/") {
		<-s.release
	}
	return s.Store.Open(key)
}

func (s *slowReads) PutFile(key string, f *os.File, n int64) (int64, error) {
	return s.Store.(blob.FilePutter).PutFile(key, f, n)
}

// TestFingerprintLookupWaitsForHashing: a client that downloads an
// artifact right after its build and looks its MD5 up (gojenkins's
// Artifact.Save) finds it even while the files are still being hashed.
func TestFingerprintLookupWaitsForHashing(t *testing.T) {
	ctx := context.Background()
	slow := &slowReads{release: make(chan struct{})}
	w := newWorld(t, nil, func(b blob.Store) blob.Store { slow.Store = b; return slow })
	job := w.Job(t, "slow", buildtest.Shell("printf hashed > a.bin", archiver(`<artifacts>a.bin</artifacts>`)))
	finished := make(chan model.Build, 1)
	go func() { finished <- w.Run(t, job) }()
	// The build is recorded finished before its fingerprints are.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if b, err := w.Store.Build(ctx, job.ID, 1); err == nil && !b.Building {
			break
		}
		select {
		case <-finished:
			t.Fatal("the build was announced finished before its fingerprints were recorded")
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the build was not recorded finished")
		}
	}
	if _, err := w.Store.Fingerprint(ctx, md5hex("hashed")); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("recorded before the file was read back: %v", err)
	}
	found := make(chan error, 1)
	go func() {
		_, err := w.arch.Fingerprint(ctx, md5hex("hashed"), nil)
		found <- err
	}()
	close(slow.release)
	if err := <-found; err != nil {
		t.Fatalf("the lookup did not wait for the hashing: %v", err)
	}
	<-finished
}

// TestCloseGivesUpOnPendingFingerprints: at shutdown, a build whose
// files are still waiting to be hashed is given up on, so nothing
// waiting for it (the build's end) hangs.
func TestCloseGivesUpOnPendingFingerprints(t *testing.T) {
	ctx := context.Background()
	slow := &slowReads{release: make(chan struct{})}
	w := newWorld(t, nil, func(b blob.Store) blob.Store { slow.Store = b; return slow })
	job := w.Job(t, "stopping", buildtest.Shell("printf a > a.bin; printf b > b.bin; printf c > c.bin", archiver(`<artifacts>*.bin</artifacts>`)))
	finished := make(chan model.Build, 1)
	go func() { finished <- w.Run(t, job) }()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if b, err := w.Store.Build(ctx, job.ID, 1); err == nil && !b.Building {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the build was not recorded finished")
		}
	}
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	closed := make(chan error, 1)
	go func() { closed <- w.arch.Close(cctx) }()
	select {
	case <-finished:
	case <-time.After(30 * time.Second):
		t.Fatal("the build's end waited for fingerprints that will never come")
	}
	close(slow.release) // lets the workers holding a file finish
	if err := <-closed; !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("close: %v", err)
	}
}
