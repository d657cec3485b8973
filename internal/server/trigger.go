package server

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jeeves-ci/jeeves/internal/model"
)

// build handles /job/N/build and /job/N/buildWithParameters (§5.1, §5.2).
func (s *Server) build(c *call, job *model.Job, withParams bool) error {
	// The job's remote trigger token (<authToken>, §5.3) stands in for
	// Job/Build and, as in Jenkins, for the POST requirement.
	token := c.r.URL.Query().Get("token")
	byToken := job.Config.AuthToken != "" && token != ""
	if byToken {
		if subtle.ConstantTimeCompare([]byte(token), []byte(job.Config.AuthToken)) != 1 {
			return &httpError{status: http.StatusForbidden, msg: "Invalid token provided."}
		}
	} else {
		if err := requirePOST(c); err != nil {
			return err
		}
		if err := c.require(permBuild); err != nil {
			return err
		}
	}
	if job.Config.Disabled {
		return newError(http.StatusConflict, job.Name+" is not buildable")
	}
	quiet, err := parseDelay(c.r.URL.Query())
	if err != nil {
		return err
	}
	var params []model.ParamValue
	switch {
	case withParams:
		if len(job.Config.Params) == 0 {
			return badRequest(job.Name + " is not parameterized")
		}
		if params, err = paramsFromRequest(c, job.Config.Params); err != nil {
			return err
		}
	case len(job.Config.Params) > 0:
		if params, err = paramsFromJSONField(c, job.Config.Params); err != nil {
			return err
		}
	}
	cause := model.Cause{Kind: model.CauseUser, UserID: c.id.User.ID, UserName: c.id.User.DisplayName()}
	if byToken {
		// The client's address, through trusted proxies, as audited.
		cause = model.Cause{Kind: model.CauseRemote, Addr: c.addr, Note: c.r.URL.Query().Get("cause")}
	}
	item, _, err := s.queue.Schedule(c.ctx(), job, cause, params, quiet)
	if err != nil {
		return err
	}
	if fromForm(c) {
		return seeOther(c, c.root+jobPath(job.Name))
	}
	// Always 201 with the item's URL, also when the request was folded
	// into an item already waiting: clients read Location and never
	// follow a 3xx correctly here.
	h := c.w.Header()
	h.Set("Location", c.root+"queue/item/"+strconv.FormatInt(item.ID, 10)+"/")
	h.Set("Content-Type", "text/plain;charset=utf-8")
	c.w.WriteHeader(http.StatusCreated)
	fmt.Fprintf(c.w, "Started build for job %s\n", job.Name)
	return nil
}

// parseDelay reads ?delay= as Jenkins's TimeDuration: a bare number is
// milliseconds, "Nsec"/"Nsecs" seconds; the queue counts whole seconds.
func parseDelay(q map[string][]string) (*time.Duration, error) {
	v := ""
	if vs := q["delay"]; len(vs) > 0 {
		v = strings.TrimSpace(vs[0])
	}
	if v == "" {
		return nil, nil
	}
	unit := time.Millisecond
	num := v
	for _, suf := range []string{"secs", "sec"} {
		if strings.HasSuffix(v, suf) {
			num, unit = strings.TrimSpace(strings.TrimSuffix(v, suf)), time.Second
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || n > 366*24*3600*1000 {
		return nil, badRequest("Invalid time duration value: " + v + " (use a number of milliseconds, or e.g. 10sec)")
	}
	d := (time.Duration(n) * unit).Truncate(time.Second)
	return &d, nil
}

// paramsFromRequest reads each defined parameter from the query or the
// form (urlencoded or multipart); absent ones take their defaults and
// undefined ones are ignored, as in Jenkins.
func paramsFromRequest(c *call, defs []model.ParamDef) ([]model.ParamValue, error) {
	if err := parseForm(c); err != nil {
		return nil, err
	}
	out := make([]model.ParamValue, 0, len(defs))
	for _, d := range defs {
		vals, given := c.r.Form[d.Name]
		if given && len(vals) != 1 {
			return nil, badRequest(fmt.Sprintf("Illegal number of parameter values for %s: %d", d.Name, len(vals)))
		}
		v := d.Default
		ui := c.r.Form.Get("jeeves-form") != ""
		switch {
		case given && ui && d.Kind == model.ParamPassword && vals[0] == "":
			// The web UI never sends a password default to the browser:
			// left empty, the field means the default.
		case given:
			v = vals[0]
		case ui && d.Kind == model.ParamBoolean:
			v = "false" // the web UI's unticked checkbox sends nothing
		}
		pv, err := paramValue(d, v)
		if err != nil {
			return nil, err
		}
		out = append(out, pv)
	}
	return out, nil
}

// paramsFromJSONField reads the `json` form field of a POST to /build on
// a parameterized job: {"parameter":[{"name":…,"value":…}]} or a single
// object. Parameters not given take their defaults.
func paramsFromJSONField(c *call, defs []model.ParamDef) ([]model.ParamValue, error) {
	if err := parseForm(c); err != nil {
		return nil, err
	}
	raw := c.r.Form.Get("json")
	if raw == "" {
		return nil, badRequest("Nothing is submitted: this job is parameterized; POST its parameters to buildWithParameters, or a json form field to build")
	}
	var form struct {
		Parameter json.RawMessage `json:"parameter"`
	}
	if err := json.Unmarshal([]byte(raw), &form); err != nil {
		return nil, badRequest("The json form field is not valid JSON: " + err.Error())
	}
	type nv struct {
		Name  string `json:"name"`
		Value any    `json:"value"`
	}
	var list []nv
	if len(form.Parameter) > 0 && form.Parameter[0] == '{' {
		var one nv
		if err := json.Unmarshal(form.Parameter, &one); err != nil {
			return nil, badRequest("The json form field's parameter is malformed: " + err.Error())
		}
		list = []nv{one}
	} else if len(form.Parameter) > 0 {
		if err := json.Unmarshal(form.Parameter, &list); err != nil {
			return nil, badRequest("The json form field's parameter is malformed: " + err.Error())
		}
	}
	given := map[string]string{}
	for _, p := range list {
		i := slices.IndexFunc(defs, func(d model.ParamDef) bool { return d.Name == p.Name })
		if i < 0 {
			return nil, badRequest("No such parameter definition: " + p.Name)
		}
		switch v := p.Value.(type) {
		case string:
			given[p.Name] = v
		case bool:
			given[p.Name] = strconv.FormatBool(v)
		case float64:
			given[p.Name] = strconv.FormatFloat(v, 'f', -1, 64)
		case nil:
			given[p.Name] = ""
		default:
			return nil, badRequest("The value of parameter " + p.Name + " must be a string")
		}
	}
	out := make([]model.ParamValue, 0, len(defs))
	for _, d := range defs {
		v, ok := given[d.Name]
		if !ok {
			v = d.Default
		}
		pv, err := paramValue(d, v)
		if err != nil {
			return nil, err
		}
		out = append(out, pv)
	}
	return out, nil
}

// paramValue checks and normalises one value: booleans compare without
// case (python-jenkins sends True), choices must be one of the choices.
func paramValue(d model.ParamDef, v string) (model.ParamValue, error) {
	switch d.Kind {
	case model.ParamBoolean:
		v = strconv.FormatBool(strings.EqualFold(strings.TrimSpace(v), "true"))
	case model.ParamChoice:
		if len(d.Choices) > 0 && !slices.Contains(d.Choices, v) {
			return model.ParamValue{}, badRequest(fmt.Sprintf("Illegal choice for parameter %s: %s", d.Name, v))
		}
	case model.ParamString, model.ParamText:
		if d.Trim {
			v = strings.TrimSpace(v)
		}
	}
	return model.ParamValue{Kind: d.Kind, Name: d.Name, Value: v}, nil
}

func parseForm(c *call) error {
	if strings.HasPrefix(c.r.Header.Get("Content-Type"), "multipart/") {
		if err := c.r.ParseMultipartForm(1 << 20); err != nil {
			return badRequest("Malformed multipart form: " + err.Error())
		}
		return nil
	}
	if err := c.r.ParseForm(); err != nil {
		return badRequest("Malformed form: " + err.Error())
	}
	return nil
}
