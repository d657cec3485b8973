package archive

import (
	"archive/zip"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/artifact"
	"github.com/jeeves-ci/jeeves/internal/blob"
	"github.com/jeeves-ci/jeeves/internal/launcher/local"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/store/sqlite"
)

// benchDir is where the benchmarks write their trees: $JEEVES_BENCH_DIR,
// else a temporary directory. Workspace and home are on the same file
// system, as on the built-in node.
func benchDir(b *testing.B) string {
	if d := os.Getenv("JEEVES_BENCH_DIR"); d != "" {
		d, err := os.MkdirTemp(d, "archive-bench-")
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { os.RemoveAll(d) })
		return d
	}
	return b.TempDir()
}

// makeTree writes files random files of size bytes each below root, in
// a hundred directories.
func makeTree(b *testing.B, root string, files, size int) {
	buf := make([]byte, size)
	for i := range files {
		dir := filepath.Join(root, fmt.Sprintf("module%02d", i%100), "target")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			b.Fatal(err)
		}
		rand.Read(buf)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("part-%05d.bin", i)), buf, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	syscall.Sync()
}

// benchService is a service over a fresh home with a job of n builds.
func benchService(b *testing.B, home string, n int) (*Service, int64) {
	st, err := sqlite.Open(home)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	ctx := context.Background()
	j, err := st.CreateJob(ctx, "bench", []byte("<project/>"), time.Now(), nil)
	if err != nil {
		b.Fatal(err)
	}
	builds := make([]model.Build, n)
	for i := range builds {
		builds[i] = model.Build{Number: int64(i + 1), Result: model.Success, StartedAt: time.Now()}
	}
	if err := st.ImportBuilds(ctx, j.ID, builds); err != nil {
		b.Fatal(err)
	}
	s := New(Config{}, blob.NewDir(home), st)
	b.Cleanup(func() { s.Close(context.Background()) })
	return s, j.ID
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func medianF(fs []float64) float64 {
	s := slices.Clone(fs)
	slices.Sort(s)
	return s[len(s)/2]
}

// BenchmarkArchive1GB archives 1 GB in 10,000 files from a workspace on
// the built-in node, beside its floor, `cp -r` of the same tree to the
// same file system, in the same rounds (alternating which goes first,
// each after a sync). It reports the medians: cp-ms, archive-ms (what
// the build waits for: selecting, copying, the manifest, the records),
// fingerprinted-ms (until every MD5 is recorded), and ratio, the median
// of the rounds' archive/cp.
//
//	go test -run X -bench Archive1GB -benchtime 5x ./internal/archive/
func BenchmarkArchive1GB(b *testing.B) {
	benchArchive(b, 10_000, 100<<10)
}

// BenchmarkArchive100MB is the same, scaled down for a quick look.
func BenchmarkArchive100MB(b *testing.B) {
	benchArchive(b, 1_000, 100<<10)
}

func benchArchive(b *testing.B, files, size int) {
	ctx := context.Background()
	dir := benchDir(b)
	ws := filepath.Join(dir, "ws")
	makeTree(b, ws, files, size)
	s, jobID := benchService(b, filepath.Join(dir, "home"), b.N)
	a := artifact.NewArchiver("**")
	l := local.New()
	var cps, arcs, fps []time.Duration
	var ratios []float64
	b.ResetTimer()
	for i := range b.N {
		floor := func() {
			dst := filepath.Join(dir, "cp")
			t0 := time.Now()
			if out, err := exec.Command("cp", "-r", ws, dst).CombinedOutput(); err != nil {
				b.Fatalf("cp: %v %s", err, out)
			}
			cps = append(cps, time.Since(t0))
			os.RemoveAll(dst)
			syscall.Sync()
		}
		jeeves := func() {
			number := int64(i + 1)
			t0 := time.Now()
			failed, pb := s.publish(ctx, target{out: io.Discard, result: model.Success, l: l, workspace: ws, jobName: "bench", jobID: jobID, number: number, start: t0}, a)
			arcs = append(arcs, time.Since(t0))
			if failed {
				b.Fatal("archiving failed")
			}
			if pb != nil {
				pb.wait(ctx)
			}
			fps = append(fps, time.Since(t0))
			s.blobs.Delete(blob.BuildKey(jobID, number))
			syscall.Sync()
		}
		if i%2 == 0 {
			floor()
			jeeves()
		} else {
			jeeves()
			floor()
		}
		ratios = append(ratios, float64(arcs[i])/float64(cps[i]))
	}
	b.StopTimer()
	b.ReportMetric(float64(median(cps).Milliseconds()), "cp-ms")
	b.ReportMetric(float64(median(arcs).Milliseconds()), "archive-ms")
	b.ReportMetric(float64(median(fps).Milliseconds()), "fingerprinted-ms")
	b.ReportMetric(medianF(ratios), "ratio")
}

// BenchmarkDownload1GB downloads one 1 GB artifact over loopback HTTP
// through the function the edge calls (Service.Open, served with
// http.ServeContent by a plain http.Server), beside its floor,
// http.FileServer serving the same stored file, alternating, and
// reports each one's median MB/s and their ratio.
//
//	go test -run X -bench Download1GB -benchtime 5x ./internal/archive/
func BenchmarkDownload1GB(b *testing.B) {
	ctx := context.Background()
	dir := benchDir(b)
	ws := filepath.Join(dir, "ws")
	makeTree(b, ws, 1, 1<<30)
	home := filepath.Join(dir, "home")
	s, jobID := benchService(b, home, 1)
	failed, pb := s.publish(ctx, target{out: io.Discard, result: model.Success, l: local.New(), workspace: ws, jobID: jobID, number: 1, start: time.Now()}, artifact.NewArchiver("**"))
	if failed {
		b.Fatal("archiving failed")
	}
	if pb != nil {
		pb.wait(ctx)
	}
	const rel = "module00/target/part-00000.bin"
	edge := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, err := s.Open(r.Context(), jobID, 1, r.URL.Path)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		defer d.Close()
		w.Header().Set("Content-Type", "application/octet-stream")
		http.ServeContent(w, r, d.Name, d.ModTime, d.Reader)
	})
	floor := http.FileServer(http.Dir(filepath.Join(home, filepath.FromSlash(ArchiveKey(jobID, 1)))))
	serve := func(h http.Handler) string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		srv := &http.Server{Handler: h}
		go srv.Serve(ln)
		b.Cleanup(func() { srv.Close() })
		return "http://" + ln.Addr().String() + "/" + rel
	}
	edgeURL, floorURL := serve(edge), serve(floor)
	get := func(url string) float64 {
		t0 := time.Now()
		resp, err := http.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || n != 1<<30 || resp.StatusCode != 200 {
			b.Fatalf("%d bytes, %d, %v", n, resp.StatusCode, err)
		}
		return float64(n) / 1e6 / time.Since(t0).Seconds()
	}
	get(edgeURL)
	get(floorURL)
	var jeeves, files, ratios []float64
	b.ResetTimer()
	for i := range b.N {
		var j, f float64
		if i%2 == 0 {
			j, f = get(edgeURL), get(floorURL)
		} else {
			f, j = get(floorURL), get(edgeURL)
		}
		jeeves, files, ratios = append(jeeves, j), append(files, f), append(ratios, j/f)
	}
	b.StopTimer()
	b.ReportMetric(medianF(jeeves), "jeeves-MB/s")
	b.ReportMetric(medianF(files), "fileserver-MB/s")
	b.ReportMetric(medianF(ratios), "ratio")
}

// BenchmarkZip100MB streams the zip of a build's 1,000 artifacts
// (100 MB, incompressible) to io.Discard through Service.Zip, beside
// its floor, archive/zip writing the same files read straight from the
// workspace. B/op shows nothing is held whole.
//
//	go test -run X -bench Zip100MB -benchtime 5x ./internal/archive/
func BenchmarkZip100MB(b *testing.B) {
	ctx := context.Background()
	dir := benchDir(b)
	ws := filepath.Join(dir, "ws")
	makeTree(b, ws, 1_000, 100<<10)
	s, jobID := benchService(b, filepath.Join(dir, "home"), 1)
	if failed, pb := s.publish(ctx, target{out: io.Discard, result: model.Success, l: local.New(), workspace: ws, jobID: jobID, number: 1, start: time.Now()}, artifact.NewArchiver("**")); failed {
		b.Fatal("archiving failed")
	} else if pb != nil {
		pb.wait(ctx)
	}
	b.Run("floor: archive/zip from the workspace", func(b *testing.B) {
		b.SetBytes(100 * 1000 << 10)
		b.ReportAllocs()
		for b.Loop() {
			zw := zip.NewWriter(io.Discard)
			err := filepath.WalkDir(ws, func(p string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				rel, _ := filepath.Rel(ws, p)
				w, err := zw.CreateHeader(&zip.FileHeader{Name: "archive/" + filepath.ToSlash(rel), Method: zip.Deflate})
				if err != nil {
					return err
				}
				f, err := os.Open(p)
				if err != nil {
					return err
				}
				_, err = io.Copy(w, f)
				f.Close()
				return err
			})
			if err != nil || zw.Close() != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("jeeves: Service.Zip", func(b *testing.B) {
		b.SetBytes(100 * 1000 << 10)
		b.ReportAllocs()
		for b.Loop() {
			if n, err := s.Zip(ctx, io.Discard, jobID, 1, "", ""); err != nil || n != 1_000 {
				b.Fatal(n, err)
			}
		}
	})
}
