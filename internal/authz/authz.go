package authz

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/jeeves-ci/jeeves/internal/limits"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/store"
)

// The strategies.
const (
	LoggedIn = "loggedInUsersCanDoAnything" // FullControlOnceLoggedInAuthorizationStrategy
	Matrix   = "matrix"                     // ProjectMatrixAuthorizationStrategy
)

// Grant is one sid's permissions in the global matrix, as the
// /manage/security/authorization API reads and writes it.
type Grant struct {
	Type        string   `json:"type"` // USER, GROUP or EITHER
	Sid         string   `json:"sid"`
	Permissions []string `json:"permissions"`
}

// Strategy is the global authorization strategy.
type Strategy struct {
	Strategy      string  `json:"strategy"`
	AnonymousRead bool    `json:"anonymousRead"`
	Grants        []Grant `json:"grants"`
}

// ErrInvalid is matched by errors from Validate and Set; their text is
// fit to show the user.
var ErrInvalid = errors.New("invalid authorization strategy")

type invalid string

func (e invalid) Error() string        { return string(e) }
func (e invalid) Is(target error) bool { return target == ErrInvalid }

// Validate checks a strategy and normalises it (grant types upper case,
// "" read as EITHER).
func (st *Strategy) Validate() error {
	switch st.Strategy {
	case LoggedIn, Matrix:
	case "":
		return invalid(`"strategy" is required: "` + LoggedIn + `" or "` + Matrix + `"`)
	default:
		return invalid(fmt.Sprintf("unknown strategy %q: want %q or %q", st.Strategy, LoggedIn, Matrix))
	}
	if st.Strategy == LoggedIn && len(st.Grants) > 0 {
		return invalid(`grants need the "` + Matrix + `" strategy`)
	}
	for i := range st.Grants {
		g := &st.Grants[i]
		g.Type = strings.ToUpper(g.Type)
		if g.Type == "" {
			g.Type = "EITHER"
		}
		if g.Type != "USER" && g.Type != "GROUP" && g.Type != "EITHER" {
			return invalid(fmt.Sprintf("grant %d: unknown type %q: want USER or GROUP", i+1, g.Type))
		}
		if strings.TrimSpace(g.Sid) == "" || strings.ContainsAny(g.Sid, ":\r\n") {
			return invalid(fmt.Sprintf("grant %d: a sid (user or group name) is required", i+1))
		}
		for _, p := range g.Permissions {
			if !Known(p) {
				return invalid(fmt.Sprintf("grant %d: unknown permission %q", i+1, p))
			}
		}
	}
	return nil
}

// ValidateItem checks an item's permission matrix (from config.xml).
func ValidateItem(m *model.AuthMatrix) error {
	if m == nil {
		return nil
	}
	for _, g := range m.Grants {
		if !Known(g.Permission) {
			return invalid(fmt.Sprintf("unknown permission %q in %s", g.Permission, "hudson.security.AuthorizationMatrixProperty"))
		}
		if ScopeOf(g.Permission) != ScopeItem {
			return invalid(fmt.Sprintf("permission %q can only be granted globally", g.Permission))
		}
	}
	return nil
}

// settingKey is where the strategy is stored.
const settingKey = "authorization"

// Service holds the current strategy and answers permission questions.
type Service struct {
	store store.Settings
	cur   atomic.Pointer[Strategy]
}

// New loads the stored strategy (the default: logged-in users can do
// anything, no anonymous read).
func New(ctx context.Context, st store.Settings) (*Service, error) {
	s := &Service{store: st}
	cur := &Strategy{Strategy: LoggedIn}
	v, ok, err := st.Setting(ctx, settingKey)
	if err != nil {
		return nil, err
	}
	if ok {
		if err := json.Unmarshal([]byte(v), cur); err != nil {
			return nil, fmt.Errorf("stored authorization strategy: %w", err)
		}
		if err := cur.Validate(); err != nil {
			return nil, fmt.Errorf("stored authorization strategy: %w", err)
		}
	}
	s.cur.Store(cur)
	return s, nil
}

// Strategy is the current strategy (a copy).
func (s *Service) Strategy() Strategy {
	st := *s.cur.Load()
	st.Grants = append([]Grant(nil), st.Grants...)
	return st
}

// Set validates, stores and applies a new strategy.
func (s *Service) Set(ctx context.Context, st Strategy) error {
	if err := st.Validate(); err != nil {
		return err
	}
	for i, g := range st.Grants {
		if err := limits.Check("the sid", g.Sid, limits.Sid); err != nil {
			return invalid(fmt.Sprintf("grant %d: %v", i+1, err))
		}
	}
	if st.Grants == nil {
		st.Grants = []Grant{}
	}
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	if err := s.store.SetSetting(ctx, settingKey, string(b)); err != nil {
		return err
	}
	s.cur.Store(&st)
	return nil
}

// Subject is who asks: a user, or anonymous.
type Subject struct {
	User       string // "" when anonymous
	FirstAdmin bool   // the administrator created at first start: always Administer
}

// Has reports whether sub holds perm. chain is the item's permission
// matrices from the item itself outwards to its top folder (nil entries
// for items without one); it is empty for permissions on the root.
func (s *Service) Has(sub Subject, perm string, chain []*model.AuthMatrix) bool {
	if sub.FirstAdmin {
		return true
	}
	st := s.cur.Load()
	if st.Strategy == LoggedIn {
		if sub.User == "" {
			return st.AnonymousRead && implies(GenericRead, perm)
		}
		return !isAdminOnly(perm)
	}
	// Matrix: the item's own grants and its folders', outwards as each
	// item's inheritance allows; then the global ones, unless an item
	// does not inherit (then only a global Administer still counts).
	global := true
	if ScopeOf(perm) == ScopeItem {
	walk:
		for _, m := range chain {
			if m == nil {
				continue
			}
			for _, g := range m.Grants {
				// Only item permissions take effect in an item's matrix,
				// as matrix-auth's AuthorizationContainer.add drops the
				// others: a stored Overall/Administer there grants nothing
				// (ValidateItem refuses it in config.xml).
				if ScopeOf(g.Permission) == ScopeItem && matches(g.Type, g.Sid, sub) && implies(g.Permission, perm) {
					return true
				}
			}
			switch m.Inheritance {
			case model.InheritNone:
				global = false
				break walk
			case model.InheritGlobal:
				break walk
			}
		}
	}
	if global && st.AnonymousRead && implies(GenericRead, perm) {
		return true
	}
	for _, g := range st.Grants {
		if !matches(g.Type, g.Sid, sub) {
			continue
		}
		for _, p := range g.Permissions {
			if p == Administer || global && implies(p, perm) {
				return true
			}
		}
	}
	return false
}

// matches reports whether a grant's sid names sub: a user by id (without
// case, as Jenkins's default id strategy), "authenticated" for every
// logged-in user and "anonymous" for the anonymous caller.
func matches(typ, sid string, sub Subject) bool {
	anon := sub.User == ""
	if typ != "GROUP" {
		if anon && sid == "anonymous" || !anon && strings.EqualFold(sid, sub.User) {
			return true
		}
	}
	if typ != "USER" {
		if sid == "authenticated" && !anon || sid == "anonymous" && anon {
			return true
		}
	}
	return false
}

// PerItem reports whether items' own matrices matter (the matrix
// strategy), so callers can skip collecting them otherwise.
func (s *Service) PerItem() bool { return s.cur.Load().Strategy == Matrix }
