package webui

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jeeves-ci/jeeves/internal/authz"
	"github.com/jeeves-ci/jeeves/internal/configxml"
	"github.com/jeeves-ci/jeeves/internal/jobs"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/request"
)

// The New Item and Configure pages: a freestyle form that writes the same
// config.xml the API stores, and a raw config.xml editor for the rest.

// jobForm is what the freestyle form shows: a stored job's values, or
// what the user typed when the form comes back with an error.
type jobForm struct {
	Description          string
	Disabled, Concurrent bool
	Parameterized        bool // "This project is parameterized" is checked
	Params               []paramRow
	Blank                paramRow // what "Add Parameter" adds
	Timer                string
	TimerCheck           fieldCheck // Jenkins's hint under the schedule
	CheckURL             string     // where the page's script checks a schedule as it is typed
	Steps                []stepRow
	BlankStep            stepRow           // what "Add build step" adds
	Kept                 []string          // what the form keeps but does not edit, named
	Git                  gitSection        // the source section (gitform.go)
	Errors               map[string]string // a message beside the field it names
	Discard              *discardRow       // "Discard old builds"; nil: not in the form
	Bindings             *bindingsSection  // Configure's credentials bindings (credentials_configure.go)
}

// paramRow is one parameter row. Orig is the index of the definition it
// shows ("" for a row added in the form), ChoicesText the choices as
// typed, one per line.
type paramRow struct {
	model.ParamDef
	Orig, ChoicesText, Error string
}

// stepRow is one Execute shell row; Orig as for paramRow.
type stepRow struct{ Command, Orig string }

// fieldCheck is a form validation message: Kind is ok, warning or error,
// as Jenkins's FormValidation.
type fieldCheck struct{ Kind, Message string }

// formOf is the form of a stored project (nil: a new one) and its
// config.xml, with what the form keeps named, and the schedule's hint
// for the job named seed.
func formOf(cfg *model.JobConfig, xml []byte, seed string) jobForm {
	f := jobForm{Blank: paramRow{ParamDef: model.ParamDef{Kind: model.ParamString}}, Git: newGitSection()}
	if cfg == nil {
		return f
	}
	pf := configxml.FormOf(cfg)
	f.Description, f.Disabled, f.Concurrent, f.Timer = pf.Description, pf.Disabled, pf.Concurrent, pf.Timer
	for _, p := range pf.Params {
		d := p.Def
		if d.Kind == model.ParamPassword {
			d.Default = "" // never sent to the browser; kept when left empty
		}
		f.Params = append(f.Params, paramRow{ParamDef: d, Orig: strconv.Itoa(p.Orig), ChoicesText: strings.Join(d.Choices, "\n")})
	}
	f.Parameterized = len(f.Params) > 0
	for _, st := range pf.Steps {
		f.Steps = append(f.Steps, stepRow{Command: st.Command, Orig: strconv.Itoa(st.Orig)})
	}
	for _, k := range configxml.FormKeeps(cfg, xml) {
		f.Kept = append(f.Kept, k.String())
	}
	f.Discard = discardOf(xml)
	f.TimerCheck = timerCheck(f.Timer, seed, time.Now())
	return f
}

// readForm is the freestyle form as posted, every field as typed. New
// rows with an empty name (parameters) or command (steps) stand for
// nothing and are dropped; a row that shows a stored element is kept,
// for the editor to remove that element (configxml.EditProject).
//
// The page's form posts "This project is parameterized" (parameterized:
// "false" from a hidden field, "true" too when checked): unchecked, it
// drops every parameter row, so that the editor removes them all. Each
// row posts a default field per type (param.default for a string,
// param.defaultText, param.defaultBool, param.defaultPassword), of which
// the row's type picks one; a client that posts param.default alone (an
// older page, a script) has it read for every type.
func readForm(form url.Values) (jobForm, error) {
	f := jobForm{Blank: paramRow{ParamDef: model.ParamDef{Kind: model.ParamString}}}
	f.Description = strings.ReplaceAll(form.Get("description"), "\r\n", "\n")
	f.Disabled = form.Get("disabled") == "true"
	f.Concurrent = form.Get("concurrent") == "true"
	f.Timer = strings.ReplaceAll(form.Get("timer"), "\r\n", "\n")
	f.Git = readGitSection(form)
	kinds, names, defs, choices, descs, origs := form["param.kind"], form["param.name"], form["param.default"], form["param.choices"], form["param.description"], form["param.orig"]
	texts, bools, passwords := form["param.defaultText"], form["param.defaultBool"], form["param.defaultPassword"]
	_, withOrigs := form["param.orig"]
	_, typed := form["param.defaultText"]
	if len(names) != len(kinds) || len(defs) != len(kinds) || len(choices) != len(kinds) || len(descs) != len(kinds) || withOrigs && len(origs) != len(kinds) ||
		typed && (len(texts) != len(kinds) || len(bools) != len(kinds) || len(passwords) != len(kinds)) {
		return f, request.BadRequest("The parameter rows are incomplete; reload the page and try again")
	}
	checked, shown := form["parameterized"]
	f.Parameterized = !shown && len(kinds) > 0 || slices.Contains(checked, "true")
	for i := range kinds {
		if shown && !f.Parameterized {
			break // unchecked: the parameters go, whatever the rows say
		}
		def := defs[i]
		if typed {
			switch model.ParamKind(kinds[i]) {
			case model.ParamText:
				def = texts[i]
			case model.ParamBoolean:
				def = bools[i]
			case model.ParamPassword:
				def = passwords[i]
			}
		}
		r := paramRow{ParamDef: model.ParamDef{Kind: model.ParamKind(kinds[i]), Name: strings.TrimSpace(names[i]), Description: descs[i], Default: strings.ReplaceAll(def, "\r\n", "\n")},
			ChoicesText: strings.ReplaceAll(choices[i], "\r\n", "\n"), Orig: "-"}
		if withOrigs {
			r.Orig = origs[i]
		}
		if r.Name != "" || isIndex(r.Orig) {
			f.Params = append(f.Params, r)
		}
	}
	f.Discard = readDiscard(form)
	shells, shellOrigs := form["shell"], form["shell.orig"]
	_, withShellOrigs := form["shell.orig"]
	if withShellOrigs && len(shellOrigs) != len(shells) {
		return f, request.BadRequest("The build step rows are incomplete; reload the page and try again")
	}
	for i, cmd := range shells {
		// Without indexes, a row stands for the shell step at its position.
		r := stepRow{Command: strings.ReplaceAll(cmd, "\r\n", "\n"), Orig: "@" + strconv.Itoa(i)}
		if withShellOrigs {
			r.Orig = shellOrigs[i]
		}
		if strings.TrimSpace(r.Command) != "" || r.Orig != "" {
			f.Steps = append(f.Steps, r)
		}
	}
	return f, nil
}

// shown is f as the page shows it again: passwords never sent back,
// rows from a client that sent no row indexes shown as new.
func (f jobForm) shown(seed string) jobForm {
	out := f
	out.Params = nil
	for _, r := range f.Params {
		if r.Kind == model.ParamPassword {
			r.Default = ""
		}
		if r.Orig == "-" {
			r.Orig = ""
		}
		out.Params = append(out.Params, r)
	}
	out.Steps = nil
	for _, r := range f.Steps {
		if strings.HasPrefix(r.Orig, "@") {
			r.Orig = ""
		}
		out.Steps = append(out.Steps, r)
	}
	if out.Errors["timer"] == "" {
		out.TimerCheck = timerCheck(f.Timer, seed, time.Now())
	}
	return out
}

// fail records a message beside field.
func (f *jobForm) fail(field, msg string) {
	if f.Errors == nil {
		f.Errors = map[string]string{}
	}
	if f.Errors[field] == "" {
		f.Errors[field] = msg
	}
}

// firstError is one of the form's messages, for the top of the page.
func (f *jobForm) firstError() string {
	for _, field := range []string{"form", "name", "xml-name", "config.xml", "params", "scm.url", "scm.credentialsId", "scm.branches", "timer", "pollscm", "steps"} {
		if m := f.Errors[field]; m != "" {
			return m
		}
	}
	if m := f.Discard.firstError(); m != "" {
		return m
	}
	for _, r := range f.Params {
		if r.Error != "" {
			return r.Error
		}
	}
	return ""
}

// rowIndex reads a row's Orig: -1 for a new row; n the number of
// elements it may name.
func rowIndex(orig string, n int) (int, bool) {
	if orig == "" {
		return -1, true
	}
	i, err := strconv.Atoi(orig)
	return i, err == nil && i >= 0 && i < n
}

// isIndex reports whether a row's Orig names a stored element.
func isIndex(orig string) bool {
	_, err := strconv.Atoi(orig)
	return err == nil
}

// canonicalIndex is a row's Orig as the page writes it.
func canonicalIndex(i int) string {
	if i < 0 {
		return ""
	}
	return strconv.Itoa(i)
}

// projectForm checks the typed form against base (the job's config; nil
// for a new job) and gives what configxml.EditProject applies. It reports
// false, with the messages beside the fields in f, when a field is wrong.
// Rows posted without indexes (older pages, API clients) are matched as
// well as they can be: parameters by name, shell steps by position (an
// empty row still removes the step at its position).
func projectForm(f *jobForm, base *model.JobConfig, seed string) (configxml.ProjectForm, bool) {
	if base == nil {
		base = &model.JobConfig{}
	}
	pf := configxml.ProjectForm{Description: f.Description, Disabled: f.Disabled, Concurrent: f.Concurrent, Timer: strings.TrimSpace(f.Timer)}
	ok := true
	if sf, gitOK := f.gitForm(seed); gitOK {
		pf.SCM = sf
	} else {
		ok = false
	}
	if pf.Timer != "" {
		if c := timerCheck(pf.Timer, seed, time.Now()); c.Kind == "error" {
			f.fail("timer", c.Message)
			ok = false
		}
	}
	seen := map[string]bool{}
	used := map[int]bool{}
	for i := range f.Params {
		r := &f.Params[i]
		orig, valid := rowIndex(r.Orig, len(base.Params))
		if r.Orig == "-" {
			orig, valid = slices.IndexFunc(base.Params, func(o model.ParamDef) bool { return o.Name == r.Name }), true
			if used[orig] {
				orig = -1
			}
		}
		if !valid {
			f.fail("params", configxml.ErrStaleForm.Error())
			return pf, false
		}
		if orig >= 0 {
			used[orig] = true
		}
		r.Orig = canonicalIndex(orig)
		p := model.ParamDef{Kind: r.Kind, Name: r.Name, Description: r.Description, Default: r.Default}
		fail := func(msg string) { r.Error, ok = msg, false }
		if p.Name == "" {
			// It removes its definition (or keeps one stored without a name).
			d := base.Params[orig]
			d.Name = ""
			pf.Params = append(pf.Params, configxml.FormParam{Orig: orig, Def: d})
			continue
		}
		if seen[p.Name] {
			fail("Two parameters are named " + p.Name)
		}
		seen[p.Name] = true
		switch p.Kind {
		case model.ParamString, model.ParamText:
		case model.ParamPassword:
			if p.Default == "" && orig >= 0 && base.Params[orig].Kind == model.ParamPassword {
				p.Default = base.Params[orig].Default
			}
		case model.ParamBoolean:
			d := strings.ToLower(strings.TrimSpace(p.Default))
			if d != "" && d != "true" && d != "false" {
				fail("The default of boolean parameter " + p.Name + " must be true or false")
			}
			p.Default = strconv.FormatBool(d == "true")
		case model.ParamChoice:
			for _, ch := range strings.Split(r.ChoicesText, "\n") {
				if ch = strings.TrimSpace(ch); ch != "" {
					p.Choices = append(p.Choices, ch)
				}
			}
			if len(p.Choices) == 0 {
				fail("Choice parameter " + p.Name + " needs at least one choice")
			} else if !slices.Contains(p.Choices, p.Default) {
				p.Default = p.Choices[0]
			}
		default:
			fail("Unknown parameter type: " + string(p.Kind))
		}
		pf.Params = append(pf.Params, configxml.FormParam{Orig: orig, Def: p})
	}
	shells := 0
	for _, b := range base.Builders {
		if b.IsShell() {
			shells++
		}
	}
	for i := range f.Steps {
		r := &f.Steps[i]
		orig, valid := rowIndex(r.Orig, shells)
		if pos, ok := strings.CutPrefix(r.Orig, "@"); ok {
			orig, _ = strconv.Atoi(pos)
			valid = true
			if orig >= shells {
				orig = -1
			}
		}
		if !valid {
			f.fail("steps", configxml.ErrStaleForm.Error())
			return pf, false
		}
		r.Orig = canonicalIndex(orig)
		pf.Steps = append(pf.Steps, configxml.FormStep{Orig: orig, Command: r.Command})
	}
	if !discardForm(f.Discard, &pf) {
		ok = false
	}
	return pf, ok
}

// joinName is the full name of name in folder parent ("" = the root).
func joinName(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "/" + name
}

// NewJob is GET and POST /newJob (also /view/all/newJob and
// /job/FOLDER/newJob): the New Item page and its two forms. A form that
// fails comes back (400) as it was typed, with the reason beside the
// field.
func (ui *UI) NewJob(c *request.Call, folder *model.Job) error {
	parent := ""
	action := c.Root + "view/all/newJob"
	check := c.Root + "descriptorByName/" + timerCheckPath
	viewURL := c.Root + "view/all/" // its checks and completion (items.go)
	var tr []trail
	if folder != nil {
		parent = folder.Name
		action = c.Root + jobPath(folder.Name) + "newJob"
		viewURL = c.Root + jobPath(folder.Name) + "view/all/"
		tr = jobTrail(c, folder.Name)
	}
	tr = append(tr, trail{"New Item", action})
	// Job/Create here; a token's job glob is held to the new item's full
	// name below.
	if !c.HasIgnoringGlob(c.Item, authz.ItemCreate) {
		return request.Forbidden(authz.ItemCreate)
	}
	type typed struct {
		name, mode, xmlName, xml string
		form                     *jobForm
		copy                     copyForm
	}
	show := func(status int, t typed) error {
		f := formOf(nil, nil, "")
		if t.form != nil {
			f = t.form.shown(joinName(parent, t.name))
		}
		f.CheckURL = check
		if err := ui.fillGit(c, &f.Git, nil, joinName(parent, t.name)); err != nil {
			return err
		}
		msg := f.firstError()
		if msg == "" {
			msg = t.copy.Errors["copy-name"] + t.copy.Errors["from"]
		}
		return ui.render(c, status, "newjob", page{Title: "New Item", Trail: tr, P: map[string]any{
			"Action": action, "Error": msg, "NameError": f.Errors["name"], "Name": t.name, "Mode": t.mode, "Form": f,
			"XMLName": t.xmlName, "XML": t.xml, "XMLError": f.Errors["config.xml"], "XMLNameError": f.Errors["xml-name"],
			"Copy": t.copy, "CheckName": viewURL + "checkJobName", "CompleteFrom": viewURL + "descriptorByName/" + copyFromPath,
		}})
	}
	if c.R.Method != http.MethodPost {
		return show(http.StatusOK, typed{})
	}
	if err := request.ParseForm(c); err != nil {
		return err
	}
	form := c.R.PostForm
	name := strings.TrimSpace(form.Get("name"))
	mode := form.Get("mode")
	if mode == "copy" {
		t := typed{copy: copyForm{Name: form.Get("name"), From: form.Get("from")}}
		done, status, err := ui.copyItem(c, parent, &t.copy)
		if done || err != nil {
			return err
		}
		return show(status, t)
	}
	// create makes the item from xml, as every create route does: the
	// token's job glob holds the new full name (a refusal is the caller's
	// 403, not a form error), and the saver must be able to build the
	// projects it triggers.
	create := func(xml []byte) (*model.Job, error) {
		if jobs.CheckName(name) == nil {
			if err := c.MayCreate(joinName(parent, name)); err != nil {
				return nil, refused{err}
			}
		}
		if err := c.CheckDownstream(joinName(parent, name), xml); err != nil {
			return nil, err
		}
		return ui.jobs.Create(c.Ctx(), parent, name, xml, c.Authority())
	}
	if mode == "xml" {
		f := formOf(nil, nil, "")
		t := typed{xmlName: form.Get("name"), xml: form.Get("config.xml"), form: &f}
		xml := []byte(t.xml)
		switch {
		case name == "":
			f.fail("xml-name", "Enter an item name")
		case len(strings.TrimSpace(t.xml)) == 0:
			f.fail("config.xml", "Paste a config.xml to create the item from")
		}
		if f.Errors == nil {
			job, err := create(xml)
			if err == nil {
				c.Notify("Created ‘" + job.Name + "’")
				return request.SeeOther(c, c.Root+jobPath(job.Name))
			}
			if errors.Is(err, errRefused) {
				return err
			}
			msg, ok := request.FormMessage(request.Refused(err))
			if !ok {
				return request.Refused(err)
			}
			f.fail(map[bool]string{true: "xml-name", false: "config.xml"}[errors.Is(err, jobs.ErrBadName) || errors.Is(err, jobs.ErrExists)], msg)
		}
		t.form = &f
		t.form.Steps = nil
		return show(http.StatusBadRequest, t)
	}
	f, err := readForm(form)
	if err != nil {
		return err
	}
	t := typed{name: form.Get("name"), mode: mode, form: &f}
	if name == "" {
		f.fail("name", "Enter an item name")
	} else if err := jobs.CheckName(name); err != nil {
		msg, _ := request.FormMessage(request.Refused(err))
		f.fail("name", msg)
	}
	var xml []byte
	switch mode {
	case configxml.KindFolder:
		xml = configxml.Render(&model.JobConfig{Kind: configxml.KindFolder, Description: f.Description})
	case "hudson.model.FreeStyleProject", "":
		pf, ok := projectForm(&f, nil, joinName(parent, name))
		if ok {
			xml, err = configxml.EditProject(configxml.Render(&model.JobConfig{Kind: configxml.KindProject}), pf)
			if err != nil {
				f.fail("form", err.Error())
			}
		}
	default:
		f.fail("name", "Unknown item type: "+mode)
	}
	if len(f.Errors) > 0 || f.firstError() != "" {
		return show(http.StatusBadRequest, t)
	}
	job, err := create(xml)
	if err != nil {
		if errors.Is(err, errRefused) {
			return err
		}
		msg, ok := request.FormMessage(request.Refused(err))
		if !ok {
			return request.Refused(err)
		}
		f.fail(map[bool]string{true: "form", false: "name"}[errors.Is(err, jobs.ErrBadConfig)], msg)
		return show(http.StatusBadRequest, t)
	}
	c.Notify("Created ‘" + job.Name + "’")
	return request.SeeOther(c, c.Root+jobPath(job.Name))
}

// errRefused marks an error create (in newJob) returns for the caller,
// not for the form: a permission refused.
var errRefused = errors.New("refused")

// refused wraps a refusal so that it is answered as itself.
type refused struct{ err error }

func (r refused) Error() string { return r.err.Error() }

func (r refused) Is(target error) bool { return target == errRefused }

func (r refused) Unwrap() error { return r.err }

// ConfigurePage is GET /job/N/configure: the form (freestyle jobs), or
// with ?tab=xml (and for folders) the whole config.xml, indented.
func (ui *UI) ConfigurePage(c *request.Call, job *model.Job) error {
	if err := c.Require(authz.ItemConfigure); err != nil {
		return err
	}
	tab := ""
	if c.R.URL.Query().Get("tab") == "xml" || jobs.IsFolder(job) {
		tab = "xml"
	}
	return ui.showConfigure(c, job, http.StatusOK, "", tab, shownXML(job.ConfigXML), nil)
}

// shownXML is a stored config.xml as the config.xml tab shows it: as the
// API serves it (password defaults redacted), indented as Jenkins writes
// it (configxml.Pretty). Saving it back unchanged changes nothing.
func shownXML(stored []byte) string {
	xml, err := configxml.Redact(stored)
	if err != nil {
		return string(stored) // unreadable: shown as it is
	}
	if pretty, err := configxml.Pretty(xml); err == nil {
		xml = pretty
	}
	return string(xml)
}

// showConfigure renders the Configure page on tab ("" the form, "xml"
// the config.xml): form is the freestyle form as typed (nil: the stored
// job's), xml the config.xml tab's text.
func (ui *UI) showConfigure(c *request.Call, job *model.Job, status int, msg, tab, xml string, form *jobForm) error {
	var f *jobForm
	if !jobs.IsFolder(job) {
		ff := formOf(&job.Config, job.ConfigXML, job.Name)
		ff.Git = gitSectionOf(job.ConfigXML)
		if form != nil {
			kept := ff.Kept
			ff = form.shown(job.Name)
			ff.Kept = kept
			if msg == "" {
				msg = ff.firstError()
			}
		}
		ff.CheckURL = c.Root + jobPath(job.Name) + "descriptorByName/" + timerCheckPath
		if err := ui.showBindings(c, job, &ff); err != nil {
			return err
		}
		if err := ui.fillGit(c, &ff.Git, job.ConfigXML, job.Name); err != nil {
			return err
		}
		f = &ff
	}
	// A posted document the server did not take is shown as it came,
	// but redacted like the stored one: it holds only what its sender
	// typed, or the stored defaults Restore put back.
	if redacted, err := configxml.Redact([]byte(xml)); err == nil {
		xml = string(redacted)
	}
	redactedMark := ""
	if strings.Contains(xml, configxml.RedactedDefault) {
		redactedMark = configxml.RedactedDefault
	}
	tr := append(jobTrail(c, job.Name), trail{"Configure", c.Root + jobPath(job.Name) + "configure"})
	return ui.render(c, status, "configure", page{Title: job.Name + " Config", Trail: tr, API: c.Root + jobPath(job.Name) + "api/", P: map[string]any{
		"Name": job.Name, "URL": c.Root + jobPath(job.Name), "Error": msg, "XML": xml, "Form": f, "Tab": tab, "Redacted": redactedMark,
	}})
}

// ConfigSubmit is POST /job/N/configSubmit, from either tab. The
// freestyle form edits the stored config.xml in place
// (configxml.EditProject): what it does not show is kept byte for byte.
// The config.xml tab replaces the document, unless it comes back as the
// tab showed it (then nothing changes: the stored bytes stay). A form
// that fails comes back (400) as typed, the reason beside the field.
func (ui *UI) ConfigSubmit(c *request.Call, job *model.Job) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.Require(authz.ItemConfigure); err != nil {
		return err
	}
	if err := request.ParseForm(c); err != nil {
		return err
	}
	form := c.R.PostForm
	if form.Get("mode") == "xml" {
		posted := form.Get("config.xml")
		if request.FromForm(c) {
			// A browser's textarea sends its lines ended CRLF.
			posted = strings.ReplaceAll(posted, "\r\n", "\n")
		}
		if strings.TrimSpace(posted) == strings.TrimSpace(shownXML(job.ConfigXML)) {
			c.Notify("Saved (config.xml unchanged)")
			return request.SeeOther(c, c.Root+jobPath(job.Name))
		}
		xml := []byte(posted)
		if err := c.CheckDownstream(job.Name, xml); err != nil {
			msg, _ := request.FormMessage(err)
			return ui.showConfigure(c, job, http.StatusBadRequest, msg, "xml", string(xml), nil)
		}
		if _, err := ui.jobs.UpdateConfig(c.Ctx(), job.Name, xml, c.Authority()); err != nil {
			if msg, ok := request.FormMessage(request.Refused(err)); ok {
				return ui.showConfigure(c, job, http.StatusBadRequest, msg, "xml", string(xml), nil)
			}
			return request.Refused(err)
		}
		c.Notify("Saved")
		return request.SeeOther(c, c.Root+jobPath(job.Name))
	}
	if jobs.IsFolder(job) {
		return request.BadRequest("A folder is configured through its config.xml")
	}
	f, err := readForm(form)
	if err != nil {
		return err
	}
	withBindings, err := readBindings(form, &f)
	if err != nil {
		return err
	}
	back := func() error {
		return ui.showConfigure(c, job, http.StatusBadRequest, "", "", shownXML(job.ConfigXML), &f)
	}
	pf, ok := projectForm(&f, &job.Config, job.Name)
	if !ok {
		return back()
	}
	xml, err := configxml.EditProject(job.ConfigXML, pf)
	if err != nil {
		f.fail("form", err.Error())
		return back()
	}
	if withBindings {
		if xml, ok = ui.applyBindings(c, job, &f, xml); !ok {
			f.fail("form", f.Bindings.Error)
			return back()
		}
	}
	if err := c.CheckDownstream(job.Name, xml); err != nil {
		msg, _ := request.FormMessage(err)
		f.fail("form", msg)
		return back()
	}
	if _, err := ui.jobs.UpdateConfig(c.Ctx(), job.Name, xml, c.Authority()); err != nil {
		msg, ok := request.FormMessage(request.Refused(err))
		if !ok {
			return request.Refused(err)
		}
		f.fail("form", msg)
		return back()
	}
	c.Notify("Saved")
	return request.SeeOther(c, c.Root+jobPath(job.Name))
}

// DeletePage is GET /job/N/delete: Jenkins's confirmation, whose button
// POSTs to doDelete.
func (ui *UI) DeletePage(c *request.Call, job *model.Job) error {
	if err := c.Require(authz.ItemDelete); err != nil {
		return err
	}
	what := "Project"
	if jobs.IsFolder(job) {
		what = "Folder"
	}
	url := c.Root + jobPath(job.Name)
	text := "Delete the " + what + " ‘" + job.Name + "’?"
	if n := len(ui.jobs.Inside(job.Name)); n > 0 {
		text = "Delete the " + what + " ‘" + job.Name + "’ and the " + strconv.Itoa(n) + " items in it, with their builds?"
	}
	return ui.render(c, http.StatusOK, "message", page{Title: "Delete " + job.Name, Trail: jobTrail(c, job.Name), P: map[string]any{
		"Heading": "Delete " + what, "Text": text,
		"Form": url + "doDelete", "Button": "Yes", "Back": url, "BackText": "No, go back",
	}})
}
