package credstore

import (
	"slices"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/audit"
	"github.com/jeeves-ci/jeeves/internal/auth"
	"github.com/jeeves-ci/jeeves/internal/authz"
)

// The permission each operation needs on the store, as the credentials
// plugin checks them (CredentialsStoreAction.java): listing and reading
// (api/json, config.xml) View; createCredentials Create; config.xml POST
// and updateSubmit Update; doDelete and config.xml DELETE Delete; doMove
// Delete here and Create where it goes; domains ManageDomains. Nobody,
// whatever they hold, reads a secret through the service.
const (
	PermView          = authz.CredentialsView
	PermCreate        = authz.CredentialsCreate
	PermUpdate        = authz.CredentialsUpdate
	PermDelete        = authz.CredentialsDelete
	PermManageDomains = authz.CredentialsManageDomains
)

// TokenMayManage reports whether a request with an API token limited to
// scopes (none: the owner's full rights) and to the job glob jobs ("":
// every job) may change credentials: only an unscoped or admin-scoped
// token without a job glob may. A token limited to read, build or
// configure is not trusted with secrets a job cannot reach, and a token
// limited to some jobs has no business with the store every job shares.
func TokenMayManage(scopes []string, jobs string) bool {
	return jobs == "" && (len(scopes) == 0 || slices.Contains(scopes, auth.ScopeAdmin))
}

// TokenMayView reports whether such a token may list and read
// credentials (their ids, names and descriptions, never a secret): any
// token without a job glob.
func TokenMayView(scopes []string, jobs string) bool { return jobs == "" }

// Permitted reports whether a caller may act with perm (one of the Perm
// constants) on the system store: has is the authorization strategy's
// answer for the caller on the root (authz.Service.Has), and scopes and
// jobs are the limits of the API token the request came with (nil and
// "" for a session or a password). View needs TokenMayView, every other
// permission TokenMayManage.
func Permitted(has func(perm string) bool, scopes []string, jobs string, perm string) bool {
	if perm == PermView {
		if !TokenMayView(scopes, jobs) {
			return false
		}
	} else if !TokenMayManage(scopes, jobs) {
		return false
	}
	return has(perm)
}

// AuditTo returns an audit function (for New) that writes each event to
// the audit log l: the action, who, and a detail naming the credential
// by id. Status is 0: an event is not an HTTP answer (the request that
// caused it is logged on its own). Errors writing go to logErr, if set.
func AuditTo(l *audit.Log, logErr func(error)) func(Event) {
	return func(ev Event) {
		detail := ev.Detail
		if ev.ID != "" {
			detail = strings.TrimSuffix("credential "+quote(ev.ID)+" ("+detail+")", " ()")
		}
		user := ev.Actor.User
		if user == "" {
			user = "anonymous"
		}
		auth := ev.Actor.Auth
		if auth == "" {
			auth = "jeeves"
		}
		err := l.Add(audit.Entry{Time: ev.Time, User: user, Auth: auth, TokenUUID: ev.Actor.TokenUUID,
			Addr: ev.Actor.Addr, Action: ev.Action, Detail: detail})
		if err != nil && logErr != nil {
			logErr(err)
		}
	}
}

func quote(s string) string { return `"` + s + `"` }
