package api

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jeeves-ci/jeeves/internal/authz"
	"github.com/jeeves-ci/jeeves/internal/limits"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/request"
)

// Build handles /job/N/build and /job/N/buildWithParameters
// (ParameterizedJobMixIn.doBuild and doBuildWithParameters).
func (a *API) Build(c *request.Call, job *model.Job, withParams bool) error {
	// The job's remote trigger token (<authToken>,
	// hudson/model/BuildAuthorizationToken.java) stands in for
	// Job/Build and, as in Jenkins, for the POST requirement.
	token := c.R.URL.Query().Get("token")
	byToken := job.Config.AuthToken != "" && token != ""
	if byToken {
		if subtle.ConstantTimeCompare([]byte(token), []byte(job.Config.AuthToken)) != 1 {
			return request.NewError(http.StatusForbidden, "Invalid token provided.")
		}
	} else {
		if err := request.RequirePOST(c); err != nil {
			return err
		}
		if err := c.Require(authz.ItemBuild); err != nil {
			return err
		}
	}
	if job.Config.Disabled {
		return request.NewError(http.StatusConflict, job.Name+" is not buildable")
	}
	quiet, err := parseDelay(c.R.URL.Query())
	if err != nil {
		return err
	}
	var params []model.ParamValue
	switch {
	case withParams:
		if len(job.Config.Params) == 0 {
			return request.BadRequest(job.Name + " is not parameterized")
		}
		if params, err = paramsFromRequest(c, job.Config.Params); err != nil {
			return err
		}
	case len(job.Config.Params) > 0:
		if params, err = paramsFromJSONField(c, job.Config.Params); err != nil {
			return err
		}
	}
	// Anonymous callers are "user anonymous", as in Jenkins.
	cause := model.Cause{Kind: model.CauseUser}
	if u := c.ID.User; u != nil {
		cause.UserID, cause.UserName = u.ID, u.DisplayName()
	}
	by := c.Authority()
	if byToken {
		// The client's address, through trusted proxies, as audited.
		note := c.R.URL.Query().Get("cause")
		if err := limits.Check("cause", note, limits.Message); err != nil {
			return request.BadRequest(err.Error())
		}
		cause = model.Cause{Kind: model.CauseRemote, Addr: c.Addr, Note: note}
		// The trigger token stands in for whoever configured the job, as
		// the timer does: they chose what its builds trigger.
		by = job.ConfiguredBy
	}
	item, _, err := a.farm.Schedule(c.Ctx(), job, cause, by, params, quiet)
	if err != nil {
		return err
	}
	if request.FromForm(c) {
		c.Notify("Build scheduled")
		return request.SeeOther(c, c.Root+jobPath(job.Name))
	}
	// Always 201 with the item's URL, also when the request was folded
	// into an item already waiting: clients read Location and never
	// follow a 3xx correctly here.
	h := c.W.Header()
	h.Set("Location", c.Root+"queue/item/"+strconv.FormatInt(item.ID, 10)+"/")
	// Jenkins's answer has an empty body, which clients that decode
	// every body as JSON (gojenkins) need; a client that accepts text,
	// as curl's "*/*" does, is told what happened.
	if !acceptsText(c.R) {
		h.Set("Content-Length", "0")
		c.W.WriteHeader(http.StatusCreated)
		return nil
	}
	h.Set("Content-Type", "text/plain;charset=utf-8")
	c.W.WriteHeader(http.StatusCreated)
	_, err = fmt.Fprintf(c.W, "Started build for job %s\n", job.Name)
	return err
}

// acceptsText reports whether the request's Accept header admits
// text/plain: the most specific range that matches it (text/plain,
// text/*, */*) must have a quality above zero. No Accept header admits
// nothing here: Go's and Java's HTTP clients send none by default.
func acceptsText(r *http.Request) bool {
	best, q := 0, 0.0
	for _, v := range r.Header.Values("Accept") {
		for _, rng := range strings.Split(v, ",") {
			mt, params, _ := strings.Cut(rng, ";")
			spec := 0
			switch strings.ToLower(strings.TrimSpace(mt)) {
			case "text/plain":
				spec = 3
			case "text/*":
				spec = 2
			case "*/*":
				spec = 1
			default:
				continue
			}
			quality := 1.0
			for _, kv := range strings.Split(params, ";") {
				k, val, _ := strings.Cut(kv, "=")
				if strings.EqualFold(strings.TrimSpace(k), "q") {
					if f, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
						quality = f
					}
				}
			}
			if spec > best {
				best, q = spec, quality
			}
		}
	}
	return best > 0 && q > 0
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
		return nil, request.BadRequest("Invalid time duration value: " + v + " (use a number of milliseconds, or e.g. 10sec)")
	}
	d := (time.Duration(n) * unit).Truncate(time.Second)
	return &d, nil
}

// paramsFromRequest reads each defined parameter from the query or the
// form (urlencoded or multipart); absent ones take their defaults and
// undefined ones are ignored, as in Jenkins.
func paramsFromRequest(c *request.Call, defs []model.ParamDef) ([]model.ParamValue, error) {
	if err := request.ParseForm(c); err != nil {
		return nil, err
	}
	out := make([]model.ParamValue, 0, len(defs))
	for _, d := range defs {
		vals, given := c.R.Form[d.Name]
		if given && len(vals) != 1 {
			return nil, request.BadRequest(fmt.Sprintf("Illegal number of parameter values for %s: %d", d.Name, len(vals)))
		}
		v := d.Default
		ui := c.R.Form.Get("jeeves-form") != ""
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
func paramsFromJSONField(c *request.Call, defs []model.ParamDef) ([]model.ParamValue, error) {
	if err := request.ParseForm(c); err != nil {
		return nil, err
	}
	raw := c.R.Form.Get("json")
	if raw == "" {
		return nil, request.BadRequest("Nothing is submitted: this job is parameterized; POST its parameters to buildWithParameters, or a json form field to build")
	}
	var form struct {
		Parameter json.RawMessage `json:"parameter"`
	}
	if err := json.Unmarshal([]byte(raw), &form); err != nil {
		return nil, request.BadRequest("The json form field is not valid JSON: " + err.Error())
	}
	type nv struct {
		Name  string `json:"name"`
		Value any    `json:"value"`
	}
	var list []nv
	if len(form.Parameter) > 0 && form.Parameter[0] == '{' {
		var one nv
		if err := json.Unmarshal(form.Parameter, &one); err != nil {
			return nil, request.BadRequest("The json form field's parameter is malformed: " + err.Error())
		}
		list = []nv{one}
	} else if len(form.Parameter) > 0 {
		if err := json.Unmarshal(form.Parameter, &list); err != nil {
			return nil, request.BadRequest("The json form field's parameter is malformed: " + err.Error())
		}
	}
	given := map[string]string{}
	for _, p := range list {
		i := slices.IndexFunc(defs, func(d model.ParamDef) bool { return d.Name == p.Name })
		if i < 0 {
			return nil, request.BadRequest("No such parameter definition: " + p.Name)
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
			return nil, request.BadRequest("The value of parameter " + p.Name + " must be a string")
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
// case (python-jenkins sends True), choices must be one of the choices,
// and no value is longer than limits.Value.
func paramValue(d model.ParamDef, v string) (model.ParamValue, error) {
	if err := limits.Check("the value of parameter "+d.Name, v, limits.Value); err != nil {
		return model.ParamValue{}, request.BadRequest(err.Error())
	}
	switch d.Kind {
	case model.ParamBoolean:
		v = strconv.FormatBool(strings.EqualFold(strings.TrimSpace(v), "true"))
	case model.ParamChoice:
		if len(d.Choices) > 0 && !slices.Contains(d.Choices, v) {
			return model.ParamValue{}, request.BadRequest(fmt.Sprintf("Illegal choice for parameter %s: %s", d.Name, v))
		}
	case model.ParamString, model.ParamText:
		if d.Trim {
			v = strings.TrimSpace(v)
		}
	}
	return model.ParamValue{Kind: d.Kind, Name: d.Name, Value: v}, nil
}
