package server

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/jeeves-ci/jeeves/internal/api"
	"github.com/jeeves-ci/jeeves/internal/queue"
	"github.com/jeeves-ci/jeeves/internal/request"
	"github.com/jeeves-ci/jeeves/internal/store"
)

// walkQueue serves /queue/… (hudson/model/Queue.java): its API, its
// items and their cancelling.
func (s *Server) walkQueue(c *request.Call, p []string) error {
	if len(p) == 0 {
		return request.NotFound()
	}
	if ok, err := dispatch(s, c, rootObj{}, p, walkQueueMethods); ok {
		return err
	}
	switch p[0] {
	case "api":
		return s.serveAPI(c, p, "queue", s.api.QueueObject(c))
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
			return s.api.CancelItem(c, id)
		}
	}
	return nil
}

// walkQueueItem serves /queue/item/N/…: a short text, the API and the
// item's cancelQueue method.
func (s *Server) walkQueueItem(c *request.Call, w *queue.Waiting, p []string) error {
	if len(p) == 0 {
		c.W.Header().Set("Content-Type", "text/plain;charset=utf-8")
		_, err := fmt.Fprintf(c.W, "Queue item exists. For details check, for example, %squeue/item/%d/api/json?tree=cancelled,executable[url]\n", c.Root, w.Item.ID)
		return err
	}
	if ok, err := dispatch(s, c, w, p, walkQueueItemMethods); ok {
		return err
	}
	if p[0] == "api" {
		return s.serveAPI(c, p, api.ItemXMLRoot(w), s.api.QueueItemObject(c, w, true))
	}
	return request.NotFound()
}

// walkQueueItemMethods are a queue item's web methods (doCancelQueue).
func walkQueueItemMethods(name string) webMethod[*queue.Waiting] {
	switch name {
	case "cancelQueue":
		return func(s *Server, c *request.Call, w *queue.Waiting) error { return s.api.CancelItem(c, w.Item.ID) }
	}
	return nil
}
