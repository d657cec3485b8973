package server

import (
	"github.com/jeeves-ci/jeeves/internal/credstore"
	"github.com/jeeves-ci/jeeves/internal/request"
)

// walkCredentials serves /credentials/… and /manage/credentials/…
// (ViewCredentialsAction): the system store, its global domain and its
// credentials, for the API (internal/api/credentials.go) and the web UI.
// base is the prefix walked ("credentials/" or "manage/credentials/"),
// which links and redirects keep. Nothing is looked up on the way: each
// handler checks its permission first, so a caller without it cannot
// learn which credential ids exist.
func (s *Server) walkCredentials(c *request.Call, base string, p []string) error {
	if len(p) == 0 {
		return s.ui.CredentialsPage(c, base)
	}
	switch p[0] {
	case "api":
		obj, err := s.api.CredentialsObject(c)
		if err != nil {
			return err
		}
		return s.serveAPI(c, p, "viewCredentialsAction", obj)
	case "store":
		if len(p) < 2 || p[1] != credstore.StoreSystem {
			return request.NotFound()
		}
		return s.walkCredentialStore(c, base, p[2:])
	}
	return request.NotFound()
}

// walkCredentialStore serves …/store/system/… (the system store's
// CredentialsStoreAction).
func (s *Server) walkCredentialStore(c *request.Call, base string, p []string) error {
	if len(p) == 0 {
		return s.ui.CredentialsPage(c, base)
	}
	if ok, err := dispatch(s, c, rootObj{}, p, walkCredentialStoreMethods); ok {
		return err
	}
	switch p[0] {
	case "api":
		obj, err := s.api.CredentialStoreObject(c)
		if err != nil {
			return err
		}
		return s.serveAPI(c, p, "userFacingAction", obj)
	case "domain":
		if len(p) < 2 || p[1] != credstore.DomainGlobal {
			return request.NotFound()
		}
		return s.walkCredentialDomain(c, base, p[2:])
	}
	return request.NotFound()
}

// walkCredentialStoreMethods are the store's web methods.
func walkCredentialStoreMethods(name string) webMethod[rootObj] {
	switch name {
	case "createDomain":
		return func(s *Server, c *request.Call, _ rootObj) error { return s.api.CreateDomain(c) }
	}
	return nil
}

// walkCredentialDomain serves …/domain/_/… (DomainWrapper): its API,
// createCredentials, its config.xml, the New Credentials page, and each
// credential as credential/ID or credentials/ID (Stapler walks both).
func (s *Server) walkCredentialDomain(c *request.Call, base string, p []string) error {
	if len(p) == 0 {
		return s.ui.CredentialsPage(c, base)
	}
	if ok, err := dispatch(s, c, base, p, walkCredentialDomainMethods); ok {
		return err
	}
	switch p[0] {
	case "api":
		obj, err := s.api.CredentialDomainObject(c)
		if err != nil {
			return err
		}
		return s.serveAPI(c, p, "domainWrapper", obj)
	case "newCredentials":
		return s.ui.NewCredentials(c, base)
	case "credential", "credentials":
		if len(p) < 2 {
			return request.NotFound()
		}
		return s.walkCredential(c, credentialAt{base, p[1]}, p[2:])
	}
	return request.NotFound()
}

// walkCredentialDomainMethods are the domain's web methods.
func walkCredentialDomainMethods(name string) webMethod[string] {
	switch name {
	case "createCredentials":
		return func(s *Server, c *request.Call, base string) error { return s.api.CreateCredentials(c, base) }
	case "config.xml":
		return func(s *Server, c *request.Call, _ string) error { return s.api.DomainConfigXML(c) }
	}
	return nil
}

// credentialAt is a credential as the walk reached it: the prefix walked
// and its id, not yet looked up.
type credentialAt struct{ base, id string }

// walkCredential serves …/credential/ID/… (CredentialsWrapper): its
// page, API, config.xml, the update and delete pages, and its web
// methods.
func (s *Server) walkCredential(c *request.Call, at credentialAt, p []string) error {
	if len(p) == 0 {
		return s.ui.CredentialPage(c, at.base, at.id)
	}
	if ok, err := dispatch(s, c, at, p, walkCredentialMethods); ok {
		return err
	}
	switch p[0] {
	case "api":
		obj, err := s.api.CredentialObject(c, at.id)
		if err != nil {
			return err
		}
		return s.serveAPI(c, p, "credentialsWrapper", obj)
	case "update":
		return s.ui.UpdateCredential(c, at.base, at.id)
	case "delete":
		return s.ui.DeleteCredentialPage(c, at.base, at.id)
	}
	return request.NotFound()
}

// walkCredentialMethods are a credential's web methods.
func walkCredentialMethods(name string) webMethod[credentialAt] {
	switch name {
	case "config.xml":
		return func(s *Server, c *request.Call, at credentialAt) error { return s.api.CredentialConfigXML(c, at.id) }
	case "updateSubmit":
		return func(s *Server, c *request.Call, at credentialAt) error {
			return s.api.UpdateCredentialSubmit(c, at.base, at.id)
		}
	case "doDelete":
		return func(s *Server, c *request.Call, at credentialAt) error {
			return s.api.DeleteCredential(c, at.base, at.id)
		}
	case "doMove":
		return func(s *Server, c *request.Call, at credentialAt) error {
			return s.api.MoveCredential(c, at.base, at.id)
		}
	}
	return nil
}
