package credentials

import "time"

// Use is one use of a credential by a build: what Jenkins records in a
// credential's fingerprint (the job and the build number), with the
// job's id, which survives a rename, and when.
type Use struct {
	JobID   int64
	JobName string // the job's full name when the build used it
	Number  int64
	At      time.Time
}
