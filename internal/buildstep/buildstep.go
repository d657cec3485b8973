// Package buildstep holds what Jenkins's publishers share when they
// report to a build: the failure of a step, worded as AbstractBuild's
// reportError words it, and finding a publisher in a project's
// config.xml.
package buildstep

import (
	"bytes"

	"github.com/jeeves-ci/jeeves/internal/jxml"
)

// Error is a build step's failure. The build's result becomes FAILURE,
// and the publishers after it still run.
type Error struct {
	// Step is the step's display name, such as "Archive the artifacts".
	Step string
	// Message says what failed.
	Message string
	// Exception marks a failure Jenkins reports as an exception (an
	// IOException rather than an AbortException): "aborted due to
	// exception" followed by the message on the next line, where Jenkins
	// prints a stack trace.
	Exception bool
}

func (e *Error) Error() string { return e.Message }

// Line is the console text Jenkins prints for the failure.
func (e *Error) Line() string {
	if e.Exception {
		return "ERROR: Step ‘" + e.Step + "’ aborted due to exception: \n" + e.Message
	}
	return "ERROR: Step ‘" + e.Step + "’ failed: " + e.Message
}

// Publisher finds the first element of class among the publishers of a
// project's config.xml (Jenkins keeps one publisher of each class); nil
// when there is none, or the config.xml cannot be read (the job's parse
// reports that).
func Publisher(configXML []byte, class string) *jxml.Element {
	if !bytes.Contains(configXML, []byte(class)) {
		return nil
	}
	root, err := jxml.Parse(configXML)
	if err != nil {
		return nil
	}
	pubs := root.Child("publishers")
	if pubs == nil {
		return nil
	}
	return pubs.Child(class)
}
