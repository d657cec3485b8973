package artifact

import (
	"slices"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/antglob"
	"github.com/jeeves-ci/jeeves/internal/export"
)

// ListCutoff is the number of artifacts above which Jenkins computes no
// display paths (hudson.model.Run.ArtifactList.listCutoff).
const ListCutoff = 20

// Entry is one artifact of a build's api/json.
type Entry struct {
	RelativePath string
	FileName     string
	// DisplayPath is the shortest trailing part of RelativePath that
	// tells it apart from the build's other artifacts; nil when the build
	// has more than ListCutoff artifacts.
	DisplayPath *string
}

// List returns a build's artifacts, given their relative paths, in the
// order Jenkins lists them (Run.getArtifactsUpTo): depth first, the
// entries of each directory sorted ignoring case
// (VirtualFile.compareTo), directories among files by name. upTo bounds
// how many are returned, counting in that order; 0 means all.
func List(paths []string, upTo int) []Entry {
	root := &dirNode{}
	for _, p := range paths {
		root.add(strings.Split(p, "/"), p)
	}
	var out []Entry
	root.walk(&out, upTo)
	computeDisplayPaths(out)
	return out
}

type dirNode struct {
	name  string
	path  string // for files
	kids  []*dirNode
	index map[string]*dirNode
	file  bool
}

func (d *dirNode) add(segs []string, full string) {
	if d.index == nil {
		d.index = map[string]*dirNode{}
	}
	k, ok := d.index[segs[0]]
	if !ok {
		k = &dirNode{name: segs[0]}
		d.index[segs[0]] = k
		d.kids = append(d.kids, k)
	}
	if len(segs) == 1 {
		k.file, k.path = true, full
		return
	}
	k.add(segs[1:], full)
}

func (d *dirNode) walk(out *[]Entry, upTo int) bool {
	slices.SortStableFunc(d.kids, func(a, b *dirNode) int {
		if c := antglob.JavaCompareFold(a.name, b.name); c != 0 {
			return c
		}
		return antglob.JavaCompare(a.name, b.name)
	})
	for _, k := range d.kids {
		if k.file {
			*out = append(*out, Entry{RelativePath: k.path, FileName: k.name})
			if upTo > 0 && len(*out) >= upTo {
				return false
			}
			continue
		}
		if !k.walk(out, upTo) {
			return false
		}
	}
	return true
}

// computeDisplayPaths is Run.ArtifactList.computeDisplayName: every
// entry starts at its file name, and entries whose names collide grow by
// one leading segment at a time until none collide.
func computeDisplayPaths(list []Entry) {
	if len(list) > ListCutoff {
		return
	}
	tokens := make([][]string, len(list))
	lens := make([]int, len(list))
	maxDepth := 0
	for i, e := range list {
		tokens[i] = splitSlashes(e.RelativePath)
		maxDepth = max(maxDepth, len(tokens[i]))
		lens[i] = 1
	}
	for depth := 0; ; depth++ {
		collision := false
		names := map[string]int{}
		for i := range list {
			name := combineLast(tokens[i], lens[i])
			j, seen := names[name]
			names[name] = i
			if seen {
				collision = true
				if j >= 0 {
					lens[j]++
				}
				lens[i]++
				names[name] = -1
			}
		}
		if !collision || depth >= maxDepth {
			break
		}
	}
	for i := range list {
		s := combineLast(tokens[i], lens[i])
		list[i].DisplayPath = &s
	}
}

// splitSlashes splits on runs of '/' or '\', as Java's split("[\\\\/]+")
// does, dropping trailing empty strings but keeping a leading one.
func splitSlashes(p string) []string {
	f := strings.FieldsFunc(p, func(r rune) bool { return r == '/' || r == '\\' })
	if p != "" && (p[0] == '/' || p[0] == '\\') {
		f = append([]string{""}, f...)
	}
	return f
}

func combineLast(tokens []string, n int) string {
	var b strings.Builder
	for i := max(0, len(tokens)-n); i < len(tokens); i++ {
		if b.Len() > 0 {
			b.WriteByte('/')
		}
		b.WriteString(tokens[i])
	}
	return b.String()
}

// Export returns the artifacts as the "artifacts" property of a build's
// api/json: hudson.model.Run$Artifact objects (written without _class)
// with displayPath, fileName and relativePath, each of visibility 3.
func Export(list []Entry) []*export.Object {
	out := make([]*export.Object, len(list))
	for i, e := range list {
		var dp any
		if e.DisplayPath != nil {
			dp = *e.DisplayPath
		}
		out[i] = &export.Object{Props: []export.Prop{
			{Name: "displayPath", Vis: 3, Value: dp},
			{Name: "fileName", Vis: 3, Value: e.FileName},
			{Name: "relativePath", Vis: 3, Value: e.RelativePath},
		}}
	}
	return out
}
