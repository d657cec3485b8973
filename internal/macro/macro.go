// Package macro expands build variables in configured strings as
// Jenkins's Util.replaceMacro does (EnvVars.expand): $NAME and ${NAME}
// are replaced by the variable's value, $$ by a single $, and a variable
// that is not defined is left as written.
package macro

// Expand replaces the references to variables in s with the values
// lookup gives. NAME is letters, digits and '_'; inside braces '.' is
// allowed too. A value is not expanded again, and text after it is
// scanned as usual, so a value containing "$X" stays as it is. Jenkins
// looks build variables up ignoring case (EnvVars is case-insensitive);
// lookup decides that.
func Expand(s string, lookup func(name string) (string, bool)) string {
	var out []byte
	last := 0 // s[last:i] is yet to be copied
	for i := 0; i < len(s); {
		if s[i] != '$' || i+1 >= len(s) {
			i++
			continue
		}
		start := i
		var name string
		end := -1
		switch c := s[i+1]; {
		case c == '$':
			if out == nil {
				out = make([]byte, 0, len(s))
			}
			out = append(out, s[last:start]...)
			out = append(out, '$')
			i += 2
			last = i
			continue
		case c == '{':
			j := i + 2
			for j < len(s) && (isNameByte(s[j]) || s[j] == '.') {
				j++
			}
			if j > i+2 && j < len(s) && s[j] == '}' {
				name, end = s[i+2:j], j+1
			}
		case isNameByte(c):
			j := i + 1
			for j < len(s) && isNameByte(s[j]) {
				j++
			}
			name, end = s[i+1:j], j
		}
		if end < 0 {
			i++
			continue
		}
		v, ok := lookup(name)
		if !ok {
			i = end
			continue
		}
		if out == nil {
			out = make([]byte, 0, len(s)+len(v))
		}
		out = append(out, s[last:start]...)
		out = append(out, v...)
		i, last = end, end
	}
	if out == nil {
		return s
	}
	return string(append(out, s[last:]...))
}

func isNameByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}
