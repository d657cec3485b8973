package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/authz"
	"github.com/jeeves-ci/jeeves/internal/request"
)

// Authorization is /manage/security/authorization (admins): GET answers
// the global strategy as JSON; POST takes one, such as
// {"strategy":"matrix","anonymousRead":false,"grants":[{"type":"USER",
// "sid":"bob","permissions":["hudson.model.Hudson.Read"]}]}, checks it,
// stores it and answers the result. The first admin always keeps
// Administer, so no strategy can lock everyone out.
func (a *API) Authorization(c *request.Call) error {
	if err := c.Require(authz.Administer); err != nil {
		return err
	}
	switch c.R.Method {
	case http.MethodGet, http.MethodHead:
	case http.MethodPost:
		var st authz.Strategy
		body := io.Reader(c.R.Body)
		if !strings.HasPrefix(c.R.Header.Get("Content-Type"), "application/json") {
			if err := request.ParseForm(c); err != nil {
				return err
			}
			body = strings.NewReader(c.R.PostForm.Get("json"))
		}
		dec := json.NewDecoder(body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&st); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return err
			}
			return request.BadRequest("The authorization strategy must be a JSON object: " + err.Error())
		}
		if err := a.authz.Set(c.Ctx(), st); errors.Is(err, authz.ErrInvalid) {
			return request.BadRequest(err.Error())
		} else if err != nil {
			return err
		}
	default:
		return request.ErrRequirePOST
	}
	b, err := json.Marshal(a.authz.Strategy())
	if err != nil {
		return err
	}
	c.W.Header().Set("Content-Type", "application/json;charset=utf-8")
	_, err = c.W.Write(b)
	return err
}
