package executor

import (
	"bytes"
	"testing"
)

func TestMasker(t *testing.T) {
	cases := []struct {
		name   string
		writes []string
		want   string
	}{
		{"a secret in one write", []string{"PW=s3cret done\n"}, "PW=**** done\n"},
		{"a secret split across writes", []string{"PW=s3", "cr", "et\n"}, "PW=****\n"},
		{"every occurrence", []string{"s3crets3cret"}, "********"},
		{"a prefix that never completes is kept", []string{"s3cr", "ate\n"}, "s3crate\n"},
		{"a secret at the very end is masked on Close", []string{"end s3cret"}, "end ****"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out bytes.Buffer
			m := NewMasker(&out, []string{"s3cret", ""})
			for _, w := range c.writes {
				if n, err := m.Write([]byte(w)); err != nil || n != len(w) {
					t.Fatalf("Write = %d, %v", n, err)
				}
			}
			m.Close()
			if out.String() != c.want {
				t.Fatalf("got %q, want %q", out.String(), c.want)
			}
		})
	}
}
