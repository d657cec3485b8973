package gitscm

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/jeeves-ci/jeeves/internal/git"
	"github.com/jeeves-ci/jeeves/internal/limits"
	"github.com/jeeves-ci/jeeves/internal/store"
	"github.com/jeeves-ci/jeeves/internal/usererr"
)

// SettingsKey is the row of the store's settings table that holds the git
// settings (store.Settings), apart from internal/settings's "system"
// row, so that each is read and written whole.
const SettingsKey = "git"

// ErrInvalid wraps every refusal of a setting.
var ErrInvalid = errors.New("invalid git setting")

// The values of Values.NotifyCommitAccess, as Jenkins's system property
// hudson.plugins.git.GitStatus.NOTIFY_COMMIT_ACCESS_CONTROL spells them.
const (
	// NotifyTokenAlways requires a token on every notifyCommit (the
	// default, "" or "enabled").
	NotifyTokenAlways = "enabled"
	// NotifyTokenForSHA1 requires one only with a sha1 parameter.
	NotifyTokenForSHA1 = "disabled-for-polling"
	// NotifyTokenNever requires none.
	NotifyTokenNever = "disabled"
)

// Bounds of the settings' values.
const (
	maxKnownHosts   = 64 << 10
	maxNotifyTokens = 100
)

// Values are the git settings an administrator changes: what Jenkins
// keeps in hudson.plugins.git.GitSCM.xml (the global identity),
// org.jenkinsci.plugins.gitclient.GitHostKeyVerificationConfiguration.xml,
// hudson.plugins.git.ApiTokenPropertyConfiguration.xml, the GitHub
// plugin's hook secrets, and the system properties an administrator sets
// on Jenkins's command line (ALLOW_LOCAL_CHECKOUT,
// NOTIFY_COMMIT_ACCESS_CONTROL). The zero Values are Jenkins's defaults.
type Values struct {
	// AllowLocalCheckout lets remotes be file:// URLs and local paths
	// (hudson.plugins.git.GitSCM.ALLOW_LOCAL_CHECKOUT). Off by default:
	// a job could read any repository on the build machine
	// (SECURITY-2478).
	AllowLocalCheckout bool `json:"allowLocalCheckout,omitempty"`
	// HostKeyVerification is the SSH host key verification strategy, by
	// the simple name of its Jenkins class:
	// KnownHostsFileVerificationStrategy (the default, ""),
	// AcceptFirstConnectionStrategy,
	// ManuallyProvidedKeyVerificationStrategy or
	// NoHostKeyVerificationStrategy.
	HostKeyVerification string `json:"hostKeyVerification,omitempty"`
	// ApprovedHostKeys are ManuallyProvided's known_hosts lines.
	ApprovedHostKeys string `json:"approvedHostKeys,omitempty"`
	// GlobalConfigName and GlobalConfigEmail are jeeves's own git
	// identity (GIT_COMMITTER_NAME…; "" unset).
	GlobalConfigName  string `json:"globalConfigName,omitempty"`
	GlobalConfigEmail string `json:"globalConfigEmail,omitempty"`
	// NotifyCommitAccess says when /git/notifyCommit needs a token: one
	// of the NotifyToken* values ("" is NotifyTokenAlways).
	NotifyCommitAccess string `json:"notifyCommitAccess,omitempty"`
	// NotifyTokens are the notifyCommit access tokens, by hash.
	NotifyTokens []NotifyToken `json:"notifyTokens,omitempty"`
	// GitHubHookSecrets are the ids of the secret text credentials that
	// sign GitHub's hook deliveries; none: signatures are not checked,
	// as the GitHub plugin does when no secret is configured.
	GitHubHookSecrets []string `json:"gitHubHookSecrets,omitempty"`
}

// NotifyToken is one notifyCommit access token: its value is shown once,
// when generated, and only its SHA-256 is kept
// (ApiTokenPropertyConfiguration's HashedApiToken).
type NotifyToken struct {
	UUID string `json:"uuid"`
	Name string `json:"name"`
	Hash string `json:"hash"` // lowercase hex SHA-256 of the value
}

// HostKeys is the host key verification the values ask for, for
// git.Checkout and git.LsRemote.
func (v Values) HostKeys() git.HostKeys {
	s, _ := git.HostKeyStrategyOf(v.HostKeyVerification)
	return git.HostKeys{Strategy: s, KnownHosts: v.ApprovedHostKeys}
}

// Identity is jeeves's own git identity; nil when neither is set.
func (v Values) Identity() *git.UserIdentity {
	if v.GlobalConfigName == "" && v.GlobalConfigEmail == "" {
		return nil
	}
	return &git.UserIdentity{Name: v.GlobalConfigName, Email: v.GlobalConfigEmail}
}

// Validate checks the values, naming the field at fault as the
// configuration forms name it.
func (v *Values) Validate() error {
	if v.HostKeyVerification != "" {
		if _, ok := git.HostKeyStrategyOf(v.HostKeyVerification); !ok {
			return usererr.Newf(ErrInvalid, "Unknown host key verification strategy %q", limitQuote(v.HostKeyVerification)).In("hostKeyVerification")
		}
	}
	switch v.NotifyCommitAccess {
	case "", NotifyTokenAlways, NotifyTokenForSHA1, NotifyTokenNever:
	default:
		return usererr.Newf(ErrInvalid, "notifyCommit access control must be %s, %s or %s", NotifyTokenAlways, NotifyTokenForSHA1, NotifyTokenNever).In("notifyCommitAccess")
	}
	checks := []struct {
		field, value string
		max          int
	}{
		{"approvedHostKeys", v.ApprovedHostKeys, maxKnownHosts},
		{"globalConfigName", v.GlobalConfigName, limits.DisplayName},
		{"globalConfigEmail", v.GlobalConfigEmail, limits.Email},
	}
	for _, c := range checks {
		if err := limits.Check(c.field, c.value, c.max); err != nil {
			return usererr.Wrap(ErrInvalid, err).In(c.field)
		}
	}
	if strings.ContainsAny(v.GlobalConfigName+v.GlobalConfigEmail, "\x00\n\r") {
		return usererr.New(ErrInvalid, "The git identity must be one line").In("globalConfigName")
	}
	if len(v.NotifyTokens) > maxNotifyTokens {
		return usererr.Newf(ErrInvalid, "At most %d notifyCommit tokens", maxNotifyTokens).In("notifyTokens")
	}
	for _, t := range v.NotifyTokens {
		if err := limits.Check("apiTokenName", t.Name, limits.Name); err != nil {
			return usererr.Wrap(ErrInvalid, err).In("apiTokenName")
		}
		if b, err := hex.DecodeString(t.Hash); err != nil || len(b) != sha256.Size {
			return usererr.New(ErrInvalid, "A notifyCommit token's hash must be 64 hex digits").In("notifyTokens")
		}
	}
	for _, id := range v.GitHubHookSecrets {
		if err := limits.Check("credentialsId", id, limits.Name); err != nil || id == "" {
			return usererr.New(ErrInvalid, "A GitHub hook secret must name a credential").In("gitHubHookSecrets")
		}
	}
	return nil
}

func limitQuote(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

// Settings holds the git settings: loaded at start, safe to read from any
// goroutine, stored in the settings table under SettingsKey.
type Settings struct {
	store store.Settings
	mu    sync.RWMutex
	v     Values
}

// LoadSettings reads the stored git settings (Jenkins's defaults when
// none were saved).
func LoadSettings(ctx context.Context, st store.Settings) (*Settings, error) {
	s := &Settings{store: st}
	raw, ok, err := st.Setting(ctx, SettingsKey)
	if err != nil {
		return nil, err
	}
	if ok {
		if err := json.Unmarshal([]byte(raw), &s.v); err != nil {
			return nil, fmt.Errorf("git settings: stored %q is not valid: %w", SettingsKey, err)
		}
		if err := s.v.Validate(); err != nil {
			return nil, fmt.Errorf("git settings: stored values: %w", err)
		}
	}
	return s, nil
}

// Get returns the current values. A nil *Settings has the defaults.
func (s *Settings) Get() Values {
	if s == nil {
		return Values{}
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	v := s.v
	v.NotifyTokens = slices.Clone(v.NotifyTokens)
	v.GitHubHookSecrets = slices.Clone(v.GitHubHookSecrets)
	return v
}

// Set validates and stores v. The notifyCommit tokens are not changed by
// Set (GenerateNotifyToken and RevokeNotifyToken do that): a form that
// round-trips the other values cannot lose or forge one.
func (s *Settings) Set(ctx context.Context, v Values) error {
	return s.update(ctx, func(cur *Values) error {
		v.NotifyTokens = cur.NotifyTokens
		*cur = v
		return nil
	})
}

func (s *Settings) update(ctx context.Context, change func(*Values) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.v
	v.NotifyTokens = slices.Clone(v.NotifyTokens)
	if err := change(&v); err != nil {
		return err
	}
	if err := v.Validate(); err != nil {
		return err
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if err := s.store.SetSetting(ctx, SettingsKey, string(raw)); err != nil {
		return err
	}
	s.v = v
	return nil
}

// GenerateNotifyToken makes a new notifyCommit access token named name
// and returns it with its value (32 hex digits, as Jenkins's), which is
// never readable again (ApiTokenPropertyConfiguration.generate).
func (s *Settings) GenerateNotifyToken(ctx context.Context, name string) (NotifyToken, string, error) {
	var raw [16]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return NotifyToken{}, "", err
	}
	value := hex.EncodeToString(raw[:])
	sum := sha256.Sum256([]byte(value))
	t := NotifyToken{UUID: newUUID(), Name: name, Hash: hex.EncodeToString(sum[:])}
	err := s.update(ctx, func(v *Values) error {
		v.NotifyTokens = append(v.NotifyTokens, t)
		return nil
	})
	if err != nil {
		return NotifyToken{}, "", err
	}
	return t, value, nil
}

// ErrNoToken is returned for a notifyCommit token uuid that is not
// configured.
var ErrNoToken = fmt.Errorf("no such notifyCommit token: %w", store.ErrNotFound)

// RevokeNotifyToken removes the notifyCommit token uuid.
func (s *Settings) RevokeNotifyToken(ctx context.Context, uuid string) error {
	return s.update(ctx, func(v *Values) error {
		i := slices.IndexFunc(v.NotifyTokens, func(t NotifyToken) bool { return t.UUID == uuid })
		if i < 0 {
			return ErrNoToken
		}
		v.NotifyTokens = slices.Delete(v.NotifyTokens, i, i+1)
		return nil
	})
}

func newUUID() string {
	var u [16]byte
	if _, err := rand.Read(u[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	h := hex.EncodeToString(u[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// NotifyAccess is the decision on a notifyCommit request's token.
type NotifyAccess struct {
	OK bool
	// Status and Message are the refusal's (401 when the token is
	// missing, 403 when it is wrong), as GitStatus answers.
	Status  int
	Message string
}

// CheckNotifyAccess applies the notifyCommit token rules of v to a
// request with token ("" when it has none) and, when hasSHA1, a sha1
// parameter. Tokens are compared by their SHA-256 in constant time.
func (v Values) CheckNotifyAccess(token string, hasSHA1 bool) NotifyAccess {
	mode := v.NotifyCommitAccess
	if mode == NotifyTokenNever || (mode == NotifyTokenForSHA1 && !hasSHA1) {
		return NotifyAccess{OK: true}
	}
	if token == "" {
		msg := git.NotifyTokenRequired
		if mode == NotifyTokenForSHA1 {
			msg = git.NotifyTokenRequiredForSHA1
		}
		return NotifyAccess{Status: 401, Message: msg}
	}
	hashes := make([]string, len(v.NotifyTokens))
	for i, t := range v.NotifyTokens {
		hashes[i] = t.Hash
	}
	if !git.CheckNotifyToken(token, hashes) {
		return NotifyAccess{Status: 403, Message: git.NotifyTokenInvalid}
	}
	return NotifyAccess{OK: true}
}
