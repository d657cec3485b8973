// Command jeeves-bench builds jeeves, starts it on loopback, measures it
// beside the machine's own floor and prints the table BENCHMARKS.md shows.
package main

import (
	"os"

	"github.com/jeeves-ci/jeeves/internal/bench"
)

func main() {
	os.Exit(bench.Main(os.Args[1:], os.Stdout, os.Stderr))
}
