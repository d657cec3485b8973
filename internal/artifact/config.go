// Package artifact keeps what builds leave behind as Jenkins's "Archive the
// artifacts" publisher (hudson.tasks.ArtifactArchiver) does, without
// touching any storage or machine itself.
//
// The pieces, in the order a build uses them:
//
//   - Archiver is the publisher's configuration; ParseArchiver reads the
//     <hudson.tasks.ArtifactArchiver> element as Jenkins and Jenkins Job
//     Builder write it, and MarshalXML writes it back as Jenkins does.
//   - Archiver.Select decides what to archive from the workspace, seen as
//     an io/fs.FS: os.Root.FS for a local one, or an antglob.Listing of
//     what the launcher reports of a remote one. It words the console
//     lines and the step's failure as Jenkins does.
//   - Copy reads each selected file through the same fs.FS and hands it to
//     a Sink (the artifact store), computing its MD5 fingerprint and
//     SHA-256 while the bytes pass (Hasher).
//   - List orders a build's artifacts and computes their display paths
//     for the "artifacts" of the build's api/json (Export).
//   - CheckPath and SafePath keep paths inside the archive when storing
//     and when serving; WriteZip streams the */*zip*/ downloads.
//   - Fingerprint is the record behind /fingerprint/<md5>/api/json.
package artifact

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"slices"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/jxml"
)

// ArchiverClass is the publisher's class name, the element name of its
// configuration.
const ArchiverClass = "hudson.tasks.ArtifactArchiver"

// DisplayName is the publisher's name as Jenkins shows it in "Step ‘…’
// failed" lines.
const DisplayName = "Archive the artifacts"

// Archiver is the configuration of an ArtifactArchiver.
type Archiver struct {
	// Artifacts is the comma-separated list of include patterns, trimmed.
	Artifacts string
	// Excludes is the comma-separated list of exclude patterns; "" when
	// none.
	Excludes string
	// AllowEmptyArchive turns "nothing matched" from a failure into a
	// console line.
	AllowEmptyArchive bool
	// OnlyIfSuccessful skips archiving when the build result is worse
	// than UNSTABLE.
	OnlyIfSuccessful bool
	// Fingerprint records the archived files' fingerprints; jeeves
	// computes them always, and this only adds the console line.
	Fingerprint bool
	// DefaultExcludes applies Ant's default excludes.
	DefaultExcludes bool
	// CaseSensitive matches patterns with case.
	CaseSensitive bool
	// FollowSymlinks follows symbolic links (within the workspace).
	FollowSymlinks bool
	// LatestOnly is the legacy <latestOnly>: true asks that only the
	// latest build keep its artifacts, which Jenkins migrates to the job's
	// LogRotator as artifactNumToKeep=1.
	LatestOnly bool

	// Unknown names the child elements Jenkins does not read; jeeves
	// ignores them as Jenkins does, and says so.
	Unknown []string
}

// NewArchiver returns the configuration Jenkins gives an archiver of
// artifacts when nothing else is said.
func NewArchiver(artifacts string) Archiver {
	return Archiver{Artifacts: strings.TrimSpace(artifacts), DefaultExcludes: true, CaseSensitive: true, FollowSymlinks: true}
}

// ParseArchiver reads a <hudson.tasks.ArtifactArchiver> element (a
// fragment, or a whole document with it as its root). Missing elements
// take Jenkins's defaults: defaultExcludes, caseSensitive and
// followSymlinks true, the rest false; a missing <artifacts> is an empty
// pattern, which fails the step when it runs, as in Jenkins. The plugin
// attribute is ignored.
func ParseArchiver(data []byte) (Archiver, error) {
	e, err := jxml.Parse(data)
	if err != nil {
		return Archiver{}, err
	}
	return ArchiverFromElement(e)
}

// ArchiverFromElement is ParseArchiver for an element already read.
func ArchiverFromElement(e *jxml.Element) (Archiver, error) {
	if e.Name != ArchiverClass {
		return Archiver{}, fmt.Errorf("element <%s> is not a %s", e.Name, ArchiverClass)
	}
	a := NewArchiver("")
	for _, c := range e.Children {
		if len(c.Children) > 0 {
			return Archiver{}, fmt.Errorf("<%s> of %s holds elements; it holds text", c.Name, ArchiverClass)
		}
		switch c.Name {
		case "artifacts":
			a.Artifacts = strings.TrimSpace(c.Text)
		case "excludes":
			a.Excludes = strings.TrimSpace(c.Text)
		case "allowEmptyArchive":
			a.AllowEmptyArchive = jxml.Bool(c.Text)
		case "onlyIfSuccessful":
			a.OnlyIfSuccessful = jxml.Bool(c.Text)
		case "fingerprint":
			a.Fingerprint = jxml.Bool(c.Text)
		case "defaultExcludes":
			a.DefaultExcludes = jxml.Bool(c.Text)
		case "caseSensitive":
			a.CaseSensitive = jxml.Bool(c.Text)
		case "followSymlinks":
			a.FollowSymlinks = jxml.Bool(c.Text)
		case "latestOnly":
			a.LatestOnly = jxml.Bool(c.Text)
		default:
			if !slices.Contains(a.Unknown, c.Name) {
				a.Unknown = append(a.Unknown, c.Name)
			}
		}
	}
	return a, nil
}

// MarshalXML writes the archiver as Jenkins saves it: every field in
// the class's order, excludes only when set, no latestOnly.
func (a Archiver) MarshalXML(enc *xml.Encoder, start xml.StartElement) error {
	start.Name = xml.Name{Local: ArchiverClass}
	if err := enc.EncodeToken(start); err != nil {
		return err
	}
	field := func(name, value string) error {
		return enc.EncodeElement(value, xml.StartElement{Name: xml.Name{Local: name}})
	}
	b := func(v bool) string {
		if v {
			return "true"
		}
		return "false"
	}
	if err := field("artifacts", a.Artifacts); err != nil {
		return err
	}
	if a.Excludes != "" {
		if err := field("excludes", a.Excludes); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		name string
		v    bool
	}{
		{"allowEmptyArchive", a.AllowEmptyArchive},
		{"onlyIfSuccessful", a.OnlyIfSuccessful},
		{"fingerprint", a.Fingerprint},
		{"defaultExcludes", a.DefaultExcludes},
		{"caseSensitive", a.CaseSensitive},
		{"followSymlinks", a.FollowSymlinks},
	} {
		if err := field(f.name, b(f.v)); err != nil {
			return err
		}
	}
	return enc.EncodeToken(start.End())
}

// XML returns the archiver's element, indented by two spaces per level
// as Jenkins writes config.xml.
func (a Archiver) XML() []byte {
	var buf bytes.Buffer
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(a); err != nil {
		panic(err) // writing to a bytes.Buffer does not fail
	}
	return buf.Bytes()
}
