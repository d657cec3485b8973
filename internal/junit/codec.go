package junit

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/jeeves-ci/jeeves/internal/export"
)

// codecVersion is the version of the form Encode writes.
const codecVersion = 1

// stored is the form a frozen report is kept in.
type stored struct {
	Version   int      `json:"version"`
	Duration  float32  `json:"duration"`
	StartTime int64    `json:"startTime"`
	Suites    []*Suite `json:"suites"`
}

// Encode writes the report (frozen, so that its cases carry their
// build, age and conditions) as JSON that DecodeReport reads back.
func (r *Report) Encode(w io.Writer) error {
	for _, s := range r.Suites {
		s.Duration = finite(s.Duration)
		for _, c := range s.Cases {
			c.Duration = finite(c.Duration)
		}
	}
	return json.NewEncoder(w).Encode(stored{Version: codecVersion, Duration: finite(r.Duration), StartTime: r.StartTime, Suites: r.Suites})
}

func finite(f float32) float32 {
	if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
		return 0
	}
	return f
}

// DecodeReport reads a report Encode wrote, as it was: its suites are
// not merged again, and its counts and lookups are rebuilt.
func DecodeReport(rd io.Reader) (*Report, error) {
	var st stored
	if err := json.NewDecoder(rd).Decode(&st); err != nil {
		return nil, fmt.Errorf("test report: %w", err)
	}
	if st.Version != codecVersion {
		return nil, fmt.Errorf("test report: version %d is not %d", st.Version, codecVersion)
	}
	r := NewReport()
	r.Duration, r.StartTime = st.Duration, st.StartTime
	for _, s := range st.Suites {
		if s == nil {
			return nil, errors.New("test report: a null suite")
		}
		for _, c := range s.Cases {
			if c == nil {
				return nil, errors.New("test report: a null case")
			}
			c.suite = s
		}
		r.Suites = append(r.Suites, s)
		r.byName[s.Name] = append(r.byName[s.Name], s)
		r.count(s.Cases)
	}
	return r, nil
}

// EncodeIndex writes a CaseIndex as JSON.
func (ix CaseIndex) EncodeIndex(w io.Writer) error { return json.NewEncoder(w).Encode(ix) }

// DecodeIndex reads a CaseIndex EncodeIndex wrote.
func DecodeIndex(r io.Reader) (CaseIndex, error) {
	ix := CaseIndex{}
	if err := json.NewDecoder(r).Decode(&ix); err != nil {
		return nil, fmt.Errorf("test report index: %w", err)
	}
	return ix, nil
}

// Class names of a suite's and a case's own api/json.
const (
	SuiteClass = "hudson.tasks.junit.SuiteResult"
	CaseClass  = "hudson.tasks.junit.CaseResult"
)

// Export returns the suite as its own api/json writes it (the
// plugin's SuiteResult, its cases inline).
func (s *Suite) Export(opt ExportOptions) *export.Object {
	o := s.export(opt)
	o.Class = SuiteClass
	return o
}

// Export returns the case as its own api/json writes it (the plugin's
// CaseResult).
func (c *Case) Export(opt ExportOptions) *export.Object {
	o := c.export(opt)
	o.Class = CaseClass
	return o
}
