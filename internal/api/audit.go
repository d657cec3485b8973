package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jeeves-ci/jeeves/internal/audit"
	"github.com/jeeves-ci/jeeves/internal/authz"
	"github.com/jeeves-ci/jeeves/internal/export"
	"github.com/jeeves-ci/jeeves/internal/request"
)

// AuditLogObject is /manage/audit/api/json (admins): entries newest
// first, filtered by user, action (a prefix) and time (since, until as
// RFC 3339 or Unix milliseconds), a page at a time (offset, limit ≤ 1000).
func (a *API) AuditLogObject(c *request.Call) (*export.Object, error) {
	if err := c.Require(authz.Administer); err != nil {
		return nil, err
	}
	if a.audit == nil {
		return nil, request.NewError(http.StatusNotFound, "The audit log is off")
	}
	v := c.R.URL.Query()
	q := audit.Query{User: v.Get("user"), Action: v.Get("action")}
	var err error
	if q.Since, err = auditTime(v.Get("since")); err != nil {
		return nil, request.BadRequest("since: " + err.Error())
	}
	if q.Until, err = auditTime(v.Get("until")); err != nil {
		return nil, request.BadRequest("until: " + err.Error())
	}
	for name, dst := range map[string]*int{"offset": &q.Offset, "limit": &q.Limit} {
		if raw := v.Get(name); raw != "" {
			n, err := strconv.Atoi(raw)
			if err != nil || n < 0 || name == "limit" && n > 1000 {
				return nil, request.BadRequest(name + " must be a number (limit at most 1000)")
			}
			*dst = n
		}
	}
	entries, total, err := a.audit.Find(q)
	if err != nil {
		return nil, err
	}
	list := make([]*export.Object, len(entries))
	for i, e := range entries {
		list[i] = newObject("",
			propVis("time", 2, e.Time.UnixMilli()), propVis("user", 2, e.User), propVis("auth", 2, e.Auth),
			propVis("tokenUuid", 2, nilIfEmpty(e.TokenUUID)), propVis("addr", 2, e.Addr), propVis("action", 2, e.Action),
			propVis("status", 2, e.Status), propVis("detail", 2, nilIfEmpty(e.Detail)))
	}
	return newObject("jeeves.AuditLog", prop("entries", list), prop("total", total), prop("offset", q.Offset)), nil
}

// auditTime reads since= and until=: RFC 3339, or Unix milliseconds;
// "" is no bound.
func auditTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.UnixMilli(ms), nil
	}
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(s))
	if err != nil {
		return t, err
	}
	return t, nil
}
