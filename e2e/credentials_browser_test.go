package e2e

import (
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserCredentials walks the credentials UI in chromium: Manage →
// Credentials, add a secret text, bind it in the job's Configure form,
// build and see **** in the console, the credential's page listing the
// build, then delete it after the confirmation. Each step leaves a
// screenshot.
func TestBrowserCredentials(t *testing.T) {
	j := start(t, "", nil)
	ctx := browser(t)
	const secret = "br0wser-s3cret-value"
	run(t, ctx, "credentials-login",
		chromedp.Navigate(j.url+"login"),
		chromedp.WaitVisible(chromedp.CSS("#j_username")),
		chromedp.SendKeys(chromedp.CSS("#j_username"), "admin"),
		chromedp.SendKeys(chromedp.CSS("#j_password"), adminPassword),
		click("#sign-in"),
		chromedp.WaitVisible(chromedp.CSS("#user-menu")),
	)
	t.Run("Manage → Credentials → Add Credentials makes a secret text", func(t *testing.T) {
		run(t, ctx, "credentials-add",
			chromedp.Navigate(j.url+"manage/"),
			click("#manage-credentials"),
			chromedp.WaitVisible(chromedp.CSS("#no-credentials")),
			click("#add-credentials"),
			chromedp.WaitVisible(chromedp.CSS("#credential-kinds")),
			click("#kind-string"),
			chromedp.WaitVisible(chromedp.CSS("#secret")),
			chromedp.SendKeys(chromedp.CSS("#id"), "browser-token"),
			chromedp.SendKeys(chromedp.CSS("#secret"), secret),
			chromedp.SendKeys(chromedp.CSS("#description"), "typed in the browser"),
		)
		run(t, ctx, "credentials-created",
			click("#save-credential"),
			chromedp.WaitVisible(chromedp.CSS("#credential-title")),
		)
		if id := get(t, ctx, text("#credential-id")); id != "browser-token" {
			t.Fatalf("the page shows id %q", id)
		}
		run(t, ctx, "credentials-list",
			chromedp.Navigate(j.url+"manage/credentials/"),
			chromedp.WaitVisible(chromedp.CSS(`tr[data-credential-id="browser-token"]`)),
		)
		if row := get(t, ctx, text(`tr[data-credential-id="browser-token"]`)); !strings.Contains(row, "Secret text") || !strings.Contains(row, "typed in the browser") {
			t.Errorf("the list's row: %q", row)
		}
	})
	t.Run("the update form shows no secret, and Save with it blank keeps it", func(t *testing.T) {
		run(t, ctx, "credentials-update",
			chromedp.Navigate(j.url+"credentials/store/system/domain/_/credential/browser-token/update"),
			chromedp.WaitVisible(chromedp.CSS("#blank-unchanged")),
		)
		if v := get(t, ctx, chromedp.Evaluate[string](`document.getElementById("secret").value`)); v != "" {
			t.Fatalf("the secret field holds %q", v)
		}
		if html := get(t, ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`)); strings.Contains(html, secret) {
			t.Fatal("the update page holds the secret")
		}
		run(t, ctx, "credentials-updated",
			chromedp.SetValue(chromedp.CSS("#description"), "still the same secret"),
			click("#save-credential"),
			waitText("#credential-facts", "still the same secret"),
		)
	})
	t.Run("Configure binds it, and the build's console shows ****", func(t *testing.T) {
		j.createJob(t, "uses-secret", shellJob(`echo "the token is $TOKEN"`))
		run(t, ctx, "credentials-configure",
			chromedp.Navigate(j.url+"job/uses-secret/configure"),
			chromedp.WaitVisible(chromedp.CSS("#bindings")),
			chromedp.SetValue(chromedp.CSS(`#binding-rows fieldset:last-of-type select[name="binding.credentialsId"]`), "browser-token"),
			chromedp.SendKeys(chromedp.CSS(`#binding-rows fieldset:last-of-type input[name="binding.variable"]`), "TOKEN"),
		)
		run(t, ctx, "credentials-configured",
			click("#save"),
			chromedp.WaitVisible(chromedp.CSS("#build-now")),
		)
		xml := j.must(t, 200, req{path: "job/uses-secret/config.xml", user: "admin", secret: adminPassword}).body
		if !strings.Contains(xml, "<credentialsId>browser-token</credentialsId>") || !strings.Contains(xml, "<variable>TOKEN</variable>") {
			t.Fatalf("config.xml:\n%s", xml)
		}
		run(t, ctx, "credentials-build",
			click("#build-now"),
			chromedp.WaitVisible(chromedp.CSS(`#history a[href$="/1/"]`)),
			chromedp.Navigate(j.url+"job/uses-secret/1/console"),
			waitText("#console", "Finished: SUCCESS"),
		)
		console := get(t, ctx, text("#console"))
		if !strings.Contains(console, "the token is ****") || strings.Contains(console, secret) {
			t.Fatalf("console:\n%s", console)
		}
	})
	t.Run("the credential's page lists the build that used it", func(t *testing.T) {
		run(t, ctx, "credentials-uses",
			chromedp.Navigate(j.url+"manage/credentials/store/system/domain/_/credential/browser-token/"),
			chromedp.WaitVisible(chromedp.CSS("#use-list")),
		)
		if uses := get(t, ctx, text("#use-list")); !strings.Contains(uses, "uses-secret") || !strings.Contains(uses, "#1") {
			t.Fatalf("uses: %q", uses)
		}
	})
	t.Run("every control has a label, and the pages fit a phone's width", func(t *testing.T) {
		unlabelled := `[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]` +
			`.filter(e => e.labels.length === 0 && !e.getAttribute('aria-label')).map(e => e.outerHTML).join('\n')`
		for _, p := range []string{"manage/credentials/", "credentials/store/system/domain/_/newCredentials?kind=sshUserPrivateKey",
			"credentials/store/system/domain/_/newCredentials?kind=file", "credentials/store/system/domain/_/credential/browser-token/",
			"job/uses-secret/configure"} {
			for _, width := range []int64{1280, 375} {
				run(t, ctx, fmt.Sprintf("credentials-page-%d-%s", width, strings.NewReplacer("/", "_", "?", "_").Replace(p)),
					chromedp.EmulateViewport(width, 800),
					chromedp.Navigate(j.url+p),
					chromedp.WaitVisible(chromedp.CSS("main")),
				)
				if bad := get(t, ctx, chromedp.Evaluate[string](unlabelled)); bad != "" {
					t.Errorf("/%s: controls without a label:\n%s", p, bad)
				}
				if over := get(t, ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`)); over {
					t.Errorf("/%s is wider than a %d px screen", p, width)
				}
			}
		}
		run(t, ctx, "credentials-viewport-reset", chromedp.EmulateViewport(1280, 900))
	})
	t.Run("Delete asks for confirmation, then removes it", func(t *testing.T) {
		run(t, ctx, "credentials-delete-confirm",
			chromedp.Navigate(j.url+"manage/credentials/store/system/domain/_/credential/browser-token/"),
			click("#delete-credential"),
			chromedp.WaitVisible(chromedp.CSS("#confirm")),
		)
		if msg := get(t, ctx, text("main")); !strings.Contains(msg, "Delete the credential") || !strings.Contains(msg, "browser-token") {
			t.Fatalf("confirmation: %q", msg)
		}
		// Still there until confirmed.
		j.must(t, 200, req{path: "credentials/store/system/domain/_/credential/browser-token/api/json", user: "admin", secret: adminPassword})
		run(t, ctx, "credentials-deleted",
			click("#confirm"),
			chromedp.WaitVisible(chromedp.CSS("#no-credentials")),
		)
		j.must(t, 404, req{path: "credentials/store/system/domain/_/credential/browser-token/api/json", user: "admin", secret: adminPassword})
	})
	t.Run("the home holds no secret", func(t *testing.T) {
		j.stop()
		grepTree(t, j.home, []string{secret})
	})
}

// TestBrowserCredentialKinds adds, through Manage → Credentials, a
// username with password and an SSH username with private key (an
// OpenSSH key with a passphrase), updates both leaving their secrets
// blank, and shows by a build that binds them (printing only hashes of
// the values) that the secrets are unchanged; then deletes one after
// the confirmation. The list and the SSH form are also shown at a
// phone's width.
func TestBrowserCredentialKinds(t *testing.T) {
	j := start(t, "", nil)
	ctx := browser(t)
	const (
		password   = "br0wser-pa55-w0rd-8812"
		passphrase = "br0wser key passphrase"
	)
	key := newKey(t, passphrase)
	secrets := []string{password, passphrase, key}
	run(t, ctx, "kinds-login",
		chromedp.Navigate(j.url+"login"),
		chromedp.WaitVisible(chromedp.CSS("#j_username")),
		chromedp.SendKeys(chromedp.CSS("#j_username"), "admin"),
		chromedp.SendKeys(chromedp.CSS("#j_password"), adminPassword),
		click("#sign-in"),
		chromedp.WaitVisible(chromedp.CSS("#user-menu")),
	)
	noOverflow := func(t *testing.T, what string) {
		t.Helper()
		if over := get(t, ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`)); over {
			t.Errorf("%s is wider than the screen", what)
		}
	}
	t.Run("Manage → Credentials → Add makes a username with password", func(t *testing.T) {
		run(t, ctx, "kinds-add-userpass",
			chromedp.Navigate(j.url+"manage/"),
			click("#manage-credentials"),
			chromedp.WaitVisible(chromedp.CSS("#no-credentials")),
			click("#add-credentials"),
			chromedp.WaitVisible(chromedp.CSS("#credential-kinds")),
			click("#kind-usernamePassword"),
			chromedp.WaitVisible(chromedp.CSS("#password")),
			chromedp.SendKeys(chromedp.CSS("#username"), "deployer"),
			chromedp.SendKeys(chromedp.CSS("#password"), password),
			chromedp.SendKeys(chromedp.CSS("#id"), "br-userpass"),
			chromedp.SendKeys(chromedp.CSS("#description"), "user typed in the browser"),
		)
		run(t, ctx, "kinds-userpass-created",
			click("#save-credential"),
			chromedp.WaitVisible(chromedp.CSS("#credential-title")),
		)
		if id := get(t, ctx, text("#credential-id")); id != "br-userpass" {
			t.Fatalf("the page shows id %q", id)
		}
	})
	t.Run("Add makes an SSH username with private key, its form fitting a phone", func(t *testing.T) {
		run(t, ctx, "kinds-add-ssh-390",
			chromedp.EmulateViewport(390, 844),
			chromedp.Navigate(j.url+"manage/credentials/"),
			click("#add-credentials"),
			chromedp.WaitVisible(chromedp.CSS("#credential-kinds")),
			click("#kind-sshUserPrivateKey"),
			chromedp.WaitVisible(chromedp.CSS("#privateKey")),
			chromedp.SendKeys(chromedp.CSS("#username"), "git"),
			chromedp.SetValue(chromedp.CSS("#privateKey"), key),
			chromedp.SendKeys(chromedp.CSS("#passphrase"), passphrase),
			chromedp.SendKeys(chromedp.CSS("#id"), "br-ssh"),
			chromedp.SendKeys(chromedp.CSS("#description"), "key pasted in the browser"),
		)
		noOverflow(t, "the SSH key form at 390 px")
		run(t, ctx, "kinds-ssh-created",
			click("#save-credential"),
			chromedp.WaitVisible(chromedp.CSS("#credential-title")),
		)
		if id := get(t, ctx, text("#credential-id")); id != "br-ssh" {
			t.Fatalf("the page shows id %q", id)
		}
	})
	t.Run("the list shows both, and fits a phone", func(t *testing.T) {
		run(t, ctx, "kinds-list-390",
			chromedp.Navigate(j.url+"manage/credentials/"),
			chromedp.WaitVisible(chromedp.CSS(`tr[data-credential-id="br-ssh"]`)),
		)
		noOverflow(t, "the list at 390 px")
		for id, kind := range map[string]string{"br-userpass": "Username with password", "br-ssh": "SSH Username with private key"} {
			if row := get(t, ctx, text(`tr[data-credential-id="`+id+`"]`)); !strings.Contains(row, kind) {
				t.Errorf("the row of %s: %q", id, row)
			}
		}
		run(t, ctx, "kinds-viewport-reset", chromedp.EmulateViewport(1280, 900))
	})
	for _, c := range []struct{ id, fields string }{
		{"br-userpass", "#password"},
		{"br-ssh", "#privateKey, #passphrase"},
	} {
		t.Run("Update on "+c.id+" shows no secret, and Save with it blank keeps it", func(t *testing.T) {
			run(t, ctx, "kinds-update-"+c.id,
				chromedp.Navigate(j.url+"manage/credentials/store/system/domain/_/credential/"+c.id+"/"),
				click("#update-credential"),
				chromedp.WaitVisible(chromedp.CSS("#blank-unchanged")),
			)
			values := get(t, ctx, chromedp.Evaluate[string](`[...document.querySelectorAll(`+strconv.Quote(c.fields)+`)].map(e => e.value).join("")`))
			if values != "" {
				t.Fatalf("the secret fields hold %d bytes", len(values))
			}
			if html := get(t, ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`)); len(leaks([]byte(html), secrets)) > 0 {
				t.Fatal("the update page holds a secret")
			}
			run(t, ctx, "kinds-updated-"+c.id,
				chromedp.SetValue(chromedp.CSS("#description"), "updated with the secret left blank"),
				click("#save-credential"),
				waitText("#credential-facts", "updated with the secret left blank"),
			)
		})
	}
	t.Run("a build binding both gets the unchanged secrets", func(t *testing.T) {
		script := `printf %s "$P" | sha256sum
sha256sum < "$KEY"
printf %s "$PASS" | sha256sum
[ "$U" = deployer ] && [ "$SSH_USER" = git ] && echo "the users are right"
ssh-keygen -y -P "$PASS" -f "$KEY" >/dev/null && echo "the key opens with its passphrase"`
		j.createJob(t, "binds-both", boundJob(script,
			`<org.jenkinsci.plugins.credentialsbinding.impl.UsernamePasswordMultiBinding><credentialsId>br-userpass</credentialsId>`+
				`<usernameVariable>U</usernameVariable><passwordVariable>P</passwordVariable></org.jenkinsci.plugins.credentialsbinding.impl.UsernamePasswordMultiBinding>`+
				`<org.jenkinsci.plugins.credentialsbinding.impl.SSHUserPrivateKeyBinding><credentialsId>br-ssh</credentialsId><keyFileVariable>KEY</keyFileVariable>`+
				`<usernameVariable>SSH_USER</usernameVariable><passphraseVariable>PASS</passphraseVariable></org.jenkinsci.plugins.credentialsbinding.impl.SSHUserPrivateKeyBinding>`))
		b := j.waitBuild(t, j.trigger(t, "binds-both"))
		log := j.must(t, 200, req{path: fmt.Sprintf("job/binds-both/%d/consoleText", b.Number), user: "admin", secret: adminPassword}).body
		// The key file is each key followed by an empty line, as the
		// credentials-binding plugin's SSHUserPrivateKeyBinding writes it.
		want := []string{sha256Hex(password), sha256Hex(key + "\n"), sha256Hex(passphrase), "the users are right", "Finished: SUCCESS"}
		if _, err := exec.LookPath("ssh-keygen"); err == nil {
			want = append(want, "the key opens with its passphrase")
		}
		for _, w := range want {
			if !strings.Contains(log, w) {
				t.Errorf("the console lacks %q:\n%s", w, log)
			}
		}
		if len(leaks([]byte(log), secrets)) > 0 {
			t.Errorf("the console holds a secret:\n%s", log)
		}
	})
	t.Run("Delete asks for confirmation, then removes it", func(t *testing.T) {
		run(t, ctx, "kinds-delete-confirm",
			chromedp.Navigate(j.url+"manage/credentials/store/system/domain/_/credential/br-userpass/"),
			click("#delete-credential"),
			chromedp.WaitVisible(chromedp.CSS("#confirm")),
		)
		if msg := get(t, ctx, text("main")); !strings.Contains(msg, "Delete the credential") || !strings.Contains(msg, "br-userpass") {
			t.Fatalf("confirmation: %q", msg)
		}
		j.must(t, 200, req{path: "credentials/store/system/domain/_/credential/br-userpass/api/json", user: "admin", secret: adminPassword})
		run(t, ctx, "kinds-deleted",
			click("#confirm"),
			chromedp.WaitVisible(chromedp.CSS(`tr[data-credential-id="br-ssh"]`)),
		)
		j.must(t, 404, req{path: "credentials/store/system/domain/_/credential/br-userpass/api/json", user: "admin", secret: adminPassword})
	})
	t.Run("the home holds no secret", func(t *testing.T) {
		j.stop()
		grepTree(t, j.home, secrets)
	})
}
