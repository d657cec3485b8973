// Package cron parses Jenkins's cron syntax (hudson.scheduler.CronTabList)
// and finds the minutes a spec matches.
//
// The syntax is Jenkins's: five fields (minute, hour, day of month, month,
// day of week) with numbers, ranges, steps, lists, "*", and H (hash) in
// the forms H, H/n, H(a-b) and H(a-b)/n; the aliases @yearly, @annually,
// @monthly, @weekly, @daily, @midnight and @hourly; one spec per line,
// blank lines and # comments ignored, and an optional first line TZ=zone.
// Day of month and day of week must both match (Jenkins ANDs them).
//
// H is hashed exactly as Jenkins hashes it: every H draws from one
// java.util.Random seeded from the MD5 of the seed (the job's full name),
// so a job moved from Jenkins runs at the same minutes.
package cron

import (
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // TZ= must work on hosts without a zoneinfo database
)

// Spec is a parsed cron spec: its lines are ORed.
type Spec struct {
	lines []parsedLine
	loc   *time.Location // nil: the caller's location
}

// Parse parses spec as Jenkins does for a trigger of the item whose full
// name is seed. The error message is fit to show the user.
func Parse(spec, seed string) (*Spec, error) {
	return parse(spec, hashFrom(seed))
}

func parse(spec string, h hash) (s *Spec, err error) {
	s = &Spec{}
	for n, line := range splitLines(spec) {
		line = strings.TrimSpace(line)
		if n == 0 && strings.HasPrefix(line, "TZ=") {
			zone := strings.ReplaceAll(line, "TZ=", "")
			loc, lerr := loadZone(zone)
			if lerr != nil {
				//lint:ignore ST1005 Jenkins's own message, shown to users as is
				return nil, fmt.Errorf("Invalid or unsupported timezone '%s'", zone)
			}
			s.loc = loc
			continue
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		pl, lerr := parseOne(line, n+1, h)
		if lerr != nil {
			//lint:ignore ST1005 Jenkins's own message, shown to users as is
			return nil, fmt.Errorf("Invalid input: \"%s\": %s", line, lerr)
		}
		s.lines = append(s.lines, pl)
	}
	return s, nil
}

// splitLines is Java's format.split("\\r?\\n"): trailing empty strings
// are dropped, which does not matter here since empty lines are skipped.
func splitLines(s string) []string {
	return strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
}

// loadZone accepts the IANA zone names Java knows; "Local" and "" are
// Go-only spellings and are refused.
func loadZone(name string) (*time.Location, error) {
	if name == "" || name == "Local" {
		return nil, fmt.Errorf("unknown time zone %q", name)
	}
	return time.LoadLocation(name)
}

func parseOne(line string, n int, h hash) (pl parsedLine, err error) {
	defer func() {
		if r := recover(); r != nil {
			le, ok := r.(lineError)
			if !ok {
				panic(r)
			}
			err = fmt.Errorf("%s", le.msg)
		}
	}()
	return parseLine(line, n, h), nil
}

// Empty reports whether the spec has no line that can ever fire (only
// comments or blank lines).
func (s *Spec) Empty() bool { return len(s.lines) == 0 }

// Matches reports whether the minute holding t matches the spec.
func (s *Spec) Matches(t time.Time) bool {
	if s.loc != nil {
		t = t.In(s.loc)
	}
	for i := range s.lines {
		if s.lines[i].matches(t) {
			return true
		}
	}
	return false
}

// Next is the first whole minute strictly after t that matches, and false
// when none comes within five years (e.g. "0 0 31 2 *").
func (s *Spec) Next(t time.Time) (time.Time, bool) {
	var best time.Time
	for i := range s.lines {
		loc := t.Location()
		if s.loc != nil {
			loc = s.loc
		}
		n, ok := s.lines[i].next(t.In(loc))
		if ok && (best.IsZero() || n.Before(best)) {
			best = n
		}
	}
	return best, !best.IsZero()
}

// Previous is the last whole minute at or before t's minute that matches,
// and false when none came within five years. It is what Jenkins's
// Configure page shows as "Would last have run at" (CronTabList.previous).
func (s *Spec) Previous(t time.Time) (time.Time, bool) {
	var best time.Time
	for i := range s.lines {
		loc := t.Location()
		if s.loc != nil {
			loc = s.loc
		}
		p, ok := s.lines[i].prev(t.In(loc))
		if ok && (best.IsZero() || p.After(best)) {
			best = p
		}
	}
	return best, !best.IsZero()
}

func (pl *parsedLine) matches(t time.Time) bool {
	return pl.bits[fieldMinute]&(1<<t.Minute()) != 0 &&
		pl.bits[fieldHour]&(1<<t.Hour()) != 0 &&
		pl.bits[fieldDayOfMonth]&(1<<t.Day()) != 0 &&
		pl.bits[fieldMonth]&(1<<int(t.Month())) != 0 &&
		pl.bits[fieldDayOfWeek]&(1<<int(t.Weekday())) != 0
}

// next searches forward field by field: a month that cannot match is
// skipped whole, then a day, then an hour, so the search takes at most a
// few thousand steps even for rare specs.
func (pl *parsedLine) next(t time.Time) (time.Time, bool) {
	loc := t.Location()
	t = t.Truncate(time.Minute).Add(time.Minute)
	limit := t.AddDate(5, 0, 0)
	for t.Before(limit) {
		y, mo, d := t.Date()
		switch {
		case pl.bits[fieldMonth]&(1<<int(mo)) == 0:
			t = time.Date(y, mo+1, 1, 0, 0, 0, 0, loc)
		case pl.bits[fieldDayOfMonth]&(1<<d) == 0 || pl.bits[fieldDayOfWeek]&(1<<int(t.Weekday())) == 0:
			t = time.Date(y, mo, d+1, 0, 0, 0, 0, loc)
		case pl.bits[fieldHour]&(1<<t.Hour()) == 0:
			t = nextHour(t)
		case pl.bits[fieldMinute]&(1<<t.Minute()) == 0:
			t = t.Add(time.Minute)
		default:
			return t, true
		}
	}
	return time.Time{}, false
}

// prev searches backward as next searches forward: a month that cannot
// match is skipped to the last minute of the month before, then a day,
// then an hour.
func (pl *parsedLine) prev(t time.Time) (time.Time, bool) {
	loc := t.Location()
	t = t.Truncate(time.Minute)
	limit := t.AddDate(-5, 0, 0)
	for t.After(limit) {
		y, mo, d := t.Date()
		switch {
		case pl.bits[fieldMonth]&(1<<int(mo)) == 0:
			t = time.Date(y, mo, 1, 0, 0, 0, 0, loc).Add(-time.Minute)
		case pl.bits[fieldDayOfMonth]&(1<<d) == 0 || pl.bits[fieldDayOfWeek]&(1<<int(t.Weekday())) == 0:
			t = time.Date(y, mo, d, 0, 0, 0, 0, loc).Add(-time.Minute)
		case pl.bits[fieldHour]&(1<<t.Hour()) == 0:
			t = t.Add(-time.Duration(t.Minute()+1) * time.Minute)
		case pl.bits[fieldMinute]&(1<<t.Minute()) == 0:
			t = t.Add(-time.Minute)
		default:
			return t, true
		}
	}
	return time.Time{}, false
}

// nextHour is the start of the hour after t's, in absolute time, so a
// daylight-saving change neither loops nor skips an hour that exists.
func nextHour(t time.Time) time.Time {
	return t.Add(time.Hour - time.Duration(t.Minute())*time.Minute - time.Duration(t.Second())*time.Second - time.Duration(t.Nanosecond()))
}
