package configxml

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/model"
)

// NodeRoot is the root element of a permanent agent's config.xml, as
// Jenkins writes it at /computer/NAME/config.xml (XStream's alias for
// hudson.slaves.DumbSlave).
const NodeRoot = "slave"

// ParseNode reads an agent's config.xml: its name and the fields jeeves
// acts on. numExecutors must be a positive integer and mode NORMAL or
// EXCLUSIVE, as Jenkins's Slave requires.
func ParseNode(data []byte) (name string, cfg *model.NodeConfig, err error) {
	doc, base, err := prepare(data)
	if err != nil {
		return "", nil, err
	}
	root, err := buildTree(doc)
	if err != nil {
		return "", nil, err
	}
	if root.name != NodeRoot && root.name != "hudson.slaves.DumbSlave" {
		return "", nil, &UnknownKindError{Root: root.name}
	}
	p := reader{base: base}
	cfg = &model.NodeConfig{
		Description: p.str(root.child("description")),
		RemoteFS:    p.str(root.child("remoteFS")),
		Mode:        strings.TrimSpace(p.str(root.child("mode"))),
		Labels:      strings.Fields(p.str(root.child("label"))),
	}
	if l := root.child("launcher"); l != nil {
		cfg.Launcher = l.class
	}
	if cfg.Mode == "" {
		cfg.Mode = "NORMAL"
	}
	if cfg.Mode != "NORMAL" && cfg.Mode != "EXCLUSIVE" {
		return "", nil, fmt.Errorf("<mode> must be NORMAL or EXCLUSIVE, not %q", cfg.Mode)
	}
	n := strings.TrimSpace(p.str(root.child("numExecutors")))
	if n == "" {
		n = "1"
	}
	v, err := strconv.Atoi(n)
	if err != nil || v <= 0 {
		return "", nil, fmt.Errorf("<numExecutors> must be a positive integer, not %q", n)
	}
	cfg.NumExecutors = v
	return strings.TrimSpace(p.str(root.child("name"))), cfg, nil
}

// Field is one name/value pair of a launcher's settings.
type Field struct{ Name, Value string }

// RenderNode writes an agent's config.xml as Jenkins writes a DumbSlave:
// launcherFields become child elements of <launcher> (those whose names
// are not valid XML names are dropped).
func RenderNode(name string, cfg *model.NodeConfig, launcherFields []Field) []byte {
	w := &writer{}
	w.b.WriteString("<?xml version='1.1' encoding='UTF-8'?>\n")
	w.open(NodeRoot)
	w.leaf("name", name)
	w.leaf("description", cfg.Description)
	w.leaf("remoteFS", cfg.RemoteFS)
	w.leaf("numExecutors", strconv.Itoa(cfg.NumExecutors))
	w.leaf("mode", cfg.Mode)
	w.line(`<retentionStrategy class="hudson.slaves.RetentionStrategy$Always"/>`)
	launcher := cfg.Launcher
	if launcher == "" || !validName(launcher) {
		launcher = "hudson.slaves.JNLPLauncher"
	}
	var kept []Field
	for _, f := range launcherFields {
		if validName(f.Name) {
			kept = append(kept, f)
		}
	}
	if len(kept) == 0 {
		w.line(`<launcher class="` + launcher + `"/>`)
	} else {
		w.open(`launcher class="` + launcher + `"`)
		for _, f := range kept {
			w.leaf(f.Name, f.Value)
		}
		w.close("launcher")
	}
	w.leaf("label", strings.Join(cfg.Labels, " "))
	w.line("<nodeProperties/>")
	w.close(NodeRoot)
	return bytes.TrimSuffix(w.b.Bytes(), []byte("\n"))
}
