package api

import (
	"bytes"
	neturl "net/url"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/export"
	"github.com/jeeves-ci/jeeves/internal/jobs"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/request"
)

// itemsProp is a "jobs" property listing the items items returns, which
// is called only if the property is written.
func (a *API) itemsProp(c *request.Call, items func() []*model.Job) export.Prop {
	return export.Prop{Name: "jobs", Vis: 1, Value: export.Pruned(func(minVis int) any {
		return a.itemObjects(c, items(), minVis)
	})}
}

// itemObjects lists items for a "jobs" property. minVis is the least
// visibility that will be written (export.Pruned): a listing at the
// default depth shows only each item's class, name, url and colour, so
// only those are built — the root's api/json lists every job.
func (a *API) itemObjects(c *request.Call, items []*model.Job, minVis int) any {
	if minVis >= itemSummaryVis {
		// A listing at the default depth is a summary per item, whose
		// encoding is kept (encodedItem): the root's api/json lists every
		// job, and encoding them was most of its cost. Memos are
		// allocated together.
		memos := make([]itemMemo, len(items))
		out := make([]any, 0, len(items))
		for i, j := range items {
			if c.CanSee(j) {
				m := &memos[i]
				m.a, m.c, m.j = a, c, j
				if !jobs.IsFolder(j) {
					m.color = j.Color()
				}
				out = append(out, m)
			}
		}
		return out
	}
	out := make([]*export.Object, 0, len(items))
	for _, j := range items {
		if c.CanSee(j) {
			out = append(out, a.itemObject(c, j))
		}
	}
	return out
}

// itemMemo is one item of a listing at the default depth: its summary,
// whose encoding is kept between requests. Whether the caller may see
// the item is decided before, at every request; the kept bytes are only
// used for the very summary the item has now (same name, kind, colour
// and root URL), so they cannot show anything stale.
type itemMemo struct {
	a     *API
	c     *request.Call
	j     *model.Job
	color string // "" for a folder
}

// encodedItem is an item summary's encoding, kept per item (one form at
// a time, so the memory is bounded by the number of items).
type encodedItem struct {
	form       export.Form
	name, root string
	folder     bool
	color      string
	encoded    []byte
}

func (m *itemMemo) Object() *export.Object {
	return m.a.itemSummary(m.c, m.j, new(export.Object), make([]export.Prop, 0, 3))
}

func (m *itemMemo) Encoding(f export.Form) []byte {
	v, ok := m.a.encodedItems.Load(m.j.ID)
	if !ok {
		return nil
	}
	e := v.(*encodedItem)
	if e.form != f || e.name != m.j.Name || e.root != m.c.Root || e.folder != jobs.IsFolder(m.j) || e.color != m.color {
		return nil
	}
	return e.encoded
}

func (m *itemMemo) Keep(f export.Form, b []byte) {
	m.a.encodedItems.Store(m.j.ID, &encodedItem{
		form: f, name: m.j.Name, root: m.c.Root, folder: jobs.IsFolder(m.j), color: m.color,
		encoded: bytes.Clone(b),
	})
}

// itemSummaryVis: properties below this visibility are not in an
// itemSummary. jobObject and folderObject give it to name, url and colour.
const itemSummaryVis = 2

// itemSummary is itemObject with only its properties of visibility
// itemSummaryVis and up, in the same order, written into o with props
// (room for three) as its properties.
func (a *API) itemSummary(c *request.Call, j *model.Job, o *export.Object, props []export.Prop) *export.Object {
	var url string
	if strings.Contains(j.Name, "/") {
		url = c.Root + jobPath(j.Name)
	} else { // jobPath's answer in one concatenation
		url = c.Root + "job/" + neturl.PathEscape(j.Name) + "/"
	}
	props = append(props, propVis("name", 999, j.BaseName()), propVis("url", 999, url))
	if jobs.IsFolder(j) {
		*o = export.Object{Class: "com.cloudbees.hudson.plugins.folder.Folder", Props: props}
		return o
	}
	*o = export.Object{Class: "hudson.model.FreeStyleProject", Props: append(props, propVis("color", 2, j.Color()))}
	return o
}

// itemObject is a job's or a folder's API object.
func (a *API) itemObject(c *request.Call, j *model.Job) *export.Object {
	if jobs.IsFolder(j) {
		return a.FolderObject(c, j)
	}
	return a.JobObject(c, j)
}

// FolderObject is a folder's API object; unlike a job's it has jobs.
func (a *API) FolderObject(c *request.Call, f *model.Job) *export.Object {
	url := c.Root + jobPath(f.Name)
	all := a.ViewObject(c, "hudson.model.AllView", "All", url, func() []*model.Job { return nil })
	return newObject("com.cloudbees.hudson.plugins.folder.Folder",
		prop("actions", []*export.Object{}),
		prop("description", f.Config.Description),
		prop("displayName", f.BaseName()),
		prop("displayNameOrNull", nil),
		prop("fullDisplayName", strings.ReplaceAll(f.Name, "/", " » ")),
		prop("fullName", f.Name),
		propVis("name", 999, f.BaseName()),
		propVis("url", 999, url),
		prop("healthReport", []*export.Object{}),
		a.itemsProp(c, func() []*model.Job { return a.jobs.Children(f.Name) }),
		prop("primaryView", all),
		prop("views", []*export.Object{all}),
	)
}
