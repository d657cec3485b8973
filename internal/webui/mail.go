package webui

import (
	"errors"
	"net/http"
	netmail "net/mail"
	"strconv"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/authz"
	"github.com/jeeves-ci/jeeves/internal/request"
	"github.com/jeeves-ci/jeeves/internal/settings"
	"github.com/jeeves-ci/jeeves/internal/usererr"
)

// Manage → Mail: the SMTP server jeeves sends mail through and the
// addresses it uses (the mailer plugin's global settings and the
// administrator's address), saved by one button, tried out by another
// that sends a test mail with the settings as typed, saved or not
// (Mailer.DescriptorImpl.doSendTestMail).

// mailForm is the form as shown or typed, with messages beside the
// fields it names (mail.smtpHost…) and a result line.
type mailForm struct {
	Host, Port, Security, Credentials, Admin, From, ReplyTo, Suffix, To string
	Errors                                                              map[string]string
	Sent                                                                string // "Email was successfully sent" and the like
}

// formOfMail is the form of saved settings.
func formOfMail(m settings.Mail) *mailForm {
	f := &mailForm{Host: m.SMTPHost, Security: m.Security, Credentials: m.CredentialsID, Admin: m.AdminAddress,
		From: m.From, ReplyTo: m.ReplyTo, Suffix: m.DefaultSuffix}
	if m.SMTPPort != 0 {
		f.Port = strconv.Itoa(m.SMTPPort)
	}
	return f
}

// MailPage is GET /manage/mail: the mail settings (admins).
func (ui *UI) MailPage(c *request.Call) error {
	if err := c.Require(authz.Administer); err != nil {
		return err
	}
	return ui.mailPage(c, http.StatusOK, formOfMail(ui.mail.Get()))
}

func (ui *UI) mailPage(c *request.Call, status int, f *mailForm) error {
	return ui.render(c, status, "mail", page{Title: "Mail", Trail: []trail{{"Manage jeeves", c.Root + "manage/"}, {"Mail", c.Root + "manage/mail"}}, P: f})
}

// readMail reads the posted form into the settings it says; false, with
// the message beside the field, when the port is not a number.
func readMail(c *request.Call) (*mailForm, settings.Mail, bool) {
	p := c.R.PostForm
	f := &mailForm{Host: p.Get("mail.smtpHost"), Port: strings.TrimSpace(p.Get("mail.smtpPort")), Security: p.Get("mail.security"),
		Credentials: p.Get("mail.credentialsId"), Admin: p.Get("mail.adminAddress"), From: p.Get("mail.from"),
		ReplyTo: p.Get("mail.replyTo"), Suffix: p.Get("mail.defaultSuffix"), To: strings.TrimSpace(p.Get("mail.testRecipient")),
		Errors: map[string]string{}}
	m := settings.Mail{SMTPHost: f.Host, Security: f.Security, CredentialsID: f.Credentials, AdminAddress: f.Admin,
		From: f.From, ReplyTo: f.ReplyTo, DefaultSuffix: f.Suffix}
	if f.Port != "" {
		n, err := strconv.Atoi(f.Port)
		if err != nil {
			f.Errors["mail.smtpPort"] = "The SMTP port must be a number between 1 and 65535, or empty for the default"
			return f, m, false
		}
		m.SMTPPort = n
	}
	if err := m.Validate(); err != nil {
		f.fail(err)
		return f, m, false
	}
	return f, m, true
}

// fail shows a settings refusal beside its field.
func (f *mailForm) fail(err error) {
	field := usererr.Field(err)
	if field == "" {
		field = "form"
	}
	f.Errors[field] = usererr.Message(err)
}

// MailSubmit is POST /manage/mail/configure: saves the mail settings.
func (ui *UI) MailSubmit(c *request.Call) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.Require(authz.Administer); err != nil {
		return err
	}
	if err := request.ParseForm(c); err != nil {
		return err
	}
	f, m, ok := readMail(c)
	if !ok {
		return ui.mailPage(c, http.StatusBadRequest, f)
	}
	if err := ui.mail.Set(c.Ctx(), m); err != nil {
		if !errors.Is(err, settings.ErrInvalid) {
			return err
		}
		f.fail(err)
		return ui.mailPage(c, http.StatusBadRequest, f)
	}
	return request.SeeOther(c, c.Root+"manage/mail")
}

// SendTestMail is POST /manage/mail/sendTestMail: sends "Test email #N"
// to the test recipient through the settings as typed, and says whether
// it went (400 with the reason when it did not).
func (ui *UI) SendTestMail(c *request.Call) error {
	if err := request.RequirePOST(c); err != nil {
		return err
	}
	if err := c.Require(authz.Administer); err != nil {
		return err
	}
	if err := request.ParseForm(c); err != nil {
		return err
	}
	f, m, ok := readMail(c)
	if !ok {
		return ui.mailPage(c, http.StatusBadRequest, f)
	}
	if len(f.To) > settings.MaxMailField {
		f.Errors["mail.testRecipient"] = "The test e-mail recipient is longer than " + strconv.Itoa(settings.MaxMailField) + " bytes"
		return ui.mailPage(c, http.StatusBadRequest, f)
	}
	if _, err := netmail.ParseAddress(f.To); err != nil {
		f.Errors["mail.testRecipient"] = "Not an e-mail address: " + f.To
		return ui.mailPage(c, http.StatusBadRequest, f)
	}
	if m.SMTPHost == "" {
		// jeeves sends no mail without a server (Jenkins would try
		// localhost).
		f.Errors["mail.smtpHost"] = "Set the SMTP server to send mail through"
		f.Errors["form"] = "Failed to send out e-mail: no SMTP server is set"
		return ui.mailPage(c, http.StatusBadRequest, f)
	}
	if _, err := ui.outputs.Mailer.SendTest(c.Ctx(), m, f.To); err != nil {
		f.Errors["form"] = "Failed to send out e-mail: " + err.Error()
		return ui.mailPage(c, http.StatusBadRequest, f)
	}
	f.Sent = "Email was successfully sent"
	return ui.mailPage(c, http.StatusOK, f)
}
