package server

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/configxml"
	"github.com/jeeves-ci/jeeves/internal/jobs"
	"github.com/jeeves-ci/jeeves/internal/model"
)

// The New Item and Configure pages: a freestyle form that writes the same
// config.xml the API stores, and a raw config.xml editor for the rest.

// jobForm is what the freestyle form shows.
type jobForm struct {
	Description          string
	Disabled, Concurrent bool
	Params               []model.ParamDef
	Blank                model.ParamDef
	Timer                string
	Steps                []string
	Kept                 string // steps the form does not edit, named
}

func formOf(cfg *model.JobConfig) jobForm {
	f := jobForm{Blank: model.ParamDef{Kind: model.ParamString}}
	if cfg == nil {
		f.Steps = []string{""}
		return f
	}
	f.Description, f.Disabled, f.Concurrent, f.Timer = cfg.Description, cfg.Disabled, cfg.Concurrent, cfg.TimerSpecs
	for _, p := range cfg.Params {
		if p.Kind == model.ParamPassword {
			p.Default = "" // never sent to the browser; kept when left empty
		}
		f.Params = append(f.Params, p)
	}
	var kept []string
	for _, b := range cfg.Builders {
		if b.IsShell() {
			f.Steps = append(f.Steps, b.Command)
		} else {
			kept = append(kept, b.Class)
		}
	}
	f.Steps = append(f.Steps, "")
	f.Kept = strings.Join(kept, ", ")
	return f
}

// applyForm reads the freestyle form over base (a copy of the job's
// config, or a new project's), keeping what the form does not show.
func applyForm(form url.Values, base *model.JobConfig) (*model.JobConfig, error) {
	cfg := &model.JobConfig{Kind: configxml.KindProject}
	if base != nil {
		c := *base
		cfg = &c
	}
	cfg.Description = strings.ReplaceAll(form.Get("description"), "\r\n", "\n")
	cfg.Disabled = form.Get("disabled") == "true"
	cfg.Concurrent = form.Get("concurrent") == "true"
	cfg.TimerSpecs = strings.TrimSpace(strings.ReplaceAll(form.Get("timer"), "\r\n", "\n"))
	kinds, names, defs, choices, descs := form["param.kind"], form["param.name"], form["param.default"], form["param.choices"], form["param.description"]
	if len(names) != len(kinds) || len(defs) != len(kinds) || len(choices) != len(kinds) || len(descs) != len(kinds) {
		return nil, badRequest("The parameter rows are incomplete; reload the page and try again")
	}
	var old []model.ParamDef
	if base != nil {
		old = base.Params
	}
	cfg.Params = nil
	seen := map[string]bool{}
	for i, name := range names {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if seen[name] {
			return nil, badRequest("Two parameters are named " + name)
		}
		seen[name] = true
		p := model.ParamDef{Kind: model.ParamKind(kinds[i]), Name: name, Description: descs[i], Default: defs[i]}
		switch p.Kind {
		case model.ParamString, model.ParamText:
		case model.ParamPassword:
			if p.Default == "" {
				if j := slices.IndexFunc(old, func(o model.ParamDef) bool { return o.Name == name && o.Kind == model.ParamPassword }); j >= 0 {
					p.Default = old[j].Default
				}
			}
		case model.ParamBoolean:
			d := strings.ToLower(strings.TrimSpace(p.Default))
			if d != "" && d != "true" && d != "false" {
				return nil, badRequest("The default of boolean parameter " + name + " must be true or false")
			}
			p.Default = map[bool]string{true: "true", false: "false"}[d == "true"]
		case model.ParamChoice:
			for _, ch := range strings.Split(strings.ReplaceAll(choices[i], "\r\n", "\n"), "\n") {
				if ch = strings.TrimSpace(ch); ch != "" {
					p.Choices = append(p.Choices, ch)
				}
			}
			if len(p.Choices) == 0 {
				return nil, badRequest("Choice parameter " + name + " needs at least one choice")
			}
			if p.Default == "" || !slices.Contains(p.Choices, p.Default) {
				p.Default = p.Choices[0]
			}
		default:
			return nil, badRequest("Unknown parameter type: " + kinds[i])
		}
		if j := slices.IndexFunc(old, func(o model.ParamDef) bool { return o.Name == name && o.Kind == p.Kind }); j >= 0 {
			p.Class, p.Trim = old[j].Class, old[j].Trim
		}
		cfg.Params = append(cfg.Params, p)
	}
	var steps []model.Builder
	if base != nil {
		for _, b := range base.Builders {
			if !b.IsShell() {
				steps = append(steps, b)
			}
		}
	}
	for _, cmd := range form["shell"] {
		cmd = strings.ReplaceAll(cmd, "\r\n", "\n")
		if strings.TrimSpace(cmd) != "" {
			steps = append(steps, model.Builder{Class: "hudson.tasks.Shell", Command: cmd})
		}
	}
	cfg.Builders = steps
	return cfg, nil
}

// formError is the message of a 400 to show beside a form; other errors
// pass on.
func formError(err error) (string, bool) {
	var he *httpError
	if errors.As(err, &he) && he.status == http.StatusBadRequest {
		return he.msg, true
	}
	return "", false
}

// newJob is GET and POST /newJob (also /view/all/newJob and
// /job/FOLDER/newJob): the New Item page and its two forms.
func (s *Server) newJob(c *call, folder *model.Job) error {
	parent := ""
	action := c.root + "view/all/newJob"
	var tr []trail
	if folder != nil {
		parent = folder.Name
		action = c.root + jobPath(folder.Name) + "newJob"
		tr = c.jobTrail(folder.Name)
	}
	tr = append(tr, trail{"New Item", action})
	// Job/Create here; a token's job glob is held to the new item's full
	// name below.
	if !c.hasIgnoringGlob(c.item, permCreate) {
		return forbidden(permCreate)
	}
	show := func(status int, msg string, form url.Values) error {
		f := formOf(nil)
		mode := ""
		if form != nil {
			if cfg, err := applyForm(form, nil); err == nil {
				f = formOf(cfg)
			}
			mode = form.Get("mode")
		}
		return s.render(c, status, "newjob", page{Title: "New Item", Trail: tr, P: map[string]any{
			"Action": action, "Error": msg, "Name": form.Get("name"), "Mode": mode, "Form": f,
		}})
	}
	if c.r.Method != http.MethodPost {
		return show(http.StatusOK, "", nil)
	}
	if err := parseForm(c); err != nil {
		return err
	}
	form := c.r.PostForm
	name := strings.TrimSpace(form.Get("name"))
	var xml []byte
	switch form.Get("mode") {
	case "xml":
		xml = []byte(form.Get("config.xml"))
		if len(strings.TrimSpace(string(xml))) == 0 {
			return show(http.StatusBadRequest, "Paste a config.xml to create the item from", form)
		}
	case configxml.KindFolder:
		xml = configxml.Render(&model.JobConfig{Kind: configxml.KindFolder, Description: form.Get("description")})
	case "hudson.model.FreeStyleProject", "":
		cfg, err := applyForm(form, nil)
		if err != nil {
			if msg, ok := formError(err); ok {
				return show(http.StatusBadRequest, msg, form)
			}
			return err
		}
		xml = configxml.Render(cfg)
	default:
		return show(http.StatusBadRequest, "Unknown item type: "+form.Get("mode"), form)
	}
	if name == "" {
		return show(http.StatusBadRequest, "Enter an item name", form)
	}
	if jobs.CheckName(name) == nil {
		if err := c.mayCreate(inFolder(parent, name)); err != nil {
			return err
		}
	}
	if err := s.checkDownstream(c, inFolder(parent, name), xml); err != nil {
		msg, _ := formError(err)
		return show(http.StatusBadRequest, msg, form)
	}
	job, err := s.newItem(c, parent, name, xml)
	if err != nil {
		if msg, ok := formError(jobError(err)); ok {
			return show(http.StatusBadRequest, msg, form)
		}
		return jobError(err)
	}
	return seeOther(c, c.root+jobPath(job.Name))
}

// configurePage is GET /job/N/configure: the form (freestyle jobs) and
// the raw config.xml.
func (s *Server) configurePage(c *call, job *model.Job) error {
	if err := c.require(permConfigure); err != nil {
		return err
	}
	return s.showConfigure(c, job, http.StatusOK, "", string(job.ConfigXML), nil)
}

func (s *Server) showConfigure(c *call, job *model.Job, status int, msg, xml string, form *jobForm) error {
	var f *jobForm
	if !jobs.IsFolder(job) {
		ff := formOf(&job.Config)
		if form != nil {
			ff = *form
		}
		f = &ff
	}
	// The editor shows config.xml as the API serves it: password
	// defaults redacted, whether it is the stored document or one the
	// form rendered with them. A posted document that cannot be read is
	// shown as it came: it holds only what its sender typed.
	if redacted, err := configxml.Redact([]byte(xml)); err == nil {
		xml = string(redacted)
	}
	tr := append(c.jobTrail(job.Name), trail{"Configure", c.root + jobPath(job.Name) + "configure"})
	return s.render(c, status, "configure", page{Title: job.Name + " Config", Trail: tr, P: map[string]any{
		"Name": job.Name, "URL": c.root + jobPath(job.Name), "Error": msg, "XML": xml, "Form": f,
	}})
}

// configSubmit is POST /job/N/configSubmit, from either form.
func (s *Server) configSubmit(c *call, job *model.Job) error {
	if err := requirePOST(c); err != nil {
		return err
	}
	if err := c.require(permConfigure); err != nil {
		return err
	}
	if err := parseForm(c); err != nil {
		return err
	}
	form := c.r.PostForm
	var xml []byte
	if form.Get("mode") == "xml" {
		xml = []byte(form.Get("config.xml"))
	} else {
		if jobs.IsFolder(job) {
			return badRequest("A folder is configured through its config.xml")
		}
		cfg, err := applyForm(form, &job.Config)
		if err != nil {
			if msg, ok := formError(err); ok {
				f := formOf(&job.Config)
				return s.showConfigure(c, job, http.StatusBadRequest, msg, string(job.ConfigXML), &f)
			}
			return err
		}
		xml = configxml.Render(cfg)
	}
	if err := s.checkDownstream(c, job.Name, xml); err != nil {
		msg, _ := formError(err)
		return s.showConfigure(c, job, http.StatusBadRequest, msg, string(xml), nil)
	}
	if _, err := s.jobs.UpdateConfig(c.ctx(), job.Name, xml, c.authority()); err != nil {
		if msg, ok := formError(jobError(err)); ok {
			return s.showConfigure(c, job, http.StatusBadRequest, msg, string(xml), nil)
		}
		return jobError(err)
	}
	return seeOther(c, c.root+jobPath(job.Name))
}

// deletePage is GET /job/N/delete: Jenkins's confirmation, whose button
// POSTs to doDelete.
func (s *Server) deletePage(c *call, job *model.Job) error {
	if err := c.require(permDelete); err != nil {
		return err
	}
	what := "Project"
	if jobs.IsFolder(job) {
		what = "Folder"
	}
	url := c.root + jobPath(job.Name)
	return s.render(c, http.StatusOK, "message", page{Title: "Delete " + job.Name, Trail: c.jobTrail(job.Name), P: map[string]any{
		"Heading": "Delete " + what, "Text": "Delete the " + what + " ‘" + job.Name + "’?",
		"Form": url + "doDelete", "Button": "Yes", "Back": url, "BackText": "No, go back",
	}})
}
