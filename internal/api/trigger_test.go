package api

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/queue"
)

func TestParseDelay(t *testing.T) {
	for _, c := range []struct {
		name, delay string
		want        time.Duration
		none, bad   bool
	}{
		{"no delay is the job's quiet period", "", 0, true, false},
		{"a bare number is milliseconds, cut to seconds", "2500", 2 * time.Second, false, false},
		{"sec is seconds", "10sec", 10 * time.Second, false, false},
		{"secs too, with spaces", " 3 secs ", 3 * time.Second, false, false},
		{"zero is no wait", "0sec", 0, false, false},
		{"a negative delay is refused", "-1", 0, false, true},
		{"minutes are not Jenkins's units", "1min", 0, false, true},
		{"more than a year is refused", "31622400001", 0, false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, err := parseDelay(map[string][]string{"delay": {c.delay}})
			switch {
			case c.bad:
				if err == nil {
					t.Fatalf("accepted: %v", *d)
				}
			case err != nil:
				t.Fatal(err)
			case c.none != (d == nil):
				t.Fatalf("got %v", d)
			case d != nil && *d != c.want:
				t.Fatalf("got %v, want %v", *d, c.want)
			}
		})
	}
}

func TestAcceptsText(t *testing.T) {
	for _, c := range []struct {
		name   string
		accept []string
		ok     bool
	}{
		{"no Accept header admits no text (Go's and Java's clients)", nil, false},
		{"curl's */* admits it", []string{"*/*"}, true},
		{"text/plain admits it", []string{"text/plain"}, true},
		{"text/* admits it", []string{"text/*"}, true},
		{"JSON alone does not", []string{"application/json"}, false},
		{"q=0 refuses it", []string{"text/plain;q=0"}, false},
		{"the most specific range decides", []string{"*/*, text/plain;q=0"}, false},
		{"over several headers too", []string{"application/json", "text/*;q=0.5"}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/job/x/build", nil)
			for _, v := range c.accept {
				r.Header.Add("Accept", v)
			}
			if got := acceptsText(r); got != c.ok {
				t.Fatalf("acceptsText = %v", got)
			}
		})
	}
}

func TestAQueueItemIsWrittenUnderItsStatesElement(t *testing.T) {
	for _, c := range []struct {
		name string
		w    queue.Waiting
		want string
	}{
		{"an item in its quiet period", queue.Waiting{}, "waitingItem"},
		{"a due item blocked by a running build", queue.Waiting{Ready: true, Blocked: true}, "blockedItem"},
		{"a due item", queue.Waiting{Ready: true}, "buildableItem"},
		{"an item that left", queue.Waiting{Item: model.QueueItem{State: model.QueueLeft}}, "leftItem"},
	} {
		t.Run(c.name+" is a "+c.want, func(t *testing.T) {
			if got := ItemXMLRoot(&c.w); got != c.want {
				t.Fatalf("ItemXMLRoot = %q", got)
			}
		})
	}
}
