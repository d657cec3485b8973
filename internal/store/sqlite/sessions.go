package sqlite

import (
	"context"
	"time"
)

// CreateSession implements store.Sessions.
func (s *Store) CreateSession(ctx context.Context, idHash, userID string, created, expires time.Time) error {
	_, err := s.exec(ctx, `INSERT INTO sessions (id_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		idHash, userID, ms(created), ms(expires))
	return err
}

// SessionUser implements store.Sessions.
func (s *Store) SessionUser(ctx context.Context, idHash string, now time.Time) (string, error) {
	var user string
	err := s.queryRow(ctx, `SELECT user_id FROM sessions WHERE id_hash = ? AND expires_at > ?`, idHash, ms(now)).Scan(&user)
	return user, err
}

// DeleteSession implements store.Sessions.
func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	_, err := s.exec(ctx, `DELETE FROM sessions WHERE id_hash = ?`, idHash)
	return err
}

// DeleteUserSessions implements store.Sessions.
func (s *Store) DeleteUserSessions(ctx context.Context, userID string) error {
	_, err := s.exec(ctx, `DELETE FROM sessions WHERE user_id = ? COLLATE NOCASE`, userID)
	return err
}

// DeleteExpiredSessions implements store.Sessions.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) error {
	_, err := s.exec(ctx, `DELETE FROM sessions WHERE expires_at <= ?`, ms(now))
	return err
}
