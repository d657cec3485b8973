package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserReloadAfterPOST reloads the page after a form's POST in a
// real browser, as people do: after Generate on the Security page the
// reload shows no token value and makes no second token; after a form
// refused as invalid the reload posts nothing again.
func TestBrowserReloadAfterPOST(t *testing.T) {
	j := start(t, "", nil)
	ctx := browser(t)
	// posts counts the POSTs the server received to path, from its audit
	// log (every POST is recorded, refused or not).
	posts := func(t *testing.T, path string) int {
		t.Helper()
		var log struct{ Total int }
		j.json(t, "manage/audit/api/json?action=POST+"+path+"&limit=1", &log)
		return log.Total
	}
	run(t, ctx, "prg-login",
		chromedp.Navigate(j.url+"login"),
		chromedp.WaitVisible(chromedp.CSS("#j_username")),
		chromedp.SendKeys(chromedp.CSS("#j_username"), "admin"),
		chromedp.SendKeys(chromedp.CSS("#j_password"), adminPassword),
		click("#sign-in"),
		chromedp.WaitVisible(chromedp.CSS("#user-menu")),
	)

	t.Run("Generate, then reload: one token, and its value is no longer shown", func(t *testing.T) {
		run(t, ctx, "prg-token-generated",
			chromedp.Navigate(j.url+"me/security/"),
			click("#add-new-token"),
			chromedp.WaitVisible(chromedp.CSS("#token-name")),
			chromedp.SendKeys(chromedp.CSS("#token-name"), "reloaded"),
			click("#generate"),
			chromedp.WaitVisible(chromedp.CSS("#new-token-value")),
		)
		token := strings.TrimSpace(get(t, ctx, text("#new-token-value")))
		if len(token) != 34 {
			t.Fatalf("token %q", token)
		}
		if loc := get(t, ctx, chromedp.Location()); strings.Contains(loc, token) {
			t.Fatalf("the token is in the URL: %s", loc)
		}
		run(t, ctx, "prg-token-reloaded",
			chromedp.Reload(),
			chromedp.WaitVisible(chromedp.CSS("#add-new-token")),
		)
		if n := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("#new-token-value").length`)); n != 0 {
			t.Errorf("the reloaded page still shows the token box")
		}
		if body := get(t, ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`)); strings.Contains(body, token) {
			t.Errorf("the reloaded page still carries the token's value")
		}
		var toks struct{ Tokens []struct{ Name string } }
		j.json(t, "user/admin/apiTokens/api/json", &toks)
		n := 0
		for _, tk := range toks.Tokens {
			if tk.Name == "reloaded" {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d tokens named reloaded, want 1: %+v", n, toks)
		}
		if got := posts(t, "/user/admin/security/generate"); got != 1 {
			t.Errorf("the server received %d POSTs of Generate, want 1", got)
		}
	})

	t.Run("a refused New Item form, then reload: posted once, and the reason shown once", func(t *testing.T) {
		run(t, ctx, "prg-form-refused",
			chromedp.Navigate(j.url+"view/all/newJob"),
			chromedp.WaitVisible(chromedp.CSS("#name")),
			chromedp.SendKeys(chromedp.CSS("#name"), "a<b"),
			click("#ok"),
			chromedp.WaitVisible(chromedp.CSS("#form-error")),
		)
		if msg := get(t, ctx, text("#form-error")); !strings.Contains(msg, "unsafe character") {
			t.Errorf("the refusal says %q", msg)
		}
		run(t, ctx, "prg-form-reloaded",
			chromedp.Reload(),
			chromedp.WaitVisible(chromedp.CSS("#name")),
		)
		if n := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("#form-error").length`)); n != 0 {
			t.Errorf("the reloaded page still shows the refusal")
		}
		if got := posts(t, "/view/all/newJob"); got != 1 {
			t.Errorf("the server received %d POSTs of New Item, want 1", got)
		}
	})
}
