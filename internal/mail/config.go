// Package mail sends the build e-mails of Jenkins's "E-mail Notification"
// publisher (hudson.tasks.Mailer, from the mailer plugin), without
// touching any store itself.
//
//   - Mailer is the publisher's configuration; ParseMailer reads the
//     <hudson.tasks.Mailer> element.
//   - Decide applies MailSender's rules: who gets a mail for which result
//     against the builds before, and its subject.
//   - Compose writes the message as MailSender does: recipients
//     resolved, the body with its links, the changes and the last lines
//     of the console (LastLines), the Jenkins headers.
//   - SMTP sends it over net/smtp: plain, STARTTLS or implicit TLS, with
//     AUTH PLAIN when a user is set, within a deadline.
package mail

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"slices"
	"strconv"

	"github.com/jeeves-ci/jeeves/internal/jxml"
)

// MailerClass is the publisher's class name, the element name of its
// configuration.
const MailerClass = "hudson.tasks.Mailer"

// Mailer is the configuration of the publisher.
type Mailer struct {
	// Recipients are addresses separated by white space (or commas); a
	// name without '@' gets the default suffix of the mail settings.
	Recipients string
	// DontNotifyEveryUnstableBuild mails only the first of a run of
	// unstable builds.
	DontNotifyEveryUnstableBuild bool
	// SendToIndividuals also mails the people whose changes are in the
	// build.
	SendToIndividuals bool

	// Unknown names the child elements Jenkins does not read.
	Unknown []string
}

// ParseMailer reads a <hudson.tasks.Mailer> element.
func ParseMailer(data []byte) (Mailer, error) {
	e, err := jxml.Parse(data)
	if err != nil {
		return Mailer{}, err
	}
	return MailerFromElement(e)
}

// MailerFromElement is ParseMailer for an element already read.
func MailerFromElement(e *jxml.Element) (Mailer, error) {
	if e.Name != MailerClass {
		return Mailer{}, fmt.Errorf("element <%s> is not a %s", e.Name, MailerClass)
	}
	var m Mailer
	for _, c := range e.Children {
		switch c.Name {
		case "recipients":
			m.Recipients = c.Text
		case "dontNotifyEveryUnstableBuild":
			m.DontNotifyEveryUnstableBuild = jxml.Bool(c.Text)
		case "sendToIndividuals":
			m.SendToIndividuals = jxml.Bool(c.Text)
		default:
			if !slices.Contains(m.Unknown, c.Name) {
				m.Unknown = append(m.Unknown, c.Name)
			}
		}
	}
	return m, nil
}

// MarshalXML writes the publisher as the mailer plugin saves it.
func (m Mailer) MarshalXML(enc *xml.Encoder, _ xml.StartElement) error {
	start := xml.StartElement{Name: xml.Name{Local: MailerClass}}
	if err := enc.EncodeToken(start); err != nil {
		return err
	}
	for _, f := range []struct{ name, value string }{
		{"recipients", m.Recipients},
		{"dontNotifyEveryUnstableBuild", strconv.FormatBool(m.DontNotifyEveryUnstableBuild)},
		{"sendToIndividuals", strconv.FormatBool(m.SendToIndividuals)},
	} {
		if err := enc.EncodeElement(f.value, xml.StartElement{Name: xml.Name{Local: f.name}}); err != nil {
			return err
		}
	}
	return enc.EncodeToken(start.End())
}

// XML returns the publisher's element, indented by two spaces per level.
func (m Mailer) XML() []byte {
	var buf bytes.Buffer
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(m); err != nil {
		panic(err) // writing to a bytes.Buffer does not fail
	}
	return buf.Bytes()
}
