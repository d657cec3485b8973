package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/jeeves-ci/jeeves/internal/limits"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/store"
	"github.com/jeeves-ci/jeeves/internal/usererr"
)

// tokenVersion prefixes every new token value, as Jenkins's "11" does.
const tokenVersion = "11"

// TokenHash is the stored form of a token value: the SHA-256 of its 32
// hex secret characters for a 34-character value (Jenkins's v2 tokens),
// else of the whole value (Jenkins's legacy tokens).
func TokenHash(value string) string {
	if len(value) == 34 {
		value = value[2:]
	}
	sum := sha256.Sum256([]byte(value))
	return hex.EncodeToString(sum[:])
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// TokenOptions are what jeeves adds to Jenkins's tokens: an expiry
// (zero: never), scopes (none: the owner's full rights) and a glob of the
// jobs the token may touch ("": every job).
type TokenOptions struct {
	Expires time.Time
	Scopes  []string
	Jobs    string
	// NotAfter is the latest expiry the new token may have (zero: no
	// limit): the expiry of the token that asks for it, which may not
	// make a token that outlives itself.
	NotAfter time.Time
}

// ErrOutlives is returned when a token would expire later than NotAfter
// (or never); its text is fit to show the user.
var ErrOutlives = errors.New("the new token would outlive the token making it")

// outlives explains ErrOutlives for a limit.
func outlives(notAfter time.Time) error {
	return fmt.Errorf("%w: the token making this request expires on %s, and a token it makes or rotates must expire by then; "+
		"ask for fewer days (expirationDuration) or an earlier date (expirationDuration=custom&tokenExpiration=YYYY-MM-DD)",
		ErrOutlives, notAfter.Format("2006-01-02 15:04 MST"))
}

// The token scopes, from least to most.
const (
	ScopeRead      = "read"
	ScopeBuild     = "build"
	ScopeConfigure = "configure"
	ScopeAdmin     = "admin"
)

// TokenPolicy is the admins' rule for token lifetimes: MaxLifetime 0
// means tokens may live forever; otherwise a longer (or endless) request
// is refused, or shortened to the maximum when Cap is set.
type TokenPolicy struct {
	MaxLifetime time.Duration
	Cap         bool
}

// SetTokenPolicy replaces the token lifetime policy (before serving).
func (s *Service) SetTokenPolicy(p TokenPolicy) { s.tokenPolicy = p }

// TokenPolicy returns the token lifetime policy.
func (s *Service) TokenPolicy() TokenPolicy { return s.tokenPolicy }

// checkOptions validates opt and applies the lifetime policy.
func (s *Service) checkOptions(opt TokenOptions, now time.Time) (TokenOptions, error) {
	seen := map[string]bool{}
	for _, sc := range opt.Scopes {
		switch sc {
		case ScopeRead, ScopeBuild, ScopeConfigure, ScopeAdmin:
		default:
			return opt, usererr.Newf(ErrInvalid, "unknown scope %q; scopes are read, build, configure and admin", sc)
		}
		if seen[sc] {
			return opt, usererr.Newf(ErrInvalid, "scope %q is given twice", sc)
		}
		seen[sc] = true
	}
	if opt.Jobs != "" {
		if _, err := path.Match(opt.Jobs, ""); err != nil || strings.TrimSpace(opt.Jobs) != opt.Jobs {
			return opt, usererr.Newf(ErrInvalid, "the jobs glob %q is malformed", opt.Jobs)
		}
	}
	if !opt.Expires.IsZero() && !opt.Expires.After(now) {
		return opt, usererr.New(ErrInvalid, "the expiration date is in the past")
	}
	if max := s.tokenPolicy.MaxLifetime; max > 0 {
		limit := now.Add(max)
		if opt.Expires.IsZero() || opt.Expires.After(limit) {
			if !s.tokenPolicy.Cap {
				return opt, usererr.Newf(ErrInvalid, "tokens may live at most %d days here; choose an earlier expiration", int(max.Hours()/24))
			}
			opt.Expires = limit
		}
	}
	if !opt.NotAfter.IsZero() && (opt.Expires.IsZero() || opt.Expires.After(opt.NotAfter)) {
		return opt, outlives(opt.NotAfter)
	}
	return opt, nil
}

// GenerateToken makes a new API token for a user and returns its value,
// which exists only in this return: the store keeps its hash.
func (s *Service) GenerateToken(ctx context.Context, userID, name string, opt TokenOptions) (string, *model.Token, error) {
	value, err := newTokenValue()
	if err != nil {
		return "", nil, err
	}
	t, err := s.AddFixedToken(ctx, userID, name, value, opt)
	if err != nil {
		return "", nil, err
	}
	return value, t, nil
}

func newTokenValue() (string, error) {
	var secret [16]byte
	if _, err := rand.Read(secret[:]); err != nil {
		return "", err
	}
	return tokenVersion + hex.EncodeToString(secret[:]), nil
}

// AddFixedToken stores a token whose value the caller chose (Jenkins's
// addFixedToken; the value must be "11" and 32 lowercase hex characters).
func (s *Service) AddFixedToken(ctx context.Context, userID, name, value string, opt TokenOptions) (*model.Token, error) {
	if !validTokenValue(value) {
		return nil, usererr.New(ErrInvalid, "a token value is \"11\" followed by 32 lowercase hex characters")
	}
	now := s.now()
	opt, err := s.checkOptions(opt, now)
	if err != nil {
		return nil, err
	}
	opt.Expires = opt.Expires.Truncate(time.Millisecond) // as stored
	if err := checkTokenName(name); err != nil {
		return nil, err
	}
	if strings.TrimSpace(name) == "" {
		name = "Token created on " + now.Format(time.RFC3339)
	}
	t := &model.Token{UUID: newUUID(), UserID: userID, Name: name, Hash: TokenHash(value), CreatedAt: now,
		ExpiresAt: opt.Expires, Scopes: opt.Scopes, Jobs: opt.Jobs}
	if err := s.store.CreateToken(ctx, t); err != nil {
		if errors.Is(err, store.ErrExists) {
			return nil, usererr.New(ErrInvalid, "that token value is already in use")
		}
		return nil, err
	}
	return t, nil
}

// RotateToken replaces a user's token with a new value under a new uuid,
// keeping its name, scopes, jobs and expiry; the old value stops working
// at once. store.ErrNotFound if the user has no such token; ErrOutlives
// if notAfter is set (the expiry of the token asking) and the token
// expires later or never. The old token is read, deleted and replaced
// in one transaction: a rotation racing another, or a revocation, never
// leaves two tokens, or none but the one revoked.
func (s *Service) RotateToken(ctx context.Context, userID, uuid string, notAfter time.Time) (string, *model.Token, error) {
	defer s.forgetTokens()
	value, err := newTokenValue()
	if err != nil {
		return "", nil, err
	}
	var next *model.Token
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		var old *model.Token
		ts, err := s.store.Tokens(ctx, userID)
		if err != nil {
			return err
		}
		for _, t := range ts {
			if t.UUID == uuid {
				old = t
			}
		}
		if old == nil {
			return store.ErrNotFound
		}
		if !old.ExpiresAt.IsZero() && !old.ExpiresAt.After(s.now()) {
			return usererr.New(ErrInvalid, "the token has expired; generate a new one")
		}
		if !notAfter.IsZero() && (old.ExpiresAt.IsZero() || old.ExpiresAt.After(notAfter)) {
			return outlives(notAfter)
		}
		next = &model.Token{UUID: newUUID(), UserID: old.UserID, Name: old.Name, Hash: TokenHash(value), CreatedAt: s.now(),
			ExpiresAt: old.ExpiresAt, Scopes: old.Scopes, Jobs: old.Jobs}
		if err := s.store.DeleteToken(ctx, userID, uuid); err != nil {
			return err
		}
		return s.store.CreateToken(ctx, next)
	})
	if err != nil {
		return "", nil, err
	}
	s.mu.Lock()
	delete(s.uses, uuid)
	s.mu.Unlock()
	return value, next, nil
}

func validTokenValue(v string) bool {
	if len(v) != 34 || v[:2] != tokenVersion {
		return false
	}
	for _, c := range v[2:] {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// CheckToken authenticates a user's API token: one lookup by hash, then a
// check that the token belongs to that user.
func (s *Service) CheckToken(ctx context.Context, userID, value, addr string) (*model.User, *model.Token, error) {
	// Every token jeeves stores has this shape, so no other value can be
	// one: a password sent with Basic auth is not looked up as a token.
	if !validTokenValue(value) {
		return nil, nil, ErrBadCredentials
	}
	now := s.now()
	hash := TokenHash(value)
	s.mu.Lock()
	hit, cached := s.tokenHits[hash]
	gen := s.gen
	s.mu.Unlock()
	if cached {
		if !strings.EqualFold(hit.user.ID, userID) || expired(&hit.token, now) {
			return nil, nil, ErrBadCredentials
		}
		s.recordUse(hit.token.UUID, now, addr)
		u, t := hit.user, hit.token
		return &u, &t, nil
	}
	t, err := s.store.TokenByHash(ctx, hash)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, ErrBadCredentials
	}
	if err != nil {
		return nil, nil, err
	}
	if !strings.EqualFold(t.UserID, userID) || expired(t, now) {
		return nil, nil, ErrBadCredentials
	}
	u, err := s.store.User(ctx, t.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, ErrBadCredentials
	}
	if err != nil {
		return nil, nil, err
	}
	s.mu.Lock()
	if s.gen == gen {
		s.tokenHits[hash] = tokenHit{user: *u, token: *t}
	}
	s.mu.Unlock()
	s.recordUse(t.UUID, now, addr)
	return u, t, nil
}

// expired: an expired token never authenticates.
func expired(t *model.Token, now time.Time) bool {
	return !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt)
}

// Tokens lists a user's tokens with their up-to-date statistics.
func (s *Service) Tokens(ctx context.Context, userID string) ([]*model.Token, error) {
	ts, err := s.store.Tokens(ctx, userID)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range ts {
		if u, ok := s.uses[t.UUID]; ok {
			t.UseCount += u.n
			if u.last.After(t.LastUse) {
				t.LastUse, t.LastIP = u.last, u.ip
			}
		}
	}
	return ts, nil
}

// RevokeToken deletes a user's token; revoking an unknown one is not an
// error (Jenkins answers 200 too).
func (s *Service) RevokeToken(ctx context.Context, userID, uuid string) error {
	defer s.forgetTokens()
	err := s.store.DeleteToken(ctx, userID, uuid)
	s.mu.Lock()
	delete(s.uses, uuid)
	s.mu.Unlock()
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}

// RenameToken renames a user's token; store.ErrNotFound if there is none.
func (s *Service) RenameToken(ctx context.Context, userID, uuid, name string) error {
	if err := checkTokenName(name); err != nil {
		return err
	}
	defer s.forgetTokens()
	return s.store.RenameToken(ctx, userID, uuid, name)
}

// checkTokenName holds a token's name to limits.Name bytes, visible
// characters only (ErrInvalid otherwise).
func checkTokenName(name string) error {
	if err := limits.Check("the token name", name, limits.Name); err != nil {
		return usererr.Wrap(ErrInvalid, err)
	}
	if err := limits.CheckVisible("the token name", name); err != nil {
		return usererr.Wrap(ErrInvalid, err)
	}
	return nil
}

// recordUse counts a token use in memory; a background saver writes the
// counts in batches, so authenticating with a token never waits on a
// database write.
func (s *Service) recordUse(uuid string, at time.Time, addr string) {
	s.mu.Lock()
	u := s.uses[uuid]
	u.n++
	u.last = at
	u.ip = addr
	s.uses[uuid] = u
	s.mu.Unlock()
	select {
	case s.flushing <- struct{}{}:
	default:
	}
}

func (s *Service) flushLoop() {
	for {
		select {
		case <-s.done:
			return
		case <-s.flushing:
		}
		s.flushUses()
		select { // at most one batch a second
		case <-s.done:
			return
		case <-time.After(time.Second):
		}
	}
}

func (s *Service) flushUses() {
	s.mu.Lock()
	pending := s.uses
	s.uses = map[string]tokenUse{}
	s.mu.Unlock()
	for uuid, u := range pending {
		if err := s.store.AddTokenUses(context.Background(), uuid, u.n, u.last, u.ip); err != nil {
			// Keep the counts for the next batch.
			s.mu.Lock()
			cur := s.uses[uuid]
			cur.n += u.n
			if u.last.After(cur.last) {
				cur.last, cur.ip = u.last, u.ip
			}
			s.uses[uuid] = cur
			s.mu.Unlock()
		}
	}
}
