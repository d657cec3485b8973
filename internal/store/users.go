package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jeeves-ci/jeeves/internal/model"
)

const userCols = `id, full_name, email, password_hash, admin, created_at`

func scanUser(row interface{ Scan(...any) error }) (*model.User, error) {
	var u model.User
	var created int64
	if err := row.Scan(&u.ID, &u.FullName, &u.Email, &u.PasswordHash, &u.Admin, &created); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	u.CreatedAt = fromMS(created)
	return &u, nil
}

// CreateUser stores a new user; ErrExists if the id is taken (ids are
// compared without case, as Jenkins does by default).
func (s *Store) CreateUser(ctx context.Context, u *model.User) error {
	_, err := s.exec(ctx, `INSERT INTO users (`+userCols+`) VALUES (?, ?, ?, ?, ?, ?)`,
		u.ID, u.FullName, u.Email, u.PasswordHash, u.Admin, ms(u.CreatedAt))
	if isUniqueViolation(err) {
		return ErrExists
	}
	return err
}

// User returns the user with the given id (without case).
func (s *Store) User(ctx context.Context, id string) (*model.User, error) {
	return scanUser(s.queryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = ?`, id))
}

// Users lists every user by id.
func (s *Store) Users(ctx context.Context) ([]*model.User, error) {
	rows, err := s.query(ctx, `SELECT `+userCols+` FROM users ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*model.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// CountUsers returns how many users exist.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.queryRow(ctx, `SELECT count(*) FROM users`).Scan(&n)
	return n, err
}

// SetPassword replaces a user's password hash and ends their sessions.
func (s *Store) SetPassword(ctx context.Context, id, hash string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, hash, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, id)
		return err
	})
}

// DeleteUser removes a user with their tokens and sessions.
func (s *Store) DeleteUser(ctx context.Context, id string) error {
	res, err := s.exec(ctx, `DELETE FROM users WHERE id = ?`, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// UserDescription is what a user's page says about them ("" if nothing).
// It is read apart from the user: authentication never needs it.
func (s *Store) UserDescription(ctx context.Context, id string) (string, error) {
	var d string
	err := s.queryRow(ctx, `SELECT description FROM users WHERE id = ?`, id).Scan(&d)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	return d, err
}

// SetUserDescription replaces a user's description.
func (s *Store) SetUserDescription(ctx context.Context, id, description string) error {
	res, err := s.exec(ctx, `UPDATE users SET description = ? WHERE id = ?`, description, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}
