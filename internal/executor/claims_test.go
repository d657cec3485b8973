package executor

import (
	"slices"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/model"
)

// claimer is a contributor that names what it runs.
type claimer []string

func (claimer) For(*model.Job) *Part { return nil }
func (c claimer) Claims() []string   { return c }

// silent is a contributor that names nothing.
type silent struct{}

func (silent) For(*model.Job) *Part { return nil }

func TestClaimsAreWhatRegisteredClaimersName(t *testing.T) {
	for _, c := range []struct {
		name string
		reg  []Contributor
		want []string
	}{
		{"none registered claims nothing", nil, nil},
		{"a contributor that names nothing claims nothing", []Contributor{silent{}}, nil},
		{"claims are merged, sorted, each once", []Contributor{claimer{"b.Git", "a.Mailer"}, silent{}, claimer{"a.Mailer", "c.JUnit"}}, []string{"a.Mailer", "b.Git", "c.JUnit"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := &Executor{}
			for _, r := range c.reg {
				e.Register(r)
			}
			if got := e.Claims(); !slices.Equal(got, c.want) {
				t.Fatalf("Claims() = %v, want %v", got, c.want)
			}
		})
	}
}
