package server_test

import "testing"

// The credentials pages' forms in TestEveryUIFormPOSTAnswersSeeOther:
// each success says what it did.
func init() {
	uiPOSTRoutes = append(uiPOSTRoutes, []struct {
		route, referer, body string
		setup                func(t *testing.T, rs *routeStack, path string)
		held                 string
		notice               string
		status               int
	}{
		{route: "credentials/store/system/domain/_/newCredentials", referer: "credentials/store/system/domain/_/newCredentials?kind=string",
			body: "kind=string&scope=GLOBAL&id=prg-secret&secret=s3cret-value", notice: "Created the credential ‘prg-secret’"},
		{route: "credentials/store/system/domain/_/credential/{cred}/update", referer: "credentials/store/system/domain/_/credential/{cred}/update",
			body: "scope=GLOBAL&description=changed", notice: "Saved the credential ‘"},
		{route: "credentials/store/system/domain/_/credential/{cred}/doDelete", referer: "credentials/store/system/domain/_/credential/{cred}/delete",
			notice: "Deleted the credential ‘"},
	}...)
}
