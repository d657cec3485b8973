package store

import (
	"context"
	"time"

	"github.com/jeeves-ci/jeeves/internal/model"
)

// CreateView stores a new view; ErrExists if the name is taken.
func (s *Store) CreateView(ctx context.Context, name string, configXML []byte, now time.Time) error {
	_, err := s.exec(ctx, `INSERT INTO views (name, config_xml, created_at) VALUES (?, ?, ?)`, name, configXML, ms(now))
	if isUniqueViolation(err) {
		return ErrExists
	}
	return err
}

// Views lists every stored view.
func (s *Store) Views(ctx context.Context) ([]*model.View, error) {
	rows, err := s.query(ctx, `SELECT name, config_xml FROM views ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*model.View
	for rows.Next() {
		var v model.View
		if err := rows.Scan(&v.Name, &v.ConfigXML); err != nil {
			return nil, err
		}
		out = append(out, &v)
	}
	return out, rows.Err()
}

// UpdateView replaces a view's config.xml.
func (s *Store) UpdateView(ctx context.Context, name string, configXML []byte) error {
	res, err := s.exec(ctx, `UPDATE views SET config_xml = ? WHERE name = ?`, configXML, name)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// DeleteView removes a view.
func (s *Store) DeleteView(ctx context.Context, name string) error {
	res, err := s.exec(ctx, `DELETE FROM views WHERE name = ?`, name)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// ReplaceView stores a view's new config.xml under a new name (or the
// same) in one statement; ErrExists if the new name is taken.
func (s *Store) ReplaceView(ctx context.Context, name, newName string, configXML []byte) error {
	res, err := s.exec(ctx, `UPDATE views SET name = ?, config_xml = ? WHERE name = ?`, newName, configXML, name)
	if isUniqueViolation(err) {
		return ErrExists
	}
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}
