package webui

import (
	"github.com/jeeves-ci/jeeves/internal/credentials"
	"github.com/jeeves-ci/jeeves/internal/credstore"
)

// The credentials pages' cases of TestEveryPageRendersWhatItIsGiven.
func init() {
	pageCases = append(pageCases, []struct {
		name string
		p    any
		want []string
	}{
		{"credentials", map[string]any{
			"Rows": []credentialRow{{ID: "deploy", Name: "deployer/****** (" + hostile + ")", Type: "Username with password", Scope: "GLOBAL",
				Description: hostile, URL: "/credentials/store/system/domain/_/credential/deploy/"}},
			"New": "/credentials/store/system/domain/_/newCredentials", "CanCreate": true, "CanUpdate": true, "CanDelete": true,
			"API": "/credentials/store/system/domain/_/api/json?depth=1",
		}, []string{
			`id="add-credentials" href="/credentials/store/system/domain/_/newCredentials"`, `data-credential-id="deploy"`,
			`<td>deployer/****** (` + escaped + `)</td>`, `href="/credentials/store/system/domain/_/credential/deploy/update"`,
			`href="/credentials/store/system/domain/_/credential/deploy/delete"`, `<td class="description">` + escaped + `</td>`,
		}},
		{"credential", map[string]any{
			"C":    credstore.Public{ID: "deploy", Scope: credentials.ScopeGlobal, Kind: credentials.KindUsernamePassword, Username: "u" + hostile, Description: hostile},
			"Name": "n" + hostile, "Type": "Username with password", "URL": "/credentials/store/system/domain/_/credential/deploy/",
			"Uses":   []credentialUse{{Job: "j" + hostile, JobURL: "/job/j/", Number: 3, BuildURL: "/job/j/3/", When: "2026-01-02 03:04:05"}, {Job: "gone", Number: 1}},
			"Hidden": 2, "CanUpdate": true, "CanDelete": true, "Keep": 100,
		}, []string{
			`<h1 id="credential-title">n` + escaped + `</h1>`, `<dd id="credential-id">deploy</dd>`, `<dd>u` + escaped + `</dd>`,
			`<a href="/job/j/">j` + escaped + `</a>`, `<a href="/job/j/3/">#3</a>`, `gone (deleted)`, `2 more in jobs you cannot see`,
			`id="update-credential" href="/credentials/store/system/domain/_/credential/deploy/update"`,
		}},
		{"credential-form", map[string]any{
			"Form": credentialForm{Kind: credentials.KindSSHKey, TypeName: "SSH Username with private key", Scope: "SYSTEM", ID: "k" + hostile,
				Description: "d" + hostile, Username: "git" + hostile, UsernameSecret: true, Error: "bad " + hostile,
				Action: "/credentials/store/system/domain/_/newCredentials", Crumb: "crumb-1"},
			"Kinds": []kindChoice{{Kind: credentials.KindSSHKey, Name: "SSH Username with private key", URL: "/x?kind=sshUserPrivateKey", Selected: true}},
			"Back":  "/credentials/",
		}, []string{
			`id="form-error">bad ` + escaped, `action="/credentials/store/system/domain/_/newCredentials?Jenkins-Crumb=crumb-1"`,
			`enctype="multipart/form-data"`, `name="kind" value="sshUserPrivateKey"`, `<option value="SYSTEM" selected>`,
			`id="username" name="username" value="git` + escaped + `"`, `id="usernameSecret" name="usernameSecret" value="true" checked`,
			`id="privateKey" name="privateKey"`, `id="passphrase" name="passphrase" type="password"`, `id="id" name="id" value="k` + escaped + `"`,
			`aria-current="page"`,
		}},
	}...)
}
