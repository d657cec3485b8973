// Package settings holds what an admin changes at run time (executors,
// quiet period, CSRF protection, the root URL; and, apart, how mail is
// sent): loaded at start, safe to read from any goroutine, persisted in
// the store's settings table, and announced to whoever must act on a
// change (the queue).
package settings

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/jeeves-ci/jeeves/internal/limits"
	"github.com/jeeves-ci/jeeves/internal/store"
	"github.com/jeeves-ci/jeeves/internal/usererr"
)

// Key is the settings-table row these live in.
const Key = "system"

// Values are the run-time settings.
type Values struct {
	Executors   int           `json:"executors"`
	QuietPeriod time.Duration `json:"quietPeriodNanos"`
	CSRF        bool          `json:"csrf"`
	RootURL     string        `json:"rootURL"`
}

// ErrInvalid is the kind of every validation failure: a *usererr.Error
// whose Field, when there is one, names the field as the settings form
// names it (executors, quietPeriod, rootURL), so the form can show the
// message beside it.
var ErrInvalid = errors.New("invalid setting")

// MaxExecutors bounds the executor count.
const MaxExecutors = 1024

// Validate checks v and normalises the root URL (a trailing slash).
func (v *Values) Validate() error {
	if v.Executors < 0 || v.Executors > MaxExecutors {
		return usererr.Newf(ErrInvalid, "The number of executors must be between 0 and %d", MaxExecutors).In("executors")
	}
	if v.QuietPeriod < 0 || v.QuietPeriod > 24*time.Hour {
		return usererr.New(ErrInvalid, "The quiet period must be between 0 and 86400 seconds").In("quietPeriod")
	}
	v.RootURL = strings.TrimSpace(v.RootURL)
	if v.RootURL != "" {
		u, err := url.Parse(v.RootURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return usererr.New(ErrInvalid, "The root URL must be an absolute http or https URL such as https://ci.example.com/").In("rootURL")
		}
		v.RootURL = strings.TrimSuffix(v.RootURL, "/") + "/"
	}
	return nil
}

// Service holds the current values.
type Service struct {
	store    store.Settings
	mu       sync.RWMutex
	v        Values
	watchers []func(Values)
}

// Load reads the stored values over defaults (what the flags say); a
// field never saved keeps its default.
func Load(ctx context.Context, st store.Settings, defaults Values) (*Service, error) {
	s := &Service{store: st, v: defaults}
	raw, ok, err := st.Setting(ctx, Key)
	if err != nil {
		return nil, err
	}
	if ok {
		v := defaults
		if err := json.Unmarshal([]byte(raw), &v); err != nil {
			return nil, fmt.Errorf("settings: stored %q is not valid: %w", Key, err)
		}
		if err := v.Validate(); err != nil {
			return nil, fmt.Errorf("settings: stored values: %w", err)
		}
		s.v = v
	}
	return s, nil
}

// Get returns the current values.
func (s *Service) Get() Values {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.v
}

// OnChange registers fn, called with the new values after each change.
// Register before serving.
func (s *Service) OnChange(fn func(Values)) { s.watchers = append(s.watchers, fn) }

// Set validates, stores and applies v.
func (s *Service) Set(ctx context.Context, v Values) error {
	if err := limits.Check("the root URL", v.RootURL, limits.URL); err != nil {
		return usererr.Wrap(ErrInvalid, err)
	}
	if err := v.Validate(); err != nil {
		return err
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	s.mu.Lock()
	if err := s.store.SetSetting(ctx, Key, string(raw)); err != nil {
		s.mu.Unlock()
		return err
	}
	s.v = v
	s.mu.Unlock()
	for _, fn := range s.watchers {
		fn(v)
	}
	return nil
}

// Override replaces values for this run only, without storing them:
// command-line flags given explicitly win over what was saved, so an
// admin can always start with, say, --csrf=true.
func (s *Service) Override(fn func(*Values)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.v
	fn(&v)
	if err := v.Validate(); err != nil {
		return err
	}
	s.v = v
	return nil
}
