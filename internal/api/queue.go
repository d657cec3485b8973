package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/authz"
	"github.com/jeeves-ci/jeeves/internal/export"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/queue"
	"github.com/jeeves-ci/jeeves/internal/request"
	"github.com/jeeves-ci/jeeves/internal/store"
)

// CancelItem is /queue/cancelItem?id=N and /queue/item/N/cancelQueue.
// Jenkins answers 204, which clients mishandle (python-jenkins reads it
// as an empty answer): jeeves answers with the redirect every other
// action answers with, to the item's JSON.
func (a *API) CancelItem(c *request.Call, id int64) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	// Job/Cancel on the item's job. An item the caller cannot see and
	// one that does not exist get the same answer, before any permission
	// is checked, so the answer does not tell them apart.
	notFound := request.NewError(http.StatusNotFound, fmt.Sprintf("Provided id (%d) not found", id))
	w, err := a.farm.Item(c.Ctx(), id)
	if errors.Is(err, store.ErrNotFound) {
		return notFound
	}
	if err != nil {
		return err
	}
	if !c.CanSeeQueued(&w.Item) {
		return notFound
	}
	c.Item = a.jobByID(w.Item.JobID)
	if err := c.Require(authz.ItemCancel); err != nil {
		return err
	}
	if err := a.farm.Cancel(c.Ctx(), id); errors.Is(err, store.ErrNotFound) {
		return request.NewError(http.StatusNotFound, fmt.Sprintf("Provided id (%d) not found", id))
	} else if err != nil {
		return err
	}
	if c.Item != nil {
		c.Notify("Cancelled ‘" + c.Item.Name + "’ in the queue")
	}
	api := c.Root + "queue/item/" + strconv.FormatInt(id, 10) + "/api/json"
	return request.RedirectAfterPost(c, c.Root, api)
}

// QueueObject is the queue's API object: the items the caller may see.
func (a *API) QueueObject(c *request.Call) *export.Object {
	items := a.farm.Items()
	list := make([]*export.Object, 0, len(items))
	for i := range items {
		if c.CanSeeQueued(&items[i].Item) {
			list = append(list, a.QueueItemObject(c, &items[i], true))
		}
	}
	return newObject("hudson.model.Queue",
		prop("discoverableItems", []*export.Object{}),
		export.Prop{Name: "items", Vis: 1, Inline: true, Value: list},
	)
}

func itemClass(w *queue.Waiting) string {
	switch {
	case w.Item.State == model.QueueLeft:
		return "hudson.model.Queue$LeftItem"
	case !w.Ready:
		return "hudson.model.Queue$WaitingItem"
	case w.Blocked:
		return "hudson.model.Queue$BlockedItem"
	}
	return "hudson.model.Queue$BuildableItem"
}

// ItemXMLRoot is the element an XML answer of a queue item is written
// under: its class's simple name, decapitalized ("waitingItem").
func ItemXMLRoot(w *queue.Waiting) string {
	c := itemClass(w)
	c = c[strings.LastIndex(c, "$")+1:]
	return strings.ToLower(c[:1]) + c[1:]
}

// QueueItemObject is a queue item's API object; withActions is false
// where Jenkins leaves actions out (a job's queueItem).
func (a *API) QueueItemObject(c *request.Call, w *queue.Waiting, withActions bool) *export.Object {
	it := &w.Item
	var props []export.Prop
	if withActions {
		causes := make([]*export.Object, len(it.Causes))
		for i, cause := range it.Causes {
			causes[i] = causeObject(c.VisibleCause(cause))
		}
		actions := []*export.Object{newObject("hudson.model.CauseAction", propVis("causes", 2, causes))}
		if len(it.Params) > 0 {
			vals := make([]*export.Object, len(it.Params))
			for i, v := range it.Params {
				vals[i] = paramValueObject(v)
			}
			actions = append(actions, newObject("hudson.model.ParametersAction", propVis("parameters", 2, vals)))
		}
		props = append(props, prop("actions", actions))
	}
	var params strings.Builder
	for _, v := range it.Params {
		val := v.Value
		if v.Kind == model.ParamPassword {
			val = "****"
		}
		params.WriteString("\n" + v.Name + "=" + val)
	}
	left := it.State == model.QueueLeft
	var why any
	if !left {
		why = w.Why
	}
	// task.name is the job's own name (Job.getName), not its full name.
	task := newObject("hudson.model.FreeStyleProject", propVis("name", 999, it.JobName[strings.LastIndex(it.JobName, "/")+1:]), propVis("url", 999, c.Root+jobPath(it.JobName)))
	if j, ok := a.jobs.Shared(it.JobID); ok {
		task.Props = append(task.Props, export.Prop{Name: "color", Vis: 2, Value: export.Lazy(func() any { return j.Color() })})
	}
	props = append(props,
		prop("blocked", w.Blocked),
		prop("buildable", !left && w.Ready && !w.Blocked),
		propVis("id", 999, it.ID),
		prop("inQueueSince", it.EnqueuedAt.UnixMilli()),
		prop("params", params.String()),
		prop("stuck", false),
		prop("task", task),
		prop("url", "queue/item/"+strconv.FormatInt(it.ID, 10)+"/"),
		prop("why", why),
	)
	switch itemClass(w) {
	case "hudson.model.Queue$WaitingItem":
		props = append(props, prop("timestamp", it.DueAt.UnixMilli()))
	case "hudson.model.Queue$BlockedItem":
		props = append(props, prop("buildableStartMilliseconds", it.DueAt.UnixMilli()))
	case "hudson.model.Queue$BuildableItem":
		props = append(props, prop("buildableStartMilliseconds", it.DueAt.UnixMilli()), prop("pending", false))
	case "hudson.model.Queue$LeftItem":
		var exe any
		if !it.Cancelled && it.BuildNumber > 0 {
			if j, err := a.jobs.ByID(it.JobID); err == nil {
				exe = a.buildRef(c, j, it.BuildNumber, nil)
			} else {
				exe = newObject("hudson.model.FreeStyleBuild", propVis("number", 999, it.BuildNumber),
					propVis("url", 2, c.Root+jobPath(it.JobName)+strconv.FormatInt(it.BuildNumber, 10)+"/"))
			}
		}
		props = append(props, prop("cancelled", it.Cancelled), prop("executable", exe))
	}
	return newObject(itemClass(w), props...)
}
