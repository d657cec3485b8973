package flash

import (
	"fmt"
	"testing"
	"time"
)

func TestAValueIsTakenOnceByItsSessionUserKindAndID(t *testing.T) {
	var f Store
	id, ok := f.Put("s1", "alice", "page", 200, []byte("hello"))
	if !ok {
		t.Fatal("Put refused a small value")
	}
	for _, c := range []struct{ name, session, user, kind, id string }{
		{"another session takes nothing", "s2", "alice", "page", id},
		{"another user takes nothing", "s1", "bob", "page", id},
		{"another kind takes nothing", "s1", "alice", "notice", id},
		{"a wrong id takes nothing", "s1", "alice", "page", id + "x"},
		{"an empty id takes nothing", "s1", "alice", "page", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, _, ok := f.Take(c.session, c.user, c.kind, c.id); ok {
				t.Fatal("taken")
			}
		})
	}
	t.Run("the right caller takes it with its status", func(t *testing.T) {
		status, data, ok := f.Take("s1", "alice", "page", id)
		if !ok || status != 200 || string(data) != "hello" {
			t.Fatalf("%v %d %q", ok, status, data)
		}
	})
	t.Run("a second take finds nothing", func(t *testing.T) {
		if _, _, ok := f.Take("s1", "alice", "page", id); ok || f.Len() != 0 {
			t.Fatalf("taken twice, %d held", f.Len())
		}
	})
}

func TestTheStoreIsBounded(t *testing.T) {
	t.Run("a new value replaces the session's pending one", func(t *testing.T) {
		var f Store
		first, _ := f.Put("s", "u", "page", 200, []byte("1"))
		second, _ := f.Put("s", "u", "page", 200, []byte("2"))
		if _, _, ok := f.Take("s", "u", "page", first); ok {
			t.Fatal("the first value is still held")
		}
		if _, data, ok := f.Take("s", "u", "page", second); !ok || string(data) != "2" {
			t.Fatal("the second value is not held")
		}
	})
	t.Run("a value past its lifetime is gone", func(t *testing.T) {
		var f Store
		id, _ := f.Put("s", "u", "page", 200, []byte("x"))
		f.SetClock(func() time.Time { return time.Now().Add(Lifetime + time.Second) })
		if _, _, ok := f.Take("s", "u", "page", id); ok {
			t.Fatal("an expired value was taken")
		}
	})
	t.Run("a value bigger than MaxEntry is not held", func(t *testing.T) {
		var f Store
		if _, ok := f.Put("s", "u", "page", 200, make([]byte, MaxEntry+1)); ok || f.Len() != 0 {
			t.Fatal("held")
		}
	})
	t.Run("no more than MaxEntries values are held", func(t *testing.T) {
		var f Store
		for i := range MaxEntries {
			if _, ok := f.Put(fmt.Sprint(i), "u", "page", 200, []byte("x")); !ok {
				t.Fatalf("value %d refused", i)
			}
		}
		if _, ok := f.Put("one more", "u", "page", 200, []byte("x")); ok || f.Len() != MaxEntries {
			t.Fatalf("%d held", f.Len())
		}
		f.Clear()
		if f.Len() != 0 {
			t.Fatal("Clear left values")
		}
	})
	t.Run("no session holds nothing", func(t *testing.T) {
		var f Store
		if _, ok := f.Put("", "u", "page", 200, []byte("x")); ok {
			t.Fatal("held without a session")
		}
	})
}
