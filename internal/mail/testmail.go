package mail

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Test composes the mail settings page's test mail to the address to,
// as Mailer.doSendTestMail writes it: "Test email #n", "This is test
// email #n sent from Jenkins", from the settings' sender, replying to
// their reply-to addresses. The error says why there is no mail: an
// address that does not parse.
func Test(s Settings, to string, n int64, now time.Time) (*Message, error) {
	from := s.From
	if strings.TrimSpace(from) == "" {
		from = DefaultFrom
	}
	fromAddr, err := parseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("mail: the sender %q is not an e-mail address", from)
	}
	toAddr, err := parseAddress(strings.TrimSpace(to))
	if err != nil {
		return nil, fmt.Errorf("mail: the recipient %q is not an e-mail address", to)
	}
	msg := &Message{From: fromAddr.Address, To: []string{toAddr.Address}, MessageID: newMessageID(fromAddr.Address)}
	num := strconv.FormatInt(n, 10)
	var h bytes.Buffer
	header := func(k, v string) { fmt.Fprintf(&h, "%s: %s\r\n", k, v) }
	header("From", headerAddress(fromAddr))
	if rt := parseList(s.ReplyTo, s.DefaultSuffix, nil); len(rt) > 0 {
		header("Reply-To", joinAddresses(rt))
	}
	header("To", headerAddress(toAddr))
	header("Subject", "Test email #"+num)
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", msg.MessageID)
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=UTF-8")
	header("Content-Transfer-Encoding", "7bit")
	h.WriteString("\r\nThis is test email #" + num + " sent from Jenkins\r\n")
	msg.Data = h.Bytes()
	return msg, nil
}
