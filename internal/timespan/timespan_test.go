package timespan

import (
	"testing"
	"time"
)

func TestFormatWritesWhatJenkinsWrites(t *testing.T) {
	const (
		day   = 24 * time.Hour
		month = 30 * day
		year  = 365 * day
	)
	for _, c := range []struct {
		name string
		d    time.Duration
		want string
	}{
		{"nothing is 0 ms", 0, "0 ms"},
		{"a negative span is 0 ms", -time.Second, "0 ms"},
		{"under a tenth of a second is milliseconds", 45 * time.Millisecond, "45 ms"},
		{"a tenth of a second is 0.1 sec", 100 * time.Millisecond, "0.1 sec"},
		{"under a second is hundredths, cut", 358 * time.Millisecond, "0.35 sec"},
		{"one second is 1 sec", time.Second, "1 sec"},
		{"under ten seconds is tenths, cut", 2590 * time.Millisecond, "2.5 sec"},
		{"ten seconds and more are whole", 42*time.Second + 900*time.Millisecond, "42 sec"},
		{"minutes under ten keep their seconds", 2*time.Minute + 5*time.Second, "2 min 5 sec"},
		{"a whole minute still says its seconds", time.Minute, "1 min 0 sec"},
		{"ten minutes and more drop the seconds", 13*time.Minute + 43*time.Second, "13 min"},
		{"hours under ten keep their minutes", 3*time.Hour + 4*time.Minute + 59*time.Second, "3 hr 4 min"},
		{"ten hours and more drop the minutes", 23*time.Hour + 59*time.Minute, "23 hr"},
		{"one day is a day", day + 2*time.Hour, "1 day 2 hr"},
		{"days under ten keep their hours", 2*day + 2*time.Hour, "2 days 2 hr"},
		{"ten days and more drop the hours", 12*day + 5*time.Hour, "12 days"},
		{"a month of no extra day says 0 days", month, "1 mo 0 days"},
		{"months keep their days", 2*month + day, "2 mo 1 day"},
		{"years keep their months", year + 3*month, "1 yr 3 mo"},
		{"ten years and more drop the months", 11*year + 3*month, "11 yr"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := Format(c.d); got != c.want {
				t.Fatalf("Format(%v) = %q, want %q", c.d, got, c.want)
			}
		})
	}
}

func TestAgoOfTheZeroTimeIsNever(t *testing.T) {
	if got := Ago(time.Time{}); got != "never" {
		t.Fatalf("Ago(zero) = %q", got)
	}
}
