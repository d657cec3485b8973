package export

import "testing"

// TestMap: a Map is written as an object of its keys, and its values are
// pruned as an array's elements are (Stapler's Property.writeValue for a
// java.util.Map), as the credentials plugin's domains and stores are.
func TestMap(t *testing.T) {
	store := func() *Object {
		domain := obj("D", p("urlName", "_"), pv("credentials", 1, []*Object{obj("C", p("id", "x"))}))
		return obj("S", p("domains", Map{{"_", domain}}))
	}
	runAll(t, []renderCase{
		{name: "at depth zero the values show only their class", root: store(),
			want: `{"_class":"S","domains":{"_":{"_class":"D"}}}`},
		{name: "at depth one the values show their properties", root: store(), depth: 1,
			want: `{"_class":"S","domains":{"_":{"_class":"D","urlName":"_","credentials":[{"_class":"C"}]}}}`},
		{name: "a tree picks properties of every value", root: store(), tree: "domains[urlName]",
			want: `{"_class":"S","domains":{"_":{"_class":"D","urlName":"_"}}}`},
		{name: "a tree reaches through a value to its lists", root: store(), tree: "domains[credentials[id]]",
			want: `{"_class":"S","domains":{"_":{"_class":"D","credentials":[{"_class":"C","id":"x"}]}}}`},
		{name: "an empty map is an empty object", root: obj("S", p("domains", Map{})),
			want: `{"_class":"S","domains":{}}`},
		{name: "in Python", root: store(), flavor: Python, depth: 1,
			want: `{"_class":"S","domains":{"_":{"_class":"D","urlName":"_","credentials":[{"_class":"C"}]}}}`},
		{name: "in XML each key is an element", root: store(), flavor: XML, xmlRoot: "s", depth: 1,
			want: `<s _class='S'><domains><_ _class='D'><urlName>_</urlName><credential _class='C'></credential></_></domains></s>`},
	})
}
