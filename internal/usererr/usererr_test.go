package usererr

import (
	"errors"
	"fmt"
	"testing"
)

var (
	errBadName = errors.New("bad name")
	errBadView = errors.New("bad view name")
)

type causeError struct{ msg string }

func (e *causeError) Error() string { return e.msg }

func TestRefusals(t *testing.T) {
	cause := &causeError{"the name is longer than 255 bytes"}
	cases := []struct {
		name      string
		err       error
		kind      error
		msg, text string
		field     string
	}{
		{"a refusal's text is its kind and message", New(errBadName, "No name is specified"), errBadName,
			"No name is specified", "bad name: No name is specified", ""},
		{"a formatted message", Newf(errBadName, "‘%c’ is an unsafe character", '/'), errBadName,
			"‘/’ is an unsafe character", "bad name: ‘/’ is an unsafe character", ""},
		{"a refusal wrapped by fmt keeps its message", fmt.Errorf("create: %w", New(errBadName, "No name is specified")), errBadName,
			"No name is specified", "create: bad name: No name is specified", ""},
		{"a refusal for a cause takes the cause's message", Wrap(errBadName, cause), errBadName,
			cause.msg, "bad name: " + cause.msg, ""},
		{"a refusal for another refusal takes its message and field, not its kind", Wrap(errBadView, New(errBadName, "x").In("name")), errBadView,
			"x", "bad view name: x", "name"},
		{"an error that is no refusal is its own message", errors.New("plain"), nil, "plain", "plain", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.kind != nil && !errors.Is(c.err, c.kind) {
				t.Errorf("does not match its kind")
			}
			if got := Message(c.err); got != c.msg {
				t.Errorf("Message = %q, want %q", got, c.msg)
			}
			if got := c.err.Error(); got != c.text {
				t.Errorf("Error = %q, want %q", got, c.text)
			}
			if got := Field(c.err); got != c.field {
				t.Errorf("Field = %q, want %q", got, c.field)
			}
		})
	}
	t.Run("the cause stays in reach of errors.As, another refusal's kind does not", func(t *testing.T) {
		var ce *causeError
		if err := Wrap(errBadName, cause); !errors.As(err, &ce) {
			t.Error("the cause is lost")
		}
		if err := Wrap(errBadView, New(errBadName, "x")); errors.Is(err, errBadName) {
			t.Error("the inner kind leaks")
		}
	})
}
