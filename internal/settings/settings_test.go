package settings

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/store/sqlite"
	"github.com/jeeves-ci/jeeves/internal/usererr"
)

func TestValidate(t *testing.T) {
	for _, c := range []struct {
		name string
		v    Values
		ok   bool
		root string
	}{
		{"the defaults are valid", Values{Executors: 2, QuietPeriod: 5 * time.Second, CSRF: true}, true, ""},
		{"a root URL gains its trailing slash", Values{RootURL: " https://ci.example.com "}, true, "https://ci.example.com/"},
		{"negative executors are refused", Values{Executors: -1}, false, ""},
		{"too many executors are refused", Values{Executors: MaxExecutors + 1}, false, ""},
		{"a negative quiet period is refused", Values{QuietPeriod: -time.Second}, false, ""},
		{"a quiet period over a day is refused", Values{QuietPeriod: 25 * time.Hour}, false, ""},
		{"a root URL without a scheme is refused", Values{RootURL: "ci.example.com"}, false, ""},
		{"a javascript: root URL is refused", Values{RootURL: "javascript:alert(1)"}, false, ""},
		{"a root URL with a query is refused", Values{RootURL: "https://ci.example.com/?x=1"}, false, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.v.Validate()
			if (err == nil) != c.ok {
				t.Fatalf("Validate: %v, want ok=%v", err, c.ok)
			}
			if err != nil && !errors.Is(err, ErrInvalid) {
				t.Fatalf("%v does not wrap ErrInvalid", err)
			}
			if c.ok && c.v.RootURL != c.root {
				t.Fatalf("root URL %q, want %q", c.v.RootURL, c.root)
			}
		})
	}
}

func TestSavedValuesWinOverDefaultsAndSurviveReopening(t *testing.T) {
	ctx := context.Background()
	home := t.TempDir()
	st, err := sqlite.Open(home)
	if err != nil {
		t.Fatal(err)
	}
	defaults := Values{Executors: 2, QuietPeriod: 5 * time.Second, CSRF: true}
	s, err := Load(ctx, st, defaults)
	if err != nil {
		t.Fatal(err)
	}
	var seen []Values
	s.OnChange(func(v Values) { seen = append(seen, v) })
	want := Values{Executors: 4, QuietPeriod: time.Second, CSRF: false, RootURL: "http://ci.local/"}
	if err := s.Set(ctx, want); err != nil {
		t.Fatal(err)
	}
	if err := s.Set(ctx, Values{Executors: -3}); err == nil {
		t.Fatal("an invalid value was accepted")
	}
	if len(seen) != 1 || seen[0] != want || s.Get() != want {
		t.Fatalf("after Set: Get %+v, watchers saw %+v", s.Get(), seen)
	}
	st.Close()
	st, err = sqlite.Open(home)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	again, err := Load(ctx, st, defaults)
	if err != nil {
		t.Fatal(err)
	}
	if again.Get() != want {
		t.Fatalf("reopened: %+v, want %+v", again.Get(), want)
	}
	if err := again.Override(func(v *Values) { v.CSRF = true }); err != nil {
		t.Fatal(err)
	}
	if got := again.Get(); !got.CSRF || got.Executors != 4 {
		t.Fatalf("override: %+v", got)
	}
}

func TestARefusalNamesItsFieldAndSaysWhy(t *testing.T) {
	for _, c := range []struct {
		name  string
		v     Values
		field string
		msg   string
	}{
		{"executors", Values{Executors: -1}, "executors", "The number of executors must be between 0 and 1024"},
		{"the quiet period", Values{QuietPeriod: -time.Second}, "quietPeriod", "The quiet period must be between 0 and 86400 seconds"},
		{"the root URL", Values{RootURL: "ci.example.com"}, "rootURL", "The root URL must be an absolute http or https URL such as https://ci.example.com/"},
	} {
		t.Run("a bad "+c.name+" is refused beside its field, in words to show", func(t *testing.T) {
			err := c.v.Validate()
			if usererr.Field(err) != c.field || usererr.Message(err) != c.msg {
				t.Fatalf("field %q, message %q", usererr.Field(err), usererr.Message(err))
			}
		})
	}
}
