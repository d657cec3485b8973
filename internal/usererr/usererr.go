// Package usererr is the error a service returns when it refuses a
// request for a reason the user can act on (a bad name, a name taken, a
// malformed config.xml): it says what kind of refusal it is, for
// errors.Is, and carries its message as the user reads it, so that the
// HTTP edge answers it as a 400 with its message as it is
// (request.Refused), never by cutting the error's text, and a form shows
// it beside the field it names.
package usererr

import (
	"errors"
	"fmt"
)

// Error is a refusal with a message fit to show the user.
type Error struct {
	// Kind is what the refusal is, for errors.Is: a package's sentinel
	// (jobs.ErrBadName, auth.ErrInvalid…).
	Kind error
	// Field names the form field the refusal is about ("" when none).
	Field string
	// Msg is the message, written for the user.
	Msg string
	// Err is what caused the refusal, if anything (a *limits.Error);
	// errors.Is and errors.As see it too.
	Err error
}

// Error is the kind and the message, "bad name: No name is specified".
func (e *Error) Error() string { return e.Kind.Error() + ": " + e.Msg }

// Unwrap makes the error match its kind and its cause.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// New is a refusal of kind with the message msg.
func New(kind error, msg string) *Error { return &Error{Kind: kind, Msg: msg} }

// Newf is a refusal of kind with a formatted message.
func Newf(kind error, format string, args ...any) *Error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// Wrap is a refusal of kind because of err, with err's message (see
// Message) and field. err stays in reach of errors.Is and errors.As,
// but for its kind when it is a refusal itself: a view refused for the
// reason a job name would be is a views.ErrBadName, not a
// jobs.ErrBadName.
func Wrap(kind, err error) *Error {
	var ue *Error
	if errors.As(err, &ue) {
		return &Error{Kind: kind, Field: ue.Field, Msg: ue.Msg, Err: ue.Err}
	}
	return &Error{Kind: kind, Msg: err.Error(), Err: err}
}

// In sets the form field the refusal is about and returns e:
// usererr.New(…).In("password").
func (e *Error) In(field string) *Error {
	e.Field = field
	return e
}

// Message is the message of the refusal in err's chain; err's whole text
// when there is none.
func Message(err error) string {
	var ue *Error
	if errors.As(err, &ue) {
		return ue.Msg
	}
	return err.Error()
}

// Field is the form field the refusal in err's chain is about; "" when
// none is named, or err is no refusal.
func Field(err error) string {
	var ue *Error
	if errors.As(err, &ue) {
		return ue.Field
	}
	return ""
}
