package mail

import (
	"iter"

	"github.com/jeeves-ci/jeeves/internal/model"
)

// Kind is which mail a build gets.
type Kind int

// The mails MailSender writes.
const (
	None Kind = iota
	Failure
	Unstable       // the first unstable build after something else
	BecameUnstable // unstable right after a success
	StillUnstable  // unstable right after an unstable build
	BackToNormal   // a success after a failure
	BackToStable   // a success after an unstable build
)

// Build is what the mailer needs to know of a build.
type Build struct {
	Number int
	// Result is "" while the build has none.
	Result   model.Result
	Building bool
}

// Decision is whether a build gets a mail, and its subject.
type Decision struct {
	Kind    Kind
	Subject string
	// Line is printed to the console when a build without a result gets
	// no mail, as MailSender does.
	Line string
}

// Decide applies MailSender.createMail's rules to build b, given the
// builds before it newest first (read only as far as needed);
// fullDisplayName is the build's full display name ("folder » job #5"),
// which ends every subject:
//
//   - FAILURE: "Build failed in Jenkins:".
//   - UNSTABLE: a mail, unless DontNotifyEveryUnstableBuild and the last
//     earlier build that was neither ABORTED nor NOT_BUILT was not a
//     SUCCESS (a build still running, or none, counts as a success here).
//     Its subject depends on the build just before, whatever its result:
//     "Jenkins build became unstable:" after a SUCCESS (with the extra
//     space the plugin's message has), "Jenkins build is still
//     unstable:" after an UNSTABLE, else "Jenkins build is unstable:".
//   - SUCCESS: "Jenkins build is back to normal :" when the last earlier
//     build that was neither ABORTED nor NOT_BUILT failed, "Jenkins build
//     is back to stable :" when it was unstable; no mail otherwise.
//   - ABORTED, NOT_BUILT: no mail. No result: no mail, and a line.
func (m Mailer) Decide(b Build, fullDisplayName string, previous iter.Seq[Build]) Decision {
	if previous == nil {
		previous = Slice()
	}
	var d Decision
	switch b.Result {
	case model.Failure:
		d.Kind = Failure
	case model.Unstable:
		if m.DontNotifyEveryUnstableBuild {
			if prev, ok := lastCounted(previous); ok && prev != model.Success {
				return Decision{}
			}
		}
		d.Kind = Unstable
		for p := range previous {
			switch p.Result {
			case model.Success:
				d.Kind = BecameUnstable
			case model.Unstable:
				d.Kind = StillUnstable
			}
			break
		}
	case model.Success:
		prev, _ := lastCounted(previous)
		switch prev {
		case model.Failure:
			d.Kind = BackToNormal
		case model.Unstable:
			d.Kind = BackToStable
		}
	case "":
		d.Line = "No mail will be sent out, as '" + fullDisplayName + "' does not have a result yet. Please make sure you set a proper result in case of pipeline/build scripts."
	}
	if d.Kind != None {
		d.Subject = caption(d.Kind) + " " + fullDisplayName
	}
	return d
}

// lastCounted is MailSender.findPreviousBuildResult: the result of the
// last earlier build that is neither ABORTED nor NOT_BUILT; ok is false
// when there is none or a build still running is met first.
func lastCounted(previous iter.Seq[Build]) (model.Result, bool) {
	for p := range previous {
		if p.Building || p.Result == "" {
			return "", false
		}
		if p.Result == model.Aborted || p.Result == model.NotBuilt {
			continue
		}
		return p.Result, true
	}
	return "", false
}

// caption is the subject's start, from the mailer plugin's
// Messages.properties.
func caption(k Kind) string {
	switch k {
	case Failure:
		return "Build failed in Jenkins:"
	case Unstable:
		return "Jenkins build is unstable:"
	case BecameUnstable:
		return "Jenkins build became unstable: "
	case StillUnstable:
		return "Jenkins build is still unstable:"
	case BackToNormal:
		return "Jenkins build is back to normal :"
	case BackToStable:
		return "Jenkins build is back to stable :"
	}
	return ""
}

// Slice turns builds newest first into the sequence Decide reads.
func Slice(builds ...Build) iter.Seq[Build] {
	return func(yield func(Build) bool) {
		for _, b := range builds {
			if !yield(b) {
				return
			}
		}
	}
}
