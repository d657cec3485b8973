package webui

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/authz"
	"github.com/jeeves-ci/jeeves/internal/credentials"
	"github.com/jeeves-ci/jeeves/internal/credstore"
	"github.com/jeeves-ci/jeeves/internal/request"
	"github.com/jeeves-ci/jeeves/internal/usererr"
)

// Manage → Credentials: the global domain's credentials (list, one
// page each with the builds that used it), New Credentials (one form per
// type), Update (secrets never shown; a secret left blank is kept) and
// Delete (a confirmation page whose button posts to doDelete). The pages
// are reached under /manage/credentials/ and /credentials/ alike (base).
// Every page and form checks its Credentials permission first; no page
// holds a secret, and a refused form comes back without the secrets
// typed into it.

// credentialKinds are the types the New Credentials page offers, in
// Jenkins's order.
var credentialKinds = []credentials.Kind{
	credentials.KindUsernamePassword, credentials.KindSSHKey, credentials.KindSecretFile, credentials.KindSecretText,
}

// kindChoice is one type of the New Credentials page.
type kindChoice struct {
	Kind     credentials.Kind
	Name     string
	URL      string
	Selected bool
}

// credentialRow is one credential of the list.
type credentialRow struct {
	ID, Name, Type, Scope, Description, URL string
}

// credentialTrail is the breadcrumb of the credentials pages.
func credentialTrail(c *request.Call, base string) []trail {
	var tr []trail
	if strings.HasPrefix(base, "manage/") {
		tr = append(tr, trail{"Manage jeeves", c.Root + "manage/"})
	}
	return append(tr, trail{"Credentials", request.CredentialsURL(c, base)})
}

// CredentialsPage is the list: GET …/credentials/ (and the store's and
// the domain's pages, which show the same).
func (ui *UI) CredentialsPage(c *request.Call, base string) error {
	if err := c.RequireCredentials(credstore.PermView); err != nil {
		return err
	}
	list, err := ui.creds.List(c.Ctx())
	if err != nil {
		return err
	}
	rows := make([]credentialRow, len(list))
	for i, p := range list {
		rows[i] = credentialRow{ID: p.ID, Name: p.DisplayName(), Type: p.TypeName(), Scope: string(p.Scope),
			Description: p.Description, URL: request.CredentialURL(c, base, p.ID)}
	}
	return ui.render(c, http.StatusOK, "credentials", page{Title: "Credentials", Trail: credentialTrail(c, base), P: map[string]any{
		"Rows": rows, "New": request.CredentialsURL(c, base) + "newCredentials", "Kinds": kindChoices(c, base, ""),
		"CanCreate": c.HasCredentials(credstore.PermCreate), "CanUpdate": c.HasCredentials(credstore.PermUpdate),
		"CanDelete": c.HasCredentials(credstore.PermDelete),
		"API":       request.CredentialsURL(c, base) + "api/json?depth=1",
	}})
}

// kindChoices are the types for the New Credentials page, sel selected.
func kindChoices(c *request.Call, base string, sel credentials.Kind) []kindChoice {
	out := make([]kindChoice, len(credentialKinds))
	for i, k := range credentialKinds {
		out[i] = kindChoice{Kind: k, Name: k.TypeName(), URL: request.CredentialsURL(c, base) + "newCredentials?kind=" + string(k), Selected: k == sel}
	}
	return out
}

// credentialForm is the New and Update forms' fields as shown: never a
// secret, which the browser sends and jeeves does not send back.
type credentialForm struct {
	Kind           credentials.Kind
	TypeName       string
	Scope          string
	ID             string
	Description    string
	Username       string
	UsernameSecret bool
	FileName       string // the stored file's name (Update)
	Update         bool   // the Update form: the id is fixed, blank secrets are kept
	Error          string
	Action         string
	Crumb          string // in the action's query, for the multipart form (request's crumbFrom)
}

// formKind reads the kind a form is for; ok false for an unknown one.
func formKind(s string) (credentials.Kind, bool) {
	for _, k := range credentialKinds {
		if string(k) == s {
			return k, true
		}
	}
	return "", false
}

// typedCredential is the form as posted, without its secrets.
func typedCredential(c *request.Call, kind credentials.Kind) credentialForm {
	f := c.R.PostForm
	return credentialForm{Kind: kind, TypeName: kind.TypeName(), Scope: f.Get("scope"), ID: strings.TrimSpace(f.Get("id")),
		Description: f.Get("description"), Username: f.Get("username"), UsernameSecret: f.Get("usernameSecret") == "true"}
}

// credentialJSON is the credential the form describes, as the JSON
// Jenkins's UI posts (credentials.Parser.ParseJSON reads it): the
// uploaded file, if any, is the multipart part "file0".
func credentialJSON(c *request.Call, kind credentials.Kind, stored *credstore.Public) ([]byte, error) {
	f := c.R.PostForm
	obj := map[string]any{"$class": kind.Class(), "scope": f.Get("scope"), "id": f.Get("id"), "description": f.Get("description")}
	if stored != nil {
		obj["id"] = stored.ID
	}
	switch kind {
	case credentials.KindUsernamePassword:
		obj["username"], obj["usernameSecret"], obj["password"] = f.Get("username"), f.Get("usernameSecret") == "true", f.Get("password")
	case credentials.KindSecretText:
		obj["secret"] = f.Get("secret")
	case credentials.KindSecretFile:
		obj["file"] = "file0"
		if stored != nil {
			obj["fileName"] = stored.FileName
		}
	case credentials.KindSSHKey:
		obj["username"], obj["usernameSecret"], obj["passphrase"] = f.Get("username"), f.Get("usernameSecret") == "true", f.Get("passphrase")
		obj["privateKeySource"] = map[string]any{"$class": credentials.ClassDirectEntry, "privateKey": f.Get("privateKey")}
	}
	if stored != nil {
		return json.Marshal(obj)
	}
	return json.Marshal(map[string]any{"credentials": obj})
}

// formStatus is the status a refused credential form comes back with:
// 409 for a taken id, 404 for a credential gone, else 400.
func formStatus(err error) int {
	switch {
	case errors.Is(err, credstore.ErrExists):
		return http.StatusConflict
	case errors.Is(err, credstore.ErrNotFound):
		return http.StatusNotFound
	}
	return http.StatusBadRequest
}

// NewCredentials is GET and POST …/domain/_/newCredentials: the type
// chooser and the form of the chosen type (?kind=), which posts here.
// Created, the browser goes to the new credential's page; refused, the
// form comes back as typed, its secrets blank, with the reason.
func (ui *UI) NewCredentials(c *request.Call, base string) error {
	if err := c.RequireCredentials(credstore.PermCreate); err != nil {
		return err
	}
	action := request.CredentialsURL(c, base) + "newCredentials"
	show := func(status int, f credentialForm) error {
		f.Action, f.Crumb, f.TypeName = action, ui.crumbValue(c), f.Kind.TypeName()
		tr := append(credentialTrail(c, base), trail{"New credentials", action})
		return ui.render(c, status, "credential-form", page{Title: "New credentials", Trail: tr, P: map[string]any{
			"Form": f, "Kinds": kindChoices(c, base, f.Kind), "Back": request.CredentialsURL(c, base),
		}})
	}
	if c.R.Method != http.MethodPost {
		kind, ok := formKind(c.R.URL.Query().Get("kind"))
		if !ok {
			kind = credentials.KindUsernamePassword
		}
		return show(http.StatusOK, credentialForm{Kind: kind, Scope: string(credentials.ScopeGlobal)})
	}
	if err := request.ParseFormInMemory(c, request.MaxCredentialForm); err != nil {
		return err
	}
	kind, ok := formKind(c.R.PostFormValue("kind"))
	if !ok {
		return request.BadRequest("Choose the type of the credential")
	}
	body, err := credentialJSON(c, kind, nil)
	if err != nil {
		return err
	}
	p, err := ui.creds.CreateForm(c.Ctx(), c.CredentialsActor(), body, request.UploadedFiles(c))
	var ue *usererr.Error
	if errors.As(err, &ue) {
		f := typedCredential(c, kind)
		f.Error = ue.Msg
		return show(formStatus(err), f)
	}
	if err != nil {
		return err
	}
	c.Notify("Created the credential ‘" + p.ID + "’")
	return request.SeeOther(c, request.CredentialURL(c, base, p.ID))
}

// credentialUse is one build that used a credential, as its page lists it.
type credentialUse struct {
	Job, JobURL string
	Number      int64
	BuildURL    string
	When        string
}

// CredentialPage is GET …/credential/ID/: what the credential is (never
// its secrets), the builds that used it that the caller may see, and
// links to update and delete it.
func (ui *UI) CredentialPage(c *request.Call, base, id string) error {
	if err := c.RequireCredentials(credstore.PermView); err != nil {
		return err
	}
	p, err := ui.creds.Get(c.Ctx(), id)
	if err != nil {
		return credentialRefused(err)
	}
	uses, err := ui.creds.Uses(c.Ctx(), id)
	if err != nil {
		return credentialRefused(err)
	}
	admin := c.HasOn(nil, authz.Administer)
	var rows []credentialUse
	hidden := 0
	for _, u := range uses {
		j, err := ui.jobs.Get(u.JobName)
		if err != nil && !admin || err == nil && !c.CanSee(j) {
			hidden++
			continue
		}
		r := credentialUse{Job: u.JobName, Number: u.Number, When: u.At.Local().Format("2006-01-02 15:04:05")}
		if err == nil {
			r.JobURL = c.Root + jobPath(u.JobName)
			r.BuildURL = r.JobURL + strconv.FormatInt(u.Number, 10) + "/"
		}
		rows = append(rows, r)
	}
	self := request.CredentialURL(c, base, id)
	tr := append(credentialTrail(c, base), trail{p.DisplayName(), self})
	return ui.render(c, http.StatusOK, "credential", page{Title: p.DisplayName(), Trail: tr, P: map[string]any{
		"C": p, "Name": p.DisplayName(), "Type": p.TypeName(), "Uses": rows, "Hidden": hidden, "URL": self,
		"CanUpdate": c.HasCredentials(credstore.PermUpdate), "CanDelete": c.HasCredentials(credstore.PermDelete),
		"Keep": credstore.KeepUses,
	}})
}

// credentialRefused is a service's refusal as a page's answer.
func credentialRefused(err error) error {
	var ue *usererr.Error
	if errors.As(err, &ue) {
		return &request.Error{Status: formStatus(err), Msg: ue.Msg}
	}
	return err
}

// UpdateCredential is GET and POST …/credential/ID/update: the form,
// with every secret field blank, and its POST, which keeps each secret
// left blank. The id and the type cannot change: jobs bind the id.
func (ui *UI) UpdateCredential(c *request.Call, base, id string) error {
	if err := c.RequireCredentials(credstore.PermUpdate); err != nil {
		return err
	}
	p, err := ui.creds.Get(c.Ctx(), id)
	if err != nil {
		return credentialRefused(err)
	}
	self := request.CredentialURL(c, base, id)
	show := func(status int, f credentialForm) error {
		f.Action, f.Crumb, f.Update, f.ID, f.Kind, f.TypeName, f.FileName = self+"update", ui.crumbValue(c), true, p.ID, p.Kind, p.TypeName(), p.FileName
		tr := append(credentialTrail(c, base), trail{p.DisplayName(), self}, trail{"Update", self + "update"})
		return ui.render(c, status, "credential-form", page{Title: "Update " + p.DisplayName(), Trail: tr, P: map[string]any{
			"Form": f, "Back": self,
		}})
	}
	if c.R.Method != http.MethodPost {
		return show(http.StatusOK, credentialForm{Scope: string(p.Scope), Description: p.Description, Username: p.Username, UsernameSecret: p.UsernameSecret})
	}
	if err := request.ParseFormInMemory(c, request.MaxCredentialForm); err != nil {
		return err
	}
	body, err := credentialJSON(c, p.Kind, &p)
	if err != nil {
		return err
	}
	_, err = ui.creds.UpdateForm(c.Ctx(), c.CredentialsActor(), id, body, request.UploadedFiles(c))
	var ue *usererr.Error
	if errors.As(err, &ue) {
		f := typedCredential(c, p.Kind)
		f.Error = ue.Msg
		return show(formStatus(err), f)
	}
	if err != nil {
		return err
	}
	c.Notify("Saved the credential ‘" + id + "’")
	return request.SeeOther(c, self)
}

// DeleteCredentialPage is GET …/credential/ID/delete: the confirmation,
// whose button posts to doDelete.
func (ui *UI) DeleteCredentialPage(c *request.Call, base, id string) error {
	if err := c.RequireCredentials(credstore.PermDelete); err != nil {
		return err
	}
	p, err := ui.creds.Get(c.Ctx(), id)
	if err != nil {
		return credentialRefused(err)
	}
	self := request.CredentialURL(c, base, id)
	return ui.render(c, http.StatusOK, "message", page{Title: "Delete " + p.DisplayName(), Trail: append(credentialTrail(c, base), trail{p.DisplayName(), self}), P: map[string]any{
		"Heading": "Delete credentials", "Text": "Delete the credential ‘" + p.DisplayName() + "’ (" + p.ID + ")?",
		"Detail": "Jobs that bind it fail from then on, until a credential with the id " + p.ID + " exists again.",
		"Form":   self + "doDelete", "Button": "Yes, delete it", "Back": self, "BackText": "No, go back",
	}})
}
