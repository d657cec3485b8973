package store

import (
	"context"
	"time"

	"github.com/jeeves-ci/jeeves/internal/model"
)

// The store's roles: each service takes the slice of the store it uses,
// never the whole. *Store implements every one of them; a PostgreSQL
// store will implement the same.

// Jobs keeps items (jobs and folders) and their config.xml.
type Jobs interface {
	CreateJob(ctx context.Context, name string, configXML []byte, now time.Time, by *model.Authority) (*model.Job, error)
	Job(ctx context.Context, name string) (*model.Job, error)
	Jobs(ctx context.Context) ([]*model.Job, error)
	UpdateJobConfig(ctx context.Context, id int64, configXML []byte, by *model.Authority) error
	DeleteJob(ctx context.Context, id int64) error
	RenameJob(ctx context.Context, oldName, newName string) error
	DeleteJobs(ctx context.Context, ids []int64) error
}

// Builds keeps build records (their logs live in a blob.Store).
type Builds interface {
	StartBuild(ctx context.Context, queueID int64, b *model.Build) error
	FinishBuild(ctx context.Context, jobID, number int64, result model.Result, d time.Duration) error
	SetBuildDescription(ctx context.Context, jobID, number int64, description string) error
	SetBuildInfo(ctx context.Context, jobID, number int64, displayName, description string) error
	Build(ctx context.Context, jobID, number int64) (*model.Build, error)
	Builds(ctx context.Context, jobID int64, limit int) ([]*model.Build, error)
	BuildNumbers(ctx context.Context, jobID int64, limit int) ([]int64, error)
	RunningBuilds(ctx context.Context) ([]*model.Build, error)
	PermalinkNumber(ctx context.Context, jobID int64, p Permalink) (n int64, ok bool, err error)
	RecentResults(ctx context.Context, jobID int64, n int) ([]model.Result, error)
	JobStatuses(ctx context.Context) (map[int64]model.JobStatus, error)
	JobStatus(ctx context.Context, jobID int64) (model.JobStatus, error)
	DeleteBuild(ctx context.Context, jobID, number int64) error
}

// Queue keeps the waiting queue's items, and those that left it lately.
type Queue interface {
	Enqueue(ctx context.Context, it *model.QueueItem) error
	UpdateWaiting(ctx context.Context, it *model.QueueItem) error
	Waiting(ctx context.Context) ([]*model.QueueItem, error)
	QueueItem(ctx context.Context, id int64) (*model.QueueItem, error)
	CancelQueueItem(ctx context.Context, id int64, now time.Time) error
	ForgetLeftItems(ctx context.Context, before time.Time) error
}

// Users keeps user accounts.
type Users interface {
	CreateUser(ctx context.Context, u *model.User) error
	User(ctx context.Context, id string) (*model.User, error)
	Users(ctx context.Context) ([]*model.User, error)
	CountUsers(ctx context.Context) (int, error)
	SetPassword(ctx context.Context, id, hash string) error
	DeleteUser(ctx context.Context, id string) error
	UserDescription(ctx context.Context, id string) (string, error)
	SetUserDescription(ctx context.Context, id, description string) error
}

// Tokens keeps API tokens' records (never their values).
type Tokens interface {
	CreateToken(ctx context.Context, t *model.Token) error
	ReplaceToken(ctx context.Context, oldUUID string, next *model.Token) error
	TokenByHash(ctx context.Context, hash string) (*model.Token, error)
	Tokens(ctx context.Context, userID string) ([]*model.Token, error)
	DeleteToken(ctx context.Context, userID, uuid string) error
	RenameToken(ctx context.Context, userID, uuid, name string) error
	AddTokenUses(ctx context.Context, uuid string, n int64, last time.Time, ip string) error
}

// Sessions keeps browser sessions, by the hash of their id.
type Sessions interface {
	CreateSession(ctx context.Context, idHash, userID string, created, expires time.Time) error
	SessionUser(ctx context.Context, idHash string, now time.Time) (string, error)
	DeleteSession(ctx context.Context, idHash string) error
	DeleteExpiredSessions(ctx context.Context, now time.Time) error
}

// Nodes keeps agents' config.xml and offline state.
type Nodes interface {
	CreateNode(ctx context.Context, name string, configXML []byte, now time.Time) error
	Nodes(ctx context.Context) ([]*model.Node, error)
	UpdateNodeConfig(ctx context.Context, name string, configXML []byte) error
	SetNodeOffline(ctx context.Context, name string, offline bool, reason string) error
	DeleteNode(ctx context.Context, name string) error
}

// Views keeps list views' config.xml.
type Views interface {
	CreateView(ctx context.Context, name string, configXML []byte, now time.Time) error
	Views(ctx context.Context) ([]*model.View, error)
	UpdateView(ctx context.Context, name string, configXML []byte) error
	DeleteView(ctx context.Context, name string) error
	ReplaceView(ctx context.Context, name, newName string, configXML []byte) error
}

// Settings keeps what admins change at run time, by key.
type Settings interface {
	Setting(ctx context.Context, key string) (value string, ok bool, err error)
	SetSetting(ctx context.Context, key, value string) error
}

var (
	_ Jobs     = (*Store)(nil)
	_ Builds   = (*Store)(nil)
	_ Queue    = (*Store)(nil)
	_ Users    = (*Store)(nil)
	_ Tokens   = (*Store)(nil)
	_ Sessions = (*Store)(nil)
	_ Nodes    = (*Store)(nil)
	_ Views    = (*Store)(nil)
	_ Settings = (*Store)(nil)
)
