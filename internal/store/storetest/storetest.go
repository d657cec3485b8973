// Package storetest is the conformance suite of package store: Run
// checks, against any implementation, what the roles' comments promise
// (reads, writes, ErrNotFound and ErrExists, ordering, how names and
// user ids are matched, permalinks, running builds, the queue, tokens by
// hash, sessions' expiry, settings, credentials and their uses,
// transactions that commit, roll back and join). It uses nothing but the store's interfaces, so a new
// implementation (PostgreSQL) runs the same suite:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { return openEmpty(t) })
//	}
package storetest

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/store"
)

// Run runs the suite. open must return a new, empty store each call and
// close it when t ends.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("Jobs", func(t *testing.T) { testJobs(t, open) })
	t.Run("Builds", func(t *testing.T) { testBuilds(t, open) })
	t.Run("Permalinks", func(t *testing.T) { testPermalinks(t, open) })
	t.Run("Queue", func(t *testing.T) { testQueue(t, open) })
	t.Run("Users", func(t *testing.T) { testUsers(t, open) })
	t.Run("Tokens", func(t *testing.T) { testTokens(t, open) })
	t.Run("Sessions", func(t *testing.T) { testSessions(t, open) })
	t.Run("Nodes", func(t *testing.T) { testNodes(t, open) })
	t.Run("Views", func(t *testing.T) { testViews(t, open) })
	t.Run("Settings", func(t *testing.T) { testSettings(t, open) })
	t.Run("Credentials", func(t *testing.T) { testCredentials(t, open) })
	t.Run("History", func(t *testing.T) { testHistory(t, open) })
	t.Run("Records", func(t *testing.T) { testRecords(t, open) })
	t.Run("Fingerprints", func(t *testing.T) { testFingerprints(t, open) })
	t.Run("Transactions", func(t *testing.T) { testTransactions(t, open) })
}

// now is a time as the store keeps it: to the millisecond.
func now() time.Time { return time.UnixMilli(time.Now().UnixMilli()) }

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// is fails t unless errors.Is(err, want).
func is(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error %v, want %v", err, want)
	}
}

func createJob(t *testing.T, st store.Store, name string) *model.Job {
	t.Helper()
	ctx := context.Background()
	j, err := st.CreateJob(ctx, name, []byte("<project/>"), now(), nil)
	must(t, err)
	return j
}

func createUser(t *testing.T, st store.Store, id string) *model.User {
	t.Helper()
	ctx := context.Background()
	u := &model.User{ID: id, FullName: "Full " + id, Email: id + "@example.com", PasswordHash: "$2a$04$hash-of-" + id, CreatedAt: now()}
	must(t, st.CreateUser(ctx, u))
	return u
}

func startBuild(t *testing.T, st store.Store, jobID, queueID int64) *model.Build {
	t.Helper()
	ctx := context.Background()
	b := &model.Build{JobID: jobID, StartedAt: now(), Building: true}
	must(t, st.StartBuild(ctx, queueID, b))
	return b
}

func testJobs(t *testing.T, open func(t *testing.T) store.Store) {
	ctx := context.Background()
	st := open(t)
	by := &model.Authority{User: "alice", Scopes: []string{"build"}, Jobs: "team-*"}
	created := now()
	app, err := st.CreateJob(ctx, "app", []byte("<project>1</project>"), created, by)
	must(t, err)

	t.Run("a new job has an id and the next build number 1", func(t *testing.T) {
		if app.ID == 0 || app.Name != "app" || app.NextBuildNumber != 1 || !app.CreatedAt.Equal(created) {
			t.Fatalf("%+v", app)
		}
	})
	t.Run("a job reads back as created, with who saved it", func(t *testing.T) {
		j, err := st.Job(ctx, "app")
		must(t, err)
		if j.ID != app.ID || string(j.ConfigXML) != "<project>1</project>" || j.NextBuildNumber != 1 || !j.CreatedAt.Equal(created) || !reflect.DeepEqual(j.ConfiguredBy, by) {
			t.Fatalf("%+v", j)
		}
	})
	t.Run("a job saved by nobody known reads back with a nil ConfiguredBy", func(t *testing.T) {
		createJob(t, st, "nobody")
		j, err := st.Job(ctx, "nobody")
		must(t, err)
		if j.ConfiguredBy != nil {
			t.Fatalf("%+v", j.ConfiguredBy)
		}
	})
	t.Run("a taken name is ErrExists", func(t *testing.T) {
		_, err := st.CreateJob(ctx, "app", []byte("<project/>"), now(), nil)
		is(t, err, store.ErrExists)
	})
	t.Run("names are matched exactly: App is another job", func(t *testing.T) {
		other := createJob(t, st, "App")
		if other.ID == app.ID {
			t.Fatal("same id")
		}
		_, err := st.Job(ctx, "APP")
		is(t, err, store.ErrNotFound)
	})
	t.Run("an unknown name is ErrNotFound", func(t *testing.T) {
		_, err := st.Job(ctx, "missing")
		is(t, err, store.ErrNotFound)
	})
	t.Run("Jobs lists every job", func(t *testing.T) {
		js, err := st.Jobs(ctx)
		must(t, err)
		var names []string
		for _, j := range js {
			names = append(names, j.Name)
		}
		slices.Sort(names)
		if !slices.Equal(names, []string{"App", "app", "nobody"}) {
			t.Fatalf("%v", names)
		}
	})
	t.Run("a config update replaces the XML and who saved it", func(t *testing.T) {
		must(t, st.UpdateJobConfig(ctx, app.ID, []byte("<project>2</project>"), nil))
		j, err := st.Job(ctx, "app")
		must(t, err)
		if string(j.ConfigXML) != "<project>2</project>" || j.ConfiguredBy != nil {
			t.Fatalf("%+v", j)
		}
		is(t, st.UpdateJobConfig(ctx, 1<<40, []byte("<project/>"), nil), store.ErrNotFound)
	})
	t.Run("a rename moves that item only", func(t *testing.T) {
		folder := createJob(t, st, "f")
		inside := createJob(t, st, "f/x")
		must(t, st.RenameJob(ctx, "f", "g"))
		if j, err := st.Job(ctx, "g"); err != nil || j.ID != folder.ID {
			t.Fatalf("%+v %v", j, err)
		}
		if j, err := st.Job(ctx, "f/x"); err != nil || j.ID != inside.ID {
			t.Fatalf("the folder's contents moved: %+v %v", j, err)
		}
		_, err := st.Job(ctx, "f")
		is(t, err, store.ErrNotFound)
	})
	t.Run("a rename to a taken name is ErrExists, of an unknown one ErrNotFound", func(t *testing.T) {
		is(t, st.RenameJob(ctx, "app", "App"), store.ErrExists)
		is(t, st.RenameJob(ctx, "missing", "new"), store.ErrNotFound)
	})
	t.Run("a delete takes the job's builds and queue items with it", func(t *testing.T) {
		j := createJob(t, st, "doomed")
		it := &model.QueueItem{JobID: j.ID, EnqueuedAt: now(), DueAt: now()}
		must(t, st.Enqueue(ctx, it))
		b := startBuild(t, st, j.ID, 0)
		must(t, st.DeleteJob(ctx, j.ID))
		_, err := st.Job(ctx, "doomed")
		is(t, err, store.ErrNotFound)
		_, err = st.Build(ctx, j.ID, b.Number)
		is(t, err, store.ErrNotFound)
		_, err = st.QueueItem(ctx, it.ID)
		is(t, err, store.ErrNotFound)
		is(t, st.DeleteJob(ctx, j.ID), store.ErrNotFound)
	})
}

func testBuilds(t *testing.T, open func(t *testing.T) store.Store) {
	ctx := context.Background()
	st := open(t)
	job := createJob(t, st, "j")
	other := createJob(t, st, "other")

	t.Run("builds are numbered from the job's next number, which moves on", func(t *testing.T) {
		for want := int64(1); want <= 2; want++ {
			if b := startBuild(t, st, job.ID, 0); b.Number != want {
				t.Fatalf("#%d, want #%d", b.Number, want)
			}
		}
		j, err := st.Job(ctx, "j")
		must(t, err)
		if j.NextBuildNumber != 3 {
			t.Fatalf("next %d", j.NextBuildNumber)
		}
	})
	t.Run("a started build reads back running, with its causes, parameters, job name and node", func(t *testing.T) {
		b := &model.Build{JobID: job.ID, StartedAt: now(), Building: true, Executor: 1, BuiltOn: "agent1",
			Causes: []model.Cause{{Kind: model.CauseUser, UserID: "alice", UserName: "Alice"}},
			Params: []model.ParamValue{{Kind: model.ParamString, Name: "P", Value: "v"}}}
		must(t, st.StartBuild(ctx, 0, b))
		got, err := st.Build(ctx, job.ID, b.Number)
		must(t, err)
		if !got.Building || got.Result != "" || got.JobName != "j" || got.Executor != 1 || got.BuiltOn != "agent1" || !got.StartedAt.Equal(b.StartedAt) ||
			!reflect.DeepEqual(got.Causes, b.Causes) || !reflect.DeepEqual(got.Params, b.Params) {
			t.Fatalf("%+v", got)
		}
	})
	t.Run("a build of an unknown job is ErrNotFound", func(t *testing.T) {
		is(t, st.StartBuild(ctx, 0, &model.Build{JobID: 1 << 40, StartedAt: now()}), store.ErrNotFound)
		_, err := st.Build(ctx, job.ID, 99)
		is(t, err, store.ErrNotFound)
	})
	t.Run("a started build takes its queue item out of the queue", func(t *testing.T) {
		it := &model.QueueItem{JobID: other.ID, EnqueuedAt: now(), DueAt: now()}
		must(t, st.Enqueue(ctx, it))
		b := startBuild(t, st, other.ID, it.ID)
		got, err := st.QueueItem(ctx, it.ID)
		must(t, err)
		if got.State != model.QueueLeft || got.BuildNumber != b.Number || got.Cancelled || got.LeftAt.IsZero() {
			t.Fatalf("%+v", got)
		}
		if r, err := st.Build(ctx, other.ID, b.Number); err != nil || r.QueueID != it.ID {
			t.Fatalf("%+v %v", r, err)
		}
	})
	t.Run("a finished build reads back with its result and duration", func(t *testing.T) {
		must(t, st.FinishBuild(ctx, job.ID, 1, model.Failure, 1500*time.Millisecond))
		b, err := st.Build(ctx, job.ID, 1)
		must(t, err)
		if b.Building || b.Result != model.Failure || b.Duration != 1500*time.Millisecond {
			t.Fatalf("%+v", b)
		}
		must(t, st.FinishBuild(ctx, job.ID, 2, model.Success, time.Second))
	})
	t.Run("finishing a build that no longer exists is not an error", func(t *testing.T) {
		must(t, st.FinishBuild(ctx, 1<<40, 1, model.Success, time.Second))
	})
	t.Run("running builds of every job are listed, oldest start first", func(t *testing.T) {
		rs, err := st.RunningBuilds(ctx)
		must(t, err)
		var got [][2]int64
		for _, b := range rs {
			got = append(got, [2]int64{b.JobID, b.Number})
		}
		if want := [][2]int64{{job.ID, 3}, {other.ID, 1}}; !slices.Equal(got, want) {
			t.Fatalf("%v, want %v", got, want)
		}
	})
	t.Run("builds and their numbers are listed newest first, limited or all", func(t *testing.T) {
		bs, err := st.Builds(ctx, job.ID, 2)
		must(t, err)
		if len(bs) != 2 || bs[0].Number != 3 || bs[1].Number != 2 {
			t.Fatalf("%+v", bs)
		}
		for _, limit := range []int{0, -1} {
			ns, err := st.BuildNumbers(ctx, job.ID, limit)
			must(t, err)
			if !slices.Equal(ns, []int64{3, 2, 1}) {
				t.Fatalf("limit %d: %v", limit, ns)
			}
		}
		if bs, err := st.Builds(ctx, 1<<40, 0); err != nil || len(bs) != 0 {
			t.Fatalf("an unknown job's builds: %v %v", bs, err)
		}
	})
	t.Run("a description and a display name are set, on a build that exists", func(t *testing.T) {
		must(t, st.SetBuildDescription(ctx, job.ID, 1, "flaky"))
		b, err := st.Build(ctx, job.ID, 1)
		must(t, err)
		if b.Description != "flaky" || b.DisplayName != "" {
			t.Fatalf("%+v", b)
		}
		must(t, st.SetBuildInfo(ctx, job.ID, 1, "release", "shipped"))
		if b, err = st.Build(ctx, job.ID, 1); err != nil || b.DisplayName != "release" || b.Description != "shipped" {
			t.Fatalf("%+v %v", b, err)
		}
		is(t, st.SetBuildDescription(ctx, job.ID, 99, "x"), store.ErrNotFound)
		is(t, st.SetBuildInfo(ctx, job.ID, 99, "x", "y"), store.ErrNotFound)
	})
	t.Run("a build reads back under its job's new name", func(t *testing.T) {
		must(t, st.RenameJob(ctx, "other", "renamed"))
		b, err := st.Build(ctx, other.ID, 1)
		must(t, err)
		if b.JobName != "renamed" {
			t.Fatalf("%q", b.JobName)
		}
	})
	t.Run("statuses summarise each job's newest and newest finished build", func(t *testing.T) {
		never := createJob(t, st, "never")
		all, err := st.JobStatuses(ctx)
		must(t, err)
		want := model.JobStatus{LastNumber: 3, LastBuilding: true, CompletedNumber: 2, CompletedResult: model.Success}
		if all[job.ID] != want {
			t.Fatalf("%+v, want %+v", all[job.ID], want)
		}
		if _, ok := all[never.ID]; ok {
			t.Fatal("a job never built has a status")
		}
		one, err := st.JobStatus(ctx, job.ID)
		if err != nil || one != want {
			t.Fatalf("%+v %v", one, err)
		}
		if one, err := st.JobStatus(ctx, never.ID); err != nil || one != (model.JobStatus{}) {
			t.Fatalf("%+v %v", one, err)
		}
	})
	t.Run("recent results are the newest finished SUCCESS, UNSTABLE or FAILURE, newest first", func(t *testing.T) {
		j := createJob(t, st, "health")
		var bs []model.Build
		for i, r := range []model.Result{model.Success, model.Failure, model.Aborted, model.Unstable, model.NotBuilt, model.Success} {
			bs = append(bs, model.Build{Number: int64(i + 1), Result: r, StartedAt: now()})
		}
		must(t, st.ImportBuilds(ctx, j.ID, bs))
		startBuild(t, st, j.ID, 0)
		rs, err := st.RecentResults(ctx, j.ID, 3)
		must(t, err)
		if want := []model.Result{model.Success, model.Unstable, model.Failure}; !slices.Equal(rs, want) {
			t.Fatalf("%v, want %v", rs, want)
		}
	})
	t.Run("a deleted build is gone, and deleting it again is ErrNotFound", func(t *testing.T) {
		must(t, st.DeleteBuild(ctx, job.ID, 1))
		_, err := st.Build(ctx, job.ID, 1)
		is(t, err, store.ErrNotFound)
		is(t, st.DeleteBuild(ctx, job.ID, 1), store.ErrNotFound)
		if b := startBuild(t, st, job.ID, 0); b.Number != 4 {
			t.Fatalf("a number was used again: #%d", b.Number)
		}
	})
	t.Run("imported builds read back finished, and the next number follows the highest", func(t *testing.T) {
		j := createJob(t, st, "imported")
		causes := []model.Cause{{Kind: model.CauseUser, UserID: "admin"}}
		must(t, st.ImportBuilds(ctx, j.ID, []model.Build{
			{Number: 7, Result: model.Success, StartedAt: now(), Duration: time.Second, Causes: causes},
			{Number: 3, Result: model.Failure, StartedAt: now()},
		}))
		got, err := st.Job(ctx, "imported")
		must(t, err)
		if got.NextBuildNumber != 8 {
			t.Fatalf("next %d", got.NextBuildNumber)
		}
		bs, err := st.Builds(ctx, j.ID, 0)
		must(t, err)
		if len(bs) != 2 || bs[0].Number != 7 || bs[0].Building || bs[0].Duration != time.Second || !reflect.DeepEqual(bs[0].Causes, causes) || bs[1].Result != model.Failure {
			t.Fatalf("%+v", bs)
		}
		is(t, st.ImportBuilds(ctx, j.ID, []model.Build{{Number: 7, Result: model.Success, StartedAt: now()}}), store.ErrExists)
		is(t, st.ImportBuilds(ctx, 1<<40, []model.Build{{Number: 1, Result: model.Success, StartedAt: now()}}), store.ErrNotFound)
	})
}

func testPermalinks(t *testing.T, open func(t *testing.T) store.Store) {
	ctx := context.Background()
	st := open(t)
	// #1 SUCCESS, #2 FAILURE, #3 UNSTABLE, #4 SUCCESS, #5 ABORTED, then #6 running.
	j := createJob(t, st, "j")
	var bs []model.Build
	for i, r := range []model.Result{model.Success, model.Failure, model.Unstable, model.Success, model.Aborted} {
		bs = append(bs, model.Build{Number: int64(i + 1), Result: r, StartedAt: now()})
	}
	must(t, st.ImportBuilds(ctx, j.ID, bs))
	if b := startBuild(t, st, j.ID, 0); b.Number != 6 {
		t.Fatalf("#%d", b.Number)
	}
	empty := createJob(t, st, "empty")
	cases := []struct {
		link model.Permalink
		want int64
	}{
		{model.FirstBuild, 1},
		{model.LastBuild, 6},
		{model.LastCompletedBuild, 5},
		{model.LastStableBuild, 4},
		{model.LastSuccessfulBuild, 4},
		{model.LastFailedBuild, 2},
		{model.LastUnstableBuild, 3},
		{model.LastUnsuccessfulBuild, 5},
	}
	for _, c := range cases {
		t.Run(string(c.link)+" is the newest build of its kind, and 0 in a job without builds", func(t *testing.T) {
			n, ok, err := st.PermalinkNumber(ctx, j.ID, c.link)
			if err != nil || !ok || n != c.want {
				t.Fatalf("got %d %v %v, want %d", n, ok, err, c.want)
			}
			n, ok, err = st.PermalinkNumber(ctx, empty.ID, c.link)
			if err != nil || !ok || n != 0 {
				t.Fatalf("empty job: got %d %v %v, want 0", n, ok, err)
			}
		})
	}
	t.Run("an unknown permalink is not ok", func(t *testing.T) {
		if _, ok, err := st.PermalinkNumber(ctx, j.ID, "lastGreatBuild"); ok || err != nil {
			t.Fatalf("ok %v, err %v", ok, err)
		}
	})
}

func testQueue(t *testing.T, open func(t *testing.T) store.Store) {
	ctx := context.Background()
	st := open(t)
	job := createJob(t, st, "j")
	enqueue := func(t *testing.T, auth *model.Authority) *model.QueueItem {
		t.Helper()
		it := &model.QueueItem{JobID: job.ID, EnqueuedAt: now(), DueAt: now().Add(time.Hour), Auth: auth,
			Causes: []model.Cause{{Kind: model.CauseTimer}}, Params: []model.ParamValue{{Kind: model.ParamBoolean, Name: "B", Value: "true"}}}
		must(t, st.Enqueue(ctx, it))
		return it
	}
	token := &model.Authority{User: "admin", Scopes: []string{"build"}, Jobs: "team-*"}
	a, b, c := enqueue(t, token), enqueue(t, nil), enqueue(t, &model.Authority{})

	t.Run("items get growing ids and wait", func(t *testing.T) {
		if a.ID == 0 || !(a.ID < b.ID && b.ID < c.ID) || a.State != model.QueueWaiting {
			t.Fatalf("%d %d %d %s", a.ID, b.ID, c.ID, a.State)
		}
	})
	t.Run("an item reads back as queued, whom it acts for told apart from nil and anonymous", func(t *testing.T) {
		for _, want := range []*model.QueueItem{a, b, c} {
			got, err := st.QueueItem(ctx, want.ID)
			must(t, err)
			if got.JobID != job.ID || got.JobName != "j" || got.State != model.QueueWaiting || !got.EnqueuedAt.Equal(want.EnqueuedAt) || !got.DueAt.Equal(want.DueAt) ||
				!reflect.DeepEqual(got.Causes, want.Causes) || !reflect.DeepEqual(got.Params, want.Params) || !reflect.DeepEqual(got.Auth, want.Auth) {
				t.Fatalf("%+v, want %+v", got, want)
			}
		}
	})
	t.Run("an item of an unknown job is ErrNotFound, and so is an unknown item", func(t *testing.T) {
		is(t, st.Enqueue(ctx, &model.QueueItem{JobID: 1 << 40, EnqueuedAt: now(), DueAt: now()}), store.ErrNotFound)
		_, err := st.QueueItem(ctx, 1<<40)
		is(t, err, store.ErrNotFound)
	})
	t.Run("a waiting item's causes and due time are updated", func(t *testing.T) {
		a.Causes = append(a.Causes, model.Cause{Kind: model.CauseRemote, Addr: "192.0.2.1"})
		a.DueAt = now().Add(2 * time.Hour)
		must(t, st.UpdateWaiting(ctx, a))
		got, err := st.QueueItem(ctx, a.ID)
		must(t, err)
		if !reflect.DeepEqual(got.Causes, a.Causes) || !got.DueAt.Equal(a.DueAt) {
			t.Fatalf("%+v", got)
		}
	})
	t.Run("a cancelled item leaves the queue, and cancelling it again is ErrNotFound", func(t *testing.T) {
		must(t, st.CancelQueueItem(ctx, b.ID, now()))
		got, err := st.QueueItem(ctx, b.ID)
		must(t, err)
		if got.State != model.QueueLeft || !got.Cancelled || got.LeftAt.IsZero() {
			t.Fatalf("%+v", got)
		}
		is(t, st.CancelQueueItem(ctx, b.ID, now()), store.ErrNotFound)
	})
	t.Run("an item that left is not updated", func(t *testing.T) {
		moved := *b
		moved.DueAt = now().Add(5 * time.Hour)
		must(t, st.UpdateWaiting(ctx, &moved))
		got, err := st.QueueItem(ctx, b.ID)
		must(t, err)
		if !got.DueAt.Equal(b.DueAt) {
			t.Fatalf("due %v, want %v", got.DueAt, b.DueAt)
		}
	})
	t.Run("the waiting items are listed oldest first", func(t *testing.T) {
		ws, err := st.Waiting(ctx)
		must(t, err)
		if len(ws) != 2 || ws[0].ID != a.ID || ws[1].ID != c.ID {
			t.Fatalf("%+v", ws)
		}
	})
	t.Run("items that left before a time are forgotten, waiting ones kept, and ids never come back", func(t *testing.T) {
		must(t, st.ForgetLeftItems(ctx, now().Add(time.Minute)))
		_, err := st.QueueItem(ctx, b.ID)
		is(t, err, store.ErrNotFound)
		if _, err := st.QueueItem(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		if d := enqueue(t, nil); d.ID <= c.ID {
			t.Fatalf("id %d after %d", d.ID, c.ID)
		}
	})
	t.Run("items that left after the time are kept", func(t *testing.T) {
		must(t, st.CancelQueueItem(ctx, c.ID, now()))
		must(t, st.ForgetLeftItems(ctx, now().Add(-time.Hour)))
		if _, err := st.QueueItem(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
	})
}

func testUsers(t *testing.T, open func(t *testing.T) store.Store) {
	ctx := context.Background()
	st := open(t)
	alice := createUser(t, st, "alice")
	createUser(t, st, "Bob")
	createUser(t, st, "carol")

	t.Run("a user reads back as created", func(t *testing.T) {
		u, err := st.User(ctx, "alice")
		must(t, err)
		if *u != *alice {
			t.Fatalf("%+v, want %+v", u, alice)
		}
		admin := &model.User{ID: "root", PasswordHash: "h", Admin: true, CreatedAt: now()}
		must(t, st.CreateUser(ctx, admin))
		if u, err := st.User(ctx, "root"); err != nil || !u.Admin {
			t.Fatalf("%+v %v", u, err)
		}
	})
	t.Run("ids are matched without case, and a user keeps the id as created", func(t *testing.T) {
		u, err := st.User(ctx, "ALICE")
		must(t, err)
		if u.ID != "alice" {
			t.Fatalf("id %q", u.ID)
		}
		is(t, st.CreateUser(ctx, &model.User{ID: "Alice", PasswordHash: "h", CreatedAt: now()}), store.ErrExists)
	})
	t.Run("an unknown id is ErrNotFound", func(t *testing.T) {
		_, err := st.User(ctx, "dave")
		is(t, err, store.ErrNotFound)
	})
	t.Run("users are listed by id without case and counted", func(t *testing.T) {
		us, err := st.Users(ctx)
		must(t, err)
		var ids []string
		for _, u := range us {
			ids = append(ids, u.ID)
		}
		if want := []string{"alice", "Bob", "carol", "root"}; !slices.Equal(ids, want) {
			t.Fatalf("%v, want %v", ids, want)
		}
		if n, err := st.CountUsers(ctx); err != nil || n != 4 {
			t.Fatalf("%d %v", n, err)
		}
	})
	t.Run("a password hash is replaced, by any case of the id", func(t *testing.T) {
		must(t, st.SetPassword(ctx, "BOB", "new-hash"))
		u, err := st.User(ctx, "bob")
		must(t, err)
		if u.PasswordHash != "new-hash" {
			t.Fatalf("%q", u.PasswordHash)
		}
		is(t, st.SetPassword(ctx, "dave", "h"), store.ErrNotFound)
	})
	t.Run("a description is kept apart and replaced", func(t *testing.T) {
		if d, err := st.UserDescription(ctx, "carol"); err != nil || d != "" {
			t.Fatalf("%q %v", d, err)
		}
		must(t, st.SetUserDescription(ctx, "Carol", "builds things"))
		if d, err := st.UserDescription(ctx, "CAROL"); err != nil || d != "builds things" {
			t.Fatalf("%q %v", d, err)
		}
		_, err := st.UserDescription(ctx, "dave")
		is(t, err, store.ErrNotFound)
		is(t, st.SetUserDescription(ctx, "dave", "x"), store.ErrNotFound)
	})
	t.Run("a deleted user takes their tokens and sessions along", func(t *testing.T) {
		must(t, st.CreateToken(ctx, &model.Token{UUID: "u-carol", UserID: "carol", Name: "t", Hash: "hash-carol", CreatedAt: now()}))
		must(t, st.CreateSession(ctx, "s-carol", "carol", now(), now().Add(time.Hour)))
		must(t, st.DeleteUser(ctx, "CAROL"))
		_, err := st.User(ctx, "carol")
		is(t, err, store.ErrNotFound)
		_, err = st.TokenByHash(ctx, "hash-carol")
		is(t, err, store.ErrNotFound)
		_, err = st.SessionUser(ctx, "s-carol", now())
		is(t, err, store.ErrNotFound)
		is(t, st.DeleteUser(ctx, "carol"), store.ErrNotFound)
	})
}

func testTokens(t *testing.T, open func(t *testing.T) store.Store) {
	ctx := context.Background()
	st := open(t)
	createUser(t, st, "alice")
	createUser(t, st, "bob")
	first := &model.Token{UUID: "uuid-1", UserID: "alice", Name: "ci", Hash: "hash-1", CreatedAt: now().Add(-time.Hour),
		ExpiresAt: now().Add(24 * time.Hour), Scopes: []string{"read", "build"}, Jobs: "team-*"}
	second := &model.Token{UUID: "uuid-2", UserID: "alice", Name: "laptop", Hash: "hash-2", CreatedAt: now()}
	bobs := &model.Token{UUID: "uuid-3", UserID: "bob", Name: "bob", Hash: "hash-3", CreatedAt: now()}
	for _, tk := range []*model.Token{second, first, bobs} {
		must(t, st.CreateToken(ctx, tk))
	}

	t.Run("a token is found by its hash, as created", func(t *testing.T) {
		got, err := st.TokenByHash(ctx, "hash-1")
		must(t, err)
		if !reflect.DeepEqual(got, first) {
			t.Fatalf("%+v, want %+v", got, first)
		}
		_, err = st.TokenByHash(ctx, "hash-9")
		is(t, err, store.ErrNotFound)
	})
	t.Run("a taken uuid or hash is ErrExists, a token of an unknown user ErrNotFound", func(t *testing.T) {
		is(t, st.CreateToken(ctx, &model.Token{UUID: "uuid-1", UserID: "alice", Hash: "hash-8", CreatedAt: now()}), store.ErrExists)
		is(t, st.CreateToken(ctx, &model.Token{UUID: "uuid-8", UserID: "alice", Hash: "hash-1", CreatedAt: now()}), store.ErrExists)
		is(t, st.CreateToken(ctx, &model.Token{UUID: "uuid-9", UserID: "dave", Hash: "hash-9", CreatedAt: now()}), store.ErrNotFound)
	})
	t.Run("a user's tokens are listed oldest first, by any case of the id", func(t *testing.T) {
		ts, err := st.Tokens(ctx, "ALICE")
		must(t, err)
		if len(ts) != 2 || ts[0].UUID != "uuid-1" || ts[1].UUID != "uuid-2" {
			t.Fatalf("%+v", ts)
		}
	})
	t.Run("a token is renamed and deleted by its user only", func(t *testing.T) {
		is(t, st.RenameToken(ctx, "bob", "uuid-2", "stolen"), store.ErrNotFound)
		is(t, st.DeleteToken(ctx, "bob", "uuid-2"), store.ErrNotFound)
		must(t, st.RenameToken(ctx, "Alice", "uuid-2", "desktop"))
		if got, err := st.TokenByHash(ctx, "hash-2"); err != nil || got.Name != "desktop" {
			t.Fatalf("%+v %v", got, err)
		}
		must(t, st.DeleteToken(ctx, "ALICE", "uuid-2"))
		_, err := st.TokenByHash(ctx, "hash-2")
		is(t, err, store.ErrNotFound)
		is(t, st.DeleteToken(ctx, "alice", "uuid-2"), store.ErrNotFound)
	})
	t.Run("uses add up, keeping the latest use and its address", func(t *testing.T) {
		later := now().Add(time.Minute)
		must(t, st.AddTokenUses(ctx, "uuid-1", 3, later, "192.0.2.1"))
		must(t, st.AddTokenUses(ctx, "uuid-1", 2, later.Add(-time.Hour), "192.0.2.2"))
		got, err := st.TokenByHash(ctx, "hash-1")
		must(t, err)
		if got.UseCount != 5 || !got.LastUse.Equal(later) || got.LastIP != "192.0.2.2" {
			t.Fatalf("%+v", got)
		}
		must(t, st.AddTokenUses(ctx, "uuid-gone", 1, later, "192.0.2.3"))
	})
}

func testSessions(t *testing.T, open func(t *testing.T) store.Store) {
	ctx := context.Background()
	st := open(t)
	createUser(t, st, "alice")
	createUser(t, st, "bob")
	t0 := now()
	must(t, st.CreateSession(ctx, "live", "alice", t0, t0.Add(time.Hour)))
	must(t, st.CreateSession(ctx, "old", "alice", t0.Add(-2*time.Hour), t0.Add(-time.Hour)))
	must(t, st.CreateSession(ctx, "bobs", "bob", t0, t0.Add(time.Hour)))

	t.Run("a live session gives its user", func(t *testing.T) {
		u, err := st.SessionUser(ctx, "live", t0)
		if err != nil || u != "alice" {
			t.Fatalf("%q %v", u, err)
		}
	})
	t.Run("a session is over at its expiry", func(t *testing.T) {
		_, err := st.SessionUser(ctx, "live", t0.Add(time.Hour))
		is(t, err, store.ErrNotFound)
		_, err = st.SessionUser(ctx, "unknown", t0)
		is(t, err, store.ErrNotFound)
	})
	t.Run("a session of an unknown user is ErrNotFound", func(t *testing.T) {
		is(t, st.CreateSession(ctx, "x", "dave", t0, t0.Add(time.Hour)), store.ErrNotFound)
	})
	t.Run("purging drops the expired sessions only", func(t *testing.T) {
		must(t, st.DeleteExpiredSessions(ctx, t0))
		_, err := st.SessionUser(ctx, "old", t0.Add(-90*time.Minute))
		is(t, err, store.ErrNotFound)
		if _, err := st.SessionUser(ctx, "live", t0); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a session ends, and ending an unknown one is no error", func(t *testing.T) {
		must(t, st.CreateSession(ctx, "short", "bob", t0, t0.Add(time.Hour)))
		must(t, st.DeleteSession(ctx, "short"))
		_, err := st.SessionUser(ctx, "short", t0)
		is(t, err, store.ErrNotFound)
		must(t, st.DeleteSession(ctx, "short"))
	})
	t.Run("a user's sessions all end, by any case of the id, and no one else's", func(t *testing.T) {
		must(t, st.DeleteUserSessions(ctx, "ALICE"))
		_, err := st.SessionUser(ctx, "live", t0)
		is(t, err, store.ErrNotFound)
		if u, err := st.SessionUser(ctx, "bobs", t0); err != nil || u != "bob" {
			t.Fatalf("%q %v", u, err)
		}
	})
}

func testNodes(t *testing.T, open func(t *testing.T) store.Store) {
	ctx := context.Background()
	st := open(t)
	created := now()
	for _, n := range []string{"web", "db", "Web"} {
		must(t, st.CreateNode(ctx, n, []byte("<slave>"+n+"</slave>"), created))
	}
	t.Run("agents are listed by name, online, as created; names are matched exactly", func(t *testing.T) {
		ns, err := st.Nodes(ctx)
		must(t, err)
		var names []string
		for _, n := range ns {
			names = append(names, n.Name)
			if string(n.ConfigXML) != "<slave>"+n.Name+"</slave>" || n.TempOffline || !n.CreatedAt.Equal(created) {
				t.Fatalf("%+v", n)
			}
		}
		if want := []string{"Web", "db", "web"}; !slices.Equal(names, want) {
			t.Fatalf("%v, want %v", names, want)
		}
	})
	t.Run("a taken name is ErrExists", func(t *testing.T) {
		is(t, st.CreateNode(ctx, "web", []byte("<slave/>"), now()), store.ErrExists)
	})
	t.Run("config and offline state are changed, on an agent that exists", func(t *testing.T) {
		must(t, st.UpdateNodeConfig(ctx, "db", []byte("<slave>2</slave>")))
		must(t, st.SetNodeOffline(ctx, "db", true, "disk check"))
		ns, err := st.Nodes(ctx)
		must(t, err)
		i := slices.IndexFunc(ns, func(n *model.Node) bool { return n.Name == "db" })
		if string(ns[i].ConfigXML) != "<slave>2</slave>" || !ns[i].TempOffline || ns[i].OfflineReason != "disk check" {
			t.Fatalf("%+v", ns[i])
		}
		is(t, st.UpdateNodeConfig(ctx, "DB", []byte("<slave/>")), store.ErrNotFound)
		is(t, st.SetNodeOffline(ctx, "missing", true, ""), store.ErrNotFound)
	})
	t.Run("a deleted agent is gone, and deleting it again is ErrNotFound", func(t *testing.T) {
		must(t, st.DeleteNode(ctx, "Web"))
		ns, err := st.Nodes(ctx)
		must(t, err)
		if len(ns) != 2 {
			t.Fatalf("%d agents", len(ns))
		}
		is(t, st.DeleteNode(ctx, "Web"), store.ErrNotFound)
	})
}

func testViews(t *testing.T, open func(t *testing.T) store.Store) {
	ctx := context.Background()
	st := open(t)
	for _, v := range []string{"team", "Ops", "ci"} {
		must(t, st.CreateView(ctx, v, []byte("<listView>"+v+"</listView>"), now()))
	}
	names := func(t *testing.T) []string {
		t.Helper()
		vs, err := st.Views(ctx)
		must(t, err)
		var out []string
		for _, v := range vs {
			out = append(out, v.Name+"="+string(v.ConfigXML))
		}
		return out
	}
	t.Run("views are listed by name, as created", func(t *testing.T) {
		if got, want := names(t), []string{"Ops=<listView>Ops</listView>", "ci=<listView>ci</listView>", "team=<listView>team</listView>"}; !slices.Equal(got, want) {
			t.Fatalf("%v, want %v", got, want)
		}
	})
	t.Run("a taken name is ErrExists; another case is another view", func(t *testing.T) {
		is(t, st.CreateView(ctx, "ci", []byte("<listView/>"), now()), store.ErrExists)
		must(t, st.CreateView(ctx, "CI", []byte("<listView/>"), now()))
		must(t, st.DeleteView(ctx, "CI"))
	})
	t.Run("a view's config is replaced, on a view that exists", func(t *testing.T) {
		must(t, st.UpdateView(ctx, "ci", []byte("<listView>2</listView>")))
		if got := names(t); got[1] != "ci=<listView>2</listView>" {
			t.Fatalf("%v", got)
		}
		is(t, st.UpdateView(ctx, "missing", []byte("<listView/>")), store.ErrNotFound)
	})
	t.Run("a view is replaced under a new name or its own, not a taken one", func(t *testing.T) {
		must(t, st.ReplaceView(ctx, "team", "squad", []byte("<listView>3</listView>")))
		must(t, st.ReplaceView(ctx, "squad", "squad", []byte("<listView>4</listView>")))
		if got, want := names(t), []string{"Ops=<listView>Ops</listView>", "ci=<listView>2</listView>", "squad=<listView>4</listView>"}; !slices.Equal(got, want) {
			t.Fatalf("%v, want %v", got, want)
		}
		is(t, st.ReplaceView(ctx, "squad", "ci", []byte("<listView/>")), store.ErrExists)
		is(t, st.ReplaceView(ctx, "team", "x", []byte("<listView/>")), store.ErrNotFound)
	})
	t.Run("a deleted view is gone, and deleting it again is ErrNotFound", func(t *testing.T) {
		must(t, st.DeleteView(ctx, "Ops"))
		is(t, st.DeleteView(ctx, "Ops"), store.ErrNotFound)
		if got := names(t); len(got) != 2 {
			t.Fatalf("%v", got)
		}
	})
}

func testSettings(t *testing.T, open func(t *testing.T) store.Store) {
	ctx := context.Background()
	st := open(t)
	t.Run("a setting never set is not ok", func(t *testing.T) {
		if v, ok, err := st.Setting(ctx, "executors"); ok || err != nil || v != "" {
			t.Fatalf("%q %v %v", v, ok, err)
		}
	})
	t.Run("the last value set is read back, per key", func(t *testing.T) {
		for _, v := range []string{"4", "7"} {
			must(t, st.SetSetting(ctx, "executors", v))
		}
		must(t, st.SetSetting(ctx, "csrf", ""))
		if v, ok, err := st.Setting(ctx, "executors"); v != "7" || !ok || err != nil {
			t.Fatalf("%q %v %v", v, ok, err)
		}
		if v, ok, err := st.Setting(ctx, "csrf"); v != "" || !ok || err != nil {
			t.Fatalf("an empty value: %q %v %v", v, ok, err)
		}
	})
}

func testTransactions(t *testing.T, open func(t *testing.T) store.Store) {
	ctx := context.Background()
	st := open(t)
	errBoom := errors.New("boom")
	exists := func(t *testing.T, name string) bool {
		t.Helper()
		_, err := st.Job(ctx, name)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			t.Fatal(err)
		}
		return err == nil
	}

	t.Run("writes in a transaction are seen inside it and kept once it commits", func(t *testing.T) {
		err := st.InTx(ctx, func(ctx context.Context) error {
			j, err := st.CreateJob(ctx, "kept", []byte("<project/>"), now(), nil)
			if err != nil {
				return err
			}
			if _, err := st.Job(ctx, "kept"); err != nil {
				return err
			}
			b := &model.Build{JobID: j.ID, StartedAt: now()}
			if err := st.StartBuild(ctx, 0, b); err != nil {
				return err
			}
			return st.CreateUser(ctx, &model.User{ID: "kept", PasswordHash: "h", CreatedAt: now()})
		})
		must(t, err)
		if !exists(t, "kept") {
			t.Fatal("the job is gone")
		}
		if _, err := st.User(ctx, "kept"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a transaction whose function fails writes nothing, and returns its error as is", func(t *testing.T) {
		err := st.InTx(ctx, func(ctx context.Context) error {
			if _, err := st.CreateJob(ctx, "dropped", []byte("<project/>"), now(), nil); err != nil {
				return err
			}
			if err := st.SetSetting(ctx, "dropped", "1"); err != nil {
				return err
			}
			return errBoom
		})
		if err != errBoom {
			t.Fatalf("err %v, want %v", err, errBoom)
		}
		if exists(t, "dropped") {
			t.Fatal("the job was kept")
		}
		if _, ok, err := st.Setting(ctx, "dropped"); ok || err != nil {
			t.Fatalf("the setting was kept: %v %v", ok, err)
		}
	})
	t.Run("a store error inside rolls back what came before it", func(t *testing.T) {
		err := st.InTx(ctx, func(ctx context.Context) error {
			if _, err := st.CreateJob(ctx, "before", []byte("<project/>"), now(), nil); err != nil {
				return err
			}
			_, err := st.CreateJob(ctx, "kept", []byte("<project/>"), now(), nil)
			return err
		})
		is(t, err, store.ErrExists)
		if exists(t, "before") {
			t.Fatal("the first job was kept")
		}
	})
	t.Run("a transaction inside one joins it: the outermost decides", func(t *testing.T) {
		err := st.InTx(ctx, func(ctx context.Context) error {
			err := st.InTx(ctx, func(ctx context.Context) error {
				_, err := st.CreateJob(ctx, "inner", []byte("<project/>"), now(), nil)
				return err
			})
			if err != nil {
				return err
			}
			if !existsIn(ctx, st, "inner") {
				return errors.New("the inner write is not seen by the outer transaction")
			}
			return errBoom
		})
		if err != errBoom {
			t.Fatal(err)
		}
		if exists(t, "inner") {
			t.Fatal("the inner write outlived the outer rollback")
		}
	})
	t.Run("a context derived from the transaction's is in it", func(t *testing.T) {
		type key struct{}
		err := st.InTx(ctx, func(ctx context.Context) error {
			dctx, cancel := context.WithCancel(context.WithValue(ctx, key{}, 1))
			defer cancel()
			if _, err := st.CreateJob(dctx, "derived", []byte("<project/>"), now(), nil); err != nil {
				return err
			}
			return errBoom
		})
		if err != errBoom {
			t.Fatal(err)
		}
		if exists(t, "derived") {
			t.Fatal("the write through the derived context was kept")
		}
	})
	t.Run("a panic inside rolls back, and the store goes on", func(t *testing.T) {
		func() {
			defer func() {
				if recover() == nil {
					t.Fatal("the panic was swallowed")
				}
			}()
			st.InTx(ctx, func(ctx context.Context) error {
				if _, err := st.CreateJob(ctx, "panicked", []byte("<project/>"), now(), nil); err != nil {
					return err
				}
				panic("boom")
			})
		}()
		if exists(t, "panicked") {
			t.Fatal("the write before the panic was kept")
		}
		createJob(t, st, "after-panic")
	})
	t.Run("after a rollback the store takes writes again", func(t *testing.T) {
		createJob(t, st, "after")
		if !exists(t, "after") {
			t.Fatal("not written")
		}
	})
}

// existsIn is whether a job exists, read with ctx (inside a transaction).
func existsIn(ctx context.Context, st store.Store, name string) bool {
	_, err := st.Job(ctx, name)
	return err == nil
}
