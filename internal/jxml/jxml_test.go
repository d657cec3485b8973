package jxml

import (
	"math"
	"strings"
	"testing"
	"unicode/utf16"
)

func TestInt(t *testing.T) {
	tests := []struct {
		in      string
		want    int
		wantErr bool
	}{
		{"10", 10, false},
		{"-1", -1, false},
		{"+7", 7, false},
		{" 42 ", 42, false},
		{"0", 0, false},
		{"010", 8, false}, // Integer.decode reads a leading 0 as octal
		{"0x1F", 31, false},
		{"#10", 16, false},
		{"-0x10", -16, false},
		{"2147483647", math.MaxInt32, false},
		{"-2147483648", math.MinInt32, false},
		{"2147483648", 0, true},
		{"", 0, true},
		{"ten", 0, true},
		{"1.5", 0, true},
		{"--1", 0, true},
		{"0x", 0, true},
		{"09", 0, true},
	}
	for _, tc := range tests {
		t.Run("Int reads "+quote(tc.in)+" as Integer.decode does", func(t *testing.T) {
			got, err := Int(tc.in)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("Int(%q) = %d, %v; want %d, error %v", tc.in, got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestDouble(t *testing.T) {
	tests := []struct {
		in      string
		want    float64
		wantErr bool
	}{
		{"1.0", 1, false},
		{"2", 2, false},
		{" 2.5 ", 2.5, false},
		{"1e2", 100, false},
		{"1.5d", 1.5, false},
		{"-Infinity", math.Inf(-1), false},
		{"inf", 0, true},
		{"", 0, true},
		{"1_0", 0, true},
		{"0x10", 0, true},
	}
	for _, tc := range tests {
		t.Run("Double reads "+quote(tc.in)+" as Double.valueOf does", func(t *testing.T) {
			got, err := Double(tc.in)
			if (err != nil) != tc.wantErr || (!tc.wantErr && got != tc.want) {
				t.Errorf("Double(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.wantErr)
			}
		})
	}
	if v, err := Double("NaN"); err != nil || !math.IsNaN(v) {
		t.Errorf("Double(NaN) = %v, %v", v, err)
	}
}

func TestBool(t *testing.T) {
	for in, want := range map[string]bool{"true": true, "TRUE": true, " true\n": true, "false": false, "yes": false, "": false, "1": false} {
		if got := Bool(in); got != want {
			t.Errorf("Bool(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestParseReadsWhatJenkinsWrites(t *testing.T) {
	utf16le := func(s string) string {
		u := utf16.Encode([]rune(s))
		b := []byte{0xFF, 0xFE}
		for _, c := range u {
			b = append(b, byte(c), byte(c>>8))
		}
		return string(b)
	}
	tests := []struct {
		name, doc, text string
	}{
		{"an XML 1.1 declaration is accepted", "<?xml version='1.1' encoding='UTF-8'?>\n<a>x</a>", "x"},
		{"an XML 1.0 declaration is accepted", `<?xml version="1.0"?><a>x</a>`, "x"},
		{"a UTF-8 byte order mark is skipped", "\uFEFF<a>x</a>", "x"},
		{"ISO-8859-1 is decoded", "<?xml version='1.0' encoding='ISO-8859-1'?><a>caf\xe9</a>", "café"},
		{"UTF-16 with a byte order mark is decoded", utf16le("<?xml version='1.0' encoding='UTF-16'?><a>é𝄞</a>"), "é𝄞"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := Parse([]byte(tc.doc))
			if err != nil {
				t.Fatal(err)
			}
			if e.Name != "a" || e.Text != tc.text {
				t.Errorf("got <%s>%q, want <a>%q", e.Name, e.Text, tc.text)
			}
		})
	}
}

func TestParseRefuses(t *testing.T) {
	tests := []struct{ name, doc, want string }{
		{"an unknown encoding", "<?xml version='1.0' encoding='Shift_JIS'?><a/>", "unsupported encoding"},
		{"two roots", "<a/><b/>", "one root"},
		{"no root", "  ", "no root"},
		{"an unclosed element", "<a><b>", "unexpected EOF"},
		{"text beside the root", "<a/>x", "text outside"},
		{"deep nesting", strings.Repeat("<a>", MaxDepth+1) + strings.Repeat("</a>", MaxDepth+1), "nested"},
	}
	for _, tc := range tests {
		t.Run("Parse refuses "+tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Parse(%q) error = %v, want one containing %q", tc.doc, err, tc.want)
			}
		})
	}
}

func TestElementAccessors(t *testing.T) {
	e, err := Parse([]byte(`<r plugin="p@1"><x>1</x><y class="C"><z>deep</z></y><x>2</x></r>`))
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := e.Attr("plugin"); !ok || v != "p@1" {
		t.Errorf("Attr(plugin) = %q, %v", v, ok)
	}
	if e.Child("x").Text != "1" || e.Last("x").Text != "2" {
		t.Errorf("Child/Last = %q/%q", e.Child("x").Text, e.Last("x").Text)
	}
	if e.Child("y").Class() != "C" || e.Find("z").Text != "deep" {
		t.Errorf("Class/Find wrong")
	}
	if e.Child("nope") != nil || (*Element)(nil).Child("x") != nil {
		t.Errorf("missing children should be nil")
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("<?xml version='1.1'?><a b='c'><d>e</d></a>"))
	f.Add([]byte("\xff\xfe<\x00a\x00/\x00>\x00"))
	f.Add([]byte("<?xml version='1.0' encoding='latin1'?><a>\xe9</a>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := Parse(data)
		if err == nil && e == nil {
			t.Fatal("nil element without an error")
		}
	})
}

func quote(s string) string { return "\"" + s + "\"" }
