package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/jeeves-ci/jeeves/internal/model"
)

const tokenCols = `uuid, user_id, name, hash, created_at, use_count, last_use, last_ip, expires_at, scopes, jobs`

func scanToken(row interface{ Scan(...any) error }) (*model.Token, error) {
	var t model.Token
	var created, last, expires int64
	var scopes string
	if err := row.Scan(&t.UUID, &t.UserID, &t.Name, &t.Hash, &created, &t.UseCount, &last, &t.LastIP, &expires, &scopes, &t.Jobs); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	t.CreatedAt, t.LastUse, t.ExpiresAt = fromMS(created), fromMS(last), fromMS(expires)
	t.Scopes = strings.Fields(scopes)
	return &t, nil
}

func tokenArgs(t *model.Token) []any {
	return []any{t.UUID, t.UserID, t.Name, t.Hash, ms(t.CreatedAt), t.UseCount, ms(t.LastUse), t.LastIP, ms(t.ExpiresAt), strings.Join(t.Scopes, " "), t.Jobs}
}

const insertToken = `INSERT INTO tokens (` + tokenCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// CreateToken stores a token record (its hash, never its value).
func (s *Store) CreateToken(ctx context.Context, t *model.Token) error {
	_, err := s.exec(ctx, insertToken, tokenArgs(t)...)
	if isUniqueViolation(err) {
		return ErrExists
	}
	return err
}

// ReplaceToken stores next and deletes the user's token oldUUID in one
// transaction (a rotation); ErrNotFound if there is no such token.
func (s *Store) ReplaceToken(ctx context.Context, oldUUID string, next *model.Token) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM tokens WHERE user_id = ? AND uuid = ?`, next.UserID, oldUUID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		_, err = tx.ExecContext(ctx, insertToken, tokenArgs(next)...)
		return err
	})
}

// TokenByHash finds a token by the SHA-256 of its secret: one index
// lookup, whatever the number of users.
func (s *Store) TokenByHash(ctx context.Context, hash string) (*model.Token, error) {
	return scanToken(s.queryRow(ctx, `SELECT `+tokenCols+` FROM tokens WHERE hash = ?`, hash))
}

// Tokens lists a user's tokens, oldest first.
func (s *Store) Tokens(ctx context.Context, userID string) ([]*model.Token, error) {
	rows, err := s.query(ctx, `SELECT `+tokenCols+` FROM tokens WHERE user_id = ? ORDER BY created_at, uuid`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*model.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// DeleteToken removes one of a user's tokens; ErrNotFound if there is none.
func (s *Store) DeleteToken(ctx context.Context, userID, uuid string) error {
	res, err := s.exec(ctx, `DELETE FROM tokens WHERE user_id = ? AND uuid = ?`, userID, uuid)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// RenameToken renames one of a user's tokens; ErrNotFound if there is none.
func (s *Store) RenameToken(ctx context.Context, userID, uuid, name string) error {
	res, err := s.exec(ctx, `UPDATE tokens SET name = ? WHERE user_id = ? AND uuid = ?`, name, userID, uuid)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// AddTokenUses adds n uses to a token's counter and sets its last use
// and the address it came from.
func (s *Store) AddTokenUses(ctx context.Context, uuid string, n int64, last time.Time, ip string) error {
	_, err := s.exec(ctx, `UPDATE tokens SET use_count = use_count + ?, last_use = max(last_use, ?), last_ip = ? WHERE uuid = ?`, n, ms(last), ip, uuid)
	return err
}
