package export

// Map is a java.util.Map property value, as Stapler exports one: an
// object whose names are the keys, in this order. Its values are pruned
// as an array's elements are: each sits one level below the property
// (depth), and a tree's selection for the property applies to each value
// (tree=domains[urlName] picks urlName from every value of domains).
type Map []Entry

// Entry is one key and value of a Map; the value is any Prop value.
type Entry struct {
	Key   string
	Value any
}

// mapValue writes m as an object of its entries.
func (e *encoder) mapValue(m Map, th int, t *Tree) {
	if !e.enter() {
		return
	}
	e.startObject("")
	for _, en := range m {
		if e.err != nil {
			break
		}
		e.name(en.Key)
		e.value(en.Value, th, t)
	}
	e.endObject()
	e.nest--
}
