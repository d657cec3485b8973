package request

import (
	"errors"
	"net/http"

	"github.com/jeeves-ci/jeeves/internal/store"
	"github.com/jeeves-ci/jeeves/internal/usererr"
)

// Error is a refusal with the HTTP answer it deserves, made where the
// reason is known; internal/server renders it as Jenkins would. Any
// other error a handler returns is a 500 with a reference in the log.
type Error struct {
	Status int
	Msg    string
	XError bool   // also send the message as X-Error (Jenkins's Failure pages)
	Perm   string // for 403s: the permission that was missing
}

func (e *Error) Error() string { return e.Msg }

// NewError is a refusal with status and message msg.
func NewError(status int, msg string) error { return &Error{Status: status, Msg: msg} }

// BadRequest is a 400 whose message also goes in X-Error, as Jenkins's
// Failure pages do (createItem's errors among them).
func BadRequest(msg string) error {
	return &Error{Status: http.StatusBadRequest, Msg: msg, XError: true}
}

// NotFound is Jenkins's 404.
func NotFound() error { return &Error{Status: http.StatusNotFound, Msg: "Not Found"} }

// Conflict is a 409: the request cannot be done in the state things are
// in (a job disabled, a workspace in use).
func Conflict(msg string) error { return &Error{Status: http.StatusConflict, Msg: msg} }

// Forbidden is Jenkins's 403 for a missing permission: the answer names
// it in X-Required-Permission.
func Forbidden(perm string) error {
	return &Error{Status: http.StatusForbidden, Msg: "Access Denied", Perm: perm}
}

// The refusals every walk may meet.
var (
	ErrUnauthorized = &Error{Status: http.StatusUnauthorized, Msg: "Unauthorized"}
	ErrNoCrumb      = &Error{Status: http.StatusForbidden, Msg: "No valid crumb was included in the request"}
	ErrRequirePOST  = &Error{Status: http.StatusMethodNotAllowed, Msg: "This URL requires POST"}
)

// Refused is err as the caller is answered when a service returned it:
// a service's refusal (a *usererr.Error: a bad name, a name taken, a
// malformed config.xml) is a 400 with its message, a record that does
// not exist is a 404, and anything else is err itself (a 500).
func Refused(err error) error {
	var ue *usererr.Error
	switch {
	case errors.As(err, &ue):
		return BadRequest(ue.Msg)
	case errors.Is(err, store.ErrNotFound):
		return NotFound()
	}
	return err
}

// FieldError is a 400 about one field of a form, so that the form can
// show the message beside it; API clients get the same 400 as any.
type FieldError struct {
	Field string
	err   *Error
}

func (e *FieldError) Error() string { return e.err.Msg }

// Unwrap gives the 400 to errors.As, for the server's rendering and
// FormMessage.
func (e *FieldError) Unwrap() error { return e.err }

// BadField is BadRequest(msg) about the form field named field.
func BadField(field, msg string) error {
	return &FieldError{Field: field, err: BadRequest(msg).(*Error)}
}

// FormMessage is the message of a 400, to show beside a form; ok is
// false for any other error, which the form does not show.
func FormMessage(err error) (msg string, ok bool) {
	var e *Error
	if errors.As(err, &e) && e.Status == http.StatusBadRequest {
		return e.Msg, true
	}
	return "", false
}
