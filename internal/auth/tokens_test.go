package auth

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestTokenOptions(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newService(t)
	if _, err := s.CreateUser(ctx, "carol", "pw", "", "", false); err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Now()}
	s.now = c.now

	t.Run("an expired token never authenticates", func(t *testing.T) {
		value, _, err := s.GenerateToken(ctx, "carol", "short", TokenOptions{Expires: c.t.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Basic(ctx, "carol", value, "192.0.2.1"); err != nil {
			t.Fatal(err) // also puts it in the verified-token cache
		}
		c.advance(time.Hour)
		if _, _, err := s.CheckToken(ctx, "carol", value, "192.0.2.1"); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("expired token: %v", err)
		}
		if _, _, err := s.RotateToken(ctx, "carol", "none", time.Time{}); err == nil {
			t.Fatal("rotated an unknown token")
		}
	})
	t.Run("bad options are refused and nothing is stored", func(t *testing.T) {
		before, _ := s.Tokens(ctx, "carol")
		for _, opt := range []TokenOptions{
			{Scopes: []string{"write"}},
			{Scopes: []string{"read", "read"}},
			{Jobs: "team-["},
			{Expires: c.t.Add(-time.Minute)},
		} {
			if _, _, err := s.GenerateToken(ctx, "carol", "bad", opt); !errors.Is(err, ErrInvalid) {
				t.Fatalf("%+v: %v", opt, err)
			}
		}
		if after, _ := s.Tokens(ctx, "carol"); len(after) != len(before) {
			t.Fatalf("%d tokens, want %d", len(after), len(before))
		}
	})
	t.Run("the lifetime policy refuses or caps", func(t *testing.T) {
		s.SetTokenPolicy(TokenPolicy{MaxLifetime: 30 * 24 * time.Hour})
		defer s.SetTokenPolicy(TokenPolicy{})
		if _, _, err := s.GenerateToken(ctx, "carol", "forever", TokenOptions{}); err == nil || !strings.Contains(err.Error(), "at most 30 days") {
			t.Fatalf("never-expiring under a 30-day policy: %v", err)
		}
		if _, _, err := s.GenerateToken(ctx, "carol", "ok", TokenOptions{Expires: c.t.Add(24 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		s.SetTokenPolicy(TokenPolicy{MaxLifetime: 30 * 24 * time.Hour, Cap: true})
		_, tok, err := s.GenerateToken(ctx, "carol", "capped", TokenOptions{})
		if err != nil || c.t.Add(30*24*time.Hour).Sub(tok.ExpiresAt) > time.Millisecond {
			t.Fatalf("capped: %v %v", tok, err)
		}
	})
	t.Run("rotation keeps name, scopes, jobs and expiry, and ends the old value", func(t *testing.T) {
		old, tok, err := s.GenerateToken(ctx, "carol", "deploy", TokenOptions{Scopes: []string{"build"}, Jobs: "deploy-*", Expires: c.t.Add(48 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		value, next, err := s.RotateToken(ctx, "carol", tok.UUID, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if next.Name != "deploy" || next.Jobs != "deploy-*" || strings.Join(next.Scopes, ",") != "build" || !next.ExpiresAt.Equal(tok.ExpiresAt) || next.UUID == tok.UUID {
			t.Fatalf("rotated: %+v", next)
		}
		if _, err := s.Basic(ctx, "carol", old, "192.0.2.1"); err == nil {
			t.Fatal("the old value still works")
		}
		id, err := s.Basic(ctx, "carol", value, "192.0.2.1")
		if err != nil || id.Jobs != "deploy-*" || len(id.Scopes) != 1 {
			t.Fatalf("%+v %v", id, err)
		}
	})
}
