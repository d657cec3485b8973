package webui

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jeeves-ci/jeeves/internal/authz"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/request"
)

// People: a user's page (Jenkins's /user/NAME/).

// userBuildsShown is how many of a user's builds their page lists.
const userBuildsShown = 25

// userBuild is one build on a user's page.
type userBuild struct {
	Name, URL string
	Color     string
	StartedAt time.Time
}

// UserPage is /user/NAME/: Jenkins's user page: the user's name and
// description (which they and admins may edit), the builds they
// started that the caller may see, and their Security page for
// themself or an admin.
func (ui *UI) UserPage(c *request.Call, u *model.User) error {
	ctx := c.Ctx()
	desc, err := ui.auth.UserDescription(ctx, u.ID)
	if ignoreGone(err) != nil {
		return err
	}
	bs, err := ui.builds.ByUser(ctx, u.ID, userBuildsShown)
	if err != nil {
		return err
	}
	var rows []userBuild
	for _, b := range bs {
		j := ui.jobByID(b.JobID)
		if j == nil || !c.CanSee(j) {
			continue
		}
		if r, ok := ui.farm.Running(b.JobID, b.Number); ok {
			b = &r
		}
		color := b.Result.Color()
		if b.Building {
			color = "grey_anime"
		}
		n := strconv.FormatInt(b.Number, 10)
		rows = append(rows, userBuild{Name: j.Name + " #" + n, URL: c.Root + jobPath(j.Name) + n + "/", Color: color, StartedAt: b.StartedAt})
	}
	self := c.ID.User != nil && strings.EqualFold(c.ID.User.ID, u.ID)
	admin := c.ID.User != nil && c.HasOn(nil, authz.Administer)
	base := c.Root + "user/" + url.PathEscape(u.ID) + "/"
	return ui.render(c, http.StatusOK, "user", page{Title: u.DisplayName(), Trail: []trail{{u.DisplayName(), base}}, P: map[string]any{
		"ID": u.ID, "FullName": u.DisplayName(), "Email": u.Email, "Description": desc, "URL": base, "Builds": rows,
		"Self": self, "Admin": admin, "CanEdit": self || admin, "ShowEmail": self || admin, "Shown": userBuildsShown,
	}})
}
