package server

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/authz"
)

// authorization is /manage/security/authorization (admins): GET answers
// the global strategy as JSON; POST takes one, such as
// {"strategy":"matrix","anonymousRead":false,"grants":[{"type":"USER",
// "sid":"bob","permissions":["hudson.model.Hudson.Read"]}]}, checks it,
// stores it and answers the result. The first admin always keeps
// Administer, so no strategy can lock everyone out.
func (s *Server) authorization(c *call) error {
	if err := c.require(permAdminister); err != nil {
		return err
	}
	switch c.r.Method {
	case http.MethodGet, http.MethodHead:
	case http.MethodPost:
		var st authz.Strategy
		body := io.Reader(c.r.Body)
		if !strings.HasPrefix(c.r.Header.Get("Content-Type"), "application/json") {
			if err := parseForm(c); err != nil {
				return err
			}
			body = strings.NewReader(c.r.PostForm.Get("json"))
		}
		dec := json.NewDecoder(body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&st); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return err
			}
			return badRequest("The authorization strategy must be a JSON object: " + err.Error())
		}
		if err := s.authz.Set(c.ctx(), st); errors.Is(err, authz.ErrInvalid) {
			return badRequest(err.Error())
		} else if err != nil {
			return err
		}
	default:
		return errRequirePOST
	}
	b, err := json.Marshal(s.authz.Strategy())
	if err != nil {
		return err
	}
	c.w.Header().Set("Content-Type", "application/json;charset=utf-8")
	_, err = c.w.Write(b)
	return err
}
