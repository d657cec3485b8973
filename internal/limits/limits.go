// Package limits holds the bound on every string a client can make jeeves
// store, and the checks that enforce them. Each bound is in bytes of
// UTF-8; a value over its bound is refused whole (never cut), with an
// Error naming the field and the bound, which the HTTP edge answers with
// a 400. Whole documents (config.xml, forms) are bounded by the request
// body limit instead.
package limits

import (
	"fmt"
	"strconv"
	"unicode"
)

// The bounds, in bytes.
const (
	// Name bounds item (job and folder), view and agent names, API token
	// names and parameter names. Jenkins keeps items in directories of
	// that name, so the file system limits them to 255 bytes.
	Name = 255
	// FullName bounds an item's full name: its folders' names and its
	// own joined with "/".
	FullName = 1024
	// UserID bounds a user name (letters, digits, '_' and '-').
	UserID = 64
	// DisplayName bounds a user's full name.
	DisplayName = 255
	// Email bounds an e-mail address (RFC 5321's longest path).
	Email = 254
	// Description bounds the description of an item, a view, an agent
	// or a parameter.
	Description = 64 << 10
	// Value bounds a parameter's default value, each of its choices, and
	// each parameter value a build is given.
	Value = 64 << 10
	// Regex bounds a list view's includeRegex.
	Regex = 4 << 10
	// RegexProgram bounds the size of an includeRegex once compiled, in
	// instructions of Go's regexp/syntax (not bytes): matching costs the
	// name's length times this size.
	RegexProgram = 4096
	// Label bounds an agent's label string (its labels, space-separated).
	Label = 1 << 10
	// Message bounds offline reasons and a remote trigger's cause note.
	Message = 1 << 10
	// Path bounds an agent's remote root directory (Linux's PATH_MAX).
	Path = 4 << 10
	// Token bounds a job's remote trigger token (<authToken>).
	Token = 255
	// Spec bounds a job's timer trigger specification.
	Spec = 4 << 10
	// Sid bounds a user or group name in a permission grant.
	Sid = 255
	// URL bounds the configured root URL.
	URL = 2 << 10
)

// Error is a value longer than its bound.
type Error struct {
	Field string // what the client calls it: "description", "newTokenName", …
	Len   int    // the value's length in bytes
	Max   int    // the bound in bytes
}

func (e *Error) Error() string {
	return e.Field + " is " + strconv.Itoa(e.Len) + " bytes long; the limit is " + strconv.Itoa(e.Max) + " bytes"
}

// Check returns an *Error when value is longer than max bytes.
func Check(field, value string, max int) error {
	if len(value) > max {
		return &Error{Field: field, Len: len(value), Max: max}
	}
	return nil
}

// Invisible reports whether r is a character a name must not hold because
// it cannot be seen or changes how the text around it is shown: control
// characters (Cc), format characters (Cf: the bidirectional overrides
// and isolates U+202A–U+202E and U+2066–U+2069, the zero-width characters
// U+200B–U+200F, U+FEFF…) and the line and paragraph separators U+2028
// and U+2029.
func Invisible(r rune) bool {
	return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp)
}

// CharError is a name holding an Invisible character.
type CharError struct {
	Field string
	Rune  rune
}

func (e *CharError) Error() string {
	return fmt.Sprintf("%s holds the invisible or direction-changing character U+%04X, which is not allowed", e.Field, e.Rune)
}

// CheckVisible returns a *CharError for the first Invisible character in
// value.
func CheckVisible(field, value string) error {
	for _, r := range value {
		if Invisible(r) {
			return &CharError{Field: field, Rune: r}
		}
	}
	return nil
}
