// Package nodes manages permanent agents (hudson.slaves.DumbSlave): their
// config.xml, stored as posted, and the offline state users give them.
//
// jeeves does not connect to agents yet: every agent is reported as
// Jenkins reports one that has never connected (offline, idle), so the
// clients that create, configure, toggle and delete nodes work against
// it. Builds run on the built-in node.
package nodes

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
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
// message fit to show the user. An agent that does not exist is
// store.ErrNotFound.
var (
	ErrExists = fmt.Errorf("node %w", store.ErrExists)
	ErrBad    = errors.New("bad node")
)

// notFound is the error for an agent that does not exist.
func notFound(name string) error { return fmt.Errorf("no agent %q: %w", name, store.ErrNotFound) }

// The node types Jenkins's ComputerSet.doCreateItem finds for a permanent
// agent: the class and its descriptor.
var agentTypes = map[string]bool{"hudson.slaves.DumbSlave": true, "hudson.slaves.DumbSlave$DescriptorImpl": true}

// Service holds the agents in memory; the store stays the truth.
type Service struct {
	store store.Nodes
	mu    sync.RWMutex
	nodes map[string]*model.Node
}

// New loads every agent.
func New(ctx context.Context, st store.Nodes) (*Service, error) {
	s := &Service{store: st, nodes: map[string]*model.Node{}}
	all, err := st.Nodes(ctx)
	if err != nil {
		return nil, err
	}
	for _, n := range all {
		_, cfg, err := configxml.ParseNode(n.ConfigXML)
		if err != nil {
			return nil, fmt.Errorf("node %s: stored config.xml: %w", n.Name, err)
		}
		n.Config = *cfg
		s.nodes[n.Name] = n
	}
	return s, nil
}

// List returns every agent, sorted by name.
func (s *Service) List() []*model.Node {
	s.mu.RLock()
	out := make([]*model.Node, 0, len(s.nodes))
	for _, n := range s.nodes {
		c := *n
		out = append(out, &c)
	}
	s.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Get returns one agent.
func (s *Service) Get(name string) (*model.Node, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n, ok := s.nodes[name]
	if !ok {
		return nil, notFound(name)
	}
	c := *n
	return &c, nil
}

func checkName(name string) error {
	if err := jobs.CheckName(name); err != nil {
		return usererr.Wrap(ErrBad, err)
	}
	if model.IsBuiltInName(name) {
		return usererr.Newf(ErrBad, "‘%s’ is the built-in node's name", name)
	}
	return nil
}

// CreateFromForm is ComputerSet.doCreateItem: name and type as query or
// form parameters and the agent's settings in the json form field, as
// python-jenkins, node-jenkins and gojenkins send them.
func (s *Service) CreateFromForm(ctx context.Context, name, typ, form string) (*model.Node, error) {
	name = strings.TrimSpace(name)
	if err := checkName(name); err != nil {
		return nil, err
	}
	if !agentTypes[typ] {
		return nil, usererr.Newf(ErrBad, "No node type ‘%s’ is known; jeeves has permanent agents (hudson.slaves.DumbSlave)", typ)
	}
	cfg, fields, err := fromForm(form)
	if err != nil {
		return nil, err
	}
	xml := configxml.RenderNode(name, cfg, fields)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.nodes[name]; ok {
		return nil, usererr.Newf(ErrExists, "Agent called ‘%s’ already exists", name)
	}
	now := time.Now()
	if err := s.store.CreateNode(ctx, name, xml, now); err != nil {
		if errors.Is(err, store.ErrExists) {
			return nil, usererr.Newf(ErrExists, "Agent called ‘%s’ already exists", name)
		}
		return nil, err
	}
	n := &model.Node{Name: name, ConfigXML: xml, Config: *cfg, CreatedAt: now}
	s.nodes[name] = n
	c := *n
	return &c, nil
}

// fromForm reads the json form field of a node creation request.
func fromForm(form string) (*model.NodeConfig, []configxml.Field, error) {
	var f map[string]any
	if strings.TrimSpace(form) == "" {
		f = map[string]any{}
	} else if err := json.Unmarshal([]byte(form), &f); err != nil {
		return nil, nil, usererr.Newf(ErrBad, "the json field is not a JSON object: %v", err)
	}
	cfg := &model.NodeConfig{
		Description: str(f["nodeDescription"]),
		RemoteFS:    str(f["remoteFS"]),
		Mode:        str(f["mode"]),
		Labels:      strings.Fields(str(f["labelString"])),
	}
	if err := checkLengths(cfg, "nodeDescription", "labelString"); err != nil {
		return nil, nil, err
	}
	if cfg.Mode == "" {
		cfg.Mode = "NORMAL"
	}
	if cfg.Mode != "NORMAL" && cfg.Mode != "EXCLUSIVE" {
		return nil, nil, usererr.Newf(ErrBad, "mode must be NORMAL or EXCLUSIVE, not %q", cfg.Mode)
	}
	n := strings.TrimSpace(str(f["numExecutors"]))
	if n == "" {
		n = "1"
	}
	v, err := strconv.Atoi(n)
	if err != nil || v <= 0 {
		return nil, nil, usererr.Newf(ErrBad, "Invalid agent configuration. The number of executors must be a positive integer, not %q", n)
	}
	cfg.NumExecutors = v
	var fields []configxml.Field
	if l, ok := f["launcher"].(map[string]any); ok {
		cfg.Launcher = str(l["stapler-class"])
		if cfg.Launcher == "" {
			cfg.Launcher = str(l["$class"])
		}
		keys := make([]string, 0, len(l))
		for k := range l {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			switch l[k].(type) {
			case string, float64, bool:
				if k != "stapler-class" && k != "$class" && k != "kind" {
					if err := limits.Check("a launcher setting's name", k, limits.Name); err != nil {
						return nil, nil, usererr.Wrap(ErrBad, err)
					}
					if err := limits.Check("the launcher setting "+k, str(l[k]), limits.Value); err != nil {
						return nil, nil, usererr.Wrap(ErrBad, err)
					}
					fields = append(fields, configxml.Field{Name: k, Value: str(l[k])})
				}
			}
		}
	}
	return cfg, fields, nil
}

// checkLengths holds an agent's settings to their bounds (see package
// limits); descField and labelField are what the client called them.
// Stored agents are not checked again when loaded.
func checkLengths(cfg *model.NodeConfig, descField, labelField string) error {
	if err := limits.Check(descField, cfg.Description, limits.Description); err != nil {
		return usererr.Wrap(ErrBad, err)
	}
	if err := limits.Check("remoteFS", cfg.RemoteFS, limits.Path); err != nil {
		return usererr.Wrap(ErrBad, err)
	}
	if err := limits.Check(labelField, strings.Join(cfg.Labels, " "), limits.Label); err != nil {
		return usererr.Wrap(ErrBad, err)
	}
	return nil
}

// str renders a JSON scalar as text; "" for anything else.
func str(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}

// UpdateConfig replaces an agent's config.xml. The name inside must be
// the agent's own: renaming agents is not supported.
func (s *Service) UpdateConfig(ctx context.Context, name string, xml []byte) (*model.Node, error) {
	inner, cfg, err := configxml.ParseNode(xml)
	if err != nil {
		var uk *configxml.UnknownKindError
		if errors.As(err, &uk) {
			return nil, usererr.Newf(ErrBad, "Expecting slave but got %s instead", uk.Root)
		}
		return nil, usererr.New(ErrBad, err.Error())
	}
	if err := checkLengths(cfg, "description", "label"); err != nil {
		return nil, err
	}
	if inner != "" && inner != name {
		return nil, usererr.Newf(ErrBad, "the config.xml names the agent ‘%s’, not ‘%s’; agents cannot be renamed here", inner, name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.nodes[name]
	if !ok {
		return nil, notFound(name)
	}
	if err := s.store.UpdateNodeConfig(ctx, name, xml); err != nil {
		return nil, err
	}
	n.ConfigXML, n.Config = xml, *cfg
	c := *n
	return &c, nil
}

// SetOffline takes an agent offline (or back) with a reason, as
// toggleOffline and changeOfflineCause do.
func (s *Service) SetOffline(ctx context.Context, name string, offline bool, reason string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.nodes[name]
	if !ok {
		return notFound(name)
	}
	if !offline {
		reason = ""
	}
	if err := limits.Check("offlineMessage", reason, limits.Message); err != nil {
		return usererr.Wrap(ErrBad, err)
	}
	if err := s.store.SetNodeOffline(ctx, name, offline, reason); err != nil {
		return err
	}
	n.TempOffline, n.OfflineReason = offline, reason
	return nil
}

// Delete removes an agent.
func (s *Service) Delete(ctx context.Context, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.nodes[name]; !ok {
		return notFound(name)
	}
	if err := s.store.DeleteNode(ctx, name); err != nil {
		return err
	}
	delete(s.nodes, name)
	return nil
}

// CheckNew is ComputerSet.checkName: name, trimmed, must be a good name
// that no agent has yet.
func (s *Service) CheckNew(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", usererr.New(ErrBad, "Query parameter 'name' is required")
	}
	if err := checkName(name); err != nil {
		return "", err
	}
	s.mu.RLock()
	_, taken := s.nodes[name]
	s.mu.RUnlock()
	if taken {
		return "", usererr.Newf(ErrExists, "Agent called ‘%s’ already exists", name)
	}
	return name, nil
}

// CreateFromXML stores an agent from a posted config.xml, as
// ComputerSet.doCreateItem does for an XML submission: name, when given,
// replaces the one inside the XML.
func (s *Service) CreateFromXML(ctx context.Context, name string, xml []byte) (*model.Node, error) {
	inner, cfg, err := configxml.ParseNode(xml)
	if err != nil {
		var uk *configxml.UnknownKindError
		if errors.As(err, &uk) {
			return nil, usererr.Newf(ErrBad, "Expecting slave but got %s instead", uk.Root)
		}
		return nil, usererr.New(ErrBad, err.Error())
	}
	if name = strings.TrimSpace(name); name == "" {
		name = inner
	}
	if name == "" {
		return nil, usererr.New(ErrBad, "Query parameter 'name' is required")
	}
	if name != inner {
		if xml, err = configxml.SetText(xml, "name", name); err != nil {
			return nil, usererr.New(ErrBad, err.Error())
		}
	}
	return s.create(ctx, name, xml, cfg, "Node '"+name+"' already exists")
}

// Copy is ComputerSet.doCreateItem's mode=copy: a new agent named name
// with from's configuration.
func (s *Service) Copy(ctx context.Context, name, from string) (*model.Node, error) {
	name, err := s.CheckNew(name)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(from) == "" {
		return nil, usererr.New(ErrBad, "Specify which agent to copy")
	}
	src, err := s.Get(from)
	if err != nil {
		return nil, usererr.Newf(ErrBad, "No such agent: %s", from)
	}
	xml, err := configxml.SetText(src.ConfigXML, "name", name)
	if err != nil {
		return nil, usererr.New(ErrBad, err.Error())
	}
	cfg := src.Config
	return s.create(ctx, name, xml, &cfg, "Agent called ‘"+name+"’ already exists")
}

// create stores a new agent; taken is the message when the name is.
func (s *Service) create(ctx context.Context, name string, xml []byte, cfg *model.NodeConfig, taken string) (*model.Node, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.nodes[name]; ok {
		return nil, usererr.New(ErrExists, taken)
	}
	now := time.Now()
	if err := s.store.CreateNode(ctx, name, xml, now); err != nil {
		if errors.Is(err, store.ErrExists) {
			return nil, usererr.New(ErrExists, taken)
		}
		return nil, err
	}
	n := &model.Node{Name: name, ConfigXML: xml, Config: *cfg, CreatedAt: now}
	s.nodes[name] = n
	c := *n
	return &c, nil
}

// IsAgentType reports whether typ names the permanent agent's class or
// its descriptor, the one node type jeeves has.
func IsAgentType(typ string) bool { return agentTypes[typ] }
