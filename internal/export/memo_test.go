package export

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// keeper is a Memo that keeps one encoding per form, and counts how
// often its object had to be built.
type keeper struct {
	o     *Object
	kept  map[Form][]byte
	built int
}

func (k *keeper) Object() *Object { k.built++; return k.o }

func (k *keeper) Encoding(f Form) []byte { return k.kept[f] }

func (k *keeper) Keep(f Form, b []byte) {
	if k.kept == nil {
		k.kept = map[Form][]byte{}
	}
	k.kept[f] = bytes.Clone(b)
}

// rootListing is hudsonRoot with n jobs listed as objects, or as memos
// of the same objects.
func rootListing(n int, memos bool) (*Object, []*keeper) {
	root := hudsonRoot()
	objs := make([]*Object, n)
	for i := range objs {
		objs[i] = freestyleJob(fmt.Sprintf("job-%d-%s", i, strings.Repeat("x", i%7)), "blue", 3)
	}
	objs[n/2] = nil // a nil object in a listing is null
	var keepers []*keeper
	var jobs any = objs
	if memos {
		list := make([]any, n)
		for i, o := range objs {
			k := &keeper{o: o}
			keepers = append(keepers, k)
			list[i] = k
		}
		jobs = list
	}
	for i := range root.Props {
		if root.Props[i].Name == "jobs" {
			root.Props[i].Value = jobs
		}
	}
	return root, keepers
}

func TestMemosWriteWhatTheirObjectsWould(t *testing.T) {
	type form struct {
		flavor Flavor
		pretty bool
		depth  int
		tree   string
	}
	var forms []form
	for _, f := range []Flavor{JSON, Python, XML} {
		for _, pretty := range []bool{false, true} {
			for _, depth := range []int{0, 1, 2} {
				forms = append(forms, form{f, pretty, depth, ""})
			}
			forms = append(forms, form{f, pretty, 0, "jobs[name,color]{1,5}"})
		}
	}
	for _, n := range []int{3, 400} { // 400 jobs pass the flush threshold
		plain, _ := rootListing(n, false)
		memo, keepers := rootListing(n, true) // shared by every form, in turn
		for _, f := range forms {
			name := fmt.Sprintf("%d jobs in %s, pretty %v, depth %d, tree %q", n, f.flavor, f.pretty, f.depth, f.tree)
			t.Run(name, func(t *testing.T) {
				opt := Options{Depth: f.depth, Pretty: f.pretty}
				if f.tree != "" {
					opt.Tree = mustTree(t, f.tree)
				}
				var want bytes.Buffer
				if err := Write(&want, plain, f.flavor, "hudson", opt); err != nil {
					t.Fatal(err)
				}
				for _, k := range keepers {
					k.built = 0
				}
				for turn := range 2 {
					var got bytes.Buffer
					if err := Write(&got, memo, f.flavor, "hudson", opt); err != nil {
						t.Fatal(err)
					}
					if got.String() != want.String() {
						t.Fatalf("turn %d wrote\n%.2000s\nwant\n%.2000s", turn, got.String(), want.String())
					}
				}
				built := 0
				for _, k := range keepers {
					built += k.built
				}
				// Kept bytes are used where a form has them: JSON and
				// Python by depth build each object once, the rest twice.
				wantBuilt := n
				switch {
				case f.tree != "": // the tree's range is jobs 1 to 4
					wantBuilt = 2 * (min(n, 5) - 1)
				case f.flavor == XML:
					wantBuilt = 2 * n
				}
				if built != wantBuilt {
					t.Fatalf("objects built %d times in two writes, want %d", built, wantBuilt)
				}
			})
		}
	}
}

func BenchmarkWriteRoot100JobMemos(b *testing.B) {
	root, _ := rootListing(100, true)
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := Write(&buf, root, JSON, "", Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// plainWriter hides a writer's AvailableBuffer.
type plainWriter struct{ w *bytes.Buffer }

func (p plainWriter) Write(b []byte) (int, error) { return p.w.Write(b) }

func TestWritingInPlaceWritesTheSame(t *testing.T) {
	for _, n := range []int{3, 400} {
		root, _ := rootListing(n, false)
		var want bytes.Buffer
		if err := Write(plainWriter{&want}, root, JSON, "", Options{Pretty: true}); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name string
			buf  *bytes.Buffer
		}{
			{"into a buffer with no room to lend", &bytes.Buffer{}},
			{"into a buffer with a little room", bytes.NewBuffer(make([]byte, 0, 100))},
			{"into a buffer with room for some flushes", bytes.NewBuffer(make([]byte, 0, 20<<10))},
			{"into a buffer with room for everything", bytes.NewBuffer(make([]byte, 0, 1<<20))},
			{"after what the buffer already holds", bytes.NewBufferString("prefix:")},
		}
		for _, c := range cases {
			t.Run(fmt.Sprintf("%d jobs %s", n, c.name), func(t *testing.T) {
				prefix := c.buf.String()
				if err := Write(c.buf, root, JSON, "", Options{Pretty: true}); err != nil {
					t.Fatal(err)
				}
				if got := c.buf.String(); got != prefix+want.String() {
					t.Fatalf("wrote %d bytes that differ from the %d written through a plain writer", len(got)-len(prefix), want.Len())
				}
			})
		}
	}
}
