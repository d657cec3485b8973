package store

import (
	"context"
	"time"

	"github.com/jeeves-ci/jeeves/internal/model"
)

// CreateNode stores a new agent; ErrExists if the name is taken.
func (s *Store) CreateNode(ctx context.Context, name string, configXML []byte, now time.Time) error {
	_, err := s.exec(ctx, `INSERT INTO nodes (name, config_xml, created_at) VALUES (?, ?, ?)`, name, configXML, ms(now))
	if isUniqueViolation(err) {
		return ErrExists
	}
	return err
}

// Nodes lists every stored agent.
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
			return nil, err
		}
		n.CreatedAt = fromMS(created)
		out = append(out, &n)
	}
	return out, rows.Err()
}

// UpdateNodeConfig replaces an agent's config.xml.
func (s *Store) UpdateNodeConfig(ctx context.Context, name string, configXML []byte) error {
	return s.changeNode(ctx, `UPDATE nodes SET config_xml = ? WHERE name = ?`, configXML, name)
}

// SetNodeOffline records an agent's temporary offline state and reason.
func (s *Store) SetNodeOffline(ctx context.Context, name string, offline bool, reason string) error {
	return s.changeNode(ctx, `UPDATE nodes SET temp_offline = ?, offline_reason = ? WHERE name = ?`, offline, reason, name)
}

// DeleteNode removes an agent.
func (s *Store) DeleteNode(ctx context.Context, name string) error {
	return s.changeNode(ctx, `DELETE FROM nodes WHERE name = ?`, name)
}

func (s *Store) changeNode(ctx context.Context, query string, args ...any) error {
	res, err := s.exec(ctx, query, args...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}
