package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jeeves-ci/jeeves/internal/auth"
	"github.com/jeeves-ci/jeeves/internal/export"
	"github.com/jeeves-ci/jeeves/internal/limits"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/store"
	"github.com/jeeves-ci/jeeves/internal/usererr"
)

// walkUser serves /user/NAME/… and /me/… (§1.6, §3.4).
func (s *Server) walkUser(c *call, id string, p []string) error {
	u, err := s.auth.User(c.ctx(), id)
	if errors.Is(err, store.ErrNotFound) {
		return notFound()
	}
	if err != nil {
		return err
	}
	if len(p) == 0 {
		return s.serveAPI(c, []string{"api", "json"}, "user", s.userObject(c, u))
	}
	if ok, err := dispatch(s, c, u, p, walkUserMethods); ok {
		return err
	}
	switch p[0] {
	case "api":
		return s.serveAPI(c, p, "user", s.userObject(c, u))
	case "descriptorByName":
		if len(p) >= 3 && p[1] == "jenkins.security.ApiTokenProperty" {
			if ok, err := dispatch(s, c, u, p[2:], walkApiTokenMethods); ok {
				return err
			}
		}
	case "security":
		return s.walkSecurity(c, u, p[1:])
	case "apiTokens":
		if err := s.requireSelfOrAdmin(c, u); err != nil {
			return err
		}
		return s.serveAPI(c, p[1:], "apiTokens", s.tokensObject(c, u))
	}
	return notFound()
}

// walkUserMethods are a user's web methods (User's doDoDelete).
func walkUserMethods(name string) webMethod[*model.User] {
	switch name {
	case "doDelete":
		return (*Server).deleteUser
	case "submitDescription":
		return (*Server).submitUserDescription
	}
	return nil
}

// submitUserDescription is POST /user/NAME/submitDescription: the user
// themself (with a token that is not limited) or an admin sets what the
// user's page says, as Jenkins's User ACL grants a user over itself.
func (s *Server) submitUserDescription(c *call, u *model.User) error {
	if err := requirePOST(c); err != nil {
		return err
	}
	if err := s.requireSelfOrAdmin(c, u); err != nil {
		return err
	}
	if !c.has(permAdminister) && c.id.Method == auth.Token && len(c.id.Scopes) > 0 {
		return newError(http.StatusForbidden, "A token limited to "+strings.Join(c.id.Scopes, ", ")+" cannot change a user's description")
	}
	if err := parseForm(c); err != nil {
		return err
	}
	if err := s.auth.SetUserDescription(c.ctx(), u.ID, c.r.FormValue("description")); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return notFound()
		}
		return err
	}
	self := c.root + "user/" + u.ID + "/"
	s.redirectAfterPost(c, self, self+"api/json")
	return nil
}

// walkApiTokenMethods are the web methods of a user's API token property
// (ApiTokenProperty.DescriptorImpl's doGenerateNewToken, doRevoke…).
func walkApiTokenMethods(name string) webMethod[*model.User] {
	switch name {
	case "generateNewToken", "addFixedToken", "rotate", "revoke", "rename":
		return func(s *Server, c *call, u *model.User) error { return s.tokenAction(c, u, name) }
	}
	return nil
}

func (s *Server) userObject(c *call, u *model.User) *export.Object {
	return obj("hudson.model.User",
		p("absoluteUrl", c.root+"user/"+u.ID),
		lazy("description", func() any {
			d, err := s.auth.UserDescription(c.ctx(), u.ID)
			c.failUnlessGone(err)
			return nilIfEmpty(d)
		}),
		p("fullName", u.DisplayName()),
		p("id", u.ID),
		p("property", []*export.Object{
			obj("jenkins.security.ApiTokenProperty"),
			obj("hudson.tasks.Mailer$UserProperty", p("address", nilIfEmpty(u.Email))),
		}),
	)
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// tokensObject lists a user's tokens: never their values or hashes.
func (s *Server) tokensObject(c *call, u *model.User) *export.Object {
	ts, err := s.auth.Tokens(c.ctx(), u.ID)
	c.fail(err)
	list := make([]*export.Object, 0, len(ts))
	if err == nil {
		for _, t := range ts {
			var last any
			if !t.LastUse.IsZero() {
				last = t.LastUse.UnixMilli()
			}
			var expires any
			if !t.ExpiresAt.IsZero() {
				expires = t.ExpiresAt.UnixMilli()
			}
			scopes := t.Scopes
			if scopes == nil {
				scopes = []string{}
			}
			list = append(list, obj("",
				pv("uuid", 2, t.UUID), pv("name", 2, t.Name), pv("creationDate", 2, t.CreatedAt.UnixMilli()),
				pv("expirationDate", 2, expires), pv("expired", 2, !t.ExpiresAt.IsZero() && !time.Now().Before(t.ExpiresAt)),
				pv("scopes", 2, scopes), pv("jobs", 2, nilIfEmpty(t.Jobs)),
				pv("useCount", 2, t.UseCount), pv("lastUseDate", 2, last), pv("lastUseIP", 2, nilIfEmpty(t.LastIP))))
		}
	}
	return obj("jeeves.ApiTokens", p("tokens", list))
}

// requireSelfOrAdmin: a user's tokens are theirs and the admins'.
func (s *Server) requireSelfOrAdmin(c *call, u *model.User) error {
	if c.id.User != nil && strings.EqualFold(c.id.User.ID, u.ID) || c.has(permAdminister) {
		return nil
	}
	return forbidden(permAdminister)
}

// tokenAction serves ApiTokenProperty's generateNewToken, revoke and
// rename, with Jenkins's parameters and answers (§3.4).
func (s *Server) tokenAction(c *call, u *model.User, action string) error {
	if err := requirePOST(c); err != nil {
		return err
	}
	if err := parseForm(c); err != nil {
		return err
	}
	self := c.id.User != nil && strings.EqualFold(c.id.User.ID, u.ID)
	switch action {
	case "generateNewToken", "addFixedToken":
		// Jenkins lets only the user make their own tokens.
		if !self {
			return newError(http.StatusForbidden, "Only the user themself can generate their API tokens")
		}
		if err := requireFullToken(c); err != nil {
			return err
		}
		name := strings.TrimSpace(c.r.FormValue("newTokenName"))
		opt, err := tokenOptions(c)
		if err != nil {
			return writeJSON(c, map[string]any{"status": "error", "message": err.Error()})
		}
		var value string
		var t *model.Token
		if action == "addFixedToken" {
			value = c.r.FormValue("newTokenPlainValue")
			t, err = s.auth.AddFixedToken(c.ctx(), u.ID, name, value, opt)
		} else {
			value, t, err = s.auth.GenerateToken(c.ctx(), u.ID, name, opt)
		}
		if errors.Is(err, auth.ErrOutlives) {
			return writeJSONStatus(c, http.StatusBadRequest, map[string]any{"status": "error", "message": err.Error()})
		}
		if errors.Is(err, auth.ErrInvalid) {
			return tokenError(c, err)
		}
		if err != nil {
			return err
		}
		data := tokenData(t)
		if action == "generateNewToken" {
			data["tokenValue"] = value
		}
		c.w.Header().Set("Cache-Control", "no-store")
		return writeJSON(c, map[string]any{"status": "ok", "data": data})
	case "rotate":
		if err := s.requireSelfOrAdmin(c, u); err != nil {
			return err
		}
		if err := requireFullToken(c); err != nil {
			return err
		}
		uuid := strings.TrimSpace(c.r.FormValue("tokenUuid"))
		if uuid == "" {
			return badRequest("The tokenUuid cannot be empty")
		}
		value, t, err := s.auth.RotateToken(c.ctx(), u.ID, uuid, tokenNotAfter(c))
		switch {
		case errors.Is(err, auth.ErrOutlives):
			return writeJSONStatus(c, http.StatusBadRequest, map[string]any{"status": "error", "message": err.Error()})
		case errors.Is(err, store.ErrNotFound):
			return writeJSON(c, map[string]any{"status": "error", "message": "No token found, try refreshing the page"})
		case errors.Is(err, auth.ErrInvalid):
			return writeJSON(c, map[string]any{"status": "error", "message": usererr.Message(err)})
		case err != nil:
			return err
		}
		data := tokenData(t)
		data["tokenValue"] = value
		c.w.Header().Set("Cache-Control", "no-store")
		return writeJSON(c, map[string]any{"status": "ok", "data": data})
	case "revoke":
		if err := s.requireSelfOrAdmin(c, u); err != nil {
			return err
		}
		if err := requireFullToken(c); err != nil {
			return err
		}
		uuid := strings.TrimSpace(c.r.FormValue("tokenUuid"))
		if uuid == "" {
			return badRequest("The tokenUuid cannot be empty")
		}
		if err := s.auth.RevokeToken(c.ctx(), u.ID, uuid); err != nil {
			return err
		}
		return writeJSON(c, map[string]any{"status": "ok"})
	case "rename":
		if err := s.requireSelfOrAdmin(c, u); err != nil {
			return err
		}
		if err := requireFullToken(c); err != nil {
			return err
		}
		uuid := strings.TrimSpace(c.r.FormValue("tokenUuid"))
		name := strings.TrimSpace(c.r.FormValue("newName"))
		switch {
		case name == "":
			return writeJSON(c, map[string]any{"status": "error", "message": "The name cannot be empty"})
		case uuid == "":
			return writeJSON(c, map[string]any{"status": "error", "message": "The tokenUuid cannot be empty"})
		}
		err := s.auth.RenameToken(c.ctx(), u.ID, uuid, name)
		if errors.Is(err, store.ErrNotFound) {
			return writeJSON(c, map[string]any{"status": "error", "message": "No token found, try refreshing the page"})
		}
		if errors.Is(err, auth.ErrInvalid) {
			return tokenError(c, err)
		}
		if err != nil {
			return err
		}
		return writeJSON(c, map[string]any{"status": "ok"})
	}
	return notFound()
}

// tokenError answers a refused token request as Jenkins's errorJSON
// does, {"status":"error","message":…}; a value over its bound (or with
// an invisible character) also gets a 400, as every other form does.
func tokenError(c *call, err error) error {
	var le *limits.Error
	var ce *limits.CharError
	status := http.StatusOK
	if errors.As(err, &le) || errors.As(err, &ce) {
		status = http.StatusBadRequest
	}
	return writeJSONStatus(c, status, map[string]any{"status": "error", "message": usererr.Message(err)})
}

// requireFullToken: a token limited by scopes (other than admin) or to a
// job glob cannot manage tokens (make, rotate, rename, revoke) or
// passwords, or it could mint itself wider ones. An unlimited token that
// expires may, within tokenNotAfter.
func requireFullToken(c *call) error {
	if c.id.Method != auth.Token {
		return nil
	}
	if c.id.Jobs != "" {
		return newError(http.StatusForbidden, "A token limited to the jobs matching ‘"+c.id.Jobs+"’ cannot manage API tokens or passwords")
	}
	if len(c.id.Scopes) > 0 && !slices.Contains(c.id.Scopes, auth.ScopeAdmin) {
		return newError(http.StatusForbidden, "A token limited to "+strings.Join(c.id.Scopes, ", ")+" cannot manage API tokens")
	}
	return nil
}

// tokenNotAfter is the latest expiry a token made or rotated by this
// request may have: the expiry of the API token making the request
// (zero: no limit).
func tokenNotAfter(c *call) time.Time {
	if c.id.Method != auth.Token {
		return time.Time{}
	}
	return c.id.TokenExpires
}

// tokenOptions reads generateNewToken's expiry (Jenkins's
// expirationDuration: days, never, or custom with tokenExpiration
// YYYY-MM-DD), and jeeves's scope (repeatable) and jobs.
func tokenOptions(c *call) (auth.TokenOptions, error) {
	var opt auth.TokenOptions
	switch d := strings.TrimSpace(c.r.FormValue("expirationDuration")); d {
	case "", "never":
	case "custom":
		day, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(c.r.FormValue("tokenExpiration")), time.Local)
		if err != nil {
			return opt, errors.New("tokenExpiration must be a date such as 2027-01-31")
		}
		opt.Expires = day
	default:
		n, err := strconv.Atoi(d)
		if err != nil || n <= 0 || n > 36500 {
			return opt, errors.New("expirationDuration must be a number of days, never or custom")
		}
		opt.Expires = time.Now().Add(time.Duration(n) * 24 * time.Hour)
	}
	for _, sc := range c.r.Form["scope"] {
		opt.Scopes = append(opt.Scopes, strings.FieldsFunc(sc, func(r rune) bool { return r == ',' || r == ' ' })...)
	}
	opt.Jobs = c.r.FormValue("jobs")
	opt.NotAfter = tokenNotAfter(c)
	return opt, nil
}

// tokenData describes a token in generateNewToken's and rotate's answers.
func tokenData(t *model.Token) map[string]any {
	data := map[string]any{"tokenName": t.Name, "tokenUuid": t.UUID, "expirationDate": "never", "aboutToExpire": false}
	if !t.ExpiresAt.IsZero() {
		data["expirationDate"] = t.ExpiresAt.Format("2006-01-02")
		data["aboutToExpire"] = time.Until(t.ExpiresAt) < 7*24*time.Hour
	}
	if len(t.Scopes) > 0 {
		data["scopes"] = t.Scopes
	}
	if t.Jobs != "" {
		data["jobs"] = t.Jobs
	}
	return data
}

func writeJSON(c *call, v any) error { return writeJSONStatus(c, http.StatusOK, v) }

// writeJSONStatus writes v as JSON with the given status.
func writeJSONStatus(c *call, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	c.w.Header().Set("Content-Type", "application/json;charset=utf-8")
	c.w.WriteHeader(status)
	_, err = c.w.Write(b)
	return err
}

// createAccountByAdmin creates a user (§1.3's form fields). From the
// Users page's form, a failure shows the form again (400) as typed but
// for the passwords, the reason beside the field.
func (s *Server) createAccountByAdmin(c *call) error {
	if err := requirePOST(c); err != nil {
		return err
	}
	if err := c.require(permAdminister); err != nil {
		return err
	}
	if err := parseForm(c); err != nil {
		return err
	}
	err := s.createAccount(c)
	if msg, ok := formError(err); ok && fromForm(c) {
		f := c.r.Form
		typed := &userForm{Username: f.Get("username"), FullName: f.Get("fullname"), Email: f.Get("email"), Errors: map[string]string{}}
		var fe *fieldError
		if errors.As(err, &fe) {
			typed.Errors[fe.field] = msg
		}
		return s.usersPage(c, http.StatusBadRequest, msg, typed)
	}
	return err
}

func (s *Server) createAccount(c *call) error {
	f := c.r.Form
	id := strings.TrimSpace(f.Get("username"))
	switch {
	case id == "":
		return badField("username", "User name is required")
	case !auth.ValidUserID(id):
		return badField("username", "User name must only contain alphanumeric characters, underscore and dash, at most "+strconv.Itoa(limits.UserID)+" of them")
	case f.Get("password1") == "":
		return badField("password1", "Password is required")
	case f.Get("password1") != f.Get("password2"):
		return badField("password2", "Password didn't match")
	}
	u, err := s.auth.CreateUser(c.ctx(), id, f.Get("password1"), strings.TrimSpace(f.Get("fullname")), strings.TrimSpace(f.Get("email")), false)
	switch {
	case errors.Is(err, auth.ErrUserExists):
		return badField("username", "User name is already taken")
	case errors.Is(err, auth.ErrInvalid):
		if usererr.Field(err) == "password" {
			return badField("password1", usererr.Message(err))
		}
		return badField("username", usererr.Message(err))
	case err != nil:
		return err
	}
	if fromForm(c) {
		return seeOther(c, c.root+"manage/users/")
	}
	s.redirectAfterPost(c, c.root+"user/"+u.ID+"/", c.root+"user/"+u.ID+"/api/json")
	return nil
}
