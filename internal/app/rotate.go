package app

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/jeeves-ci/jeeves/internal/audit"
	"github.com/jeeves-ci/jeeves/internal/credstore"
	"github.com/jeeves-ci/jeeves/internal/store/sqlite"
)

// RotateKey replaces the key that seals the credentials of the home
// (credstore.Service.RotateKey: a new key, every credential sealed again
// under it, the old keys retired), audited as done by SYSTEM from the
// command line. It runs on a home no jeeves serves: it takes the home's
// lock (ErrHomeInUse when a server holds it), since a running server
// keeps the ring it read and could not open what was sealed again.
func RotateKey(ctx context.Context, home string, policy audit.Policy) (rot credstore.Rotation, err error) {
	release, err := lockHome(home)
	if err != nil {
		return rot, err
	}
	defer release()
	st, err := sqlite.Open(home)
	if err != nil {
		return rot, err
	}
	defer func() {
		if cerr := st.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	log, err := audit.Open(filepath.Join(home, "audit"), policy)
	if err != nil {
		return rot, fmt.Errorf("open the audit log: %w", err)
	}
	var auditErr error
	defer func() {
		if cerr := log.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	creds, err := credstore.Open(home, st, credstore.AuditTo(log, func(err error) { auditErr = err }))
	if err != nil {
		return rot, fmt.Errorf("open the credentials: %w", err)
	}
	rot, err = creds.RotateKey(ctx, credstore.Actor{User: "SYSTEM", Auth: "cli"})
	if err == nil && auditErr != nil {
		err = fmt.Errorf("the key was rotated, but the audit log could not record it: %w", auditErr)
	}
	return rot, err
}
