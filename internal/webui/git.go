package webui

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/authz"
	"github.com/jeeves-ci/jeeves/internal/blob"
	"github.com/jeeves-ci/jeeves/internal/credentials"
	"github.com/jeeves-ci/jeeves/internal/git"
	"github.com/jeeves-ci/jeeves/internal/gitscm"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/request"
	"github.com/jeeves-ci/jeeves/internal/usererr"
)

// The git plugin's pages: a job's polling logs (scmPollLog,
// GitHubPollLog) and changes, a build's polling log and changes, what
// the job and build pages show of them, and the git settings on the
// Manage page.

// maxPageLog bounds how much of a polling log a page shows: its end.
const maxPageLog = 1 << 20

// readTail reads at most limit bytes from the end of r, from a line
// boundary; skipped says whether anything was left out.
func readTail(r blob.Reader, limit int64) (text string, skipped bool, err error) {
	size, err := r.Seek(0, io.SeekEnd)
	if err != nil {
		return "", false, err
	}
	start := max(0, size-limit)
	buf := make([]byte, size-start)
	if _, err := r.ReadAt(buf, start); err != nil && !errors.Is(err, io.EOF) {
		return "", false, err
	}
	if start > 0 {
		if i := strings.IndexByte(string(buf), '\n'); i >= 0 {
			buf = buf[i+1:]
		}
	}
	return string(buf), start > 0, nil
}

// pollLog is what a polling log page shows.
type pollLog struct {
	Heading, Text string
	NotRun        bool // polling has not run yet
	Skipped       bool // only the log's end is shown
}

// PollingLogPage is GET /job/X/scmPollLog/ (github false: SCMTrigger's
// "Git Polling Log", the job's last poll) and /job/X/GitHubPollLog/
// (the GitHub plugin's "GitHub Hook Log", the last poll a push started):
// the log, or "Polling has not run yet.".
func (ui *UI) PollingLogPage(c *request.Call, job *model.Job, github bool) error {
	key, heading := gitscm.PollingLogKey(job.ID), "Git Polling Log"
	if github {
		key, heading = gitscm.GitHubPollingLogKey(job.ID), "GitHub Hook Log"
	}
	pl, err := ui.readPollingLog(key, heading)
	if err != nil {
		return err
	}
	tr := append(jobTrail(c, job.Name), trail{heading, c.R.URL.Path})
	return ui.render(c, http.StatusOK, "polllog", page{Title: job.Name + " " + heading, Trail: tr, P: pl})
}

func (ui *UI) readPollingLog(key, heading string) (pollLog, error) {
	pl := pollLog{Heading: heading}
	r, err := ui.git.PollingLog(key)
	if errors.Is(err, blob.ErrNotFound) {
		pl.NotRun, pl.Text = true, gitscm.PollingNotRun
		return pl, nil
	}
	if err != nil {
		return pl, err
	}
	defer r.Close()
	pl.Text, pl.Skipped, err = readTail(r, maxPageLog)
	return pl, err
}

// BuildPollingLog is GET /job/X/N/pollingLog/ (SCMTrigger.BuildAction:
// the polling log that started the build, as a page) and
// /job/X/N/pollingLog/pollingLog (the same as text/plain). A build not
// started by polling has none: 404.
func (ui *UI) BuildPollingLog(c *request.Call, job *model.Job, b *model.Build, text bool) error {
	r, err := ui.git.PollingLog(gitscm.BuildPollingLogKey(job.ID, b.Number))
	if errors.Is(err, blob.ErrNotFound) {
		return request.NotFound()
	}
	if err != nil {
		return err
	}
	defer r.Close()
	if text {
		c.W.Header().Set("Content-Type", "text/plain;charset=utf-8")
		c.W.WriteHeader(http.StatusOK)
		if c.R.Method == http.MethodHead {
			return nil
		}
		_, err := io.Copy(c.W, io.LimitReader(r, maxPageLog))
		return err
	}
	pl := pollLog{Heading: "Polling Log"}
	if pl.Text, pl.Skipped, err = readTail(r, maxPageLog); err != nil {
		return err
	}
	url := c.Root + jobPath(job.Name) + strconv.FormatInt(b.Number, 10) + "/"
	tr := append(jobTrail(c, job.Name), trail{"#" + strconv.FormatInt(b.Number, 10), url}, trail{"Polling Log", url + "pollingLog/"})
	return ui.render(c, http.StatusOK, "polllog", page{Title: job.Name + " #" + strconv.FormatInt(b.Number, 10) + " Polling Log", Trail: tr, P: pl})
}

// changeView is one change as the Changes pages show it.
type changeView struct {
	ID, Short, Title, Comment, Author, Email, Date string
	Paths                                          []git.ChangePath
}

func changeViews(changes []git.Change) []changeView {
	out := make([]changeView, len(changes))
	for i, ch := range changes {
		short := ch.CommitID
		if len(short) > 8 {
			short = short[:8]
		}
		out[i] = changeView{ID: ch.CommitID, Short: short, Title: ch.Title, Comment: strings.TrimRight(ch.Comment, "\n"),
			Author: ch.Author, Email: ch.AuthorEmail, Date: ch.Date, Paths: ch.Paths}
	}
	return out
}

// buildChanges is one build on a Changes page.
type buildChanges struct {
	Number   int64
	URL      string
	Revision string // "Revision <sha> (<branches>)"; "" when unknown
	Changes  []changeView
}

// BuildChangesPage is GET /job/X/N/changes: the revision the build
// checked out and the commits it built that the one before had not
// (its changelog), newest last as Jenkins lists them.
func (ui *UI) BuildChangesPage(c *request.Call, job *model.Job, b *model.Build) error {
	changes, _, err := ui.git.Changes(job, b.Number)
	if err != nil {
		return err
	}
	bd, err := ui.git.BuildData(job.ID, b.Number)
	if err != nil {
		return err
	}
	url := c.Root + jobPath(job.Name) + strconv.FormatInt(b.Number, 10) + "/"
	bc := buildChanges{Number: b.Number, URL: url, Changes: changeViews(changes)}
	if r := bd.LastBuiltRevision(); r != nil {
		bc.Revision = r.String()
	}
	tr := append(jobTrail(c, job.Name), trail{"#" + strconv.FormatInt(b.Number, 10), url}, trail{"Changes", url + "changes"})
	return ui.render(c, http.StatusOK, "changes", page{Title: job.Name + " #" + strconv.FormatInt(b.Number, 10) + " Changes", Trail: tr,
		P: map[string]any{"Builds": []buildChanges{bc}, "Single": true}})
}

// jobChangesBuilds is how many of a job's newest builds its Changes page
// reads.
const jobChangesBuilds = 50

// JobChangesPage is GET /job/X/changes: the changes of the job's newest
// builds, newest build first; builds without changes are left out.
func (ui *UI) JobChangesPage(c *request.Call, job *model.Job) error {
	builds, err := ui.builds.List(c.Ctx(), job.ID, jobChangesBuilds)
	if err != nil {
		return err
	}
	numbers := make([]int64, 0, len(builds))
	for _, b := range builds {
		if !b.Building {
			numbers = append(numbers, b.Number)
		}
	}
	all, err := ui.git.JobChanges(job, numbers)
	if err != nil {
		return err
	}
	var out []buildChanges
	for _, bc := range all {
		if len(bc.Changes) == 0 {
			continue
		}
		v := buildChanges{Number: bc.Number, URL: c.Root + jobPath(job.Name) + strconv.FormatInt(bc.Number, 10) + "/", Changes: changeViews(bc.Changes)}
		if bc.Revision != nil {
			v.Revision = bc.Revision.String()
		}
		out = append(out, v)
	}
	tr := append(jobTrail(c, job.Name), trail{"Changes", c.Root + jobPath(job.Name) + "changes"})
	return ui.render(c, http.StatusOK, "changes", page{Title: job.Name + " Changes", Trail: tr, P: map[string]any{"Builds": out}})
}

// jobGit is what the job page links to of the git plugin's pages; nil
// for a job that neither checks a git repository out nor polls.
type jobGit struct {
	URL                   string
	Changes, Poll, GitHub bool
}

func (ui *UI) jobGit(c *request.Call, job *model.Job) *jobGit {
	isGit := strings.Contains(string(job.ConfigXML), git.SCMClass)
	t := gitscm.ReadTriggers(job.ConfigXML)
	if !isGit && t.SCM == nil {
		return nil
	}
	return &jobGit{URL: c.Root + jobPath(job.Name), Changes: isGit, Poll: t.SCM != nil, GitHub: t.GitHub}
}

// buildGit is what the build page shows of a build's checkout: the
// revision, how many changes, and links to the Changes page and the
// polling log that started it; nil for a build without either.
type buildGit struct {
	URL      string
	Revision string
	Changes  int
	Changed  bool // the build has a changelog
	PollLog  bool
}

func (ui *UI) buildGit(c *request.Call, job *model.Job, b *model.Build) (*buildGit, error) {
	bd, err := ui.git.BuildData(job.ID, b.Number)
	if err != nil {
		return nil, err
	}
	changes, ok, err := ui.git.Changes(job, b.Number)
	if err != nil {
		return nil, err
	}
	polled := false
	for _, cause := range b.Causes {
		polled = polled || cause.Kind == model.CauseSCM || cause.Kind == model.CauseGitHubPush
	}
	if bd == nil && !ok && !polled {
		return nil, nil
	}
	g := &buildGit{URL: c.Root + jobPath(job.Name) + strconv.FormatInt(b.Number, 10) + "/", Changes: len(changes), Changed: ok, PollLog: polled}
	if r := bd.LastBuiltRevision(); r != nil {
		g.Revision = r.String()
	}
	return g, nil
}

// The git settings on the Manage page.

// hostKeyStrategies are the host key verification strategies, by the
// simple name of their Jenkins class, with what Jenkins's form calls
// them.
var hostKeyStrategies = [][2]string{
	{"KnownHostsFileVerificationStrategy", "Known hosts file"},
	{"AcceptFirstConnectionStrategy", "Accept first connection"},
	{"ManuallyProvidedKeyVerificationStrategy", "Manually provided keys"},
	{"NoHostKeyVerificationStrategy", "No verification"},
}

// notifyAccessModes are the notifyCommit access control modes.
var notifyAccessModes = [][2]string{
	{gitscm.NotifyTokenAlways, "A token is required on every request (the default)"},
	{gitscm.NotifyTokenForSHA1, "A token is required only with a sha1 parameter"},
	{gitscm.NotifyTokenNever, "No token is required (anyone who can reach jeeves may start polling and builds)"},
}

// gitSettingsForm is the git settings section as shown: the values, or
// what was typed when it came back with an error.
type gitSettingsForm struct {
	Root, Crumb string
	V           gitscm.Values
	HostKeys    [][2]string
	Access      [][2]string
	Secrets     []secretOption // the secret text credentials, for the GitHub hook
	NewToken    *newNotifyToken
	Errors      map[string]string
}

// secretOption is a credential offered as a GitHub hook secret.
type secretOption struct {
	ID, Name string
	Checked  bool
	Missing  bool // configured, but no such credential
}

// newNotifyToken is a notifyCommit token just generated: its value is
// shown this once.
type newNotifyToken struct{ Name, Value string }

// gitSettingsSection is the Manage page's git section: g as typed, or
// the current settings when g is nil.
func (ui *UI) gitSettingsSection(c *request.Call, g *gitSettingsForm) (*gitSettingsForm, error) {
	if g == nil {
		g = &gitSettingsForm{V: ui.git.Settings().Get()}
	}
	g.Root, g.Crumb, g.HostKeys, g.Access = c.Root, ui.crumbValue(c), hostKeyStrategies, notifyAccessModes
	if g.V.HostKeyVerification == "" {
		g.V.HostKeyVerification = hostKeyStrategies[0][0]
	}
	if g.V.NotifyCommitAccess == "" {
		g.V.NotifyCommitAccess = gitscm.NotifyTokenAlways
	}
	g.V.NotifyTokens = ui.git.Settings().Get().NotifyTokens
	creds, err := ui.creds.List(c.Ctx())
	if err != nil {
		return nil, err
	}
	checked := map[string]bool{}
	for _, id := range g.V.GitHubHookSecrets {
		checked[id] = true
	}
	g.Secrets = nil
	for _, cr := range creds {
		if cr.Kind == credentials.KindSecretText {
			g.Secrets = append(g.Secrets, secretOption{ID: cr.ID, Name: cr.DisplayName(), Checked: checked[cr.ID]})
			delete(checked, cr.ID)
		}
	}
	for _, id := range g.V.GitHubHookSecrets {
		if checked[id] {
			g.Secrets = append(g.Secrets, secretOption{ID: id, Name: id, Checked: true, Missing: true})
		}
	}
	return g, nil
}

// ManageGitConfigure is POST /manage/git/configure: the git settings
// (local checkouts, host key verification, jeeves's git identity, the
// notifyCommit access control, the GitHub hook secrets), applied at
// once. A form that fails comes back (400) as typed, the reason beside
// the field.
func (ui *UI) ManageGitConfigure(c *request.Call) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.Require(authz.Administer); err != nil {
		return err
	}
	if err := request.ParseForm(c); err != nil {
		return err
	}
	f := c.R.PostForm
	v := gitscm.Values{
		AllowLocalCheckout:  f.Get("allowLocalCheckout") == "true",
		HostKeyVerification: f.Get("hostKeyVerification"),
		ApprovedHostKeys:    strings.ReplaceAll(f.Get("approvedHostKeys"), "\r\n", "\n"),
		GlobalConfigName:    strings.TrimSpace(f.Get("globalConfigName")),
		GlobalConfigEmail:   strings.TrimSpace(f.Get("globalConfigEmail")),
		NotifyCommitAccess:  f.Get("notifyCommitAccess"),
	}
	for _, id := range f["gitHubHookSecrets"] {
		if id = strings.TrimSpace(id); id != "" {
			v.GitHubHookSecrets = append(v.GitHubHookSecrets, id)
		}
	}
	if v.HostKeyVerification == hostKeyStrategies[0][0] {
		v.HostKeyVerification = ""
	}
	if v.NotifyCommitAccess == gitscm.NotifyTokenAlways {
		v.NotifyCommitAccess = ""
	}
	if err := ui.git.Settings().Set(c.Ctx(), v); err != nil {
		if !errors.Is(err, gitscm.ErrInvalid) {
			return err
		}
		field := usererr.Field(err)
		if field == "" {
			field = "git"
		}
		return ui.manageWith(c, http.StatusBadRequest, nil, &gitSettingsForm{V: v, Errors: map[string]string{field: usererr.Message(err)}})
	}
	c.Notify("Saved the git settings")
	return request.SeeOther(c, c.Root+"manage/#git")
}

// ManageGitGenerateToken is POST /manage/git/generateToken: a new
// notifyCommit token named apiTokenName, shown once on the page that
// answers.
func (ui *UI) ManageGitGenerateToken(c *request.Call) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.Require(authz.Administer); err != nil {
		return err
	}
	if err := request.ParseForm(c); err != nil {
		return err
	}
	name := strings.TrimSpace(c.R.Form.Get("apiTokenName"))
	tok, value, err := ui.git.Settings().GenerateNotifyToken(c.Ctx(), name)
	if err != nil {
		if !errors.Is(err, gitscm.ErrInvalid) {
			return err
		}
		return ui.manageWith(c, http.StatusBadRequest, nil, &gitSettingsForm{V: ui.git.Settings().Get(), Errors: map[string]string{"apiTokenName": usererr.Message(err)}})
	}
	return ui.manageWith(c, http.StatusOK, nil, &gitSettingsForm{V: ui.git.Settings().Get(), NewToken: &newNotifyToken{Name: tok.Name, Value: value}})
}

// ManageGitRevokeToken is POST /manage/git/revokeToken?uuid=…: the
// notifyCommit token goes.
func (ui *UI) ManageGitRevokeToken(c *request.Call) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.Require(authz.Administer); err != nil {
		return err
	}
	if err := request.ParseForm(c); err != nil {
		return err
	}
	if err := ui.git.Settings().RevokeNotifyToken(c.Ctx(), c.R.Form.Get("uuid")); err != nil {
		if errors.Is(err, gitscm.ErrNoToken) {
			return request.NotFound()
		}
		return err
	}
	c.Notify("Revoked the notifyCommit token")
	return request.SeeOther(c, c.Root+"manage/#git")
}
