package sqlite

import (
	"context"
	"time"

	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/store"
)

// SetBuildArtifacts implements store.Records; the trigger
// builds_disk_changed carries delta to the job.
func (s *Store) SetBuildArtifacts(ctx context.Context, jobID, number int64, has bool, delta int64) error {
	return s.change(ctx, `UPDATE builds SET has_artifacts = ?, disk_bytes = max(0, disk_bytes + ?) WHERE job_id = ? AND number = ?`, has, delta, jobID, number)
}

// AddBuildDisk implements store.Records.
func (s *Store) AddBuildDisk(ctx context.Context, jobID, number, delta int64) error {
	return s.change(ctx, `UPDATE builds SET disk_bytes = max(0, disk_bytes + ?) WHERE job_id = ? AND number = ?`, delta, jobID, number)
}

// JobDiskUsage implements store.Records: one row, kept by triggers.
func (s *Store) JobDiskUsage(ctx context.Context, jobID int64) (int64, error) {
	var n int64
	err := s.queryRow(ctx, `SELECT disk_bytes FROM jobs WHERE id = ?`, jobID).Scan(&n)
	return n, err
}

// BuildMarks implements store.Records. Each form is one range read of
// the primary key (job_id, number), or of the partial index
// builds_artifacts for WithArtifacts.
func (s *Store) BuildMarks(ctx context.Context, jobID int64, q store.MarkQuery) ([]store.BuildMark, error) {
	where := `job_id = ?`
	args := []any{jobID}
	if q.WithArtifacts {
		where += ` AND has_artifacts = 1`
	}
	order := `DESC`
	if q.Oldest {
		order = `ASC`
	}
	if q.After != 0 {
		if q.Oldest {
			where += ` AND number > ?`
		} else {
			where += ` AND number < ?`
		}
		args = append(args, q.After)
	}
	limit := max(q.Limit, 1)
	args = append(args, limit, max(q.Skip, 0))
	rows, err := s.query(ctx, `SELECT number, started_at, building, result, keep_log, has_artifacts FROM builds WHERE `+where+` ORDER BY number `+order+` LIMIT ? OFFSET ?`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]store.BuildMark, 0, min(limit, 256))
	for rows.Next() {
		var m store.BuildMark
		var started int64
		var result string
		if err := rows.Scan(&m.Number, &started, &m.Building, &result, &m.KeepLog, &m.HasArtifacts); err != nil {
			return nil, mapErr(err)
		}
		m.StartedAt, m.Result = fromMS(started), model.Result(result)
		out = append(out, m)
	}
	return out, mapErr(rows.Err())
}

// RecordFingerprints implements store.Fingerprints, in one transaction.
func (s *Store) RecordFingerprints(ctx context.Context, jobID, number int64, uses []store.FingerprintUse, now time.Time) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		var name string
		if err := s.queryRow(ctx, `SELECT j.name FROM builds b JOIN jobs j ON j.id = b.job_id WHERE b.job_id = ? AND b.number = ?`, jobID, number).Scan(&name); err != nil {
			return err
		}
		for _, u := range uses {
			origJob, origName, origNumber := int64(0), "", int64(0)
			if u.Produced {
				origJob, origName, origNumber = jobID, name, number
			}
			if _, err := s.exec(ctx, `INSERT INTO fingerprints (md5, file_name, original_job_id, original_job, original_number, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (md5) DO NOTHING`,
				u.MD5, u.FileName, origJob, origName, origNumber, ms(now)); err != nil {
				return err
			}
			if _, err := s.exec(ctx, `INSERT INTO fingerprint_usages (md5, job_id, number) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, u.MD5, jobID, number); err != nil {
				return err
			}
		}
		return nil
	})
}

// Fingerprint implements store.Fingerprints: one row and the
// fingerprint's usages, by index.
func (s *Store) Fingerprint(ctx context.Context, md5 string) (*store.FingerprintRecord, error) {
	var f store.FingerprintRecord
	var created int64
	err := s.queryRow(ctx, `SELECT md5, file_name, original_job, original_number, created_at FROM fingerprints WHERE md5 = ?`, md5).Scan(&f.MD5, &f.FileName, &f.OriginalJob, &f.OriginalNumber, &created)
	if err != nil {
		return nil, err
	}
	f.CreatedAt = fromMS(created)
	rows, err := s.query(ctx, `SELECT j.name, u.number FROM fingerprint_usages u JOIN jobs j ON j.id = u.job_id WHERE u.md5 = ? ORDER BY j.name, u.number`, md5)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var job string
		var n int64
		if err := rows.Scan(&job, &n); err != nil {
			return nil, mapErr(err)
		}
		if k := len(f.Usages); k == 0 || f.Usages[k-1].Job != job {
			f.Usages = append(f.Usages, store.FingerprintUsage{Job: job})
		}
		u := &f.Usages[len(f.Usages)-1]
		u.Numbers = append(u.Numbers, n)
	}
	return &f, mapErr(rows.Err())
}
