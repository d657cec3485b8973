package sqlite

import (
	"context"
	"time"

	"github.com/jeeves-ci/jeeves/internal/model"
)

// CreateNode implements store.Nodes.
func (s *Store) CreateNode(ctx context.Context, name string, configXML []byte, now time.Time) error {
	_, err := s.exec(ctx, `INSERT INTO nodes (name, config_xml, created_at) VALUES (?, ?, ?)`, name, configXML, ms(now))
	return err
}

// Nodes implements store.Nodes.
func (s *Store) Nodes(ctx context.Context) ([]*model.Node, error) {
	rows, err := s.query(ctx, `SELECT name, config_xml, temp_offline, offline_reason, created_at FROM nodes ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*model.Node
	for rows.Next() {
		var n model.Node
		var created int64
		if err := rows.Scan(&n.Name, &n.ConfigXML, &n.TempOffline, &n.OfflineReason, &created); err != nil {
			return nil, mapErr(err)
		}
		n.CreatedAt = fromMS(created)
		out = append(out, &n)
	}
	return out, mapErr(rows.Err())
}

// UpdateNodeConfig implements store.Nodes.
func (s *Store) UpdateNodeConfig(ctx context.Context, name string, configXML []byte) error {
	return s.change(ctx, `UPDATE nodes SET config_xml = ? WHERE name = ?`, configXML, name)
}

// SetNodeOffline implements store.Nodes.
func (s *Store) SetNodeOffline(ctx context.Context, name string, offline bool, reason string) error {
	return s.change(ctx, `UPDATE nodes SET temp_offline = ?, offline_reason = ? WHERE name = ?`, offline, reason, name)
}

// DeleteNode implements store.Nodes.
func (s *Store) DeleteNode(ctx context.Context, name string) error {
	return s.change(ctx, `DELETE FROM nodes WHERE name = ?`, name)
}
