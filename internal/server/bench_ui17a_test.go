package server_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/app"
	"github.com/jeeves-ci/jeeves/internal/auth"
	"github.com/jeeves-ci/jeeves/internal/model"
)

// BenchmarkHistoryPages reads the pages that page through a job's
// history (the job page, a page deep in it, the full history page, a
// build with its previous and next, a user's builds) for a job of 100
// builds and one of 100,000: each reads one page of builds, so both
// should cost the same.
func BenchmarkHistoryPages(b *testing.B) {
	for _, n := range []int64{100, 100_000} {
		ctx := context.Background()
		a, err := app.New(ctx, app.Options{Home: b.TempDir(), Version: "bench", Executors: 1, AdminPassword: "pw"})
		if err != nil {
			b.Fatal(err)
		}
		token, _, err := a.Auth.GenerateToken(ctx, "admin", "bench", auth.TokenOptions{})
		if err != nil {
			b.Fatal(err)
		}
		j, err := a.Jobs.Create(ctx, "", "long", []byte(`<project><builders/></project>`), nil)
		if err != nil {
			b.Fatal(err)
		}
		bs := make([]model.Build, 0, n)
		base := time.Now().Add(-time.Duration(n) * time.Minute)
		for i := int64(1); i <= n; i++ {
			bs = append(bs, model.Build{Number: i, Result: model.Success, StartedAt: base.Add(time.Duration(i) * time.Minute), Duration: time.Second,
				Causes: []model.Cause{{Kind: model.CauseUser, UserID: "admin"}}})
		}
		if err := a.Store.ImportBuilds(ctx, j.ID, bs); err != nil {
			b.Fatal(err)
		}
		st, err := a.Store.JobStatus(ctx, j.ID)
		if err != nil {
			b.Fatal(err)
		}
		a.Jobs.SetStatus(j.ID, st)
		hs := httptest.NewServer(a.Handler())
		client := &http.Client{}
		mid := strconv.FormatInt(n/2, 10)
		for _, p := range []struct{ name, path string }{
			{"job page", "job/long/"},
			{"job page deep in the history", "job/long/?older-than=" + mid},
			{"full history page deep in it", "job/long/builds?older-than=" + mid},
			{"a build with its previous and next", "job/long/" + mid + "/"},
			{"the user's page", "user/admin/"},
		} {
			b.Run(p.name+"/builds="+strconv.FormatInt(n, 10), func(b *testing.B) {
				for b.Loop() {
					req, _ := http.NewRequest("GET", hs.URL+"/"+p.path, nil)
					req.SetBasicAuth("admin", token)
					res, err := client.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if res.StatusCode != 200 {
						b.Fatalf("%s: %d", p.path, res.StatusCode)
					}
				}
			})
		}
		hs.Close()
		a.Close(0)
	}
}
