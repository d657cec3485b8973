package store

import (
	"context"
	"time"

	"github.com/jeeves-ci/jeeves/internal/credentials"
	"github.com/jeeves-ci/jeeves/internal/model"
)

// The store's roles: each service takes the slice of the store it uses,
// never the whole. Every method takes a context, which may carry a
// transaction (Transactor); every error is one of errors.go's or wraps
// the implementation's own. Times are kept to the millisecond; a zero
// time reads back zero. storetest checks an implementation against what
// these comments say.

// Jobs keeps items (jobs and folders) by full name, with their
// config.xml as posted. Names are matched exactly: "app" and "App" are
// two items, as jeeves's job registry, and so its URLs, tell them apart.
// (Jenkins does not: Jenkins.items and AbstractFolder.items are maps in
// String.CASE_INSENSITIVE_ORDER. Following it would change this
// contract, the registry and the URLs together.)
type Jobs interface {
	// CreateJob stores a new item whose next build number is 1, saved
	// by by (nil: not known); ErrExists if the name is taken.
	CreateJob(ctx context.Context, name string, configXML []byte, now time.Time, by *model.Authority) (*model.Job, error)
	// Job returns the item with the given full name; ErrNotFound if none.
	Job(ctx context.Context, name string) (*model.Job, error)
	// Jobs lists every item, in no particular order (the job registry
	// sorts them as Jenkins does).
	Jobs(ctx context.Context) ([]*model.Job, error)
	// UpdateJobConfig replaces an item's config.xml and who saved it;
	// ErrNotFound if there is no item id.
	UpdateJobConfig(ctx context.Context, id int64, configXML []byte, by *model.Authority) error
	// DeleteJob removes an item with its builds and queue items;
	// ErrNotFound if there is none.
	DeleteJob(ctx context.Context, id int64) error
	// RenameJob renames the item oldName, and that item only (a
	// folder's contents are items of their own); ErrNotFound if there is
	// no such item, ErrExists if newName is taken.
	RenameJob(ctx context.Context, oldName, newName string) error
}

// Builds keeps build records, by job id and number (their logs live in
// a blob.Store).
type Builds interface {
	// StartBuild records b as a running build of b.JobID numbered with
	// the job's next build number, which it moves on and sets in
	// b.Number, and, when queueID is not 0, marks that queue item left
	// for the build; all at once, so a number is never used twice.
	// ErrNotFound if there is no job b.JobID.
	StartBuild(ctx context.Context, queueID int64, b *model.Build) error
	// FinishBuild records a build's result and duration; a build that
	// no longer exists (its job was deleted meanwhile) is not an error.
	FinishBuild(ctx context.Context, jobID, number int64, result model.Result, d time.Duration) error
	// SetBuildDescription sets a build's description; ErrNotFound if
	// there is no such build.
	SetBuildDescription(ctx context.Context, jobID, number int64, description string) error
	// SetBuildInfo sets a build's display name ("" = "#N") and
	// description together, so neither is stored without the other;
	// ErrNotFound if there is no such build.
	SetBuildInfo(ctx context.Context, jobID, number int64, displayName, description string) error
	// Build returns one build, with its job's current name;
	// ErrNotFound if there is none.
	Build(ctx context.Context, jobID, number int64) (*model.Build, error)
	// Builds lists a job's builds, newest first; limit <= 0 means all.
	Builds(ctx context.Context, jobID int64, limit int) ([]*model.Build, error)
	// BuildNumbers lists a job's build numbers, newest first; limit <= 0
	// means all.
	BuildNumbers(ctx context.Context, jobID int64, limit int) ([]int64, error)
	// RunningBuilds lists every build still marked running, of every
	// job, oldest start first.
	RunningBuilds(ctx context.Context) ([]*model.Build, error)
	// PermalinkNumber is the number of the build permalink p names
	// (the newest finished build with one of p.Results(); the first,
	// newest, or newest finished build for firstBuild, lastBuild and
	// lastCompletedBuild): 0 when there is no such build, and ok false
	// when p is no permalink.
	PermalinkNumber(ctx context.Context, jobID int64, p model.Permalink) (n int64, ok bool, err error)
	// RecentResults returns the results of up to n newest finished
	// builds that ended SUCCESS, UNSTABLE or FAILURE, newest first (the
	// health report's).
	RecentResults(ctx context.Context, jobID int64, n int) ([]model.Result, error)
	// JobStatuses summarises the newest and the newest finished build
	// of every job that has builds; a job never built is absent.
	JobStatuses(ctx context.Context) (map[int64]model.JobStatus, error)
	// JobStatus summarises one job's builds as JobStatuses does; the
	// zero JobStatus for a job without builds.
	JobStatus(ctx context.Context, jobID int64) (model.JobStatus, error)
	// DeleteBuild removes a build's record; ErrNotFound if there is none.
	DeleteBuild(ctx context.Context, jobID, number int64) error
	// SetKeepLog marks a build kept forever, or unmarks it (Jenkins's
	// keepLog, which model.Build.KeepLog reads back); ErrNotFound if
	// there is no such build.
	SetKeepLog(ctx context.Context, jobID, number int64, keep bool) error
	// ImportBuilds records finished builds of a job as given (Number,
	// Result, StartedAt, Duration, Causes) and moves the job's next
	// build number past the highest of them. It prepares a home before
	// jeeves starts (benchmarks); a running jeeves records builds with
	// StartBuild and FinishBuild. ErrExists if a number is taken,
	// ErrNotFound if there is no job jobID.
	ImportBuilds(ctx context.Context, jobID int64, builds []model.Build) error

	// BuildsBefore lists up to limit of a job's builds numbered below
	// before (before <= 0: from the newest), newest first: one page of
	// its history, read from the newest down without counting the rest.
	BuildsBefore(ctx context.Context, jobID, before int64, limit int) ([]*model.Build, error)
	// BuildsAfter lists the (up to) limit builds of a job numbered just
	// above after, newest first: the page of history before the one
	// that starts at after.
	BuildsAfter(ctx context.Context, jobID, after int64, limit int) ([]*model.Build, error)
	// AdjacentBuilds is the number of the job's build just below number
	// and of the one just above it (either 0 when there is none); number
	// itself need not exist.
	AdjacentBuilds(ctx context.Context, jobID, number int64) (prev, next int64, err error)
	// UserBuilds lists up to limit builds, of every job, that the user
	// userID (without case) started: those whose first cause names them,
	// newest start first.
	UserBuilds(ctx context.Context, userID string, limit int) ([]*model.Build, error)
}

// Queue keeps the build queue's waiting items, and those that left it
// lately (for a build, or cancelled), by id.
type Queue interface {
	// Enqueue stores it as waiting and sets its ID and State. Ids grow
	// forever, across restarts, as Jenkins's do. ErrNotFound if there
	// is no job it.JobID.
	Enqueue(ctx context.Context, it *model.QueueItem) error
	// UpdateWaiting saves a waiting item's causes and due time (a new
	// trigger folded into it); an item that is no longer waiting is
	// left as it is.
	UpdateWaiting(ctx context.Context, it *model.QueueItem) error
	// Waiting lists the waiting items, oldest first.
	Waiting(ctx context.Context) ([]*model.QueueItem, error)
	// QueueItem returns one item, waiting or left; ErrNotFound if none.
	QueueItem(ctx context.Context, id int64) (*model.QueueItem, error)
	// CancelQueueItem marks a waiting item left and cancelled;
	// ErrNotFound if it is not waiting.
	CancelQueueItem(ctx context.Context, id int64, now time.Time) error
	// ForgetLeftItems deletes the items that left before the given time.
	ForgetLeftItems(ctx context.Context, before time.Time) error
}

// Users keeps user accounts. A user id is matched without ASCII case
// wherever one is given, here and in Tokens and Sessions, as Jenkins's
// default IdStrategy (case-insensitive) does: "Alice" finds, deletes or
// collides with "alice". A user keeps the id as created.
type Users interface {
	// CreateUser stores a new user; ErrExists if the id is taken.
	CreateUser(ctx context.Context, u *model.User) error
	// User returns the user with the id; ErrNotFound if none.
	User(ctx context.Context, id string) (*model.User, error)
	// Users lists every user, sorted by id without case.
	Users(ctx context.Context) ([]*model.User, error)
	// CountUsers says how many users exist.
	CountUsers(ctx context.Context) (int, error)
	// SetPassword replaces a user's password hash (their sessions are
	// Sessions'); ErrNotFound if there is no such user.
	SetPassword(ctx context.Context, id, hash string) error
	// DeleteUser removes a user with their tokens and sessions;
	// ErrNotFound if there is none.
	DeleteUser(ctx context.Context, id string) error
	// UserDescription is what a user's page says about them ("" if
	// nothing); ErrNotFound if there is no such user. It is kept apart
	// from the user: authentication never reads it.
	UserDescription(ctx context.Context, id string) (string, error)
	// SetUserDescription replaces a user's description; ErrNotFound if
	// there is no such user.
	SetUserDescription(ctx context.Context, id, description string) error
}

// Tokens keeps API tokens' records (their hash, never their value), by
// uuid; a token belongs to a user, matched without case (see Users).
type Tokens interface {
	// CreateToken stores a token; ErrExists if its uuid or its hash is
	// taken, ErrNotFound if its user does not exist.
	CreateToken(ctx context.Context, t *model.Token) error
	// TokenByHash finds a token by the hash of its value; ErrNotFound
	// if none.
	TokenByHash(ctx context.Context, hash string) (*model.Token, error)
	// Tokens lists a user's tokens, oldest first.
	Tokens(ctx context.Context, userID string) ([]*model.Token, error)
	// DeleteToken removes one of a user's tokens; ErrNotFound if the
	// user has no such token.
	DeleteToken(ctx context.Context, userID, uuid string) error
	// RenameToken renames one of a user's tokens; ErrNotFound if the
	// user has no such token.
	RenameToken(ctx context.Context, userID, uuid, name string) error
	// AddTokenUses adds n to a token's use count and records its last
	// use (the later of the stored one and last) and the address it
	// came from; an unknown uuid (a token revoked meanwhile) is not an
	// error.
	AddTokenUses(ctx context.Context, uuid string, n int64, last time.Time, ip string) error
}

// Sessions keeps browser sessions by the hash of their id, each for a
// user (matched without case, see Users) until it expires.
type Sessions interface {
	// CreateSession records a session; ErrNotFound if its user does not
	// exist.
	CreateSession(ctx context.Context, idHash, userID string, created, expires time.Time) error
	// SessionUser returns the user id of a session that expires after
	// now; ErrNotFound if there is none, or it has expired.
	SessionUser(ctx context.Context, idHash string, now time.Time) (string, error)
	// DeleteSession ends a session; ending an unknown one is not an
	// error.
	DeleteSession(ctx context.Context, idHash string) error
	// DeleteUserSessions ends every session of a user.
	DeleteUserSessions(ctx context.Context, userID string) error
	// DeleteExpiredSessions drops the sessions that expire at or before
	// now.
	DeleteExpiredSessions(ctx context.Context, now time.Time) error
}

// Nodes keeps permanent agents by name (matched exactly), with their
// config.xml as posted and the offline state users give them.
type Nodes interface {
	// CreateNode stores a new agent, online; ErrExists if the name is
	// taken.
	CreateNode(ctx context.Context, name string, configXML []byte, now time.Time) error
	// Nodes lists every agent, sorted by name.
	Nodes(ctx context.Context) ([]*model.Node, error)
	// UpdateNodeConfig replaces an agent's config.xml; ErrNotFound if
	// there is no such agent.
	UpdateNodeConfig(ctx context.Context, name string, configXML []byte) error
	// SetNodeOffline records an agent's temporary offline state and
	// reason; ErrNotFound if there is no such agent.
	SetNodeOffline(ctx context.Context, name string, offline bool, reason string) error
	// DeleteNode removes an agent; ErrNotFound if there is none.
	DeleteNode(ctx context.Context, name string) error
}

// Views keeps list views by name (matched exactly), with their
// config.xml as posted.
type Views interface {
	// CreateView stores a new view; ErrExists if the name is taken.
	CreateView(ctx context.Context, name string, configXML []byte, now time.Time) error
	// Views lists every view, sorted by name.
	Views(ctx context.Context) ([]*model.View, error)
	// UpdateView replaces a view's config.xml; ErrNotFound if there is
	// no such view.
	UpdateView(ctx context.Context, name string, configXML []byte) error
	// DeleteView removes a view; ErrNotFound if there is none.
	DeleteView(ctx context.Context, name string) error
	// ReplaceView stores a view's new config.xml under newName (which
	// may be its name) at once; ErrNotFound if there is no view name,
	// ErrExists if newName is another view's.
	ReplaceView(ctx context.Context, name, newName string, configXML []byte) error
}

// Settings keeps what admins change at run time, one value per key.
type Settings interface {
	// Setting reads a setting; ok is false when it was never set.
	Setting(ctx context.Context, key string) (value string, ok bool, err error)
	// SetSetting stores a setting, replacing any earlier value.
	SetSetting(ctx context.Context, key, value string) error
}

// Credentials keeps credentials (Jenkins's credentials plugin) by store,
// domain and id: "system" and "_" for the system store's global domain.
// A credential is kept as credentials.Sealed: its public fields in clear
// and its secrets in one sealed value the store never opens, so nothing
// written holds a secret in clear. Ids are matched exactly, as Jenkins's
// IdCredentials compares them: "deploy" and "Deploy" are two
// credentials. A domain lists its credentials in the order they were
// created (Jenkins's store is a list); an update keeps a credential's
// place.
//
// Each credential keeps the builds that used it (Jenkins's credential
// fingerprints), only the newest few; they go with it when it is deleted.
type Credentials interface {
	// CreateCredential stores a new credential in a domain; ErrExists if
	// the id is taken there.
	CreateCredential(ctx context.Context, store, domain string, c *credentials.Sealed, now time.Time) error
	// Credential returns one credential; ErrNotFound if none.
	Credential(ctx context.Context, store, domain, id string) (*credentials.Sealed, error)
	// Credentials lists a domain's credentials in the order they were
	// created.
	Credentials(ctx context.Context, store, domain string) ([]*credentials.Sealed, error)
	// AllCredentials lists the credentials of every store and domain (a
	// key rotation reseals them all).
	AllCredentials(ctx context.Context) ([]StoredCredential, error)
	// UpdateCredential replaces the credential id of a domain with c,
	// in its place, keeping its uses; c.ID may differ from id (a
	// rename). ErrNotFound if there is no credential id, ErrExists if
	// c.ID is another credential's.
	UpdateCredential(ctx context.Context, store, domain, id string, c *credentials.Sealed, now time.Time) error
	// DeleteCredential removes a credential with its uses; ErrNotFound
	// if there is none.
	DeleteCredential(ctx context.Context, store, domain, id string) error
	// RecordCredentialUse adds a use of a credential and forgets all but
	// its newest keep uses; ErrNotFound if there is no such credential.
	RecordCredentialUse(ctx context.Context, store, domain, id string, u credentials.Use, keep int) error
	// CredentialUses lists a credential's uses, newest first; ErrNotFound
	// if there is no such credential.
	CredentialUses(ctx context.Context, store, domain, id string) ([]credentials.Use, error)
}

// StoredCredential is a credential with the store and domain it is in.
type StoredCredential struct {
	Store, Domain string
	*credentials.Sealed
}
