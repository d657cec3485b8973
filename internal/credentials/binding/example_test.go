package binding_test

import (
	"bytes"
	"fmt"
	"io"

	"github.com/jeeves-ci/jeeves/internal/credentials"
	"github.com/jeeves-ci/jeeves/internal/credentials/binding"
	"github.com/jeeves-ci/jeeves/internal/mask"
)

// What an executor does for a freestyle job with a SecretBuildWrapper.
func Example() {
	wrapper := `<org.jenkinsci.plugins.credentialsbinding.impl.SecretBuildWrapper>
  <bindings>
    <org.jenkinsci.plugins.credentialsbinding.impl.StringBinding>
      <credentialsId>gh-token</credentialsId>
      <variable>GH_TOKEN</variable>
    </org.jenkinsci.plugins.credentialsbinding.impl.StringBinding>
  </bindings>
</org.jenkinsci.plugins.credentialsbinding.impl.SecretBuildWrapper>`
	bindings, err := binding.Parse([]byte(wrapper)) // at config.xml save: a 400 if err
	if err != nil {
		fmt.Println(err)
		return
	}
	lookup := func(id string) (*credentials.Credential, error) {
		if id == "gh-token" {
			return &credentials.Credential{ID: id, Scope: credentials.ScopeGlobal, Kind: credentials.KindSecretText, Secret: "ghp_s3cret"}, nil
		}
		return nil, nil
	}
	plan, err := binding.Bind(bindings, binding.Dir("/var/jeeves/workspace/app", "jenkins-app-7"), lookup)
	if err != nil {
		fmt.Println("ERROR:", err) // in the console; the build fails
		return
	}
	// Write plan.Files (none here) into plan.Dir (0700), remove it at the end.
	fmt.Println(plan.Env, plan.Sensitive)

	var console bytes.Buffer
	log := mask.NewMasker(&console, plan.Secrets)
	io.WriteString(log, "+ curl -H 'Authorization: token ghp_s3cret' https://api.github.com\n")
	log.Close()
	fmt.Print(console.String())
	// Output:
	// [GH_TOKEN=ghp_s3cret] [GH_TOKEN]
	// + curl -H 'Authorization: token ****' https://api.github.com
}
