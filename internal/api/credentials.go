package api

import (
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/authz"
	"github.com/jeeves-ci/jeeves/internal/credentials"
	"github.com/jeeves-ci/jeeves/internal/credstore"
	"github.com/jeeves-ci/jeeves/internal/export"
	"github.com/jeeves-ci/jeeves/internal/request"
	"github.com/jeeves-ci/jeeves/internal/usererr"
)

// The credentials plugin's REST API (CredentialsStoreAction.java,
// ViewCredentialsAction.java) over jeeves's one store, the system
// store, and its one domain, the global domain "_". The walker reaches
// it under /credentials/ and /manage/credentials/ (base, which the
// answers' links keep), both as credential/ID and credentials/ID.
//
// Every answer follows Jenkins's: api/json with depth and tree,
// createCredentials from XML (200) or from the UI's form (302, or
// Jenkins's JSON message to clients that accept JSON), config.xml GET
// with every secret redacted, POST and DELETE, updateSubmit, doDelete
// and doMove. A refusal is 400 (a credential or request that is
// malformed), 404 (no such credential), 409 (the id is taken) or 403
// naming the permission, checked first (request.RequireCredentials). A
// secret is never in an answer: nothing here reads one.

// The _class of the API's objects besides the credentials package's.
const (
	viewCredentialsClass = "com.cloudbees.plugins.credentials.ViewCredentialsAction$RootActionImpl"
	fingerprintClass     = "hudson.model.Fingerprint"
)

// credRefused is err as the caller is answered: the credentials
// service's refusals with their statuses (400, 404, 409) and messages,
// anything else as request.Refused does.
func credRefused(err error) error {
	var ue *usererr.Error
	if !errors.As(err, &ue) {
		return request.Refused(err)
	}
	switch {
	case errors.Is(err, credstore.ErrExists):
		return request.Conflict(ue.Msg)
	case errors.Is(err, credstore.ErrNotFound):
		return request.NewError(http.StatusNotFound, ue.Msg)
	}
	return request.BadRequest(ue.Msg)
}

// wantsJSON reports a client that asked for Jenkins's JSON answer to a
// credentials form (Accept: application/json).
func wantsJSON(c *request.Call) bool {
	return strings.Contains(c.R.Header.Get("Accept"), "application/json")
}

// jsonNotice is the JSON answer Jenkins gives such clients:
// {"status":"ok","data":{"message":…,"notificationType":…}}; jeeves adds
// the credential's id, which Jenkins's answers lack.
func jsonNotice(c *request.Call, msg, kind, id string) error {
	data := map[string]any{"message": msg, "notificationType": kind}
	if id != "" {
		data["id"] = id
	}
	return request.WriteJSON(c, map[string]any{"status": "ok", "data": data})
}

// CredentialsObject is /credentials/api/json (ViewCredentialsAction):
// the stores the caller may view, by URL name.
func (a *API) CredentialsObject(c *request.Call) (*export.Object, error) {
	if err := c.RequireCredentials(credstore.PermView); err != nil {
		return nil, err
	}
	return newObject(viewCredentialsClass, prop("stores", export.Map{{Key: credstore.StoreSystem, Value: a.storeObject(c)}})), nil
}

// CredentialStoreObject is /credentials/store/system/api/json
// (SystemCredentialsProvider$UserFacingAction): its domains by URL name.
func (a *API) CredentialStoreObject(c *request.Call) (*export.Object, error) {
	if err := c.RequireCredentials(credstore.PermView); err != nil {
		return nil, err
	}
	return a.storeObject(c), nil
}

func (a *API) storeObject(c *request.Call) *export.Object {
	return newObject(credentials.StoreActionClass, prop("domains", export.Map{{Key: credstore.DomainGlobal, Value: a.domainObject(c)}}))
}

// CredentialDomainObject is …/domain/_/api/json (DomainWrapper): the
// global domain and its credentials. At depth 0 the credentials carry
// only their class, as in Jenkins: clients ask for depth=1 or a tree.
func (a *API) CredentialDomainObject(c *request.Call) (*export.Object, error) {
	if err := c.RequireCredentials(credstore.PermView); err != nil {
		return nil, err
	}
	return a.domainObject(c), nil
}

func (a *API) domainObject(c *request.Call) *export.Object {
	return newObject(credentials.DomainClass,
		lazyProp("credentials", func() any {
			list, err := a.creds.List(c.Ctx())
			if err != nil {
				c.Fail(err)
				return nil
			}
			out := make([]*export.Object, len(list))
			for i, p := range list {
				out[i] = a.credentialObject(c, p)
			}
			return out
		}),
		prop("description", credentials.GlobalDomainDescription),
		prop("displayName", credentials.GlobalDomainDisplayName),
		prop("fullDisplayName", credentials.GlobalDomainFullDisplayName),
		prop("fullName", credentials.GlobalDomainFullName),
		prop("global", true),
		prop("urlName", credstore.DomainGlobal),
	)
}

// CredentialObject is …/credential/ID/api/json (CredentialsWrapper):
// its names and, as Jenkins's credential fingerprint, the builds that
// used it. No secret, username or scope is in it.
func (a *API) CredentialObject(c *request.Call, id string) (*export.Object, error) {
	if err := c.RequireCredentials(credstore.PermView); err != nil {
		return nil, err
	}
	p, err := a.creds.Get(c.Ctx(), id)
	if err != nil {
		return nil, credRefused(err)
	}
	return a.credentialObject(c, p), nil
}

func (a *API) credentialObject(c *request.Call, p credstore.Public) *export.Object {
	s := p.Summary()
	return newObject(credentials.WrapperClass,
		prop("description", s.Description),
		prop("displayName", s.DisplayName),
		lazyProp("fingerprint", func() any {
			fp, err := a.creds.Fingerprint(c.Ctx(), p.ID)
			if errors.Is(err, credstore.ErrNotFound) {
				return nil // deleted meanwhile
			}
			if err != nil {
				c.Fail(err)
				return nil
			}
			return a.fingerprintObject(c, fp)
		}),
		prop("fullName", s.FullName),
		prop("id", s.ID),
		prop("typeName", s.TypeName),
	)
}

// fingerprintObject is a credential's usage as Jenkins's
// hudson.model.Fingerprint exports it, with its beans' visibilities
// (BuildPtr and RangeItem 2, RangeSet 3, Range 4): ?depth=1 on a
// credential shows the builds. A job the caller cannot see is left
// out, unless the caller administers jeeves (Fingerprint._getUsages).
func (a *API) fingerprintObject(c *request.Call, fp *credstore.Fingerprint) *export.Object {
	if fp == nil {
		return nil
	}
	admin := c.HasOn(nil, authz.Administer)
	usage := []*export.Object{}
	for _, u := range fp.Usage {
		if !admin {
			j, err := a.jobs.Get(u.Name)
			if err != nil || !c.CanSee(j) {
				continue
			}
		}
		ranges := make([]*export.Object, len(u.Ranges))
		for i, r := range u.Ranges {
			ranges[i] = newObject(fingerprintClass+"$Range", propVis("end", 4, r.End), propVis("start", 4, r.Start))
		}
		usage = append(usage, newObject(fingerprintClass+"$RangeItem",
			propVis("name", 2, u.Name),
			propVis("ranges", 2, newObject(fingerprintClass+"$RangeSet", propVis("ranges", 3, ranges))),
		))
	}
	return newObject(fingerprintClass,
		prop("fileName", fp.FileName),
		prop("hash", fp.Hash),
		prop("original", nil),
		prop("timestamp", fp.Timestamp),
		prop("usage", usage),
	)
}

// CreateCredentials is POST …/domain/_/createCredentials
// (DomainWrapper.doCreateCredentials): one credential's XML
// (application/xml or text/xml; also a body that starts with "<" sent
// with curl's default form type, which Jenkins would refuse) answers 200
// empty, or 409 if the id is taken, empty too as in Jenkins (the reason
// in X-Error); the UI's form (a json field, and a
// multipart part for a secret file) answers 302 to the domain, or, to a
// client that accepts JSON, Jenkins's 200 JSON message, MsgExists for a
// taken id. A credential that does not parse, or an SSH key that does
// not, is a 400 naming the problem.
func (a *API) CreateCredentials(c *request.Call, base string) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.RequireCredentials(credstore.PermCreate); err != nil {
		return err
	}
	ct := c.R.Header.Get("Content-Type")
	if ct == "" {
		return request.BadRequest("No Content-Type header set")
	}
	if xml, ok, err := xmlBody(c, ct); err != nil {
		return err
	} else if ok {
		_, err := a.creds.CreateXML(c.Ctx(), c.CredentialsActor(), xml)
		if errors.Is(err, credstore.ErrExists) {
			// Jenkins's 409 has no body, and clients (gojenkins) read a
			// body as JSON: the reason goes in X-Error only.
			c.W.Header().Set("X-Error", usererr.Message(err))
			c.W.WriteHeader(http.StatusConflict)
			return nil
		}
		if err != nil {
			return credRefused(err)
		}
		c.W.WriteHeader(http.StatusOK)
		return nil
	}
	jsonField, files, err := credentialForm(c)
	if err != nil {
		return err
	}
	p, err := a.creds.CreateForm(c.Ctx(), c.CredentialsActor(), []byte(jsonField), files)
	if wantsJSON(c) && errors.Is(err, credstore.ErrExists) {
		return jsonNotice(c, credentials.MsgExists, "ERROR", "")
	}
	if err != nil {
		return credRefused(err)
	}
	if wantsJSON(c) {
		return jsonNotice(c, credentials.MsgCreated, "SUCCESS", p.ID)
	}
	c.Notify("Created the credential ‘" + p.ID + "’")
	domain := request.CredentialsURL(c, base)
	return request.RedirectAfterPost(c, domain, domain+"api/json")
}

// xmlBody reads a body meant as XML: an XML media type, or curl's
// default form type with a body that starts with "<".
func xmlBody(c *request.Call, ct string) (body []byte, ok bool, err error) {
	switch {
	case strings.HasPrefix(ct, "application/xml"), strings.HasPrefix(ct, "text/xml"):
	case strings.HasPrefix(ct, "application/x-www-form-urlencoded"):
		if c.R.PostForm != nil {
			return nil, false, nil // parsed already (for its crumb): a form
		}
		body, err := request.ReadBody(c)
		if err != nil {
			return nil, false, err
		}
		if bytes.HasPrefix(bytes.TrimSpace(body), []byte("<")) {
			return body, true, nil
		}
		// A form after all: parse what was read.
		c.R.Body = http.NoBody
		form, perr := url.ParseQuery(string(body))
		if perr != nil {
			return nil, false, request.BadRequest("Malformed form: " + perr.Error())
		}
		c.R.PostForm, c.R.Form = form, form
		return nil, false, nil
	default:
		return nil, false, nil
	}
	if !request.IsXMLContentType(ct) {
		return nil, false, request.BadRequest("A credential's XML must be sent in UTF-8")
	}
	body, err = request.ReadBody(c)
	return body, err == nil, err
}

// credentialForm reads the form of the credentials UI (Jenkins's or
// jeeves's API clients): its json field, and the uploaded files it
// names, kept in memory.
func credentialForm(c *request.Call) (string, credentials.FileLookup, error) {
	if c.R.PostForm == nil {
		if err := request.ParseFormInMemory(c, request.MaxCredentialForm); err != nil {
			return "", nil, err
		}
	}
	raw := strings.TrimSpace(c.R.PostFormValue("json"))
	if raw == "" {
		return "", nil, request.BadRequest("Nothing is submitted: send the credential as a json form field, or as XML with Content-Type: application/xml")
	}
	return raw, request.UploadedFiles(c), nil
}

// CredentialConfigXML is …/credential/ID/config.xml
// (CredentialsWrapper.doConfigDotXml): GET answers the credential's XML
// with every secret as <secret-redacted/> (Credentials/View); POST
// replaces the credential (Credentials/Update), keeping each secret
// posted redacted, where Jenkins would store an empty one; DELETE
// removes it (Credentials/Delete). Any other method is a 400.
func (a *API) CredentialConfigXML(c *request.Call, id string) error {
	switch c.R.Method {
	case http.MethodGet, http.MethodHead:
		if err := c.RequireCredentials(credstore.PermView); err != nil {
			return err
		}
		xml, err := a.creds.ConfigXML(c.Ctx(), id)
		if err != nil {
			return credRefused(err)
		}
		c.W.Header().Set("Content-Type", "application/xml;charset=utf-8")
		c.W.WriteHeader(http.StatusOK)
		if c.R.Method == http.MethodHead {
			return nil
		}
		_, err = c.W.Write(xml)
		return err
	case http.MethodPost:
		if err := c.RequireCredentials(credstore.PermUpdate); err != nil {
			return err
		}
		if ct := c.R.Header.Get("Content-Type"); ct != "" && !request.IsXMLContentType(ct) && !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
			return request.BadRequest("config.xml must be sent as application/xml with charset UTF-8")
		}
		body, err := request.ReadBody(c)
		if err != nil {
			return err
		}
		if _, err := a.creds.UpdateXML(c.Ctx(), c.CredentialsActor(), id, body); err != nil {
			return credRefused(err)
		}
		c.W.WriteHeader(http.StatusOK)
		return nil
	case http.MethodDelete:
		if err := c.RequireCredentials(credstore.PermDelete); err != nil {
			return err
		}
		if err := a.creds.Delete(c.Ctx(), c.CredentialsActor(), id); err != nil {
			return credRefused(err)
		}
		c.W.WriteHeader(http.StatusOK)
		return nil
	}
	return request.BadRequest("A credential's config.xml takes GET, POST and DELETE")
}

// UpdateCredentialSubmit is POST …/credential/ID/updateSubmit
// (CredentialsWrapper.doUpdateSubmit): the UI's form, its json field the
// credential itself; a secret left blank is kept. It answers 302 to the
// credential, or MsgUpdated to a client that accepts JSON.
func (a *API) UpdateCredentialSubmit(c *request.Call, base, id string) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.RequireCredentials(credstore.PermUpdate); err != nil {
		return err
	}
	jsonField, files, err := credentialForm(c)
	if err != nil {
		return err
	}
	if _, err := a.creds.UpdateForm(c.Ctx(), c.CredentialsActor(), id, []byte(jsonField), files); err != nil {
		return credRefused(err)
	}
	if wantsJSON(c) {
		return jsonNotice(c, credentials.MsgUpdated, "SUCCESS", id)
	}
	c.Notify("Saved the credential ‘" + id + "’")
	self := request.CredentialURL(c, base, id)
	return request.RedirectAfterPost(c, self, self+"api/json")
}

// DeleteCredential is POST …/credential/ID/doDelete
// (CredentialsWrapper.doDoDelete): 302 to the domain, or MsgDeleted to a
// client that accepts JSON.
func (a *API) DeleteCredential(c *request.Call, base, id string) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.RequireCredentials(credstore.PermDelete); err != nil {
		return err
	}
	if err := a.creds.Delete(c.Ctx(), c.CredentialsActor(), id); err != nil {
		return credRefused(err)
	}
	if wantsJSON(c) {
		return jsonNotice(c, credentials.MsgDeleted, "SUCCESS", id)
	}
	c.Notify("Deleted the credential ‘" + id + "’")
	domain := request.CredentialsURL(c, base)
	return request.RedirectAfterPost(c, domain, domain+"api/json")
}

// MoveCredential is POST …/credential/ID/doMove?destination=…
// (CredentialsWrapper.doDoMove), which takes Credentials/Delete here and
// Credentials/Create where it goes: jeeves has one domain, so a move to
// it ("system/_") changes nothing and answers 302 to the credential, and
// any other destination is a 400.
func (a *API) MoveCredential(c *request.Call, base, id string) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	for _, perm := range []string{credstore.PermDelete, credstore.PermCreate} {
		if err := c.RequireCredentials(perm); err != nil {
			return err
		}
	}
	if err := a.creds.Move(c.Ctx(), c.CredentialsActor(), id, c.R.FormValue("destination")); err != nil {
		return credRefused(err)
	}
	self := request.CredentialURL(c, base, id)
	return request.RedirectAfterPost(c, self, self+"api/json")
}

// oneDomain is the refusal of every change to the store's domains.
const oneDomain = "jeeves's system store has one domain, " + credstore.DomainGlobal + " (Global), which cannot be changed, and no other"

// globalDomainXML is the global domain's config.xml as Jenkins writes it.
const globalDomainXML = "<com.cloudbees.plugins.credentials.domains.Domain plugin=\"credentials@1319.v7eb_51b_3a_c97b_\">\n  <specifications/>\n</com.cloudbees.plugins.credentials.domains.Domain>"

// CreateDomain is POST …/store/system/createDomain
// (CredentialsStoreAction.doCreateDomain, Credentials/ManageDomains):
// refused with a 400, as Jenkins refuses it in a store whose domains
// cannot be changed.
func (a *API) CreateDomain(c *request.Call) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.RequireCredentials(credstore.PermManageDomains); err != nil {
		return err
	}
	return request.BadRequest(oneDomain)
}

// DomainConfigXML is …/domain/_/config.xml (DomainWrapper.doConfigDotXml,
// Credentials/ManageDomains): GET answers the global domain's XML; POST
// is a 400 and DELETE a 409, as Jenkins answers for the global domain,
// which cannot be changed or removed.
func (a *API) DomainConfigXML(c *request.Call) error {
	if err := c.RequireCredentials(credstore.PermManageDomains); err != nil {
		return err
	}
	switch c.R.Method {
	case http.MethodGet, http.MethodHead:
		c.W.Header().Set("Content-Type", "application/xml;charset=utf-8")
		c.W.WriteHeader(http.StatusOK)
		if c.R.Method == http.MethodHead {
			return nil
		}
		_, err := c.W.Write([]byte(globalDomainXML))
		return err
	case http.MethodDelete:
		return request.Conflict(oneDomain)
	}
	return request.BadRequest(oneDomain)
}
