// Package model holds jeeves's domain types: users, tokens, jobs, builds and
// queue items. It imports nothing of jeeves's own, so every layer can use it.
package model

import (
	"strings"
	"time"
)

// Result is a finished build's outcome, spelled as Jenkins spells it.
type Result string

// The build results Jenkins knows, best first.
const (
	Success  Result = "SUCCESS"
	Unstable Result = "UNSTABLE"
	Failure  Result = "FAILURE"
	NotBuilt Result = "NOT_BUILT"
	Aborted  Result = "ABORTED"
)

// Color is the ball colour Jenkins shows for a result
// (hudson/model/BallColor.java, Result.java).
func (r Result) Color() string {
	switch r {
	case Success:
		return "blue"
	case Unstable:
		return "yellow"
	case Failure:
		return "red"
	case Aborted:
		return "aborted"
	default:
		return "notbuilt"
	}
}

// User is an account of jeeves's own user database.
type User struct {
	ID           string // login name, as in /user/<id>
	FullName     string
	Email        string
	PasswordHash string // bcrypt
	Admin        bool
	CreatedAt    time.Time
}

// DisplayName is what Jenkins shows for a user: the full name, else the id.
func (u *User) DisplayName() string {
	if u.FullName != "" {
		return u.FullName
	}
	return u.ID
}

// Token is an API token's record. The value itself is never stored: only
// the SHA-256 of its secret part.
type Token struct {
	UUID      string
	UserID    string
	Name      string
	Hash      string // lowercase hex SHA-256
	CreatedAt time.Time
	UseCount  int64
	LastUse   time.Time // zero when never used
	LastIP    string    // the address of the last use
	ExpiresAt time.Time // zero: never expires
	Scopes    []string  // empty: the owner's full rights
	Jobs      string    // a glob of job full names; "" = every job
}

// ParamKind names a parameter definition type.
type ParamKind string

// The parameter types a freestyle job can declare.
const (
	ParamString   ParamKind = "string"
	ParamBoolean  ParamKind = "boolean"
	ParamChoice   ParamKind = "choice"
	ParamText     ParamKind = "text"
	ParamPassword ParamKind = "password"
)

// ParamDef is one parameter definition of a job.
type ParamDef struct {
	Kind        ParamKind
	Class       string // Jenkins class, e.g. hudson.model.StringParameterDefinition
	Name        string
	Description string
	Default     string // "true"/"false" for booleans; first choice for choices
	Choices     []string
	Trim        bool
}

// DefaultParams are the values a build gets when nothing is given: each
// definition's default, as for a timer or an upstream trigger.
func DefaultParams(defs []ParamDef) []ParamValue {
	if len(defs) == 0 {
		return nil
	}
	out := make([]ParamValue, len(defs))
	for i, d := range defs {
		out[i] = ParamValue{Kind: d.Kind, Name: d.Name, Value: d.Default}
	}
	return out
}

// Rank orders results from best to worst as Jenkins's Result does:
// SUCCESS < UNSTABLE < FAILURE < NOT_BUILT < ABORTED.
func (r Result) Rank() int {
	switch r {
	case Success:
		return 0
	case Unstable:
		return 1
	case Failure:
		return 2
	case NotBuilt:
		return 3
	}
	return 4
}

// Builder is one build step. Only shell steps (hudson.tasks.Shell) run;
// other classes are kept in config.xml, and a build of a job that has one
// fails (JobConfig.Unsupported).
type Builder struct {
	Class          string
	Command        string
	UnstableReturn int // 0 = none
}

// IsShell reports whether the step is a shell step jeeves can run.
func (b Builder) IsShell() bool { return b.Class == "hudson.tasks.Shell" }

// JobConfig is what jeeves reads from a job's config.xml. The XML itself
// is stored as posted; this is only the part jeeves acts on.
type JobConfig struct {
	Kind        string // root element: "project" (freestyle) or a folder class
	Description string
	Disabled    bool
	Concurrent  bool
	QuietPeriod *int // seconds; nil = the global default
	Params      []ParamDef
	Builders    []Builder
	AuthToken   string // remote trigger token (<authToken>)
	TimerSpecs  string // hudson.triggers.TimerTrigger <spec>, raw
	// SCMSpecs is the hudson.triggers.SCMTrigger <spec>, raw ("" also
	// when the trigger polls only when a hook asks); the git plugin reads
	// the rest of the trigger itself.
	SCMSpecs  string   `json:",omitempty"`
	Children  []string // hudson.tasks.BuildTrigger childProjects
	Threshold Result   // BuildTrigger threshold; "" when no BuildTrigger
	// AssignedLabel is the label expression of the nodes the job's
	// builds may run on, as Jenkins's AbstractProject.getAssignedLabel
	// reads <assignedNode> and <canRoam>: "" (any node) when canRoam is
	// true; else the assignedNode, or "built-in" (the built-in node's
	// label) when there is none.
	AssignedLabel string
	// Authorization is the item's permission matrix; nil when it has none.
	Authorization *AuthMatrix
	// Unsupported lists, in document order, what the config.xml asks for
	// that jeeves keeps but does not run; nil when it runs everything.
	Unsupported []Unsupported
}

// The kinds of config.xml elements, as Jenkins groups them on a
// project's configuration page.
const (
	KindSCM = "scm" // Source Code Management
	// KindSCMExtension is an SCM's extension (git's Additional
	// Behaviours) that only warns when not run: it does not change what
	// is checked out. One that does is listed as KindSCM.
	KindSCMExtension = "scm extension"
	KindBuilder      = "builder"   // Build Steps
	KindPublisher    = "publisher" // Post-build Actions
	KindWrapper      = "wrapper"   // Build Environment
	KindProperty     = "property"  // job properties (General)
	KindParameter    = "parameter" // a parameter definition
	KindTrigger      = "trigger"   // Build Triggers
	KindSetting      = "setting"   // a plain element of the project
)

// Unsupported is one element of a config.xml that jeeves keeps, and
// serves back, but does not run.
type Unsupported struct {
	Kind  string // KindSCM, KindBuilder, …
	Class string // the Jenkins class, or the element's name for a setting
	Name  string // the name Jenkins shows; the class when unknown
}

// String names the element as the UI and the console do:
// "Git (hudson.plugins.git.GitSCM)".
func (u Unsupported) String() string {
	if u.Name == "" || u.Name == u.Class {
		return u.Class
	}
	return u.Name + " (" + u.Class + ")"
}

// Fails reports whether a build cannot run without the element: an SCM
// (the steps would run without their sources) or a build step (the
// result would not be the one asked for). The others only warn.
func (u Unsupported) Fails() bool { return u.Kind == KindSCM || u.Kind == KindBuilder }

// Failing is the unsupported elements that make every build fail.
func (c *JobConfig) Failing() []Unsupported {
	var out []Unsupported
	for _, u := range c.Unsupported {
		if u.Fails() {
			out = append(out, u)
		}
	}
	return out
}

// Job is a stored job.
type Job struct {
	ID              int64
	Name            string // full name; folders are joined with "/"
	ConfigXML       []byte
	Config          JobConfig
	NextBuildNumber int64
	CreatedAt       time.Time
	Status          JobStatus
	// ConfiguredBy is who last saved the job's whole configuration; the
	// builds the timer and the remote trigger token start act for them.
	// nil when the configuration was saved before jeeves recorded it.
	ConfiguredBy *Authority
}

// Authority is whom a build acts for: the user who started it (directly,
// or by saving the configuration of the job a timer starts), with the
// limits of the API token they used. What the build may trigger when it
// ends is decided by this authority's permissions.
type Authority struct {
	User   string   `json:"user,omitempty"`   // "" = anonymous
	Scopes []string `json:"scopes,omitempty"` // a token's scopes; none = the user's full rights
	Jobs   string   `json:"jobs,omitempty"`   // a token's job glob; "" = every job
}

// SameAuthority reports whether a and b act for the same caller with the
// same limits; two nil authorities (never recorded) are the same.
func SameAuthority(a, b *Authority) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.User != b.User || a.Jobs != b.Jobs || len(a.Scopes) != len(b.Scopes) {
		return false
	}
	for i := range a.Scopes {
		if a.Scopes[i] != b.Scopes[i] {
			return false
		}
	}
	return true
}

// JobStatus summarises a job's newest builds: enough for its ball colour
// without reading the build history.
type JobStatus struct {
	LastNumber      int64 // the newest build; 0 when never built
	LastBuilding    bool  // whether the newest build is still running
	CompletedNumber int64 // the newest finished build; 0 when none
	CompletedResult Result
}

// Color is the job's ball colour (Job.getIconColor) apart from
// "disabled".
func (s JobStatus) Color() string {
	color := "notbuilt"
	if s.CompletedNumber > 0 {
		color = s.CompletedResult.Color()
	}
	if s.LastBuilding {
		color += "_anime"
	}
	return color
}

// Color is the job's ball colour as Jenkins's API shows it, from its
// cached status: "disabled" (or "disabled_anime" while a build runs)
// for a disabled job, else its status's colour.
func (j *Job) Color() string {
	if j.Config.Disabled {
		if j.Status.LastBuilding {
			return "disabled_anime"
		}
		return "disabled"
	}
	return j.Status.Color()
}

// BaseName is the job's own name without its folders.
func (j *Job) BaseName() string {
	for i := len(j.Name) - 1; i >= 0; i-- {
		if j.Name[i] == '/' {
			return j.Name[i+1:]
		}
	}
	return j.Name
}

// CauseKind names why a build started.
type CauseKind string

// The causes jeeves records.
const (
	CauseUser     CauseKind = "user"
	CauseRemote   CauseKind = "remote"
	CauseTimer    CauseKind = "timer"
	CauseUpstream CauseKind = "upstream"
	// CauseSCM: polling found changes, or a git build found more than
	// one new revision and asked for another
	// (hudson.triggers.SCMTrigger$SCMTriggerCause).
	CauseSCM CauseKind = "scm"
	// CauseCommitHook: /git/notifyCommit named a commit to build
	// (hudson.plugins.git.GitStatus$CommitHookCause); Commit is it.
	CauseCommitHook CauseKind = "commitHook"
	// CauseGitHubPush: a GitHub push hook made polling find changes
	// (com.cloudbees.jenkins.GitHubPushCause); UserName is the pusher.
	CauseGitHubPush CauseKind = "githubPush"
	// CauseGitLabPush: a GitLab push hook
	// (com.dabsquared.gitlabjenkins.cause.GitLabWebHookCause); UserName
	// is the pusher.
	CauseGitLabPush CauseKind = "gitlabPush"
)

// Cause is why a build was started.
type Cause struct {
	Kind     CauseKind `json:"kind"`
	UserID   string    `json:"userId,omitempty"`
	UserName string    `json:"userName,omitempty"`
	Addr     string    `json:"addr,omitempty"`
	Note     string    `json:"note,omitempty"`
	Project  string    `json:"project,omitempty"` // upstream job full name
	Build    int64     `json:"build,omitempty"`   // upstream build number
	// Commit, when set, is what the build must check out whatever its
	// branch specifiers say (a SHA-1, or a name git rev-parses), and
	// RepoURL the repository it comes from: the git plugin's
	// RevisionParameterAction, carried by the cause of the request that
	// asked for it. The queue never folds a request for one commit into
	// an item that builds another (RevisionParameterAction.shouldSchedule).
	Commit  string `json:"commit,omitempty"`
	RepoURL string `json:"repoUrl,omitempty"`
}

// Revision is the commit a build of these causes must check out (see
// Cause.Commit), and the repository it comes from; "" when none names one.
func Revision(causes []Cause) (commit, repoURL string) {
	for _, c := range causes {
		if c.Commit != "" {
			return c.Commit, c.RepoURL
		}
	}
	return "", ""
}

// Description is the console's first line for the cause
// (Cause.getShortDescription in hudson/model/Cause.java).
func (c Cause) Description() string {
	switch c.Kind {
	case CauseUser:
		if c.UserID == "" {
			return "Started by user anonymous"
		}
		return "Started by user " + c.UserName
	case CauseRemote:
		if c.Note != "" {
			return "Started by remote host " + c.Addr + " with note: " + c.Note
		}
		return "Started by remote host " + c.Addr
	case CauseTimer:
		return "Started by timer"
	case CauseUpstream:
		if c.Project == "" {
			// An upstream project the reader may not see is not named.
			return "Started by an upstream project"
		}
		return "Started by upstream project \"" + c.Project + "\" build number " + itoa(c.Build)
	case CauseSCM:
		return "Started by an SCM change"
	case CauseCommitHook:
		return "commit notification " + c.Commit
	case CauseGitHubPush:
		return "Started by GitHub push by " + c.UserName
	case CauseGitLabPush:
		return "Started by GitLab push by " + c.UserName
	}
	return "Started"
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// ParamValue is one parameter value of a build or queue item.
type ParamValue struct {
	Kind  ParamKind `json:"kind"`
	Name  string    `json:"name"`
	Value string    `json:"value"`
}

// Build is one run of a job.
type Build struct {
	JobID     int64
	JobName   string
	Number    int64
	QueueID   int64
	Result    Result // "" while building
	Building  bool
	StartedAt time.Time
	Duration  time.Duration
	Causes    []Cause
	Params    []ParamValue
	Executor  int
	// BuiltOn is the name of the node the build runs on, "" for the
	// built-in node (Jenkins's AbstractBuild.builtOn).
	BuiltOn string
	// DisplayName replaces "#N" when a user gave one; Description is
	// what a user wrote about the build.
	DisplayName string
	Description string
	// KeepLog marks a build kept forever (Jenkins's keepLog): the
	// discarder leaves it, and it cannot be deleted until unmarked.
	KeepLog bool
	// HasArtifacts is true while the build keeps archived artifacts.
	HasArtifacts bool
	// DiskUsage is the bytes the build's log, artifacts and reports
	// take, as counted when they were written.
	DiskUsage int64
}

// StartedLines is what a build's console starts with: a line per
// cause ("Started by user admin"), or "Started" when it has none. It
// is the whole console of a build whose log is not written yet.
func (b *Build) StartedLines() string {
	out := ""
	for _, c := range b.Causes {
		out += c.Description() + "\n"
	}
	if out == "" {
		out = "Started\n"
	}
	return out
}

// Permalink names a "last build of a kind" link of a job (lastBuild,
// lastStableBuild…), as Jenkins's PermalinkProjectAction does.
type Permalink string

// The permalinks Jenkins offers.
const (
	LastBuild             Permalink = "lastBuild"
	LastStableBuild       Permalink = "lastStableBuild"
	LastSuccessfulBuild   Permalink = "lastSuccessfulBuild"
	LastFailedBuild       Permalink = "lastFailedBuild"
	LastUnstableBuild     Permalink = "lastUnstableBuild"
	LastUnsuccessfulBuild Permalink = "lastUnsuccessfulBuild"
	LastCompletedBuild    Permalink = "lastCompletedBuild"
	FirstBuild            Permalink = "firstBuild"
)

// Results are the results a finished build must have to be the
// permalink's (the newest such build is); nil for firstBuild, lastBuild
// and lastCompletedBuild, which take any build, and for a name that is
// no permalink.
func (p Permalink) Results() []Result {
	switch p {
	case LastStableBuild:
		return []Result{Success}
	case LastSuccessfulBuild:
		return []Result{Success, Unstable}
	case LastFailedBuild:
		return []Result{Failure}
	case LastUnstableBuild:
		return []Result{Unstable}
	case LastUnsuccessfulBuild:
		return []Result{Unstable, Failure, NotBuilt, Aborted}
	}
	return nil
}

// QueueState is where a queue item stands.
type QueueState string

// Queue item states; "left" items are kept a while so clients can find
// the build they became.
const (
	QueueWaiting QueueState = "waiting"
	QueueLeft    QueueState = "left"
)

// QueueItem is a request to build a job.
type QueueItem struct {
	ID      int64
	JobID   int64
	JobName string
	Causes  []Cause
	Params  []ParamValue
	// Auth is whom the build acts for; nil when the item was queued
	// before jeeves recorded it.
	Auth        *Authority
	EnqueuedAt  time.Time
	DueAt       time.Time
	State       QueueState
	Cancelled   bool
	BuildNumber int64     // once started
	LeftAt      time.Time // once it left the queue
}

// View is a stored list view.
type View struct {
	Name      string
	ConfigXML []byte
	Config    ViewConfig
}

// ViewConfig is what jeeves reads from a view's config.xml.
type ViewConfig struct {
	Class        string // root element: hudson.model.ListView or hudson.model.MyView
	Description  string
	JobNames     []string
	IncludeRegex string
	Recurse      bool
	// StatusFilter, when set, keeps only enabled jobs (true) or only
	// disabled ones (false), as Jenkins's hudson.views.StatusFilter.
	StatusFilter    *bool
	FilterExecutors bool
	FilterQueue     bool
}

// The built-in node, the controller's own (Jenkins's
// Jenkins.MasterComputer), named as Jenkins names it since 2.307; its
// names before then ("master", "(master)") still reach it.
const (
	BuiltInNode        = "built-in"      // its node name and label
	BuiltInURLName     = "(built-in)"    // its name under /computer/
	BuiltInDisplayName = "Built-In Node" // its displayName
	BuiltInDescription = "the Jenkins controller's built-in node"
)

// IsBuiltInLabel reports a label only the built-in node carries:
// "built-in", or "master", its label before Jenkins 2.307.
func IsBuiltInLabel(label string) bool { return label == BuiltInNode || label == "master" }

// IsBuiltInName reports a name clients reach the built-in node by, in
// any case: its URL names, new and old, its display name and its
// labels. No agent may take one.
func IsBuiltInName(name string) bool {
	switch strings.ToLower(name) {
	case BuiltInURLName, "(master)", strings.ToLower(BuiltInDisplayName), BuiltInNode, "master":
		return true
	}
	return false
}

// Node is a permanent agent (hudson.slaves.DumbSlave) as configured.
// jeeves stores agents and answers for them as Jenkins does for an agent
// that has not connected; running builds on agents comes later.
type Node struct {
	Name          string
	ConfigXML     []byte
	Config        NodeConfig
	TempOffline   bool   // taken offline by a user (toggleOffline)
	OfflineReason string // the message given then
	CreatedAt     time.Time
}

// NodeConfig is what jeeves reads from an agent's config.xml.
type NodeConfig struct {
	Description  string
	RemoteFS     string
	NumExecutors int
	Mode         string   // NORMAL or EXCLUSIVE
	Labels       []string // from the space-separated <label>
	Launcher     string   // the launcher's class
}

// Grant gives one sid (a user or a group) a permission, as Jenkins's
// matrix-auth stores it: "USER:hudson.model.Item.Build:alice".
type Grant struct {
	Type       string // "USER", "GROUP", or "EITHER" (the old unprefixed form)
	Sid        string // a user id, or a group such as "authenticated"
	Permission string // a Jenkins permission id
}

// How an item's permission matrix combines with its parents'.
const (
	InheritParent = "parent" // InheritParentStrategy (the default)
	InheritGlobal = "global" // InheritGlobalStrategy: skip the folders
	InheritNone   = "none"   // NonInheritingStrategy: only the item's own
)

// AuthMatrix is an item's hudson.security.AuthorizationMatrixProperty.
type AuthMatrix struct {
	Inheritance string // InheritParent, InheritGlobal or InheritNone
	Grants      []Grant
}
