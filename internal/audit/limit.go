package audit

import (
	"sort"
	"strconv"
	"time"
)

// The rate limit on refused anonymous requests: in each window, at most
// perAddr entries from one address and perWindow in all are written one
// by one; the rest are counted. At most maxAddrs addresses are tracked
// (each key at most MaxAddr bytes, so the state stays under about 100
// KB); requests from further addresses are counted together. When the
// window ends, the maxSummaries addresses that lost the most get a
// summary entry each, and the others one between them.
const (
	window       = time.Minute
	perAddr      = 10
	perWindow    = 100
	maxAddrs     = 1000
	maxSummaries = 20
)

// SummaryAction is the action of a summary entry.
const SummaryAction = "audit.suppressed"

type addrCount struct{ logged, suppressed int }

type limiter struct {
	start  time.Time // the current window's start; zero when none is open
	addrs  map[string]*addrCount
	logged int // entries written one by one in this window
	other  int // requests counted from addresses past maxAddrs
}

func newLimiter() limiter { return limiter{addrs: map[string]*addrCount{}} }

// admit counts a refused anonymous request from addr and reports whether
// it is written one by one.
func (lm *limiter) admit(addr string, now time.Time) bool {
	if lm.start.IsZero() {
		lm.start = now
	}
	a := lm.addrs[addr]
	if a == nil {
		if len(lm.addrs) >= maxAddrs {
			lm.other++
			return false
		}
		a = &addrCount{}
		lm.addrs[addr] = a
	}
	if a.logged < perAddr && lm.logged < perWindow {
		a.logged++
		lm.logged++
		return true
	}
	a.suppressed++
	return false
}

// summaries returns the summary entries of the window if it has ended by
// now (or, with all, in any case) and starts afresh; nil when there is
// nothing to say.
func (lm *limiter) summaries(now time.Time, all bool) []Entry {
	if lm.start.IsZero() || !all && now.Before(lm.start.Add(window)) {
		return nil
	}
	from, to := lm.start, now
	type lost struct {
		addr string
		n    int
	}
	var list []lost
	for addr, a := range lm.addrs {
		if a.suppressed > 0 {
			list = append(list, lost{addr, a.suppressed})
		}
	}
	other, overflow := lm.other, lm.other > 0
	*lm = newLimiter()
	sort.Slice(list, func(i, j int) bool {
		if list[i].n != list[j].n {
			return list[i].n > list[j].n
		}
		return list[i].addr < list[j].addr
	})
	span := " between " + from.UTC().Format(time.RFC3339) + " and " + to.UTC().Format(time.RFC3339) + " were not logged one by one"
	entry := func(addr, detail string) Entry {
		return Entry{Time: to, User: "anonymous", Auth: "anonymous", Addr: addr, Action: SummaryAction, Detail: detail}
	}
	var out []Entry
	otherAddrs := 0
	for i, l := range list {
		if i < maxSummaries {
			out = append(out, entry(l.addr, strconv.Itoa(l.n)+" more refused requests from "+l.addr+span))
			continue
		}
		other += l.n
		otherAddrs++
	}
	if other > 0 {
		who := "other addresses"
		if !overflow && otherAddrs > 0 {
			who = strconv.Itoa(otherAddrs) + " other addresses"
		}
		out = append(out, entry("", strconv.Itoa(other)+" more refused requests from "+who+span))
	}
	return out
}
