package sqlite

import (
	"context"
	"strings"
	"time"

	"github.com/jeeves-ci/jeeves/internal/model"
)

// A token's user_id is compared without case (COLLATE NOCASE, and the
// index tokens_user_nocase), as user ids are.

const tokenCols = `uuid, user_id, name, hash, created_at, use_count, last_use, last_ip, expires_at, scopes, jobs`

func scanToken(row interface{ Scan(...any) error }) (*model.Token, error) {
	var t model.Token
	var created, last, expires int64
	var scopes string
	if err := row.Scan(&t.UUID, &t.UserID, &t.Name, &t.Hash, &created, &t.UseCount, &last, &t.LastIP, &expires, &scopes, &t.Jobs); err != nil {
		return nil, mapErr(err)
	}
	t.CreatedAt, t.LastUse, t.ExpiresAt = fromMS(created), fromMS(last), fromMS(expires)
	t.Scopes = strings.Fields(scopes)
	return &t, nil
}

func tokenArgs(t *model.Token) []any {
	return []any{t.UUID, t.UserID, t.Name, t.Hash, ms(t.CreatedAt), t.UseCount, ms(t.LastUse), t.LastIP, ms(t.ExpiresAt), strings.Join(t.Scopes, " "), t.Jobs}
}

const insertToken = `INSERT INTO tokens (` + tokenCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// CreateToken implements store.Tokens.
func (s *Store) CreateToken(ctx context.Context, t *model.Token) error {
	_, err := s.exec(ctx, insertToken, tokenArgs(t)...)
	return err
}

// TokenByHash implements store.Tokens: one index lookup, whatever the
// number of users.
func (s *Store) TokenByHash(ctx context.Context, hash string) (*model.Token, error) {
	return scanToken(s.queryRow(ctx, `SELECT `+tokenCols+` FROM tokens WHERE hash = ?`, hash))
}

// Tokens implements store.Tokens.
func (s *Store) Tokens(ctx context.Context, userID string) ([]*model.Token, error) {
	rows, err := s.query(ctx, `SELECT `+tokenCols+` FROM tokens WHERE user_id = ? COLLATE NOCASE ORDER BY created_at, uuid`, userID)
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
	return out, mapErr(rows.Err())
}

// DeleteToken implements store.Tokens.
func (s *Store) DeleteToken(ctx context.Context, userID, uuid string) error {
	return s.change(ctx, `DELETE FROM tokens WHERE user_id = ? COLLATE NOCASE AND uuid = ?`, userID, uuid)
}

// RenameToken implements store.Tokens.
func (s *Store) RenameToken(ctx context.Context, userID, uuid, name string) error {
	return s.change(ctx, `UPDATE tokens SET name = ? WHERE user_id = ? COLLATE NOCASE AND uuid = ?`, name, userID, uuid)
}

// AddTokenUses implements store.Tokens.
func (s *Store) AddTokenUses(ctx context.Context, uuid string, n int64, last time.Time, ip string) error {
	_, err := s.exec(ctx, `UPDATE tokens SET use_count = use_count + ?, last_use = max(last_use, ?), last_ip = ? WHERE uuid = ?`, n, ms(last), ip, uuid)
	return err
}
