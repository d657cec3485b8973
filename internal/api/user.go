package api

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jeeves-ci/jeeves/internal/auth"
	"github.com/jeeves-ci/jeeves/internal/authz"
	"github.com/jeeves-ci/jeeves/internal/export"
	"github.com/jeeves-ci/jeeves/internal/limits"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/request"
	"github.com/jeeves-ci/jeeves/internal/store"
	"github.com/jeeves-ci/jeeves/internal/usererr"
)

// SubmitUserDescription is POST /user/NAME/submitDescription: the user
// themself (with a token that is not limited) or an admin sets what the
// user's page says, as Jenkins's User ACL grants a user over itself.
func (a *API) SubmitUserDescription(c *request.Call, u *model.User) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.RequireSelfOrAdmin(u); err != nil {
		return err
	}
	if !c.Has(authz.Administer) && c.ID.Method == auth.Token && len(c.ID.Scopes) > 0 {
		return request.NewError(http.StatusForbidden, "A token limited to "+strings.Join(c.ID.Scopes, ", ")+" cannot change a user's description")
	}
	if err := request.ParseForm(c); err != nil {
		return err
	}
	if err := a.auth.SetUserDescription(c.Ctx(), u.ID, c.R.FormValue("description")); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return request.NotFound()
		}
		return err
	}
	self := c.Root + "user/" + u.ID + "/"
	return request.RedirectAfterPost(c, self, self+"api/json")
}

// UserObject is a user's API object (hudson.model.User).
func (a *API) UserObject(c *request.Call, u *model.User) *export.Object {
	return newObject("hudson.model.User",
		prop("absoluteUrl", c.Root+"user/"+u.ID),
		lazyProp("description", func() any {
			d, err := a.auth.UserDescription(c.Ctx(), u.ID)
			c.FailUnlessGone(err)
			return nilIfEmpty(d)
		}),
		prop("fullName", u.DisplayName()),
		prop("id", u.ID),
		prop("property", []*export.Object{
			newObject("jenkins.security.ApiTokenProperty"),
			newObject("hudson.tasks.Mailer$UserProperty", prop("address", nilIfEmpty(u.Email))),
		}),
	)
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// TokensObject lists a user's tokens: never their values or hashes.
func (a *API) TokensObject(c *request.Call, u *model.User) *export.Object {
	ts, err := a.auth.Tokens(c.Ctx(), u.ID)
	c.Fail(err)
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
			list = append(list, newObject("",
				propVis("uuid", 2, t.UUID), propVis("name", 2, t.Name), propVis("creationDate", 2, t.CreatedAt.UnixMilli()),
				propVis("expirationDate", 2, expires), propVis("expired", 2, !t.ExpiresAt.IsZero() && !time.Now().Before(t.ExpiresAt)),
				propVis("scopes", 2, scopes), propVis("jobs", 2, nilIfEmpty(t.Jobs)),
				propVis("useCount", 2, t.UseCount), propVis("lastUseDate", 2, last), propVis("lastUseIP", 2, nilIfEmpty(t.LastIP))))
		}
	}
	return newObject("jeeves.ApiTokens", prop("tokens", list))
}

// TokenAction serves ApiTokenProperty's generateNewToken, revoke and
// rename, with Jenkins's parameters and answers
// (jenkins/security/ApiTokenProperty.java's DescriptorImpl).
func (a *API) TokenAction(c *request.Call, u *model.User, action string) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := request.ParseForm(c); err != nil {
		return err
	}
	self := c.ID.User != nil && strings.EqualFold(c.ID.User.ID, u.ID)
	switch action {
	case "generateNewToken", "addFixedToken":
		// Jenkins lets only the user make their own tokens.
		if !self {
			return request.NewError(http.StatusForbidden, "Only the user themself can generate their API tokens")
		}
		if err := c.RequireFullToken(); err != nil {
			return err
		}
		name := strings.TrimSpace(c.R.FormValue("newTokenName"))
		opt, err := c.TokenOptions()
		if err != nil {
			return request.WriteJSON(c, map[string]any{"status": "error", "message": err.Error()})
		}
		var value string
		var t *model.Token
		if action == "addFixedToken" {
			value = c.R.FormValue("newTokenPlainValue")
			t, err = a.auth.AddFixedToken(c.Ctx(), u.ID, name, value, opt)
		} else {
			value, t, err = a.auth.GenerateToken(c.Ctx(), u.ID, name, opt)
		}
		if errors.Is(err, auth.ErrOutlives) {
			return request.WriteJSONStatus(c, http.StatusBadRequest, map[string]any{"status": "error", "message": err.Error()})
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
		c.W.Header().Set("Cache-Control", "no-store")
		return request.WriteJSON(c, map[string]any{"status": "ok", "data": data})
	case "rotate":
		if err := c.RequireSelfOrAdmin(u); err != nil {
			return err
		}
		if err := c.RequireFullToken(); err != nil {
			return err
		}
		uuid := strings.TrimSpace(c.R.FormValue("tokenUuid"))
		if uuid == "" {
			return request.BadRequest("The tokenUuid cannot be empty")
		}
		value, t, err := a.auth.RotateToken(c.Ctx(), u.ID, uuid, c.TokenNotAfter())
		switch {
		case errors.Is(err, auth.ErrOutlives):
			return request.WriteJSONStatus(c, http.StatusBadRequest, map[string]any{"status": "error", "message": err.Error()})
		case errors.Is(err, store.ErrNotFound):
			return request.WriteJSON(c, map[string]any{"status": "error", "message": "No token found, try refreshing the page"})
		case errors.Is(err, auth.ErrInvalid):
			return request.WriteJSON(c, map[string]any{"status": "error", "message": usererr.Message(err)})
		case err != nil:
			return err
		}
		data := tokenData(t)
		data["tokenValue"] = value
		c.W.Header().Set("Cache-Control", "no-store")
		return request.WriteJSON(c, map[string]any{"status": "ok", "data": data})
	case "revoke":
		if err := c.RequireSelfOrAdmin(u); err != nil {
			return err
		}
		if err := c.RequireFullToken(); err != nil {
			return err
		}
		uuid := strings.TrimSpace(c.R.FormValue("tokenUuid"))
		if uuid == "" {
			return request.BadRequest("The tokenUuid cannot be empty")
		}
		if err := a.auth.RevokeToken(c.Ctx(), u.ID, uuid); err != nil {
			return err
		}
		return request.WriteJSON(c, map[string]any{"status": "ok"})
	case "rename":
		if err := c.RequireSelfOrAdmin(u); err != nil {
			return err
		}
		if err := c.RequireFullToken(); err != nil {
			return err
		}
		uuid := strings.TrimSpace(c.R.FormValue("tokenUuid"))
		name := strings.TrimSpace(c.R.FormValue("newName"))
		switch {
		case name == "":
			return request.WriteJSON(c, map[string]any{"status": "error", "message": "The name cannot be empty"})
		case uuid == "":
			return request.WriteJSON(c, map[string]any{"status": "error", "message": "The tokenUuid cannot be empty"})
		}
		err := a.auth.RenameToken(c.Ctx(), u.ID, uuid, name)
		if errors.Is(err, store.ErrNotFound) {
			return request.WriteJSON(c, map[string]any{"status": "error", "message": "No token found, try refreshing the page"})
		}
		if errors.Is(err, auth.ErrInvalid) {
			return tokenError(c, err)
		}
		if err != nil {
			return err
		}
		return request.WriteJSON(c, map[string]any{"status": "ok"})
	}
	return request.NotFound()
}

// tokenError answers a refused token request as Jenkins's errorJSON
// does, {"status":"error","message":…}; a value over its bound (or with
// an invisible character) also gets a 400, as every other form does.
func tokenError(c *request.Call, err error) error {
	var le *limits.Error
	var ce *limits.CharError
	status := http.StatusOK
	if errors.As(err, &le) || errors.As(err, &ce) {
		status = http.StatusBadRequest
	}
	return request.WriteJSONStatus(c, status, map[string]any{"status": "error", "message": usererr.Message(err)})
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

// CreateAccountByAdmin creates a user from the form fields of
// HudsonPrivateSecurityRealm.doCreateAccountByAdmin. From the
// Users page's form, a failure shows the form again (400) as typed but
// for the passwords, the reason beside the field.
func (a *API) CreateAccountByAdmin(c *request.Call) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.Require(authz.Administer); err != nil {
		return err
	}
	if err := request.ParseForm(c); err != nil {
		return err
	}
	err := a.createAccount(c)
	if _, ok := request.FormMessage(err); ok && request.FromForm(c) {
		return a.pages.CreateUserRefused(c, err)
	}
	return err
}

func (a *API) createAccount(c *request.Call) error {
	f := c.R.Form
	id := strings.TrimSpace(f.Get("username"))
	switch {
	case id == "":
		return request.BadField("username", "User name is required")
	case !auth.ValidUserID(id):
		return request.BadField("username", "User name must only contain alphanumeric characters, underscore and dash, at most "+strconv.Itoa(limits.UserID)+" of them")
	case f.Get("password1") == "":
		return request.BadField("password1", "Password is required")
	case f.Get("password1") != f.Get("password2"):
		return request.BadField("password2", "Password didn't match")
	}
	u, err := a.auth.CreateUser(c.Ctx(), id, f.Get("password1"), strings.TrimSpace(f.Get("fullname")), strings.TrimSpace(f.Get("email")), false)
	switch {
	case errors.Is(err, auth.ErrUserExists):
		return request.BadField("username", "User name is already taken")
	case errors.Is(err, auth.ErrInvalid):
		if usererr.Field(err) == "password" {
			return request.BadField("password1", usererr.Message(err))
		}
		return request.BadField("username", usererr.Message(err))
	case err != nil:
		return err
	}
	if request.FromForm(c) {
		c.Notify("Created the user ‘" + u.ID + "’")
		return request.SeeOther(c, c.Root+"manage/users/")
	}
	return request.RedirectAfterPost(c, c.Root+"user/"+u.ID+"/", c.Root+"user/"+u.ID+"/api/json")
}

// DeleteUser is POST /user/NAME/doDelete (admins; not oneself).
func (a *API) DeleteUser(c *request.Call, u *model.User) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.Require(authz.Administer); err != nil {
		return err
	}
	if strings.EqualFold(c.SelfID(), u.ID) {
		return request.BadRequest("You cannot delete yourself")
	}
	if u.Admin {
		return request.BadRequest("The first admin cannot be deleted")
	}
	if err := a.auth.DeleteUser(c.Ctx(), u.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	c.Notify("Deleted the user ‘" + u.ID + "’")
	return request.RedirectAfterPost(c, c.Root+"manage/users/", c.Root+"api/json")
}
