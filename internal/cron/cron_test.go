package cron

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func at(y int, mo time.Month, d, h, mi int) time.Time {
	return time.Date(y, mo, d, h, mi, 0, 0, time.UTC)
}

// fixedHash is a Hash that always answers f(n), as Jenkins's tests use.
type fixedHash func(int32) int32

func (f fixedHash) next(n int32) int32 { return f(n) }

func bitset(bits uint64) string {
	var b strings.Builder
	for i := 0; i < 64; i++ {
		if bits&(1<<i) != 0 {
			fmt.Fprintf(&b, "%d;", i)
		}
	}
	return b.String()
}

// The vectors below are Jenkins's own (core/src/test/java/hudson/scheduler/
// CronTabTest.java); months there are 0-based, here they are time.Month.
func TestNextMatchesJenkinsCeil(t *testing.T) {
	cases := []struct {
		name, spec, seed string
		from, want       time.Time
	}{
		{"a list of minutes picks the next one", "0,30 * * * *", "", at(2000, 3, 1, 1, 10), at(2000, 3, 1, 1, 30)},
		{"a list of minutes rolls over to the next hour", "0,30 * * * *", "", at(2000, 3, 1, 1, 40), at(2000, 3, 1, 2, 0)},
		{"lower fields are reset when the hour moves", "15,45 3 * * *", "", at(2000, 3, 1, 2, 30), at(2000, 3, 1, 3, 15)},
		{"day of month and day of week must both match", "0 0 1 * 0", "", at(2010, 1, 1, 15, 55), at(2010, 8, 1, 0, 0)},
		{"day of week 7 is Sunday", "0 0 1 * 7", "", at(2010, 1, 1, 15, 55), at(2010, 8, 1, 0, 0)},
		{"weekdays skip the weekend", "0 23 * * 1-5", "", at(2011, 1, 16, 0, 0), at(2011, 1, 17, 23, 0)},
		{"H hashes the minute from the seed", "H 17 * * *", "stuff", at(2013, 3, 21, 16, 21), at(2013, 3, 21, 17, 56)},
		{"H every hour", "H * * * *", "stuff", at(2013, 3, 21, 16, 21), at(2013, 3, 21, 16, 56)},
		{"@hourly hashes like H", "@hourly", "stuff", at(2013, 3, 21, 16, 21), at(2013, 3, 21, 16, 56)},
		{"another seed gives another minute", "@hourly", "junk", at(2013, 3, 21, 16, 21), at(2013, 3, 21, 17, 20)},
		{"H(a-b) draws after the minute's H", "H H(12-13) * * *", "stuff", at(2013, 3, 21, 16, 21), at(2013, 3, 22, 13, 56)},
		{"H/15 starts at a hashed offset", "H/15 * * * *", "stuff", at(2013, 3, 21, 16, 21), at(2013, 3, 21, 16, 26)},
		{"H/15 repeats every 15 minutes", "H/15 * * * *", "stuff", at(2013, 3, 21, 16, 31), at(2013, 3, 21, 16, 41)},
		{"H/15 reaches the last quarter", "H/15 * * * *", "stuff", at(2013, 3, 21, 16, 42), at(2013, 3, 21, 16, 56)},
		{"H/15 rolls over the hour", "H/15 * * * *", "stuff", at(2013, 3, 21, 16, 59), at(2013, 3, 21, 17, 11)},
		{"H(0-15)/3 stays in its range", "H(0-15)/3 * * * *", "junk", at(2013, 3, 21, 0, 0), at(2013, 3, 21, 0, 2)},
		{"H(0-3)/4 picks one minute", "H(0-3)/4 * * * *", "junk", at(2013, 3, 21, 0, 0), at(2013, 3, 21, 0, 2)},
		{"H(0-3)/4 waits for the next hour", "H(0-3)/4 * * * *", "junk", at(2013, 3, 21, 0, 5), at(2013, 3, 21, 1, 2)},
		{"lines are ORed and comments skipped", "# nightly\n\n30 2 * * *\n15 1 * * *", "", at(2020, 1, 1, 0, 0), at(2020, 1, 1, 1, 15)},
		{"the minute itself is not next", "*/5 * * * *", "", at(2020, 1, 1, 0, 5), at(2020, 1, 1, 0, 10)},
		{"seconds are dropped", "*/5 * * * *", "", at(2020, 1, 1, 0, 4).Add(59 * time.Second), at(2020, 1, 1, 0, 5)},
		{"month steps", "0 0 1 1-10/3 *", "", at(2020, 2, 1, 0, 0), at(2020, 4, 1, 0, 0)},
		{"29 February waits for a leap year", "0 0 29 2 *", "", at(2021, 3, 1, 0, 0), at(2024, 2, 29, 0, 0)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := Parse(c.spec, c.seed)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := s.Next(c.from)
			if !ok || !got.Equal(c.want) {
				t.Fatalf("Next(%v) = %v, %v; want %v", c.from, got, ok, c.want)
			}
			if !s.Matches(c.want) {
				t.Errorf("Matches(%v) = false", c.want)
			}
		})
	}
}

func TestHashBitsMatchJenkins(t *testing.T) {
	cases := []struct {
		name string
		h    hash
		want [4]string
	}{
		{"a hash answering n-1 picks the top of each range", fixedHash(func(n int32) int32 { return n - 1 }),
			[4]string{"59;", "8;", "3;6;9;12;15;18;21;24;27;", "4;8;"}},
		{"a hash answering 1 picks the second value", fixedHash(func(int32) int32 { return 1 }),
			[4]string{"1;", "6;", "2;5;8;11;14;17;20;23;26;", "2;6;10;"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := parse("H H(5-8) H/3 H(1-10)/4 *", c.h)
			if err != nil {
				t.Fatal(err)
			}
			for f, want := range c.want {
				if got := bitset(s.lines[0].bits[f]); got != want {
					t.Errorf("field %d = %s, want %s", f, got, want)
				}
			}
		})
	}
}

func TestTimeZoneLine(t *testing.T) {
	t.Run("a TZ= first line schedules in that zone", func(t *testing.T) {
		s, err := Parse("TZ=Asia/Tokyo\n0 9 * * *", "")
		if err != nil {
			t.Fatal(err)
		}
		got, _ := s.Next(at(2024, 6, 1, 0, 0)) // 09:00 in Tokyo
		if !got.Equal(at(2024, 6, 1, 0, 0).Add(24 * time.Hour)) {
			// 2024-06-01 00:00 UTC is 09:00 JST: the next one is a day later.
			t.Fatalf("next = %v", got.UTC())
		}
		if !s.Matches(at(2024, 6, 1, 0, 0)) {
			t.Error("09:00 JST does not match")
		}
	})
	t.Run("an unknown zone is refused", func(t *testing.T) {
		_, err := Parse("TZ=Mars/Olympus\n0 9 * * *", "")
		if err == nil || !strings.Contains(err.Error(), "Invalid or unsupported timezone 'Mars/Olympus'") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestBadSpecsAreRefused(t *testing.T) {
	cases := []struct{ name, spec, want string }{
		{"four fields", "* * * *", "Invalid input: \"* * * *\""},
		{"a minute out of range", "60 * * * *", "60 is an invalid value. Must be within 0 and 59"},
		{"a reversed range", "5-1 * * * *", "You mean 1-5?"},
		{"a zero step", "*/0 * * * *", "step must be positive, but found 0"},
		{"a hash step wider than its range", "H(0-3)/15 * * * *", "15 is an invalid value. Must be within 1 and 4"},
		{"an unknown alias", "@often", "token recognition error"},
		{"letters", "a b c d e", "token recognition error"},
		{"a huge number", "99999999999 * * * *", "For input string"},
		{"a day of week of 8", "0 0 * * 8", "8 is an invalid value. Must be within 0 and 7"},
		{"a month of 0", "0 0 1 0 *", "0 is an invalid value. Must be within 1 and 12"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(c.spec, "job")
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Parse(%q) error = %v, want it to contain %q", c.spec, err, c.want)
			}
		})
	}
}

func TestPreviousIsTheLastMatchingMinute(t *testing.T) {
	cases := []struct {
		name, spec, seed string
		from, want       time.Time
	}{
		{"the minute itself counts", "*/5 * * * *", "", at(2020, 1, 1, 0, 5).Add(30 * time.Second), at(2020, 1, 1, 0, 5)},
		{"a list of minutes picks the one before", "0,30 * * * *", "", at(2000, 3, 1, 1, 10), at(2000, 3, 1, 1, 0)},
		{"an hour that does not match goes back to the one before", "15,45 3 * * *", "", at(2000, 3, 1, 2, 30), at(2000, 2, 29, 3, 45)},
		{"weekdays skip the weekend", "0 23 * * 1-5", "", at(2011, 1, 16, 12, 0), at(2011, 1, 14, 23, 0)},
		{"H hashes as in Next", "H 17 * * *", "stuff", at(2013, 3, 21, 16, 21), at(2013, 3, 20, 17, 56)},
		{"month steps", "0 0 1 1-10/3 *", "", at(2020, 3, 15, 0, 0), at(2020, 1, 1, 0, 0)},
		{"29 February looks back to the last leap year", "0 0 29 2 *", "", at(2023, 3, 1, 0, 0), at(2020, 2, 29, 0, 0)},
		{"lines are ORed", "30 2 * * *\n15 1 * * *", "", at(2020, 1, 1, 2, 0), at(2020, 1, 1, 1, 15)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := Parse(c.spec, c.seed)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := s.Previous(c.from)
			if !ok || !got.Equal(c.want) {
				t.Fatalf("Previous(%v) = %v, %v; want %v", c.from, got, ok, c.want)
			}
		})
	}
	t.Run("a spec that never matches has no previous minute", func(t *testing.T) {
		s, _ := Parse("0 0 31 2 *", "")
		if got, ok := s.Previous(at(2020, 1, 1, 0, 0)); ok {
			t.Fatalf("Previous = %v, want none", got)
		}
	})
	t.Run("TZ= gives the time in that zone", func(t *testing.T) {
		s, _ := Parse("TZ=Asia/Tokyo\n0 9 * * *", "")
		got, ok := s.Previous(at(2024, 6, 1, 1, 0)) // 10:00 in Tokyo
		if !ok || got.Location().String() != "Asia/Tokyo" || !got.Equal(at(2024, 6, 1, 0, 0)) {
			t.Fatalf("Previous = %v", got)
		}
	})
}

func TestNeverMatchingSpecHasNoNext(t *testing.T) {
	s, err := Parse("0 0 31 2 *", "")
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := s.Next(at(2020, 1, 1, 0, 0)); ok {
		t.Fatalf("Next = %v, want none", got)
	}
	if e, _ := Parse("# only a comment\n", ""); !e.Empty() {
		t.Error("a comment-only spec is not Empty")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"H/15 * * * *", "@daily", "TZ=UTC\n0 0 * * 1-5", "H(0-29)/10 H(1-3) * * *", "1-59/2147483647 * * * *", "* * * * *,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		s, err := Parse(spec, "fuzz")
		if err != nil {
			return
		}
		from := at(2024, 1, 1, 0, 0)
		if n, ok := s.Next(from); ok {
			if !n.After(from) || !s.Matches(n) {
				t.Fatalf("Next(%v) = %v, which does not match %q", from, n, spec)
			}
		}
		if p, ok := s.Previous(from); ok {
			if p.After(from) || !s.Matches(p) {
				t.Fatalf("Previous(%v) = %v, which does not match %q", from, p, spec)
			}
		}
	})
}

// The expected values were printed by a JDK (java.util.Random) on the
// machine this was written on.
func TestJavaRandomMatchesJava(t *testing.T) {
	cases := []struct {
		name   string
		seed   int64
		bounds []int32
		want   []int32
	}{
		{"seed 42 across small, power-of-two and huge bounds", 42,
			[]int32{10, 10, 7, 1 << 20, 1000000007, 60}, []int32{0, 3, 6, 50268, 662969970, 25}},
		{"a negative seed", -8070450532247928832, []int32{60, 24}, []int32{0, 4}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newJavaRandom(c.seed)
			for i, n := range c.bounds {
				if got := r.next(n); got != c.want[i] {
					t.Fatalf("draw %d nextInt(%d) = %d, want %d", i, n, got, c.want[i])
				}
			}
		})
	}
}
