package api

import (
	"io"
	"net/http"

	"github.com/jeeves-ci/jeeves/internal/export"
	"github.com/jeeves-ci/jeeves/internal/request"
)

// CrumbObject is the crumb issuer's API object, with the caller's crumb.
func CrumbObject(crumb string) *export.Object {
	return newObject("hudson.security.csrf.DefaultCrumbIssuer", prop("crumb", crumb), prop("crumbRequestField", request.CrumbField))
}

// CrumbXPath answers the xpath recipes Jenkins special-cases
// (CrumbIssuer.RestrictedApi in hudson/security/csrf/CrumbIssuer.java).
func CrumbXPath(c *request.Call, xpath, crumb string) error {
	var out string
	switch xpath {
	case `concat(//crumbRequestField,":",//crumb)`:
		out = request.CrumbField + ":" + crumb
	case `concat(//crumbRequestField,'=',//crumb)`:
		out = request.CrumbField + "=" + crumb
	case `/*/crumbRequestField/text()`:
		out = request.CrumbField
	case `/*/crumb/text()`:
		out = crumb
	default:
		return request.NewError(http.StatusForbidden, "primitive XPath result sets forbidden; implement jenkins.security.SecureRequester")
	}
	c.W.Header().Set("Content-Type", "text/plain;charset=utf-8")
	c.W.Header().Set("X-Frame-Options", "deny")
	_, err := io.WriteString(c.W, out)
	return err
}
