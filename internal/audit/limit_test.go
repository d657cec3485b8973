package audit

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// openAt opens a log in a temp dir whose rate-limit clock is *now.
func openAt(t *testing.T, p Policy, now *time.Time) (*Log, string) {
	t.Helper()
	dir := t.TempDir()
	l, err := Open(dir, p)
	if err != nil {
		t.Fatal(err)
	}
	l.now = func() time.Time { return *now }
	return l, dir
}

func find(t *testing.T, l *Log, q Query) []Entry {
	t.Helper()
	q.Limit = 1000
	got, _, err := l.Find(q)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func refused(addr string, at time.Time) Entry {
	return Entry{Time: at, User: "anonymous", Auth: "anonymous", Addr: addr, Action: "POST /createItem", Status: 403}
}

func TestTruncate(t *testing.T) {
	cases := []struct {
		name, in string
		max      int
		want     string
	}{
		{"a value at the bound is kept", "abcd", 4, "abcd"},
		{"a longer value is cut and marked", "abcdef", 4, "abcd…[truncated 2 bytes]"},
		{"a cut never splits a character", "abcé", 4, "abc…[truncated 2 bytes]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Truncate(c.in, c.max); got != c.want {
				t.Fatalf("Truncate(%q, %d) = %q, want %q", c.in, c.max, got, c.want)
			}
		})
	}
}

func TestEveryFieldIsBounded(t *testing.T) {
	now := time.Now()
	l, _ := openAt(t, Policy{}, &now)
	defer l.Close()
	huge := strings.Repeat("x", 900<<10)
	if err := l.Add(Entry{Time: now, User: huge, Auth: huge, TokenUUID: huge, Addr: huge, Action: "POST /" + huge, Status: 200, Detail: huge}); err != nil {
		t.Fatal(err)
	}
	got := find(t, l, Query{})
	if len(got) != 1 {
		t.Fatalf("%d entries", len(got))
	}
	e := got[0]
	for _, f := range []struct {
		name, v string
		max     int
	}{{"user", e.User, MaxUser}, {"auth", e.Auth, MaxAuth}, {"tokenUuid", e.TokenUUID, MaxUUID}, {"addr", e.Addr, MaxAddr}, {"action", e.Action, MaxAction}, {"detail", e.Detail, MaxDetail}} {
		if len(f.v) > f.max+40 || !strings.Contains(f.v, "…[truncated ") {
			t.Errorf("%s: %d bytes, not cut to %d with a marker", f.name, len(f.v), f.max)
		}
	}
}

// TestRefusedAnonymousRequestsAreSummarised: per minute, ten refused
// anonymous requests per address and a hundred in all are logged; the
// rest are counted in summary entries written when the minute ends.
func TestRefusedAnonymousRequestsAreSummarised(t *testing.T) {
	t0 := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	now := t0
	l, dir := openAt(t, Policy{}, &now)
	defer l.Close()
	for range 50 {
		l.Add(refused("203.0.113.1", now))
	}
	for range 5 {
		l.Add(refused("203.0.113.2", now))
	}
	l.Add(Entry{Time: now, User: "anonymous", Auth: "anonymous", Addr: "203.0.113.1", Action: "POST /job/open/build", Status: 201})
	t.Run("the first ten from an address are logged, and every one from a quiet address", func(t *testing.T) {
		if n := len(find(t, l, Query{Action: "POST /createItem"})); n != 15 {
			t.Fatalf("%d logged, want 15", n)
		}
	})
	t.Run("an anonymous request that was not refused is always logged", func(t *testing.T) {
		if n := len(find(t, l, Query{Action: "POST /job/open/build"})); n != 1 {
			t.Fatalf("%d logged", n)
		}
	})
	t.Run("no summary is written while the minute lasts", func(t *testing.T) {
		if got := find(t, l, Query{Action: SummaryAction}); len(got) != 0 {
			t.Fatalf("%v", got)
		}
	})
	t.Run("when the minute ends, one summary says how many were not logged", func(t *testing.T) {
		now = t0.Add(61 * time.Second)
		got := find(t, l, Query{Action: SummaryAction})
		if len(got) != 1 || got[0].Addr != "203.0.113.1" || !strings.HasPrefix(got[0].Detail, "40 more refused requests from 203.0.113.1 between 2030-01-01T12:00:00Z and 2030-01-01T12:01:01Z") {
			t.Fatalf("%+v", got)
		}
	})
	t.Run("a new minute logs ten again", func(t *testing.T) {
		for range 12 {
			l.Add(refused("203.0.113.1", now))
		}
		if n := len(find(t, l, Query{Action: "POST /createItem"})); n != 25 {
			t.Fatalf("%d logged, want 25", n)
		}
	})
	t.Run("closing writes the summary of the minute under way", func(t *testing.T) {
		l.Close()
		l2, err := Open(dir, Policy{})
		if err != nil {
			t.Fatal(err)
		}
		defer l2.Close()
		got := find(t, l2, Query{Action: SummaryAction})
		if len(got) != 2 || !strings.Contains(got[0].Detail+got[1].Detail, "2 more refused requests from 203.0.113.1 between 2030-01-01T12:01:01Z") {
			t.Fatalf("%+v", got)
		}
	})
}

// TestManyAddressesAreBoundedTogether: a flood from thousands of
// addresses logs a hundred entries a minute, tracks at most maxAddrs
// addresses, and sums up the rest in a bounded number of summaries.
func TestManyAddressesAreBoundedTogether(t *testing.T) {
	t0 := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	now := t0
	l, _ := openAt(t, Policy{}, &now)
	defer l.Close()
	for i := range 3000 {
		l.Add(refused(fmt.Sprintf("2001:db8::%x", i), now))
	}
	if n := len(l.limit.addrs); n != maxAddrs {
		t.Fatalf("%d addresses tracked, want %d", n, maxAddrs)
	}
	if n := len(find(t, l, Query{Action: "POST /createItem"})); n != perWindow {
		t.Fatalf("%d logged, want %d", n, perWindow)
	}
	now = t0.Add(time.Minute)
	got := find(t, l, Query{Action: SummaryAction})
	if len(got) != maxSummaries+1 {
		t.Fatalf("%d summaries, want %d", len(got), maxSummaries+1)
	}
	var last Entry
	for _, e := range got {
		if e.Addr == "" {
			last = e
		}
	}
	if want := "2880 more refused requests from other addresses"; !strings.HasPrefix(last.Detail, want) {
		t.Fatalf("%q, want %q", last.Detail, want)
	}
	if len(l.limit.addrs) != 0 {
		t.Fatal("the window's state was kept")
	}
}

// TestAnonymousFloodKeepsIdentifiedEntries: anonymous entries rotate in
// a log of their own, so however many there are, what identified users
// did stays.
func TestAnonymousFloodKeepsIdentifiedEntries(t *testing.T) {
	t0 := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	now := t0
	l, dir := openAt(t, Policy{MaxBytes: 4096, Keep: 1}, &now)
	defer l.Close()
	l.Add(Entry{Time: now, User: "alice", Auth: "token", Addr: "192.0.2.7", Action: "POST /job/deploy/build", Status: 201})
	for i := range 2000 {
		now = t0.Add(time.Duration(i) * time.Second)
		l.Add(refused(fmt.Sprintf("198.51.100.%d", i%250), now))
		l.Add(Entry{Time: now, User: "anonymous", Auth: "anonymous", Addr: "198.51.100.1", Action: "POST /job/open/build", Status: 201})
	}
	if got := find(t, l, Query{User: "alice"}); len(got) != 1 {
		t.Fatalf("alice's entry is gone: %v", got)
	}
	for _, name := range []string{"anonymous.log", "anonymous.log.1"} {
		if st, err := os.Stat(filepath.Join(dir, name)); err != nil || st.Size() > 4096 {
			t.Fatalf("%s: %v %v", name, st, err)
		}
	}
}

func TestTruncateCountsEscapes(t *testing.T) {
	cases := []struct {
		name, in string
		max      int
		maxLine  int // the JSON string's length, quotes excluded
	}{
		{"quotes", strings.Repeat(`"`, 1000), 100, 100},
		{"angle brackets", strings.Repeat("<", 1000), 100, 100},
		{"NUL bytes", strings.Repeat("\x00", 1000), 100, 100},
		{"invalid UTF-8", strings.Repeat("\xff", 1000), 100, 100},
		{"line separators", strings.Repeat("\u2028", 1000), 100, 100},
	}
	for _, c := range cases {
		t.Run("it cuts "+c.name+" by their encoded size", func(t *testing.T) {
			got := Truncate(c.in, c.max)
			cut, _, _ := strings.Cut(got, "…[truncated ")
			b, _ := json.Marshal(cut)
			if len(b)-2 > c.maxLine || !strings.Contains(got, "…[truncated ") {
				t.Fatalf("%d encoded bytes: %s", len(b)-2, b)
			}
		})
	}
}
