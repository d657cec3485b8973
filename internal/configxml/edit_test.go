package configxml

import "testing"

func TestSetTopLevel(t *testing.T) {
	for _, c := range []struct {
		name, in, elem, value, want string
	}{
		{"an existing element's text is replaced and nothing else changes",
			"<?xml version='1.1' encoding='UTF-8'?>\n<project>\n  <!-- <disabled>x</disabled> -->\n  <disabled>false</disabled>\n  <x a=\"b>c\"/>\n</project>",
			"disabled", "true",
			"<?xml version='1.1' encoding='UTF-8'?>\n<project>\n  <!-- <disabled>x</disabled> -->\n  <disabled>true</disabled>\n  <x a=\"b>c\"/>\n</project>"},
		{"a self-closing element gets its text",
			"<project><description/><disabled>false</disabled></project>",
			"description", "a <b> & c",
			"<project><description>a &lt;b&gt; &amp; c</description><disabled>false</disabled></project>"},
		{"a nested element of the same name is left alone",
			"<project>\n  <properties><disabled>keep</disabled></properties>\n</project>",
			"disabled", "true",
			"<project>\n  <properties><disabled>keep</disabled></properties>\n  <disabled>true</disabled>\n</project>"},
		{"a missing element is added before the root's end",
			"<project><builders/></project>",
			"disabled", "true",
			"<project><builders/>\n  <disabled>true</disabled>\n</project>"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := SetTopLevel([]byte(c.in), c.elem, c.value)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.want {
				t.Fatalf("got\n%s\nwant\n%s", got, c.want)
			}
			cfg, err := Parse(got)
			if err != nil {
				t.Fatal(err)
			}
			if c.elem == "disabled" && !cfg.Disabled {
				t.Fatal("not disabled after the edit")
			}
		})
	}
	t.Run("malformed XML is refused", func(t *testing.T) {
		if _, err := SetTopLevel([]byte("<project>"), "disabled", "true"); err == nil {
			t.Fatal("no error")
		}
	})
}
