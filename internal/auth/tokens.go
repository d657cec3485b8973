package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/store"
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

// GenerateToken makes a new API token for a user and returns its value,
// which exists only in this return: the store keeps its hash.
func (s *Service) GenerateToken(ctx context.Context, userID, name string) (string, *model.Token, error) {
	var secret [16]byte
	if _, err := rand.Read(secret[:]); err != nil {
		return "", nil, err
	}
	value := tokenVersion + hex.EncodeToString(secret[:])
	t, err := s.AddFixedToken(ctx, userID, name, value)
	if err != nil {
		return "", nil, err
	}
	return value, t, nil
}

// AddFixedToken stores a token whose value the caller chose (Jenkins's
// addFixedToken; the value must be "11" and 32 lowercase hex characters).
func (s *Service) AddFixedToken(ctx context.Context, userID, name, value string) (*model.Token, error) {
	if !validTokenValue(value) {
		return nil, fmt.Errorf("%w: a token value is \"11\" followed by 32 lowercase hex characters", ErrInvalid)
	}
	now := time.Now()
	if strings.TrimSpace(name) == "" {
		name = "Token created on " + now.Format(time.RFC3339)
	}
	t := &model.Token{UUID: newUUID(), UserID: userID, Name: name, Hash: TokenHash(value), CreatedAt: now}
	if err := s.store.CreateToken(ctx, t); err != nil {
		if errors.Is(err, store.ErrExists) {
			return nil, fmt.Errorf("%w: that token value is already in use", ErrInvalid)
		}
		return nil, err
	}
	return t, nil
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
func (s *Service) CheckToken(ctx context.Context, userID, value string) (*model.User, *model.Token, error) {
	if value == "" {
		return nil, nil, ErrBadCredentials
	}
	hash := TokenHash(value)
	s.mu.Lock()
	hit, cached := s.tokenHits[hash]
	gen := s.gen
	s.mu.Unlock()
	if cached {
		if !strings.EqualFold(hit.user.ID, userID) {
			return nil, nil, ErrBadCredentials
		}
		s.recordUse(hit.token.UUID, time.Now())
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
	if !strings.EqualFold(t.UserID, userID) {
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
	s.recordUse(t.UUID, time.Now())
	return u, t, nil
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
				t.LastUse = u.last
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
	defer s.forgetTokens()
	return s.store.RenameToken(ctx, userID, uuid, name)
}

// recordUse counts a token use in memory; a background saver writes the
// counts in batches, so authenticating with a token never waits on a
// database write.
func (s *Service) recordUse(uuid string, at time.Time) {
	s.mu.Lock()
	u := s.uses[uuid]
	u.n++
	u.last = at
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
		if err := s.store.AddTokenUses(context.Background(), uuid, u.n, u.last); err != nil {
			// Keep the counts for the next batch.
			s.mu.Lock()
			cur := s.uses[uuid]
			cur.n += u.n
			if u.last.After(cur.last) {
				cur.last = u.last
			}
			s.uses[uuid] = cur
			s.mu.Unlock()
		}
	}
}
