package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"time"

	"github.com/jeeves-ci/jeeves/internal/store"
)

// Login checks a password sent from addr (throttled as for Basic) and
// opens a browser session; it returns the session id for the cookie. Only
// the id's hash is stored.
func (s *Service) Login(ctx context.Context, userID, password, addr string) (Identity, error) {
	u, err := s.Password(ctx, "login form", userID, password, addr)
	if err != nil {
		return Identity{}, err
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return Identity{}, err
	}
	sid := base64.RawURLEncoding.EncodeToString(b[:])
	now := time.Now()
	if err := s.store.CreateSession(ctx, sessionHash(sid), u.ID, now, now.Add(SessionLifetime)); err != nil {
		return Identity{}, err
	}
	return Identity{User: u, Method: Session, SessionID: sid}, nil
}

// SessionIdentity resolves a session cookie's value; ErrBadCredentials if
// it is unknown or expired.
func (s *Service) SessionIdentity(ctx context.Context, sid string) (Identity, error) {
	if sid == "" || len(sid) > 128 {
		return Identity{}, ErrBadCredentials
	}
	userID, err := s.store.SessionUser(ctx, sessionHash(sid), time.Now())
	if errors.Is(err, store.ErrNotFound) {
		return Identity{}, ErrBadCredentials
	}
	if err != nil {
		return Identity{}, err
	}
	u, err := s.store.User(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return Identity{}, ErrBadCredentials
	}
	if err != nil {
		return Identity{}, err
	}
	return Identity{User: u, Method: Session, SessionID: sid}, nil
}

// Logout ends a session.
func (s *Service) Logout(ctx context.Context, sid string) error {
	if sid == "" {
		return nil
	}
	return s.store.DeleteSession(ctx, sessionHash(sid))
}

// PurgeSessions deletes every expired session from the store. A session
// is refused once expired whether or not it was purged; purging keeps
// the table from growing with every login.
func (s *Service) PurgeSessions(ctx context.Context) error {
	return s.store.DeleteExpiredSessions(ctx, s.now())
}

// SessionPurgeInterval is how often PurgeSessionsEvery purges while
// jeeves runs.
const SessionPurgeInterval = time.Hour

// PurgeSessionsEvery purges expired sessions at once and then every
// interval until ctx ends, handing failures to report (which is not
// called once ctx has ended).
func (s *Service) PurgeSessionsEvery(ctx context.Context, interval time.Duration, report func(error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := s.PurgeSessions(ctx); err != nil && ctx.Err() == nil {
			report(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func sessionHash(sid string) string {
	sum := sha256.Sum256([]byte(sid))
	return hex.EncodeToString(sum[:])
}

// Crumb is the CSRF crumb for an identity: an HMAC under a secret kept in
// the home, so nobody can forge it. A browser session's crumb is bound to
// the user and the session; any other caller's is bound to the user and
// their current password hash, so a script using password Basic auth
// without cookies can fetch a crumb and use it on its next request, and a
// password change ends it.
func (s *Service) Crumb(id Identity) string {
	m := hmac.New(sha256.New, s.crumbKey)
	if id.Method == Session {
		m.Write([]byte("session\x00" + id.Name() + "\x00" + id.SessionID))
	} else {
		hash := ""
		if id.User != nil {
			hash = id.User.PasswordHash
		}
		m.Write([]byte("user\x00" + id.Name() + "\x00" + hash))
	}
	return hex.EncodeToString(m.Sum(nil))
}

// ValidCrumb reports, in constant time, whether crumb is the identity's.
func (s *Service) ValidCrumb(id Identity, crumb string) bool {
	want := s.Crumb(id)
	return len(crumb) == len(want) && hmac.Equal([]byte(crumb), []byte(want))
}
