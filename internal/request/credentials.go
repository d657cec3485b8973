package request

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/credentials"
	"github.com/jeeves-ci/jeeves/internal/credstore"
)

// HasCredentials reports whether the caller may act with perm (one of
// credstore's Perm constants) on the system credentials store: the
// strategy's answer on the root, and, for an API token, its limits as
// credstore.Permitted applies them (only an unscoped or admin-scoped
// token without a job glob manages credentials; any token without a glob
// may list them). Nobody, whatever they hold, reads a secret.
func (c *Call) HasCredentials(perm string) bool {
	has := func(p string) bool { return c.perms.authz.Has(c.Subject(), p, nil) }
	return credstore.Permitted(has, c.ID.Scopes, c.ID.Jobs, perm)
}

// RequireCredentials fails with Jenkins's 403 naming perm when the caller
// may not act with it on the credentials store (HasCredentials).
func (c *Call) RequireCredentials(perm string) error {
	if c.HasCredentials(perm) {
		return nil
	}
	return Forbidden(perm)
}

// ParseFormInMemory is ParseForm for a form that may carry a secret
// (a credential's fields, an uploaded secret file): the body is bounded
// by limit (past it the answer is a 413), and a multipart body is read
// whole into memory, never into temporary files, which would leave the
// secret on disk.
func ParseFormInMemory(c *Call, limit int64) error {
	c.R.Body = http.MaxBytesReader(c.W, c.R.Body, limit)
	var err error
	if strings.HasPrefix(c.R.Header.Get("Content-Type"), "multipart/") {
		// With room for the whole bounded body, no part spills to disk.
		err = c.R.ParseMultipartForm(limit + 1)
	} else {
		err = c.R.ParseForm()
	}
	var mbe *http.MaxBytesError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &mbe):
		return mbe
	}
	return BadRequest("Malformed form: " + err.Error())
}

// CredentialsActor is the caller as the credentials service audits a
// change: who, how they signed in, the token and the address.
func (c *Call) CredentialsActor() credstore.Actor {
	return credstore.Actor{User: c.ID.Name(), Auth: c.ID.Method.String(), TokenUUID: c.ID.TokenUUID, Addr: c.Addr}
}

// MaxCredentialForm bounds the body of a credential's form: a secret
// file at its limit, in the form's JSON, with room to spare.
const MaxCredentialForm = credentials.MaxJSONSize + credentials.MaxFileSize + 64<<10

// CredentialsURL is the web address of the global domain under base
// ("credentials/" or "manage/credentials/"), ending in "/".
func CredentialsURL(c *Call, base string) string {
	return c.Root + base + "store/" + credstore.StoreSystem + "/domain/" + credstore.DomainGlobal + "/"
}

// CredentialURL is the web address of the credential id under base.
func CredentialURL(c *Call, base, id string) string {
	return CredentialsURL(c, base) + "credential/" + url.PathEscape(id) + "/"
}

// UploadedFiles looks up the files of a multipart form parsed in memory
// (request.ParseFormInMemory), by part name.
func UploadedFiles(c *Call) credentials.FileLookup {
	return func(part string) (string, []byte, bool) {
		if c.R.MultipartForm == nil {
			return "", nil, false
		}
		fhs := c.R.MultipartForm.File[part]
		if len(fhs) == 0 {
			return "", nil, false
		}
		f, err := fhs[0].Open()
		if err != nil {
			return "", nil, false
		}
		defer f.Close()
		// One byte past the limit is enough for the credentials package
		// to refuse the file, naming the limit.
		data, err := io.ReadAll(io.LimitReader(f, credentials.MaxFileSize+1))
		if err != nil {
			return "", nil, false
		}
		return fhs[0].Filename, data, true
	}
}
