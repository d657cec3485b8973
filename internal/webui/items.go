package webui

import (
	"bytes"
	"errors"
	"html/template"
	"net/http"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/authz"
	"github.com/jeeves-ci/jeeves/internal/jobs"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/request"
	"github.com/jeeves-ci/jeeves/internal/usererr"
)

// Items: New Item's "Copy from" with its completion, the live check of a
// new item's name, Rename (Jenkins's confirm-rename) with the live check
// of the new name.

// maxSuggestions bounds the names a completion or a search suggests.
const maxSuggestions = 100

// copyFromPath is, under a view's descriptorByName/, Jenkins's
// completion of New Item's "Copy from" field
// (ViewDescriptor.doAutoCompleteCopyNewItemFrom).
const copyFromPath = "hudson.model.AllView/autoCompleteCopyNewItemFrom"

// writeCheck answers a form check as Jenkins's FormValidation does: an
// HTML fragment <div class="ok|warning|error">message</div>, nothing
// for a check without a message. It changes nothing.
func writeCheck(c *request.Call, chk fieldCheck) error {
	var b bytes.Buffer
	if chk.Kind != "" && chk.Message != "" {
		b.WriteString(`<div class="` + chk.Kind + `">`)
		template.HTMLEscape(&b, []byte(chk.Message))
		b.WriteString("</div>")
	}
	h := c.W.Header()
	h.Set("Content-Type", "text/html;charset=utf-8")
	h.Set("Cache-Control", "no-cache,no-store,must-revalidate")
	h.Set("X-Content-Type-Options", "nosniff")
	c.W.WriteHeader(http.StatusOK)
	if c.R.Method == http.MethodHead {
		return nil
	}
	_, err := c.W.Write(b.Bytes())
	return err
}

// nameTaken is what a check says of a name an item in parent already
// has: the item's name when the caller may see it, else only that the
// name is not allowed (as Jenkins's AbstractItem.checkIfNameIsUsed), so
// that a check does not tell of items the caller cannot see.
func (ui *UI) nameTaken(c *request.Call, parent, name, visible string) string {
	j, err := ui.jobs.Get(joinName(parent, name))
	if err != nil {
		return ""
	}
	if c.CanSee(j) {
		return visible
	}
	return "“" + name + "” is not an allowed name"
}

// CheckJobName is GET view/all/checkJobName?value=NAME (of the root, or
// of folder): Jenkins's View.doCheckJobName, the New Item page's check of
// a name as it is typed. It needs Job/Create where the item would go.
func (ui *UI) CheckJobName(c *request.Call, folder *model.Job) error {
	c.Item = folder
	if err := c.Require(authz.ItemCreate); err != nil {
		return err
	}
	value := c.R.URL.Query().Get("value")
	if strings.TrimSpace(value) == "" {
		return writeCheck(c, fieldCheck{})
	}
	if err := jobs.CheckName(value); err != nil {
		return writeCheck(c, fieldCheck{"error", usererr.Message(err)})
	}
	name := strings.TrimSpace(value)
	if msg := ui.nameTaken(c, folderName(folder), name, "A job already exists with the name ‘"+name+"’"); msg != "" {
		return writeCheck(c, fieldCheck{"error", msg})
	}
	return writeCheck(c, fieldCheck{})
}

// checkNewName is what Jenkins's AbstractItem.doCheckNewName says of
// newName for job: "" when the rename may go ahead.
func (ui *UI) checkNewName(c *request.Call, job *model.Job, newName string) fieldCheck {
	newName = strings.TrimSpace(newName)
	if err := jobs.CheckName(newName); err != nil {
		return fieldCheck{"error", usererr.Message(err)}
	}
	if newName == job.BaseName() {
		return fieldCheck{"warning", "The new name is the same as the current name."}
	}
	parent := jobs.Parent(job.Name)
	if msg := ui.nameTaken(c, parent, newName, "The name “"+newName+"” is already in use."); msg != "" {
		return fieldCheck{"error", msg}
	}
	if err := c.MayRename(job, joinName(parent, newName)); err != nil {
		return fieldCheck{"error", err.Error()}
	}
	return fieldCheck{}
}

// CheckNewName is GET job/NAME/checkNewName?newName=: the Rename page's
// check of the new name as it is typed. It needs Job/Configure.
func (ui *UI) CheckNewName(c *request.Call, job *model.Job) error {
	if err := c.Require(authz.ItemConfigure); err != nil {
		return err
	}
	return writeCheck(c, ui.checkNewName(c, job, c.R.URL.Query().Get("newName")))
}

// RenamePage is GET job/NAME/confirm-rename: Jenkins's Rename page, whose
// form posts newName to confirmRename.
func (ui *UI) RenamePage(c *request.Call, job *model.Job) error {
	if err := c.Require(authz.ItemConfigure); err != nil {
		return err
	}
	return ui.renamePage(c, job, http.StatusOK, job.BaseName(), fieldCheck{})
}

// RenameRefused is the Rename page again, as typed, after confirmRename
// refused the new name with err (a 400 with its message).
func (ui *UI) RenameRefused(c *request.Call, job *model.Job, newName string, err error) error {
	msg, ok := request.FormMessage(err)
	if !ok {
		return err
	}
	return ui.renamePage(c, job, http.StatusBadRequest, newName, fieldCheck{"error", msg})
}

func (ui *UI) renamePage(c *request.Call, job *model.Job, status int, typed string, chk fieldCheck) error {
	what := "Project"
	if jobs.IsFolder(job) {
		what = "Folder"
	}
	url := c.Root + jobPath(job.Name)
	tr := append(jobTrail(c, job.Name), trail{"Rename", url + "confirm-rename"})
	return ui.render(c, status, "rename", page{Title: "Rename " + job.Name, Trail: tr, P: map[string]any{
		"What": what, "Name": job.BaseName(), "URL": url, "NewName": typed, "Check": chk,
	}})
}

// suggestion is one name a completion offers (Jenkins's
// AutoCompletionCandidates, or Search's Item with its url and group).
type suggestion struct {
	Name  string `json:"name"`
	URL   string `json:"url,omitempty"`
	Type  string `json:"type,omitempty"`
	Group string `json:"group,omitempty"`
}

// CompleteCopyFrom is GET …/descriptorByName/hudson.model.AllView/
// autoCompleteCopyNewItemFrom?value=: the items New Item may copy whose
// names start with value, without case, as Jenkins's
// AutoCompletionCandidates.ofJobNames names them from folder: relative
// to it, or from the root with a leading "/" when value starts with one.
// It lists only items whose configuration the caller may read (copying
// needs Job/ExtendedRead), and needs Job/Create where the copy would go.
func (ui *UI) CompleteCopyFrom(c *request.Call, folder *model.Job) error {
	c.Item = folder
	if err := c.Require(authz.ItemCreate); err != nil {
		return err
	}
	value := strings.ToLower(c.R.URL.Query().Get("value"))
	parent := folderName(folder)
	out := []suggestion{}
	for _, j := range ui.jobs.List() {
		if len(out) >= maxSuggestions {
			break
		}
		name := "/" + j.Name
		if !strings.HasPrefix(value, "/") {
			rel, inside := strings.CutPrefix(j.Name, parent+"/")
			if parent == "" {
				rel, inside = j.Name, true
			}
			if !inside {
				continue
			}
			name = rel
		}
		if strings.HasPrefix(strings.ToLower(name), value) && c.HasOn(j, authz.ItemExtRead) {
			out = append(out, suggestion{Name: name})
		}
	}
	c.W.Header().Set("Cache-Control", "no-cache,no-store,must-revalidate")
	return request.WriteJSON(c, struct {
		Class       string       `json:"_class"`
		Suggestions []suggestion `json:"suggestions"`
	}{"hudson.model.AutoCompletionCandidates", out})
}

// copyForm is New Item's "Copy from" form as typed, with the messages
// beside its fields (copy-name, from).
type copyForm struct {
	Name, From string
	Errors     map[string]string
}

// copyItem runs New Item's copy (mode=copy&from=): a new item named name
// in parent with the configuration of from (relative to parent, or from
// the root with a leading "/"), as Jenkins's ItemGroupMixIn.copy. On
// success the browser goes to the copy's Configure page. A form that
// fails comes back, as typed, with its reason beside the field; a
// permission refused is the caller's 403.
func (ui *UI) copyItem(c *request.Call, parent string, typed *copyForm) (done bool, status int, err error) {
	fail := func(field, msg string) (bool, int, error) {
		if typed.Errors == nil {
			typed.Errors = map[string]string{}
		}
		typed.Errors[field] = msg
		return false, http.StatusBadRequest, nil
	}
	name, from := strings.TrimSpace(typed.Name), strings.TrimSpace(typed.From)
	if name == "" {
		return fail("copy-name", "Enter an item name")
	}
	if err := jobs.CheckName(name); err != nil {
		return fail("copy-name", usererr.Message(err))
	}
	if from == "" {
		return fail("from", "Enter the name of the item to copy")
	}
	full := strings.Trim(from, "/")
	if !strings.HasPrefix(from, "/") {
		full = joinName(parent, from)
	}
	src, err := ui.jobs.Get(full)
	if err != nil || !c.CanSee(src) {
		return fail("from", "No such item: "+from)
	}
	if !c.HasOn(src, authz.ItemExtRead) {
		return false, 0, request.Forbidden(authz.ItemExtRead)
	}
	if err := c.MayCreate(joinName(parent, name)); err != nil {
		return false, 0, err
	}
	if err := c.CheckDownstream(joinName(parent, name), src.ConfigXML); err != nil {
		msg, ok := request.FormMessage(err)
		if !ok {
			return false, 0, err
		}
		return fail("from", msg)
	}
	job, err := ui.jobs.Create(c.Ctx(), parent, name, src.ConfigXML, c.Authority())
	if err != nil {
		msg, ok := request.FormMessage(request.Refused(err))
		if !ok {
			return false, 0, request.Refused(err)
		}
		field := "from"
		if errors.Is(err, jobs.ErrBadName) || errors.Is(err, jobs.ErrExists) {
			field = "copy-name"
		}
		return fail(field, msg)
	}
	return true, http.StatusSeeOther, request.SeeOther(c, c.Root+jobPath(job.Name)+"configure")
}

// folderName is a folder's full name, "" for the root (nil).
func folderName(folder *model.Job) string {
	if folder == nil {
		return ""
	}
	return folder.Name
}

// ViewDescriptor serves a view's descriptorByName/… (of the root's all
// view, or of folder's): New Item's completion of "Copy from".
func (ui *UI) ViewDescriptor(c *request.Call, folder *model.Job, p []string) error {
	if strings.Join(p, "/") == copyFromPath {
		return ui.CompleteCopyFrom(c, folder)
	}
	return request.NotFound()
}
