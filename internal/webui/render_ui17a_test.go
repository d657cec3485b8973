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
}
