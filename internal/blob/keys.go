package blob

import "strconv"

// LogKey is the key of a build's console log. It keeps the layout homes
// already have on disk: builds/<job id>/<number>.log.
func LogKey(jobID, number int64) string {
	return "builds/" + strconv.FormatInt(jobID, 10) + "/" + strconv.FormatInt(number, 10) + ".log"
}

// JobKey is the key below which everything a job's builds left is kept:
// deleting it deletes all of them.
func JobKey(jobID int64) string { return "builds/" + strconv.FormatInt(jobID, 10) }

// BuildKey is the key below which a build keeps what it leaves besides
// its log (artifacts, reports, records): builds/<job id>/<number>.
// Deleting it deletes all of them.
func BuildKey(jobID, number int64) string {
	return "builds/" + strconv.FormatInt(jobID, 10) + "/" + strconv.FormatInt(number, 10)
}
