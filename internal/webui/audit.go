package webui

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/audit"
	"github.com/jeeves-ci/jeeves/internal/authz"
	"github.com/jeeves-ci/jeeves/internal/request"
)

// auditRow is one entry of the audit page: the entry, and the name of
// the token it was made with.
type auditRow struct {
	audit.Entry
	// Token names the entry's API token: the name recorded with it,
	// else the token's current name, else "a revoked token"; "" when
	// the entry was not made with a token.
	Token string
}

// AuditPage is /manage/audit/: the audit log, newest first, filtered by
// user and action, 100 entries a page. A token is named by its name,
// its UUID on hover.
func (ui *UI) AuditPage(c *request.Call) error {
	if err := c.Require(authz.Administer); err != nil {
		return err
	}
	if ui.audit == nil {
		return request.NewError(http.StatusNotFound, "The audit log is off")
	}
	v := c.R.URL.Query()
	q := audit.Query{User: strings.TrimSpace(v.Get("user")), Action: strings.TrimSpace(v.Get("action")), Limit: 100}
	if n, err := strconv.Atoi(v.Get("offset")); err == nil && n > 0 {
		q.Offset = n // else the first page
	}
	entries, total, err := ui.audit.Find(q)
	if err != nil {
		return err
	}
	rows, err := ui.nameTokens(c.Ctx(), entries)
	if err != nil {
		return err
	}
	link := func(offset int) string {
		u := url.Values{}
		if q.User != "" {
			u.Set("user", q.User)
		}
		if q.Action != "" {
			u.Set("action", q.Action)
		}
		u.Set("offset", strconv.Itoa(offset))
		return c.Root + "manage/audit/?" + u.Encode()
	}
	data := map[string]any{"Q": q, "Entries": rows, "Total": total}
	if q.Offset > 0 {
		data["Prev"] = link(max(0, q.Offset-q.Limit))
	}
	if q.Offset+len(entries) < total {
		data["Next"] = link(q.Offset + q.Limit)
	}
	return ui.render(c, http.StatusOK, "audit", page{Title: "Audit log", Trail: []trail{{"Manage jeeves", c.Root + "manage/"}, {"Audit log", c.Root + "manage/audit/"}}, P: data})
}

// revokedToken names a token an entry records by UUID only (an entry
// written before names were recorded) that no longer exists.
const revokedToken = "a revoked token"

// nameTokens names the tokens of entries: by the name recorded with the
// entry, else by the token's current name, read once per user.
func (ui *UI) nameTokens(ctx context.Context, entries []audit.Entry) ([]auditRow, error) {
	tokens := map[string]map[string]string{} // user → uuid → name
	rows := make([]auditRow, len(entries))
	for i, e := range entries {
		rows[i] = auditRow{Entry: e, Token: e.TokenName}
		if e.TokenUUID == "" || e.TokenName != "" {
			continue
		}
		names, ok := tokens[e.User]
		if !ok {
			names = map[string]string{}
			list, err := ui.auth.Tokens(ctx, e.User)
			if ignoreGone(err) != nil {
				return nil, err
			}
			for _, t := range list {
				names[t.UUID] = t.Name
			}
			tokens[e.User] = names
		}
		rows[i].Token = names[e.TokenUUID]
		if rows[i].Token == "" {
			rows[i].Token = revokedToken
		}
	}
	return rows, nil
}
