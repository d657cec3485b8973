package sqlite

import (
	"context"
	"time"

	"github.com/jeeves-ci/jeeves/internal/credentials"
	"github.com/jeeves-ci/jeeves/internal/store"
)

// credentialColumns are the columns of a credentials.Sealed, in the
// order scanCredential reads them.
const credentialColumns = `id, scope, kind, description, username, username_secret, file_name, secrets`

// rowScan is *sql.Row's and *sql.Rows' Scan.
type rowScan interface{ Scan(dest ...any) error }

func scanCredential(r rowScan, extra ...any) (*credentials.Sealed, error) {
	var c credentials.Sealed
	var scope, kind string
	dest := append([]any{&c.ID, &scope, &kind, &c.Description, &c.Username, &c.UsernameSecret, &c.FileName, &c.Secrets}, extra...)
	if err := r.Scan(dest...); err != nil {
		return nil, mapErr(err)
	}
	c.Scope, c.Kind = credentials.Scope(scope), credentials.Kind(kind)
	return &c, nil
}

// CreateCredential implements store.Credentials.
func (s *Store) CreateCredential(ctx context.Context, st, domain string, c *credentials.Sealed, now time.Time) error {
	_, err := s.exec(ctx, `INSERT INTO credentials (store, domain, `+credentialColumns+`, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		st, domain, c.ID, string(c.Scope), string(c.Kind), c.Description, c.Username, c.UsernameSecret, c.FileName, c.Secrets, ms(now), ms(now))
	return err
}

// Credential implements store.Credentials.
func (s *Store) Credential(ctx context.Context, st, domain, id string) (*credentials.Sealed, error) {
	return scanCredential(s.queryRow(ctx, `SELECT `+credentialColumns+` FROM credentials WHERE store = ? AND domain = ? AND id = ?`, st, domain, id))
}

// Credentials implements store.Credentials.
func (s *Store) Credentials(ctx context.Context, st, domain string) ([]*credentials.Sealed, error) {
	rows, err := s.query(ctx, `SELECT `+credentialColumns+` FROM credentials WHERE store = ? AND domain = ? ORDER BY seq`, st, domain)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*credentials.Sealed
	for rows.Next() {
		c, err := scanCredential(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, mapErr(rows.Err())
}

// AllCredentials implements store.Credentials.
func (s *Store) AllCredentials(ctx context.Context) ([]store.StoredCredential, error) {
	rows, err := s.query(ctx, `SELECT `+credentialColumns+`, store, domain FROM credentials ORDER BY store, domain, seq`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.StoredCredential
	for rows.Next() {
		var sc store.StoredCredential
		c, err := scanCredential(rows, &sc.Store, &sc.Domain)
		if err != nil {
			return nil, err
		}
		sc.Sealed = c
		out = append(out, sc)
	}
	return out, mapErr(rows.Err())
}

// UpdateCredential implements store.Credentials, in one statement.
func (s *Store) UpdateCredential(ctx context.Context, st, domain, id string, c *credentials.Sealed, now time.Time) error {
	return s.change(ctx, `UPDATE credentials SET id = ?, scope = ?, kind = ?, description = ?, username = ?, username_secret = ?,
		file_name = ?, secrets = ?, updated_at = ? WHERE store = ? AND domain = ? AND id = ?`,
		c.ID, string(c.Scope), string(c.Kind), c.Description, c.Username, c.UsernameSecret, c.FileName, c.Secrets, ms(now),
		st, domain, id)
}

// DeleteCredential implements store.Credentials; its uses go with it
// (ON DELETE CASCADE).
func (s *Store) DeleteCredential(ctx context.Context, st, domain, id string) error {
	return s.change(ctx, `DELETE FROM credentials WHERE store = ? AND domain = ? AND id = ?`, st, domain, id)
}

// credentialSeq is the row of a credential; store.ErrNotFound if none.
func (s *Store) credentialSeq(ctx context.Context, st, domain, id string) (int64, error) {
	var seq int64
	err := s.queryRow(ctx, `SELECT seq FROM credentials WHERE store = ? AND domain = ? AND id = ?`, st, domain, id).Scan(&seq)
	return seq, err
}

// RecordCredentialUse implements store.Credentials, in one transaction.
func (s *Store) RecordCredentialUse(ctx context.Context, st, domain, id string, u credentials.Use, keep int) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		seq, err := s.credentialSeq(ctx, st, domain, id)
		if err != nil {
			return err
		}
		if _, err := s.exec(ctx, `INSERT INTO credential_uses (credential, job_id, job_name, number, used_at) VALUES (?, ?, ?, ?, ?)`,
			seq, u.JobID, u.JobName, u.Number, ms(u.At)); err != nil {
			return err
		}
		_, err = s.exec(ctx, `DELETE FROM credential_uses WHERE credential = ?1 AND seq <= (
			SELECT seq FROM credential_uses WHERE credential = ?1 ORDER BY seq DESC LIMIT 1 OFFSET ?2)`, seq, max(keep, 0))
		return err
	})
}

// CredentialUses implements store.Credentials.
func (s *Store) CredentialUses(ctx context.Context, st, domain, id string) ([]credentials.Use, error) {
	seq, err := s.credentialSeq(ctx, st, domain, id)
	if err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, `SELECT job_id, job_name, number, used_at FROM credential_uses WHERE credential = ? ORDER BY seq DESC`, seq)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []credentials.Use
	for rows.Next() {
		var u credentials.Use
		var at int64
		if err := rows.Scan(&u.JobID, &u.JobName, &u.Number, &at); err != nil {
			return nil, mapErr(err)
		}
		u.At = fromMS(at)
		out = append(out, u)
	}
	return out, mapErr(rows.Err())
}
