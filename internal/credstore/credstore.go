// Package credstore is the credentials service: Jenkins's system
// credentials store (global domain "_", scopes GLOBAL and SYSTEM) kept
// sealed in the store, managed by the REST API and the UI, and resolved
// for builds and for jeeves itself.
//
// # Keeping
//
// Open reads (or creates) the key ring in HOME/secrets (internal/secret)
// and keeps each credential through store.Credentials as a
// credentials.Sealed: its public fields in clear and its secrets sealed
// with AES-256-GCM under the ring's current key, bound to every public
// field. No secret is written in clear to the database, its WAL, a log
// or the audit log; errors never quote one.
//
// # What the edge calls
//
//	GET  /credentials/store/system/domain/_/api/json       Summaries (List, Get)
//	POST …/domain/_/createCredentials (XML)               CreateXML
//	POST …/domain/_/createCredentials (form json=)        CreateForm
//	GET  …/credential/ID/api/json                         Summary
//	GET  …/credential/ID/config.xml                       ConfigXML
//	POST …/credential/ID/config.xml                       UpdateXML
//	POST …/credential/ID/updateSubmit (form json=)        UpdateForm
//	POST …/credential/ID/doDelete, DELETE …/config.xml     Delete
//	POST …/credential/ID/doMove?destination=…             Move
//	the job form's binding pickers                         ForBinding
//
// Each refusal is a *usererr.Error whose kind says the status: ErrInvalid
// (400), ErrExists (409; a JSON client gets Jenkins's 200 with
// credentials.MsgExists), ErrNotFound (404). The edge checks the
// caller's permission first (Permitted), with the authz ids of Jenkins's
// Credentials/Create, Update, View, Delete and ManageDomains.
//
// # Builds
//
// Resolve gives a build a credential by id: GLOBAL ones only, as
// Jenkins's CredentialsProvider.findCredentialById does for a freestyle
// build, which looks credentials up in the job's context as SYSTEM
// (SYSTEM-scoped credentials are never offered to items). AuditUse
// audits a build's uses as it binds them, StoreUse records them
// (Jenkins's credential fingerprints: the newest KeepUses per
// credential), and RecordUse does both.
// ResolveForJeeves is jeeves's own lookup (agents), of either scope.
//
// # Audit
//
// Every create, update, delete, use and key rotation is reported to the
// audit function given to New as an Event naming the credential by id,
// never by value; AuditTo writes them to the audit log.
package credstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jeeves-ci/jeeves/internal/credentials"
	"github.com/jeeves-ci/jeeves/internal/credentials/binding"
	"github.com/jeeves-ci/jeeves/internal/secret"
	"github.com/jeeves-ci/jeeves/internal/store"
	"github.com/jeeves-ci/jeeves/internal/usererr"
)

// The store and domain jeeves has: Jenkins's system store and its global
// domain.
const (
	StoreSystem  = credentials.StoreURLName // "system"
	DomainGlobal = credentials.GlobalDomain // "_"
)

// KeepUses is how many uses (builds) each credential keeps.
const KeepUses = 100

// The kinds of refusal (usererr.Error.Kind).
var (
	// ErrInvalid: the credential, or the request, is malformed (400).
	ErrInvalid = errors.New("invalid credential")
	// ErrExists: the id is taken (409).
	ErrExists = errors.New("credential exists")
	// ErrNotFound: no credential has the id (404).
	ErrNotFound = errors.New("no such credential")
)

// Store is the part of the store the service uses.
type Store interface {
	store.Credentials
	store.Transactor
}

// Actor is who asks for a change, as the audit log names them.
type Actor struct {
	User      string // the user's id
	Auth      string // how they signed in: session, password, token
	TokenUUID string // the API token's uuid, for token requests
	Addr      string // the client's address
}

// The actions of the audit events.
const (
	ActionCreate = "credentials.create"
	ActionUpdate = "credentials.update"
	ActionDelete = "credentials.delete"
	ActionUse    = "credentials.use"
	ActionRotate = "credentials.rotate-key"
)

// Event is an audited change or use. It names the credential by its id
// and never holds a secret.
type Event struct {
	Time   time.Time
	Actor  Actor
	Action string // one of the Action constants
	ID     string // the credential's id ("" for a key rotation)
	Detail string // what else there is to say: the build, the kind
}

// Build names the build a credential is used by.
type Build struct {
	JobID   int64
	JobName string // the job's full name
	Number  int64
	By      string // the user the build acts for; "" when none is recorded
}

// Service is the credentials service. It is safe for concurrent use.
type Service struct {
	st    Store
	ring  *secret.Ring
	audit func(Event)

	// mu is held shared by every operation that seals or opens a value,
	// and exclusively by RotateKey, so that no value is sealed under a
	// key it retires.
	mu sync.RWMutex
}

// Open opens the key ring in HOME/secrets (creating it, mode 0600 in a
// 0700 directory, on first use) and returns the service on st. audit,
// when set, hears of every change and use.
func Open(home string, st Store, audit func(Event)) (*Service, error) {
	ring, err := secret.Open(filepath.Join(home, "secrets"))
	if err != nil {
		return nil, err
	}
	return New(ring, st, audit), nil
}

// New returns the service on st with the key ring ring.
func New(ring *secret.Ring, st Store, audit func(Event)) *Service {
	if audit == nil {
		audit = func(Event) {}
	}
	return &Service{st: st, ring: ring, audit: audit}
}

// fullName is a domain's full name, which the associated data of its
// credentials' sealed values names.
func fullName(storeName, domain string) string { return storeName + "/" + domain }

// Public is what may be shown of a credential: everything but its
// secrets.
type Public struct {
	ID             string
	Scope          credentials.Scope
	Kind           credentials.Kind
	Description    string
	Username       string
	UsernameSecret bool
	FileName       string
}

func publicOf(r *credentials.Sealed) Public {
	return Public{ID: r.ID, Scope: r.Scope, Kind: r.Kind, Description: r.Description,
		Username: r.Username, UsernameSecret: r.UsernameSecret, FileName: r.FileName}
}

// credential is p as a Credential without secrets, for its names.
func (p Public) credential() *credentials.Credential {
	return &credentials.Credential{ID: p.ID, Scope: p.Scope, Kind: p.Kind, Description: p.Description,
		Username: p.Username, UsernameSecret: p.UsernameSecret, FileName: p.FileName}
}

// DisplayName is the credential's name in lists (credentials.Credential.DisplayName).
func (p Public) DisplayName() string { return p.credential().DisplayName() }

// TypeName is the credential's type in Jenkins's words.
func (p Public) TypeName() string { return p.Kind.TypeName() }

// Summary is the credential's api/json object in the global domain,
// without its fingerprint (see Service.Summary).
func (p Public) Summary() credentials.Summary {
	return p.credential().Summary(credentials.GlobalDomainFullName)
}

// refusal maps the store's and the credentials package's errors onto
// the service's refusals; other errors pass as they are.
func refusal(err error, id string) error {
	var ue *usererr.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ue):
		return err
	case errors.Is(err, store.ErrNotFound):
		return usererr.Newf(ErrNotFound, "There is no credential with the id %q", id)
	case errors.Is(err, store.ErrExists):
		return usererr.Newf(ErrExists, "A credential with the id %q already exists", id)
	case errors.Is(err, credentials.ErrInvalid):
		return usererr.Wrap(ErrInvalid, err)
	}
	return err
}

// notFound is the refusal for an id no credential can have.
func notFound(id string) error {
	return usererr.Newf(ErrNotFound, "There is no credential with the id %q", id)
}

// List lists the global domain's credentials, in the order they were
// created.
func (s *Service) List(ctx context.Context) ([]Public, error) {
	rows, err := s.st.Credentials(ctx, StoreSystem, DomainGlobal)
	if err != nil {
		return nil, err
	}
	out := make([]Public, len(rows))
	for i, r := range rows {
		out[i] = publicOf(r)
	}
	return out, nil
}

// Get is one credential's public fields; ErrNotFound if there is none.
func (s *Service) Get(ctx context.Context, id string) (Public, error) {
	if credentials.ValidID(id) != nil {
		return Public{}, notFound(id)
	}
	r, err := s.st.Credential(ctx, StoreSystem, DomainGlobal, id)
	if err != nil {
		return Public{}, refusal(err, id)
	}
	return publicOf(r), nil
}

// Summaries is the global domain's credentials as api/json lists them
// (depth=1), each with its fingerprint when builds have used it.
func (s *Service) Summaries(ctx context.Context) ([]credentials.Summary, error) {
	list, err := s.List(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]credentials.Summary, len(list))
	for i, p := range list {
		if out[i], err = s.summary(ctx, p); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Summary is one credential's api/json object.
func (s *Service) Summary(ctx context.Context, id string) (credentials.Summary, error) {
	p, err := s.Get(ctx, id)
	if err != nil {
		return credentials.Summary{}, err
	}
	return s.summary(ctx, p)
}

func (s *Service) summary(ctx context.Context, p Public) (credentials.Summary, error) {
	sum := p.Summary()
	fp, err := s.Fingerprint(ctx, p.ID)
	if err != nil {
		return sum, err
	}
	if fp != nil {
		sum.Fingerprint = fp
	}
	return sum, nil
}

// ConfigXML is a credential's config.xml as Jenkins answers a GET: every
// secret written as <secret-redacted/> (credentials.RenderXML).
func (s *Service) ConfigXML(ctx context.Context, id string) ([]byte, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, err := s.open(ctx, StoreSystem, DomainGlobal, id)
	if err != nil {
		return nil, err
	}
	return credentials.RenderXML(c), nil
}

// open reads and opens a credential.
func (s *Service) open(ctx context.Context, storeName, domain, id string) (*credentials.Credential, error) {
	if credentials.ValidID(id) != nil {
		return nil, notFound(id)
	}
	r, err := s.st.Credential(ctx, storeName, domain, id)
	if err != nil {
		return nil, refusal(err, id)
	}
	c, err := r.Open(s.ring, fullName(storeName, domain))
	if err != nil {
		return nil, fmt.Errorf("cannot open the stored credential (was the database or %s changed?): %w", s.ring.Path(), err)
	}
	return c, nil
}

// Create stores a new credential in the global domain, as parsed by
// credentials.ParseXML or ParseJSON: it must have no redacted field, and
// pass credentials.Validate (an SSH key must parse). ErrExists if the id
// is taken (ids are matched exactly, as Jenkins matches them).
func (s *Service) Create(ctx context.Context, by Actor, posted *credentials.Credential) (Public, error) {
	c, err := credentials.Merge(nil, posted)
	if err != nil {
		return Public{}, refusal(err, posted.ID)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, err := c.Seal(s.ring, fullName(StoreSystem, DomainGlobal))
	if err != nil {
		return Public{}, refusal(err, c.ID)
	}
	if err := s.st.CreateCredential(ctx, StoreSystem, DomainGlobal, r, time.Now()); err != nil {
		return Public{}, refusal(err, c.ID)
	}
	s.audit(Event{Time: time.Now(), Actor: by, Action: ActionCreate, ID: c.ID, Detail: describe(c.Kind, c.Scope)})
	return publicOf(r), nil
}

// describe is an event's detail for a credential.
func describe(kind credentials.Kind, scope credentials.Scope) string {
	return kind.TypeName() + ", " + string(scope)
}

// CreateXML creates a credential from createCredentials' XML body.
func (s *Service) CreateXML(ctx context.Context, by Actor, body []byte) (Public, error) {
	c, err := credentials.ParseXML(body)
	if err != nil {
		return Public{}, usererr.Wrap(ErrInvalid, err)
	}
	return s.Create(ctx, by, c)
}

// CreateForm creates a credential from the form createCredentials takes
// from the web UI: its json field, and files for an uploaded secret
// file.
func (s *Service) CreateForm(ctx context.Context, by Actor, jsonField []byte, files credentials.FileLookup) (Public, error) {
	c, err := credentials.ParseJSON(jsonField, files)
	if err != nil {
		return Public{}, usererr.Wrap(ErrInvalid, err)
	}
	return s.Create(ctx, by, c)
}

// Update replaces the credential id with posted, keeping each secret
// posted redacted (credentials.Merge: Jenkins would store an empty one).
// posted must keep the id, as Jenkins requires ("Credentials' IDs do not
// match, will not update."): jobs bind credentials by id. ErrNotFound if
// there is no credential id.
func (s *Service) Update(ctx context.Context, by Actor, id string, posted *credentials.Credential) (Public, error) {
	if posted.ID != id {
		return Public{}, usererr.Newf(ErrInvalid, "The posted credential's id %q is not %q: an update keeps the id, which jobs use to bind the credential (create a new credential to change it)", posted.ID, id)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out Public
	var kind credentials.Kind
	err := s.st.InTx(ctx, func(ctx context.Context) error {
		stored, err := s.open(ctx, StoreSystem, DomainGlobal, id)
		if err != nil {
			return err
		}
		c, err := credentials.Merge(stored, posted)
		if err != nil {
			return refusal(err, id)
		}
		r, err := c.Seal(s.ring, fullName(StoreSystem, DomainGlobal))
		if err != nil {
			return refusal(err, id)
		}
		if err := s.st.UpdateCredential(ctx, StoreSystem, DomainGlobal, id, r, time.Now()); err != nil {
			return refusal(err, id)
		}
		out, kind = publicOf(r), stored.Kind
		return nil
	})
	if err != nil {
		return Public{}, err
	}
	detail := describe(out.Kind, out.Scope)
	if kind != out.Kind {
		detail += ", was a " + kind.TypeName()
	}
	s.audit(Event{Time: time.Now(), Actor: by, Action: ActionUpdate, ID: id, Detail: detail})
	return out, nil
}

// UpdateXML updates a credential from the XML posted to its config.xml.
func (s *Service) UpdateXML(ctx context.Context, by Actor, id string, body []byte) (Public, error) {
	c, err := credentials.ParseXML(body)
	if err != nil {
		return Public{}, usererr.Wrap(ErrInvalid, err)
	}
	return s.Update(ctx, by, id, c)
}

// UpdateForm updates a credential from the web UI's update form (its
// json field): secrets left blank are kept (credentials.Parser.KeepBlank).
func (s *Service) UpdateForm(ctx context.Context, by Actor, id string, jsonField []byte, files credentials.FileLookup) (Public, error) {
	c, err := credentials.Parser{KeepBlank: true}.ParseJSON(jsonField, files)
	if err != nil {
		return Public{}, usererr.Wrap(ErrInvalid, err)
	}
	return s.Update(ctx, by, id, c)
}

// Delete removes a credential with its uses; ErrNotFound if there is
// none. Jobs that bind it fail from then on with Jenkins's "Could not
// find credentials entry with ID".
func (s *Service) Delete(ctx context.Context, by Actor, id string) error {
	if credentials.ValidID(id) != nil {
		return notFound(id)
	}
	if err := s.st.DeleteCredential(ctx, StoreSystem, DomainGlobal, id); err != nil {
		return refusal(err, id)
	}
	s.audit(Event{Time: time.Now(), Actor: by, Action: ActionDelete, ID: id})
	return nil
}

// Move moves a credential to the domain destination names
// ("system/_", Jenkins's doMove parameter; a leading "/" and the root's
// empty context are accepted). jeeves's store has one domain, so a move
// to it changes nothing and any other destination is refused, as
// Jenkins refuses a move in a store without other domains (400).
func (s *Service) Move(ctx context.Context, by Actor, id, destination string) error {
	if _, err := s.Get(ctx, id); err != nil {
		return err
	}
	if strings.TrimPrefix(destination, "/") == fullName(StoreSystem, DomainGlobal) {
		return nil
	}
	return usererr.Newf(ErrInvalid, "There is no domain %q to move the credential to: the system store has one domain, %s (Global)", destination, DomainGlobal)
}

// ForBinding lists the credentials a job's binding of class may use:
// the GLOBAL ones of the kind it takes (none for a class jeeves does
// not bind). The job form offers these, as Jenkins's picker lists the
// credentials an item sees.
func (s *Service) ForBinding(ctx context.Context, class string) ([]Public, error) {
	kind, ok := binding.CredentialKind(class)
	if !ok {
		return nil, nil
	}
	list, err := s.List(ctx)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(list, func(p Public) bool { return p.Scope != credentials.ScopeGlobal || p.Kind != kind }), nil
}

// Resolve gives a build the credential id, with its secrets: nil and no
// error when there is none or it is SYSTEM-scoped, which builds never
// see (the binding then fails with Jenkins's "Could not find credentials
// entry with ID"). Record what the build binds with RecordUse.
func (s *Service) Resolve(ctx context.Context, id string, b Build) (*credentials.Credential, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, err := s.open(ctx, StoreSystem, DomainGlobal, id)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if c.Scope != credentials.ScopeGlobal {
		return nil, nil
	}
	return c, nil
}

// ResolveForJeeves gives jeeves itself (an agent's launcher) the
// credential id, of either scope, and audits the use with purpose as its
// detail ("agent web-1"). ErrNotFound if there is none.
func (s *Service) ResolveForJeeves(ctx context.Context, id, purpose string) (*credentials.Credential, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, err := s.open(ctx, StoreSystem, DomainGlobal, id)
	if err != nil {
		return nil, err
	}
	s.audit(Event{Time: time.Now(), Actor: Actor{User: "SYSTEM", Auth: "jeeves"}, Action: ActionUse, ID: id, Detail: purpose})
	return c, nil
}

// RecordUse records that build b used the credentials ids (bound them)
// and audits each use (StoreUse, then AuditUse for those recorded: a
// credential deleted meanwhile is skipped).
func (s *Service) RecordUse(ctx context.Context, b Build, ids ...string) error {
	recorded, err := s.storeUse(ctx, b, ids)
	if err != nil {
		return err
	}
	s.AuditUse(b, recorded...)
	return nil
}

// AuditUse reports each use of the credentials ids by build b to the
// audit function, once per id. It does not touch the store: a build
// calls it before any secret reaches its steps, and stores the uses
// (StoreUse) once it is over, off its own time.
func (s *Service) AuditUse(b Build, ids ...string) {
	who := b.By
	if who == "" {
		who = "SYSTEM"
	}
	now := time.Now()
	for i, id := range ids {
		if slices.Contains(ids[:i], id) {
			continue
		}
		s.audit(Event{Time: now, Actor: Actor{User: who, Auth: "build"}, Action: ActionUse, ID: id,
			Detail: fmt.Sprintf("job %q build #%d", b.JobName, b.Number)})
	}
}

// StoreUse records that build b used the credentials ids, in one
// transaction, keeping each credential's newest KeepUses uses (its
// fingerprint). A credential deleted meanwhile is skipped.
func (s *Service) StoreUse(ctx context.Context, b Build, ids ...string) error {
	_, err := s.storeUse(ctx, b, ids)
	return err
}

// storeUse is StoreUse; it returns the ids recorded.
func (s *Service) storeUse(ctx context.Context, b Build, ids []string) ([]string, error) {
	now := time.Now()
	var recorded []string
	err := s.st.InTx(ctx, func(ctx context.Context) error {
		recorded = recorded[:0]
		for _, id := range ids {
			if slices.Contains(recorded, id) {
				continue
			}
			err := s.st.RecordCredentialUse(ctx, StoreSystem, DomainGlobal, id,
				credentials.Use{JobID: b.JobID, JobName: b.JobName, Number: b.Number, At: now}, KeepUses)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			recorded = append(recorded, id)
		}
		return nil
	})
	return recorded, err
}

// Uses lists the builds that used a credential, newest first (the newest
// KeepUses); ErrNotFound if there is no such credential.
func (s *Service) Uses(ctx context.Context, id string) ([]credentials.Use, error) {
	if credentials.ValidID(id) != nil {
		return nil, notFound(id)
	}
	uses, err := s.st.CredentialUses(ctx, StoreSystem, DomainGlobal, id)
	return uses, refusal(err, id)
}

// Fingerprint is a credential's usage as Jenkins's credential
// fingerprint (hudson.model.Fingerprint) shows it in api/json.
type Fingerprint struct {
	// FileName is Jenkins's pseudo file name, "Credential id=ID
	// name=DISPLAY NAME".
	FileName string
	// Hash identifies the credential: 32 hex digits of SHA-256 over its
	// store, domain and id (Jenkins hashes the credential's XML; jeeves
	// hashes nothing secret).
	Hash string
	// Timestamp is the time of the oldest use kept.
	Timestamp time.Time
	// Usage is, per job (newest use first), the numbers of the builds
	// that used the credential.
	Usage []Usage
}

// Usage is a job's builds in a Fingerprint.
type Usage struct {
	Name   string  // the job's full name
	Ranges []Range // ascending, disjoint
}

// Range is the build numbers Start up to End, End excluded (Jenkins's
// RangeSet).
type Range struct{ Start, End int64 }

// Fingerprint is the credential's fingerprint, nil when no build has
// used it (Jenkins's "fingerprint": null).
func (s *Service) Fingerprint(ctx context.Context, id string) (*Fingerprint, error) {
	p, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	uses, err := s.Uses(ctx, id)
	if err != nil || len(uses) == 0 {
		return nil, err
	}
	sum := sha256.Sum256([]byte(fullName(StoreSystem, DomainGlobal) + "/" + id))
	fp := &Fingerprint{
		FileName:  "Credential id=" + id + " name=" + p.DisplayName(),
		Hash:      hex.EncodeToString(sum[:16]),
		Timestamp: uses[len(uses)-1].At,
	}
	numbers := map[string][]int64{}
	for _, u := range uses {
		if _, ok := numbers[u.JobName]; !ok {
			fp.Usage = append(fp.Usage, Usage{Name: u.JobName})
		}
		numbers[u.JobName] = append(numbers[u.JobName], u.Number)
	}
	for i := range fp.Usage {
		fp.Usage[i].Ranges = ranges(numbers[fp.Usage[i].Name])
	}
	return fp, nil
}

// ranges folds build numbers into ascending disjoint ranges.
func ranges(ns []int64) []Range {
	slices.Sort(ns)
	ns = slices.Compact(ns)
	var out []Range
	for _, n := range ns {
		if k := len(out); k > 0 && out[k-1].End == n {
			out[k-1].End++
			continue
		}
		out = append(out, Range{n, n + 1})
	}
	return out
}

// Rotation is what RotateKey did.
type Rotation struct {
	Key      uint32   // the new current key's id
	Resealed int      // how many credentials were sealed again
	Retired  []uint32 // the keys removed from the ring
}

// RotateKey replaces the encryption key: it adds a new key to the ring
// and makes it current, seals every stored credential again under it
// (in one transaction), then retires every other key, so a copy of the
// old key file no longer opens what the database holds from now on
// (older backups of the database still open with it). No credential is
// written or read by anything else meanwhile. If a credential cannot be
// opened (its row was altered), nothing is resealed and no key retired:
// the error names the credential, and the new key stays current.
func (s *Service) RotateKey(ctx context.Context, by Actor) (Rotation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key, err := s.ring.Rotate()
	if err != nil {
		return Rotation{}, err
	}
	rot := Rotation{Key: key}
	err = s.st.InTx(ctx, func(ctx context.Context) error {
		all, err := s.st.AllCredentials(ctx)
		if err != nil {
			return err
		}
		rot.Resealed = 0
		for _, c := range all {
			out, changed, err := s.ring.Reseal(c.Secrets, c.AD(fullName(c.Store, c.Domain)))
			if err != nil {
				return fmt.Errorf("cannot open credential %q of %s to seal it again (no key was retired): %w", c.ID, fullName(c.Store, c.Domain), err)
			}
			if !changed {
				continue
			}
			r := *c.Sealed
			r.Secrets = out
			if err := s.st.UpdateCredential(ctx, c.Store, c.Domain, c.ID, &r, time.Now()); err != nil {
				return err
			}
			rot.Resealed++
		}
		return nil
	})
	if err != nil {
		return rot, err
	}
	for _, id := range s.ring.KeyIDs() {
		if id == key {
			continue
		}
		if err := s.ring.Retire(id); err != nil {
			return rot, err
		}
		rot.Retired = append(rot.Retired, id)
	}
	s.audit(Event{Time: time.Now(), Actor: by, Action: ActionRotate,
		Detail: fmt.Sprintf("key %d is current; %d credentials sealed again; keys retired: %v", key, rot.Resealed, rot.Retired)})
	return rot, nil
}
