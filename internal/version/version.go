// Package version holds jeeves's version, sent as X-Jenkins.
package version

// Version is set at build time with
// -ldflags "-X github.com/jeeves-ci/jeeves/internal/version.Version=…".
var Version = "0.1.0"
