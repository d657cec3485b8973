package downstream

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/configxml"
	"github.com/jeeves-ci/jeeves/internal/executor"
	"github.com/jeeves-ci/jeeves/internal/model"
)

type fakeJobs map[string]*model.Job

func (f fakeJobs) Get(name string) (*model.Job, error) {
	if j, ok := f[name]; ok {
		return j, nil
	}
	return nil, errors.New("no such job")
}

func (f fakeJobs) ByID(id int64) (*model.Job, error) {
	for _, j := range f {
		if j.ID == id {
			return j, nil
		}
	}
	return nil, errors.New("no such job")
}

// fakeQueue schedules what it is asked, folding a second request for the
// same job, and refuses the job f/full.
type fakeQueue struct {
	scheduled []string
	causes    []model.Cause
	by        []*model.Authority
}

func (q *fakeQueue) Schedule(_ context.Context, job *model.Job, cause model.Cause, by *model.Authority, _ []model.ParamValue, _ *time.Duration) (*model.QueueItem, bool, error) {
	if job.Name == "f/full" {
		return nil, false, errors.New("jeeves is shutting down")
	}
	for _, s := range q.scheduled {
		if s == job.Name {
			return &model.QueueItem{}, false, nil
		}
	}
	q.scheduled = append(q.scheduled, job.Name)
	q.causes = append(q.causes, cause)
	q.by = append(q.by, by)
	return &model.QueueItem{}, true, nil
}

func TestStepsDone(t *testing.T) {
	up := &model.Job{ID: 1, Name: "f/up", Config: model.JobConfig{Threshold: model.Unstable, Children: []string{"a", " a ", "/top", "secret", "readonly", "sub", "off", "gone", "full"}}}
	js := fakeJobs{
		"f/up":       up,
		"f/a":        {ID: 2, Name: "f/a"},
		"top":        {ID: 3, Name: "top"},
		"f/secret":   {ID: 4, Name: "f/secret"},
		"f/readonly": {ID: 5, Name: "f/readonly"},
		"f/sub":      {ID: 6, Name: "f/sub", Config: model.JobConfig{Kind: configxml.KindFolder}},
		"f/off":      {ID: 7, Name: "f/off", Config: model.JobConfig{Disabled: true}},
		"f/full":     {ID: 8, Name: "f/full"},
	}
	permits := func(by *model.Authority, j *model.Job) (bool, bool) {
		return j.Name != "f/secret", j.Name != "f/readonly"
	}
	alice := &model.Authority{User: "alice"}
	cases := []struct {
		name      string
		result    model.Result
		by        *model.Authority
		permits   Permits
		console   string
		scheduled []string
	}{
		{name: "a build at its threshold triggers each child it may build, and says what it did with each",
			result: model.Unstable, by: alice, permits: permits, scheduled: []string{"f/a", "top"},
			console: "Triggering a new build of f/a\n" +
				"f/a is already in the queue\n" +
				"Triggering a new build of top\n" +
				"No such project ‘secret’, or no permission to see it: not triggered\n" +
				"You have no permission to build f/readonly\n" +
				"f/sub is not buildable\n" +
				"f/off is disabled. Triggering skipped\n" +
				"No such project ‘gone’, or no permission to see it: not triggered\n" +
				"ERROR: cannot trigger f/full: jeeves is shutting down\n"},
		{name: "a build below its threshold triggers nothing and says nothing", result: model.Failure, by: alice, permits: permits},
		{name: "without permits, no child is seen", result: model.Success, by: alice,
			console: "No such project ‘a’, or no permission to see it: not triggered\nNo such project ‘a’, or no permission to see it: not triggered\n" +
				"No such project ‘/top’, or no permission to see it: not triggered\nNo such project ‘secret’, or no permission to see it: not triggered\n" +
				"No such project ‘readonly’, or no permission to see it: not triggered\nNo such project ‘sub’, or no permission to see it: not triggered\n" +
				"No such project ‘off’, or no permission to see it: not triggered\nNo such project ‘gone’, or no permission to see it: not triggered\n" +
				"No such project ‘full’, or no permission to see it: not triggered\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := &fakeQueue{}
			var console bytes.Buffer
			New(js, q, c.permits, nil).StepsDone(context.Background(), &executor.StepsDone{
				Job: up, Build: model.Build{Number: 9}, By: c.by, Result: c.result, Console: &console})
			if console.String() != c.console {
				t.Fatalf("console:\n%s\nwant:\n%s", console.String(), c.console)
			}
			if len(q.scheduled) != len(c.scheduled) {
				t.Fatalf("scheduled %q, want %q", q.scheduled, c.scheduled)
			}
			for i := range q.scheduled {
				if q.scheduled[i] != c.scheduled[i] || q.causes[i] != (model.Cause{Kind: model.CauseUpstream, Project: "f/up", Build: 9}) || q.by[i] != c.by {
					t.Fatalf("scheduled %q with %+v for %+v", q.scheduled[i], q.causes[i], q.by[i])
				}
			}
		})
	}
	t.Run("a build whose authority was never recorded says it is judged as anonymous", func(t *testing.T) {
		var console bytes.Buffer
		New(js, &fakeQueue{}, permits, nil).StepsDone(context.Background(), &executor.StepsDone{
			Job: &model.Job{ID: 1, Name: "f/up", Config: model.JobConfig{Threshold: model.Success, Children: []string{"a"}}}, Result: model.Success, Console: &console})
		if want := "Warning: this build has no associated authentication"; !bytes.HasPrefix(console.Bytes(), []byte(want)) {
			t.Fatalf("console:\n%s", console.String())
		}
	})
}
