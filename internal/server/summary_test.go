package server_test

import (
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"slices"
	"testing"
)

// The root's api/json builds only what its listing shows (itemSummary);
// this keeps the summary equal to the full object cut to the same depth.
func TestRootListingShowsWhatTheFullJobObjectShowsAtThatDepth(t *testing.T) {
	s := newStack(t)
	get := func(path string) map[string]any {
		req, _ := http.NewRequest("GET", s.url+path, nil)
		req.SetBasicAuth("admin", s.token)
		resp, err := s.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
		}
		var v map[string]any
		if err := json.Unmarshal(body, &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	s.do(t, "POST", "/job/hello/build?delay=0sec", 201)
	<-s.finished
	shallow := get("/api/json")["jobs"].([]any)
	deep := get("/api/json?depth=1")["jobs"].([]any)
	if len(shallow) != 2 || len(deep) != 2 {
		t.Fatalf("jobs listed: %d at depth 0, %d at depth 1, want 2", len(shallow), len(deep))
	}
	for i := range shallow {
		sj, dj := shallow[i].(map[string]any), deep[i].(map[string]any)
		t.Run("job "+sj["name"].(string)+" lists class, name, url and colour", func(t *testing.T) {
			keys := slices.Sorted(maps.Keys(sj))
			if !slices.Equal(keys, []string{"_class", "color", "name", "url"}) {
				t.Fatalf("keys %v", keys)
			}
			for _, k := range keys {
				if sj[k] != dj[k] {
					t.Errorf("%s: %v at depth 0, %v at depth 1", k, sj[k], dj[k])
				}
			}
			if _, ok := dj["builds"]; !ok {
				t.Errorf("depth 1 lost the full object: %v", dj)
			}
		})
	}
}
