// Package auth decides who a request is: passwords (bcrypt, remembered
// once verified), API tokens (looked up by hash), browser sessions, and
// the CSRF crumbs bound to each. It never logs a secret.
package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/jeeves-ci/jeeves/internal/limits"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/store"
	"github.com/jeeves-ci/jeeves/internal/usererr"
)

// Method says how a request proved who it is.
type Method int

// The ways to authenticate.
const (
	Anonymous Method = iota
	Session          // a browser session cookie from form login
	Password         // HTTP Basic with the user's password
	Token            // HTTP Basic with an API token
)

func (m Method) String() string {
	return [...]string{"anonymous", "session", "password", "token"}[m]
}

// Identity is the caller of one request.
type Identity struct {
	User      *model.User // nil when anonymous
	Method    Method
	SessionID string // the raw session id, for Session
	TokenUUID string // for Token
	TokenName string // for Token: its name, as its owner gave it
	// A token's limits beyond its owner's permissions (Token only).
	Scopes []string // none: the owner's full rights
	Jobs   string   // a glob of job full names; "" = every job
	// TokenExpires is when the token stops working (zero: never); a
	// token it makes or rotates may not outlive it.
	TokenExpires time.Time
}

// Name is the principal's name as Jenkins reports it.
func (id Identity) Name() string {
	if id.User == nil {
		return "anonymous"
	}
	return id.User.ID
}

// Errors callers tell apart. An ErrInvalid is a *usererr.Error whose
// message is fit to show the user; one about the password names the
// field "password".
var (
	ErrBadCredentials = errors.New("invalid password/token")
	ErrUserExists     = fmt.Errorf("user %w", store.ErrExists)
	ErrInvalid        = errors.New("invalid")
)

// BcryptCost is the default bcrypt work factor for new password hashes
// (SetBcryptCost changes it).
const BcryptCost = bcrypt.DefaultCost

// SessionLifetime is how long a browser session lasts.
const SessionLifetime = 24 * time.Hour

// Store is the slice of the store authentication uses: users, their
// tokens and sessions, and transactions.
type Store interface {
	store.Users
	store.Tokens
	store.Sessions
	store.Transactor
}

// Service authenticates requests. Create it with New.
type Service struct {
	store      Store
	crumbKey   []byte   // keys crumbs; kept under HOME/secrets
	cacheKey   [32]byte // keys the verified-password cache; new each start
	cookieName string

	mu       sync.Mutex
	verified map[string]verifiedPassword // lowercased user id → proof
	uses     map[string]tokenUse         // token uuid → uses not yet saved
	// tokenHits remembers verified tokens by hash so an API call does not
	// query the database to authenticate; any change to tokens or users
	// empties it, and gen stops a lookup racing a change from refilling it.
	tokenHits map[string]tokenHit
	gen       uint64
	flushing  chan struct{}
	done      chan struct{}

	throttle    *throttle
	onFailure   func(PasswordFailure) // reports failed password attempts (the audit log)
	tokenPolicy TokenPolicy
	now         func() time.Time // the clock tokens expire by
	bcryptCost  int              // the work factor of new password hashes
	dummyHash   string           // a hash at bcryptCost, checked for unknown users
}

type verifiedPassword struct {
	mac  [32]byte // HMAC(cacheKey, password): the password itself is not kept
	hash string   // the bcrypt hash it was verified against
}

type tokenHit struct {
	user  model.User
	token model.Token
}

// forgetTokens empties the token cache after a change to tokens or users.
func (s *Service) forgetTokens() {
	s.mu.Lock()
	s.gen++
	clear(s.tokenHits)
	s.mu.Unlock()
}

type tokenUse struct {
	n    int64
	last time.Time
	ip   string
}

// New creates the service, loading (or creating) the secrets it keys
// crumbs and session cookies with from secretsDir.
func New(st Store, secretsDir string) (*Service, error) {
	crumbKey, err := loadOrCreateSecret(filepath.Join(secretsDir, "crumb.key"), 32)
	if err != nil {
		return nil, err
	}
	instance, err := loadOrCreateSecret(filepath.Join(secretsDir, "instance.id"), 8)
	if err != nil {
		return nil, err
	}
	s := &Service{
		store:      st,
		crumbKey:   crumbKey,
		cookieName: "JSESSIONID." + hex.EncodeToString(instance[:4]),
		verified:   map[string]verifiedPassword{},
		uses:       map[string]tokenUse{},
		tokenHits:  map[string]tokenHit{},
		flushing:   make(chan struct{}, 1),
		done:       make(chan struct{}),
		throttle:   newThrottle(DefaultThrottle, time.Now),
		now:        time.Now,
		bcryptCost: BcryptCost,
		dummyHash:  dummyHash,
	}
	if _, err := rand.Read(s.cacheKey[:]); err != nil {
		return nil, err
	}
	go s.flushLoop()
	return s, nil
}

// Close saves pending token statistics and stops the background saver.
func (s *Service) Close() {
	close(s.done)
	s.flushUses()
}

// CookieName is the session cookie's name (Jenkins's JSESSIONID.<hex>).
func (s *Service) CookieName() string { return s.cookieName }

func loadOrCreateSecret(path string, n int) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		v, err := hex.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(v) != n {
			return nil, fmt.Errorf("secret %s is damaged; remove it to make a new one", path)
		}
		return v, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	v := make([]byte, n)
	if _, err := rand.Read(v); err != nil {
		return nil, err
	}
	if err := writeSecretFile(path, []byte(hex.EncodeToString(v)+"\n")); err != nil {
		return nil, err
	}
	return v, nil
}

// writeSecretFile writes a 0600 file atomically.
func writeSecretFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

var validUserID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// ValidUserID reports whether id may be a user name (Jenkins's own rule:
// letters, digits, '_' and '-', here at most limits.UserID of them).
func ValidUserID(id string) bool { return len(id) <= limits.UserID && validUserID.MatchString(id) }

// Reserved reports whether id names a principal Jenkins keeps for itself
// (without case): anonymous, the authenticated group, SYSTEM, and
// "unknown" (hudson.model.User's ILLEGAL_PERSISTED_USERNAMES). A user
// with such a name would be confused with it in grants and in the audit
// log.
func Reserved(id string) bool {
	for _, r := range []string{"anonymous", "authenticated", "SYSTEM", "unknown"} {
		if strings.EqualFold(id, r) {
			return true
		}
	}
	return false
}

// EnsureAdmin creates the user "admin" in an empty home. The password is
// password when given, else a random one, which is returned so the caller
// can show it once. The count and the creation are one transaction: two
// starts on one home cannot both find it empty.
func (s *Service) EnsureAdmin(ctx context.Context, password string) (generated string, err error) {
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		n, err := s.store.CountUsers(ctx)
		if err != nil || n > 0 {
			return err
		}
		if password == "" {
			b := make([]byte, 16)
			if _, err := rand.Read(b); err != nil {
				return err
			}
			generated = hex.EncodeToString(b)
			password = generated
		}
		_, err = s.CreateUser(ctx, "admin", password, "admin", "", true)
		return err
	})
	if err != nil {
		return "", err
	}
	return generated, nil
}

// CreateUser adds a user with a bcrypt-hashed password.
func (s *Service) CreateUser(ctx context.Context, id, password, fullName, email string, admin bool) (*model.User, error) {
	if !ValidUserID(id) {
		return nil, usererr.New(ErrInvalid, "user name must be 1 to 64 letters, digits, '_' or '-'")
	}
	if Reserved(id) {
		return nil, usererr.Newf(ErrInvalid, "‘%s’ is reserved and cannot be a user name", id)
	}
	for _, f := range []struct {
		field, value string
		max          int
	}{{"fullname", fullName, limits.DisplayName}, {"email", email, limits.Email}} {
		if err := limits.Check(f.field, f.value, f.max); err != nil {
			return nil, usererr.Wrap(ErrInvalid, err)
		}
		if err := limits.CheckVisible(f.field, f.value); err != nil {
			return nil, usererr.Wrap(ErrInvalid, err)
		}
	}
	hash, err := s.hashPassword(password)
	if err != nil {
		return nil, err
	}
	if fullName == "" {
		fullName = id
	}
	u := &model.User{ID: id, FullName: fullName, Email: email, PasswordHash: hash, Admin: admin, CreatedAt: time.Now()}
	if err := s.store.CreateUser(ctx, u); err != nil {
		if errors.Is(err, store.ErrExists) {
			return nil, ErrUserExists
		}
		return nil, err
	}
	return u, nil
}

// SetPassword changes a user's password; it ends their sessions and every
// crumb bound to the old password. The new hash and the sessions' end
// are one transaction: no session outlives the password it began with.
func (s *Service) SetPassword(ctx context.Context, id, password string) error {
	hash, err := s.hashPassword(password)
	if err != nil {
		return err
	}
	defer s.forgetTokens()
	return s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.SetPassword(ctx, id, hash); err != nil {
			return err
		}
		return s.store.DeleteUserSessions(ctx, id)
	})
}

// DeleteUser removes a user with their tokens and sessions; whatever they
// had authenticated stops working at once.
func (s *Service) DeleteUser(ctx context.Context, id string) error {
	defer s.forgetTokens()
	return s.store.DeleteUser(ctx, id)
}

// User returns the user with the id (matched without case);
// store.ErrNotFound if there is none.
func (s *Service) User(ctx context.Context, id string) (*model.User, error) {
	return s.store.User(ctx, id)
}

// Users lists every user, sorted by id without case.
func (s *Service) Users(ctx context.Context) ([]*model.User, error) {
	return s.store.Users(ctx)
}

// UserDescription is what a user's page says about them ("" if
// nothing); store.ErrNotFound if there is no such user.
func (s *Service) UserDescription(ctx context.Context, id string) (string, error) {
	return s.store.UserDescription(ctx, id)
}

// SetUserDescription replaces what a user's page says about them;
// store.ErrNotFound if there is no such user.
func (s *Service) SetUserDescription(ctx context.Context, id, description string) error {
	return s.store.SetUserDescription(ctx, id, description)
}

// SetBcryptCost sets the bcrypt work factor of the password hashes made
// from now on (before serving; the default is BcryptCost). Hashes already
// stored keep theirs and are checked at it. Tests lower it to
// bcrypt.MinCost: at the default, hashing a password costs some 60 ms of
// CPU, and the route tests hash hundreds.
func (s *Service) SetBcryptCost(cost int) error {
	if cost < bcrypt.MinCost || cost > bcrypt.MaxCost {
		return fmt.Errorf("the bcrypt cost must be between %d and %d, not %d", bcrypt.MinCost, bcrypt.MaxCost, cost)
	}
	dummy := dummyHash
	if cost != BcryptCost {
		// An unknown user's check must cost what a real one does.
		h, err := bcrypt.GenerateFromPassword([]byte("jeeves-timing-equaliser"), cost)
		if err != nil {
			return err
		}
		dummy = string(h)
	}
	s.bcryptCost, s.dummyHash = cost, dummy
	return nil
}

func (s *Service) hashPassword(password string) (string, error) {
	if password == "" {
		return "", usererr.New(ErrInvalid, "password must not be empty").In("password")
	}
	if len(password) > 72 {
		return "", usererr.New(ErrInvalid, "password must be at most 72 bytes").In("password")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), s.bcryptCost)
	return string(h), err
}

// checkPassword verifies a user's password, unthrottled: callers go
// through Password. bcrypt runs once per password: a verified one is
// remembered in memory (as an HMAC under a key made at start, never the
// password itself) until the stored hash changes.
func (s *Service) checkPassword(ctx context.Context, userID, password string) (*model.User, error) {
	u, err := s.store.User(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		// Spend the same time as a real check, so timing does not reveal
		// which user names exist.
		bcrypt.CompareHashAndPassword([]byte(s.dummyHash), []byte(password))
		return nil, ErrBadCredentials
	}
	if err != nil {
		return nil, err
	}
	mac := s.passwordMAC(u.ID, password)
	key := strings.ToLower(u.ID)
	s.mu.Lock()
	v, ok := s.verified[key]
	s.mu.Unlock()
	if ok && v.hash == u.PasswordHash && hmac.Equal(v.mac[:], mac[:]) {
		return u, nil
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil {
		return nil, ErrBadCredentials
	}
	s.mu.Lock()
	s.verified[key] = verifiedPassword{mac: mac, hash: u.PasswordHash}
	s.mu.Unlock()
	return u, nil
}

// dummyHash is a bcrypt hash at BcryptCost (of "jeeves-timing-equaliser"),
// written out rather than computed at start: computing it cost every
// start some 60 ms.
const dummyHash = "$2a$10$NumHOlfidp/EunOGWzcOpOfVQMDTBRNp9nF6DjHfeoEiOKF/F8mPu"

func (s *Service) passwordMAC(userID, password string) [32]byte {
	m := hmac.New(sha256.New, s.cacheKey[:])
	m.Write([]byte(strings.ToLower(userID)))
	m.Write([]byte{0})
	m.Write([]byte(password))
	var out [32]byte
	m.Sum(out[:0])
	return out
}

// SetThrottle replaces the password throttling policy (before serving).
func (s *Service) SetThrottle(p ThrottlePolicy) { s.throttle = newThrottle(p, time.Now) }

// PasswordFailure is a password attempt that failed or was refused by
// the throttle, as reported to OnPasswordFailure.
type PasswordFailure struct {
	User string // the name the attempt claimed
	Addr string // the client's address
	Via  string // where the password was sent: "HTTP Basic", "login form", …
	Err  error  // ErrBadCredentials or a *ThrottledError
	// Caller is the signed-in user who sent the password (WithCaller),
	// as a password change does; "" for a login.
	Caller string
}

type callerKey struct{}

// WithCaller marks ctx as a request by the signed-in user id, so that a
// password it checks (a password change's current password) is reported
// as theirs, not as an anonymous login's.
func WithCaller(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, callerKey{}, id)
}

// OnPasswordFailure sets the function every failed or refused password
// attempt is reported to, whichever way it came (the audit log); set it
// before serving.
func (s *Service) OnPasswordFailure(f func(PasswordFailure)) { s.onFailure = f }

// Password checks a password sent from addr: the one way the rest of
// jeeves verifies a password. It is throttled (a waiting attempt gets a
// *ThrottledError without bcrypt running), and every failure or refusal
// is reported to OnPasswordFailure with via, which says where it came
// from.
func (s *Service) Password(ctx context.Context, via, userID, password, addr string) (*model.User, error) {
	if err := s.throttle.check(userID, addr); err != nil {
		s.reportFailure(ctx, via, userID, addr, err)
		return nil, err
	}
	u, err := s.checkPassword(ctx, userID, password)
	switch {
	case err == nil:
		s.throttle.succeeded(userID, addr)
	case errors.Is(err, ErrBadCredentials):
		s.throttle.failed(userID, addr)
		s.reportFailure(ctx, via, userID, addr, err)
	}
	return u, err
}

func (s *Service) reportFailure(ctx context.Context, via, userID, addr string, err error) {
	if s.onFailure != nil {
		caller, _ := ctx.Value(callerKey{}).(string)
		s.onFailure(PasswordFailure{User: userID, Addr: addr, Via: via, Err: err, Caller: caller})
	}
}

// Basic authenticates HTTP Basic credentials sent from addr: first as an
// API token, then as the password, as Jenkins does. Only the password
// path is throttled.
func (s *Service) Basic(ctx context.Context, userID, secret, addr string) (Identity, error) {
	if u, t, err := s.CheckToken(ctx, userID, secret, addr); err == nil {
		return Identity{User: u, Method: Token, TokenUUID: t.UUID, TokenName: t.Name, Scopes: t.Scopes, Jobs: t.Jobs, TokenExpires: t.ExpiresAt}, nil
	} else if !errors.Is(err, ErrBadCredentials) {
		return Identity{}, err
	}
	u, err := s.Password(ctx, "HTTP Basic", userID, secret, addr)
	if err != nil {
		return Identity{}, err
	}
	return Identity{User: u, Method: Password}, nil
}
