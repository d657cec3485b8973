// Package views manages list views: named selections of top-level jobs,
// stored as Jenkins's ListView config.xml. The "all" view is implicit and
// is not stored.
package views

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jeeves-ci/jeeves/internal/configxml"
	"github.com/jeeves-ci/jeeves/internal/jobs"
	"github.com/jeeves-ci/jeeves/internal/limits"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/store"
	"github.com/jeeves-ci/jeeves/internal/usererr"
)

// The refusals callers tell apart, each a *usererr.Error carrying a
// message fit to show the user. A view that does not exist is
// store.ErrNotFound.
var (
	ErrExists    = fmt.Errorf("view %w", store.ErrExists)
	ErrBadName   = errors.New("bad view name")
	ErrBadConfig = errors.New("bad view config.xml")
)

// notFound is the error for a view that does not exist.
func notFound(name string) error { return fmt.Errorf("no view %q: %w", name, store.ErrNotFound) }

// AllView is the name of the implicit view holding every job.
const AllView = "all"

// Service holds the views in memory; the store stays the truth.
type Service struct {
	store store.Views
	mu    sync.RWMutex
	views map[string]*model.View
	// regexes holds each view's includeRegex, compiled when the view is
	// loaded or saved: listing a view matches it against every job, and
	// compiling it there cost a compilation per job per request. A view
	// whose regex does not compile has none here.
	regexes map[string]*matcher
	compile func(string) (*regexp.Regexp, error) // compileRegex; tests count calls
}

// New loads every view.
func New(ctx context.Context, st store.Views) (*Service, error) {
	s := &Service{store: st, views: map[string]*model.View{}, regexes: map[string]*matcher{}, compile: compileRegex}
	all, err := st.Views(ctx)
	if err != nil {
		return nil, err
	}
	for _, v := range all {
		cfg, err := configxml.ParseView(v.ConfigXML)
		if err != nil {
			return nil, fmt.Errorf("view %s: stored config.xml: %w", v.Name, err)
		}
		v.Config = *cfg
		s.views[v.Name] = v
		s.setRegex(v)
	}
	return s, nil
}

// setRegex compiles v's includeRegex into s.regexes; called with s.mu
// held for writing (or before s is shared).
func (s *Service) setRegex(v *model.View) {
	delete(s.regexes, v.Name)
	if v.Config.IncludeRegex == "" {
		return
	}
	// A bad regex matches nothing, as in Jenkins.
	if re, err := s.compile(v.Config.IncludeRegex); err == nil {
		s.regexes[v.Name] = &matcher{re: re, seen: map[string]bool{}}
	}
}

func parse(xml []byte) (*model.ViewConfig, error) {
	cfg, err := configxml.ParseView(xml)
	if err != nil {
		var uk *configxml.UnknownKindError
		if errors.As(err, &uk) {
			return nil, usererr.Newf(ErrBadConfig, "No view type ‘%s’ is known", uk.Root)
		}
		return nil, usererr.New(ErrBadConfig, err.Error())
	}
	if err := checkLengths(cfg); err != nil {
		return nil, usererr.Wrap(ErrBadConfig, err)
	}
	return cfg, nil
}

// checkLengths holds the fields jeeves reads from a posted view
// config.xml to their bounds (see package limits). Stored views are not
// checked again when loaded.
func checkLengths(cfg *model.ViewConfig) error {
	if err := limits.Check("description", cfg.Description, limits.Description); err != nil {
		return err
	}
	if err := limits.Check("includeRegex", cfg.IncludeRegex, limits.Regex); err != nil {
		return err
	}
	if err := checkRegex(cfg.IncludeRegex); err != nil {
		return err
	}
	for _, n := range cfg.JobNames {
		if err := limits.Check("a name in jobNames", n, limits.Name); err != nil {
			return err
		}
	}
	return nil
}

// Create stores a new list view; a nil xml makes an empty one.
func (s *Service) Create(ctx context.Context, name string, xml []byte) (*model.View, error) {
	if err := jobs.CheckName(name); err != nil {
		return nil, usererr.Wrap(ErrBadName, err)
	}
	if xml == nil {
		xml = configxml.NewListView(name)
	}
	cfg, err := parse(xml)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if strings.EqualFold(name, AllView) || s.views[name] != nil {
		return nil, usererr.Newf(ErrExists, "A view already exists with the name \"%s\"", name)
	}
	if err := s.store.CreateView(ctx, name, xml, time.Now()); err != nil {
		if errors.Is(err, store.ErrExists) {
			return nil, usererr.Newf(ErrExists, "A view already exists with the name \"%s\"", name)
		}
		return nil, err
	}
	v := &model.View{Name: name, ConfigXML: xml, Config: *cfg}
	s.views[name] = v
	s.setRegex(v)
	return copyView(v), nil
}

// Get returns a stored view by name.
func (s *Service) Get(name string) (*model.View, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	v, ok := s.views[name]
	if !ok {
		return nil, notFound(name)
	}
	return copyView(v), nil
}

// List returns the stored views sorted by name without case.
func (s *Service) List() []*model.View {
	s.mu.RLock()
	out := make([]*model.View, 0, len(s.views))
	for _, v := range s.views {
		out = append(out, copyView(v))
	}
	s.mu.RUnlock()
	sort.Slice(out, func(a, b int) bool { return strings.ToLower(out[a].Name) < strings.ToLower(out[b].Name) })
	return out
}

// UpdateConfig replaces a view's config.xml.
func (s *Service) UpdateConfig(ctx context.Context, name string, xml []byte) (*model.View, error) {
	cfg, err := parse(xml)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.update(ctx, name, xml, cfg)
}

// update saves a view's new XML; called with s.mu held.
func (s *Service) update(ctx context.Context, name string, xml []byte, cfg *model.ViewConfig) (*model.View, error) {
	v, ok := s.views[name]
	if !ok {
		return nil, notFound(name)
	}
	if err := s.store.UpdateView(ctx, name, xml); err != nil {
		return nil, err
	}
	v.ConfigXML, v.Config = xml, *cfg
	s.setRegex(v)
	return copyView(v), nil
}

// Submit applies a view's configSubmit (View.doConfigSubmit): its new
// config.xml, and its new name when f.Name differs, are stored together,
// or nothing is.
func (s *Service) Submit(ctx context.Context, name string, f configxml.ViewForm) (*model.View, error) {
	if f.IncludeRegex != "" {
		if _, err := compileRegex(f.IncludeRegex); err != nil {
			return nil, usererr.Newf(ErrBadConfig, "The regular expression ‘%s’ is not valid: %v", f.IncludeRegex, err)
		}
	}
	if f.Name != name {
		if f.Name == "" {
			return nil, usererr.New(ErrBadName, "No name is specified")
		}
		if err := jobs.CheckName(f.Name); err != nil {
			return nil, usererr.Wrap(ErrBadName, err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.views[name]
	if !ok {
		return nil, notFound(name)
	}
	if f.Name != name && (strings.EqualFold(f.Name, AllView) || s.views[f.Name] != nil) {
		return nil, usererr.Newf(ErrExists, "A view already exists with the name \"%s\"", f.Name)
	}
	xml, err := configxml.SubmitView(v.ConfigXML, f)
	if err != nil {
		return nil, usererr.New(ErrBadConfig, err.Error())
	}
	cfg, err := parse(xml)
	if err != nil {
		return nil, err
	}
	if err := s.store.ReplaceView(ctx, name, f.Name, xml); err != nil {
		if errors.Is(err, store.ErrExists) {
			return nil, usererr.Newf(ErrExists, "A view already exists with the name \"%s\"", f.Name)
		}
		return nil, err
	}
	delete(s.views, name)
	delete(s.regexes, name)
	nv := &model.View{Name: f.Name, ConfigXML: xml, Config: *cfg}
	s.views[f.Name] = nv
	s.setRegex(nv)
	return copyView(nv), nil
}

// SetDescription replaces a view's description (View.doSubmitDescription).
func (s *Service) SetDescription(ctx context.Context, name, description string) (*model.View, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.views[name]
	if !ok {
		return nil, notFound(name)
	}
	xml, err := configxml.SetText(v.ConfigXML, "description", description)
	if err != nil {
		return nil, usererr.New(ErrBadConfig, err.Error())
	}
	cfg, err := parse(xml)
	if err != nil {
		return nil, err
	}
	return s.update(ctx, name, xml, cfg)
}

// Delete removes a view.
func (s *Service) Delete(ctx context.Context, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.views[name]; !ok {
		return notFound(name)
	}
	if err := s.store.DeleteView(ctx, name); err != nil {
		return err
	}
	delete(s.views, name)
	delete(s.regexes, name)
	return nil
}

// SetJob adds (or removes) a job to a view's job list.
func (s *Service) SetJob(ctx context.Context, name, job string, in bool) (*model.View, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.views[name]
	if !ok {
		return nil, notFound(name)
	}
	names := slices.DeleteFunc(slices.Clone(v.Config.JobNames), func(n string) bool { return n == job })
	if in {
		names = append(names, job)
		slices.SortFunc(names, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	}
	return s.setJobs(ctx, v, names)
}

func (s *Service) setJobs(ctx context.Context, v *model.View, names []string) (*model.View, error) {
	xml, err := configxml.SetViewJobs(v.ConfigXML, names)
	if err != nil {
		return nil, usererr.New(ErrBadConfig, err.Error())
	}
	cfg, err := parse(xml)
	if err != nil {
		return nil, err
	}
	return s.update(context.WithoutCancel(ctx), v.Name, xml, cfg)
}

// JobRenamed follows a top-level job's rename in every view that lists
// it, as Jenkins's ListView does; newName "" means the job was deleted.
func (s *Service) JobRenamed(ctx context.Context, oldName, newName string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range s.views {
		if !slices.Contains(v.Config.JobNames, oldName) {
			continue
		}
		names := slices.DeleteFunc(slices.Clone(v.Config.JobNames), func(n string) bool { return n == oldName })
		if newName != "" {
			names = append(names, newName)
		}
		s.setJobs(ctx, v, names)
	}
}

// Contains returns a function reporting whether the view named name
// shows the top-level job it is given: a job it lists by name, or one its
// includeRegex (compiled when the view was saved) matches whole; each
// job's answer is remembered until the view changes. It
// reads the view as it is now; a view that does not exist shows nothing.
func (s *Service) Contains(name string) func(job string) bool {
	s.mu.RLock()
	v, m := s.views[name], s.regexes[name]
	s.mu.RUnlock()
	if v == nil {
		return func(string) bool { return false }
	}
	names := v.Config.JobNames
	return func(job string) bool {
		return slices.Contains(names, job) || m != nil && m.match(job)
	}
}

func copyView(v *model.View) *model.View {
	c := *v
	return &c
}
