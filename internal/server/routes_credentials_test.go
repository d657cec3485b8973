package server_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/credentials"
	"github.com/jeeves-ci/jeeves/internal/credstore"
)

// The credentials routes' part of the route tests: their fixture (a
// secret text credential per request, {cred}), the bodies their POSTs
// send, and their effects, read back from the credentials service.

// credentialFixtures fills in {cred} with a fresh credential.
func (rs *routeStack) credentialFixtures(t *testing.T, path string, n int, repl map[string]string) {
	t.Helper()
	if !strings.Contains(path, "{cred}") {
		return
	}
	repl["{cred}"] = fmt.Sprintf("cred-%d", n)
	if _, err := rs.app.Creds.CreateXML(context.Background(), credstore.Actor{User: "admin"}, []byte(secretTextXML(repl["{cred}"], "fixture", "fixture-secret"))); err != nil {
		t.Fatal(err)
	}
}

// secretTextXML is a secret text credential's XML.
func secretTextXML(id, description, secret string) string {
	return `<` + credentials.ClassSecretText + `><scope>GLOBAL</scope><id>` + id + `</id><description>` + description +
		`</description><secret>` + secret + `</secret></` + credentials.ClassSecretText + `>`
}

// credentialBody is what a POST to a credentials route sends; ok false
// for other routes.
func (rs *routeStack) credentialBody(path string) (string, bool) {
	if !strings.Contains(path, "credentials/") {
		return "", false
	}
	switch {
	case strings.HasSuffix(path, "/createCredentials"):
		return secretTextXML(rs.fx["{fresh}"], "created", "posted-secret"), true
	case strings.Contains(path, "/credential/") && strings.HasSuffix(path, "/config.xml"):
		return `<` + credentials.ClassSecretText + `><id>` + rs.fx["{cred}"] + `</id><description>posted</description><secret><secret-redacted/></secret></` + credentials.ClassSecretText + `>`, true
	case strings.HasSuffix(path, "/updateSubmit"):
		return "json=" + url.QueryEscape(`{"$class":"`+credentials.ClassSecretText+`","id":"`+rs.fx["{cred}"]+`","description":"new description","secret":""}`), true
	case strings.HasSuffix(path, "/newCredentials"):
		return "kind=string&scope=GLOBAL&id=" + rs.fx["{fresh}"] + "&secret=typed-secret&description=typed", true
	case strings.HasSuffix(path, "/update"):
		return "scope=GLOBAL&description=new+description", true
	}
	return "", true
}

// credentialDescribed: the credential {cred} (or name) has the description.
func credentialDescribed(name, description string) func(*testing.T, *routeStack, map[string]string, rawResp) bool {
	return func(t *testing.T, rs *routeStack, fx map[string]string, _ rawResp) bool {
		p, err := rs.app.Creds.Get(context.Background(), fill(name, fx))
		return err == nil && p.Description == description
	}
}

func credentialExists(name string) func(*testing.T, *routeStack, map[string]string, rawResp) bool {
	return func(t *testing.T, rs *routeStack, fx map[string]string, _ rawResp) bool {
		_, err := rs.app.Creds.Get(context.Background(), fill(name, fx))
		return err == nil
	}
}

// refusedOneDomain: jeeves's store has one domain, which cannot change;
// what an allowed request does is be told so.
func refusedOneDomain(t *testing.T, rs *routeStack, fx map[string]string, res rawResp) bool {
	return res.status == 400 && strings.Contains(res.body, "one domain")
}

func init() {
	for path, e := range map[string]routeEffect{
		"credentials/store/system/createDomain":                                           {done: refusedOneDomain},
		"credentials/store/system/domain/_/config.xml":                                    {done: refusedOneDomain},
		"credentials/store/system/domain/_/createCredentials":                             {done: credentialExists("{fresh}")},
		"manage/credentials/store/system/domain/_/createCredentials":                      {done: credentialExists("{fresh}")},
		"credentials/store/system/domain/_/credential/{cred}/config.xml":                  {done: credentialDescribed("{cred}", "posted")},
		"DELETE credentials/store/system/domain/_/credential/{cred}/config.xml":           {done: not(credentialExists("{cred}"))},
		"credentials/store/system/domain/_/credential/{cred}/updateSubmit":                {done: credentialDescribed("{cred}", "new description")},
		"credentials/store/system/domain/_/credential/{cred}/doDelete":                    {done: not(credentialExists("{cred}"))},
		"manage/credentials/store/system/domain/_/credentials/{cred}/doDelete":            {done: not(credentialExists("{cred}"))},
		"credentials/store/system/domain/_/credential/{cred}/doMove?destination=system/_": {done: redirectsTo("credentials/store/system/domain/_/credential/{cred}/api/json")},
		"credentials/store/system/domain/_/newCredentials":                                {done: credentialDescribed("{fresh}", "typed")},
		"credentials/store/system/domain/_/credential/{cred}/update":                      {done: credentialDescribed("{cred}", "new description")},
	} {
		routeEffects[path] = e
	}
}
