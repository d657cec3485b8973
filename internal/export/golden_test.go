package export

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// pythonJenkinsTree is the tree python-jenkins's get_all_jobs sends: ten
// levels of jobs[url,color,name,…] around a bare "jobs".
func pythonJenkinsTree() string {
	q := "jobs"
	for range 10 {
		q = "jobs[url,color,name," + q + "]"
	}
	return q
}

// The trees Backstage's Jenkins plugin sends for a folder and for a job.
const (
	backstageFolderTree = "jobs[actions[*],lastBuild[number,url,fullDisplayName,displayName,building,result,timestamp,duration,actions[*[*[*[*]]]]],jobs{0,1},url,name,fullName,displayName,fullDisplayName,inQueue]{0,50}"
	backstageJobTree    = "actions[*],lastBuild[number,url,fullDisplayName,displayName,building,result,timestamp,duration,actions[*[*[*[*]]]]],jobs{0,1},url,name,fullName,displayName,fullDisplayName,inQueue{0,50}"
)

type goldenCase struct {
	file   string // under testdata/; the extension gives the flavor
	root   func() *Object
	tree   string // "" for none
	depth  int
	pretty bool
}

var goldenCases = []goldenCase{
	{file: "root.json", root: hudsonRoot},
	{file: "root.pretty.json", root: hudsonRoot, pretty: true},
	{file: "root.py", root: hudsonRoot},
	{file: "root.pretty.py", root: hudsonRoot, pretty: true},
	{file: "root.xml", root: hudsonRoot},
	{file: "root.depth1.json", root: hudsonRoot, depth: 1},
	{file: "root.depth1.xml", root: hudsonRoot, depth: 1},
	{file: "root.tree-jobs-name-color.json", root: hudsonRoot, tree: "jobs[name,color]"},
	{file: "root.tree-jobs-name-color.xml", root: hudsonRoot, tree: "jobs[name,color]"},
	{file: "root.tree-first-job-name.json", root: hudsonRoot, tree: "jobs[name]{0,1}"},
	{file: "root.tree-star.json", root: hudsonRoot, tree: "*"},
	{file: "root.tree-star.pretty.json", root: hudsonRoot, tree: "*", pretty: true},
	{file: "root.tree-python-jenkins.json", root: hudsonRoot, tree: pythonJenkinsTree()},
	{file: "root.tree-backstage.json", root: hudsonRoot, tree: backstageFolderTree},
	{file: "job.json", root: alpha},
	{file: "job.pretty.json", root: alpha, pretty: true},
	{file: "job.py", root: alpha},
	{file: "job.xml", root: alpha},
	{file: "job.depth1.json", root: alpha, depth: 1},
	{file: "job.depth1.pretty.json", root: alpha, depth: 1, pretty: true},
	{file: "job.depth2.xml", root: alpha, depth: 2},
	{file: "job.tree-actions-deep.json", root: alpha, tree: "actions[*[*[*]]]"},
	{file: "job.tree-actions-deep.pretty.json", root: alpha, tree: "actions[*[*[*]]]", pretty: true},
	{file: "job.tree-lastBuild.json", root: alpha, tree: "lastBuild"},
	{file: "job.tree-builds-from-1.json", root: alpha, tree: "builds[number]{1,}"},
	{file: "job.tree-inQueue-range.json", root: alpha, tree: "inQueue{0,50}"},
	{file: "job.tree-allBuilds.json", root: alpha, tree: "allBuilds[number,url]"},
	{file: "job.tree-backstage.json", root: alpha, tree: backstageJobTree},
}

func alpha() *Object { return freestyleJob("alpha", "blue", 3) }

// render writes c's root in the flavor its file name calls for.
func (c goldenCase) render() ([]byte, error) {
	var opt Options
	if c.tree != "" {
		t, err := ParseTree(c.tree)
		if err != nil {
			return nil, err
		}
		opt.Tree = t
	}
	opt.Depth, opt.Pretty = c.depth, c.pretty
	flavor, xmlRoot := JSON, ""
	switch filepath.Ext(c.file) {
	case ".py":
		flavor = Python
	case ".xml":
		flavor = XML
		xmlRoot = "hudson"
		if strings.HasPrefix(c.file, "job.") {
			xmlRoot = "freeStyleProject"
		}
	}
	var buf bytes.Buffer
	err := Write(&buf, c.root(), flavor, xmlRoot, opt)
	return buf.Bytes(), err
}

func TestGoldenFiles(t *testing.T) {
	for _, c := range goldenCases {
		t.Run(c.file, func(t *testing.T) {
			got, err := c.render()
			if err != nil {
				t.Fatalf("rendering failed: %v", err)
			}
			path := filepath.Join("testdata", c.file)
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("output differs from %s (run go test -update after checking the change)\ngot:\n%s", path, got)
			}
		})
	}
}

// TestGoldenFilesAreWellFormed checks every golden file against the
// grammar of its flavor.
func TestGoldenFilesAreWellFormed(t *testing.T) {
	for _, c := range goldenCases {
		t.Run(c.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", c.file))
			if err != nil {
				t.Skip(err)
			}
			switch filepath.Ext(c.file) {
			case ".json":
				if !json.Valid(data) {
					t.Fatal("is not valid JSON")
				}
			case ".py":
				if !json.Valid(pythonToJSON(data)) {
					t.Fatal("is not JSON once True, False and None are translated")
				}
			case ".xml":
				if err := checkXML(data); err != nil {
					t.Fatalf("is not well-formed XML: %v", err)
				}
			}
		})
	}
}

// TestPrettyOutputDiffersFromCompactOnlyInWhitespace compares each pretty
// rendering with the compact one.
func TestPrettyOutputDiffersFromCompactOnlyInWhitespace(t *testing.T) {
	for _, c := range goldenCases {
		if !c.pretty || filepath.Ext(c.file) != ".json" {
			continue
		}
		t.Run(c.file, func(t *testing.T) {
			pretty, err := c.render()
			if err != nil {
				t.Fatal(err)
			}
			c.pretty = false
			compact, err := c.render()
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := json.Compact(&buf, pretty); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), compact) {
				t.Errorf("compacted pretty output\n%s\ndiffers from compact output\n%s", buf.Bytes(), compact)
			}
		})
	}
}

// TestPythonIsJSONWithPythonLiterals checks that the Python flavor is the
// JSON text with True, False and None.
func TestPythonIsJSONWithPythonLiterals(t *testing.T) {
	for _, c := range goldenCases {
		if filepath.Ext(c.file) != ".py" {
			continue
		}
		t.Run(c.file, func(t *testing.T) {
			py, err := c.render()
			if err != nil {
				t.Fatal(err)
			}
			c.file = strings.TrimSuffix(c.file, ".py") + ".json"
			js, err := c.render()
			if err != nil {
				t.Fatal(err)
			}
			if got := pythonToJSON(py); !bytes.Equal(got, js) {
				t.Errorf("Python output translated to JSON\n%s\ndiffers from JSON output\n%s", got, js)
			}
		})
	}
}

// pythonToJSON replaces True, False and None outside strings.
func pythonToJSON(py []byte) []byte {
	var out []byte
	inString := false
	for i := 0; i < len(py); i++ {
		c := py[i]
		if inString {
			out = append(out, c)
			switch c {
			case '\\':
				i++
				if i < len(py) {
					out = append(out, py[i])
				}
			case '"':
				inString = false
			}
			continue
		}
		switch {
		case c == '"':
			inString = true
			out = append(out, c)
		case bytes.HasPrefix(py[i:], []byte("True")):
			out = append(out, "true"...)
			i += 3
		case bytes.HasPrefix(py[i:], []byte("False")):
			out = append(out, "false"...)
			i += 4
		case bytes.HasPrefix(py[i:], []byte("None")):
			out = append(out, "null"...)
			i += 3
		default:
			out = append(out, c)
		}
	}
	return out
}

// checkXML reports whether data is one well-formed XML element.
func checkXML(data []byte) error {
	d := xml.NewDecoder(bytes.NewReader(data))
	depth, roots := 0, 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		switch tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				roots++
			}
			depth++
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth == 0 {
				return errors.New("text outside the root element")
			}
		case xml.ProcInst:
			return errors.New("unexpected processing instruction")
		}
	}
	if roots != 1 {
		return errors.New("not exactly one root element")
	}
	return nil
}
