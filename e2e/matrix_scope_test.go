package e2e

import (
	"context"
	"testing"

	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/store/sqlite"
)

// TestAStoredJobMatrixGrantsOnlyItemPermissions: config.xml refuses an
// Overall or generic permission in a job's matrix, but a home written
// before that rule (or edited by hand) may still hold one. Such a grant
// takes no effect, as matrix-auth drops it when it reads the matrix: it
// neither administers the server nor implies the job's own permissions.
func TestAStoredJobMatrixGrantsOnlyItemPermissions(t *testing.T) {
	home := t.TempDir() + "/home"
	j := start(t, home, nil)
	admin := j.adminToken(t)
	asAdmin := func(r req) req { r.user, r.secret = "admin", admin; return r }
	j.must(t, 302, asAdmin(req{method: "POST", path: "securityRealm/createAccountByAdmin",
		header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
		body:   "username=bob&password1=bob-pw&password2=bob-pw"}))
	j.must(t, 200, asAdmin(req{method: "POST", path: "manage/security/authorization",
		header: map[string]string{"Content-Type": "application/json"},
		body:   `{"strategy":"matrix","grants":[{"type":"GROUP","sid":"authenticated","permissions":["hudson.model.Hudson.Read","hudson.model.Item.Read"]}]}`}))
	j.createJob(t, "legacy", shellJob("true"))
	j.stop()

	st, err := sqlite.Open(home)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	job, err := st.Job(ctx, "legacy")
	if err != nil {
		t.Fatal(err)
	}
	legacy := matrixJob("", "USER:hudson.model.Hudson.Administer:bob", "USER:hudson.security.Permission.GenericWrite:bob")
	if err := st.UpdateJobConfig(ctx, job.ID, []byte(legacy), &model.Authority{User: "admin"}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	j = start(t, home, nil)
	bob := func(r req) req {
		r.user, r.secret = "bob", "bob-pw"
		if r.method == "POST" {
			r.header = map[string]string{"Jenkins-Crumb": j.crumb(t, "bob", "bob-pw"), "Content-Type": "application/xml"}
		}
		return r
	}
	for _, tc := range []struct {
		name string
		r    req
	}{
		// In this order: each would spoil the next if it ran.
		{"bob cannot read the audit log", req{path: "manage/audit/api/json"}},
		{"bob cannot read the authorization strategy", req{path: "manage/security/authorization"}},
		{"bob cannot build the job", req{method: "POST", path: "job/legacy/build?delay=0sec"}},
		{"bob cannot post the job's config.xml", req{method: "POST", path: "job/legacy/config.xml", body: legacy}},
		{"bob cannot delete the job", req{method: "POST", path: "job/legacy/doDelete"}},
	} {
		t.Run(tc.name, func(t *testing.T) { j.must(t, 403, bob(tc.r)) })
	}
	t.Run("bob still reads the job, as the global matrix lets him", func(t *testing.T) {
		j.must(t, 200, bob(req{path: "job/legacy/api/json"}))
	})
}
