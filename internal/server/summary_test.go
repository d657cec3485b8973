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

// A job's builds list at the default depth is built from build numbers
// only (buildSummary); it must show what the full build object shows there.
func TestJobBuildListShowsWhatTheFullBuildObjectShowsAtThatDepth(t *testing.T) {
	s := newStack(t)
	for range 2 {
		s.do(t, "POST", "/job/hello/build?delay=0sec", 201)
		<-s.finished
	}
	get := func(path string) map[string]any {
		req, _ := http.NewRequest("GET", s.url+path, nil)
		req.SetBasicAuth("admin", s.token)
		resp, err := s.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var v map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, prop := range []string{"builds", "allBuilds"} {
		t.Run(prop+" lists class, number and url as the full objects have them", func(t *testing.T) {
			tree := "?tree=" + prop + "[number,url]"
			shallow := get("/job/hello/api/json")[prop]
			deep := get("/job/hello/api/json?depth=1")[prop]
			if prop == "allBuilds" { // shown only when a tree asks
				shallow = get("/job/hello/api/json" + tree)[prop]
				deep = get("/job/hello/api/json?tree=" + prop + "[number,url,result]")[prop]
			}
			sl, dl := shallow.([]any), deep.([]any)
			if len(sl) != 2 || len(dl) != 2 {
				t.Fatalf("%d and %d builds, want 2", len(sl), len(dl))
			}
			for i := range sl {
				sb, db := sl[i].(map[string]any), dl[i].(map[string]any)
				for _, k := range []string{"_class", "number", "url"} {
					if sb[k] != db[k] {
						t.Errorf("%s: %v shallow, %v deep", k, sb[k], db[k])
					}
				}
			}
			if sb := sl[0].(map[string]any); prop == "builds" && len(sb) != 3 {
				t.Errorf("default depth shows %v, want _class, number and url", sb)
			}
		})
	}
}
