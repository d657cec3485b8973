package sqlite

import (
	"testing"
	"time"
)

// TestCommitsLeaveCheckpointsToTheCheckpointer: no commit copies the
// write-ahead log back into the database (that costs two fsyncs on
// whichever commit crossed the threshold: a build's, a request's); the
// store's own checkpointer does, and then everything is copied.
func TestCommitsLeaveCheckpointsToTheCheckpointer(t *testing.T) {
	s, err := open(t.TempDir(), time.Hour) // the test checkpoints itself
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.db.Exec(`CREATE TABLE filler (b BLOB)`); err != nil {
		t.Fatal(err)
	}
	// ~2,000 pages in 500 commits: past SQLite's default threshold for
	// checkpointing on commit (1,000 pages).
	for range 500 {
		if _, err := s.db.Exec(`INSERT INTO filler VALUES (randomblob(12000))`); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("the commits did not checkpoint the log", func(t *testing.T) {
		var busy, frames, copied int64
		// A checkpoint that copies nothing still reports the log's size.
		if err := s.db.QueryRow(`PRAGMA wal_checkpoint(NOOP)`).Scan(&busy, &frames, &copied); err != nil {
			t.Skip("NOOP checkpoints unsupported:", err)
		}
		if frames < 1500 {
			t.Fatalf("the log holds %d frames after ~2,000 pages written: a commit checkpointed it", frames)
		}
	})
	t.Run("Checkpoint copies the whole log", func(t *testing.T) {
		frames, copied, err := s.Checkpoint()
		if err != nil {
			t.Fatal(err)
		}
		if frames == 0 || copied != frames {
			t.Fatalf("checkpoint copied %d of %d frames", copied, frames)
		}
	})
}
