package e2e

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// waitJS waits until the JavaScript expression is true on the page (a
// live check answered, a datalist filled).
func waitJS(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](expr)
}

// typeInto empties sel and types text into it key by key, as a person
// does: each key fires the input events the page's checks listen to.
func typeInto(sel, text string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		if _, err := chromedp.WaitVisible(chromedp.CSS(sel))(ctx, tg); err != nil {
			return chromedp.Void{}, err
		}
		if _, err := chromedp.Evaluate[chromedp.Void](`document.querySelector(`+strconv.Quote(sel)+`).value = ""`)(ctx, tg); err != nil {
			return chromedp.Void{}, err
		}
		return chromedp.SendKeys(chromedp.CSS(sel), text)(ctx, tg)
	}
}

// TestBrowserFirstDay walks, in a real browser, what a Jenkins user does
// on their first day past Build Now: New Item with Copy from and its
// completion, Rename with its live check, Delete, a folder's New Item;
// list views as tabs, New View, Edit View, Delete View; the nodes, a
// new SSH agent, its Configure page, offline and log; a user's page;
// the build history paged back to #1, previous and next builds,
// permalinks and the search box. Every page is then read at phone width.
func TestBrowserUI17aFirstDay(t *testing.T) {
	j := start(t, "", nil)
	ctx := browser(t)
	j.createJob(t, "alpha", shellJob("echo alpha"))
	j.createJob(t, "bravo", shellJob("echo bravo"))

	run(t, ctx, "day-login",
		chromedp.Navigate(j.url+"login"),
		chromedp.WaitVisible(chromedp.CSS("#j_username")),
		chromedp.SendKeys(chromedp.CSS("#j_username"), "admin"),
		chromedp.SendKeys(chromedp.CSS("#j_password"), adminPassword),
		click("#sign-in"),
		chromedp.WaitVisible(chromedp.CSS("#user-menu")),
	)

	t.Run("New Item checks the name as it is typed, and Copy from completes the source's name", func(t *testing.T) {
		run(t, ctx, "items-new-item",
			chromedp.Navigate(j.url),
			click("#new-item"),
			chromedp.WaitVisible(chromedp.CSS("#name")),
			typeInto("#name", "alpha"),
			waitText("#name-check", "A job already exists with the name ‘alpha’"),
			typeInto("#copy-name", "charlie"),
			typeInto("#from", "al"),
			waitJS(`[...document.querySelectorAll("#from-list option")].some(o => o.value === "alpha")`),
			typeInto("#from", "alpha"),
			click("#copy"),
			chromedp.WaitVisible(chromedp.CSS("#configure-form")),
		)
		if loc := get(t, ctx, chromedp.Location()); loc != j.url+"job/charlie/configure" {
			t.Fatalf("the copy opened %s", loc)
		}
		want := j.must(t, 200, req{path: "job/alpha/config.xml", user: "admin", secret: adminPassword}).body
		if got := j.must(t, 200, req{path: "job/charlie/config.xml", user: "admin", secret: adminPassword}).body; got != want {
			t.Fatalf("charlie is not a copy of alpha:\n%s", got)
		}
	})

	t.Run("Rename checks the new name live and renames with the keyboard alone", func(t *testing.T) {
		run(t, ctx, "items-rename",
			chromedp.Navigate(j.url+"job/charlie/"),
			click("#rename"),
			chromedp.WaitVisible(chromedp.CSS("#newName")),
			typeInto("#newName", "bravo"),
			waitText("#newName-check", "The name “bravo” is already in use."),
			waitJS(`document.getElementById("newName").getAttribute("aria-invalid") === "true"`),
			typeInto("#newName", "delta"),
			waitJS(`document.getElementById("newName-check").textContent === ""`),
			chromedp.SendKeys(chromedp.CSS("#newName"), "\r"),
			chromedp.WaitVisible(chromedp.CSS("#job-title")),
			waitText("#job-title", "delta"),
		)
		if loc := get(t, ctx, chromedp.Location()); loc != j.url+"job/delta/" {
			t.Fatalf("renamed to %s", loc)
		}
	})

	t.Run("Delete asks first, then deletes", func(t *testing.T) {
		run(t, ctx, "items-delete",
			chromedp.Navigate(j.url+"job/delta/"),
			click("#delete"),
			chromedp.WaitVisible(chromedp.CSS("#confirm")),
			waitText("main", "Delete the Project ‘delta’?"),
			click("#confirm"),
			chromedp.WaitVisible(chromedp.CSS("#jobs")),
		)
		j.must(t, 404, req{path: "job/delta/api/json", user: "admin", secret: adminPassword})
	})

	t.Run("a folder has its own New Item", func(t *testing.T) {
		run(t, ctx, "items-folder",
			chromedp.Navigate(j.url+"view/all/newJob"),
			typeInto("#name", "team"),
			click(`input[value="com.cloudbees.hudson.plugins.folder.Folder"]`),
			click("#ok"),
			chromedp.WaitVisible(chromedp.CSS("#jobs-h")),
			waitText("#jobs-h", "team"),
			click("#new-item"),
			chromedp.WaitVisible(chromedp.CSS("#name")),
			typeInto("#name", "inside"),
			click("#ok"),
			chromedp.WaitVisible(chromedp.CSS("#job-title")),
		)
		if loc := get(t, ctx, chromedp.Location()); loc != j.url+"job/team/job/inside/" {
			t.Fatalf("the folder's New Item made %s", loc)
		}
	})

	t.Run("views are tabs: New View, Edit View by checkbox, regex and status, the view's page, Delete View", func(t *testing.T) {
		run(t, ctx, "views-new",
			chromedp.Navigate(j.url),
			click("#new-view"),
			chromedp.WaitVisible(chromedp.CSS("#view-name")),
			typeInto("#view-name", "mine"),
			click("#create-view"),
			chromedp.WaitVisible(chromedp.CSS("#view-form")),
			click(`input[name="item_alpha"]`),
			typeInto("#view-description", "Alpha and what the regex finds"),
			click("#save-view"),
			chromedp.WaitVisible(chromedp.CSS(".tabs")),
			waitText(`.tabs a[aria-current="page"]`, "mine"),
			waitText("#view-description", "Alpha and what the regex finds"),
		)
		jobs := get(t, ctx, text("#jobs"))
		if !strings.Contains(jobs, "alpha") || strings.Contains(jobs, "bravo") {
			t.Fatalf("the view lists:\n%s", jobs)
		}
		run(t, ctx, "views-regex",
			click("#edit-view"),
			chromedp.WaitVisible(chromedp.CSS("#view-form")),
			click("#use-regex"),
			typeInto("#include-regex", "b.*"),
			chromedp.SetValue(chromedp.CSS("#status-filter"), "1"),
			click("#save-view"),
			chromedp.WaitVisible(chromedp.CSS(".tabs")),
			waitText("#jobs", "bravo"),
		)
		run(t, ctx, "views-delete",
			click("#delete-view"),
			chromedp.WaitVisible(chromedp.CSS("#confirm")),
			click("#confirm"),
			chromedp.WaitVisible(chromedp.CSS("#jobs")),
		)
		if n := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('.tabs a[href$="/view/mine/"]').length`)); n != 0 {
			t.Fatal("the deleted view is still a tab")
		}
	})

	t.Run("a new SSH agent from the Nodes page: the launch settings show for SSH only, a missing host is said beside it", func(t *testing.T) {
		// The key the agent names: saving checks that it exists.
		key := `<com.cloudbees.jenkins.plugins.sshcredentials.impl.BasicSSHUserPrivateKey><scope>GLOBAL</scope><id>deploy-key</id><username>ci</username>` +
			`<passphrase>pp</passphrase><privateKeySource class="com.cloudbees.jenkins.plugins.sshcredentials.impl.BasicSSHUserPrivateKey$DirectEntryPrivateKeySource"><privateKey>` +
			xmlEscape(newKey(t, "pp")) + `</privateKey></privateKeySource></com.cloudbees.jenkins.plugins.sshcredentials.impl.BasicSSHUserPrivateKey>`
		j.must(t, 200, req{method: "POST", path: "credentials/store/system/domain/_/createCredentials", user: "admin", secret: j.adminToken(t),
			header: map[string]string{"Content-Type": "application/xml"}, body: key})
		run(t, ctx, "nodes-new",
			chromedp.Navigate(j.url+"computer/"),
			waitText("#node-list", "Built-In Node"),
			click("#new-node"),
			chromedp.WaitVisible(chromedp.CSS("#node-name")),
			typeInto("#node-name", "linux-1"),
			typeInto("#num-executors", "2"),
			typeInto("#remote-fs", "/home/ci"),
			typeInto("#labels", "linux docker"),
			chromedp.WaitVisible(chromedp.CSS("#host")),
			click("#launch-jnlp"),
			chromedp.WaitNotVisible(chromedp.CSS("#host")),
			click("#launch-ssh"),
			chromedp.WaitVisible(chromedp.CSS("#host")),
			typeInto("#credentials-id", "deploy-key"),
			click("#save-node"),
			chromedp.WaitVisible(chromedp.CSS("#host-error")),
		)
		if msg := get(t, ctx, text("#host-error")); !strings.Contains(msg, "The Host must be specified") {
			t.Fatalf("beside the host: %q", msg)
		}
		run(t, ctx, "nodes-created",
			typeInto("#host", "ci-agent.example.com"),
			chromedp.SetValue(chromedp.CSS("#host-key"), "hudson.plugins.sshslaves.verifiers.ManuallyTrustedKeyVerificationStrategy"),
			chromedp.WaitVisible(chromedp.CSS("#manual-trust")),
			click("#save-node"),
			chromedp.WaitVisible(chromedp.CSS("#node-facts")),
			waitText("#node-facts", "ci-agent.example.com:22"),
			waitText("#node-facts", "Manually trusted key Verification Strategy"),
		)
	})

	t.Run("an agent's Configure, offline with a reason and back, its log, and Delete", func(t *testing.T) {
		run(t, ctx, "nodes-configure",
			chromedp.Navigate(j.url+"computer/linux-1/"),
			click("#configure-node"),
			chromedp.WaitVisible(chromedp.CSS("#node-description")),
			typeInto("#node-description", "the build box"),
			click("#save-node"),
			chromedp.WaitVisible(chromedp.CSS("#node-facts")),
			waitText("main", "the build box"),
			click("#mark-offline summary"),
			chromedp.WaitVisible(chromedp.CSS("#offline-message")),
			typeInto("#offline-message", "disk full"),
			click("#take-offline"),
			waitText("#node-state-words", "taken offline (disk full)"),
			click("#bring-online"),
			// Back online it is launched: ci-agent.example.com does not
			// answer, and the log says where it tried.
			chromedp.WaitVisible(chromedp.CSS("#mark-offline")),
			click("#node-log"),
			chromedp.WaitVisible(chromedp.CSS("#console")),
			waitText("#console", "ci-agent.example.com"),
		)
		run(t, ctx, "nodes-delete",
			chromedp.Navigate(j.url+"computer/linux-1/"),
			click("#delete-node"),
			click("#confirm"),
			chromedp.WaitVisible(chromedp.CSS("#node-list")),
		)
		if strings.Contains(get(t, ctx, text("#node-list")), "linux-1") {
			t.Fatal("the deleted agent is still listed")
		}
	})

	// 33 builds of alpha: a history longer than the job page's 30.
	for i := 0; i < 33; i++ {
		j.waitBuild(t, j.trigger(t, "alpha"))
	}

	t.Run("the job page pages its history back to #1, the full history, previous and next builds, permalinks", func(t *testing.T) {
		run(t, ctx, "history-job",
			chromedp.Navigate(j.url+"job/alpha/"),
			waitText("#permalinks", "Last build (#33)"),
			waitText("#permalinks", "Last successful build (#33)"),
			click("#history-older"),
			waitText("#history", "#3"),
			waitText("#history", "#1"),
			click("#history-newer"),
			waitText("#history", "#33"),
			click("#history-full"),
			chromedp.WaitVisible(chromedp.CSS("#history-list")),
			click(`#history-list a[href$="/job/alpha/2/"]`),
			chromedp.WaitVisible(chromedp.CSS("#build-nav")),
			click("#previous-build"),
			waitText("#build-title", "#1"),
			click("#next-build"),
			waitText("#build-title", "#2"),
		)
	})

	t.Run("the search box suggests as it is typed and jumps to the job", func(t *testing.T) {
		run(t, ctx, "search",
			chromedp.Navigate(j.url),
			typeInto("#search-box", "alp"),
			waitJS(`[...document.querySelectorAll("#search-suggestions option")].some(o => o.value === "alpha")`),
			typeInto("#search-box", "ALPHA\r"),
			chromedp.WaitVisible(chromedp.CSS("#job-title")),
		)
		if loc := get(t, ctx, chromedp.Location()); loc != j.url+"job/alpha/" {
			t.Fatalf("the search went to %s", loc)
		}
		run(t, ctx, "search-failed",
			chromedp.Navigate(j.url+"search/?q=a"),
			waitText("#search-results", "alpha"),
		)
	})

	t.Run("My page lists the builds I started; Manage → Users links to each user's page", func(t *testing.T) {
		run(t, ctx, "people-mine",
			chromedp.Navigate(j.url),
			click("#user-menu"),
			click("#user-page-link"),
			chromedp.WaitVisible(chromedp.CSS("#user-builds")),
			waitText("#user-builds", "alpha #33"),
			chromedp.WaitVisible(chromedp.CSS("#user-security")),
			click("#edit-description summary"),
			typeInto("#user-description-field", "Runs the place"),
			click("#save-description"),
			waitText("#user-description", "Runs the place"),
			chromedp.Navigate(j.url+"manage/users/"),
			click(`#user-list a[href$="/user/admin/"]`),
			waitText("#user-h", "admin"),
		)
	})

	t.Run("every page has labelled controls and fits a phone's width", func(t *testing.T) {
		unlabelled := `[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]` +
			`.filter(e => e.labels.length === 0 && !e.getAttribute('aria-label')).map(e => e.outerHTML).join('\n')`
		j.createJob(t, "echo", shellJob("echo"))
		j.must(t, 302, req{method: "POST", path: "createView?name=phone&mode=hudson.model.ListView", user: "admin", secret: j.adminToken(t),
			header: map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"}})
		j.must(t, 302, req{method: "POST", path: "computer/doCreateItem?name=phone-agent&type=hudson.slaves.DumbSlave", user: "admin", secret: j.adminToken(t),
			header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
			body:   `json={"nodeDescription":"a phone-sized agent","numExecutors":"1","remoteFS":"/tmp","labelString":"small","mode":"NORMAL"}`})
		pages := []string{
			"", "view/all/newJob", "job/alpha/", "job/alpha/?older-than=4", "job/alpha/builds", "job/alpha/2/", "job/alpha/confirm-rename",
			"job/team/", "job/team/newJob", "job/team/confirm-rename", "newView", "view/phone/", "view/phone/configure", "view/phone/delete",
			"computer/", "computer/(built-in)/", "computer/new", "computer/phone-agent/", "computer/phone-agent/configure", "computer/phone-agent/log",
			"computer/phone-agent/delete", "user/admin/", "manage/users/", "search/?q=a",
		}
		for _, p := range pages {
			for _, width := range []int64{1280, 390} {
				name := fmt.Sprintf("day-%d-%s", width, strings.NewReplacer("/", "_", "?", "_", "=", "_", "(", "", ")", "").Replace(p))
				run(t, ctx, name,
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
		run(t, ctx, "day-viewport-reset", chromedp.EmulateViewport(1280, 900))
	})
}
