package webui

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/authz"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/request"
	"github.com/jeeves-ci/jeeves/internal/timespan"
)

// History and navigation: the job page's build history, paged back to
// the first build as Jenkins's history widget pages it (older-than,
// newer-than), the full history page, a build's previous and next
// builds, a job's permalinks, and the search box (Jenkins's Search:
// /search/?q= and /search/suggest?query=).

// Page sizes of the history.
const (
	historyWidgetSize = 30 // the job page's
	historyPageSize   = 50 // the full history page's
)

// historyPager is one page of a job's history with the links to the
// pages beside it ("" where there is none).
type historyPager struct {
	URL                  string // the job's
	Rows                 []historyRow
	Newer, Older, Newest string
	Full                 string // the full history page
}

// pagingParam reads a build number a history link carries; 0 when it
// names none.
func pagingParam(q url.Values, name string) int64 {
	n, err := strconv.ParseInt(q.Get(name), 10, 64)
	if err != nil || n <= 0 {
		return 0
	}
	return n
}

// historyOf reads the page of job's history that the request's
// older-than or newer-than names (the newest page without either), limit
// builds, and links the pages beside it from base (the page's URL). It
// reads one page, and a build number either side of it.
func (ui *UI) historyOf(c *request.Call, job *model.Job, base string, limit int) (historyPager, []*model.Build, error) {
	ctx := c.Ctx()
	q := c.R.URL.Query()
	older, newer := pagingParam(q, "older-than"), pagingParam(q, "newer-than")
	var bs []*model.Build
	var more bool
	var err error
	if newer > 0 && older == 0 {
		bs, more, err = ui.builds.PageAfter(ctx, job.ID, newer, limit)
	} else {
		bs, more, err = ui.builds.Page(ctx, job.ID, older, limit)
	}
	if err != nil {
		return historyPager{}, nil, err
	}
	p := historyPager{URL: c.Root + jobPath(job.Name), Full: c.Root + jobPath(job.Name) + "builds"}
	link := func(param string, n int64) string { return base + "?" + param + "=" + strconv.FormatInt(n, 10) }
	if len(bs) > 0 {
		first, last := bs[0].Number, bs[len(bs)-1].Number
		hasNewer, hasOlder := more && newer > 0, more && newer == 0
		if newer > 0 || older > 0 {
			// The side the page was reached from: is there a build there?
			prev, next, err := ui.builds.Adjacent(ctx, job.ID, map[bool]int64{true: first, false: last}[newer == 0])
			if err != nil {
				return historyPager{}, nil, err
			}
			if newer == 0 {
				hasNewer = next != 0
			} else {
				hasOlder = prev != 0
			}
		}
		if hasNewer {
			p.Newer, p.Newest = link("newer-than", first), base
		}
		if hasOlder {
			p.Older = link("older-than", last)
		}
	} else if newer > 0 || older > 0 {
		p.Newest = base
	}
	for _, b := range bs {
		if r, ok := ui.farm.Running(b.JobID, b.Number); ok {
			b = &r
		}
		color := b.Result.Color()
		if b.Building {
			color = "grey_anime"
		}
		p.Rows = append(p.Rows, historyRow{Number: b.Number, Color: color, StartedAt: b.StartedAt, Duration: b.Duration, Building: b.Building})
	}
	return p, bs, nil
}

// BuildHistoryPage is /job/NAME/builds: the job's whole history, a page
// at a time, newest first.
func (ui *UI) BuildHistoryPage(c *request.Call, job *model.Job) error {
	u := c.Root + jobPath(job.Name)
	p, bs, err := ui.historyOf(c, job, u+"builds", historyPageSize)
	if err != nil {
		return err
	}
	descs := map[int64]string{}
	live := ""
	for _, b := range bs {
		descs[b.Number] = b.Description
		if b.Building {
			live = liveBusy
		}
	}
	return ui.render(c, http.StatusOK, "history", page{Title: job.Name + " Build History", Live: live, Trail: append(jobTrail(c, job.Name), trail{"Build History", u + "builds"}), P: map[string]any{
		"Name": job.Name, "URL": u, "Pager": p, "Descriptions": descs,
	}})
}

// permalink is one of a job's permalinks as its page lists them.
type permalink struct {
	Words, URL string
	Number     int64
	Ago        string
}

// permalinkWords are the permalinks the job page lists, in Jenkins's
// order and words (PermalinkProjectAction.Permalink.BUILTIN).
var permalinkWords = []struct {
	link  model.Permalink
	words string
}{
	{model.LastBuild, "Last build"},
	{model.LastStableBuild, "Last stable build"},
	{model.LastSuccessfulBuild, "Last successful build"},
	{model.LastFailedBuild, "Last failed build"},
	{model.LastUnstableBuild, "Last unstable build"},
	{model.LastUnsuccessfulBuild, "Last unsuccessful build"},
	{model.LastCompletedBuild, "Last completed build"},
}

// permalinks lists the job's permalinks that name a build: one index
// seek and one read each.
func (ui *UI) permalinks(ctx context.Context, c *request.Call, job *model.Job) ([]permalink, error) {
	if job.Status.LastNumber == 0 {
		return nil, nil
	}
	var out []permalink
	for _, p := range permalinkWords {
		b, err := ui.builds.PermalinkBuild(ctx, job.ID, p.link)
		if ignoreGone(err) != nil {
			return nil, err
		}
		if b == nil {
			continue
		}
		n := strconv.FormatInt(b.Number, 10)
		out = append(out, permalink{Words: p.words, Number: b.Number, URL: c.Root + jobPath(job.Name) + n + "/", Ago: timespan.Ago(b.StartedAt)})
	}
	return out, nil
}

// buildNav is a build's previous and next builds (0: none).
type buildNav struct {
	Prev, Next int64
	URL        string // the job's
}

// navOf is b's previous and next builds.
func (ui *UI) navOf(c *request.Call, job *model.Job, b *model.Build) (buildNav, error) {
	prev, next, err := ui.builds.Adjacent(c.Ctx(), job.ID, b.Number)
	return buildNav{Prev: prev, Next: next, URL: c.Root + jobPath(job.Name)}, err
}

// searchHit is one thing the search finds.
type searchHit struct {
	Name, URL, Group string
	exact, prefix    bool
}

// searchFor finds what the caller may see whose name holds query,
// without case: items (by full name, or by their own name), views and
// nodes, as Jenkins's search index holds them; the closest first.
func (ui *UI) searchFor(c *request.Call, query string) []searchHit {
	query = strings.TrimSpace(query)
	if query == "" {
		return nil
	}
	lq := strings.ToLower(query)
	var hits []searchHit
	add := func(name, base, u, group string) {
		ln, lb := strings.ToLower(name), strings.ToLower(base)
		if !strings.Contains(ln, lq) {
			return
		}
		hits = append(hits, searchHit{Name: name, URL: u, Group: group, exact: ln == lq || lb == lq, prefix: strings.HasPrefix(ln, lq) || strings.HasPrefix(lb, lq)})
	}
	for _, j := range ui.jobs.List() {
		if c.CanSee(j) {
			add(j.Name, j.BaseName(), "/"+jobPath(j.Name), "Items")
		}
	}
	if ui.views != nil && c.HasOn(nil, authz.ViewRead) {
		for _, v := range ui.views.List() {
			add(v.Name, v.Name, "/view/"+url.PathEscape(v.Name)+"/", "Views")
		}
	}
	if ui.nodes != nil {
		for _, n := range ui.nodes.List() {
			add(n.Name, n.Name, "/computer/"+url.PathEscape(n.Name)+"/", "Nodes")
		}
	}
	sort.SliceStable(hits, func(a, b int) bool {
		x, y := hits[a], hits[b]
		if x.exact != y.exact {
			return x.exact
		}
		if x.prefix != y.prefix {
			return x.prefix
		}
		if len(x.Name) != len(y.Name) {
			return len(x.Name) < len(y.Name)
		}
		return strings.ToLower(x.Name) < strings.ToLower(y.Name)
	})
	return hits
}

// maxQuery bounds what the search reads of a query.
const maxQuery = 1 << 10

// Search is /search/?q=: Jenkins's search box. A query that names one
// item (its full name, or its own name when no other item has it), view
// or node exactly, without case, goes to it; otherwise the page lists
// what holds the query, and answers 404 as Jenkins's search-failed page
// does.
func (ui *UI) Search(c *request.Call) error {
	q := c.R.URL.Query().Get("q")
	if len(q) > maxQuery {
		return request.BadRequest("The query is longer than 1 KiB")
	}
	hits := ui.searchFor(c, q)
	var exact []searchHit
	for _, h := range hits {
		if strings.EqualFold(h.Name, strings.TrimSpace(q)) {
			exact = append([]searchHit{h}, exact...) // a full name wins
		} else if h.exact {
			exact = append(exact, h)
		}
	}
	if len(exact) == 1 || len(exact) > 1 && strings.EqualFold(exact[0].Name, strings.TrimSpace(q)) {
		request.Redirect(c, c.Root+strings.TrimPrefix(exact[0].URL, "/"), http.StatusFound)
		return nil
	}
	more := len(hits) > maxSuggestions
	if more {
		hits = hits[:maxSuggestions]
	}
	status := http.StatusNotFound
	if strings.TrimSpace(q) == "" {
		status = http.StatusOK
	}
	return ui.render(c, status, "search", page{Title: "Search for '" + q + "'", Trail: []trail{{"Search", c.Root + "search/"}}, P: map[string]any{
		"Query": q, "Hits": hits, "More": more,
	}})
}

// Suggest is /search/suggest?query=: what the search box offers as it
// is typed, as Jenkins's Search.doSuggest answers it:
// {"suggestions":[{"name","url","type","group"}]}, the closest first.
func (ui *UI) Suggest(c *request.Call) error {
	q := c.R.URL.Query().Get("query")
	if len(q) > maxQuery {
		return request.BadRequest("The query is longer than 1 KiB")
	}
	out := []suggestion{}
	for _, h := range ui.searchFor(c, q) {
		if len(out) >= maxSuggestions {
			break
		}
		out = append(out, suggestion{Name: h.Name, URL: h.URL, Type: "symbol", Group: h.Group})
	}
	c.W.Header().Set("Cache-Control", "no-cache,no-store,must-revalidate")
	return request.WriteJSON(c, struct {
		Class       string       `json:"_class"`
		Suggestions []suggestion `json:"suggestions"`
	}{"hudson.search.Search$Result", out})
}
