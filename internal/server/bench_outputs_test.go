package server_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/app"
	"github.com/jeeves-ci/jeeves/internal/auth"
	"github.com/jeeves-ci/jeeves/internal/model"
)

// BenchmarkArtifactDownloadThroughEdge downloads an archived artifact
// through the whole server (token authentication, the walker, the
// response writer, the audit) over loopback, taking turns with its
// floor: a bare http.FileServer serving the same bytes (the workspace
// file the artifact was archived from, on the same disk). The size is
// 1 GB unless JEEVES_BENCH_ARTIFACT_MB says otherwise.
//
//	go test -run X -bench ArtifactDownloadThroughEdge -benchtime 5x ./internal/server/
func BenchmarkArtifactDownloadThroughEdge(b *testing.B) {
	size := int64(1024)
	if v, err := strconv.ParseInt(os.Getenv("JEEVES_BENCH_ARTIFACT_MB"), 10, 64); err == nil && v > 0 {
		size = v
	}
	size <<= 20
	ctx := context.Background()
	home := b.TempDir()
	finished := make(chan model.Build, 1)
	a, err := app.New(ctx, app.Options{Home: home, Version: "bench", Executors: 1, CSRF: true, AdminPassword: "pw",
		OnFinish: func(b model.Build) { finished <- b }})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { a.Close(0) })
	token, _, err := a.Auth.GenerateToken(ctx, "admin", "bench", auth.TokenOptions{})
	if err != nil {
		b.Fatal(err)
	}
	xml := shellJobXML("head -c "+strconv.FormatInt(size, 10)+" /dev/urandom > big.bin", archiving("big.bin"))
	if _, err := a.Jobs.Create(ctx, "", "big", []byte(xml), nil); err != nil {
		b.Fatal(err)
	}
	serve := func(h http.Handler) string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		srv := &http.Server{Handler: h}
		go srv.Serve(ln)
		b.Cleanup(func() { srv.Close() })
		return "http://" + ln.Addr().String() + "/"
	}
	edge := serve(a.Handler())
	client := &http.Client{}
	req, _ := http.NewRequest("POST", edge+"job/big/build?delay=0sec", nil)
	req.SetBasicAuth("admin", token)
	resp, err := client.Do(req)
	if err != nil || resp.StatusCode != http.StatusCreated {
		b.Fatalf("build: %v %v", resp, err)
	}
	resp.Body.Close()
	select {
	case got := <-finished:
		if got.Result != model.Success {
			b.Fatalf("build: %s", got.Result)
		}
	case <-time.After(10 * time.Minute):
		b.Fatal("the build did not finish")
	}
	ws := filepath.Join(home, "workspace", "big")
	if _, err := os.Stat(filepath.Join(ws, "big.bin")); err != nil {
		b.Fatal(err)
	}
	floor := serve(http.FileServer(http.Dir(ws)))
	get := func(url string, auth bool) float64 {
		req, _ := http.NewRequest("GET", url, nil)
		if auth {
			req.SetBasicAuth("admin", token)
		}
		t0 := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || n != size || resp.StatusCode != 200 {
			b.Fatalf("%s: %d bytes, %d, %v", url, n, resp.StatusCode, err)
		}
		return float64(n) / 1e6 / time.Since(t0).Seconds()
	}
	jURL, fURL := edge+"job/big/1/artifact/big.bin", floor+"big.bin"
	get(jURL, true)
	get(fURL, false)
	var jeeves, files, ratios []float64
	b.ResetTimer()
	for i := range b.N {
		var j, f float64
		if i%2 == 0 {
			j, f = get(jURL, true), get(fURL, false)
		} else {
			f, j = get(fURL, false), get(jURL, true)
		}
		jeeves, files, ratios = append(jeeves, j), append(files, f), append(ratios, j/f)
	}
	b.StopTimer()
	med := func(fs []float64) float64 {
		s := slices.Clone(fs)
		slices.Sort(s)
		return s[len(s)/2]
	}
	b.ReportMetric(med(jeeves), "jeeves-MB/s")
	b.ReportMetric(med(files), "fileserver-MB/s")
	b.ReportMetric(med(ratios), "ratio")
}
