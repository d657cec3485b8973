package mail

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jeeves-ci/jeeves/internal/model"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
	}
}

func TestParseMailer(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "mailer.xml"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseMailer(data)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := json.MarshalIndent(m, "", "  ")
	golden(t, filepath.Join("testdata", "mailer.golden.json"), append(out, '\n'))
	golden(t, filepath.Join("testdata", "mailer.golden.xml"), append(m.XML(), '\n'))
	back, err := ParseMailer(m.XML())
	if err != nil || back.Recipients != m.Recipients || back.DontNotifyEveryUnstableBuild != m.DontNotifyEveryUnstableBuild || back.SendToIndividuals != m.SendToIndividuals {
		t.Errorf("round trip = %+v, %v", back, err)
	}
	if _, err := ParseMailer([]byte("<hudson.tasks.Shell/>")); err == nil {
		t.Error("another class is accepted")
	}
}

func TestDecide(t *testing.T) {
	b := func(r model.Result) Build { return Build{Result: r} }
	running := Build{Building: true}
	tests := []struct {
		name     string
		dont     bool
		result   model.Result
		previous []Build
		subject  string
	}{
		{"a failure is mailed", false, model.Failure, nil, "Build failed in Jenkins: app #5"},
		{"a failure after a failure is mailed", false, model.Failure, []Build{b(model.Failure)}, "Build failed in Jenkins: app #5"},
		{"a first unstable build is mailed", false, model.Unstable, nil, "Jenkins build is unstable: app #5"},
		{"an unstable build after a success became unstable (two spaces)", false, model.Unstable, []Build{b(model.Success)}, "Jenkins build became unstable:  app #5"},
		{"an unstable build after an unstable one is still unstable", false, model.Unstable, []Build{b(model.Unstable)}, "Jenkins build is still unstable: app #5"},
		{"an unstable build after a failure is unstable", false, model.Unstable, []Build{b(model.Failure)}, "Jenkins build is unstable: app #5"},
		{"an unstable build after an abort is unstable, the abort being just before", false, model.Unstable, []Build{b(model.Aborted), b(model.Success)}, "Jenkins build is unstable: app #5"},
		{"dontNotifyEveryUnstableBuild stays quiet when still unstable", true, model.Unstable, []Build{b(model.Unstable)}, ""},
		{"dontNotifyEveryUnstableBuild stays quiet after a failure", true, model.Unstable, []Build{b(model.Failure)}, ""},
		{"dontNotifyEveryUnstableBuild mails after a success", true, model.Unstable, []Build{b(model.Success)}, "Jenkins build became unstable:  app #5"},
		{"dontNotifyEveryUnstableBuild mails a first build", true, model.Unstable, nil, "Jenkins build is unstable: app #5"},
		{"dontNotifyEveryUnstableBuild looks past aborted builds", true, model.Unstable, []Build{b(model.Aborted), b(model.NotBuilt), b(model.Unstable)}, ""},
		{"dontNotifyEveryUnstableBuild mails when a build before still runs", true, model.Unstable, []Build{running, b(model.Unstable)}, "Jenkins build is unstable: app #5"},
		{"a success after a failure is back to normal", false, model.Success, []Build{b(model.Failure)}, "Jenkins build is back to normal : app #5"},
		{"a success after an unstable build is back to stable", false, model.Success, []Build{b(model.Aborted), b(model.Unstable)}, "Jenkins build is back to stable : app #5"},
		{"a success after a success is not mailed", false, model.Success, []Build{b(model.Success)}, ""},
		{"a first success is not mailed", false, model.Success, nil, ""},
		{"a success after a running build is not mailed", false, model.Success, []Build{running, b(model.Failure)}, ""},
		{"an aborted build is not mailed", false, model.Aborted, []Build{b(model.Failure)}, ""},
		{"a build not built is not mailed", false, model.NotBuilt, nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := Mailer{DontNotifyEveryUnstableBuild: tc.dont}.Decide(Build{Number: 5, Result: tc.result}, "app #5", Slice(tc.previous...))
			if d.Subject != tc.subject || (d.Kind == None) != (tc.subject == "") {
				t.Errorf("Decide = %+v, want subject %q", d, tc.subject)
			}
		})
	}
	d := Mailer{}.Decide(Build{Number: 5}, "f » app #5", nil)
	if d.Kind != None || d.Line != "No mail will be sent out, as 'f » app #5' does not have a result yet. Please make sure you set a proper result in case of pipeline/build scripts." {
		t.Errorf("no result: %+v", d)
	}
}

// getLog is Run.getLog(int) transcribed, to check LastLines against.
func getLog(data []byte, maxLines int) []string {
	if maxLines == 0 {
		return nil
	}
	lines := 0
	var last []string
	var bytesRev []byte
	fileLength := int64(len(data)) - 1
	var fp int64
	for fp = fileLength; fp != -1 && maxLines != lines; fp-- {
		c := data[fp]
		if c == 0x0A {
			if fp < fileLength {
				lines++
				last = append(last, reverseString(bytesRev))
				bytesRev = bytesRev[:0]
			}
		} else if c != 0x0D {
			bytesRev = append(bytesRev, c)
		}
	}
	if lines != maxLines {
		last = append(last, reverseString(bytesRev))
	}
	slices.Reverse(last)
	if lines == maxLines {
		last[0] = "[...truncated " + humanSize(fp) + "...]"
	}
	return last
}

func TestLastLines(t *testing.T) {
	long := strings.Repeat("0123456789abcdef\n", 400)
	tests := []struct {
		name string
		log  string
		max  int
		want []string
	}{
		{"a short log is returned whole", "a\nb\n", 3, []string{"a", "b"}},
		{"a final newline does not start a line", "a\nb\n", 2, []string{"a", "b"}},
		{"a log without a final newline keeps its last line", "a\nb", 5, []string{"a", "b"}},
		{"carriage returns are dropped", "a\r\nb\r\n", 5, []string{"a", "b"}},
		{"a longer log starts with what was left out", "a\nb\nc\n", 2, []string{"[...truncated 0 B...]", "c"}},
		{"sizes read as Jenkins writes them", long, 3, []string{"[...truncated 6.59 KiB...]", "0123456789abcdef", "0123456789abcdef"}},
		{"an empty log is one empty line", "", 3, []string{""}},
		{"console notes are removed", "x\x1b[8mha:AAAA\x1b[0my\n", 3, []string{"xy"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := LastLines(strings.NewReader(tc.log), int64(len(tc.log)), tc.max)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("LastLines = %q, want %q", got, tc.want)
			}
		})
	}
}

func FuzzLastLines(f *testing.F) {
	f.Add([]byte("a\nb\r\nc"), 2)
	f.Add([]byte(strings.Repeat("line\n", 3000)), 250)
	f.Fuzz(func(t *testing.T, data []byte, max int) {
		if max <= 0 || max > 1000 || len(data) == 0 || bytes.Contains(data, []byte("\x1b[8mha:")) {
			return
		}
		got, err := LastLines(bytes.NewReader(data), int64(len(data)), max)
		if err != nil {
			t.Fatal(err)
		}
		if want := getLog(data, max); !slices.Equal(got, want) {
			t.Fatalf("LastLines(%q, %d) = %q, Run.getLog = %q", data, max, got, want)
		}
	})
}

func TestHumanSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.00 KiB", 1536: "1.50 KiB", 5 << 20: "5.00 MiB", 3 << 30: "3.00 GiB"} {
		if got := humanSize(n); got != want {
			t.Errorf("humanSize(%d) = %q, want %q", n, got, want)
		}
	}
}

// normalize replaces what is random in a message with fixed text.
func normalize(m *Message) []byte {
	s := string(m.Data)
	if b := regexp.MustCompile(`boundary="([0-9a-f]+)"`).FindStringSubmatch(s); b != nil {
		s = strings.ReplaceAll(s, b[1], "BOUNDARY")
	}
	s = strings.ReplaceAll(s, m.MessageID, "<ID@example.com>")
	return []byte(strings.ReplaceAll(s, "\r\n", "\n"))
}

func TestComposeGolden(t *testing.T) {
	settings := Settings{From: "Jenkins <ci@example.com>", ReplyTo: "noreply@example.com", DefaultSuffix: "@example.com", RootURL: "https://ci.example.com/"}
	now := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	base := Input{
		Build:       Build{Number: 5, Result: model.Failure},
		JobFullName: "team/app",
		JobURL:      "job/team/job/app/",
		RunURL:      "job/team/job/app/5/",
		Workspace:   "/var/lib/jeeves/workspace/team/app",
		Artifacts:   "dist/*.tar.gz",
		Now:         now,
		Lookup:      func(n string) (string, bool) { return "oncall", n == "ONCALL" },
	}
	mailer := Mailer{Recipients: "dev@example.com ops, $ONCALL dev@example.com bad@@x", SendToIndividuals: true}
	tests := []struct {
		name   string
		result model.Result
		prev   []Build
		edit   func(in *Input)
	}{
		{"failure", model.Failure, []Build{{Result: model.Success}}, func(in *Input) {
			in.Changes = []Change{{Author: "Ada Lovelace", Message: "Fix the engine"}, {Author: "Grace Hopper", Message: "Multi-line\nmessage\n"}}
			in.Culprits = []Culprit{{FullName: "Ada Lovelace", Email: "ada@example.com"}, {FullName: "Nobody"}}
			in.Log = []string{"[...truncated 1.50 KiB...]", "+ make", "/var/lib/jeeves/workspace/team/app/src/main.c:12: error: ‘x’ undeclared",
				"wrote /var/lib/jeeves/workspace/team/app/dist/app.tar.gz", "file:/var/lib/jeeves/workspace/team/app/build log.txt:3 see there", "Finished: FAILURE"}
			in.PreviousMessageID = "<prev@example.com>"
			in.PreviousResult = model.Success
		}},
		{"still-unstable", model.Unstable, []Build{{Result: model.Unstable}}, func(in *Input) {
			in.Changes = []Change{{Author: "Ada Lovelace", Message: "Tweak"}}
			in.PreviousMessageID = "<prev@example.com>"
			in.PreviousResult = model.Unstable
		}},
		{"back-to-normal", model.Success, []Build{{Result: model.Failure}}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name+" mail is composed as its golden message", func(t *testing.T) {
			in := base
			in.Build.Result = tc.result
			if tc.edit != nil {
				tc.edit(&in)
			}
			in.Decision = mailer.Decide(in.Build, "team » app #5", Slice(tc.prev...))
			m := mailer.Compose(settings, in)
			if m == nil || m.Data == nil {
				t.Fatalf("nothing composed: %+v", m)
			}
			var out bytes.Buffer
			out.WriteString("lines:\n  " + strings.Join(m.Lines, "\n  ") + "\nfrom: " + m.From + "\nto: " + strings.Join(m.To, " ") + "\n\n")
			out.Write(normalize(m))
			golden(t, filepath.Join("testdata", tc.name+".golden.eml"), out.Bytes())
		})
	}
}

func TestComposeWithoutRecipients(t *testing.T) {
	m := Mailer{Recipients: "nobody"}.Compose(Settings{}, Input{Decision: Decision{Kind: Failure, Subject: "s"}})
	if m == nil || m.Data != nil || !slices.Equal(m.Lines, []string{"An attempt to send an e-mail to empty list of recipients, ignored."}) {
		t.Errorf("Compose = %+v", m)
	}
	if m := (Mailer{Recipients: "a@b"}).Compose(Settings{}, Input{}); m != nil {
		t.Errorf("no decision composed %+v", m)
	}
}

func FuzzParseMailer(f *testing.F) {
	data, _ := os.ReadFile(filepath.Join("testdata", "mailer.xml"))
	f.Add(data)
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseMailer(data)
		if err != nil {
			return
		}
		back, err := ParseMailer(m.XML())
		if err != nil || back.Recipients != m.Recipients {
			t.Fatalf("%+v reads back as %+v, %v", m, back, err)
		}
	})
}

func FuzzCompose(f *testing.F) {
	f.Add("dev@example.com ops", "Jenkins <ci@example.com>", "team/app", "<prev@x>", "line\nx")
	f.Fuzz(func(t *testing.T, recipients, from, job, prevID, logLine string) {
		m := Mailer{Recipients: recipients}
		in := Input{Build: Build{Number: 1, Result: model.Failure}, JobFullName: job, JobURL: "job/x/", RunURL: "job/x/1/",
			Log: strings.Split(logLine, "\n"), PreviousMessageID: prevID, Workspace: "/ws", Artifacts: "**"}
		in.Decision = m.Decide(in.Build, job+" #1", nil)
		msg := m.Compose(Settings{From: from, RootURL: "http://ci/"}, in)
		if msg == nil || msg.Data == nil {
			return
		}
		// No value may start a header of its own.
		head, _, _ := strings.Cut(string(msg.Data), "\r\n\r\n")
		for _, line := range strings.Split(head, "\r\n") {
			name, _, ok := strings.Cut(line, ":")
			if !ok || !slices.Contains([]string{"From", "Reply-To", "To", "Subject", "Date", "Message-ID", "X-Jenkins-Job", "X-Jenkins-Result",
				"Auto-submitted", "In-Reply-To", "References", "MIME-Version", "Content-Type"}, name) {
				t.Fatalf("unexpected header line %q in\n%s", line, head)
			}
		}
	})
}
