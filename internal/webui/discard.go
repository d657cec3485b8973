package webui

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/configxml"
	"github.com/jeeves-ci/jeeves/internal/discard"
)

// discardRow is the Configure form's "Discard old builds" section
// (BuildDiscarderProperty with a LogRotator, as Jenkins's form shows it):
// the box, and each limit as typed, blank for none.
type discardRow struct {
	On                                   bool
	Days, Num, ArtifactDays, ArtifactNum string
	RemoveLastBuild                      bool
	Errors                               map[string]string // beside the field it names
}

// discardFields are the section's limits: their form field, their label
// and where discardRow holds them.
var discardFields = []struct {
	name, label string
	field       func(*discardRow) *string
}{
	{"daysToKeep", "Days to keep builds", func(r *discardRow) *string { return &r.Days }},
	{"numToKeep", "Max # of builds to keep", func(r *discardRow) *string { return &r.Num }},
	{"artifactDaysToKeep", "Days to keep artifacts", func(r *discardRow) *string { return &r.ArtifactDays }},
	{"artifactNumToKeep", "Max # of builds to keep with artifacts", func(r *discardRow) *string { return &r.ArtifactNum }},
}

// discardOf is the section as a job's config.xml sets it; nil when the
// form cannot show the job's discarder, which it then keeps as it is.
func discardOf(xml []byte) *discardRow {
	fd, ok := configxml.DiscardOf(xml)
	if !ok {
		return nil
	}
	return &discardRow{
		On: fd.On, RemoveLastBuild: fd.Rotator.RemoveLastBuild,
		Days: discard.FieldString(fd.Rotator.DaysToKeep), Num: discard.FieldString(fd.Rotator.NumToKeep),
		ArtifactDays: discard.FieldString(fd.Rotator.ArtifactDaysToKeep), ArtifactNum: discard.FieldString(fd.Rotator.ArtifactNumToKeep),
	}
}

// readDiscard is the section as posted; nil when the form did not carry
// it (an older page, a client posting the other fields only), which
// keeps the job's discarder as it is.
func readDiscard(form url.Values) *discardRow {
	if form.Get("discard.shown") == "" {
		return nil
	}
	r := &discardRow{On: form.Get("discard") == "true", RemoveLastBuild: form.Get("discard.removeLastBuild") == "true"}
	for _, f := range discardFields {
		*f.field(r) = strings.TrimSpace(form.Get("discard." + f.name))
	}
	return r
}

// maxDiscardLimit is the largest limit the form takes: Java's int, which
// Jenkins keeps each limit in.
const maxDiscardLimit = 1<<31 - 1

// discardForm checks the typed section and sets it in pf. A limit must
// be blank (none) or a whole number from 0 (a real limit: 0 builds to
// keep discards every build it may); it reports false, with the message
// beside the field, otherwise.
func discardForm(r *discardRow, pf *configxml.ProjectForm) bool {
	if r == nil {
		return true
	}
	rot := discard.Unlimited
	rot.RemoveLastBuild = r.RemoveLastBuild
	limits := []*int{&rot.DaysToKeep, &rot.NumToKeep, &rot.ArtifactDaysToKeep, &rot.ArtifactNumToKeep}
	ok := true
	for i, f := range discardFields {
		v := *f.field(r)
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > maxDiscardLimit {
			if r.Errors == nil {
				r.Errors = map[string]string{}
			}
			r.Errors[f.name] = f.label + " must be a whole number from 0, or blank for no limit"
			ok = false
			continue
		}
		*limits[i] = n
	}
	if !r.On {
		rot = discard.Unlimited
	}
	pf.Discard = &configxml.FormDiscard{On: r.On, Rotator: rot}
	return ok
}

// firstError is one of the section's messages, in the fields' order.
func (r *discardRow) firstError() string {
	if r == nil {
		return ""
	}
	for _, f := range discardFields {
		if m := r.Errors[f.name]; m != "" {
			return m
		}
	}
	return ""
}
