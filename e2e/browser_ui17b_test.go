package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// The web UI a Jenkins user expects on the first day, in a real browser:
// status you can see, pages for every error, forms that read well,
// phone widths and the browser's time zone, and the audit page. Each
// step leaves a screenshot of its page among the test's artifacts.

// phoneWidth is the width of a phone in portrait (an iPhone 12–15).
const phoneWidth = 390

// timezone makes the tab's clock read in zone id (IANA).
func timezone(id string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: id})
		return err
	})
}

// viewport is a screen width wide: a phone's (touch, mobile) at
// phoneWidth.
func viewport(width int64) chromedp.Action[chromedp.Void] {
	if width == phoneWidth {
		return chromedp.EmulateViewport(width, 844, chromedp.EmulateMobile, chromedp.EmulatePortrait)
	}
	return chromedp.EmulateViewport(width, 900)
}

// signIn signs the tab in as user through the sign-in form on the page.
func signIn(user, password string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.WaitVisible(chromedp.CSS("#j_username")),
		chromedp.SetValue(chromedp.CSS("#j_username"), user),
		chromedp.SetValue(chromedp.CSS("#j_password"), password),
		click("#sign-in"),
	)
}

// unlabelledValues lists, in the page as laid out now, every table cell
// showing a value whose column header is hidden (phone cards) and that
// names itself neither by a label before it (data-label shown through
// ::before), nor a row header, nor being the row's name or only
// buttons.
const unlabelledValues = `[...document.querySelectorAll('table td')].filter(td => {
  if (td.offsetParent === null || td.innerText.trim() === '') return false;
  const head = td.closest('table').tHead;
  if (head && getComputedStyle(head).display !== 'none') return false;
  if (td.classList.contains('name') || td.closest('tr').querySelector('th[scope=row]')) return false;
  const before = getComputedStyle(td, '::before').content;
  if (td.hasAttribute('data-label') && before.includes(td.getAttribute('data-label'))) return false;
  const controls = [...td.querySelectorAll('button, a.button')].map(b => b.innerText.trim()).join(' ').trim();
  return controls !== td.innerText.trim().replace(/\s+/g, ' ');
}).map(td => td.outerHTML).join('\n')`

// unlabelledControls lists the form controls without a label.
const unlabelledControls = `[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]` +
	`.filter(e => e.offsetParent !== null && e.labels.length === 0 && !e.getAttribute('aria-label')).map(e => e.outerHTML).join('\n')`

// wrappedMidWord lists the cells marked nowrap whose text takes more
// than one line.
const wrappedMidWord = `[...document.querySelectorAll('td.nowrap')].filter(td => {
  const r = document.createRange(); r.selectNodeContents(td);
  const tops = new Set([...r.getClientRects()].map(x => Math.round(x.top)));
  return tops.size > 1;
}).map(td => td.outerHTML).join('\n')`

func TestBrowserFirstDay(t *testing.T) {
	j := start(t, "", nil)
	ctx := browser(t)
	tok := j.adminToken(t)
	gate := filepath.Join(t.TempDir(), "gate")
	asAdmin := func(r req) req { r.user, r.secret = "admin", tok; return r }

	// Jobs: one built five times, two of them failing (its weather);
	// one whose builds wait for a gate (running, against an estimate);
	// one never built.
	j.createJob(t, "weather", shellJob(`test "$BUILD_NUMBER" != 2 && test "$BUILD_NUMBER" != 4`))
	for i := 0; i < 5; i++ {
		j.waitBuild(t, j.trigger(t, "weather"))
	}
	j.createJob(t, "gated", shellJob("echo started\nwhile [ ! -f "+gate+" ]; do sleep 0.05; done\necho done"))
	if err := os.WriteFile(gate, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	j.waitBuild(t, j.trigger(t, "gated")) // #1: the estimate
	if err := os.Remove(gate); err != nil {
		t.Fatal(err)
	}
	j.createJob(t, "never", shellJob("true"))
	j.must(t, 302, asAdmin(req{method: "POST", path: "securityRealm/createAccountByAdmin",
		header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
		body:   "username=bob&password1=bob-pw&password2=bob-pw&fullname=Bob+Builder"}))

	run(t, ctx, "first-day-login",
		chromedp.Navigate(j.url+"login"),
		signIn("admin", adminPassword),
		chromedp.WaitVisible(chromedp.CSS("#user-menu")),
	)

	t.Run("6: a running build's ball turns, unlike a job never built", func(t *testing.T) {
		running := j.trigger(t, "gated")
		_ = running
		run(t, ctx, "status-running-ball",
			chromedp.Navigate(j.url),
			chromedp.WaitVisible(chromedp.CSS(`#job-list a[href$="/job/gated/"]`)),
			chromedp.WaitVisible(chromedp.CSS("#executors progress")),
		)
		anim := func(job string) string {
			return get(t, ctx, chromedp.Evaluate[string](`(() => { const row = [...document.querySelectorAll('#job-list tr')].find(r => r.querySelector('a[href$="/job/`+job+`/"]'));
			  const b = row.querySelector('.ball'); return b.className + '|' + getComputedStyle(b, '::after').animationName + '|' + b.getAttribute('aria-label'); })()`))
		}
		waitFor(t, "the gated job's ball to turn", func() bool { return strings.Contains(anim("gated"), "ball-anime|spin|") })
		if got := anim("gated"); !strings.HasSuffix(got, "|Success, building") {
			t.Errorf("the running job's ball: %s", got)
		}
		if got := anim("never"); strings.Contains(got, "anime") || strings.Contains(got, "spin") || !strings.HasSuffix(got, "|Not built") {
			t.Errorf("the never-built job's ball: %s", got)
		}
	})

	t.Run("6: the executor shows the running build's progress against its estimate", func(t *testing.T) {
		label := get(t, ctx, chromedp.Evaluate[string](`document.querySelector('#executors progress').getAttribute('aria-label')`))
		if !strings.HasPrefix(label, "Started ") || !strings.Contains(label, "usual") && !strings.Contains(label, "remaining") {
			t.Errorf("the progress bar says %q", label)
		}
		run(t, ctx, "status-executor-progress", chromedp.WaitVisible(chromedp.CSS("#executors progress")))
		if err := os.WriteFile(gate, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		run(t, ctx, "status-executor-idle", waitText("#executors", "Idle"))
	})

	t.Run("6: the job page shows the weather of its last five builds", func(t *testing.T) {
		run(t, ctx, "status-weather",
			chromedp.Navigate(j.url+"job/weather/"),
			chromedp.WaitVisible(chromedp.CSS("#job-title .weather")),
		)
		if got := get(t, ctx, chromedp.Evaluate[string](`document.querySelector('#job-title .weather').getAttribute('aria-label')`)); got != "Build stability: 2 out of the last 5 builds failed. Score 60%" {
			t.Errorf("weather: %q", got)
		}
		if n := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#job-list .weather').length`)); n != 0 {
			t.Errorf("stray weather icons: %d", n)
		}
	})

	t.Run("8: the Build Time Trend has axes and labels", func(t *testing.T) {
		got := get(t, ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('#trend .axis-title')].map(e => e.textContent).join('|') + '|' + document.querySelectorAll('#trend text.tick').length`))
		if !strings.HasPrefix(got, "Build|Duration (") || strings.HasSuffix(got, "|0") {
			t.Errorf("trend axes: %s", got)
		}
	})

	t.Run("6: Build Now says Build scheduled, once", func(t *testing.T) {
		run(t, ctx, "notice-build-scheduled",
			chromedp.Navigate(j.url+"job/never/"),
			click("#build-now"),
			waitText("main .flash", "Build scheduled"),
		)
		if loc := get(t, ctx, chromedp.Location()); strings.Contains(loc, "flash=") {
			t.Errorf("the address still carries the notice: %s", loc)
		}
		run(t, ctx, "notice-gone-on-reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#job-title")))
		if n := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('main .flash').length`)); n != 0 {
			t.Error("a reload shows the notice again")
		}
	})

	t.Run("6 and 8: New Item says Created; Configure reveals the parameters, each type with its fields, and says Saved", func(t *testing.T) {
		run(t, ctx, "form-new-item",
			chromedp.Navigate(j.url+"view/all/newJob"),
			chromedp.SendKeys(chromedp.CSS("#name"), "formed"),
			chromedp.WaitVisible(chromedp.CSS("#parameterized")),
		)
		if n := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#param-rows fieldset, #step-rows fieldset').length`)); n != 0 {
			t.Errorf("New Item shows %d blank rows", n)
		}
		if vis := get(t, ctx, chromedp.Evaluate[bool](`document.getElementById('params-body').offsetParent !== null`)); vis {
			t.Error("the parameters show before the checkbox is checked")
		}
		run(t, ctx, "form-created",
			click("#ok"),
			waitText("main .flash", "Created ‘formed’"),
		)
		run(t, ctx, "form-parameterized",
			chromedp.Navigate(j.url+"job/formed/configure"),
			click("#parameterized"),
			chromedp.WaitVisible(chromedp.CSS("#add-parameter")),
			click("#add-parameter > summary"),
			click(`#add-parameter button[data-kind="boolean"]`),
			chromedp.WaitVisible(chromedp.CSS(`#param-rows .for-boolean select`)),
		)
		shown := func() string {
			return get(t, ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('#param-rows fieldset:last-child [class^=for-]')].filter(e => e.offsetParent !== null).map(e => e.className.split(' ')[0]).join(',')`))
		}
		if got := shown(); got != "for-boolean" {
			t.Errorf("a Boolean Parameter shows %s", got)
		}
		run(t, ctx, "form-choice",
			chromedp.SetValue(chromedp.CSS(`#param-rows fieldset:last-child input[name="param.name"]`), "ENV"),
			chromedp.SetValue(chromedp.CSS(`#param-rows fieldset:last-child select.param-kind`), "choice"),
			chromedp.Evaluate[chromedp.Void](`document.querySelector('#param-rows fieldset:last-child select.param-kind').dispatchEvent(new Event('change'))`),
			chromedp.WaitVisible(chromedp.CSS(`#param-rows fieldset:last-child .for-choice textarea`)),
			chromedp.SetValue(chromedp.CSS(`#param-rows fieldset:last-child textarea[name="param.choices"]`), "dev\nprod"),
		)
		if got := shown(); got != "for-choice" {
			t.Errorf("a Choice Parameter shows %s", got)
		}
		run(t, ctx, "form-saved",
			click("#add-step"),
			chromedp.SetValue(chromedp.CSS(`#step-rows textarea[name="shell"]`), "echo $ENV"),
			click("#save"),
			waitText("main .flash", "Saved"),
		)
		xml := j.must(t, 200, asAdmin(req{path: "job/formed/config.xml"})).body
		for _, w := range []string{"<hudson.model.ChoiceParameterDefinition>", "<name>ENV</name>", "<string>dev</string>", "<command>echo $ENV</command>"} {
			if !strings.Contains(xml, w) {
				t.Errorf("config.xml lacks %s:\n%s", w, xml)
			}
		}
		run(t, ctx, "form-unparameterized",
			chromedp.Navigate(j.url+"job/formed/configure"),
			click("#parameterized"),
			click("#save"),
			waitText("main .flash", "Saved"),
		)
		if xml := j.must(t, 200, asAdmin(req{path: "job/formed/config.xml"})).body; strings.Contains(xml, "ParametersDefinitionProperty") {
			t.Errorf("unchecking the parameters kept them:\n%s", xml)
		}
	})

	t.Run("8: config.xml is a tab of its own, indented, with a note on which save wins", func(t *testing.T) {
		compact := `<project><description>compact</description><builders><hudson.tasks.Shell><command>true</command></hudson.tasks.Shell></builders></project>`
		j.createJob(t, "compact", compact)
		run(t, ctx, "form-xml-tab",
			chromedp.Navigate(j.url+"job/compact/configure"),
			click("#tab-xml"),
			chromedp.WaitVisible(chromedp.CSS("#xml")),
		)
		if got := get(t, ctx, chromedp.Evaluate[string](`document.getElementById('xml').value`)); !strings.HasPrefix(got, "<project>\n  <description>compact</description>\n  <builders>\n") {
			t.Errorf("the tab shows:\n%s", got)
		}
		if note := get(t, ctx, text("#xml-note")); !strings.Contains(note, "What you save last is what the job has") {
			t.Errorf("note: %s", note)
		}
		run(t, ctx, "form-xml-saved", click("#save-xml"), waitText("main .flash", "Saved (config.xml unchanged)"))
		if got := j.must(t, 200, asAdmin(req{path: "job/compact/config.xml"})).body; got != compact {
			t.Errorf("saving as shown changed config.xml:\n%s", got)
		}
	})

	t.Run("6: Delete says Deleted", func(t *testing.T) {
		run(t, ctx, "notice-deleted",
			chromedp.Navigate(j.url+"job/compact/"),
			click("#delete"),
			click("#confirm"),
			waitText("main .flash", "Deleted ‘compact’"),
		)
	})

	t.Run("6 and 10: Revoke says so; the audit page names the token, and the sign-in as who signed in", func(t *testing.T) {
		value := j.token(t, "admin", adminPassword, "audited-bot")
		j.must(t, 200, req{path: "api/json", user: "admin", secret: value})
		run(t, ctx, "audit-token",
			chromedp.EmulateViewport(1280, 900),
			chromedp.Navigate(j.url+"manage/audit/?user=admin"),
			chromedp.WaitVisible(chromedp.CSS("#audit-list")),
		)
		body := get(t, ctx, text("#audit-list"))
		if !strings.Contains(body, "‘audited-bot’") {
			t.Errorf("the audit page does not name the token:\n%s", body)
		}
		uuid := get(t, ctx, chromedp.Evaluate[string](`(document.querySelector('#audit-list .token') || {title: ''}).title`))
		if !regexp.MustCompile(`^Token UUID [0-9a-f-]{36}$`).MatchString(uuid) {
			t.Errorf("the token's UUID on hover: %q", uuid)
		}
		if bad := get(t, ctx, chromedp.Evaluate[string](wrappedMidWord)); bad != "" {
			t.Errorf("cells wrapped mid-word:\n%s", bad)
		}
		run(t, ctx, "audit-login",
			chromedp.Navigate(j.url+"manage/audit/?action=POST+/j_spring_security_check"),
			chromedp.WaitVisible(chromedp.CSS("#audit-list")),
		)
		users := get(t, ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('#audit-list td[data-label=User]')].map(e => e.innerText).join(',')`))
		if !strings.Contains(users, "admin") || strings.Contains(users, "anonymous") {
			t.Errorf("sign-ins recorded as: %s", users)
		}
		run(t, ctx, "notice-revoked",
			chromedp.Navigate(j.url+"me/security/"),
			click(`button[aria-label="Revoke token audited-bot"]`),
			waitText("main .flash", "Revoked the token ‘audited-bot’"),
		)
	})

	t.Run("7: the plugin manager says jeeves has no plugins and lists what is built in", func(t *testing.T) {
		run(t, ctx, "page-plugins",
			chromedp.Navigate(j.url+"manage/"),
			click("#manage-plugins"),
			chromedp.WaitVisible(chromedp.CSS("#builtin-core")),
		)
		if got := get(t, ctx, text("main")); !strings.Contains(got, "jeeves has no plugins") || !strings.Contains(got, "Folders") || !strings.Contains(got, "Build periodically") {
			t.Errorf("the plugins page:\n%s", got)
		}
	})

	t.Run("7: the footer's REST API leads to the page of the object shown", func(t *testing.T) {
		run(t, ctx, "page-rest-api",
			chromedp.Navigate(j.url+"job/weather/"),
			click("#rest-api"),
			waitText("h1", "Project: REST API"),
		)
		if got := get(t, ctx, chromedp.Location()); got != j.url+"job/weather/api/" {
			t.Errorf("REST API of the job page leads to %s", got)
		}
		run(t, ctx, "page-rest-api-json", click("#api-json"), waitText("body", `"name" : "weather"`))
	})

	t.Run("7: a 404 is a page of the site", func(t *testing.T) {
		run(t, ctx, "error-404",
			chromedp.Navigate(j.url+"job/no-such-job/"),
			waitText("#error-h", "Not Found"),
			chromedp.WaitVisible(chromedp.CSS("header.top nav.crumbs")),
			chromedp.WaitVisible(chromedp.CSS("#user-menu")),
		)
	})

	t.Run("7: a 405 offers to retry with POST, which builds", func(t *testing.T) {
		run(t, ctx, "error-405",
			chromedp.Navigate(j.url+"job/never/build?delay=0sec"),
			waitText("#error-h", "This URL requires POST"),
			click("#retry"),
			waitText("main .flash", "Build scheduled"),
		)
	})

	t.Run("7: a 403 says who you are and signs you in as someone else", func(t *testing.T) {
		run(t, ctx, "error-403-anonymous",
			chromedp.Navigate(j.url),
			click("#user-menu"),
			click("#logout"),
			waitText("#error-h", "Sign in to see this page"),
		)
		run(t, ctx, "error-403-signed-in-as-bob",
			signIn("bob", "bob-pw"),
			chromedp.WaitVisible(chromedp.CSS("#job-list")),
			chromedp.Navigate(j.url+"manage/"),
			waitText("#error-h", "Access Denied"),
		)
		if got := get(t, ctx, text("#error")); !strings.Contains(got, "bob is missing the Overall/Administer permission") || !strings.Contains(got, "You are signed in as Bob Builder (bob)") {
			t.Errorf("the 403 page says:\n%s", got)
		}
		run(t, ctx, "error-403-sign-in-as-admin",
			click("#signin-other > summary"),
			signIn("admin", adminPassword),
			chromedp.WaitVisible(chromedp.CSS("#settings-form")),
		)
	})

	t.Run("9: in the browser's time zone, the exact time on hover; durations as Jenkins writes them", func(t *testing.T) {
		run(t, ctx, "time-tokyo",
			timezone("Asia/Tokyo"),
			chromedp.Navigate(j.url+"job/weather/"),
			chromedp.WaitVisible(chromedp.CSS("#history-list time")),
		)
		got := get(t, ctx, chromedp.Evaluate[string](`(() => { const e = document.querySelector('#history-list time'); return e.getAttribute('datetime') + '|' + e.textContent + '|' + e.title; })()`))
		parts := strings.SplitN(got, "|", 3)
		at, err := time.Parse(time.RFC3339, parts[0])
		if err != nil {
			t.Fatalf("%q: %v", got, err)
		}
		if want := at.In(time.FixedZone("JST", 9*3600)).Format("2006-01-02 15:04:05"); parts[1] != want {
			t.Errorf("shown as %q, want %q (Tokyo)", parts[1], want)
		}
		if !strings.Contains(parts[2], "GMT+9") && !strings.Contains(parts[2], "Japan") {
			t.Errorf("on hover: %q", parts[2])
		}
		durations := get(t, ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('#history-list td[data-label=Duration]')].map(e => e.textContent).join('|')`))
		for _, d := range strings.Split(durations, "|") {
			if !regexp.MustCompile(`^\d+(\.\d+)? (ms|sec)$`).MatchString(d) {
				t.Errorf("a duration reads %q", d)
			}
		}
		run(t, ctx, "time-utc", timezone(""))
	})

	t.Run("9: at 390 px every page fits and every value has its label; at 1280 px too", func(t *testing.T) {
		pages := []string{"", "job/weather/", "job/weather/1/", "job/weather/1/console", "job/formed/configure", "job/formed/configure?tab=xml",
			"view/all/newJob", "me/security/", "manage/", "manage/users/", "manage/audit/", "pluginManager/", "api/", "job/weather/api/",
			"job/no-such-job/", "job/never/build", "login"}
		for _, width := range []int64{phoneWidth, 1280} {
			for _, p := range pages {
				name := fmt.Sprintf("width-%d-%s", width, strings.NewReplacer("/", "_", "?", "_", "=", "_").Replace(p))
				run(t, ctx, name,
					viewport(width),
					chromedp.Navigate(j.url+p),
					chromedp.WaitVisible(chromedp.CSS("main")),
				)
				if over := get(t, ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`)); over {
					t.Errorf("/%s is wider than a %d px screen", p, width)
				}
				if bad := get(t, ctx, chromedp.Evaluate[string](unlabelledValues)); bad != "" {
					t.Errorf("/%s at %d px: values without their label:\n%s", p, width, bad)
				}
				if bad := get(t, ctx, chromedp.Evaluate[string](unlabelledControls)); bad != "" {
					t.Errorf("/%s at %d px: controls without a label:\n%s", p, width, bad)
				}
			}
		}
		run(t, ctx, "dashboard-phone-labels",
			viewport(phoneWidth),
			chromedp.Navigate(j.url),
			chromedp.WaitVisible(chromedp.CSS("#job-list")),
		)
		labels := get(t, ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('#job-list tr')].filter(r => r.querySelector('a[href$="/job/never/"]')).map(r => [...r.querySelectorAll('td[data-label]')].map(td => getComputedStyle(td, '::before').content + td.innerText).join('; '))[0]`))
		for _, w := range []string{`"Last Success: "`, `"Last Failure: "N/A`, `"Last Duration: "`} {
			if !strings.Contains(labels, w) {
				t.Errorf("the phone dashboard row of never lacks %s: %s", w, labels)
			}
		}
		run(t, ctx, "viewport-back", chromedp.EmulateViewport(1280, 900))
	})
}
