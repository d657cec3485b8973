package sqlite

import (
	"context"
	"time"

	"github.com/jeeves-ci/jeeves/internal/model"
)

// CreateView implements store.Views.
func (s *Store) CreateView(ctx context.Context, name string, configXML []byte, now time.Time) error {
	_, err := s.exec(ctx, `INSERT INTO views (name, config_xml, created_at) VALUES (?, ?, ?)`, name, configXML, ms(now))
	return err
}

// Views implements store.Views.
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
			return nil, mapErr(err)
		}
		out = append(out, &v)
	}
	return out, mapErr(rows.Err())
}

// UpdateView implements store.Views.
func (s *Store) UpdateView(ctx context.Context, name string, configXML []byte) error {
	return s.change(ctx, `UPDATE views SET config_xml = ? WHERE name = ?`, configXML, name)
}

// DeleteView implements store.Views.
func (s *Store) DeleteView(ctx context.Context, name string) error {
	return s.change(ctx, `DELETE FROM views WHERE name = ?`, name)
}

// ReplaceView implements store.Views, in one statement.
func (s *Store) ReplaceView(ctx context.Context, name, newName string, configXML []byte) error {
	return s.change(ctx, `UPDATE views SET name = ?, config_xml = ? WHERE name = ?`, newName, configXML, name)
}
