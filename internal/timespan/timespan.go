// Package timespan says how long something took or how long ago it was
// the way Jenkins does (hudson.Util.getTimeSpanString, with the English
// units of hudson/Messages.properties): the largest unit, and the next
// one too while the largest counts fewer than ten ("3 min 2 sec", "13
// min", "1.2 sec", "0.35 sec", "45 ms").
package timespan

import (
	"strconv"
	"strings"
	"time"
)

// The units, in milliseconds, as Jenkins counts them: a month is 30
// days and a year 365.
const (
	second = 1000
	minute = 60 * second
	hour   = 60 * minute
	day    = 24 * hour
	month  = 30 * day
	year   = 365 * day
)

// Format is d as Jenkins's Util.getTimeSpanString writes it. A negative
// d is 0 ms.
func Format(d time.Duration) string {
	ms := max(d.Milliseconds(), 0)
	years := ms / year
	ms %= year
	months := ms / month
	ms %= month
	days := ms / day
	ms %= day
	hours := ms / hour
	ms %= hour
	minutes := ms / minute
	ms %= minute
	seconds := ms / second
	millis := ms % second
	switch {
	case years > 0:
		return pair(years, count(years)+" yr", count(months)+" mo")
	case months > 0:
		return pair(months, count(months)+" mo", dayCount(days))
	case days > 0:
		return pair(days, dayCount(days), count(hours)+" hr")
	case hours > 0:
		return pair(hours, count(hours)+" hr", count(minutes)+" min")
	case minutes > 0:
		return pair(minutes, count(minutes)+" min", count(seconds)+" sec")
	case seconds >= 10:
		return count(seconds) + " sec"
	case seconds >= 1:
		// Tenths of a second, cut, not rounded: "1.2 sec", "5 sec".
		return decimal(seconds*10+millis/100, 1) + " sec"
	case millis >= 100:
		// Hundredths: "0.12 sec", "0.1 sec".
		return decimal(millis/10, 2) + " sec"
	}
	return count(millis) + " ms"
}

// Ago is how long ago t was, in Format's words; "never" for the zero
// time.
func Ago(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return Format(time.Since(t))
}

// pair is big, and small after it while the big unit counts fewer than
// ten (Util.makeTimeSpanString).
func pair(n int64, big, small string) string {
	if n < 10 {
		return big + " " + small
	}
	return big
}

// dayCount is Jenkins's "{0} {0,choice,0#days|1#day|1<days}".
func dayCount(n int64) string {
	if n == 1 {
		return "1 day"
	}
	return count(n) + " days"
}

// count writes n. (Java's MessageFormat would group digits by three,
// but no unit here counts a thousand: a time.Duration spans at most 292
// years.)
func count(n int64) string { return strconv.FormatInt(n, 10) }

// decimal is n/10^places as Java's MessageFormat writes the float
// Jenkins passes it: no trailing zeros, no point for a whole number.
func decimal(n int64, places int) string {
	unit := int64(1)
	for range places {
		unit *= 10
	}
	whole, frac := n/unit, n%unit
	if frac == 0 {
		return count(whole)
	}
	f := strconv.FormatInt(frac+unit, 10)[1:] // zero-padded to places
	return count(whole) + "." + strings.TrimRight(f, "0")
}
