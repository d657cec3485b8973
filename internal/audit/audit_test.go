package audit

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestLog(t *testing.T) {
	dir := t.TempDir()
	l, err := Open(dir, Policy{MaxBytes: 2000, Keep: 2})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 40; i++ {
		user := "alice"
		if i%2 == 1 {
			user = "bob"
		}
		if err := l.Add(Entry{Time: t0.Add(time.Duration(i) * time.Minute), User: user, Action: fmt.Sprintf("POST /job/j%d/build", i), Status: 201}); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("rotation keeps the live file under the limit and only Keep old ones", func(t *testing.T) {
		l.Flush()
		for _, name := range []string{"audit.log", "audit.log.1", "audit.log.2"} {
			st, err := os.Stat(filepath.Join(dir, name))
			if err != nil || st.Size() > 2000 {
				t.Fatalf("%s: %v %v", name, st, err)
			}
		}
		if _, err := os.Stat(filepath.Join(dir, "audit.log.3")); !os.IsNotExist(err) {
			t.Fatal("audit.log.3 was kept")
		}
	})
	t.Run("find returns the newest first, filtered and paged", func(t *testing.T) {
		got, total, err := l.Find(Query{User: "BOB", Limit: 3})
		if err != nil || len(got) != 3 || got[0].Action != "POST /job/j39/build" || got[1].Action != "POST /job/j37/build" {
			t.Fatalf("%v %d %v", got, total, err)
		}
		page2, total2, _ := l.Find(Query{User: "bob", Limit: 3, Offset: 3})
		if total2 != total || page2[0].Action != "POST /job/j33/build" {
			t.Fatalf("%v", page2)
		}
		window, _, _ := l.Find(Query{Since: t0.Add(38 * time.Minute), Until: t0.Add(39 * time.Minute)})
		if len(window) != 1 || window[0].Action != "POST /job/j38/build" {
			t.Fatalf("%v", window)
		}
		none, _, _ := l.Find(Query{Action: "auth."})
		if len(none) != 0 {
			t.Fatalf("%v", none)
		}
	})
	t.Run("a torn last line after a crash is skipped", func(t *testing.T) {
		l.Close()
		f, _ := os.OpenFile(filepath.Join(dir, "audit.log"), os.O_WRONLY|os.O_APPEND, 0)
		f.WriteString(`{"time":"2030-01-01T00:`)
		f.Close()
		l2, err := Open(dir, Policy{MaxBytes: 1 << 20, Keep: 2})
		if err != nil {
			t.Fatal(err)
		}
		defer l2.Close()
		l2.Add(Entry{Time: t0.Add(time.Hour), User: "carol", Action: "POST /after-crash"})
		got, _, err := l2.Find(Query{User: "carol"})
		if err != nil || len(got) != 1 {
			t.Fatalf("the entry after the torn line: %v %v", got, err)
		}
	})
}
