package limits

import (
	"errors"
	"testing"
)

func TestInvisible(t *testing.T) {
	refused := []rune{0x00, 0x1f, 0x7f, 0x85, 0xad, 0x200b, 0x200c, 0x200d, 0x200e, 0x200f,
		0x2028, 0x2029, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069, 0xfeff, 0xe0001}
	for _, r := range refused {
		if !Invisible(r) {
			t.Errorf("U+%04X is let through", r)
		}
	}
	for _, r := range []rune{'a', ' ', '-', 'é', 'ж', 'ビ', 'ع', '🚀', 0x3000} {
		if Invisible(r) {
			t.Errorf("U+%04X (%c) is refused", r, r)
		}
	}
}

func TestCheck(t *testing.T) {
	if err := Check("description", "abc", 3); err != nil {
		t.Fatalf("a value at the bound: %v", err)
	}
	err := Check("description", "abcd", 3)
	var le *Error
	if !errors.As(err, &le) || err.Error() != "description is 4 bytes long; the limit is 3 bytes" {
		t.Fatalf("got %v", err)
	}
	if err := CheckVisible("the name", "a\u202eb"); err == nil || err.Error() != "the name holds the invisible or direction-changing character U+202E, which is not allowed" {
		t.Fatalf("got %v", err)
	}
}
