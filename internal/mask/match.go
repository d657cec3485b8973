package mask

// automaton is an Aho-Corasick matcher over the forms of every secret.
//
// Bytes are mapped to classes: each byte that occurs in some pattern has
// a class of its own, all others share class 0. States are numbered in
// breadth-first order. The first nDense states, those at most denseDepth
// bytes from the root where matching spends its time, have complete rows
// of k entries in a dense table (within a budget); deeper states keep
// only their trie edges and fall back along failure links.
//
// A table entry is the next state's row offset (state×k) when that state
// is dense and ends no pattern, so the inner loop is one load per byte.
// Any other next state t is written as denseEnd+t, which is at least
// denseEnd, the table's length: one unsigned comparison per byte finds
// both matches and the way out to sparse states.
type automaton struct {
	class    [256]int32
	k        int32   // number of classes
	table    []int32 // nDense rows of k entries
	nDense   int32
	denseEnd int32   // len(table)
	fail     []int32 // per state
	out      []int32 // per state: length of the longest pattern ending here, 0 if none
	depth    []int32 // per state: length of the text it stands for
	edge0    []int32 // per state: its trie edges are edgeC/edgeN[edge0[s]:edge0[s+1]]
	edgeC    []int32
	edgeN    []int32
	maxLen   int
}

// denseBudget bounds the dense table (4 MiB of int32 entries).
const denseBudget = 1 << 20

// denseDepth is the deepest state given a dense row. Ordinary output
// rarely gets further into a pattern than a few bytes, and the states of
// a long secret (a private key) beyond that are chains, cheap to walk by
// their edges and costly to tabulate.
const denseDepth = 16

// trieEdge is an edge of the trie under construction, in its source's
// list of edges (linked by sibling, -1 at the end).
type trieEdge struct{ c, next, sibling int32 }

func newAutomaton(patterns []string, budget int) *automaton {
	a := &automaton{}
	used := [256]bool{}
	total := 1
	for _, p := range patterns {
		for i := 0; i < len(p); i++ {
			used[p[i]] = true
		}
		a.maxLen = max(a.maxLen, len(p))
		total += len(p)
	}
	a.k = 1
	for b, u := range used {
		if u {
			a.class[b] = a.k
			a.k++
		}
	}
	// The trie in flat arrays, so that building it allocates a few
	// slices rather than one per state: first[s] is the index in edges of
	// s's first edge (-1 when none), ends[s] the length of the pattern
	// ending at s.
	first := make([]int32, 1, total)
	ends := make([]int32, 1, total)
	edges := make([]trieEdge, 0, total)
	first[0] = -1
	for _, p := range patterns {
		s := int32(0)
		for i := 0; i < len(p); i++ {
			c := a.class[p[i]]
			next := int32(-1)
			for e := first[s]; e >= 0; e = edges[e].sibling {
				if edges[e].c == c {
					next = edges[e].next
					break
				}
			}
			if next < 0 {
				next = int32(len(first))
				first = append(first, -1)
				ends = append(ends, 0)
				edges = append(edges, trieEdge{c: c, next: next, sibling: first[s]})
				first[s] = int32(len(edges) - 1)
			}
			s = next
		}
		ends[s] = int32(len(p))
	}
	// Renumber breadth first.
	n := len(first)
	order := make([]int32, 0, n) // new number -> old
	renum := make([]int32, n)    // old -> new
	order = append(order, 0)
	for i := 0; i < len(order); i++ {
		for e := first[order[i]]; e >= 0; e = edges[e].sibling {
			renum[edges[e].next] = int32(len(order))
			order = append(order, edges[e].next)
		}
	}
	a.fail = make([]int32, n)
	a.out = make([]int32, n)
	a.depth = make([]int32, n)
	a.edge0 = make([]int32, n+1)
	a.edgeC = make([]int32, 0, n-1)
	a.edgeN = make([]int32, 0, n-1)
	for s, old := range order {
		a.out[s] = ends[old]
		a.edge0[s+1] = a.edge0[s]
		for e := first[old]; e >= 0; e = edges[e].sibling {
			a.edge0[s+1]++
			a.edgeC = append(a.edgeC, edges[e].c)
			a.edgeN = append(a.edgeN, renum[edges[e].next])
			a.depth[renum[edges[e].next]] = a.depth[s] + 1
		}
	}
	// Failure links and outputs, breadth first: a state's failure state
	// is shallower, so it is complete before the state is.
	for s := int32(0); s < int32(n); s++ {
		for i := a.edge0[s]; i < a.edge0[s+1]; i++ {
			v := a.edgeN[i]
			if s != 0 {
				a.fail[v] = a.step(a.fail[s], a.edgeC[i])
			}
			a.out[v] = max(a.out[v], a.out[a.fail[v]])
		}
	}
	// Dense rows for a breadth-first prefix of the states (the root
	// always has one, so every fall-back ends).
	nd := 1
	for nd < n && a.depth[nd] <= denseDepth {
		nd++
	}
	a.nDense = int32(max(1, min(nd, budget/int(a.k))))
	a.denseEnd = a.nDense * a.k
	a.table = make([]int32, a.denseEnd)
	// A row is its failure state's row (already complete: it is
	// shallower) with the state's own edges written over it. Entries
	// depend only on the state they lead to, so rows copy as they are.
	for s := int32(0); s < a.nDense; s++ {
		row := a.table[s*a.k : (s+1)*a.k]
		if s == 0 {
			for c := range row {
				row[c] = a.encode(0)
			}
		} else {
			f := a.fail[s]
			copy(row, a.table[f*a.k:(f+1)*a.k])
		}
		for i := a.edge0[s]; i < a.edge0[s+1]; i++ {
			row[a.edgeC[i]] = a.encode(a.edgeN[i])
		}
	}
	return a
}

// encode is the table entry for a move to state t.
func (a *automaton) encode(t int32) int32 {
	if t < a.nDense && a.out[t] == 0 {
		return t * a.k
	}
	return a.denseEnd + t
}

// decode is the state a table entry moves to.
func (a *automaton) decode(e int32) int32 {
	if e >= a.denseEnd {
		return e - a.denseEnd
	}
	return e / a.k
}

// step is the state after reading a byte of class c in state s, for any
// state; it is used while building and in sparse states.
func (a *automaton) step(s, c int32) int32 {
	for {
		if s < a.nDense && a.table != nil {
			return a.decode(a.table[s*a.k+c])
		}
		for i := a.edge0[s]; i < a.edge0[s+1]; i++ {
			if a.edgeC[i] == c {
				return a.edgeN[i]
			}
		}
		if s == 0 {
			return 0
		}
		s = a.fail[s]
	}
}

// scan runs p through the automaton from state t, adding to spans each
// occurrence of a pattern (the longest one ending at each place). off is
// p[0]'s offset in the stream. It returns the state after p.
func (a *automaton) scan(t int32, p []byte, off int64, spans *[]span) int32 {
	c := cursor{t: t, end: len(p), spans: spans}
	a.run(&c, p, off)
	return c.t
}

// cursor is a pass of scan over p[i:end].
type cursor struct {
	t      int32 // the state
	i, end int
	spans  *[]span
}

// one moves c over one byte.
func (a *automaton) one(c *cursor, p []byte, off int64) {
	c.t = a.step(c.t, a.class[p[c.i]])
	c.i++
	if n := a.out[c.t]; n != 0 {
		addSpan(c.spans, off+int64(c.i)-int64(n), off+int64(c.i))
	}
}

// run moves c to its end.
func (a *automaton) run(c *cursor, p []byte, off int64) {
	tab, denseEnd, k := a.table, uint32(a.denseEnd), a.k
	for c.i < c.end {
		if c.t >= a.nDense {
			a.one(c, p, off)
			continue
		}
		s, q := c.t*k, p[c.i:c.end]
		x := 0
		for ; x < len(q); x++ {
			e := tab[s+a.class[q[x]]]
			if uint32(e) >= denseEnd {
				break
			}
			s = e
		}
		c.t = s / k
		c.i += x
		if c.i < c.end {
			a.one(c, p, off)
		}
	}
}
