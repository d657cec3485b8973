// Package downstream starts a job's downstream projects when one of its
// builds ends (hudson.tasks.BuildTrigger). It subscribes to the
// executor's end of steps, so that what it did is written in the
// upstream build's console before its "Finished:" line, as Jenkins's
// BuildTrigger, a publisher, writes it inside the build.
package downstream

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jeeves-ci/jeeves/internal/executor"
	"github.com/jeeves-ci/jeeves/internal/jobs"
	"github.com/jeeves-ci/jeeves/internal/model"
)

// Permits reports whether by may see job (Job/Read: otherwise the job
// does not exist for them) and start it (Job/Build). by is nil for a
// build whose authority was never recorded; it is judged as anonymous.
type Permits func(by *model.Authority, job *model.Job) (see, build bool)

// Jobs finds jobs: the jobs service.
type Jobs interface {
	ByID(id int64) (*model.Job, error)
	Get(fullName string) (*model.Job, error)
}

// Queue schedules builds: the waiting queue.
type Queue interface {
	Schedule(ctx context.Context, job *model.Job, cause model.Cause, by *model.Authority, params []model.ParamValue, quiet *time.Duration) (*model.QueueItem, bool, error)
}

// Trigger starts downstream projects.
type Trigger struct {
	jobs    Jobs
	queue   Queue
	permits Permits
	log     *slog.Logger
}

// New returns the trigger. When permits is nil, no build triggers any
// downstream project.
func New(js Jobs, q Queue, permits Permits, log *slog.Logger) *Trigger {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Trigger{jobs: js, queue: q, permits: permits, log: log}
}

// StepsDone schedules the job's downstream projects when the result is
// at least its threshold, each only if the build's authority may build
// it, and says on the console what it did with each, as Jenkins's
// BuildTrigger.execute does. Project names are relative to the job's
// folder, or absolute with a "/". Subscribe it with
// executor.OnStepsDone.
func (t *Trigger) StepsDone(ctx context.Context, ev *executor.StepsDone) {
	job, by, log := ev.Job, ev.By, ev.Console
	cfg := job.Config
	if cfg.Threshold == "" || len(cfg.Children) == 0 || ev.Result.Rank() > cfg.Threshold.Rank() {
		return
	}
	// The job may have been renamed while it ran: use its current name.
	if cur, err := t.jobs.ByID(job.ID); err == nil {
		job = cur
	}
	if by == nil {
		fmt.Fprintln(log, "Warning: this build has no associated authentication (it was queued, or its job configured, before jeeves recorded who did), so downstream projects are triggered only if an anonymous user may build them; save the job's configuration again to fix this")
	}
	for _, name := range cfg.Children {
		name = strings.TrimSpace(name)
		child, err := t.jobs.Get(jobs.Resolve(job.Name, name))
		see, build := false, false
		if err == nil && t.permits != nil {
			see, build = t.permits(by, child)
		}
		switch {
		case !see:
			// The same words whether it does not exist or may not be
			// seen: the console tells no one what they cannot see.
			fmt.Fprintf(log, "No such project ‘%s’, or no permission to see it: not triggered\n", name)
		case !build:
			fmt.Fprintf(log, "You have no permission to build %s\n", child.Name)
		case jobs.IsFolder(child):
			fmt.Fprintf(log, "%s is not buildable\n", child.Name)
		case child.Config.Disabled:
			fmt.Fprintf(log, "%s is disabled. Triggering skipped\n", child.Name)
		default:
			cause := model.Cause{Kind: model.CauseUpstream, Project: job.Name, Build: ev.Build.Number}
			_, created, err := t.queue.Schedule(ctx, child, cause, by, model.DefaultParams(child.Config.Params), nil)
			switch {
			case err != nil:
				t.log.Error("cannot trigger downstream project", "job", job.Name, "downstream", child.Name, "err", err)
				fmt.Fprintf(log, "ERROR: cannot trigger %s: %v\n", child.Name, err)
			case created:
				fmt.Fprintf(log, "Triggering a new build of %s\n", child.Name)
			default:
				fmt.Fprintf(log, "%s is already in the queue\n", child.Name)
			}
		}
	}
}
