package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jeeves-ci/jeeves/internal/model"
)

const jobCols = `id, name, config_xml, next_build_number, created_at`

func scanJob(row interface{ Scan(...any) error }) (*model.Job, error) {
	var j model.Job
	var created int64
	if err := row.Scan(&j.ID, &j.Name, &j.ConfigXML, &j.NextBuildNumber, &created); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	j.CreatedAt = fromMS(created)
	return &j, nil
}

// CreateJob stores a new job with its config.xml as posted; ErrExists if
// the name is taken.
func (s *Store) CreateJob(ctx context.Context, name string, configXML []byte, now time.Time) (*model.Job, error) {
	res, err := s.exec(ctx, `INSERT INTO jobs (name, config_xml, next_build_number, created_at) VALUES (?, ?, 1, ?)`,
		name, configXML, ms(now))
	if isUniqueViolation(err) {
		return nil, ErrExists
	}
	if err != nil {
		return nil, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return nil, err
	}
	return &model.Job{ID: id, Name: name, ConfigXML: configXML, NextBuildNumber: 1, CreatedAt: now}, nil
}

// Job returns the job with the given full name.
func (s *Store) Job(ctx context.Context, name string) (*model.Job, error) {
	return scanJob(s.queryRow(ctx, `SELECT `+jobCols+` FROM jobs WHERE name = ?`, name))
}

// Jobs lists every job, sorted by name without case as Jenkins sorts them.
func (s *Store) Jobs(ctx context.Context) ([]*model.Job, error) {
	rows, err := s.query(ctx, `SELECT `+jobCols+` FROM jobs ORDER BY name COLLATE NOCASE, name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*model.Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

// UpdateJobConfig replaces a job's config.xml.
func (s *Store) UpdateJobConfig(ctx context.Context, id int64, configXML []byte) error {
	res, err := s.exec(ctx, `UPDATE jobs SET config_xml = ? WHERE id = ?`, configXML, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// DeleteJob removes a job with its builds and queue items.
func (s *Store) DeleteJob(ctx context.Context, id int64) error {
	res, err := s.exec(ctx, `DELETE FROM jobs WHERE id = ?`, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// RenameJob renames an item and, for a folder, every item inside it (their
// full names start with the old name and a "/"), in one transaction.
func (s *Store) RenameJob(ctx context.Context, oldName, newName string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE jobs SET name = ? WHERE name = ?`, newName, oldName)
		if isUniqueViolation(err) {
			return ErrExists
		}
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		prefix := oldName + "/"
		// length() and substr() count characters, as names may be Unicode.
		_, err = tx.ExecContext(ctx, `UPDATE jobs SET name = ? || substr(name, length(?) + 1) WHERE substr(name, 1, length(?)) = ?`,
			newName+"/", prefix, prefix, prefix)
		if isUniqueViolation(err) {
			return ErrExists
		}
		return err
	})
}

// DeleteJobs removes several items (a folder and its contents) at once.
func (s *Store) DeleteJobs(ctx context.Context, ids []int64) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `DELETE FROM jobs WHERE id = ?`, id); err != nil {
				return err
			}
		}
		return nil
	})
}
