package macro

import "testing"

func TestExpand(t *testing.T) {
	vars := map[string]string{"A": "x", "B_1": "y", "a.b": "dot", "SELF": "$A", "E": ""}
	lookup := func(n string) (string, bool) { v, ok := vars[n]; return v, ok }
	tests := []struct{ name, in, want string }{
		{"a bare name is replaced", "out/$A/*.jar", "out/x/*.jar"},
		{"a braced name is replaced", "${B_1}.txt", "y.txt"},
		{"a bare name runs to the first non-name character", "$B_1-z", "y-z"},
		{"dots are allowed only inside braces", "${a.b} $a.b", "dot $a.b"},
		{"an undefined variable is left as written", "$NOPE ${NOPE}", "$NOPE ${NOPE}"},
		{"$$ is a dollar sign", "cost $$A", "cost $A"},
		{"a value is not expanded again", "$SELF", "$A"},
		{"an empty value is substituted", "[$E]", "[]"},
		{"a lone or trailing dollar stays", "a $ b $", "a $ b $"},
		{"an unclosed brace stays", "${A", "${A"},
		{"empty braces stay", "${}", "${}"},
		{"text without variables is returned as is", "plain", "plain"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Expand(tc.in, lookup); got != tc.want {
				t.Errorf("Expand(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func FuzzExpand(f *testing.F) {
	f.Add("$A${B}$$")
	f.Fuzz(func(t *testing.T, s string) {
		none := func(string) (string, bool) { return "", false }
		// With nothing defined only $$ changes.
		got := Expand(s, none)
		if len(got) > len(s) {
			t.Fatalf("Expand(%q) grew to %q with no variables", s, got)
		}
	})
}
