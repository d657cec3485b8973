package gitscm

import (
	"context"
	"errors"

	"github.com/jeeves-ci/jeeves/internal/credentials"
	"github.com/jeeves-ci/jeeves/internal/git"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/store"
)

// Credentials finds the credential a job's remote names by its
// credentialsId, as the credentials service resolves it for a build of
// job (the credentials a job may use: the global ones today, its
// folders' later), or for jeeves itself when job is nil (the GitHub hook
// secrets). It returns nil, or an error matching store.ErrNotFound, when
// there is no such credential for job.
type Credentials interface {
	Resolve(ctx context.Context, id string, job *model.Job) (*credentials.Credential, error)
}

// CredentialsFunc is a function as a Credentials: how the composition
// root adapts the credentials service, whose Resolve takes the build's
// identity and answers nil, nil for an id a build may not use.
type CredentialsFunc func(ctx context.Context, id string, job *model.Job) (*credentials.Credential, error)

// Resolve implements Credentials.
func (f CredentialsFunc) Resolve(ctx context.Context, id string, job *model.Job) (*credentials.Credential, error) {
	return f(ctx, id, job)
}

// resolveCredentials resolves the credentials the remotes of scm name,
// for git: username/password and SSH private key credentials only, as
// the git client plugin's CREDENTIALS_MATCHER accepts (another kind is
// "could not be found", as there). An id that cannot be resolved is left
// out, and the checkout prints the plugin's warning for it; an error
// other than not-found (the store is unavailable) is returned.
func resolveCredentials(ctx context.Context, cs Credentials, scm *git.SCM, job *model.Job) (map[string]*git.Credential, error) {
	out := map[string]*git.Credential{}
	if cs == nil {
		return out, nil
	}
	for _, r := range scm.Remotes {
		id := r.CredentialsID
		if id == "" || out[id] != nil {
			continue
		}
		c, err := cs.Resolve(ctx, id, job)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if gc := GitCredential(c); gc != nil {
			out[id] = gc
		}
	}
	return out, nil
}

// GitCredential is a stored credential as git takes it; nil for a kind
// git cannot use (secret text, secret file).
func GitCredential(c *credentials.Credential) *git.Credential {
	if c == nil {
		return nil
	}
	switch c.Kind {
	case credentials.KindUsernamePassword:
		return &git.Credential{ID: c.ID, Description: c.Description, Username: c.Username, Password: c.Password.Reveal()}
	case credentials.KindSSHKey:
		return &git.Credential{ID: c.ID, Description: c.Description, Username: c.Username,
			PrivateKey: []byte(c.PrivateKey.Reveal()), Passphrase: c.Passphrase.Reveal()}
	}
	return nil
}
