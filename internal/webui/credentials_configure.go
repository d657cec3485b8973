package webui

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/authz"
	"github.com/jeeves-ci/jeeves/internal/configxml"
	"github.com/jeeves-ci/jeeves/internal/credentials/binding"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/request"
)

// The Configure form's "Use secret text(s) or file(s)" section: the
// credentials-binding plugin's SecretBuildWrapper, one row per binding.
// A row's credential is picked from those the user may bind in the job
// (Credentials/UseItem there, which Job/Configure implies): the GLOBAL
// credentials, never SYSTEM ones, which builds cannot use. On Save the
// wrapper is written back in place (configxml.SetBuildWrapper) only when
// the bindings changed, so a job saved as shown keeps its config.xml
// byte for byte. A wrapper the form cannot edit (a binding jeeves does
// not run, or one that does not parse) is shown, kept and left to
// config.xml.

// The form's field names, one of each per row.
const (
	fieldBindingClass = "binding.class"
	fieldBindingCred  = "binding.credentialsId"
)

// bindingFields are a row's variable fields: form name suffix, element
// name and label.
var bindingFields = []struct{ Field, Label string }{
	{"variable", "Variable (the secret text, username:password, or the file's path)"},
	{"usernameVariable", "Username Variable (username and password separated; SSH key, optional)"},
	{"passwordVariable", "Password Variable (username and password separated)"},
	{"keyFileVariable", "Key File Variable (SSH key: the key file's path)"},
	{"passphraseVariable", "Passphrase Variable (SSH key, optional)"},
}

// bindingClasses are the bindings the form offers, with Jenkins's names.
var bindingClasses = []struct{ Class, Name string }{
	{binding.ClassString, "Secret text"},
	{binding.ClassUsernamePasswordMulti, "Username and password (separated)"},
	{binding.ClassUsernamePassword, "Username and password (conjoined)"},
	{binding.ClassFile, "Secret file"},
	{binding.ClassSSHUserPrivateKey, "SSH User Private Key"},
}

// bindingsSection is what the section shows.
type bindingsSection struct {
	Rows     []bindingRow
	Blank    bindingRow
	Classes  []bindingOption
	Creds    []bindingOption // the credentials the user may bind here
	ReadOnly string          // why the form does not edit the wrapper; "" when it does
	Error    string
}

// bindingOption is one choice of a select.
type bindingOption struct{ Value, Name string }

// bindingRow is one binding as the form shows it.
type bindingRow struct {
	Class, CredentialsID string
	Vars                 []bindingVar
	// Unlisted is the credential the row binds when it is not one the
	// user may pick (deleted, SYSTEM, another type): kept as it is.
	Unlisted string
	// The choices of the row's selects (the section's).
	Classes, Creds []bindingOption
}

// bindingVar is one variable field of a row.
type bindingVar struct{ Field, Label, Value string }

func newBindingRow(b binding.Binding) bindingRow {
	r := bindingRow{Class: b.Class, CredentialsID: b.CredentialsID}
	vals := map[string]string{"variable": b.Variable, "usernameVariable": b.UsernameVariable, "passwordVariable": b.PasswordVariable,
		"keyFileVariable": b.KeyFileVariable, "passphraseVariable": b.PassphraseVariable}
	for _, f := range bindingFields {
		r.Vars = append(r.Vars, bindingVar{Field: "binding." + f.Field, Label: f.Label, Value: vals[f.Field]})
	}
	return r
}

// bindable lists the credentials the caller may bind in job, by id.
func (ui *UI) bindable(c *request.Call, job *model.Job) ([]bindingOption, map[string]string, error) {
	if !c.HasOn(job, authz.CredentialsUseItem) {
		return nil, nil, nil
	}
	var out []bindingOption
	kinds := map[string]string{}
	for _, bc := range bindingClasses {
		list, err := ui.creds.ForBinding(c.Ctx(), bc.Class)
		if err != nil {
			return nil, nil, err
		}
		for _, p := range list {
			if _, seen := kinds[p.ID]; seen {
				continue
			}
			kinds[p.ID] = string(p.Kind)
			out = append(out, bindingOption{Value: p.ID, Name: p.DisplayName() + " (" + p.TypeName() + ", " + p.ID + ")"})
		}
	}
	return out, kinds, nil
}

// showBindings fills in f's section for job (unless f holds it as
// typed) and takes the wrapper off f's list of what the form keeps but
// does not edit, when the section edits it.
func (ui *UI) showBindings(c *request.Call, job *model.Job, f *jobForm) error {
	creds, kinds, err := ui.bindable(c, job)
	if err != nil {
		return err
	}
	if f.Bindings == nil {
		s := &bindingsSection{}
		bs, err := binding.FromConfigXML(job.ConfigXML)
		switch {
		case err != nil:
			s.ReadOnly = "Its bindings cannot be read (" + err.Error() + "): edit them in config.xml."
		case slices.ContainsFunc(bs, func(b binding.Binding) bool { return !b.Supported() }):
			s.ReadOnly = "It has bindings jeeves does not run: edit them in config.xml."
		}
		if s.ReadOnly == "" {
			for _, b := range bs {
				s.Rows = append(s.Rows, newBindingRow(b))
			}
		}
		f.Bindings = s
	}
	s := f.Bindings
	s.Creds = creds
	s.Classes = nil
	for _, bc := range bindingClasses {
		s.Classes = append(s.Classes, bindingOption{Value: bc.Class, Name: bc.Name})
	}
	s.Blank = newBindingRow(binding.Binding{Class: binding.ClassString})
	s.Blank.Classes, s.Blank.Creds = s.Classes, s.Creds
	for i := range s.Rows {
		r := &s.Rows[i]
		r.Classes, r.Creds, r.Unlisted = s.Classes, s.Creds, ""
		if _, ok := kinds[r.CredentialsID]; !ok && r.CredentialsID != "" {
			r.Unlisted = r.CredentialsID
		}
	}
	if s.ReadOnly == "" {
		f.Kept = slices.DeleteFunc(f.Kept, func(k string) bool { return strings.HasSuffix(k, "("+binding.WrapperClass+")") })
	}
	return nil
}

// readBindings reads the section as posted into f; it reports false when
// the form had no section (an API client, a read-only section): the
// wrapper is then left as it is.
func readBindings(form url.Values, f *jobForm) (bool, error) {
	classes, present := form[fieldBindingClass]
	if !present {
		return false, nil
	}
	ids := form[fieldBindingCred]
	vars := make([][]string, len(bindingFields))
	for i, bf := range bindingFields {
		vars[i] = form["binding."+bf.Field]
		if len(vars[i]) != len(classes) {
			return false, request.BadRequest("The binding rows are incomplete; reload the page and try again")
		}
	}
	if len(ids) != len(classes) {
		return false, request.BadRequest("The binding rows are incomplete; reload the page and try again")
	}
	s := &bindingsSection{}
	for i, class := range classes {
		r := bindingRow{Class: class, CredentialsID: strings.TrimSpace(ids[i])}
		empty := r.CredentialsID == ""
		for k, bf := range bindingFields {
			v := strings.TrimSpace(vars[k][i])
			empty = empty && v == ""
			r.Vars = append(r.Vars, bindingVar{Field: "binding." + bf.Field, Label: bf.Label, Value: v})
		}
		if !empty {
			s.Rows = append(s.Rows, r)
		}
	}
	f.Bindings = s
	return true, nil
}

// applyBindings writes f's bindings into xml, the job's config.xml as
// the rest of the form left it: checked against what the user may bind
// (a credential already bound stays bound, even if the user may not pick
// it), and written only if they changed. A refusal goes in the section.
func (ui *UI) applyBindings(c *request.Call, job *model.Job, f *jobForm, xml []byte) ([]byte, bool) {
	s := f.Bindings
	_, kinds, err := ui.bindable(c, job)
	if err != nil {
		s.Error = err.Error()
		return nil, false
	}
	stored, err := binding.FromConfigXML(job.ConfigXML)
	if err != nil || slices.ContainsFunc(stored, func(b binding.Binding) bool { return !b.Supported() }) {
		s.Error = "This job's credentials bindings are edited in its config.xml"
		return nil, false
	}
	var bs []binding.Binding
	for _, r := range s.Rows {
		b, msg := rowBinding(r, kinds, stored)
		if msg != "" {
			s.Error = msg
			return nil, false
		}
		bs = append(bs, b)
	}
	if slices.Equal(bs, stored) {
		return xml, true
	}
	var markup func(string) string // none: the wrapper is removed
	if len(bs) > 0 {
		lines := strings.Split(strings.TrimSuffix(string(binding.Render(bs, 0)), "\n"), "\n")
		markup = func(in string) string { return strings.Join(lines, "\n"+in) }
	}
	out, err := configxml.SetBuildWrapper(xml, binding.WrapperClass, markup)
	if err != nil {
		s.Error = err.Error()
		return nil, false
	}
	return out, true
}

// rowBinding checks one row: a binding jeeves runs, its fields, and a
// credential of the type it takes that the user may bind here (or one
// the job already binds). A refusal is a message for the form.
func rowBinding(r bindingRow, kinds map[string]string, stored []binding.Binding) (binding.Binding, string) {
	name := r.Class
	for _, bc := range bindingClasses {
		if bc.Class == r.Class {
			name = bc.Name
		}
	}
	want, ok := binding.CredentialKind(r.Class)
	if !ok {
		return binding.Binding{}, fmt.Sprintf("Unknown binding %q", r.Class)
	}
	if r.CredentialsID == "" {
		return binding.Binding{}, fmt.Sprintf("A %s binding needs a credential", name)
	}
	fields := map[string]string{"credentialsId": r.CredentialsID}
	for _, v := range r.Vars {
		if v.Value != "" {
			fields[strings.TrimPrefix(v.Field, "binding.")] = v.Value
		}
	}
	b, err := binding.New(r.Class, fields)
	if err != nil {
		return binding.Binding{}, fmt.Sprintf("%s binding of ‘%s’: %s", name, r.CredentialsID, strings.TrimPrefix(err.Error(), binding.ErrInvalid.Error()+": "))
	}
	kind, listed := kinds[r.CredentialsID]
	switch {
	case listed && kind != string(want):
		return binding.Binding{}, fmt.Sprintf("A %s binding needs a %s credential; ‘%s’ is not one", name, want.TypeName(), r.CredentialsID)
	case !listed && !slices.ContainsFunc(stored, func(s binding.Binding) bool { return s.CredentialsID == r.CredentialsID }):
		return binding.Binding{}, fmt.Sprintf("‘%s’ is not a credential you may bind in this job", r.CredentialsID)
	}
	return b, ""
}
