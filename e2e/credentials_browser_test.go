package e2e

import (
	"fmt"
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
