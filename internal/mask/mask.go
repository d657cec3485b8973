// Package mask hides secrets in a build's console output as it is
// written.
//
// A Masker is an io.WriteCloser in front of the log: every form of every
// secret (see Forms: the value, its shell-quoted, URL-, JSON- and base64-
// encoded forms, and each line of a multi-line value) is replaced by
// "****" before the bytes reach the log. A form split across writes is
// still caught: the Masker holds back the end of a write that could be the
// start of one, at most as many bytes as the longest form, and releases
// it with the next write or Close.
//
// Where occurrences overlap ("abc" and "bcd" in "abcd"), the whole
// stretch becomes one "****", so no byte of any occurrence is shown;
// occurrences that only touch ("abcabc") give one "****" each.
//
// Secrets shorter than MinLen (3) characters are not masked: see MinLen
// and Maskable. A Masker with no secret to mask passes writes straight
// through; a caller can also skip it entirely when Needed is false.
//
// Differences from Jenkins's credentials-binding masking, which works on
// whole lines: jeeves works on the byte stream, so a multi-line secret is
// masked whole as well as line by line, and a secret is masked as soon as
// it is complete rather than at the end of its line.
//
// Masker has the API of internal/executor's Masker (NewMasker, Write,
// Close), so it can replace it.
package mask

import (
	"io"
	"sync"
)

// Mask is what a secret is replaced with.
const Mask = "****"

// Needed reports whether any of secrets would be masked, that is, whether
// a Masker in front of a log would do anything.
func Needed(secrets []string) bool {
	for _, s := range secrets {
		if Maskable(s) {
			return true
		}
	}
	return false
}

// Masker writes through to w with every secret replaced by Mask. It is
// safe for concurrent use; Close flushes what was held back (and does not
// close w). After Close it may be used again as a new stream.
type Masker struct {
	w  io.Writer
	ac *automaton // nil: nothing to mask

	mu    sync.Mutex
	state int32  // the automaton's state after the last byte seen
	pend  []byte // bytes seen but not yet written
	base  int64  // the stream offset of pend[0]
	spans []span // stretches of pend to mask, in order, disjoint
	cont  bool   // the last thing written was a Mask for spans[0]
	out   []byte // reused output buffer
}

// span is a stretch [start, end) of the stream, by offset.
type span struct{ start, end int64 }

// NewMasker masks secrets (those shorter than MinLen are ignored, see
// Maskable) in what is written to w.
func NewMasker(w io.Writer, secrets []string) *Masker {
	m := &Masker{w: w}
	var patterns []string
	seen := map[string]bool{}
	for _, s := range secrets {
		for _, f := range Forms(s) {
			if !seen[f] {
				seen[f] = true
				patterns = append(patterns, f)
			}
		}
	}
	if len(patterns) > 0 {
		m.ac = newAutomaton(patterns, denseBudget)
	}
	return m
}

// Active reports whether the Masker masks anything; when it does not,
// Write passes straight to the underlying writer.
func (m *Masker) Active() bool { return m.ac != nil }

// Write masks and forwards p, reporting all of p as written unless the
// underlying writer fails.
func (m *Masker) Write(p []byte) (int, error) {
	if m.ac == nil {
		return m.w.Write(p)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	a := m.ac
	off := m.base + int64(len(m.pend)) // stream offset of p[0]
	m.pend = append(m.pend, p...)
	m.state = a.scan(m.state, p, off, &m.spans)
	// No match can begin before the start of the longest partial one.
	end := m.base + int64(len(m.pend))
	if err := m.flush(end - int64(a.depth[m.state])); err != nil {
		return 0, err
	}
	return len(p), nil
}

// addSpan records an occurrence. Ends arrive in increasing order, so it
// can only overlap the last spans, which it absorbs.
func addSpan(spans *[]span, start, end int64) {
	s := *spans
	for n := len(s); n > 0 && s[n-1].end > start; n-- {
		start = min(start, s[n-1].start)
		s = s[:n-1]
	}
	*spans = append(s, span{start, end})
}

// flush writes the stream up to offset cut, masked, and keeps the rest.
// A span that crosses cut is written as Mask now and its rest is dropped
// later without a second Mask (cont), so a run of overlapping
// occurrences never holds back more than the longest form.
func (m *Masker) flush(cut int64) error {
	if cut <= m.base {
		return nil
	}
	var out []byte
	if len(m.spans) == 0 || m.spans[0].start >= cut {
		out = m.pend[:cut-m.base]
		m.cont = false
	} else {
		out = m.out[:0]
		pos := m.base
		for len(m.spans) > 0 && m.spans[0].start < cut {
			sp := m.spans[0]
			if sp.start > pos {
				out = append(out, m.pend[pos-m.base:sp.start-m.base]...)
				m.cont = false
			}
			if !m.cont {
				out = append(out, Mask...)
			}
			if sp.end > cut {
				m.spans[0].start = cut
				pos = cut
				m.cont = true
				break
			}
			pos = sp.end
			m.cont = false
			m.spans = m.spans[1:]
		}
		if pos < cut {
			out = append(out, m.pend[pos-m.base:cut-m.base]...)
			m.cont = false
		}
		m.out = out
	}
	var err error
	if len(out) > 0 {
		_, err = m.w.Write(out)
	}
	n := copy(m.pend, m.pend[cut-m.base:])
	m.pend = m.pend[:n]
	m.base = cut
	if len(m.spans) == 0 {
		m.spans = m.spans[:0:0]
	}
	return err
}

// Close writes what was held back and starts a new stream.
func (m *Masker) Close() error {
	if m.ac == nil {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	err := m.flush(m.base + int64(len(m.pend)))
	m.state = 0
	m.cont = false
	m.spans = nil
	return err
}
