package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath is Debian's chromium; CI installs it (.ci/run). Without
// it the browser tests skip, or fail under CI (need).
const chromiumPath = "/usr/bin/chromium"

// browser starts a headless chromium with a fresh profile and returns a
// context for driving one tab.
func browser(t *testing.T) context.Context {
	t.Helper()
	chromium := need(t, "chromium", chromiumPath, "apt-get install chromium")
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.NoSandbox,
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.WindowSize(1280, 900),
		// This machine's network is closed: no background calls home.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return ctx
}

// run runs browser actions with a deadline, then saves a screenshot of
// the page as the test's artifact, pass or fail.
func run(t *testing.T, ctx context.Context, name string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	err := chromedp.Do(tctx, actions...)
	sctx, scancel := context.WithTimeout(ctx, 10*time.Second)
	defer scancel()
	if png, serr := chromedp.Run(sctx, chromedp.FullScreenshot(100)); serr == nil {
		os.WriteFile(filepath.Join(t.ArtifactDir(), name+".png"), png, 0o644)
	}
	if err != nil {
		loc, _ := chromedp.Run(sctx, chromedp.Location())
		body, _ := chromedp.Run(sctx, chromedp.Text(chromedp.CSS("body")))
		t.Fatalf("%s: %v\nat %s:\n%s", name, err, loc, body)
	}
}

// get reads one value from the page (within a deadline).
func get[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(tctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func text(sel string) chromedp.Action[string] { return chromedp.Text(chromedp.CSS(sel)) }

// waitText polls the text of sel until it contains want: the page
// changes by itself (live parts, the streaming console).
func waitText(sel, want string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		for {
			// The node may be swapped while we read it (a live part
			// refreshed, a page loading): then read it again.
			got, err := chromedp.Text(chromedp.CSS(sel))(ctx, tg)
			if err == nil && strings.Contains(got, want) {
				return chromedp.Void{}, nil
			}
			if err != nil {
				got = "(" + err.Error() + ")"
			}
			select {
			case <-ctx.Done():
				return chromedp.Void{}, &textError{sel: sel, want: want, got: got}
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
}

// click clicks sel, again if the node was swapped under it (a live part
// refreshed between finding and clicking it).
func click(sel string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		for {
			_, err := chromedp.Click(chromedp.CSS(sel))(ctx, tg)
			if err == nil || ctx.Err() != nil {
				return chromedp.Void{}, err
			}
			select {
			case <-ctx.Done():
				return chromedp.Void{}, err
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
}

type textError struct{ sel, want, got string }

func (e *textError) Error() string {
	return "waiting for " + e.sel + " to contain " + e.want + "; it says:\n" + e.got
}

// TestBrowser walks seed 1's flow and the UI's main paths in a real
// browser: log in, create a job through New Item, Build Now, Build with
// Parameters and the live console, the Security page's token (used with
// an HTTP client, then revoked), a form without its crumb, log out.
func TestBrowser(t *testing.T) {
	j := start(t, "", nil)
	ctx := browser(t)
	gate := filepath.Join(t.TempDir(), "go")
	userAPI := func(secret string) int {
		hr, _ := http.NewRequest("GET", j.url+"api/json", nil)
		hr.SetBasicAuth("admin", secret)
		res, err := client.Do(hr)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}

	t.Run("logging in shows the user in the header", func(t *testing.T) {
		run(t, ctx, "login",
			chromedp.Navigate(j.url+"login"),
			chromedp.WaitVisible(chromedp.CSS("#j_username")),
			chromedp.SendKeys(chromedp.CSS("#j_username"), "admin"),
			chromedp.SendKeys(chromedp.CSS("#j_password"), adminPassword),
			click("#sign-in"),
			chromedp.WaitVisible(chromedp.CSS("#user-menu")),
		)
		if who := get(t, ctx, text("#user-menu")); !strings.Contains(who, "admin") {
			t.Fatalf("header shows %q", who)
		}
	})

	t.Run("New Item creates a parameterized job whose config.xml the API serves", func(t *testing.T) {
		script := "echo '<b>bold</b>'\necho \"who=$WHO\"\necho waiting for go\nwhile [ ! -f " + gate + " ]; do sleep 0.05; done\necho gate open"
		run(t, ctx, "new-item",
			chromedp.Navigate(j.url),
			click("#new-item"),
			chromedp.WaitVisible(chromedp.CSS("#name")),
			chromedp.SendKeys(chromedp.CSS("#name"), "browser-job"),
			chromedp.SendKeys(chromedp.CSS("#description"), "made <em>in</em> the browser"),
			// No blank rows: the parameter and the step are added.
			click("#parameterized"),
			click("#add-parameter > summary"),
			click(`#add-parameter button[data-kind="string"]`),
			chromedp.SendKeys(chromedp.CSS(`#param-rows input[name="param.name"]`), "WHO"),
			chromedp.SendKeys(chromedp.CSS(`#param-rows input[name="param.default"]`), "world"),
			click("#add-step"),
			chromedp.SetValue(chromedp.CSS(`#step-rows textarea[name="shell"]`), script),
			click("#ok"),
			chromedp.WaitVisible(chromedp.CSS("#build-button")),
		)
		xml := j.must(t, 200, req{path: "job/browser-job/config.xml", user: "admin", secret: adminPassword}).body
		for _, want := range []string{"<name>WHO</name>", "<defaultValue>world</defaultValue>", "while [ ! -f", "made &lt;em&gt;in&lt;/em&gt; the browser"} {
			if !strings.Contains(xml, want) {
				t.Errorf("config.xml lacks %q:\n%s", want, xml)
			}
		}
		if desc := get(t, ctx, text(".description")); desc != "made <em>in</em> the browser" {
			t.Errorf("description shows as %q, want the HTML as text", desc)
		}
	})

	t.Run("Build with Parameters streams the console live until Finished: SUCCESS", func(t *testing.T) {
		run(t, ctx, "build-with-parameters",
			chromedp.Navigate(j.url+"job/browser-job/"),
			chromedp.WaitVisible(chromedp.CSS("#param-0")),
			chromedp.SetValue(chromedp.CSS("#param-0"), "<i>typed</i>"),
			click("#build-button"),
			chromedp.WaitVisible(chromedp.CSS(`#history a[href$="/1/"]`)),
			chromedp.Navigate(j.url+"job/browser-job/1/console"),
			waitText("#console", "waiting for go"),
		)
		// The build waits on the gate: what follows can only reach the
		// page by streaming.
		if err := os.WriteFile(gate, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		run(t, ctx, "console",
			waitText("#console", "Finished: SUCCESS"),
			waitText("#result", "SUCCESS"),
		)
		bold := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("#console b, #console i").length`))
		result := get(t, ctx, text("#console"))
		if bold != 0 || !strings.Contains(result, "<b>bold</b>") || !strings.Contains(result, "who=<i>typed</i>") {
			t.Errorf("console output must show HTML as text (%d elements):\n%s", bold, result)
		}
	})

	t.Run("Build Now on the dashboard runs the job", func(t *testing.T) {
		j.createJob(t, "plain-job", shellJob("echo plain"))
		run(t, ctx, "build-now",
			chromedp.Navigate(j.url),
			click(`button[aria-label="Build plain-job now"]`),
			chromedp.WaitVisible(chromedp.CSS("#build-now")),
			chromedp.WaitVisible(chromedp.CSS(`#history .ball-blue`)),
		)
		var b struct{ Result string }
		j.json(t, "job/plain-job/1/api/json", &b)
		if b.Result != "SUCCESS" {
			t.Fatalf("build #1: %q", b.Result)
		}
	})

	var token string
	t.Run("Security: Add new Token, Generate, and the value works with an HTTP client", func(t *testing.T) {
		run(t, ctx, "token-generated",
			chromedp.Navigate(j.url),
			click("#user-menu"),
			click("#security-link"),
			chromedp.WaitVisible(chromedp.CSS("#add-new-token")),
			click("#add-new-token"),
			chromedp.WaitVisible(chromedp.CSS("#token-name")),
			chromedp.SendKeys(chromedp.CSS("#token-name"), "from-the-browser"),
			click("#generate"),
			chromedp.WaitVisible(chromedp.CSS("#new-token-value")),
		)
		token = strings.TrimSpace(get(t, ctx, text("#new-token-value")))
		if len(token) != 34 {
			t.Fatalf("token %q", token)
		}
		if got := userAPI(token); got != 200 {
			t.Fatalf("api/json with the new token: %d", got)
		}
	})

	t.Run("Revoke ends the token at once", func(t *testing.T) {
		if token == "" {
			t.Skip("no token: the step before failed")
		}
		run(t, ctx, "token-revoked",
			chromedp.Navigate(j.url+"me/security/"),
			click(`button[aria-label="Revoke token from-the-browser"]`),
			chromedp.WaitVisible(chromedp.CSS("#add-new-token")),
			chromedp.WaitNotPresent(chromedp.CSS(`button[aria-label="Revoke token from-the-browser"]`)),
		)
		if got := userAPI(token); got != 401 {
			t.Fatalf("api/json with the revoked token: %d, want 401", got)
		}
	})

	t.Run("a form sent without its crumb is refused with a way back", func(t *testing.T) {
		run(t, ctx, "no-crumb",
			chromedp.Navigate(j.url+"job/plain-job/"),
			chromedp.WaitVisible(chromedp.CSS("#build-now")),
			chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('input[name="Jenkins-Crumb"]').forEach(e => e.remove())`),
			click("#build-now"),
			chromedp.WaitVisible(chromedp.CSS("#back")),
		)
		if msg := get(t, ctx, text("main")); !strings.Contains(msg, "This form has expired") || !strings.Contains(msg, "No valid crumb") {
			t.Errorf("message: %s", msg)
		}
		var jb struct{ NextBuildNumber int }
		j.json(t, "job/plain-job/api/json", &jb)
		if jb.NextBuildNumber != 2 {
			t.Errorf("a build was scheduled without a crumb: nextBuildNumber %d", jb.NextBuildNumber)
		}
	})

	t.Run("every control has a label, and pages fit a phone's width", func(t *testing.T) {
		unlabelled := `[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]` +
			`.filter(e => e.labels.length === 0 && !e.getAttribute('aria-label')).map(e => e.outerHTML).join('\n')`
		for _, p := range []string{"", "view/all/newJob", "job/browser-job/", "job/browser-job/configure", "job/browser-job/1/console", "me/security/", "manage/", "manage/users/", "manage/audit/"} {
			for _, width := range []int64{1280, 375} {
				name := fmt.Sprintf("page-%d-%s", width, strings.NewReplacer("/", "_").Replace(p))
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
		run(t, ctx, "viewport-reset", chromedp.EmulateViewport(1280, 900))
	})

	t.Run("Stop ends a running build as ABORTED", func(t *testing.T) {
		j.createJob(t, "long-job", shellJob("echo started; sleep 600"))
		j.trigger(t, "long-job")
		run(t, ctx, "stop",
			chromedp.Navigate(j.url+"job/long-job/1/console"),
			waitText("#console", "started"),
			click("#stop"),
			waitText("#result", "ABORTED"),
		)
	})

	t.Run("Disable and Enable from the job page", func(t *testing.T) {
		run(t, ctx, "disabled",
			chromedp.Navigate(j.url+"job/plain-job/"),
			click("#toggle-enable"),
			waitText("main", "This project is currently disabled"),
			chromedp.WaitVisible(chromedp.CSS("#toggle-enable")),
		)
		if n := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("#build-now").length`)); n != 0 {
			t.Error("a disabled job still offers Build Now")
		}
		run(t, ctx, "enabled",
			click("#toggle-enable"),
			chromedp.WaitVisible(chromedp.CSS("#build-now")),
		)
	})

	t.Run("Configure on a job imported from Jenkins changes the description and keeps the rest of config.xml", func(t *testing.T) {
		raw, err := os.ReadFile(filepath.Join("..", "internal", "configxml", "testdata", "imported.xml"))
		if err != nil {
			t.Fatal(err)
		}
		orig := string(raw)
		j.createJob(t, "imported-job", orig)
		run(t, ctx, "configure-imported",
			chromedp.Navigate(j.url+"job/imported-job/configure"),
			chromedp.WaitVisible(chromedp.CSS("#kept")),
			// The schedule is checked as it is typed, as in Jenkins.
			chromedp.SendKeys(chromedp.CSS("#timer"), "H 2 * * *"),
			waitText("#timer-check", "Would last have run at"),
			chromedp.Evaluate[chromedp.Void](`document.getElementById("timer").value = ""`),
			chromedp.SetValue(chromedp.CSS("#description"), "Changed in the browser"),
			click("#save"),
			chromedp.WaitVisible(chromedp.CSS("#not-run")),
		)
		// jeeves runs the Git SCM (the git plugin), not the Maven step.
		if kept := get(t, ctx, text("#not-run")); !strings.Contains(kept, "Invoke top-level Maven targets (hudson.tasks.Maven)") || strings.Contains(kept, "Git (hudson.plugins.git.GitSCM)") {
			t.Errorf("the job page's list of what jeeves does not run is wrong:\n%s", kept)
		}
		want := strings.Replace(orig, "<description>Builds and tests the app on every push to main.</description>", "<description>Changed in the browser</description>", 1)
		if got := j.must(t, 200, req{path: "job/imported-job/config.xml", user: "admin", secret: adminPassword}).body; got != want {
			t.Fatalf("config.xml changed beyond the description:\n%s", got)
		}
	})

	t.Run("log out ends the session", func(t *testing.T) {
		run(t, ctx, "logout",
			chromedp.Navigate(j.url),
			click("#user-menu"),
			click("#logout"),
			chromedp.WaitVisible(chromedp.CSS("#j_username")),
		)
		run(t, ctx, "logged-out",
			chromedp.Navigate(j.url+"login"),
			chromedp.WaitVisible(chromedp.CSS("#j_username")),
		)
		if n := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("#user-menu").length`)); n != 0 {
			t.Fatal("the header still shows a user after logging out")
		}
	})
}
