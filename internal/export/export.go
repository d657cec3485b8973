// Package export writes objects the way Jenkins's Stapler "export" module
// does for …/api/json, …/api/python and …/api/xml, including the tree,
// depth and pretty query parameters.
//
// Callers describe each exported bean as an [Object]: its class name and
// its properties in Jenkins's order, each with a visibility. [Write] then
// prunes the graph by depth or by a [Tree] and renders it byte for byte as
// Stapler would.
package export

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"
)

// DefaultVis is the visibility of a property without its own
// (@ExportedBean's defaultVisibility).
const DefaultVis = 1

// Object is one exported bean.
type Object struct {
	// Class is the value of "_class" (an XML attribute); "" writes none.
	// The caller decides when Jenkins would write it.
	Class string
	// Props are written in this order.
	Props []Prop
}

// Prop is one exported property of an Object.
type Prop struct {
	Name string
	// Vis is the property's visibility (@Exported(visibility)): at depth
	// d the top-level object shows properties with Vis ≥ 1-d, objects one
	// level down those with Vis ≥ 2-d, and so on.
	Vis int
	// Inline writes nested objects at the same level as this one
	// (@Exported(inline=true)) instead of one level deeper.
	Inline bool
	// Value is nil, a string, bool, int, int8…int64, uint…uint64,
	// float32, float64, time.Time (written as epoch milliseconds), a
	// fmt.Stringer (written as a string), *Object, []*Object, []any of
	// these, a Map of these, []string, []int, []int64, []float64, []bool,
	// or a Lazy. Any
	// other value is written as an empty object, as Stapler writes beans
	// it cannot export.
	Value any
}

// Lazy is a property value computed only if the property is written.
// A func() any is treated the same way.
type Lazy func() any

// Pruned is a Lazy told, when it is called, the least visibility a
// property of an object directly inside its value needs to be written
// (math.MinInt when a tree picks properties by name instead): a listing
// of many objects can then build only the properties that will show.
type Pruned func(minVis int) any

// Memo is an object whose encodings its owner keeps between Writes, so
// that a long listing of objects that seldom change is copied rather
// than encoded each time. Write asks Encoding for the object's bytes in
// the form at hand; when there are none, it writes Object() and hands
// the bytes to Keep, which must copy them. The owner must return bytes
// only for the very object Object() would build now: a memo saves
// encoding, it does not decide what is shown. With a tree, and in XML,
// Object() is written as usual.
type Memo interface {
	Object() *Object
	Encoding(Form) []byte
	Keep(Form, []byte)
}

// Form is what an object's encoding depends on besides the object.
type Form struct {
	Flavor Flavor
	Pretty bool
	Indent int // the indentation the object starts at, when Pretty
	Th     int // the least visibility written
}

// Flavor is an output format.
type Flavor int

// The flavors of …/api/json, …/api/python and …/api/xml.
const (
	JSON Flavor = iota
	Python
	XML
)

// String returns the flavor's name as it appears in the URL.
func (f Flavor) String() string {
	switch f {
	case JSON:
		return "json"
	case Python:
		return "python"
	case XML:
		return "xml"
	}
	return "Flavor(" + strconv.Itoa(int(f)) + ")"
}

// Options selects what Write writes and how.
type Options struct {
	// Tree, if not nil, names the properties to write; Depth is then
	// ignored.
	Tree *Tree
	// Depth is the depth= parameter (default 0).
	Depth int
	// Pretty indents JSON and Python output as Stapler does; XML is never
	// indented.
	Pretty bool
}

// ErrTooDeep is returned when objects and arrays nest deeper than
// MaxNesting, which only a cyclic object graph should cause.
var ErrTooDeep = errors.New("export: objects nested too deeply")

// MaxNesting bounds how deeply objects and arrays may nest in the output.
const MaxNesting = 512

// flushAt is the buffered size at which output is passed to the writer.
const flushAt = 6 << 10

// maxSafeDepth is the largest Options.Depth (either way) Write uses: the
// visibility thresholds computed from a larger one could overflow.
const maxSafeDepth = 1 << 20

// Write renders root to w in flavor f. For XML, xmlRoot names the root
// element (Jenkins uses the decapitalized simple class name, e.g.
// "hudson" or "freeStyleProject"); other flavors ignore it. Lazy values
// are evaluated only for properties that are written. Output is buffered
// internally; w sees a few large writes. The error is the first one w
// returned, ErrTooDeep (the output is then incomplete), or an error for a
// nil root or unknown flavor, when nothing is written. Write does not
// modify the objects, so concurrent Writes of one graph are safe if its
// Lazy values are.
func Write(w io.Writer, root *Object, f Flavor, xmlRoot string, opt Options) error {
	if root == nil {
		return errors.New("export: nil root object")
	}
	if f != JSON && f != Python && f != XML {
		return fmt.Errorf("export: unknown flavor %d", int(f))
	}
	e := encoder{
		w:      w,
		flavor: f,
		python: f == Python,
		xml:    f == XML,
		pretty: opt.Pretty && f != XML,
	}
	e.avail, _ = w.(availableBufferer)
	e.takeBuffer()
	if e.xml {
		e.cur = xmlRoot
		e.inArray = append(make([]bool, 0, 16), false)
		e.names = make([]string, 0, 16)
	}
	depth := min(max(opt.Depth, -maxSafeDepth), maxSafeDepth)
	e.object(root, 1-depth, opt.Tree)
	e.flush()
	return e.err
}

// encoder holds the state of one Write. Its JSON methods follow Stapler's
// JSONDataWriter call for call, its XML ones XMLDataWriter.
type encoder struct {
	w     io.Writer
	avail availableBufferer // w, when it lends its free space
	buf   []byte
	err   error

	flavor              Flavor
	python, xml, pretty bool
	nest                int  // objects and arrays open
	holding             bool // a Memo is being encoded: no flush until it is kept

	// JSON and Python
	indent    int
	needComma bool

	// XML
	cur     string   // name of the property being written
	names   []string // names of the enclosing objects
	inArray []bool   // whether each enclosing level is an array
}

// availableBufferer is a writer that lends its free space, as
// bytes.Buffer and bufio.Writer do: the encoder then writes in place.
type availableBufferer interface {
	AvailableBuffer() []byte
}

// takeBuffer gets the encoder an empty buffer: the writer's free space
// when it lends it and it is large enough, else one of its own.
func (e *encoder) takeBuffer() {
	if e.avail != nil {
		if b := e.avail.AvailableBuffer(); cap(b) >= flushAt {
			e.buf = b[:0]
			return
		}
	}
	if e.buf == nil || e.avail != nil {
		e.buf = make([]byte, 0, 8<<10)
		e.avail = nil // one buffer of its own serves to the end
		return
	}
	e.buf = e.buf[:0]
}

func (e *encoder) flush() {
	if e.err == nil && len(e.buf) > 0 {
		_, e.err = e.w.Write(e.buf)
	}
	e.takeBuffer()
}

// object writes o. In depth mode (t == nil) a property is written iff its
// visibility is at least th; in tree mode iff t names it.
func (e *encoder) object(o *Object, th int, t *Tree) {
	if !e.enter() {
		return
	}
	e.startObject(o.Class)
	for i := range o.Props {
		if e.err != nil {
			break
		}
		p := &o.Props[i]
		var sub *Tree
		cth := th
		if t != nil {
			if sub = t.child(p.Name); sub == nil {
				continue
			}
		} else {
			if p.Vis < th {
				continue
			}
			if !p.Inline {
				cth = th + 1
			}
		}
		e.name(p.Name)
		e.value(p.Value, cth, sub)
		if len(e.buf) >= flushAt && !e.holding {
			e.flush()
		}
	}
	e.endObject()
	e.nest--
}

// enter accounts for one more level of nesting, failing past MaxNesting.
func (e *encoder) enter() bool {
	if e.nest >= MaxNesting {
		if e.err == nil {
			e.err = ErrTooDeep
		}
		return false
	}
	e.nest++
	return true
}

// maxLazy bounds chains of Lazy values returning Lazy values.
const maxLazy = 8

// value writes one property value or array element. th and t are the
// pruning state for objects inside it; t's range applies to arrays.
func (e *encoder) value(v any, th int, t *Tree) {
	if f, ok := v.(Pruned); ok {
		v = nil
		if f != nil {
			minVis := th
			if t != nil {
				minVis = math.MinInt
			}
			v = f(minVis)
		}
	}
	v = resolve(v)
	switch x := v.(type) {
	case nil:
		e.null()
	case string:
		e.str(x)
	case bool:
		e.boolean(x)
	case int:
		e.integer(int64(x))
	case int64:
		e.integer(x)
	case int32:
		e.integer(int64(x))
	case int16:
		e.integer(int64(x))
	case int8:
		e.integer(int64(x))
	case uint:
		e.unsigned(uint64(x))
	case uint64:
		e.unsigned(x)
	case uint32:
		e.unsigned(uint64(x))
	case uint16:
		e.unsigned(uint64(x))
	case uint8:
		e.unsigned(uint64(x))
	case float64:
		e.float(x, 64)
	case float32:
		e.float(float64(x), 32)
	case *Object:
		if x == nil {
			e.null()
		} else {
			e.object(x, th, t)
		}
	case Memo:
		e.memo(x, th, t)
	case []*Object:
		if !e.startArray() {
			return
		}
		lo, hi := t.bounds(len(x))
		for _, o := range x[lo:hi] {
			if e.err != nil {
				break
			}
			if o == nil {
				e.null()
			} else {
				e.object(o, th, t)
			}
		}
		e.endArray()
	case []any:
		if !e.startArray() {
			return
		}
		lo, hi := t.bounds(len(x))
		for _, item := range x[lo:hi] {
			if e.err != nil {
				break
			}
			e.value(item, th, t)
		}
		e.endArray()
	case []string:
		scalars(e, x, t, (*encoder).str)
	case []int:
		scalars(e, x, t, func(e *encoder, n int) { e.integer(int64(n)) })
	case []int64:
		scalars(e, x, t, (*encoder).integer)
	case []float64:
		scalars(e, x, t, func(e *encoder, f float64) { e.float(f, 64) })
	case []bool:
		scalars(e, x, t, (*encoder).boolean)
	case Map:
		e.mapValue(x, th, t)
	case time.Time:
		e.integer(x.UnixMilli())
	case fmt.Stringer:
		e.str(x.String())
	default:
		if e.enter() {
			e.startObject("")
			e.endObject()
			e.nest--
		}
	}
}

// memo writes m: its kept bytes when it has them for this form, or its
// object, whose bytes it is then given to keep.
func (e *encoder) memo(m Memo, th int, t *Tree) {
	if t != nil || e.xml || e.holding {
		e.objectOrNull(m.Object(), th, t)
		return
	}
	f := Form{Flavor: e.flavor, Pretty: e.pretty, Indent: e.indent, Th: th}
	if b := m.Encoding(f); b != nil {
		e.comma()
		e.buf = append(e.buf, b...)
		e.needComma = true
		if len(e.buf) >= flushAt {
			e.flush()
		}
		return
	}
	// The separator is written first, so that the kept bytes are the
	// object's alone, whatever comes before it.
	e.comma()
	e.needComma = false
	start := len(e.buf)
	e.holding = true
	e.objectOrNull(m.Object(), th, nil)
	e.holding = false
	if e.err == nil {
		m.Keep(f, e.buf[start:])
	}
	if len(e.buf) >= flushAt {
		e.flush()
	}
}

func (e *encoder) objectOrNull(o *Object, th int, t *Tree) {
	if o == nil {
		e.null()
		return
	}
	e.object(o, th, t)
}

// resolve evaluates Lazy values (and Lazy values they return, up to
// maxLazy deep); a nil Lazy, or a chain too long, is null.
func resolve(v any) any {
	for range maxLazy {
		switch f := v.(type) {
		case Lazy:
			if f == nil {
				return nil
			}
			v = f()
		case func() any:
			if f == nil {
				return nil
			}
			v = f()
		default:
			return v
		}
	}
	switch v.(type) {
	case Lazy, func() any:
		return nil
	}
	return v
}

// scalars writes an array of scalars, applying t's range.
func scalars[T any](e *encoder, xs []T, t *Tree, write func(*encoder, T)) {
	if !e.startArray() {
		return
	}
	lo, hi := t.bounds(len(xs))
	for _, x := range xs[lo:hi] {
		write(e, x)
	}
	e.endArray()
}

// ---- the DataWriter events ----

// newline starts a new line at the current indentation when pretty.
func (e *encoder) newline() {
	if e.pretty {
		e.buf = append(e.buf, '\n')
		for range e.indent {
			e.buf = append(e.buf, ' ', ' ')
		}
	}
}

func (e *encoder) comma() {
	if e.needComma {
		e.buf = append(e.buf, ',')
		e.newline()
	}
	e.needComma = true
}

func (e *encoder) name(n string) {
	if e.xml {
		e.cur = n
		return
	}
	e.comma()
	e.buf = appendJSONString(e.buf, n)
	if e.pretty {
		e.buf = append(e.buf, " : "...)
	} else {
		e.buf = append(e.buf, ':')
	}
	e.needComma = false
}

// beginScalar and endScalar surround the text of a primitive value.
func (e *encoder) beginScalar() {
	if e.xml {
		e.buf = append(e.buf, '<')
		e.elemName()
		e.buf = append(e.buf, '>')
		return
	}
	e.comma()
}

func (e *encoder) endScalar() {
	if e.xml {
		e.buf = append(e.buf, '<', '/')
		e.elemName()
		e.buf = append(e.buf, '>')
	}
}

func (e *encoder) str(s string) {
	e.beginScalar()
	if e.xml {
		e.buf = appendXMLText(e.buf, s)
	} else {
		e.buf = appendJSONString(e.buf, s)
	}
	e.endScalar()
}

func (e *encoder) null() {
	switch {
	case e.xml: // absence means null
	case e.python:
		e.comma()
		e.buf = append(e.buf, "None"...)
	default:
		e.comma()
		e.buf = append(e.buf, "null"...)
	}
}

func (e *encoder) boolean(b bool) {
	e.beginScalar()
	switch {
	case e.python && b:
		e.buf = append(e.buf, "True"...)
	case e.python:
		e.buf = append(e.buf, "False"...)
	default:
		e.buf = strconv.AppendBool(e.buf, b)
	}
	e.endScalar()
}

func (e *encoder) integer(n int64) {
	e.beginScalar()
	e.buf = strconv.AppendInt(e.buf, n, 10)
	e.endScalar()
}

func (e *encoder) unsigned(n uint64) {
	e.beginScalar()
	e.buf = strconv.AppendUint(e.buf, n, 10)
	e.endScalar()
}

// float writes f as Java's Double.toString (Float.toString for bits 32)
// would, except that JSON and Python get null for NaN and infinities,
// which Stapler would write unquoted, making the document invalid.
func (e *encoder) float(f float64, bits int) {
	if !e.xml && !isFinite(f) {
		e.null()
		return
	}
	e.beginScalar()
	e.buf = appendJavaFloat(e.buf, f, bits)
	e.endScalar()
}

func (e *encoder) startObject(class string) {
	if e.xml {
		e.names = append(e.names, e.cur)
		e.buf = append(e.buf, '<')
		e.elemName()
		e.inArray = append(e.inArray, false)
		if class != "" {
			e.buf = append(e.buf, " _class='"...)
			e.buf = appendXMLAttr(e.buf, class)
			e.buf = append(e.buf, '\'')
		}
		e.buf = append(e.buf, '>')
		return
	}
	e.open('{')
	if class != "" {
		e.name("_class")
		e.str(class)
	}
}

func (e *encoder) endObject() {
	if e.xml {
		e.inArray = e.inArray[:len(e.inArray)-1]
		e.cur = e.names[len(e.names)-1]
		e.names = e.names[:len(e.names)-1]
		e.buf = append(e.buf, '<', '/')
		e.elemName()
		e.buf = append(e.buf, '>')
		return
	}
	e.close('}')
}

// startArray opens an array, or fails with ErrTooDeep.
func (e *encoder) startArray() bool {
	if !e.enter() {
		return false
	}
	if e.xml {
		e.inArray = append(e.inArray, true)
	} else {
		e.open('[')
	}
	return true
}

func (e *encoder) endArray() {
	if e.xml {
		e.inArray = e.inArray[:len(e.inArray)-1]
	} else {
		e.close(']')
	}
	e.nest--
}

func (e *encoder) open(c byte) {
	e.comma()
	e.buf = append(e.buf, c)
	e.needComma = false
	e.indent++
	e.newline()
}

func (e *encoder) close(c byte) {
	e.indent--
	e.newline()
	e.needComma = true
	e.buf = append(e.buf, c)
}

// elemName writes the XML element name for the current property: made a
// valid name, and singular inside an array ("jobs" → "job").
func (e *encoder) elemName() {
	e.buf = appendXMLName(e.buf, e.cur, e.inArray[len(e.inArray)-1])
}
