package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// CreateSession records a browser session by the hash of its id.
func (s *Store) CreateSession(ctx context.Context, idHash, userID string, created, expires time.Time) error {
	_, err := s.exec(ctx, `INSERT INTO sessions (id_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		idHash, userID, ms(created), ms(expires))
	return err
}

// SessionUser returns the user id of a live session.
func (s *Store) SessionUser(ctx context.Context, idHash string, now time.Time) (string, error) {
	var user string
	err := s.queryRow(ctx, `SELECT user_id FROM sessions WHERE id_hash = ? AND expires_at > ?`, idHash, ms(now)).Scan(&user)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	return user, err
}

// DeleteSession ends a session.
func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	_, err := s.exec(ctx, `DELETE FROM sessions WHERE id_hash = ?`, idHash)
	return err
}

// DeleteExpiredSessions drops sessions past their expiry.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) error {
	_, err := s.exec(ctx, `DELETE FROM sessions WHERE expires_at <= ?`, ms(now))
	return err
}
