package views

import "regexp"

// compile compiles a view's includeRegex, which Java matches against the
// whole job name.
func compile(expr string) (*regexp.Regexp, error) {
	return regexp.Compile("^(?:" + expr + ")$")
}
