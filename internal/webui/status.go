package webui

import (
	"strconv"
	"time"

	"github.com/jeeves-ci/jeeves/internal/timespan"
)

// progress is how far a running build has come against how long its
// job's builds take (Jenkins's executor progress bar).
type progress struct {
	Known   bool   // an estimate exists: Percent means something
	Percent int    // 0–99 while within the estimate
	Over    bool   // it runs longer than the estimate
	Words   string // what the bar says to a screen reader and on hover
}

// progressOf is the progress of a build running for elapsed whose job's
// builds take estimate (0: unknown).
func progressOf(elapsed, estimate time.Duration) progress {
	if estimate <= 0 {
		return progress{Words: "Started " + timespan.Format(elapsed) + " ago; no estimate yet"}
	}
	if elapsed >= estimate {
		return progress{Known: true, Percent: 99, Over: true,
			Words: "Started " + timespan.Format(elapsed) + " ago; longer than its usual " + timespan.Format(estimate)}
	}
	pct := int(100 * elapsed / estimate)
	return progress{Known: true, Percent: pct,
		Words: "Started " + timespan.Format(elapsed) + " ago; estimated remaining time: " + timespan.Format(estimate-elapsed) + " (" + strconv.Itoa(pct) + "%)"}
}
