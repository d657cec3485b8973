package server

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/export"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/queue"
	"github.com/jeeves-ci/jeeves/internal/request"
	"github.com/jeeves-ci/jeeves/internal/store"
)

// walkQueue serves /queue/… (§4.9).
func (s *Server) walkQueue(c *request.Call, p []string) error {
	if len(p) == 0 {
		return request.NotFound()
	}
	if ok, err := dispatch(s, c, rootObj{}, p, walkQueueMethods); ok {
		return err
	}
	switch p[0] {
	case "api":
		return s.serveAPI(c, p, "queue", s.queueObject(c))
	case "item":
		if len(p) < 2 {
			return request.NotFound()
		}
		id, err := strconv.ParseInt(p[1], 10, 64)
		if err != nil {
			return request.NotFound()
		}
		w, err := s.queue.Item(c.Ctx(), id)
		if errors.Is(err, store.ErrNotFound) {
			return request.NotFound()
		}
		if err != nil {
			return err
		}
		if !c.CanSeeQueued(&w.Item) {
			return request.NotFound()
		}
		return s.walkQueueItem(c, w, p[2:])
	}
	return request.NotFound()
}

// walkQueueMethods are the queue's web methods (Queue's doCancelItem).
func walkQueueMethods(name string) webMethod[rootObj] {
	switch name {
	case "cancelItem":
		return func(s *Server, c *request.Call, _ rootObj) error {
			if err := request.ParseForm(c); err != nil {
				return err
			}
			id, err := strconv.ParseInt(c.R.FormValue("id"), 10, 64)
			if err != nil {
				if err := request.RequirePOST(c); err != nil {
					return err
				}
				return request.NotFound()
			}
			return s.cancelItem(c, id)
		}
	}
	return nil
}

// walkQueueItem serves /queue/item/N/…: a short text, the API and the
// item's cancelQueue method.
func (s *Server) walkQueueItem(c *request.Call, w *queue.Waiting, p []string) error {
	if len(p) == 0 {
		c.W.Header().Set("Content-Type", "text/plain;charset=utf-8")
		fmt.Fprintf(c.W, "Queue item exists. For details check, for example, %squeue/item/%d/api/json?tree=cancelled,executable[url]\n", c.Root, w.Item.ID)
		return nil
	}
	if ok, err := dispatch(s, c, w, p, walkQueueItemMethods); ok {
		return err
	}
	if p[0] == "api" {
		return s.serveAPI(c, p, itemXMLRoot(w), s.queueItemObject(c, w, true))
	}
	return request.NotFound()
}

// walkQueueItemMethods are a queue item's web methods (doCancelQueue).
func walkQueueItemMethods(name string) webMethod[*queue.Waiting] {
	switch name {
	case "cancelQueue":
		return func(s *Server, c *request.Call, w *queue.Waiting) error { return s.cancelItem(c, w.Item.ID) }
	}
	return nil
}

// cancelItem is /queue/cancelItem?id=N and /queue/item/N/cancelQueue.
// Jenkins answers 204, which every client mishandles (clients.md rule 6):
// jeeves answers with the redirect of rule 5 to the item's JSON instead.
func (s *Server) cancelItem(c *request.Call, id int64) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	// Job/Cancel on the item's job. An item the caller cannot see and
	// one that does not exist get the same answer, before any permission
	// is checked, so the answer does not tell them apart.
	notFound := request.NewError(http.StatusNotFound, fmt.Sprintf("Provided id (%d) not found", id))
	w, err := s.queue.Item(c.Ctx(), id)
	if errors.Is(err, store.ErrNotFound) {
		return notFound
	}
	if err != nil {
		return err
	}
	if !c.CanSeeQueued(&w.Item) {
		return notFound
	}
	c.Item = s.jobByID(w.Item.JobID)
	if err := c.Require(permCancel); err != nil {
		return err
	}
	if err := s.queue.Cancel(c.Ctx(), id); errors.Is(err, store.ErrNotFound) {
		return request.NewError(http.StatusNotFound, fmt.Sprintf("Provided id (%d) not found", id))
	} else if err != nil {
		return err
	}
	api := c.Root + "queue/item/" + strconv.FormatInt(id, 10) + "/api/json"
	return request.RedirectAfterPost(c, c.Root, api)
}

func (s *Server) queueObject(c *request.Call) *export.Object {
	items := s.queue.Items()
	list := make([]*export.Object, 0, len(items))
	for i := range items {
		if c.CanSeeQueued(&items[i].Item) {
			list = append(list, s.queueItemObject(c, &items[i], true))
		}
	}
	return obj("hudson.model.Queue",
		p("discoverableItems", []*export.Object{}),
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

func itemXMLRoot(w *queue.Waiting) string {
	c := itemClass(w)
	c = c[strings.LastIndex(c, "$")+1:]
	return strings.ToLower(c[:1]) + c[1:]
}

// queueItemObject is a queue item's API object; withActions is false
// where Jenkins leaves actions out (a job's queueItem).
func (s *Server) queueItemObject(c *request.Call, w *queue.Waiting, withActions bool) *export.Object {
	it := &w.Item
	var props []export.Prop
	if withActions {
		causes := make([]*export.Object, len(it.Causes))
		for i, cause := range it.Causes {
			causes[i] = causeObject(c.VisibleCause(cause))
		}
		actions := []*export.Object{obj("hudson.model.CauseAction", pv("causes", 2, causes))}
		if len(it.Params) > 0 {
			vals := make([]*export.Object, len(it.Params))
			for i, v := range it.Params {
				vals[i] = paramValueObject(v)
			}
			actions = append(actions, obj("hudson.model.ParametersAction", pv("parameters", 2, vals)))
		}
		props = append(props, p("actions", actions))
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
	task := obj("hudson.model.FreeStyleProject", pv("name", 999, it.JobName[strings.LastIndex(it.JobName, "/")+1:]), pv("url", 999, c.Root+jobPath(it.JobName)))
	if j, err := s.jobs.ByID(it.JobID); err == nil {
		task.Props = append(task.Props, export.Prop{Name: "color", Vis: 2, Value: export.Lazy(func() any { return j.Color() })})
	}
	props = append(props,
		p("blocked", w.Blocked),
		p("buildable", !left && w.Ready && !w.Blocked),
		pv("id", 999, it.ID),
		p("inQueueSince", it.EnqueuedAt.UnixMilli()),
		p("params", params.String()),
		p("stuck", false),
		p("task", task),
		p("url", "queue/item/"+strconv.FormatInt(it.ID, 10)+"/"),
		p("why", why),
	)
	switch itemClass(w) {
	case "hudson.model.Queue$WaitingItem":
		props = append(props, p("timestamp", it.DueAt.UnixMilli()))
	case "hudson.model.Queue$BlockedItem":
		props = append(props, p("buildableStartMilliseconds", it.DueAt.UnixMilli()))
	case "hudson.model.Queue$BuildableItem":
		props = append(props, p("buildableStartMilliseconds", it.DueAt.UnixMilli()), p("pending", false))
	case "hudson.model.Queue$LeftItem":
		var exe any
		if !it.Cancelled && it.BuildNumber > 0 {
			if j, err := s.jobs.ByID(it.JobID); err == nil {
				exe = s.buildRef(c, j, it.BuildNumber, nil)
			} else {
				exe = obj("hudson.model.FreeStyleBuild", pv("number", 999, it.BuildNumber),
					pv("url", 2, c.Root+jobPath(it.JobName)+strconv.FormatInt(it.BuildNumber, 10)+"/"))
			}
		}
		props = append(props, p("cancelled", it.Cancelled), p("executable", exe))
	}
	return obj(itemClass(w), props...)
}

