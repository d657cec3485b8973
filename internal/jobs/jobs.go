// Package jobs manages jobs: it validates names, parses config.xml into
// the fields jeeves acts on, and stores the XML exactly as posted.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jeeves-ci/jeeves/internal/configxml"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/store"
)

// Errors callers tell apart. ErrBadName and ErrBadConfig carry a message
// fit to show the user.
var (
	ErrNotFound  = errors.New("no such job")
	ErrExists    = errors.New("job exists")
	ErrBadName   = errors.New("bad name")
	ErrBadConfig = errors.New("bad config.xml")
)

// MaxNameLength bounds a job name, in bytes.
const MaxNameLength = 255

// Service is the job registry. Jobs are few and read on every request, so
// their parsed configs are cached in memory; the store stays the truth.
type Service struct {
	store *store.Store

	mu    sync.RWMutex
	byID  map[int64]*model.Job
	names map[string]int64
}

// New loads every job.
func New(ctx context.Context, st *store.Store) (*Service, error) {
	s := &Service{store: st, byID: map[int64]*model.Job{}, names: map[string]int64{}}
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
		return fmt.Errorf("%w: No name is specified", ErrBadName)
	}
	if !utf8.ValidString(name) {
		return fmt.Errorf("%w: The name is not valid UTF-8", ErrBadName)
	}
	if len(name) > MaxNameLength {
		return fmt.Errorf("%w: The name is longer than %d bytes", ErrBadName, MaxNameLength)
	}
	if name == "." || name == ".." {
		return fmt.Errorf("%w: “%s” is not an allowed name", ErrBadName, name)
	}
	for _, c := range name {
		if unicode.IsControl(c) {
			return fmt.Errorf("%w: No control code is allowed: %q", ErrBadName, name)
		}
		if strings.ContainsRune(`?*/\%!@#$^&|<>[]:;`, c) {
			return fmt.Errorf("%w: ‘%c’ is an unsafe character", ErrBadName, c)
		}
	}
	if strings.HasSuffix(name, ".") {
		return fmt.Errorf("%w: A name cannot end with ‘.’", ErrBadName)
	}
	if strings.TrimSpace(name) != name {
		return fmt.Errorf("%w: A name cannot start or end with a space", ErrBadName)
	}
	return nil
}

func parse(xml []byte) (*model.JobConfig, error) {
	cfg, err := configxml.Parse(xml)
	if err != nil {
		var uk *configxml.UnknownKindError
		if errors.As(err, &uk) {
			return nil, fmt.Errorf("%w: No item type ‘%s’ is known", ErrBadConfig, uk.Root)
		}
		return nil, fmt.Errorf("%w: %v", ErrBadConfig, err)
	}
	if cfg.Kind != "project" {
		return nil, fmt.Errorf("%w: No item type ‘%s’ is known", ErrBadConfig, cfg.Kind)
	}
	return cfg, nil
}

// Create validates and stores a new job.
func (s *Service) Create(ctx context.Context, name string, xml []byte) (*model.Job, error) {
	if err := CheckName(name); err != nil {
		return nil, err
	}
	cfg, err := parse(xml)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.names[name]; ok {
		return nil, fmt.Errorf("%w: A job already exists with the name ‘%s’", ErrExists, name)
	}
	j, err := s.store.CreateJob(ctx, name, xml, time.Now())
	if errors.Is(err, store.ErrExists) {
		return nil, fmt.Errorf("%w: A job already exists with the name ‘%s’", ErrExists, name)
	}
	if err != nil {
		return nil, err
	}
	j.Config = *cfg
	s.byID[j.ID] = j
	s.names[j.Name] = j.ID
	return copyJob(j), nil
}

// Get returns a job by full name.
func (s *Service) Get(name string) (*model.Job, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, ok := s.names[name]
	if !ok {
		return nil, ErrNotFound
	}
	return copyJob(s.byID[id]), nil
}

// ByID returns a job by id.
func (s *Service) ByID(id int64) (*model.Job, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	j, ok := s.byID[id]
	if !ok {
		return nil, ErrNotFound
	}
	return copyJob(j), nil
}

// List returns every job, sorted by name without case as Jenkins does.
func (s *Service) List() []*model.Job {
	s.mu.RLock()
	out := make([]*model.Job, 0, len(s.byID))
	for _, j := range s.byID {
		out = append(out, copyJob(j))
	}
	s.mu.RUnlock()
	sortJobs(out)
	return out
}

// UpdateConfig replaces a job's config.xml.
func (s *Service) UpdateConfig(ctx context.Context, name string, xml []byte) (*model.Job, error) {
	cfg, err := parse(xml)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.names[name]
	if !ok {
		return nil, ErrNotFound
	}
	if err := s.store.UpdateJobConfig(ctx, id, xml); err != nil {
		return nil, err
	}
	j := s.byID[id]
	j.ConfigXML, j.Config = xml, *cfg
	return copyJob(j), nil
}

// Delete removes a job, its builds and their logs.
func (s *Service) Delete(ctx context.Context, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.names[name]
	if !ok {
		return ErrNotFound
	}
	if err := s.store.DeleteJob(ctx, id); err != nil {
		return err
	}
	delete(s.byID, id)
	delete(s.names, name)
	return s.store.RemoveJobFiles(id)
}

// BuildStarted records that build number of job id started, keeping
// the cached next number and status current.
func (s *Service) BuildStarted(id, number int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.byID[id]
	if !ok {
		return
	}
	if j.NextBuildNumber <= number {
		j.NextBuildNumber = number + 1
	}
	if number > j.Status.LastNumber {
		j.Status.LastNumber, j.Status.LastBuilding = number, true
	}
}

// BuildFinished records a build's result in the job's cached status.
func (s *Service) BuildFinished(id, number int64, result model.Result) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.byID[id]
	if !ok {
		return
	}
	if number == j.Status.LastNumber {
		j.Status.LastBuilding = false
	}
	if number > j.Status.CompletedNumber {
		j.Status.CompletedNumber, j.Status.CompletedResult = number, result
	}
}

func copyJob(j *model.Job) *model.Job {
	c := *j
	return &c
}
