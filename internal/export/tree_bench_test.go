package export

import (
	"math"
	"strconv"
	"testing"
)

// BenchmarkParseTree parses n names at one level with the bounds lifted,
// to show the cost per name stays flat, and with them (ParseTree), where
// 40,000 names are refused at the size bound without being parsed.
//
//	go test -run XXX -bench BenchmarkParseTree ./internal/export
func BenchmarkParseTree(b *testing.B) {
	for _, n := range []int{2000, 40000} {
		s := flatTree(n)
		b.Run("unbounded/names="+strconv.Itoa(n), func(b *testing.B) {
			b.SetBytes(int64(len(s)))
			for b.Loop() {
				if _, _, err := parseTree(s, math.MaxInt, math.MaxInt); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("ParseTree/names="+strconv.Itoa(n), func(b *testing.B) {
			b.SetBytes(int64(len(s)))
			for b.Loop() {
				ParseTree(s)
			}
		})
	}
}
