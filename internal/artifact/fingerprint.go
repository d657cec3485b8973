package artifact

import (
	"slices"
	"time"

	"github.com/jeeves-ci/jeeves/internal/export"
)

// FingerprintClass is the _class of /fingerprint/<md5>/api/json.
const FingerprintClass = "hudson.model.Fingerprint"

// Fingerprint is what Jenkins knows of a file by its MD5
// (hudson.model.Fingerprint): where it was first produced and which
// builds of which jobs used it.
type Fingerprint struct {
	// Hash is the MD5, in lower-case hexadecimal.
	Hash string
	// FileName is the file's base name when first recorded.
	FileName string
	// Original is the build that produced the file; nil when it was
	// recorded only as used.
	Original *BuildRef
	// Timestamp is when the fingerprint was first recorded.
	Timestamp time.Time
	// Usages are, for each job by full name in the order first recorded,
	// the build numbers that recorded the file.
	Usages []Usage
}

// BuildRef names a build: its job's full name and its number.
type BuildRef struct {
	Job    string
	Number int
}

// Usage is one job's builds that recorded a file.
type Usage struct {
	Job    string
	Ranges RangeSet
}

// Produced reports whether a file recorded by a build was produced by
// it, as Fingerprinter decides: modified no earlier than the build was
// scheduled.
func Produced(modTime, buildTime time.Time) bool {
	return !modTime.Before(buildTime.Truncate(time.Millisecond))
}

// NewFingerprint starts the record of a file first seen in build b;
// produced says whether b made it (Produced).
func NewFingerprint(md5, fileName string, b BuildRef, produced bool, now time.Time) *Fingerprint {
	f := &Fingerprint{Hash: md5, FileName: fileName, Timestamp: now}
	if produced {
		ref := b
		f.Original = &ref
	}
	f.Add(b)
	return f
}

// Add records that build b used the file.
func (f *Fingerprint) Add(b BuildRef) {
	for i := range f.Usages {
		if f.Usages[i].Job == b.Job {
			f.Usages[i].Ranges.Add(b.Number)
			return
		}
	}
	u := Usage{Job: b.Job}
	u.Ranges.Add(b.Number)
	f.Usages = append(f.Usages, u)
}

// Export returns the fingerprint as /fingerprint/<md5>/api/json writes
// it. visible decides which jobs the reader may discover: usages of other
// jobs are left out and an original build of another job is written as
// null, as Jenkins does; nil shows everything. Usages are in the order
// first recorded (Jenkins keeps them in a Hashtable, in no set order).
func (f *Fingerprint) Export(visible func(job string) bool) *export.Object {
	var orig any
	if f.Original != nil && (visible == nil || visible(f.Original.Job)) {
		orig = &export.Object{Props: []export.Prop{
			{Name: "name", Vis: 2, Value: f.Original.Job},
			{Name: "number", Vis: 2, Value: f.Original.Number},
		}}
	}
	usages := []*export.Object{}
	for _, u := range f.Usages {
		if visible != nil && !visible(u.Job) {
			continue
		}
		ranges := make([]*export.Object, len(u.Ranges))
		for i, r := range u.Ranges {
			ranges[i] = &export.Object{Props: []export.Prop{
				{Name: "end", Vis: 4, Value: r.End},
				{Name: "start", Vis: 4, Value: r.Start},
			}}
		}
		usages = append(usages, &export.Object{Props: []export.Prop{
			{Name: "name", Vis: 2, Value: u.Job},
			{Name: "ranges", Vis: 2, Value: &export.Object{Props: []export.Prop{
				{Name: "ranges", Vis: 3, Value: ranges},
			}}},
		}})
	}
	return &export.Object{Class: FingerprintClass, Props: []export.Prop{
		{Name: "fileName", Vis: 1, Value: f.FileName},
		{Name: "hash", Vis: 1, Value: f.Hash},
		{Name: "original", Vis: 1, Value: orig},
		{Name: "timestamp", Vis: 1, Value: f.Timestamp},
		{Name: "usage", Vis: 1, Value: usages},
	}}
}

// Range is the build numbers from Start up to End, End excluded.
type Range struct{ Start, End int }

// RangeSet is a set of build numbers as sorted, disjoint, non-adjacent
// ranges (Fingerprint.RangeSet).
type RangeSet []Range

// Add puts n in the set, merging ranges it joins.
func (s *RangeSet) Add(n int) {
	rs := *s
	i, _ := slices.BinarySearchFunc(rs, n, func(r Range, n int) int {
		switch {
		case r.End <= n:
			return -1
		case r.Start > n:
			return 1
		}
		return 0
	})
	if i < len(rs) && rs[i].Start <= n && n < rs[i].End {
		return // already in
	}
	joinsLeft := i > 0 && rs[i-1].End == n
	joinsRight := i < len(rs) && rs[i].Start == n+1
	switch {
	case joinsLeft && joinsRight:
		rs[i-1].End = rs[i].End
		rs = slices.Delete(rs, i, i+1)
	case joinsLeft:
		rs[i-1].End = n + 1
	case joinsRight:
		rs[i].Start = n
	default:
		rs = slices.Insert(rs, i, Range{n, n + 1})
	}
	*s = rs
}

// Has reports whether n is in the set.
func (s RangeSet) Has(n int) bool {
	for _, r := range s {
		if r.Start <= n && n < r.End {
			return true
		}
	}
	return false
}
