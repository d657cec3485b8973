package junit

import (
	"slices"

	"github.com/jeeves-ci/jeeves/internal/antglob"
)

// Report is a build's test results (the plugin's TestResult): the suites
// of every report file, merged.
type Report struct {
	Suites []*Suite
	// Duration is the sum of the suites' durations, in seconds.
	Duration float32
	// StartTime is the earliest suite start, epoch milliseconds; -1 when
	// none is known.
	StartTime int64

	byName map[string][]*Suite
	index  CaseIndex // built on the first lookup
	total  int
	failed int
	skip   int
}

// NewReport returns an empty report.
func NewReport() *Report {
	return &Report{StartTime: -1, byName: map[string][]*Suite{}}
}

// Add adds a file's suites as TestResult.add does: a suite with the same
// name as one already there, and the same id when both have one, is
// merged into it (a suite split over several files, JENKINS-12457).
func (r *Report) Add(suites ...*Suite) {
	for _, s := range suites {
		r.add(s)
	}
}

func (r *Report) add(sr *Suite) {
	r.index = nil
	if r.byName == nil {
		r.byName = map[string][]*Suite{}
	}
	if r.StartTime == -1 {
		r.StartTime = sr.StartTime
	} else if sr.StartTime != -1 {
		r.StartTime = min(r.StartTime, sr.StartTime)
	}
	r.Duration += sr.Duration
	for _, s := range r.byName[sr.Name] {
		if s.ID == nil || sr.ID == nil || *s.ID == *sr.ID {
			s.merge(sr)
			r.count(sr.Cases)
			return
		}
	}
	r.Suites = append(r.Suites, sr)
	r.byName[sr.Name] = append(r.byName[sr.Name], sr)
	r.count(sr.Cases)
}

// merge is SuiteResult.merge.
func (s *Suite) merge(sr *Suite) {
	if s.Time != nil {
		s.Duration += sr.Duration
	}
	for _, c := range sr.Cases {
		s.addCase(c)
	}
}

func (r *Report) count(cases []*Case) {
	for _, c := range cases {
		r.total++
		switch {
		case c.Skipped:
			r.skip++
		case !c.Passed():
			r.failed++
		}
	}
}

// TotalCount, FailCount, SkipCount and PassCount count the report's
// cases.
func (r *Report) TotalCount() int { return r.total }

// FailCount counts the failed cases.
func (r *Report) FailCount() int { return r.failed }

// SkipCount counts the skipped cases.
func (r *Report) SkipCount() int { return r.skip }

// PassCount counts the cases that neither failed nor were skipped.
func (r *Report) PassCount() int { return r.total - r.failed - r.skip }

// Empty reports whether the report has no case.
func (r *Report) Empty() bool { return r.total == 0 }

// SuitesNamed returns the suites of that name.
func (r *Report) SuitesNamed(name string) []*Suite { return r.byName[name] }

// PrevCase is what Freeze needs of a case in an earlier build's report.
type PrevCase struct {
	Passed      bool
	Failed      bool
	FailedSince int
}

// Lookup finds a case in an earlier build's report by its suite's name
// and its full name. *Report and CaseIndex implement it.
type Lookup interface {
	Case(suite, fullName string) (PrevCase, bool)
}

// Case implements Lookup.
func (r *Report) Case(suite, fullName string) (PrevCase, bool) {
	if r.index == nil {
		r.index = r.Index()
	}
	return r.index.Case(suite, fullName)
}

// CaseIndex is a report reduced to what Freeze reads, keyed by suite
// name and full name: a store can keep it per build instead of whole
// reports.
type CaseIndex map[string]PrevCase

// Index returns the report's CaseIndex (call it after Freeze). Of cases
// sharing a suite name and a full name, the one that counts is in the
// first suite of that name that has one, and the last in that suite, as
// in the plugin's TestResult.getCase.
func (r *Report) Index() CaseIndex {
	ix := CaseIndex{}
	for _, s := range r.Suites {
		local := map[string]PrevCase{}
		for _, c := range s.Cases {
			local[s.Name+"\x00"+c.FullName()] = PrevCase{Passed: c.Passed(), Failed: c.Failed(), FailedSince: c.FailedSince}
		}
		for k, v := range local {
			if _, taken := ix[k]; !taken {
				ix[k] = v
			}
		}
	}
	return ix
}

// Case implements Lookup.
func (ix CaseIndex) Case(suite, fullName string) (PrevCase, bool) {
	c, ok := ix[suite+"\x00"+fullName]
	return c, ok
}

// MaxPrevious is how many earlier reports the plugin looks through for a
// case (CaseResult.PREVIOUS_TEST_RESULT_BACKTRACK_BUILDS_MAX).
const MaxPrevious = 25

// Freeze ties the report to build number n and works out each case's
// standing against earlier builds: previous are the reports of the
// job's earlier builds that have one, newest first (only the first
// MaxPrevious are read). A case is compared with the first of them that
// holds a case of the same suite and full name: a failing case keeps
// that case's FailedSince when it failed too, else fails since n; and
// its Condition is REGRESSION when that case passed and this one does
// not, FIXED when that one did not pass and this one does.
func (r *Report) Freeze(n int, previous []Lookup) {
	if len(previous) > MaxPrevious {
		previous = previous[:MaxPrevious]
	}
	for _, s := range r.Suites {
		for _, c := range s.Cases {
			c.Number = n
			var prev *PrevCase
			for _, p := range previous {
				if pc, ok := p.Case(s.Name, c.FullName()); ok {
					prev = &pc
					break
				}
			}
			c.FailedSince, c.Condition = 0, ""
			if c.Failed() {
				if prev != nil && prev.Failed {
					c.FailedSince = prev.FailedSince
				} else {
					c.FailedSince = n
				}
			}
			if !c.Skipped && prev != nil {
				switch {
				case prev.Passed && !c.Passed():
					c.Condition = Regression
				case !prev.Passed && c.Passed():
					c.Condition = Fixed
				}
			}
		}
	}
}

// Package is the cases of one package, by class (the plugin's
// PackageResult and ClassResult).
type Package struct {
	Name                            string
	Classes                         []*Class
	Duration                        float32
	PassCount, FailCount, SkipCount int
}

// Class is the cases of one class.
type Class struct {
	Name                            string // the simple name
	Cases                           []*Case
	Duration                        float32
	PassCount, FailCount, SkipCount int
}

// Packages groups the cases by package and class, in the plugin's order:
// packages and classes by their URL-safe names, cases by class name and
// name.
func (r *Report) Packages() []*Package {
	byPkg := map[string]*Package{}
	classes := map[*Package]map[string]*Class{}
	for _, s := range r.Suites {
		for _, c := range s.Cases {
			pn := c.PackageName()
			p := byPkg[Safe(pn)]
			if p == nil {
				p = &Package{Name: pn}
				byPkg[Safe(pn)] = p
				classes[p] = map[string]*Class{}
			}
			sn := c.SimpleName()
			cl := classes[p][Safe(sn)]
			if cl == nil {
				cl = &Class{Name: sn}
				classes[p][Safe(sn)] = cl
				p.Classes = append(p.Classes, cl)
			}
			cl.Cases = append(cl.Cases, c)
		}
	}
	out := make([]*Package, 0, len(byPkg))
	for _, p := range byPkg {
		slices.SortFunc(p.Classes, func(a, b *Class) int { return antglob.JavaCompare(Safe(a.Name), Safe(b.Name)) })
		for _, cl := range p.Classes {
			slices.SortStableFunc(cl.Cases, func(a, b *Case) int {
				if c := antglob.JavaCompare(a.ClassName, b.ClassName); c != 0 {
					return c
				}
				return antglob.JavaCompare(a.Name(), b.Name())
			})
			for _, c := range cl.Cases {
				switch {
				case c.Skipped:
					cl.SkipCount++
				case c.Passed():
					cl.PassCount++
				default:
					cl.FailCount++
				}
				cl.Duration += c.Duration
			}
			p.PassCount += cl.PassCount
			p.FailCount += cl.FailCount
			p.SkipCount += cl.SkipCount
			p.Duration += cl.Duration
		}
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b *Package) int { return antglob.JavaCompare(Safe(a.Name), Safe(b.Name)) })
	return out
}
