package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jeeves-ci/jeeves/internal/model"
)

const jobCols = `id, name, config_xml, next_build_number, created_at, configured_by`

func scanJob(row interface{ Scan(...any) error }) (*model.Job, error) {
	var j model.Job
	var created int64
	var by string
	if err := row.Scan(&j.ID, &j.Name, &j.ConfigXML, &j.NextBuildNumber, &created, &by); err != nil {
		return nil, mapErr(err)
	}
	j.CreatedAt = fromMS(created)
	var err error
	if j.ConfiguredBy, err = decodeAuthority(by); err != nil {
		return nil, fmt.Errorf("job %s configured_by: %w", j.Name, err)
	}
	return &j, nil
}

// encodeAuthority is an authority as stored: JSON, or "" for nil (not
// recorded).
func encodeAuthority(a *model.Authority) (string, error) {
	if a == nil {
		return "", nil
	}
	b, err := json.Marshal(a)
	return string(b), err
}

func decodeAuthority(s string) (*model.Authority, error) {
	if s == "" {
		return nil, nil
	}
	var a model.Authority
	if err := json.Unmarshal([]byte(s), &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// CreateJob implements store.Jobs.
func (s *Store) CreateJob(ctx context.Context, name string, configXML []byte, now time.Time, by *model.Authority) (*model.Job, error) {
	enc, err := encodeAuthority(by)
	if err != nil {
		return nil, err
	}
	res, err := s.exec(ctx, `INSERT INTO jobs (name, config_xml, next_build_number, created_at, configured_by) VALUES (?, ?, 1, ?, ?)`,
		name, configXML, ms(now), enc)
	if err != nil {
		return nil, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return nil, mapErr(err)
	}
	return &model.Job{ID: id, Name: name, ConfigXML: configXML, NextBuildNumber: 1, CreatedAt: now, ConfiguredBy: by}, nil
}

// Job implements store.Jobs.
func (s *Store) Job(ctx context.Context, name string) (*model.Job, error) {
	return scanJob(s.queryRow(ctx, `SELECT `+jobCols+` FROM jobs WHERE name = ?`, name))
}

// Jobs implements store.Jobs.
func (s *Store) Jobs(ctx context.Context) ([]*model.Job, error) {
	rows, err := s.query(ctx, `SELECT `+jobCols+` FROM jobs ORDER BY id`)
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
	return out, mapErr(rows.Err())
}

// UpdateJobConfig implements store.Jobs.
func (s *Store) UpdateJobConfig(ctx context.Context, id int64, configXML []byte, by *model.Authority) error {
	enc, err := encodeAuthority(by)
	if err != nil {
		return err
	}
	return s.change(ctx, `UPDATE jobs SET config_xml = ?, configured_by = ? WHERE id = ?`, configXML, enc, id)
}

// DeleteJob implements store.Jobs: the builds and queue items go by the
// schema's ON DELETE CASCADE.
func (s *Store) DeleteJob(ctx context.Context, id int64) error {
	return s.change(ctx, `DELETE FROM jobs WHERE id = ?`, id)
}

// RenameJob implements store.Jobs.
func (s *Store) RenameJob(ctx context.Context, oldName, newName string) error {
	return s.change(ctx, `UPDATE jobs SET name = ? WHERE name = ?`, newName, oldName)
}
