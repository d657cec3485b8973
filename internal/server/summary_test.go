package server_test

import (
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// getJSON GETs path as admin (with another Host header if host is not
// empty) and decodes the JSON object it answers 200 with.
func (s *stack) getJSON(t *testing.T, path, host string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest("GET", s.url+path, nil)
	req.SetBasicAuth("admin", s.token)
	if host != "" {
		req.Host = host
	}
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
		t.Fatalf("GET %s: %v in %s", path, err, body)
	}
	return v
}

// The root's api/json builds only what its listing shows (itemSummary);
// this keeps the summary equal to the full object cut to the same depth.
func TestRootListingShowsWhatTheFullJobObjectShowsAtThatDepth(t *testing.T) {
	s := newStack(t)
	get := func(path string) map[string]any { return s.getJSON(t, path, "") }
	s.do(t, "POST", "/job/hello/build?delay=0sec", 201)
	s.waitFinished(t)
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
// only (buildSummaryObject); it must show what the full build object shows there.
func TestJobBuildListShowsWhatTheFullBuildObjectShowsAtThatDepth(t *testing.T) {
	s := newStack(t)
	for range 2 {
		s.do(t, "POST", "/job/hello/build?delay=0sec", 201)
		s.waitFinished(t)
	}
	get := func(path string) map[string]any { return s.getJSON(t, path, "") }
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

// The root's listing keeps each job's encoded summary between requests
// (itemMemo); after every change it must still say what a tree query,
// which is always encoded afresh, says.
func TestRootListingNeverShowsAStaleKeptSummary(t *testing.T) {
	s := newStack(t)
	get := func(path, host string) []any {
		t.Helper()
		jobs, _ := s.getJSON(t, path, host)["jobs"].([]any)
		return jobs
	}
	steps := []struct {
		name   string
		change func(t *testing.T)
		host   string
		want   map[string]string // job name → colour
	}{
		{"a job never built is notbuilt", func(*testing.T) {}, "", map[string]string{"hello": "notbuilt", "other": "notbuilt"}},
		{"a build's result shows at once", func(t *testing.T) {
			s.do(t, "POST", "/job/hello/build?delay=0sec", 201)
			s.waitFinished(t)
		}, "", map[string]string{"hello": "blue", "other": "notbuilt"}},
		{"a disabled job shows disabled", func(t *testing.T) { s.do(t, "POST", "/job/hello/disable", 200) } /* the redirect is followed */, "", map[string]string{"hello": "disabled", "other": "notbuilt"}},
		{"a renamed job shows its new name and url", func(t *testing.T) { s.do(t, "POST", "/job/hello/doRename?newName=renamed", 200) } /* the redirect is followed */, "", map[string]string{"renamed": "disabled", "other": "notbuilt"}},
		{"another host name gives urls under it", func(*testing.T) {}, "jeeves.example:8080", map[string]string{"renamed": "disabled", "other": "notbuilt"}},
		{"a deleted job is gone", func(t *testing.T) { s.do(t, "POST", "/job/other/doDelete", 200) } /* the redirect is followed */, "", map[string]string{"renamed": "disabled"}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			get("/api/json", st.host) // the kept summaries are warm before the change
			st.change(t)
			fresh := get("/api/json?tree=jobs[name,url,color]", st.host)
			for _, path := range []string{"/api/json", "/api/json?pretty=true", "/api/json"} {
				kept := get(path, st.host)
				if len(kept) != len(st.want) || len(fresh) != len(st.want) {
					t.Fatalf("%s lists %v, the tree query %v; want %v", path, kept, fresh, st.want)
				}
				for i := range kept {
					k, f := kept[i].(map[string]any), fresh[i].(map[string]any)
					name, _ := k["name"].(string)
					if k["color"] != st.want[name] {
						t.Errorf("%s: %s is %v, want %s", path, name, k["color"], st.want[name])
					}
					for _, key := range []string{"_class", "name", "url", "color"} {
						if k[key] != f[key] {
							t.Errorf("%s: %s of %s is %v, the tree query says %v", path, key, name, k[key], f[key])
						}
					}
					if host := st.host; host != "" && !strings.HasPrefix(k["url"].(string), "http://"+host+"/") {
						t.Errorf("%s: url %v is not under %s", path, k["url"], host)
					}
				}
			}
		})
	}
}
