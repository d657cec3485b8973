package views

import (
	"regexp"
	"regexp/syntax"
	"strconv"
	"sync"

	"github.com/jeeves-ci/jeeves/internal/limits"
)

// compileRegex compiles a view's includeRegex, which Java matches against
// the whole job name.
func compileRegex(expr string) (*regexp.Regexp, error) {
	return regexp.Compile(anchored(expr))
}

func anchored(expr string) string { return "^(?:" + expr + ")$" }

// checkRegex refuses an includeRegex whose compiled program would be
// larger than limits.RegexProgram instructions: Go matches in time
// proportional to the name's length times the program's size, and a short
// expression such as (.{0,1000}){0,1000} stands for millions of
// instructions. The size is worked out from the parsed expression,
// without compiling it. An expression that does not parse passes: it
// matches nothing, as in Jenkins.
func checkRegex(expr string) error {
	if expr == "" {
		return nil
	}
	re, err := syntax.Parse(anchored(expr), syntax.Perl)
	if err != nil {
		return nil
	}
	if programSize(re) > limits.RegexProgram {
		return programError{}
	}
	return nil
}

type programError struct{}

func (programError) Error() string {
	return "includeRegex compiles to more than " + strconv.Itoa(limits.RegexProgram) + " instructions, the limit (write fewer or smaller repetitions)"
}

// programSize is about the number of instructions re compiles to, an
// upper bound that saturates just past limits.RegexProgram: a repetition
// {m,n} counts its operand n times (m+1 times when unbounded), as
// regexp/syntax's Simplify expands it.
func programSize(re *syntax.Regexp) int {
	const over = limits.RegexProgram + 1
	sum := func(subs []*syntax.Regexp, n int) int {
		for _, s := range subs {
			if n += programSize(s); n > over {
				return over
			}
		}
		return n
	}
	switch re.Op {
	case syntax.OpLiteral:
		return min(len(re.Rune), over)
	case syntax.OpRepeat:
		times := re.Max
		if times < 0 {
			times = re.Min + 1
		}
		sub := programSize(re.Sub[0])
		if times > 0 && sub > over/times {
			return over
		}
		return min(sub*times+times, over)
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpCapture:
		return sum(re.Sub, 2)
	case syntax.OpConcat, syntax.OpAlternate:
		return sum(re.Sub, len(re.Sub))
	}
	return 1
}

// maxMemo bounds the answers a matcher remembers; past it they are
// forgotten and found again.
const maxMemo = 1 << 14

// matcher is a view's compiled includeRegex with the answers it gave:
// listing a view asks about every job, again on every request.
type matcher struct {
	re   *regexp.Regexp
	mu   sync.Mutex
	seen map[string]bool
}

func (m *matcher) match(job string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if v, ok := m.seen[job]; ok {
		return v
	}
	v := m.re.MatchString(job)
	if len(m.seen) >= maxMemo {
		clear(m.seen)
	}
	m.seen[job] = v
	return v
}
