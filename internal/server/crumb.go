package server

import (
	"io"
	"net/http"

	"github.com/jeeves-ci/jeeves/internal/export"
	"github.com/jeeves-ci/jeeves/internal/request"
)

// walkCrumbIssuer serves /crumbIssuer/… (§2.5). With CSRF protection off
// it answers 404, which clients read as "no crumb needed".
func (s *Server) walkCrumbIssuer(c *request.Call, p []string) error {
	if !s.sys().CSRF {
		return request.NotFound()
	}
	// gojenkins asks for /crumbIssuer/api/json/api/json: api/json is a
	// web method, so what follows it is ignored (dispatch).
	crumb := s.auth.Crumb(c.ID)
	if len(p) >= 2 && p[0] == "api" && p[1] == "xml" {
		if xp, ok := c.R.URL.Query()["xpath"]; ok && len(xp) == 1 {
			return crumbXPath(c, xp[0], crumb)
		}
	}
	o := obj("hudson.security.csrf.DefaultCrumbIssuer", p2("crumb", crumb), p2("crumbRequestField", crumbField))
	return s.serveAPI(c, p, "defaultCrumbIssuer", o)
}

func p2(name string, v any) export.Prop { return export.Prop{Name: name, Vis: 1, Value: v} }

// crumbXPath answers the xpath recipes Jenkins special-cases (§2.5).
func crumbXPath(c *request.Call, xpath, crumb string) error {
	var out string
	switch xpath {
	case `concat(//crumbRequestField,":",//crumb)`:
		out = crumbField + ":" + crumb
	case `concat(//crumbRequestField,'=',//crumb)`:
		out = crumbField + "=" + crumb
	case `/*/crumbRequestField/text()`:
		out = crumbField
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
