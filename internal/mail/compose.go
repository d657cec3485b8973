package mail

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jeeves-ci/jeeves/internal/antglob"
	"github.com/jeeves-ci/jeeves/internal/macro"
	"github.com/jeeves-ci/jeeves/internal/model"
)

// DefaultFrom is the sender Jenkins uses when no administrator address
// is configured.
const DefaultFrom = "address not configured yet <nobody@nowhere>"

// Settings are the server-wide mail settings (the mailer's descriptor
// and Jenkins's location configuration) that shape a message.
type Settings struct {
	// From is the administrator's address; DefaultFrom when empty.
	From string
	// ReplyTo are addresses separated by white space or commas.
	ReplyTo string
	// DefaultSuffix ("@example.com") completes addresses without '@'.
	DefaultSuffix string
	// RootURL is Jenkins's URL, ending in '/'; without it the body has no
	// links to the workspace or the artifacts.
	RootURL string
}

// Change is one entry of a build's change log.
type Change struct {
	Author  string // the author's full name
	Message string
}

// Culprit is someone whose change is in the build, for SendToIndividuals.
type Culprit struct {
	FullName string
	Email    string // "" when unknown
}

// Input is what Compose needs to know about the build.
type Input struct {
	Decision Decision
	Build    Build
	// JobFullName names the job in the X-Jenkins-Job header.
	JobFullName string
	// JobURL and RunURL are the job's and the build's URLs relative to
	// the root ("job/folder/job/app/", "job/folder/job/app/5/").
	JobURL, RunURL string
	// Changes are the build's changes; PreviousChangesEmpty says whether
	// the build before had none (a still-unstable mail links to the
	// changes when either has some).
	Changes              []Change
	PreviousChangesEmpty bool
	// Log is the last lines of the console (LastLines), quoted by a
	// failure mail.
	Log []string
	// Workspace is the build's workspace path on its machine; paths under
	// it in the log become links when Settings.RootURL is set.
	Workspace string
	// Artifacts is the job's archiver pattern: log paths it matches link
	// to the build's artifacts rather than the workspace.
	Artifacts string
	// Lookup gives build variables to expand in the recipients.
	Lookup func(name string) (string, bool)
	// Culprits are mailed with SendToIndividuals.
	Culprits []Culprit
	// PreviousMessageID is the Message-ID of the mail sent for the build
	// before, which this one replies to unless that build succeeded;
	// PreviousResult is that build's result.
	PreviousMessageID string
	PreviousResult    model.Result
	// Now dates the message.
	Now time.Time
}

// Message is a composed mail.
type Message struct {
	// Lines are the console lines to print, in order ("Sending e-mails
	// to: …" last when there is someone to send to).
	Lines []string
	// From is the envelope sender; To the recipients' addresses.
	From string
	To   []string
	// MessageID is the message's Message-ID, to keep for the next build's
	// mail to reply to.
	MessageID string
	// Data is the message, with CRLF line ends, ready for SMTP DATA.
	Data []byte
}

// Compose writes the mail of a decision as MailSender does; it returns
// nil (with the console lines in Lines of a non-nil Message when there
// are any) when there is nothing to send: no mail decided, or no
// recipient left.
func (m Mailer) Compose(s Settings, in Input) *Message {
	msg := &Message{}
	if in.Decision.Kind == None {
		if in.Decision.Line != "" {
			msg.Lines = append(msg.Lines, in.Decision.Line)
			return msg
		}
		return nil
	}
	to := m.recipients(s, in, msg)
	if len(to) == 0 {
		msg.Lines = append(msg.Lines, "An attempt to send an e-mail to empty list of recipients, ignored.")
		return msg
	}
	from := s.From
	if strings.TrimSpace(from) == "" {
		from = DefaultFrom
	}
	fromAddr, err := parseAddress(from)
	if err != nil {
		msg.Lines = append(msg.Lines, "ERROR: Unable to send from address: "+from)
		return msg
	}
	var names []string
	for _, a := range to {
		names = append(names, display(a))
		msg.To = append(msg.To, a.Address)
	}
	msg.Lines = append(msg.Lines, "Sending e-mails to: "+strings.Join(names, " "))
	msg.From = fromAddr.Address
	msg.MessageID = newMessageID(fromAddr.Address)

	var h bytes.Buffer
	header := func(k, v string) { fmt.Fprintf(&h, "%s: %s\r\n", k, v) }
	header("From", headerAddress(fromAddr))
	if rt := parseList(s.ReplyTo, s.DefaultSuffix, nil); len(rt) > 0 {
		header("Reply-To", joinAddresses(rt))
	}
	header("To", joinAddresses(to))
	header("Subject", mime.QEncoding.Encode("UTF-8", in.Decision.Subject))
	now := in.Now
	if now.IsZero() {
		now = time.Now()
	}
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", msg.MessageID)
	header("X-Jenkins-Job", mime.QEncoding.Encode("UTF-8", in.JobFullName))
	result := string(in.Build.Result)
	if result == "" {
		result = "in progress"
	}
	header("X-Jenkins-Result", result)
	header("Auto-submitted", "auto-generated")
	if id := oneLine(in.PreviousMessageID); id != "" && in.PreviousResult != model.Success {
		header("In-Reply-To", id)
		header("References", id)
	}
	header("MIME-Version", "1.0")
	boundary := randomHex(16)
	header("Content-Type", `multipart/mixed; boundary="`+boundary+`"`)
	h.WriteString("\r\n")

	body := m.body(s, in)
	h.WriteString("--" + boundary + "\r\n")
	if isSevenBit(body) {
		h.WriteString("Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n")
		h.WriteString(crlf(body))
	} else {
		h.WriteString("Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
		qp := quotedprintable.NewWriter(&h)
		qp.Write([]byte(crlf(body)))
		qp.Close()
	}
	h.WriteString("\r\n--" + boundary + "--\r\n")
	msg.Data = h.Bytes()
	return msg
}

// recipients resolves the recipients as MailSender.createEmptyMail does,
// adding console lines for the addresses it drops.
func (m Mailer) recipients(s Settings, in Input, msg *Message) []*mail.Address {
	recip := m.Recipients
	if in.Lookup != nil {
		recip = macro.Expand(recip, in.Lookup)
	}
	seen := map[string]bool{}
	var out []*mail.Address
	add := func(list []*mail.Address) {
		for _, a := range list {
			key := strings.ToLower(a.Address)
			if !seen[key] {
				seen[key] = true
				out = append(out, a)
			}
		}
	}
	for _, tok := range strings.FieldsFunc(recip, isSpace) {
		if name, ok := strings.CutPrefix(tok, "upstream-individuals:"); ok {
			msg.Lines = append(msg.Lines, "No such project exist: "+name)
			continue
		}
		add(parseList(tok, s.DefaultSuffix, msg))
	}
	if m.SendToIndividuals {
		for _, c := range in.Culprits {
			if c.Email == "" {
				msg.Lines = append(msg.Lines, "Failed to send e-mail to "+c.FullName+" because no e-mail address is known, and no default e-mail domain is configured")
				continue
			}
			add(parseList(c.Email, s.DefaultSuffix, msg))
		}
	}
	return out
}

// oneLine drops the line breaks and other controls a stored value could
// carry into a header.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7F {
			return -1
		}
		return r
	}, s)
}

func isSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' }

// parseList parses addresses separated by white space or commas as
// MimeMessageBuilder does: a name without '@' gets suffix when the suffix
// holds one, else is dropped; "Name <address>" is read whole (so a name
// holds no comma or space); an address that does not parse is dropped
// with a console line when msg is not nil.
func parseList(list, suffix string, msg *Message) []*mail.Address {
	var out []*mail.Address
	for _, tok := range strings.FieldsFunc(list, func(r rune) bool { return isSpace(r) || r == ',' }) {
		if !strings.Contains(tok, "@") {
			if !strings.Contains(suffix, "@") {
				continue
			}
			tok += suffix
		}
		a, err := parseAddress(tok)
		if err != nil {
			if msg != nil {
				msg.Lines = append(msg.Lines, "ERROR: Unable to send to address: "+tok)
			}
			continue
		}
		out = append(out, a)
	}
	return out
}

var namedAddress = regexp.MustCompile(`^\s*([^<]*)<([^>]+)>\s*$`)

// parseAddress is Mailer.stringToAddress: "Name <address>" or an
// address.
func parseAddress(s string) (*mail.Address, error) {
	if m := namedAddress.FindStringSubmatch(s); m != nil {
		a, err := mail.ParseAddress("<" + m[2] + ">")
		if err != nil {
			return nil, err
		}
		a.Name = strings.TrimSpace(m[1])
		return a, nil
	}
	return mail.ParseAddress(s)
}

func joinAddresses(list []*mail.Address) string {
	s := make([]string, len(list))
	for i, a := range list {
		s[i] = headerAddress(a)
	}
	return strings.Join(s, ", ")
}

// display writes an address as JavaMail's InternetAddress.toString does
// for the console: the bare address, or the name (quoted when it holds
// a space or a special character) and the address in angle brackets.
func display(a *mail.Address) string {
	if a.Name == "" {
		return a.Address
	}
	name := a.Name
	if strings.ContainsAny(name, "()<>@,;:\\\".[] \t") {
		name = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(name) + `"`
	}
	return name + " <" + a.Address + ">"
}

// headerAddress writes an address for a header: as display does, with a
// name outside ASCII encoded as RFC 2047 asks.
func headerAddress(a *mail.Address) string {
	if a.Name == "" {
		return a.Address
	}
	for _, r := range a.Name {
		if r >= 0x80 || r < 0x20 {
			return mime.QEncoding.Encode("UTF-8", a.Name) + " <" + a.Address + ">"
		}
	}
	return display(a)
}

// body is the text MailSender writes for each kind of mail.
func (m Mailer) body(s Settings, in Input) string {
	var b strings.Builder
	runURL := s.RootURL + encodeURL(in.RunURL)
	changesURL := s.RootURL + encodeURL(in.JobURL) + "changes"
	buildURL := func() {
		if len(in.Changes) == 0 {
			b.WriteString("See <" + runURL + ">\n\n")
		} else {
			b.WriteString("See <" + changesURL + ">\n\n")
		}
	}
	switch in.Decision.Kind {
	case BackToNormal, BackToStable:
		buildURL()
	case Unstable, BecameUnstable, StillUnstable:
		if in.Decision.Kind == StillUnstable && !(len(in.Changes) == 0 && in.PreviousChangesEmpty) {
			b.WriteString("See <" + changesURL + ">\n\n")
		} else {
			buildURL()
		}
	case Failure:
		buildURL()
		b.WriteString("Changes:\n\n")
		for _, c := range in.Changes {
			b.WriteString("[" + c.Author + "] " + c.Message)
			if !strings.HasSuffix(c.Message, "\n") {
				b.WriteByte('\n')
			}
			b.WriteByte('\n')
		}
		b.WriteString("\n------------------------------------------\n")
		link := m.linker(s, in)
		for _, line := range in.Log {
			line = strings.ReplaceAll(line, "\x00", " ")
			if link != nil {
				line = link(line)
			}
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// linker turns workspace paths in log lines into links, as MailSender
// does when Jenkins's URL is known: to the build's artifact when the
// archiver's patterns match the path, else to the job's workspace.
func (m Mailer) linker(s Settings, in Input) func(string) string {
	if s.RootURL == "" || in.Workspace == "" {
		return nil
	}
	wsURL := s.RootURL + encodeURL(in.JobURL) + "ws/"
	artURL := s.RootURL + encodeURL(in.RunURL) + "artifact/"
	uri := "file:" + strings.ReplaceAll(strings.TrimSuffix(in.Workspace, "/"), " ", "%20") + "/"
	re := regexp.MustCompile("(" + regexp.QuoteMeta(in.Workspace) + "|" + regexp.QuoteMeta(uri) + `)[/\\]?([^:#\s]*)`)
	var patterns []antglob.Pattern
	for _, p := range regexp.MustCompile(`[, ]+`).Split(in.Artifacts, -1) {
		if p != "" {
			patterns = append(patterns, antglob.Compile(p))
		}
	}
	return func(line string) string {
		return re.ReplaceAllStringFunc(line, func(match string) string {
			path := re.FindStringSubmatch(match)[2]
			u := wsURL
			for _, p := range patterns {
				if p.Match(path, true) {
					u = artURL
					break
				}
			}
			return "<" + u + encodeURL(path) + ">"
		})
	}
}

// encodeURL is Jenkins's Util.encode: spaces and non-ASCII characters
// percent-encoded as UTF-8, everything else kept.
func encodeURL(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x80 && c != ' ' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

func isSevenBit(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, line := range strings.Split(s, "\n") {
		if len(line) > 998 {
			return false
		}
		for i := 0; i < len(line); i++ {
			if c := line[i]; c >= 0x80 || c == 0 || c == '\r' {
				return false
			}
		}
	}
	return true
}

// crlf turns the body's line ends into CRLF.
func crlf(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// newMessageID makes a Message-ID on the sender's domain.
func newMessageID(from string) string {
	host := "jeeves"
	if i := strings.LastIndexByte(from, '@'); i >= 0 && i+1 < len(from) {
		host = from[i+1:]
	}
	return "<" + randomHex(12) + "." + fmt.Sprint(time.Now().UnixMilli()) + "@" + host + ">"
}
