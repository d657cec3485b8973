package jxml

import (
	"encoding/xml"
	"strings"
	"testing"
)

func TestControlRefs(t *testing.T) {
	for _, c := range []struct {
		name, doc, want string
	}{
		{"a document without control references is left as it is", `<a>x&#x9;y</a>`, "x\ty"},
		{"a reference to a control character survives decoding", `<a>k1&#xc;k2&#27;</a>`, "k1\fk2\x1b"},
		{"a private-use character the document uses is kept apart", "<a>\U000F0001&#1;</a>", "\U000F0001\x01"},
		{"a reference in a comment or CDATA is not rewritten", `<a><!-- &#1; --><![CDATA[&#1;]]>&#2;</a>`, "&#1;\x02"},
	} {
		t.Run(c.name, func(t *testing.T) {
			doc, base, err := MapControlRefs([]byte(c.doc))
			if err != nil {
				t.Fatal(err)
			}
			if base == 0 && string(doc) != c.doc {
				t.Fatalf("changed without a base: %q", doc)
			}
			var got strings.Builder
			d := xml.NewDecoder(strings.NewReader(string(doc)))
			for {
				tok, err := d.Token()
				if err != nil {
					break
				}
				if cd, ok := tok.(xml.CharData); ok {
					got.WriteString(RestoreControls(string(cd), base))
				}
			}
			if got.String() != c.want {
				t.Fatalf("got %q, want %q (document %q)", got.String(), c.want, doc)
			}
		})
	}
	t.Run("EachControlRef names only control references", func(t *testing.T) {
		var n int
		EachControlRef([]byte(`&#9;&#1;&#x1F;&#65;<!-- &#2; -->`), func(int, int) { n++ })
		if n != 2 {
			t.Fatalf("%d", n)
		}
	})
}
