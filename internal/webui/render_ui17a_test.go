package webui

// The pages of items, views, nodes, people and history, and what they
// add to the dashboard, job, build and New Item pages: their cases join
// TestEveryPageRendersWhatItIsGiven's.
func init() {
	pageCases = append(pageCases, ui17aPageCases...)
}

var ui17aPageCases = []struct {
	name string
	p    any
	want []string
}{
	{"newjob", map[string]any{
		"Action": "/job/f/newJob", "Form": jobForm{}, "CheckName": "/job/f/view/all/checkJobName", "CompleteFrom": "/job/f/view/all/descriptorByName/x/autoComplete",
		"Copy": copyForm{Name: "c" + hostile, From: "src" + hostile, Errors: map[string]string{"from": "No such item: src" + hostile}},
	}, []string{
		`id="copy-item"`, `name="mode" value="copy"`, `id="copy-name" name="name" value="c` + escaped + `"`,
		`data-check="/job/f/view/all/checkJobName" data-check-param="value"`, `id="from" name="from" value="src` + escaped + `"`,
		`data-complete="/job/f/view/all/descriptorByName/x/autoComplete"`, `No such item: src` + escaped, `id="name-check" aria-live="polite"`,
	}},
	{"rename", map[string]any{"What": "Project", "Name": "j" + hostile, "URL": "/job/j/", "NewName": "n" + hostile, "Check": fieldCheck{"error", "taken " + hostile}}, []string{
		`Rename Project j` + escaped, `action="/job/j/confirmRename"`, `id="newName" name="newName" value="n` + escaped + `"`,
		`data-check="/job/j/checkNewName" data-check-param="newName"`, `aria-invalid="true"`, `<p class="check-error" role="alert">taken ` + escaped + `</p>`,
	}},
	{"dashboard", map[string]any{
		"Jobs": []dashboardRow{{Name: "in-view", URL: "/job/in-view/", Ball: Ball("blue")}},
		"Tabs": []viewTab{{Name: "All", URL: "/"}, {Name: "v" + hostile, URL: "/view/v/", Current: true}}, "CanCreateView": true,
		"View": map[string]any{"Name": "v" + hostile, "URL": "/view/v/", "Description": "about " + hostile, "CanConfigure": true, "CanDelete": true},
	}, []string{
		`<nav class="tabs" aria-label="Views">`, `<a href="/">All</a>`, `<a href="/view/v/" aria-current="page">v` + escaped + `</a>`,
		`id="new-view" href="/newView"`, `<h1 id="jobs-h">v` + escaped + `</h1>`, `id="view-description">about ` + escaped,
		`id="edit-view" href="/view/v/configure"`, `id="delete-view" href="/view/v/delete"`,
	}},
	{"newview", map[string]any{"Name": "v" + hostile, "Mode": "hudson.model.MyView", "Types": viewTypes, "Error": "taken " + hostile}, []string{
		`id="form-error">taken ` + escaped, `action="/createView"`, `id="view-name" name="name" value="v` + escaped + `"`,
		`value="hudson.model.MyView" checked`, `List View`,
	}},
	{"viewconfig", map[string]any{"URL": "/view/v/", "Form": viewForm{Name: "v" + hostile, Description: "d" + hostile, Regex: "a.*" + hostile, UseRegex: true, Status: "2",
		Jobs: []viewJobBox{{Name: "a" + hostile, Checked: true}, {Name: "b"}}, Error: "bad regex " + hostile}}, []string{
		`id="form-error">bad regex ` + escaped, `action="/view/v/configSubmit"`, `name="json" value="{}"`, `id="view-name" name="name" value="v` + escaped + `"`,
		">\nd" + escaped + "</textarea>", `<option value="2" selected>Disabled jobs only</option>`,
		`name="item_a` + escaped + `" checked> a` + escaped, `name="item_b"> b`, `id="use-regex" name="useincluderegex" checked`,
		`name="includeRegex" value="a.*` + escaped + `"`,
	}},
}
