package webui

import (
	"bytes"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/jeeves-ci/jeeves/internal/cron"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/request"
)

// timerCheckPath is, under an item's (or the root's) descriptorByName/,
// Jenkins's check of a schedule as it is typed
// (TimerTrigger.DescriptorImpl.doCheckSpec).
const timerCheckPath = "hudson.triggers.TimerTrigger/checkSpec"

// maxSpecLength bounds a schedule given to the check.
const maxSpecLength = 64 << 10

// jenkinsTime is how Jenkins's FULL date-time format reads in English:
// "Tuesday, September 10, 2019 9:15:26 AM UTC".
const jenkinsTime = "Monday, January 2, 2006 3:04:05 PM MST"

// timerCheck is what Jenkins says under a schedule, for the item named
// seed (its H values), at now: the parse error, or when it would last
// have run and would next run (in the server's time zone, or the spec's
// TZ=). Empty for an empty schedule. The wording is Jenkins's
// (hudson/triggers/Messages.properties).
func timerCheck(spec, seed string, now time.Time) fieldCheck {
	if strings.TrimSpace(spec) == "" {
		return fieldCheck{}
	}
	sched, err := cron.Parse(spec, seed)
	if err != nil {
		if !strings.Contains(strings.TrimSpace(spec), "\n") && strings.Contains(spec, "**") {
			return fieldCheck{"error", "You appear to be missing whitespace between * and *."}
		}
		return fieldCheck{"error", err.Error()}
	}
	if sched.Empty() {
		return fieldCheck{"warning", "No schedules so will never run"}
	}
	prev, okPrev := sched.Previous(now)
	next, okNext := sched.Next(now)
	if !okPrev || !okNext {
		return fieldCheck{"warning", "This schedule will match dates only rarely (e.g. February 29) or never (e.g. June 31), so this job may be triggered very rarely, if at all."}
	}
	return fieldCheck{"ok", "Would last have run at " + prev.Format(jenkinsTime) + "; would next run at " + next.Format(jenkinsTime) + "."}
}

// CheckSpec is GET descriptorByName/hudson.triggers.TimerTrigger/checkSpec
// ?value=SPEC, on the root or on an item (job, nil at the root: its full
// name seeds H, as Jenkins's @AncestorInPath item does). It answers as
// Jenkins's FormValidation does: an HTML fragment <div class="ok|warning|
// error">message</div>, or nothing for an empty value. It changes nothing,
// whatever the method.
func (ui *UI) CheckSpec(c *request.Call, job *model.Job, p []string) error {
	if len(p) != 2 || p[0] != "hudson.triggers.TimerTrigger" || p[1] != "checkSpec" && p[1] != "check" {
		return request.NotFound()
	}
	value := c.R.URL.Query().Get("value")
	if len(value) > maxSpecLength {
		return request.BadRequest("The schedule is longer than 64 KiB")
	}
	seed := ""
	if job != nil {
		seed = job.Name
	}
	chk := timerCheck(value, seed, time.Now())
	var b bytes.Buffer
	if chk.Kind != "" {
		b.WriteString(`<div class="` + chk.Kind + `">`)
		template.HTMLEscape(&b, []byte(chk.Message))
		b.WriteString("</div>")
	}
	h := c.W.Header()
	h.Set("Content-Type", "text/html;charset=utf-8")
	h.Set("Cache-Control", "no-cache,no-store,must-revalidate")
	h.Set("X-Content-Type-Options", "nosniff")
	c.W.WriteHeader(http.StatusOK)
	if c.R.Method == http.MethodHead {
		return nil
	}
	_, err := c.W.Write(b.Bytes())
	return err
}
