// Package jobs manages jobs: it validates names, parses config.xml into
// the fields jeeves acts on, and stores the XML exactly as posted.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jeeves-ci/jeeves/internal/authz"
	"github.com/jeeves-ci/jeeves/internal/blob"
	"github.com/jeeves-ci/jeeves/internal/configxml"
	"github.com/jeeves-ci/jeeves/internal/cron"
	"github.com/jeeves-ci/jeeves/internal/limits"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/store"
	"github.com/jeeves-ci/jeeves/internal/usererr"
)

// The refusals callers tell apart, each a *usererr.Error carrying a
// message fit to show the user. An item that does not exist is
// store.ErrNotFound.
var (
	ErrExists    = fmt.Errorf("job %w", store.ErrExists)
	ErrBadName   = errors.New("bad name")
	ErrBadConfig = errors.New("bad config.xml")
)

// notFound is the error for an item that does not exist.
func notFound(name string) error { return fmt.Errorf("no item %q: %w", name, store.ErrNotFound) }

// MaxNameLength bounds a job name, in bytes.
const MaxNameLength = limits.Name

// Store is the slice of the store the job registry uses: items, their
// builds' statuses (read at start), and transactions.
type Store interface {
	store.Jobs
	store.Transactor
	JobStatuses(ctx context.Context) (map[int64]model.JobStatus, error)
}

// Service is the job registry. Jobs are few and read on every request, so
// their parsed configs are cached in memory; the store stays the truth.
// What their builds leave (logs) is in blobs, below blob.JobKey.
type Service struct {
	store Store
	blobs blob.Store

	mu    sync.RWMutex
	byID  map[int64]*model.Job
	names map[string]int64
	// sorted is every item in Jenkins's order, nil after a change until
	// the next listing sorts again: listings come with every api/json.
	sorted []*model.Job
	// pos, children and childPos are made with sorted, and valid while
	// it is not nil: each item's index in sorted, each folder's items
	// (the root's under ""), in sorted's order, and each item's index
	// there. A listing of one folder then costs its items, not every
	// item at every depth, and a job's status changes in place.
	pos      map[int64]int
	children map[string][]*model.Job
	childPos map[int64]int
	// graph is what the items' BuildTriggers start (graph.go), nil after
	// a change until the next read makes it again.
	graph *graph

	watchers []func()           // set before serving; read-only afterwards
	created  []func(*model.Job) // likewise
}

// OnChange registers fn to be called after any item is created,
// reconfigured, renamed or deleted. fn must not block. Register
// watchers before the service is used.
func (s *Service) OnChange(fn func()) { s.watchers = append(s.watchers, fn) }

// OnCreated registers fn to be called with each item created, once it
// is stored, before Create returns. Register it before the service is
// used.
func (s *Service) OnCreated(fn func(*model.Job)) { s.created = append(s.created, fn) }

func (s *Service) notify() {
	for _, fn := range s.watchers {
		fn()
	}
}

// New loads every job.
func New(ctx context.Context, st Store, blobs blob.Store) (*Service, error) {
	s := &Service{store: st, blobs: blobs, byID: map[int64]*model.Job{}, names: map[string]int64{}}
	all, err := st.Jobs(ctx)
	if err != nil {
		return nil, err
	}
	status, err := st.JobStatuses(ctx)
	if err != nil {
		return nil, err
	}
	for _, j := range all {
		j.Status = status[j.ID]
		cfg, err := configxml.Parse(j.ConfigXML)
		if err != nil {
			return nil, fmt.Errorf("job %s: stored config.xml: %w", j.Name, err)
		}
		j.Config = *cfg
		s.byID[j.ID] = j
		s.names[j.Name] = j.ID
	}
	return s, nil
}

// CheckName validates a job name as Jenkins does, so no name can reach
// the filesystem or a URL as a path.
func CheckName(name string) error {
	if strings.TrimSpace(name) == "" {
		return usererr.New(ErrBadName, "No name is specified")
	}
	if !utf8.ValidString(name) {
		return usererr.New(ErrBadName, "The name is not valid UTF-8")
	}
	if len(name) > MaxNameLength {
		return usererr.Newf(ErrBadName, "The name is longer than %d bytes", MaxNameLength)
	}
	if name == "." || name == ".." {
		return usererr.Newf(ErrBadName, "“%s” is not an allowed name", name)
	}
	for _, c := range name {
		if unicode.IsControl(c) {
			return usererr.Newf(ErrBadName, "No control code is allowed: %q", name)
		}
		if limits.Invisible(c) {
			return usererr.Newf(ErrBadName, "The name holds U+%04X, an invisible or direction-changing character, which is not allowed", c)
		}
		if strings.ContainsRune(`?*/\%!@#$^&|<>[]:;`, c) {
			return usererr.Newf(ErrBadName, "‘%c’ is an unsafe character", c)
		}
	}
	if strings.HasSuffix(name, ".") {
		return usererr.New(ErrBadName, "A name cannot end with ‘.’")
	}
	if strings.TrimSpace(name) != name {
		return usererr.New(ErrBadName, "A name cannot start or end with a space")
	}
	return nil
}

func parse(xml []byte) (*model.JobConfig, error) {
	cfg, err := configxml.Parse(xml)
	if err != nil {
		var uk *configxml.UnknownKindError
		if errors.As(err, &uk) {
			return nil, usererr.Newf(ErrBadConfig, "No item type ‘%s’ is known", uk.Root)
		}
		return nil, usererr.New(ErrBadConfig, err.Error())
	}
	if cfg.Kind != configxml.KindProject && cfg.Kind != configxml.KindFolder {
		return nil, usererr.Newf(ErrBadConfig, "No item type ‘%s’ is known", cfg.Kind)
	}
	if cfg.TimerSpecs != "" {
		// The seed only picks H values; any seed finds the same errors.
		if _, err := cron.Parse(cfg.TimerSpecs, ""); err != nil {
			return nil, usererr.Newf(ErrBadConfig, "hudson.triggers.TimerTrigger: %v", err)
		}
	}
	if strings.TrimSpace(cfg.SCMSpecs) != "" {
		if _, err := cron.Parse(cfg.SCMSpecs, ""); err != nil {
			return nil, usererr.Newf(ErrBadConfig, "hudson.triggers.SCMTrigger: %v", err)
		}
	}
	if err := authz.ValidateItem(cfg.Authorization); err != nil {
		return nil, usererr.New(ErrBadConfig, err.Error())
	}
	if err := checkLengths(cfg); err != nil {
		return nil, usererr.Wrap(ErrBadConfig, err)
	}
	return cfg, nil
}

// checkLengths holds every field jeeves reads from a posted config.xml to
// its bound (see package limits). Stored configurations are not checked
// again when they are loaded, so a bound never stops a start.
func checkLengths(cfg *model.JobConfig) error {
	checks := []struct {
		field, value string
		max          int
	}{
		{"description", cfg.Description, limits.Description},
		{"authToken", cfg.AuthToken, limits.Token},
		{"the timer trigger's spec", cfg.TimerSpecs, limits.Spec},
		{"the SCM trigger's spec", cfg.SCMSpecs, limits.Spec},
	}
	for _, c := range checks {
		if err := limits.Check(c.field, c.value, c.max); err != nil {
			return err
		}
	}
	for _, d := range cfg.Params {
		if err := limits.Check("a parameter name", d.Name, limits.Name); err != nil {
			return err
		}
		what := " of parameter ‘" + d.Name + "’"
		if err := limits.Check("the description"+what, d.Description, limits.Description); err != nil {
			return err
		}
		if err := limits.Check("the default value"+what, d.Default, limits.Value); err != nil {
			return err
		}
		for _, ch := range d.Choices {
			if err := limits.Check("a choice"+what, ch, limits.Value); err != nil {
				return err
			}
		}
	}
	for _, child := range cfg.Children {
		if err := limits.Check("a downstream project's name", child, limits.FullName); err != nil {
			return err
		}
	}
	if m := cfg.Authorization; m != nil {
		for _, g := range m.Grants {
			if err := limits.Check("a sid in the permission matrix", g.Sid, limits.Sid); err != nil {
				return err
			}
		}
	}
	return nil
}

// restoreSecrets puts stored password defaults back where a posted
// config.xml has the placeholder config.xml is served with.
func restoreSecrets(posted, stored []byte) ([]byte, error) {
	xml, err := configxml.Restore(posted, stored)
	if err != nil {
		return nil, usererr.New(ErrBadConfig, err.Error())
	}
	return xml, nil
}

// IsFolder reports whether an item is a folder.
func IsFolder(j *model.Job) bool { return j.Config.Kind == configxml.KindFolder }

// Parent is the full name of the folder holding the item named fullName;
// "" for a top-level item.
func Parent(fullName string) string {
	if i := strings.LastIndexByte(fullName, '/'); i >= 0 {
		return fullName[:i]
	}
	return ""
}

// Resolve turns a project name as a job's config writes it (relative to
// the job's folder, or absolute with a leading "/") into a full name: a
// BuildTrigger's childProjects name their projects so, from the job
// named from.
func Resolve(from, name string) string {
	name = strings.TrimSpace(name)
	if strings.HasPrefix(name, "/") {
		return strings.Trim(name, "/")
	}
	if parent := Parent(from); parent != "" {
		return parent + "/" + name
	}
	return name
}

// join makes a full name from a parent folder's full name and a name.
func join(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "/" + name
}

// checkParent: parent must be "" (the root) or an existing folder.
// Called with s.mu held.
func (s *Service) checkParent(parent string) error {
	if parent == "" {
		return nil
	}
	id, ok := s.names[parent]
	if !ok || !IsFolder(s.byID[id]) {
		return fmt.Errorf("no folder %q: %w", parent, store.ErrNotFound)
	}
	return nil
}

// Create validates and stores a new item named name inside the folder
// parent ("" for the top level), configured by by (nil: not known).
func (s *Service) Create(ctx context.Context, parent, name string, xml []byte, by *model.Authority) (*model.Job, error) {
	j, err := s.create(ctx, parent, name, xml, by)
	if err != nil {
		return nil, err
	}
	for _, fn := range s.created {
		fn(j)
	}
	return j, nil
}

func (s *Service) create(ctx context.Context, parent, name string, xml []byte, by *model.Authority) (*model.Job, error) {
	if err := CheckName(name); err != nil {
		return nil, err
	}
	// A new item has no stored password default for a placeholder to
	// keep: a config.xml read from another item is refused, not stored
	// with the placeholder as the password.
	xml, err := restoreSecrets(xml, nil)
	if err != nil {
		return nil, err
	}
	cfg, err := parse(xml)
	if err != nil {
		return nil, err
	}
	defer s.notify() // after the unlock below
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkParent(parent); err != nil {
		return nil, err
	}
	name = join(parent, name)
	if err := limits.Check("the full name", name, limits.FullName); err != nil {
		return nil, usererr.Wrap(ErrBadName, err)
	}
	if _, ok := s.names[name]; ok {
		return nil, usererr.Newf(ErrExists, "A job already exists with the name ‘%s’", name)
	}
	j, err := s.store.CreateJob(ctx, name, xml, time.Now(), by)
	if errors.Is(err, store.ErrExists) {
		return nil, usererr.Newf(ErrExists, "A job already exists with the name ‘%s’", name)
	}
	if err != nil {
		return nil, err
	}
	j.Config = *cfg
	s.byID[j.ID] = j
	s.names[j.Name] = j.ID
	s.sorted, s.graph = nil, nil
	return copyJob(j), nil
}

// Get returns a job by full name.
func (s *Service) Get(name string) (*model.Job, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, ok := s.names[name]
	if !ok {
		return nil, notFound(name)
	}
	return copyJob(s.byID[id]), nil
}

// ByID returns a job by id.
func (s *Service) ByID(id int64) (*model.Job, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	j, ok := s.byID[id]
	if !ok {
		return nil, fmt.Errorf("no item with id %d: %w", id, store.ErrNotFound)
	}
	return copyJob(j), nil
}

// Shared returns the stored job with id itself, not a copy: like the
// jobs Children hands out, it is never changed in place (see update),
// and callers must not modify it. Listings that look up a job per row
// (the queue's thousands of items) use it to copy nothing.
func (s *Service) Shared(id int64) (*model.Job, bool) {
	s.mu.RLock()
	j, ok := s.byID[id]
	s.mu.RUnlock()
	return j, ok
}

// Children returns the items directly inside folder ("" = the top
// level), sorted as Jenkins sorts them. They are the stored jobs, shared
// and never changed in place (see update): callers must not modify them.
// Every api/json lists them, so they are not copied.
func (s *Service) Children(folder string) []*model.Job {
	s.rlockSorted()
	var out []*model.Job
	if s.sorted != nil {
		out = slices.Clone(s.children[folder])
	}
	s.mu.RUnlock()
	if out == nil {
		out = []*model.Job{}
	}
	return out
}

// rlockSorted takes the read lock with s.sorted up to date, sorting
// first if a change made it stale.
func (s *Service) rlockSorted() {
	for {
		s.mu.RLock()
		if s.sorted != nil || len(s.byID) == 0 {
			return
		}
		s.mu.RUnlock()
		s.mu.Lock()
		if s.sorted == nil {
			all := make([]*model.Job, 0, len(s.byID))
			for _, j := range s.byID {
				all = append(all, j)
			}
			sortJobs(all)
			s.sorted = all
			s.pos = make(map[int64]int, len(all))
			s.children = map[string][]*model.Job{}
			s.childPos = make(map[int64]int, len(all))
			for i, j := range all {
				s.pos[j.ID] = i
				p := Parent(j.Name)
				s.childPos[j.ID] = len(s.children[p])
				s.children[p] = append(s.children[p], j)
			}
		}
		s.mu.Unlock()
	}
}

// List returns every item at any depth, sorted by name without case as
// Jenkins does.
func (s *Service) List() []*model.Job {
	s.rlockSorted()
	out := make([]*model.Job, 0, len(s.sorted))
	for _, j := range s.sorted {
		out = append(out, copyJob(j))
	}
	s.mu.RUnlock()
	return out
}

// UpdateConfig replaces a job's config.xml, saved by by (nil: not
// known). An item keeps its kind: a job cannot become a folder or the
// other way round.
//
// A password parameter whose default is configxml.RedactedDefault, as
// config.xml is served, keeps the default it has stored.
func (s *Service) UpdateConfig(ctx context.Context, name string, xml []byte, by *model.Authority) (*model.Job, error) {
	s.mu.RLock()
	var stored []byte
	if id, ok := s.names[name]; ok {
		stored = s.byID[id].ConfigXML
	}
	s.mu.RUnlock()
	xml, err := restoreSecrets(xml, stored)
	if err != nil {
		return nil, err
	}
	cfg, err := parse(xml)
	if err != nil {
		return nil, err
	}
	defer s.notify() // after the unlock below
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.names[name]
	if !ok {
		return nil, notFound(name)
	}
	if old := s.byID[id].Config.Kind; old != cfg.Kind {
		return nil, usererr.Newf(ErrBadConfig, "Expecting %s but got %s instead", old, cfg.Kind)
	}
	if err := s.store.UpdateJobConfig(ctx, id, xml, by); err != nil {
		return nil, err
	}
	j := s.update(id, func(j *model.Job) { j.ConfigXML, j.Config, j.ConfiguredBy = xml, *cfg, by })
	s.graph = nil
	return copyJob(j), nil
}

// Delete removes an item (a folder with everything in it), its builds
// and their logs. The items go in one transaction: a folder is never
// left with part of its contents.
func (s *Service) Delete(ctx context.Context, name string) error {
	defer s.notify() // after the unlock below
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.names[name]
	if !ok {
		return notFound(name)
	}
	ids := []int64{id}
	for n, child := range s.names {
		if strings.HasPrefix(n, name+"/") {
			ids = append(ids, child)
		}
	}
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		for _, id := range ids {
			if err := s.store.DeleteJob(ctx, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	var firstErr error
	for _, id := range ids {
		delete(s.names, s.byID[id].Name)
		delete(s.byID, id)
		s.sorted, s.graph = nil, nil
		if err := s.blobs.Delete(blob.JobKey(id)); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	return firstErr
}

// Inside returns the ids of every item under folder, at any depth.
func (s *Service) Inside(folder string) []int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var ids []int64
	for n, id := range s.names {
		if strings.HasPrefix(n, folder+"/") {
			ids = append(ids, id)
		}
	}
	return ids
}

// Rename gives an item a new name in the same folder (Jenkins's
// doRename; moving between folders is a different operation). A folder's
// contents are renamed with it, in one transaction.
func (s *Service) Rename(ctx context.Context, name, newBase string) (*model.Job, error) {
	if err := CheckName(newBase); err != nil {
		return nil, err
	}
	defer s.notify() // after the unlock below
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.names[name]
	if !ok {
		return nil, notFound(name)
	}
	newName := join(Parent(name), newBase)
	if newName == name {
		return copyJob(s.byID[id]), nil
	}
	if _, taken := s.names[newName]; taken {
		return nil, usererr.Newf(ErrExists, "A job already exists with the name ‘%s’", newBase)
	}
	longest := newName
	for n := range s.names {
		if strings.HasPrefix(n, name+"/") && len(newName)+len(n)-len(name) > len(longest) {
			longest = newName + n[len(name):]
		}
	}
	if err := limits.Check("the full name", longest, limits.FullName); err != nil {
		return nil, usererr.Wrap(ErrBadName, err)
	}
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.RenameJob(ctx, name, newName); err != nil {
			return err
		}
		for n := range s.names {
			if strings.HasPrefix(n, name+"/") {
				if err := s.store.RenameJob(ctx, n, newName+n[len(name):]); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if errors.Is(err, store.ErrExists) {
		return nil, usererr.Newf(ErrExists, "A job already exists with the name ‘%s’", newBase)
	}
	if err != nil {
		return nil, err
	}
	for n, child := range s.names {
		if n == name || strings.HasPrefix(n, name+"/") {
			renamed := newName + n[len(name):]
			delete(s.names, n)
			s.names[renamed] = child
			s.update(child, func(j *model.Job) { j.Name = renamed })
			s.sorted, s.graph = nil, nil
		}
	}
	return copyJob(s.byID[id]), nil
}

// SetField rewrites one top-level element of an item's config.xml (such
// as disabled or description), keeping the rest of the XML as it was,
// and who configured it: such a field changes neither what the job
// triggers nor when.
func (s *Service) SetField(ctx context.Context, name, elem, value string) (*model.Job, error) {
	s.mu.RLock()
	id, ok := s.names[name]
	var xml []byte
	var by *model.Authority
	if ok {
		xml, by = s.byID[id].ConfigXML, s.byID[id].ConfiguredBy
	}
	s.mu.RUnlock()
	if !ok {
		return nil, notFound(name)
	}
	edited, err := configxml.SetTopLevel(xml, elem, value)
	if err != nil {
		return nil, usererr.New(ErrBadConfig, err.Error())
	}
	return s.UpdateConfig(ctx, name, edited, by)
}

// BuildStarted records that build number of job id started, keeping
// the cached next number and status current.
func (s *Service) BuildStarted(id, number int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byID[id]; !ok {
		return
	}
	s.update(id, func(j *model.Job) {
		if j.NextBuildNumber <= number {
			j.NextBuildNumber = number + 1
		}
		if number > j.Status.LastNumber {
			j.Status.LastNumber, j.Status.LastBuilding = number, true
		}
	})
}

// BuildFinished records a build's result in the job's cached status.
func (s *Service) BuildFinished(id, number int64, result model.Result) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byID[id]; !ok {
		return
	}
	s.update(id, func(j *model.Job) {
		if number == j.Status.LastNumber {
			j.Status.LastBuilding = false
		}
		if number > j.Status.CompletedNumber {
			j.Status.CompletedNumber, j.Status.CompletedResult = number, result
		}
	})
}

func copyJob(j *model.Job) *model.Job {
	c := *j
	return &c
}

// update changes a stored job by replacing it with a changed copy, never
// in place: a job Children handed out stays as it was, so readers share
// stored jobs without copying them or holding the lock. Called with s.mu
// held for writing; id must exist. It returns the new job.
func (s *Service) update(id int64, change func(*model.Job)) *model.Job {
	old := s.byID[id]
	j := copyJob(old)
	change(j)
	s.byID[id] = j
	if s.sorted == nil {
		return j
	}
	i, ok := s.pos[id]
	p := Parent(old.Name)
	k, kok := s.childPos[id]
	if j.Name != old.Name || !ok || i >= len(s.sorted) || s.sorted[i] != old || !kok || k >= len(s.children[p]) || s.children[p][k] != old {
		// Renamed (its place changes) or not where the index says: sort
		// again at the next listing.
		s.sorted, s.graph = nil, nil
		return j
	}
	s.sorted[i] = j
	s.children[p][k] = j
	return j
}

// SetStatus replaces a job's cached status (after one of its builds was
// deleted: package builds implements that).
func (s *Service) SetStatus(id int64, status model.JobStatus) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byID[id]; ok {
		s.update(id, func(j *model.Job) { j.Status = status })
	}
}
