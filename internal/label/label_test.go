package label

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	// The canonical names are those Jenkins's LabelExpressionTest expects.
	tests := []struct{ in, want string }{
		{"foo", "foo"},
		{"32bit.dot", "32bit.dot"},
		{"foo || bar", "foo||bar"},
		{"foo||bar&&zot", "foo||bar&&zot"},
		{"foo||(bar&&zot)", "foo||(bar&&zot)"},
		{"  ( foo || bar )  && zot", "(foo||bar)&&zot"},
		{"foo ->\tbar", "foo->bar"},
		{"   foo \t\t ->   bar \t ", "foo->bar"},
		{"!foo <-> bar", "!foo<->bar"},
		{"aaa&&bbb&&ccc", "aaa&&bbb&&ccc"},
		{"a-b", "a-b"},
		{"--a----b-c-", "--a----b-c-"},
		{"a-->b", "a-->b"},
		{"a->-b", "a->-b"},
		{"-", "-"},
		{`"abc def"`, `"abc def"`},
		{`"abc\\\"def"`, `"abc\\\"def"`},
		{`"a\tb"`, `"a\tb"`},
		{`"plain"`, "plain"},
		{"a<->b<->c", "a<->b<->c"},
		{"!(a&&b)", "!(a&&b)"},
		{"a:b", `"a:b"`},
	}
	for _, tt := range tests {
		t.Run("it reads "+tt.in+" as "+tt.want, func(t *testing.T) {
			e, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got := e.String(); got != tt.want {
				t.Fatalf("Parse(%q).String() = %q, want %q", tt.in, got, tt.want)
			}
			// The canonical form reads back to the same expression.
			again, err := Parse(e.String())
			if err != nil || again.String() != e.String() {
				t.Fatalf("round trip of %q: %v, %v", e.String(), again, err)
			}
		})
	}
}

func TestParseStructure(t *testing.T) {
	tests := []struct {
		in   string
		want Op
		lhs  string
		rhs  string
	}{
		{"a-->b", OpImplies, "a-", "b"},
		{"a->-b", OpImplies, "a", "-b"},
		{"a || b && c", OpOr, "a", "b&&c"},
		{"a -> b || c", OpImplies, "a", "b||c"},
		{"a <-> b -> c", OpIff, "a", "b->c"},
		{"a <-> b <-> c", OpIff, "a<->b", "c"},
	}
	for _, tt := range tests {
		t.Run(tt.in+" binds as Jenkins's grammar", func(t *testing.T) {
			e, err := Parse(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if e.Op != tt.want || e.Lhs.String() != tt.lhs || e.Rhs.String() != tt.rhs {
				t.Fatalf("got op %d lhs %q rhs %q", e.Op, e.Lhs, e.Rhs)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		// From Jenkins's LabelExpressionTest.parserError.
		{"foo bar", "line 1:4: extraneous input 'bar' expecting <EOF>"},
		{"foo (bar)", "line 1:4: mismatched input '(' expecting {<EOF>, '&&', '||', '->', '<->'}"},
		{"foo(bar)", "line 1:3: mismatched input '(' expecting {<EOF>, '&&', '||', '->', '<->'}"},
		{"a <- b", "line 1:2: token recognition error at: '<- '"},
		{"a -< b", "line 1:3: token recognition error at: '< '"},
		{"a - b", "line 1:2: mismatched input '-' expecting {<EOF>, '&&', '||', '->', '<->'}"},
		{"->", "line 1:0: mismatched input '->' expecting {'!', '(', ATOM, STRINGLITERAL}"},
		{"-<", "line 1:1: token recognition error at: '<'"},
		{"-!", "line 1:1: extraneous input '!' expecting <EOF>"},
		// Following ANTLR's DefaultErrorStrategy.
		{"", "line 1:0: mismatched input '<EOF>' expecting {'!', '(', ATOM, STRINGLITERAL}"},
		{"a &&", "line 1:4: mismatched input '<EOF>' expecting {'!', '(', ATOM, STRINGLITERAL}"},
		{"&& a", "line 1:0: extraneous input '&&' expecting {'!', '(', ATOM, STRINGLITERAL}"},
		{"(a", "line 1:2: missing ')' at '<EOF>'"},
		{"!!a", "line 1:1: extraneous input '!' expecting {'(', ATOM, STRINGLITERAL}"},
		{"a -> b -> c", "line 1:7: mismatched input '->' expecting {<EOF>, '&&', '||', '<->'}"},
		{"a & b", "line 1:2: token recognition error at: '& '"},
		{"a | b", "line 1:2: token recognition error at: '| '"},
		{"a > b", "line 1:2: token recognition error at: '>'"},
		{"'a'", "line 1:0: token recognition error at: '''"},
		{`"abc`, `line 1:0: token recognition error at: '"abc'`},
		{`"a\x"`, `line 1:0: token recognition error at: '"a\x'`},
	}
	for _, tt := range tests {
		t.Run(tt.in+" is refused as Jenkins words it", func(t *testing.T) {
			_, err := Parse(tt.in)
			if err == nil {
				t.Fatalf("Parse(%q) succeeded", tt.in)
			}
			if err.Error() != tt.want {
				t.Fatalf("Parse(%q) = %q\nwant %q", tt.in, err, tt.want)
			}
		})
	}
	t.Run("a deeply nested expression is refused, not a stack overflow", func(t *testing.T) {
		in := strings.Repeat("(", 10000) + "a" + strings.Repeat(")", 10000)
		if _, err := Parse(in); err == nil || !strings.Contains(err.Error(), "nested too deeply") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("an over-long expression is refused", func(t *testing.T) {
		if _, err := Parse(strings.Repeat("a", MaxLen+1)); err == nil {
			t.Fatal("no error")
		}
	})
}

func TestParseLax(t *testing.T) {
	tests := []struct{ in, name, expr string }{
		{"lucene.zones.apache.org (Solaris 10)", "lucene.zones.apache.org (Solaris 10)", `"lucene.zones.apache.org (Solaris 10)"`},
		{"a:b c", "a:b c", `"a:b c"`},
		{`"label1||label2"`, "label1||label2", "label1||label2"},
		{"linux && docker", "linux&&docker", "linux&&docker"},
	}
	for _, tt := range tests {
		t.Run(tt.in+" is taken laxly", func(t *testing.T) {
			e := ParseLax(tt.in)
			if e.DisplayName() != tt.name || e.String() != tt.expr {
				t.Fatalf("got name %q expr %q", e.DisplayName(), e.String())
			}
		})
	}
	if ParseLax("  ") != nil {
		t.Fatal("a blank expression is no label")
	}
}

func TestMatches(t *testing.T) {
	node := NodeAtoms("agent1", `linux docker "my label" 'x y'`)
	tests := []struct {
		expr string
		want bool
	}{
		{"linux", true},
		{"Linux", false},
		{"agent1", true},
		{`"my label"`, true},
		{`"x y"`, true},
		{"linux && docker", true},
		{"linux && windows", false},
		{"windows || docker", true},
		{"!windows", true},
		{"!linux", false},
		{"windows -> mac", true},
		{"linux -> mac", false},
		{"linux -> docker", true},
		{"linux <-> docker", true},
		{"linux <-> windows", false},
		{"windows <-> mac", true},
		{"(linux || windows) && !mac", true},
	}
	for _, tt := range tests {
		t.Run(tt.expr+" on a linux docker node", func(t *testing.T) {
			e, err := Parse(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			if got := e.MatchesSet(node); got != tt.want {
				t.Fatalf("got %v", got)
			}
		})
	}
}

func TestParseAtoms(t *testing.T) {
	got := ParseAtoms(" linux  docker\tx86_64 \"a b\" linux 'c\\'d' ")
	want := []string{"linux", "docker", "x86_64", "a b", "c'd"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("got %q", got)
	}
}

func TestOrder(t *testing.T) {
	cands := []Candidate{{"agent1", 2}, {"agent2", 1}, {"agent3", 3}, {"", 1}}
	// The orders a Java run of Jenkins's ConsistentHash gives.
	tests := []struct {
		key  string
		want string
	}{
		{"job", "agent3,agent2,agent1,"},
		{"folder/job", "agent3,agent1,agent2,"},
		{"x", "agent1,agent3,agent2,"},
		{"build-linux", ",agent3,agent1,agent2"},
	}
	for _, tt := range tests {
		t.Run("the key "+tt.key+" walks the ring as Jenkins does", func(t *testing.T) {
			if got := strings.Join(Order(tt.key, cands), ","); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("the digest is Jenkins's", func(t *testing.T) {
		for s, want := range map[string]int32{"": 685116738, "job": -1216866220, "folder/job": 952904065, "agent1:0": -2105268636, "ünï": 1266410704} {
			if got := digest(s); got != want {
				t.Errorf("digest(%q) = %d, want %d", s, got, want)
			}
		}
	})
	t.Run("a job keeps its node while the node has a free executor", func(t *testing.T) {
		first, _ := Choose("folder/job", cands)
		for range 10 {
			if got, _ := Choose("folder/job", cands); got != first {
				t.Fatalf("moved from %s to %s", first, got)
			}
		}
	})
	t.Run("no idle executor gives no choice", func(t *testing.T) {
		if _, ok := Choose("job", []Candidate{{"a", 0}}); ok {
			t.Fatal("chose a node without executors")
		}
	})
}

func TestWhy(t *testing.T) {
	linux := Atom("linux")
	on := func(name, labels string, idle int) Node {
		return Node{Name: name, Atoms: NodeAtoms(name, labels), Online: true, Accepting: true, IdleExecutors: idle}
	}
	off := func(name, labels string) Node {
		return Node{Name: name, Atoms: NodeAtoms(name, labels)}
	}
	builtIn := on("built-in", "", 0)
	tests := []struct {
		name string
		in   WhyInput
		want string
	}{
		{"quieting down wins", WhyInput{ShuttingDown: true, Label: linux, HasAgents: true}, "Jenkins is about to shut down"},
		{"no label", WhyInput{Nodes: []Node{builtIn}}, "Waiting for next available executor"},
		{"no agents ignores the label", WhyInput{Label: linux, Nodes: []Node{builtIn}}, "Waiting for next available executor"},
		{"a label no node has", WhyInput{Label: Atom("x"), HasAgents: true, Nodes: []Node{builtIn, on("agent1", "linux", 1)}}, "There are no nodes with the label ‘x’"},
		{"the one node of the label is offline", WhyInput{Label: linux, HasAgents: true, Nodes: []Node{builtIn, off("agent1", "linux")}}, "‘agent1’ is offline"},
		{"all nodes of the label are offline", WhyInput{Label: linux, HasAgents: true, Nodes: []Node{off("agent1", "linux"), off("agent2", "linux")}}, "All nodes of label ‘linux’ are offline"},
		{"one busy node", WhyInput{Label: linux, HasAgents: true, Nodes: []Node{on("agent1", "linux", 0)}}, "Waiting for next available executor on ‘agent1’"},
		{"several busy nodes", WhyInput{Label: linux, HasAgents: true, Nodes: []Node{on("agent1", "linux", 0), off("agent2", "linux")}}, "Waiting for next available executor on ‘linux’"},
		{"an expression names itself", WhyInput{Label: ParseLax("linux && docker"), HasAgents: true, Nodes: []Node{off("a", "linux docker"), off("b", "linux docker")}}, "All nodes of label ‘linux&&docker’ are offline"},
		{"idle nodes that refused", WhyInput{HasAgents: true, Nodes: []Node{on("agent1", "", 1)}, Refusals: []string{"‘b’ is reserved for jobs with matching label expression", "‘a’ is not accepting tasks", "‘a’ is not accepting tasks"}},
			"‘a’ is not accepting tasks; ‘b’ is reserved for jobs with matching label expression"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Why(tt.in); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCanTake(t *testing.T) {
	n := Node{Name: "agent1", Atoms: NodeAtoms("agent1", "linux"), Accepting: true}
	if got := CanTake(n, Atom("windows")); got != "‘agent1’ doesn’t have label ‘windows’" {
		t.Fatal(got)
	}
	if got := CanTake(n, Atom("linux")); got != "" {
		t.Fatal(got)
	}
	n.Exclusive = true
	if got := CanTake(n, nil); got != "‘agent1’ is reserved for jobs with matching label expression" {
		t.Fatal(got)
	}
	n.Exclusive, n.Accepting = false, false
	if got := CanTake(n, nil); got != "‘agent1’ is not accepting tasks" {
		t.Fatal(got)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"a", "a&&b", "!(a||b)->c", `"x y"<->z`, "a-->b", "((a))", "-<", `"\n"`, "a b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s)
		if err != nil {
			if e != nil {
				t.Fatal("an error with an expression")
			}
			return
		}
		// What parses prints as an expression that parses to itself.
		again, err := Parse(e.String())
		if err != nil {
			t.Fatalf("%q printed as %q, which does not parse: %v", s, e.String(), err)
		}
		if again.String() != e.String() {
			t.Fatalf("%q: %q then %q", s, e.String(), again.String())
		}
		set := map[string]bool{}
		for i, a := range e.Atoms() {
			set[a] = i%2 == 0
		}
		if e.MatchesSet(set) != again.MatchesSet(set) {
			t.Fatal("the printed form matches differently")
		}
	})
}
