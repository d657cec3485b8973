package credentials_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/credentials"
	"github.com/jeeves-ci/jeeves/internal/secret"
)

// The life of a credential behind the REST API: created from
// createCredentials' XML, kept sealed, listed, fetched as redacted
// config.xml, and updated by posting that XML back with a new
// description.
func Example() {
	dir, _ := os.MkdirTemp("", "jeeves-example")
	defer os.RemoveAll(dir)
	ring, _ := secret.Open(dir) // HOME/secrets

	// POST …/domain/_/createCredentials (Content-Type: application/xml)
	body := `<com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>
  <scope>GLOBAL</scope>
  <id>deploy-key</id>
  <username>wecoyote</username>
  <password>secret123</password>
  <usernameSecret>false</usernameSecret>
</com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>`
	c, err := credentials.ParseXML([]byte(body))
	if err == nil {
		c, err = credentials.Merge(nil, c) // nothing stored yet
	}
	if err != nil {
		fmt.Println(400, err) // errors.Is(err, credentials.ErrInvalid)
		return
	}
	row, _ := c.Seal(ring, credentials.GlobalDomainFullName) // the store keeps row

	// GET …/domain/_/api/json?depth=1
	js, _ := json.Marshal(c.Summary(credentials.GlobalDomainFullName))
	fmt.Println(string(js))

	// GET …/credential/deploy-key/config.xml
	stored, _ := row.Open(ring, credentials.GlobalDomainFullName)
	xml := credentials.RenderXML(stored)
	fmt.Println(strings.Contains(string(xml), "<secret-redacted/>"), strings.Contains(string(xml), "secret123"))

	// POST …/credential/deploy-key/config.xml with a new description
	edited := strings.Replace(string(xml), "<description></description>", "<description>prod</description>", 1)
	posted, _ := credentials.ParseXML([]byte(edited))
	updated, err := credentials.Merge(stored, posted)
	fmt.Println(err, updated.Description, updated.Password.Reveal())

	// Output:
	// {"Description":"","DisplayName":"wecoyote/******","Fingerprint":null,"FullName":"system/_/deploy-key","ID":"deploy-key","TypeName":"Username with password"}
	// true false
	// <nil> prod secret123
}
