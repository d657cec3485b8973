// Package buildstep holds what Jenkins's publishers share when they
// report to a build: the failure of a step, worded as AbstractBuild's
// reportError words it.
package buildstep

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
