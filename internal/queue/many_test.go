package queue

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/model"
)

// TestAQueueOfThousands: with thousands of items waiting, each found
// through the queue's indexes rather than by walking it, folding,
// taking and cancelling still pick the right item, and the order stays
// oldest first.
func TestAQueueOfThousands(t *testing.T) {
	w := newWorld(t, Config{})
	param := func(i int) []model.ParamValue {
		return []model.ParamValue{{Kind: model.ParamString, Name: "N", Value: strconv.Itoa(i)}}
	}
	const n = 3000
	ids := make([]int64, n)
	for i := range n {
		it, created := w.schedule(t, w.a, user, alice, param(i), &hour)
		if !created {
			t.Fatalf("item %d folded", i)
		}
		ids[i] = it.ID
	}
	t.Run("a request with the same parameters folds into its item", func(t *testing.T) {
		it, created := w.schedule(t, w.a, timer, alice, param(1234), &hour)
		if created || it.ID != ids[1234] || len(it.Causes) != 2 {
			t.Fatalf("created %v, id %d (want %d), causes %v", created, it.ID, ids[1234], it.Causes)
		}
	})
	t.Run("parameters that only join alike do not fold", func(t *testing.T) {
		// "1" then "23" and "12" then "3" must make different keys.
		two := func(a, b string) []model.ParamValue {
			return []model.ParamValue{{Kind: model.ParamString, Name: "N", Value: a}, {Kind: model.ParamString, Name: "M", Value: b}}
		}
		w.schedule(t, w.b, user, alice, two("1", "23"), &hour)
		if _, created := w.schedule(t, w.b, user, alice, two("12", "3"), &hour); !created {
			t.Fatal("folded into an item with other parameters")
		}
	})
	t.Run("another authority does not fold", func(t *testing.T) {
		if _, created := w.schedule(t, w.a, user, bob, param(7), &hour); !created {
			t.Fatal("bob's request folded into alice's item")
		}
	})
	t.Run("cancelling and taking from the middle keep the rest in order", func(t *testing.T) {
		if err := w.q.Cancel(context.Background(), ids[10]); err != nil {
			t.Fatal(err)
		}
		start := func(it *model.QueueItem) error {
			return w.st.StartBuild(context.Background(), it.ID, &model.Build{JobID: it.JobID, Building: true, StartedAt: time.Now()})
		}
		if err := w.q.Take(ids[20], start); err != nil {
			t.Fatal(err)
		}
		if err := w.q.Cancel(context.Background(), ids[10]); err == nil {
			t.Fatal("a cancelled item was cancelled again")
		}
		items := w.q.Items()
		if len(items) != n-2+3 {
			t.Fatalf("%d items", len(items))
		}
		for i := 1; i < len(items); i++ {
			if items[i].Item.ID <= items[i-1].Item.ID {
				t.Fatalf("items out of order at %d: %d after %d", i, items[i].Item.ID, items[i-1].Item.ID)
			}
		}
		if _, created := w.schedule(t, w.a, user, alice, param(10), &hour); !created {
			t.Fatal("a request folded into a cancelled item")
		}
	})
	t.Run("a restart finds the same items", func(t *testing.T) {
		q := w.open(t)
		if got, want := len(q.Items()), len(w.q.Items()); got != want {
			t.Fatalf("%d items after a restart, %d before", got, want)
		}
		w.q = q
		if _, created := w.schedule(t, w.a, user, alice, param(999), &hour); created {
			t.Fatal("a request did not fold into an item loaded at start")
		}
	})
}
