package discard

import (
	"errors"
	"iter"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

var now = time.Date(2024, 6, 15, 12, 0, 0, 0, time.UTC)

// history builds n builds, newest first, one a day up to now.
func history(n int, edit func(b *Build)) Slice {
	var s Slice
	for i := n; i >= 1; i-- {
		b := Build{Number: i, Start: now.AddDate(0, 0, -(n - i)), HasArtifacts: true}
		if edit != nil {
			edit(&b)
		}
		s = append(s, b)
	}
	return s
}

func TestPlan(t *testing.T) {
	tests := []struct {
		name      string
		rotator   LogRotator
		builds    Slice
		protected Protected
		delete    []int
		strip     []int
	}{
		{"numToKeep keeps the newest N", LogRotator{-1, 3, -1, -1, false}, history(6, nil), Protected{}, []int{3, 2, 1}, nil},
		{"numToKeep 0 deletes every unprotected build", LogRotator{-1, 0, -1, -1, false}, history(3, nil), Protected{LastSuccessful: 2}, []int{3, 1}, nil},
		{"the last successful and stable builds are protected", LogRotator{-1, 1, -1, -1, false}, history(5, nil), Protected{LastSuccessful: 4, LastStable: 2}, []int{3, 1}, nil},
		{"removeLastBuild lets them go", LogRotator{-1, 1, -1, -1, true}, history(5, nil), Protected{LastSuccessful: 4, LastStable: 2}, []int{4, 3, 2, 1}, nil},
		{"kept and running builds are never deleted", LogRotator{-1, 1, -1, -1, false}, history(5, func(b *Build) { b.Keep = b.Number == 2; b.Building = b.Number == 3 }), Protected{}, []int{4, 1}, nil},
		{"kept and running builds count among the newest", LogRotator{-1, 2, -1, -1, false}, history(4, func(b *Build) { b.Building = b.Number >= 3 }), Protected{}, []int{2, 1}, nil},
		{"daysToKeep deletes the builds older than the cutoff", LogRotator{2, -1, -1, -1, false}, history(5, nil), Protected{}, []int{1, 2}, nil},
		{"daysToKeep 0 deletes builds started before now", LogRotator{0, -1, -1, -1, false}, history(3, nil), Protected{}, []int{1, 2}, nil},
		{"daysToKeep stops at the first recent build", LogRotator{2, -1, -1, -1, false}, Slice{
			{Number: 3, Start: now.AddDate(0, 0, -9)}, {Number: 2, Start: now}, {Number: 1, Start: now.AddDate(0, 0, -9)},
		}, Protected{}, []int{1}, nil},
		{"artifactNumToKeep strips all but the newest N", LogRotator{-1, -1, -1, 2, false}, history(5, nil), Protected{}, nil, []int{3, 2, 1}},
		{"artifactNumToKeep counts the builds left after deleting", LogRotator{2, -1, -1, 2, false}, history(6, nil), Protected{}, []int{1, 2, 3}, []int{4}},
		{"artifactNumToKeep 0 strips every unprotected build", LogRotator{-1, -1, -1, 0, false}, history(3, nil), Protected{LastStable: 3}, nil, []int{2, 1}},
		{"builds without artifacts are not listed for stripping", LogRotator{-1, -1, -1, 1, false}, history(4, func(b *Build) { b.HasArtifacts = b.Number != 2 }), Protected{}, nil, []int{3, 1}},
		{"artifactDaysToKeep strips old builds' artifacts", LogRotator{-1, -1, 1, -1, false}, history(4, nil), Protected{}, nil, []int{1, 2}},
		{"deleted builds are not stripped too", LogRotator{-1, 2, 0, 0, false}, history(4, nil), Protected{}, []int{2, 1}, []int{4, 3}},
		{"a rotator without limits discards nothing", Unlimited, history(4, nil), Protected{}, nil, nil},
		{"negative limits other than -1 are no limits", LogRotator{-5, -2, -3, -4, false}, history(4, nil), Protected{}, nil, nil},
		{"an empty history discards nothing", LogRotator{0, 0, 0, 0, false}, nil, Protected{}, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := tc.rotator.Plan(tc.builds, tc.protected, now)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(d.Delete, tc.delete) || !slices.Equal(d.DeleteArtifacts, tc.strip) {
				t.Errorf("Plan = delete %v, strip %v; want delete %v, strip %v", d.Delete, d.DeleteArtifacts, tc.delete, tc.strip)
			}
			ref := reference(tc.rotator, tc.builds, tc.protected, now)
			if !slices.Equal(d.Delete, ref.Delete) || !slices.Equal(d.DeleteArtifacts, ref.DeleteArtifacts) {
				t.Errorf("Plan = %+v, Jenkins's algorithm = %+v", d, ref)
			}
		})
	}
}

func TestPlanDaysAreCalendarDaysInNowsLocation(t *testing.T) {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skipf("no time zone data: %v", err)
	}
	// The night clocks go forward: 1 calendar day is 23 hours.
	at := time.Date(2024, 3, 31, 12, 0, 0, 0, loc)
	builds := Slice{{Number: 1, Start: at.Add(-23*time.Hour - time.Minute)}}
	d, _ := LogRotator{1, -1, -1, -1, false}.Plan(builds, Protected{}, at)
	if !slices.Equal(d.Delete, []int{1}) {
		t.Errorf("a build 23h01m old on a 23-hour day is not deleted: %v", d.Delete)
	}
	builds[0].Start = at.Add(-22*time.Hour - 59*time.Minute)
	d, _ = LogRotator{1, -1, -1, -1, false}.Plan(builds, Protected{}, at)
	if len(d.Delete) != 0 {
		t.Errorf("a build 22h59m old is deleted: %v", d.Delete)
	}
}

// reference is LogRotator.perform transcribed: builds newest first,
// deletions removed from the live list between passes.
func reference(r LogRotator, builds []Build, p Protected, now time.Time) Decision {
	var d Decision
	live := slices.Clone(builds)
	keep := func(b Build) bool {
		return b.Keep || (!r.RemoveLastBuild && b.Number != 0 && (b.Number == p.LastSuccessful || b.Number == p.LastStable)) || b.Building
	}
	remove := func(n int) {
		live = slices.DeleteFunc(live, func(b Build) bool { return b.Number == n })
		d.Delete = append(d.Delete, n)
	}
	purged := map[int]bool{}
	purge := func(b Build) {
		if b.HasArtifacts && !purged[b.Number] {
			purged[b.Number] = true
			d.DeleteArtifacts = append(d.DeleteArtifacts, b.Number)
		}
	}
	if r.NumToKeep >= 0 && r.NumToKeep < len(live) {
		for _, b := range slices.Clone(live[r.NumToKeep:]) {
			if !keep(b) {
				remove(b.Number)
			}
		}
	}
	if r.DaysToKeep >= 0 {
		cal := now.AddDate(0, 0, -r.DaysToKeep)
		for _, b := range slices.Backward(slices.Clone(live)) {
			if !b.Start.Before(cal) {
				break
			}
			if !keep(b) {
				remove(b.Number)
			}
		}
	}
	if r.ArtifactNumToKeep >= 0 && r.ArtifactNumToKeep < len(live) {
		for _, b := range live[r.ArtifactNumToKeep:] {
			if !keep(b) {
				purge(b)
			}
		}
	}
	if r.ArtifactDaysToKeep >= 0 {
		cal := now.AddDate(0, 0, -r.ArtifactDaysToKeep)
		for _, b := range slices.Backward(live) {
			if !b.Start.Before(cal) {
				break
			}
			if !keep(b) {
				purge(b)
			}
		}
	}
	return d
}

// randomCase makes a history whose start times grow with build numbers,
// as they do when the clock does not go back.
func randomCase(rng *rand.Rand) (LogRotator, Slice, Protected) {
	n := rng.IntN(40)
	t := now.AddDate(0, 0, -rng.IntN(60))
	var asc []Build
	for i := 1; i <= n; i++ {
		t = t.Add(time.Duration(rng.IntN(48)) * time.Hour)
		asc = append(asc, Build{Number: i, Start: t, Building: i == n && rng.IntN(3) == 0, Keep: rng.IntN(8) == 0, HasArtifacts: rng.IntN(3) != 0})
	}
	slices.Reverse(asc)
	limit := func() int { return rng.IntN(12) - 2 }
	r := LogRotator{limit(), limit(), limit(), limit(), rng.IntN(4) == 0}
	var p Protected
	if n > 0 {
		p = Protected{LastSuccessful: rng.IntN(n + 1), LastStable: rng.IntN(n + 1)}
	}
	return r, Slice(asc), p
}

func TestPlanAgreesWithJenkinsOnRandomHistories(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		r, s, p := randomCase(rng)
		clamp := func(v int) int { return max(v, -1) }
		r = LogRotator{clamp(r.DaysToKeep), clamp(r.NumToKeep), clamp(r.ArtifactDaysToKeep), clamp(r.ArtifactNumToKeep), r.RemoveLastBuild}
		got, err := r.Plan(s, p, now)
		if err != nil {
			t.Fatal(err)
		}
		want := reference(r, s, p, now)
		if !slices.Equal(got.Delete, want.Delete) || !slices.Equal(got.DeleteArtifacts, want.DeleteArtifacts) {
			t.Fatalf("rotator %+v, protected %+v, history %+v:\nPlan %+v\nJenkins %+v", r, p, s, got, want)
		}
	}
}

// counting is a History that counts the builds it yields.
type counting struct {
	Slice
	read int
}

func (c *counting) count(seq iter.Seq2[Build, error]) iter.Seq2[Build, error] {
	return func(yield func(Build, error) bool) {
		for b, err := range seq {
			c.read++
			if !yield(b, err) {
				return
			}
		}
	}
}
func (c *counting) Newest(skip int) iter.Seq2[Build, error] { return c.count(c.Slice.Newest(skip)) }
func (c *counting) Oldest() iter.Seq2[Build, error]         { return c.count(c.Slice.Oldest()) }
func (c *counting) OldestWithArtifacts() iter.Seq2[Build, error] {
	return c.count(c.Slice.OldestWithArtifacts())
}
func (c *counting) WithArtifactsBelow(n int) iter.Seq2[Build, error] {
	return c.count(c.Slice.WithArtifactsBelow(n))
}

func TestPlanReadsWhatItDiscardsNotTheHistory(t *testing.T) {
	const n = 100_000
	// Logs kept forever; only the newest 6 builds still have artifacts.
	long := history(n, func(b *Build) { b.HasArtifacts = b.Number > n-6 })
	tests := []struct {
		name    string
		rotator LogRotator
		builds  Slice
		maxRead int
		strip   int
	}{
		{"artifactNumToKeep reads the kept builds and those it strips", LogRotator{-1, -1, -1, 3, false}, long, 3 + 3, 3},
		{"artifactDaysToKeep reads the builds with artifacts up to a recent one", LogRotator{-1, -1, 3, -1, false}, long, 6, 2},
		{"numToKeep reads the builds beyond the kept ones", LogRotator{-1, 10, -1, -1, false}, history(12, nil), 2, 0},
		{"daysToKeep reads the old builds and one recent", LogRotator{5, -1, -1, -1, false}, history(8, nil), 3 + 1, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := &counting{Slice: tc.builds}
			d, err := tc.rotator.Plan(h, Protected{}, now)
			if err != nil {
				t.Fatal(err)
			}
			if h.read > tc.maxRead {
				t.Errorf("read %d builds, want at most %d", h.read, tc.maxRead)
			}
			if len(d.DeleteArtifacts) != tc.strip {
				t.Errorf("stripped %v", d.DeleteArtifacts)
			}
		})
	}
}

type failing struct{ Slice }

func (failing) Oldest() iter.Seq2[Build, error] {
	return func(yield func(Build, error) bool) { yield(Build{}, errors.New("disk on fire")) }
}

func TestPlanReturnsHistoryErrors(t *testing.T) {
	_, err := LogRotator{1, -1, -1, -1, false}.Plan(failing{history(3, nil)}, Protected{}, now)
	if err == nil || err.Error() != "disk on fire" {
		t.Errorf("err = %v", err)
	}
}

func FuzzPlan(f *testing.F) {
	f.Add(uint64(1), uint64(2))
	f.Fuzz(func(t *testing.T, a, b uint64) {
		r, s, p := randomCase(rand.New(rand.NewPCG(a, b)))
		got, err := r.Plan(s, p, now)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[int]bool{}
		for _, n := range append(slices.Clone(got.Delete), got.DeleteArtifacts...) {
			if seen[n] {
				t.Fatalf("build %d listed twice in %+v", n, got)
			}
			seen[n] = true
		}
		for _, bd := range s {
			if (bd.Keep || bd.Building) && seen[bd.Number] {
				t.Fatalf("protected build %d discarded: %+v", bd.Number, got)
			}
		}
	})
}
