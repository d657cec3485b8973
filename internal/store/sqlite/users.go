package sqlite

import (
	"context"

	"github.com/jeeves-ci/jeeves/internal/model"
)

// The users table's id is COLLATE NOCASE: every comparison with it,
// its index and its ORDER BY ignore ASCII case, as store.Users says.

const userCols = `id, full_name, email, password_hash, admin, created_at`

func scanUser(row interface{ Scan(...any) error }) (*model.User, error) {
	var u model.User
	var created int64
	if err := row.Scan(&u.ID, &u.FullName, &u.Email, &u.PasswordHash, &u.Admin, &created); err != nil {
		return nil, mapErr(err)
	}
	u.CreatedAt = fromMS(created)
	return &u, nil
}

// CreateUser implements store.Users.
func (s *Store) CreateUser(ctx context.Context, u *model.User) error {
	_, err := s.exec(ctx, `INSERT INTO users (`+userCols+`) VALUES (?, ?, ?, ?, ?, ?)`,
		u.ID, u.FullName, u.Email, u.PasswordHash, u.Admin, ms(u.CreatedAt))
	return err
}

// User implements store.Users.
func (s *Store) User(ctx context.Context, id string) (*model.User, error) {
	return scanUser(s.queryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = ?`, id))
}

// Users implements store.Users.
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
	return out, mapErr(rows.Err())
}

// CountUsers implements store.Users.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.queryRow(ctx, `SELECT count(*) FROM users`).Scan(&n)
	return n, err
}

// SetPassword implements store.Users.
func (s *Store) SetPassword(ctx context.Context, id, hash string) error {
	return s.change(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, hash, id)
}

// DeleteUser implements store.Users: tokens and sessions go by the
// schema's ON DELETE CASCADE.
func (s *Store) DeleteUser(ctx context.Context, id string) error {
	return s.change(ctx, `DELETE FROM users WHERE id = ?`, id)
}

// UserDescription implements store.Users.
func (s *Store) UserDescription(ctx context.Context, id string) (string, error) {
	var d string
	err := s.queryRow(ctx, `SELECT description FROM users WHERE id = ?`, id).Scan(&d)
	return d, err
}

// SetUserDescription implements store.Users.
func (s *Store) SetUserDescription(ctx context.Context, id, description string) error {
	return s.change(ctx, `UPDATE users SET description = ? WHERE id = ?`, description, id)
}
