package request

import (
	"context"
	"errors"
	"log/slog"

	"github.com/jeeves-ci/jeeves/internal/auth"
	"github.com/jeeves-ci/jeeves/internal/authz"
	"github.com/jeeves-ci/jeeves/internal/configxml"
	"github.com/jeeves-ci/jeeves/internal/downstream"
	"github.com/jeeves-ci/jeeves/internal/jobs"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/store"
)

// Downstream projects (hudson.tasks.BuildTrigger) obey permissions, as in
// Jenkins's BuildTrigger: whoever saves a job's configuration must be
// able to build each project it names (checked at save, by
// CheckDownstream), and a build triggers a project only if whom it acts
// for may build it (checked when it ends, by internal/downstream through
// TriggerPermits).

// Authority is whom a build the caller starts acts for: the user, with
// the limits of the API token they used; anonymous has no user.
func (c *Call) Authority() *model.Authority {
	a := &model.Authority{}
	if c.ID.User != nil {
		a.User = c.ID.User.ID
	}
	if c.ID.Method == auth.Token {
		a.Scopes, a.Jobs = c.ID.Scopes, c.ID.Jobs
	}
	return a
}

// CheckDownstream refuses a configuration for the item fullName whose
// BuildTrigger names a project the caller may see but not build, with
// Jenkins's words (BuildTrigger.DescriptorImpl.doCheck). A name that
// matches nothing the caller may see is accepted, as Jenkins accepts it
// in config.xml: the project may be created after the job naming it
// (Jenkins Job Builder creates jobs in name order), and refusing would
// tell the caller that a job hidden from them exists. The check when the
// build ends covers those names.
func (c *Call) CheckDownstream(fullName string, xml []byte) error {
	cfg, err := configxml.Parse(xml)
	if err != nil || cfg.Threshold == "" {
		return nil // a bad config.xml is refused by the jobs service, with its reason
	}
	for _, name := range cfg.Children {
		child, err := c.perms.jobs.Get(jobs.Resolve(fullName, name))
		if err != nil || !c.CanSee(child) || jobs.IsFolder(child) {
			continue
		}
		if !c.HasOn(child, authz.ItemBuild) {
			return BadRequest("You have no permission to build " + child.Name + ", which this job's BuildTrigger (childProjects) names")
		}
	}
	return nil
}

// TriggerPermits is internal/downstream's check of what a finished
// build may trigger: the permissions of whom it acts for, exactly as a
// request from them would be judged (the strategy's answer, ANDed with
// their token's scopes and job glob). An authority that was never
// recorded, or whose user no longer exists, is judged as anonymous.
func TriggerPermits(au *auth.Service, perms *Perms, log *slog.Logger) downstream.Permits {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return func(by *model.Authority, job *model.Job) (see, build bool) {
		c := &Call{perms: perms, ID: auth.Identity{Method: auth.Anonymous}}
		if by != nil && by.User != "" {
			u, err := au.User(context.Background(), by.User)
			switch {
			case err == nil:
				c.ID = auth.Identity{User: u, Method: auth.Password}
				if len(by.Scopes) > 0 || by.Jobs != "" {
					c.ID = auth.Identity{User: u, Method: auth.Token, Scopes: by.Scopes, Jobs: by.Jobs}
				}
			case !errors.Is(err, store.ErrNotFound):
				log.Error("cannot look up whom a build acts for; not triggering", "user", by.User, "downstream", job.Name, "err", err)
				return false, false
			}
		}
		return c.CanSee(job), c.HasOn(job, authz.ItemBuild)
	}
}
