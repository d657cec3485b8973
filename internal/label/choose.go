package label

import (
	"crypto/sha256"
	"sort"
	"strconv"
	"strings"
)

// Candidate is a node that can take a task now: its name ("" is how
// Jenkins names the built-in node here) and its idle executors.
type Candidate struct {
	Name          string
	IdleExecutors int
}

// Replicas is the number of points each idle executor puts on the ring.
const Replicas = 100

// digest is ConsistentHash.digest: SHA-256 folded to a signed 32-bit int.
func digest(s string) int32 {
	d := sha256.Sum256([]byte(s))
	for i := range 4 {
		d[i] ^= d[i+4] + d[i+8] + d[i+12]
	}
	return int32(uint32(d[0])<<24 | uint32(d[1])<<16 | uint32(d[2])<<8 | uint32(d[3]))
}

type point struct {
	hash  int32
	owner int
}

// Order is Jenkins's LoadBalancer.CONSISTENT_HASH: the candidates' names
// in the order the queue tries them for a task whose affinity key is key
// (a job's full name, "folder/job"). Each candidate puts IdleExecutors ×
// Replicas points on a ring, hashed from "name:i"; the walk starts at the
// key's hash. Candidates without idle executors are left out. Order is a
// pure function: the same key and candidates give the same order.
func Order(key string, cands []Candidate) []string {
	var pts []point
	for i, c := range cands {
		for r := range c.IdleExecutors * Replicas {
			pts = append(pts, point{digest(c.Name + ":" + strconv.Itoa(r)), i})
		}
	}
	if len(pts) == 0 {
		return nil
	}
	sort.SliceStable(pts, func(i, j int) bool { return pts[i].hash < pts[j].hash })
	start := search(pts, digest(key))
	var out []string
	seen := make([]bool, len(cands))
	for k := range pts {
		o := pts[(start+k)%len(pts)].owner
		if !seen[o] {
			seen[o] = true
			out = append(out, cands[o].Name)
		}
	}
	return out
}

// Choose is the first node of Order, and false when no candidate has an
// idle executor.
func Choose(key string, cands []Candidate) (string, bool) {
	o := Order(key, cands)
	if len(o) == 0 {
		return "", false
	}
	return o[0], true
}

// search is ConsistentHash.Table.index: java.util.Arrays.binarySearch,
// then the insertion point taken round the ring.
func search(pts []point, q int32) int {
	lo, hi := 0, len(pts)-1
	for lo <= hi {
		mid := int(uint(lo+hi) >> 1)
		switch v := pts[mid].hash; {
		case v < q:
			lo = mid + 1
		case v > q:
			hi = mid - 1
		default:
			return mid
		}
	}
	return lo % len(pts)
}

// Node is what Why and CanTake need to know of a node.
type Node struct {
	Name          string          // "built-in" for the controller's own node
	Atoms         map[string]bool // NodeAtoms: its labels and its name
	Online        bool            // connected and not marked offline
	Exclusive     bool            // mode EXCLUSIVE
	Accepting     bool            // accepting tasks (not temporarily offline)
	IdleExecutors int
}

// The texts of Jenkins's hudson/model/Messages.properties that Why and
// CanTake give.
const (
	MsgShuttingDown   = "Jenkins is about to shut down"
	MsgWaiting        = "Waiting for next available executor"
	msgWaitingOn      = "Waiting for next available executor on ‘%s’"
	msgNoNodes        = "There are no nodes with the label ‘%s’"
	msgAllOffline     = "All nodes of label ‘%s’ are offline"
	msgNodeOffline    = "‘%s’ is offline"
	msgLabelMissing   = "‘%s’ doesn’t have label ‘%s’"
	msgReserved       = "‘%s’ is reserved for jobs with matching label expression"
	msgNotAccepting   = "‘%s’ is not accepting tasks"
	msgLackPermission = "‘%s’ lacks permission to run on ‘%s’"
)

func format(f string, args ...string) string {
	for _, a := range args {
		f = strings.Replace(f, "%s", a, 1)
	}
	return f
}

// WaitingOn is "Waiting for next available executor on ‘name’".
func WaitingOn(name string) string { return format(msgWaitingOn, name) }

// NodeOffline is "‘name’ is offline".
func NodeOffline(name string) string { return format(msgNodeOffline, name) }

// LackingPermission is Node.canTake's refusal for a user without the
// Computer/Build permission on the node.
func LackingPermission(user, node string) string { return format(msgLackPermission, user, node) }

// WhyInput is the queue's view of a buildable task that has not started.
type WhyInput struct {
	ShuttingDown bool
	Label        *Expr  // the task's label expression; nil for none
	Nodes        []Node // every node, the built-in one included
	// HasAgents says whether any agent is configured (the built-in node
	// aside): without agents Jenkins ignores the label.
	HasAgents bool
	// Refusals are the reasons idle executors' nodes refused the task
	// (CanTake texts), from the last scheduling pass.
	Refusals []string
}

// maxReasons is CompositeCauseOfBlockage's MAX_REASONS_TO_DISPLAY.
const maxReasons = 5

// Why is the text of a buildable task's "why" in the queue
// (Queue.BuildableItem.getCauseOfBlockage):
//
//   - "Jenkins is about to shut down" while quieting down;
//   - without a label (or without agents): the refusals joined by "; "
//     when idle executors refused it, else "Waiting for next available
//     executor";
//   - a label whose nodes are all offline: "‘agent1’ is offline" when
//     exactly one node has the label, "There are no nodes with the label
//     ‘x’" when none has, "All nodes of label ‘x’ are offline" otherwise;
//   - a label with a node online: the refusals when the label has idle
//     executors that refused, else "Waiting for next available executor
//     on ‘agent1’" (one node) or "… on ‘x’" (the label).
func Why(in WhyInput) string {
	if in.ShuttingDown {
		return MsgShuttingDown
	}
	l := in.Label
	if !in.HasAgents {
		l = nil
	}
	if l == nil {
		idle := 0
		for _, n := range in.Nodes {
			if n.Online {
				idle += n.IdleExecutors
			}
		}
		if len(in.Refusals) > 0 && idle > 0 {
			return composite(in.Refusals)
		}
		return MsgWaiting
	}
	var nodes []Node
	offline, idle := true, 0
	for _, n := range in.Nodes {
		if l.MatchesSet(n.Atoms) {
			nodes = append(nodes, n)
			if n.Online {
				offline = false
				idle += n.IdleExecutors
			}
		}
	}
	name := l.DisplayName()
	if offline {
		switch len(nodes) {
		case 0:
			return format(msgNoNodes, name)
		case 1:
			return NodeOffline(nodes[0].Name)
		}
		return format(msgAllOffline, name)
	}
	if len(in.Refusals) > 0 && idle > 0 {
		return composite(in.Refusals)
	}
	if len(nodes) == 1 {
		return WaitingOn(nodes[0].Name)
	}
	return WaitingOn(name)
}

// composite is CompositeCauseOfBlockage: the distinct reasons sorted and
// joined by "; ", at most five of them.
func composite(reasons []string) string {
	uniq := map[string]bool{}
	var list []string
	for _, r := range reasons {
		if !uniq[r] {
			uniq[r] = true
			list = append(list, r)
		}
	}
	sort.Strings(list)
	if len(list) <= maxReasons {
		return strings.Join(list, "; ")
	}
	return strings.Join(list[:maxReasons], "; ") + "; ... and " + strconv.Itoa(len(list)-maxReasons) + " more"
}

// CanTake is Node.canTake for a task with label expression l (nil for
// none): "" when node n may run it, else the refusal: the label it lacks,
// an EXCLUSIVE node and a task without a label, or a node not accepting
// tasks. (The permission check is the caller's: LackingPermission.)
func CanTake(n Node, l *Expr) string {
	if l != nil && !l.MatchesSet(n.Atoms) {
		return format(msgLabelMissing, n.Name, l.DisplayName())
	}
	if l == nil && n.Exclusive {
		return format(msgReserved, n.Name)
	}
	if !n.Accepting {
		return format(msgNotAccepting, n.Name)
	}
	return ""
}
