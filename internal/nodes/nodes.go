// Package nodes manages permanent agents (hudson.slaves.DumbSlave): their
// config.xml, stored as posted and read with internal/nodeconfig, the
// offline state users give them, and, once Start is called, their
// connections (agents.go): each agent with an SSH launcher is connected
// over SSH (internal/sshagent) and kept connected, with its connection
// log, its state and offline cause, and is given to the build farm as a
// node with its executors, labels and mode.
//
// A node's configuration is checked when it is saved: a launcher class
// jeeves does not know, an SSH launcher without a credential, a
// credential that does not exist or is of the wrong kind (once Start has
// given the service its credentials), a label string that does not
// parse, each is refused with a message naming it (a *usererr.Error of
// kind ErrBad). A node that was stored before, and no longer passes, is
// kept and reported offline with the reason.
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
	"github.com/jeeves-ci/jeeves/internal/nodeconfig"
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
	nodes map[string]*agent

	// What Start set; the zero values before it.
	cfg     Config
	started bool
	closed  bool
	wg      sync.WaitGroup
}

// New loads every agent. A stored agent that nodeconfig no longer
// accepts is kept, and is reported offline, its configuration's fault
// as the cause.
func New(ctx context.Context, st store.Nodes) (*Service, error) {
	s := &Service{store: st, nodes: map[string]*agent{}}
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
		parsed, err := nodeconfig.Parse(n.ConfigXML)
		s.nodes[n.Name] = newAgent(s, n, parsed, err)
	}
	return s, nil
}

// List returns every agent, sorted by name.
func (s *Service) List() []*model.Node {
	s.mu.RLock()
	out := make([]*model.Node, 0, len(s.nodes))
	for _, a := range s.nodes {
		c := *a.m
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
	a, ok := s.nodes[name]
	if !ok {
		return nil, notFound(name)
	}
	c := *a.m
	return &c, nil
}

// Config returns an agent's configuration as nodeconfig reads it, or the
// reason it does not read.
func (s *Service) Config(name string) (*nodeconfig.Node, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	a, ok := s.nodes[name]
	if !ok {
		return nil, notFound(name)
	}
	if a.cfgErr != nil {
		return nil, a.cfgErr
	}
	c := *a.cfg
	return &c, nil
}

// parseResult is what nodeconfig read.
type parseResult struct {
	n   *nodeconfig.Node
	err error
}

func fromNodeconfig(n *nodeconfig.Node, err error) parseResult { return parseResult{n, err} }

// parse reads a node's configuration as nodeconfig does, and checks it:
// a refusal is a *usererr.Error naming the fault.
func (s *Service) parse(ctx context.Context, r parseResult) (*nodeconfig.Node, error) {
	n, err := r.n, r.err
	if err != nil {
		return nil, usererr.New(ErrBad, err.Error())
	}
	if err := s.checkCredential(ctx, n); err != nil {
		return nil, err
	}
	return n, nil
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
	if err := fromForm(form); err != nil {
		return nil, err
	}
	parsed, err := s.parse(ctx, fromNodeconfig(nodeconfig.FromForm(name, form)))
	if err != nil {
		return nil, err
	}
	xml := nodeconfig.Render(parsed)
	_, cfg, err := configxml.ParseNode(xml)
	if err != nil {
		return nil, usererr.New(ErrBad, err.Error())
	}
	return s.create(ctx, name, xml, cfg, parsed, "Agent called ‘"+name+"’ already exists")
}

// fromForm checks the json form field of a node creation request as
// jeeves always has, with its messages: JSON, lengths, mode and
// executors. nodeconfig.FromForm reads it then.
func fromForm(form string) error {
	var f map[string]any
	if strings.TrimSpace(form) == "" {
		f = map[string]any{}
	} else if err := json.Unmarshal([]byte(form), &f); err != nil {
		return usererr.Newf(ErrBad, "the json field is not a JSON object: %v", err)
	}
	cfg := &model.NodeConfig{
		Description: str(f["nodeDescription"]),
		RemoteFS:    str(f["remoteFS"]),
		Mode:        str(f["mode"]),
		Labels:      strings.Fields(str(f["labelString"])),
	}
	if err := checkLengths(cfg, "nodeDescription", "labelString"); err != nil {
		return err
	}
	if cfg.Mode != "" && cfg.Mode != "NORMAL" && cfg.Mode != "EXCLUSIVE" {
		return usererr.Newf(ErrBad, "mode must be NORMAL or EXCLUSIVE, not %q", cfg.Mode)
	}
	n := strings.TrimSpace(str(f["numExecutors"]))
	if n == "" {
		n = "1"
	}
	if v, err := strconv.Atoi(n); err != nil || v <= 0 {
		return usererr.Newf(ErrBad, "Invalid agent configuration. The number of executors must be a positive integer, not %q", n)
	}
	if l, ok := f["launcher"].(map[string]any); ok {
		for k, v := range l {
			switch v.(type) {
			case string, float64, bool:
				if err := limits.Check("a launcher setting's name", k, limits.Name); err != nil {
					return usererr.Wrap(ErrBad, err)
				}
				if err := limits.Check("the launcher setting "+k, str(v), limits.Value); err != nil {
					return usererr.Wrap(ErrBad, err)
				}
			}
		}
	}
	return nil
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
	parsed, err := s.parse(ctx, fromNodeconfig(nodeconfig.Parse(xml)))
	if err != nil {
		return nil, err
	}
	parsed.Name = name
	s.mu.Lock()
	a, ok := s.nodes[name]
	if !ok {
		s.mu.Unlock()
		return nil, notFound(name)
	}
	if err := s.store.UpdateNodeConfig(ctx, name, xml); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	a.m.ConfigXML, a.m.Config = xml, *cfg
	s.reconfigure(a, parsed)
	c := *a.m
	s.mu.Unlock()
	s.publish(a)
	return &c, nil
}

// SetOffline takes an agent offline (or back) with a reason, as
// toggleOffline and changeOfflineCause do; see SetOfflineBy.
func (s *Service) SetOffline(ctx context.Context, name string, offline bool, reason string) error {
	return s.SetOfflineBy(ctx, name, offline, "", reason)
}

// SetOfflineBy marks an agent temporarily offline (or clears the mark)
// on behalf of the user by, with a message: Computer.setTemporarilyOffline
// with an OfflineCause.UserCause. No new build starts there meanwhile;
// running builds go on, and the agent stays connected. The mark and the
// message outlive a restart; who set it does not.
func (s *Service) SetOfflineBy(ctx context.Context, name string, offline bool, by, reason string) error {
	s.mu.Lock()
	a, ok := s.nodes[name]
	if !ok {
		s.mu.Unlock()
		return notFound(name)
	}
	if !offline {
		reason = ""
	}
	if err := limits.Check("offlineMessage", reason, limits.Message); err != nil {
		s.mu.Unlock()
		return usererr.Wrap(ErrBad, err)
	}
	if err := s.store.SetNodeOffline(ctx, name, offline, reason); err != nil {
		s.mu.Unlock()
		return err
	}
	a.m.TempOffline, a.m.OfflineReason = offline, reason
	a.offlineBy, a.offlineAt = by, time.Now()
	s.mu.Unlock()
	s.publish(a)
	return nil
}

// ToggleOffline is Computer.doToggleOffline: it marks the agent
// temporarily offline with the message, or clears the mark.
func (s *Service) ToggleOffline(ctx context.Context, name, by, message string) error {
	n, err := s.Get(name)
	if err != nil {
		return err
	}
	return s.SetOfflineBy(ctx, name, !n.TempOffline, by, message)
}

// Delete removes an agent: it is disconnected (builds running there end
// FAILURE, their agent gone), and its connection log and trusted host
// key are deleted.
func (s *Service) Delete(ctx context.Context, name string) error {
	s.mu.Lock()
	a, ok := s.nodes[name]
	if !ok {
		s.mu.Unlock()
		return notFound(name)
	}
	if err := s.store.DeleteNode(ctx, name); err != nil {
		s.mu.Unlock()
		return err
	}
	delete(s.nodes, name)
	s.mu.Unlock()
	s.retire(a)
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
	if err := checkLengths(cfg, "description", "label"); err != nil {
		return nil, err
	}
	parsed, err := s.parse(ctx, fromNodeconfig(nodeconfig.Parse(xml)))
	if err != nil {
		return nil, err
	}
	return s.create(ctx, name, xml, cfg, parsed, "Node '"+name+"' already exists")
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
	parsed, err := s.parse(ctx, fromNodeconfig(nodeconfig.Parse(xml)))
	if err != nil {
		return nil, err
	}
	return s.create(ctx, name, xml, &cfg, parsed, "Agent called ‘"+name+"’ already exists")
}

// create stores a new agent, and connects it once the service has
// started; taken is the message when the name is.
func (s *Service) create(ctx context.Context, name string, xml []byte, cfg *model.NodeConfig, parsed *nodeconfig.Node, taken string) (*model.Node, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	parsed.Name = name
	s.mu.Lock()
	if _, ok := s.nodes[name]; ok {
		s.mu.Unlock()
		return nil, usererr.New(ErrExists, taken)
	}
	now := time.Now()
	if err := s.store.CreateNode(ctx, name, xml, now); err != nil {
		s.mu.Unlock()
		if errors.Is(err, store.ErrExists) {
			return nil, usererr.New(ErrExists, taken)
		}
		return nil, err
	}
	n := &model.Node{Name: name, ConfigXML: xml, Config: *cfg, CreatedAt: now}
	a := newAgent(s, n, parsed, nil)
	s.nodes[name] = a
	s.adopt(a)
	c := *n
	s.mu.Unlock()
	s.publish(a)
	return &c, nil
}

// IsAgentType reports whether typ names the permanent agent's class or
// its descriptor, the one node type jeeves has.
func IsAgentType(typ string) bool { return agentTypes[typ] }
