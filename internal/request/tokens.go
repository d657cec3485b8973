package request

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jeeves-ci/jeeves/internal/auth"
)

// RequireFullToken: a token limited by scopes (other than admin) or to a
// job glob cannot manage tokens (make, rotate, rename, revoke) or
// passwords, or it could mint itself wider ones. An unlimited token that
// expires may, within TokenNotAfter.
func (c *Call) RequireFullToken() error {
	if c.ID.Method != auth.Token {
		return nil
	}
	if c.ID.Jobs != "" {
		return NewError(http.StatusForbidden, "A token limited to the jobs matching ‘"+c.ID.Jobs+"’ cannot manage API tokens or passwords")
	}
	if len(c.ID.Scopes) > 0 && !slices.Contains(c.ID.Scopes, auth.ScopeAdmin) {
		return NewError(http.StatusForbidden, "A token limited to "+strings.Join(c.ID.Scopes, ", ")+" cannot manage API tokens")
	}
	return nil
}

// TokenNotAfter is the latest expiry a token made or rotated by this
// request may have: the expiry of the API token making the request
// (zero: no limit).
func (c *Call) TokenNotAfter() time.Time {
	if c.ID.Method != auth.Token {
		return time.Time{}
	}
	return c.ID.TokenExpires
}

// TokenOptions reads a new token's expiry (Jenkins's expirationDuration:
// days, never, or custom with tokenExpiration YYYY-MM-DD), and jeeves's
// scope (repeatable) and jobs, from the parsed form.
func (c *Call) TokenOptions() (auth.TokenOptions, error) {
	var opt auth.TokenOptions
	switch d := strings.TrimSpace(c.R.FormValue("expirationDuration")); d {
	case "", "never":
	case "custom":
		day, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(c.R.FormValue("tokenExpiration")), time.Local)
		if err != nil {
			return opt, errors.New("tokenExpiration must be a date such as 2027-01-31")
		}
		opt.Expires = day
	default:
		n, err := strconv.Atoi(d)
		if err != nil || n <= 0 || n > 36500 {
			return opt, errors.New("expirationDuration must be a number of days, never or custom")
		}
		opt.Expires = time.Now().Add(time.Duration(n) * 24 * time.Hour)
	}
	for _, sc := range c.R.Form["scope"] {
		opt.Scopes = append(opt.Scopes, strings.FieldsFunc(sc, func(r rune) bool { return r == ',' || r == ' ' })...)
	}
	opt.Jobs = c.R.FormValue("jobs")
	opt.NotAfter = c.TokenNotAfter()
	return opt, nil
}
