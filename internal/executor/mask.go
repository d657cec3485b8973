package executor

import (
	"bytes"
	"io"
	"sync"
)

// Masker writes through to w with every secret replaced by "****", as
// Jenkins shows password parameters. A secret split across writes is
// still caught: the last len(longest secret)-1 bytes are held back until
// more output or Close.
type Masker struct {
	w       io.Writer
	secrets [][]byte
	hold    int

	mu  sync.Mutex
	buf []byte
}

// Mask is "****".
var mask = []byte("****")

// NewMasker masks secrets (empty ones are ignored) in what is written to w.
func NewMasker(w io.Writer, secrets []string) *Masker {
	m := &Masker{w: w}
	for _, s := range secrets {
		if s != "" {
			m.secrets = append(m.secrets, []byte(s))
			m.hold = max(m.hold, len(s)-1)
		}
	}
	return m
}

// Write masks and forwards p, reporting all of p as written.
func (m *Masker) Write(p []byte) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.buf = append(m.buf, p...)
	out, rest := m.scan(false)
	m.buf = append(m.buf[:0], rest...)
	if len(out) > 0 {
		if _, err := m.w.Write(out); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// Close flushes what was held back.
func (m *Masker) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	out, _ := m.scan(true)
	m.buf = m.buf[:0]
	if len(out) == 0 {
		return nil
	}
	_, err := m.w.Write(out)
	return err
}

// scan replaces every secret in m.buf; unless final, it keeps back a tail
// that could be the start of a secret.
func (m *Masker) scan(final bool) (out, rest []byte) {
	b := m.buf
	for i := 0; i < len(b); {
		matched := false
		for _, s := range m.secrets {
			if bytes.HasPrefix(b[i:], s) {
				out = append(out, mask...)
				i += len(s)
				matched = true
				break
			}
		}
		if matched {
			continue
		}
		if !final && len(b)-i <= m.hold {
			// Could b[i:] begin a secret that the next write completes?
			for _, s := range m.secrets {
				if bytes.HasPrefix(s, b[i:]) {
					return out, b[i:]
				}
			}
		}
		out = append(out, b[i])
		i++
	}
	return out, nil
}
