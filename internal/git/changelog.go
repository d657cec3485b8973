package git

import (
	"bufio"
	"bytes"
	"regexp"
	"strings"
	"time"
)

// changelogFormat is the git client plugin's --format for the changelog
// (CliGitAPIImpl.changelog RAW): git's raw format with ISO dates.
const changelogFormat = "commit %H%ntree %T%nparent %P%nauthor %aN <%aE> %ai%ncommitter %cN <%cE> %ci%n%n%w(0,4,4)%B"

// maxChangelog is the most commits a changelog lists (GitSCM.MAX_CHANGELOG).
const maxChangelog = 1024

// truncateLimit is where a commit's title is cut at a word boundary.
const truncateLimit = 72

// Change is one commit of a build's changelog (hudson.plugins.git.GitChangeSet).
type Change struct {
	CommitID      string
	Parent        string
	Title         string // the first line, cut at a word boundary before 73 characters
	Comment       string // the whole message, each line ending in "\n"
	Author        string // the committer, unless AuthorInChangelog
	AuthorEmail   string
	Date          string // "2018-08-25 14:34:13 +0800"
	Timestamp     int64  // milliseconds; -1 if Date cannot be read
	Paths         []ChangePath
	authorName    string
	authorMail    string
	authorDate    string
	committerName string
	committerMail string
	committerDate string
}

// ChangePath is a file a commit touched: EditType is "add", "edit" or
// "delete" (a rename is a delete and an add, a copy an add).
type ChangePath struct {
	EditType string
	File     string
}

var (
	fileEntryRE = regexp.MustCompile(`^:[0-9]{6} [0-9]{6} ([0-9a-f]{40}) ([0-9a-f]{40}) ([ACDMRTUX])(?:[0-9]+)?\t(.*)$`)
	identityRE  = regexp.MustCompile(`^(?:author|committer) ([^<]*)<(.*)> (.*)$`)
)

// ParseChangelog reads the raw changelog (the output of the plugin's
// "git log --raw" command, stored as the build's changelog.xml) into
// changes, oldest first as GitChangeSetList orders them.
// authorInChangelog is the AuthorInChangelog extension.
func ParseChangelog(raw []byte, authorInChangelog bool) []Change {
	var out []Change
	var lines []string
	seen := map[string]bool{}
	flush := func() {
		if lines == nil {
			return
		}
		c := parseCommit(lines, authorInChangelog)
		if c.CommitID == "" || !seen[c.CommitID] {
			seen[c.CommitID] = true
			out = append(out, c)
		}
	}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "commit ") {
			flush()
			lines = []string{}
		}
		if lines != nil && len(lines) < 1000 {
			lines = append(lines, line)
		}
	}
	flush()
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

func parseCommit(lines []string, authorInChangelog bool) Change {
	var c Change
	var msg strings.Builder
	for _, line := range lines {
		switch {
		case line == "":
		case strings.HasPrefix(line, "commit "):
			if f := strings.Split(line, " "); len(f) > 1 {
				c.CommitID = f[1]
			}
		case strings.HasPrefix(line, "tree "):
		case strings.HasPrefix(line, "parent "):
			if f := strings.Split(line, " "); len(f) > 1 {
				c.Parent = f[1]
			}
		case strings.HasPrefix(line, "committer "):
			if m := identityRE.FindStringSubmatch(line); m != nil {
				c.committerName, c.committerMail, c.committerDate = strings.TrimSpace(m[1]), m[2], m[3]
			}
		case strings.HasPrefix(line, "author "):
			if m := identityRE.FindStringSubmatch(line); m != nil {
				c.authorName, c.authorMail, c.authorDate = strings.TrimSpace(m[1]), m[2], m[3]
			}
		case strings.HasPrefix(line, "    "):
			msg.WriteString(line[4:])
			msg.WriteByte('\n')
		case line[0] == ':':
			m := fileEntryRE.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			p := m[4]
			switch m[3] {
			case "R":
				if old, nw, ok := strings.Cut(p, "\t"); ok {
					c.Paths = append(c.Paths, ChangePath{"delete", old}, ChangePath{"add", nw})
				}
			case "C":
				if _, nw, ok := strings.Cut(p, "\t"); ok {
					c.Paths = append(c.Paths, ChangePath{"add", nw})
				}
			case "A":
				c.Paths = append(c.Paths, ChangePath{"add", p})
			case "D":
				c.Paths = append(c.Paths, ChangePath{"delete", p})
			default:
				c.Paths = append(c.Paths, ChangePath{"edit", p})
			}
		}
	}
	c.Comment = msg.String()
	title := c.Comment
	if i := strings.IndexByte(title, '\n'); i >= 0 {
		title = title[:i]
	}
	c.Title = splitTitle(strings.TrimSpace(title), truncateLimit)
	if authorInChangelog {
		c.Author, c.AuthorEmail, c.Date = c.authorName, c.authorMail, c.authorDate
	} else {
		c.Author, c.AuthorEmail, c.Date = c.committerName, c.committerMail, c.committerDate
	}
	c.Timestamp = parseGitDate(c.Date)
	return c
}

// splitTitle cuts a title at the last space before limit, or at its
// first space when that is beyond (GitChangeSet.splitString).
func splitTitle(msg string, limit int) string {
	if i := strings.IndexAny(msg, "\r\n"); i >= 0 {
		msg = msg[:i]
	}
	r := []rune(msg)
	if len(r) <= limit || !strings.Contains(msg, " ") {
		return msg
	}
	last := -1
	for i := limit; i >= 0; i-- {
		if i < len(r) && r[i] == ' ' {
			last = i
			break
		}
	}
	if last < 0 {
		for i, c := range r {
			if c == ' ' {
				last = i
				break
			}
		}
	}
	return string(r[:last])
}

// parseGitDate reads "2015-09-30 08:21:24 -0600" (and the ISO forms
// the plugin also reads) into milliseconds; -1 if it cannot.
func parseGitDate(s string) int64 {
	for _, layout := range []string{"2006-01-02 15:04:05 -0700", "2006-01-02 15:04:05-07:00", "2006-01-02T15:04:05-0700", time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Unix() * 1000
		}
	}
	return -1
}

// ChangeSetClass is the _class of a build's changeSet in api/json.
const ChangeSetClass = "hudson.plugins.git.GitChangeSetList"

// ChangeSetAPI is a build's "changeSet" in api/json:
// {_class: hudson.plugins.git.GitChangeSetList, kind: "git", items: […]}.
// authorURL, when not nil, gives the absolute URL of the Jenkins user of
// an author name (the "author" object's absoluteUrl).
func ChangeSetAPI(changes []Change, authorURL func(name string) string) map[string]any {
	items := make([]any, len(changes))
	for i, c := range changes {
		author := map[string]any{"fullName": c.Author}
		if authorURL != nil {
			author["absoluteUrl"] = authorURL(c.Author)
		}
		paths := make([]any, len(c.Paths))
		affected := make([]any, 0, len(c.Paths))
		seen := map[string]bool{}
		for j, p := range c.Paths {
			paths[j] = map[string]any{"editType": p.EditType, "file": p.File}
			if !seen[p.File] {
				seen[p.File] = true
				affected = append(affected, p.File)
			}
		}
		items[i] = map[string]any{
			"_class":        "hudson.plugins.git.GitChangeSet",
			"affectedPaths": affected,
			"commitId":      c.CommitID,
			"timestamp":     c.Timestamp,
			"author":        author,
			"authorEmail":   c.AuthorEmail,
			"comment":       c.Comment,
			"date":          c.Date,
			"id":            c.CommitID,
			"msg":           c.Title,
			"paths":         paths,
		}
	}
	return map[string]any{"_class": ChangeSetClass, "items": items, "kind": "git"}
}
