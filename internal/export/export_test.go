package export

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

type renderCase struct {
	name    string
	root    *Object
	flavor  Flavor
	xmlRoot string
	tree    string // "" for none
	depth   int
	pretty  bool
	want    string
}

func (c renderCase) run(t *testing.T) {
	t.Helper()
	var opt Options
	if c.tree != "" {
		tr, err := ParseTree(c.tree)
		if err != nil {
			t.Fatalf("ParseTree(%q): %v", c.tree, err)
		}
		opt.Tree = tr
	}
	opt.Depth, opt.Pretty = c.depth, c.pretty
	var buf bytes.Buffer
	if err := Write(&buf, c.root, c.flavor, c.xmlRoot, opt); err != nil {
		t.Fatalf("Write: %v", err)
	}
	if got := buf.String(); got != c.want {
		t.Errorf("got\n%s\nwant\n%s", got, c.want)
	}
}

func runAll(t *testing.T, cases []renderCase) {
	for _, c := range cases {
		t.Run(c.name, c.run)
	}
}

func TestVisibilityAndDepth(t *testing.T) {
	nested := func() *Object {
		return obj("C", p("one", 1), pv("two", 2, 2), pv("three", 3, 3))
	}
	runAll(t, []renderCase{
		{
			name: "the top level shows properties of visibility one and more at depth zero",
			root: obj("R", pv("hidden", 0, 0), p("one", 1), pv("two", 2, 2)),
			want: `{"_class":"R","one":1,"two":2}`,
		},
		{
			name: "a nested object shows properties of visibility two and more at depth zero",
			root: obj("R", p("o", nested())),
			want: `{"_class":"R","o":{"_class":"C","two":2,"three":3}}`,
		},
		{
			name:  "depth one shows default-visibility properties one level down",
			root:  obj("R", p("o", nested())),
			depth: 1,
			want:  `{"_class":"R","o":{"_class":"C","one":1,"two":2,"three":3}}`,
		},
		{
			name:  "negative depth hides default-visibility properties at the top",
			root:  obj("R", p("one", 1), pv("two", 2, 2)),
			depth: -1,
			want:  `{"_class":"R","two":2}`,
		},
		{
			name: "elements of an array are one level down",
			root: obj("R", p("list", []*Object{nested(), nested()})),
			want: `{"_class":"R","list":[{"_class":"C","two":2,"three":3},{"_class":"C","two":2,"three":3}]}`,
		},
		{
			name: "an inline property keeps its object at the same level",
			root: obj("R", inline("o", nested())),
			want: `{"_class":"R","o":{"_class":"C","one":1,"two":2,"three":3}}`,
		},
		{
			name: "an inline array keeps its elements at the same level",
			root: obj("R", inline("list", []*Object{nested()})),
			want: `{"_class":"R","list":[{"_class":"C","one":1,"two":2,"three":3}]}`,
		},
		{
			name: "an object with no visible properties is empty",
			root: obj("R", p("o", obj("", p("one", 1)))),
			want: `{"_class":"R","o":{}}`,
		},
		{
			name: "an object without a class has no _class key",
			root: obj("", p("a", "b")),
			want: `{"a":"b"}`,
		},
		{
			name: "a huge depth does not overflow",
			root: obj("R", p("o", nested())), depth: math.MaxInt,
			want: `{"_class":"R","o":{"_class":"C","one":1,"two":2,"three":3}}`,
		},
	})
}

func TestValues(t *testing.T) {
	type stringer struct{ time.Duration }
	runAll(t, []renderCase{
		{
			name: "nil and typed nil objects are null",
			root: obj("", p("a", nil), p("b", (*Object)(nil)), p("c", []*Object{nil}), p("d", Lazy(nil))),
			want: `{"a":null,"b":null,"c":[null],"d":null}`,
		},
		{
			name: "integers of every size are written in decimal",
			root: obj("", p("a", int8(-8)), p("b", int16(16)), p("c", int32(-32)), p("d", int64(math.MinInt64)),
				p("e", uint8(8)), p("f", uint16(16)), p("g", uint32(32)), p("h", uint64(math.MaxUint64)), p("i", uint(7))),
			want: `{"a":-8,"b":16,"c":-32,"d":-9223372036854775808,"e":8,"f":16,"g":32,"h":18446744073709551615,"i":7}`,
		},
		{
			name: "floats are written as Java writes doubles",
			root: obj("", p("a", 2.0), p("b", 0.5), p("c", 1e7), p("d", 1.5e-4), p("e", 123456.789),
				p("f", -0.001), p("g", math.Copysign(0, -1)), p("h", 1e21), p("i", 9999999.0), p("j", 100.0)),
			want: `{"a":2.0,"b":0.5,"c":1.0E7,"d":1.5E-4,"e":123456.789,"f":-0.001,"g":-0.0,"h":1.0E21,"i":9999999.0,"j":100.0}`,
		},
		{
			name: "float32 values use their own shortest digits",
			root: obj("", p("a", float32(0.1)), p("b", float32(1)/3), p("c", []float64{0.25})),
			want: `{"a":0.1,"b":0.33333334,"c":[0.25]}`,
		},
		{
			name: "NaN and infinities are null in JSON to keep it valid",
			root: obj("", p("a", math.NaN()), p("b", math.Inf(1)), p("c", float32(math.Inf(-1)))),
			want: `{"a":null,"b":null,"c":null}`,
		},
		{
			name:   "NaN and infinities are spelled as in Java in XML",
			root:   obj("", p("a", math.NaN()), p("b", math.Inf(1)), p("c", math.Inf(-1))),
			flavor: XML, xmlRoot: "r",
			want: `<r><a>NaN</a><b>Infinity</b><c>-Infinity</c></r>`,
		},
		{
			name: "times are epoch milliseconds and Stringers strings",
			root: obj("", p("t", time.UnixMilli(1700000000123)), p("s", stringer{1500 * time.Millisecond})),
			want: `{"t":1700000000123,"s":"1.5s"}`,
		},
		{
			name: "arrays of scalars and mixed arrays are written element by element",
			root: obj("", p("s", []string{"a", "b"}), p("i", []int{1}), p("l", []int64{2}), p("b", []bool{true}),
				p("m", []any{"x", 1, nil, false, obj("", pv("n", 2, 1)), []string{}})),
			want: `{"s":["a","b"],"i":[1],"l":[2],"b":[true],"m":["x",1,null,false,{"n":1},[]]}`,
		},
		{
			name: "an unsupported value is an empty object",
			root: obj("", p("a", struct{ X int }{1}), p("b", map[string]int{"a": 1})),
			want: `{"a":{},"b":{}}`,
		},
		{
			name: "lazy values are evaluated, as are lazy values they return",
			root: obj("", p("a", Lazy(func() any { return Lazy(func() any { return "deep" }) })),
				p("b", func() any { return 5 })),
			want: `{"a":"deep","b":5}`,
		},
	})
}

func TestStringEscaping(t *testing.T) {
	runAll(t, []renderCase{
		{
			name: "JSON escapes quotes, backslashes and control characters but not slashes or other Unicode",
			root: obj("", p("s", "\"\\\n\r\t\x00\x08\x0c\x1f\x7f\u0080\u009f\u00a0/é€😀\u2028")),
			want: `{"s":"\"\\\n\r\t\u0000\u0008\u000c\u001f\u007f\u0080\u009f` + "\u00a0/é€😀\u2028" + `"}`,
		},
		{
			name: "invalid UTF-8 becomes U+FFFD in JSON",
			root: obj("", p("s", "a\xffb\xc3")),
			want: "{\"s\":\"a\uFFFDb\uFFFD\"}",
		},
		{
			name: "property names are escaped too",
			root: obj("", p("a\"b", 1)),
			want: `{"a\"b":1}`,
		},
		{
			name:   "Python strings are escaped like JSON",
			root:   obj("", p("s", "it's \"x\"\n")),
			flavor: Python,
			want:   `{"s":"it's \"x\"\n"}`,
		},
		{
			name:   "XML escapes only ampersands and angle brackets in text",
			root:   obj("", p("s", `<a href="x">'&'</a>`+"\n\t")),
			flavor: XML, xmlRoot: "r",
			want: "<r><s>&lt;a href=\"x\"&gt;'&amp;'&lt;/a&gt;\n\t</s></r>",
		},
		{
			name:   "XML replaces characters it cannot carry and invalid UTF-8",
			root:   obj("", p("s", "a\x00b\x1fc\xffd\uffffe")),
			flavor: XML, xmlRoot: "r",
			want: "<r><s>a\uFFFDb\uFFFDc\uFFFDd\uFFFDe</s></r>",
		},
	})
}

func TestFlavors(t *testing.T) {
	root := func() *Object {
		return obj("hudson.model.Hudson", p("t", true), p("f", false), p("n", nil), p("s", "x"),
			p("o", obj("X", pv("k", 2, 1))))
	}
	runAll(t, []renderCase{
		{
			name: "JSON writes true, false and null",
			root: root(),
			want: `{"_class":"hudson.model.Hudson","t":true,"f":false,"n":null,"s":"x","o":{"_class":"X","k":1}}`,
		},
		{
			name: "Python writes True, False and None", root: root(), flavor: Python,
			want: `{"_class":"hudson.model.Hudson","t":True,"f":False,"n":None,"s":"x","o":{"_class":"X","k":1}}`,
		},
		{
			name: "XML omits nulls and puts _class in single-quoted attributes", root: root(), flavor: XML, xmlRoot: "hudson",
			want: `<hudson _class='hudson.model.Hudson'><t>true</t><f>false</f><s>x</s><o _class='X'><k>1</k></o></hudson>`,
		},
		{
			name: "XML is never indented", root: root(), flavor: XML, xmlRoot: "hudson", pretty: true,
			want: `<hudson _class='hudson.model.Hudson'><t>true</t><f>false</f><s>x</s><o _class='X'><k>1</k></o></hudson>`,
		},
		{
			name: "pretty Python is indented like JSON", root: obj("", p("a", []any{true, nil})), flavor: Python, pretty: true,
			want: "{\n  \"a\" : [\n    True,\n    None\n  ]\n}",
		},
	})
}

func TestPrettyJSON(t *testing.T) {
	runAll(t, []renderCase{
		{
			name: "an empty root object has a blank line inside",
			root: obj(""), pretty: true,
			want: "{\n  \n}",
		},
		{
			name: "an empty array has an indented blank line inside",
			root: obj("R", p("a", []*Object{})), pretty: true,
			want: "{\n  \"_class\" : \"R\",\n  \"a\" : [\n    \n  ]\n}",
		},
		{
			name: "an empty nested object has an indented blank line inside",
			root: obj("", p("o", obj(""))), pretty: true,
			want: "{\n  \"o\" : {\n    \n  }\n}",
		},
		{
			name: "arrays of arrays nest their indentation",
			root: obj("", p("a", []any{[]int{1, 2}, []string{}})), pretty: true,
			want: "{\n  \"a\" : [\n    [\n      1,\n      2\n    ],\n    [\n      \n    ]\n  ]\n}",
		},
		{
			// The shape of real Jenkins output (shared/seeds/000_*.txt).
			name: "the root's job list looks like Jenkins's",
			root: obj("hudson.model.Hudson",
				p("numExecutors", 2), p("description", nil),
				p("jobs", []*Object{obj("hudson.model.FreeStyleProject",
					pv("name", 2, "sample-job"), pv("url", 2, "https://8085-port-e7xgmenbzvw4pkcu./job/sample-job/"), pv("color", 2, "blue"))})),
			pretty: true,
			want: `{
  "_class" : "hudson.model.Hudson",
  "numExecutors" : 2,
  "description" : null,
  "jobs" : [
    {
      "_class" : "hudson.model.FreeStyleProject",
      "name" : "sample-job",
      "url" : "https://8085-port-e7xgmenbzvw4pkcu./job/sample-job/",
      "color" : "blue"
    }
  ]
}`,
		},
	})
}

func TestTreePruning(t *testing.T) {
	list := func() *Object {
		items := make([]*Object, 5)
		for i := range items {
			items[i] = obj("I", pv("n", 2, i), p("x", "x"))
		}
		return obj("R", p("items", items), pv("hidden", -2, "h"), p("flag", true),
			p("o", obj("O", pv("a", 5, 1), p("b", obj("B", p("c", 3))))),
			p("tags", []string{"t0", "t1", "t2"}),
			p("grid", []any{[]int{0, 1, 2}, []int{3, 4, 5}, []int{6, 7, 8}}))
	}
	runAll(t, []renderCase{
		{
			name: "only named properties are written, whatever their visibility",
			root: list(), tree: "hidden,flag",
			want: `{"_class":"R","hidden":"h","flag":true}`,
		},
		{
			name: "a name without brackets writes an object without properties",
			root: list(), tree: "o",
			want: `{"_class":"R","o":{"_class":"O"}}`,
		},
		{
			name: "a name with brackets recurses",
			root: list(), tree: "o[b[c]]",
			want: `{"_class":"R","o":{"_class":"O","b":{"_class":"B","c":3}}}`,
		},
		{
			name: "a star matches every property at its level",
			root: list(), tree: "o[*]",
			want: `{"_class":"R","o":{"_class":"O","a":1,"b":{"_class":"B"}}}`,
		},
		{
			name: "an exact name wins over a star",
			root: list(), tree: "o[*,b[c]]",
			want: `{"_class":"R","o":{"_class":"O","a":1,"b":{"_class":"B","c":3}}}`,
		},
		{
			name: "a name given twice keeps its last subtree",
			root: list(), tree: "o[b[c]],o",
			want: `{"_class":"R","o":{"_class":"O"}}`,
		},
		{
			name: "unknown names are ignored",
			root: list(), tree: "nope,flag,o[nope[deeper]]",
			want: `{"_class":"R","flag":true,"o":{"_class":"O"}}`,
		},
		{
			name: "spaces are part of names, so a name after a spaced comma matches nothing",
			root: list(), tree: "flag, hidden",
			want: `{"_class":"R","flag":true}`,
		},
		{
			name: "a range {M,N} keeps elements M to N-1",
			root: list(), tree: "items[n]{1,3}",
			want: `{"_class":"R","items":[{"_class":"I","n":1},{"_class":"I","n":2}]}`,
		},
		{
			name: "a range {M,} keeps elements from M",
			root: list(), tree: "items[n]{3,}",
			want: `{"_class":"R","items":[{"_class":"I","n":3},{"_class":"I","n":4}]}`,
		},
		{
			name: "a range {,N} keeps the first N elements",
			root: list(), tree: "items[n]{,2}",
			want: `{"_class":"R","items":[{"_class":"I","n":0},{"_class":"I","n":1}]}`,
		},
		{
			name: "a range {N} keeps element N",
			root: list(), tree: "items[n]{4}",
			want: `{"_class":"R","items":[{"_class":"I","n":4}]}`,
		},
		{
			name: "a range past the end is empty",
			root: list(), tree: "items{7,9}",
			want: `{"_class":"R","items":[]}`,
		},
		{
			name: "a range whose end is before its start is empty",
			root: list(), tree: "items{3,1}",
			want: `{"_class":"R","items":[]}`,
		},
		{
			name: "a range end past the length is cut to the length",
			root: list(), tree: "items[n]{4,100}",
			want: `{"_class":"R","items":[{"_class":"I","n":4}]}`,
		},
		{
			name: "a range applies to arrays of strings",
			root: list(), tree: "tags{1,}",
			want: `{"_class":"R","tags":["t1","t2"]}`,
		},
		{
			name: "a range applies again to arrays inside the array",
			root: list(), tree: "grid{1,3}",
			want: `{"_class":"R","grid":[[4,5],[7,8]]}`,
		},
		{
			name: "a range on a scalar is ignored",
			root: list(), tree: "flag{0,50}",
			want: `{"_class":"R","flag":true}`,
		},
		{
			name: "a range on an object is ignored",
			root: list(), tree: "o[b]{3,4}",
			want: `{"_class":"R","o":{"_class":"O","b":{"_class":"B"}}}`,
		},
		{
			name: "inline properties get no special treatment in a tree",
			root: obj("R", inline("i", obj("I", p("a", 1), p("b", 2)))), tree: "i[a]",
			want: `{"_class":"R","i":{"_class":"I","a":1}}`,
		},
		{
			name: "a tree takes precedence over depth",
			root: list(), tree: "flag", depth: 3,
			want: `{"_class":"R","flag":true}`,
		},
	})
}

func TestXML(t *testing.T) {
	runAll(t, []renderCase{
		{
			name:   "array elements are named by the singular of the property",
			root:   obj("", p("jobs", []string{"a"}), p("properties", []int{1}), p("healthReport", []bool{true}), p("class", []string{"c"})),
			flavor: XML, xmlRoot: "r",
			want: `<r><job>a</job><property>1</property><healthReport>true</healthReport><clas>c</clas></r>`,
		},
		{
			name:   "arrays of objects repeat the singular element with each class",
			root:   obj("", p("views", []*Object{obj("V", pv("name", 2, "all")), obj("", pv("name", 2, "x"))})),
			flavor: XML, xmlRoot: "r",
			want: `<r><view _class='V'><name>all</name></view><view><name>x</name></view></r>`,
		},
		{
			name:   "properties of an object in an array keep their own names",
			root:   obj("", p("builds", []*Object{obj("B", pv("actions", 2, []*Object{obj("A")}), pv("causes", 2, "x"))})),
			flavor: XML, xmlRoot: "r", depth: 1,
			want: `<r><build _class='B'><action _class='A'></action><causes>x</causes></build></r>`,
		},
		{
			name:   "nested arrays repeat the same element",
			root:   obj("", p("items", []any{[]int{1, 2}, 3})),
			flavor: XML, xmlRoot: "r",
			want: `<r><item>1</item><item>2</item><item>3</item></r>`,
		},
		{
			name:   "a name that cannot start an element loses its first character or gains an underscore",
			root:   obj("", p("1abc", 1), p("$x", 2), p("-", 3), p("", 4), p("12", 5)),
			flavor: XML, xmlRoot: "r",
			want: `<r><abc>1</abc><x>2</x><_->3</_-><_>4</_><_12>5</_12></r>`,
		},
		{
			name:   "characters that cannot be in a name are removed",
			root:   obj("", p("a b/c<d>", 1), p("ünï.có-de_x:y", 2), p("a😀b", 3)),
			flavor: XML, xmlRoot: "r",
			want: `<r><abcd>1</abcd><ünï.có-de_x:y>2</ünï.có-de_x:y><ab>3</ab></r>`,
		},
		{
			name:   "the root element name is made valid too",
			root:   obj("hudson.model.Hudson"),
			flavor: XML, xmlRoot: "",
			want: `<_ _class='hudson.model.Hudson'></_>`,
		},
		{
			name:   "class attributes are escaped",
			root:   obj("a'b&c<d"),
			flavor: XML, xmlRoot: "r",
			want: `<r _class='a&apos;b&amp;c&lt;d'></r>`,
		},
		{
			name:   "an empty string is an empty element and null no element",
			root:   obj("", p("e", ""), p("n", nil), p("l", []any{nil, "x"})),
			flavor: XML, xmlRoot: "r",
			want: `<r><e></e><l>x</l></r>`,
		},
	})
}

func TestLazyValuesAreEvaluatedOnlyWhenWritten(t *testing.T) {
	calls := map[string]int{}
	lazy := func(name string, vis int) Prop {
		return Prop{Name: name, Vis: vis, Value: Lazy(func() any { calls[name]++; return name })}
	}
	root := func() *Object {
		return obj("", lazy("shown", 1), lazy("hidden", 0), p("o", obj("", lazy("deep", 1), lazy("near", 2))))
	}
	cases := []struct {
		name string
		opt  Options
		want map[string]int
	}{
		{"by depth", Options{}, map[string]int{"shown": 1, "near": 1}},
		{"by depth one", Options{Depth: 1}, map[string]int{"shown": 1, "near": 1, "deep": 1, "hidden": 1}},
		{"by tree", Options{Tree: mustTree(t, "hidden,o")}, map[string]int{"hidden": 1}},
	}
	for _, c := range cases {
		t.Run("when pruning "+c.name, func(t *testing.T) {
			clear(calls)
			if err := Write(&bytes.Buffer{}, root(), JSON, "", c.opt); err != nil {
				t.Fatal(err)
			}
			if len(calls) != len(c.want) {
				t.Errorf("calls = %v, want %v", calls, c.want)
			}
			for k, v := range c.want {
				if calls[k] != v {
					t.Errorf("calls = %v, want %v", calls, c.want)
				}
			}
		})
	}
}

func mustTree(t testing.TB, s string) *Tree {
	t.Helper()
	tr, err := ParseTree(s)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestWriteErrors(t *testing.T) {
	t.Run("a nil root is an error", func(t *testing.T) {
		if err := Write(&bytes.Buffer{}, nil, JSON, "", Options{}); err == nil {
			t.Error("no error")
		}
	})
	t.Run("an unknown flavor is an error", func(t *testing.T) {
		if err := Write(&bytes.Buffer{}, obj(""), Flavor(7), "", Options{}); err == nil {
			t.Error("no error")
		}
	})
	t.Run("a cycle through inline properties stops with ErrTooDeep", func(t *testing.T) {
		for _, f := range []Flavor{JSON, Python, XML} {
			o := obj("C")
			o.Props = []Prop{inline("self", o), inline("list", []any{o})}
			if err := Write(&bytes.Buffer{}, o, f, "c", Options{}); !errors.Is(err, ErrTooDeep) {
				t.Errorf("%v: err = %v, want ErrTooDeep", f, err)
			}
		}
	})
	t.Run("a cycle through visible properties ends when visibility runs out", func(t *testing.T) {
		o := obj("C")
		o.Props = []Prop{pv("self", 5, o)}
		var buf bytes.Buffer
		if err := Write(&buf, o, JSON, "", Options{}); err != nil {
			t.Fatal(err)
		}
		if want := `{"_class":"C","self":{"_class":"C","self":{"_class":"C","self":{"_class":"C","self":{"_class":"C","self":{"_class":"C"}}}}}}`; buf.String() != want {
			t.Errorf("got %s, want %s", buf.String(), want)
		}
	})
	t.Run("the writer's error is returned and writing stops", func(t *testing.T) {
		w := &failingWriter{}
		if err := Write(w, bigRoot(500), JSON, "", Options{Depth: 1}); !errors.Is(err, errWrite) {
			t.Errorf("err = %v, want %v", err, errWrite)
		}
		if w.calls != 1 {
			t.Errorf("writer called %d times after failing", w.calls)
		}
	})
}

var errWrite = errors.New("connection reset")

type failingWriter struct{ calls int }

func (w *failingWriter) Write([]byte) (int, error) { w.calls++; return 0, errWrite }

type countingWriter struct {
	bytes.Buffer
	calls int
}

func (w *countingWriter) Write(b []byte) (int, error) { w.calls++; return w.Buffer.Write(b) }

func TestLargeOutputIsWrittenInSeveralChunks(t *testing.T) {
	w := &countingWriter{}
	if err := Write(w, bigRoot(2000), JSON, "", Options{}); err != nil {
		t.Fatal(err)
	}
	if w.calls < 2 || w.Len() < flushAt {
		t.Errorf("%d bytes in %d writes", w.Len(), w.calls)
	}
	if !strings.HasSuffix(w.String(), `"color":"blue"}]}`) {
		t.Errorf("output ends with %q", w.String()[w.Len()-40:])
	}
}

func TestFlavorNames(t *testing.T) {
	for f, want := range map[Flavor]string{JSON: "json", Python: "python", XML: "xml", Flavor(9): "Flavor(9)"} {
		if got := f.String(); got != want {
			t.Errorf("Flavor(%d).String() = %q, want %q", int(f), got, want)
		}
	}
}

// bigRoot is a root object listing n jobs built as the server builds them.
func bigRoot(n int) *Object {
	jobs := make([]*Object, n)
	for i := range jobs {
		jobs[i] = freestyleJob("job-"+strings.Repeat("x", i%7), "blue", 2)
	}
	return obj("hudson.model.Hudson",
		p("assignedLabels", []*Object{obj("", pv("name", 2, "built-in"))}),
		p("mode", "NORMAL"),
		p("nodeDescription", "the Jenkins controller's built-in node"),
		p("nodeName", ""),
		p("numExecutors", 2),
		p("description", nil),
		p("jobs", jobs),
	)
}

func BenchmarkWriteRoot100Jobs(b *testing.B) {
	root := hudsonRoot()
	jobs := make([]*Object, 100)
	for i := range jobs {
		jobs[i] = freestyleJob("job-"+strings.Repeat("x", i%7), "blue", 3)
	}
	for i := range root.Props {
		if root.Props[i].Name == "jobs" {
			root.Props[i].Value = jobs
		}
	}
	var buf bytes.Buffer
	if err := Write(&buf, root, JSON, "", Options{}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := Write(&buf, root, JSON, "", Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestPrunedValuesAreToldWhatVisibilityShows(t *testing.T) {
	cases := []struct {
		name string
		opt  Options
		want int
	}{
		{"at depth 0 a listing inside the root shows visibility 2 and up", Options{}, 2},
		{"at depth 1 it shows visibility 1 and up", Options{Depth: 1}, 1},
		{"with a tree every visibility may show", Options{Tree: mustTree(t, "jobs[name]")}, math.MinInt},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := 12345
			root := obj("", p("jobs", Pruned(func(minVis int) any {
				got = minVis
				return []*Object{obj("", pv("name", 2, "a"))}
			})))
			var buf bytes.Buffer
			if err := Write(&buf, root, JSON, "", c.opt); err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Fatalf("minVis = %d, want %d", got, c.want)
			}
			if buf.String() != `{"jobs":[{"name":"a"}]}` {
				t.Fatalf("wrote %s", buf.String())
			}
		})
	}
	t.Run("a nil Pruned is null", func(t *testing.T) {
		var buf bytes.Buffer
		if err := Write(&buf, obj("", p("x", Pruned(nil))), JSON, "", Options{}); err != nil {
			t.Fatal(err)
		}
		if buf.String() != `{"x":null}` {
			t.Fatalf("wrote %s", buf.String())
		}
	})
}
