// Command jeeves is a Jenkins-compatible automation server.
package main

import (
	"os"

	"github.com/jeeves-ci/jeeves/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
