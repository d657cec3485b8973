package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jeeves-ci/jeeves/internal/app"
	"github.com/jeeves-ci/jeeves/internal/auth"
	"github.com/jeeves-ci/jeeves/internal/blob"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/store"
)

// adminPassword is the seeded admin's password (loopback only).
const adminPassword = "bench-password"

// jobXML is a freestyle job's config.xml with one shell step, running
// concurrent builds or not, with one string parameter if param is set.
func jobXML(command string, concurrent bool, param string) []byte {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "'", "&apos;", `"`, "&quot;")
	props := ""
	if param != "" {
		props = `
  <properties>
    <hudson.model.ParametersDefinitionProperty>
      <parameterDefinitions>
        <hudson.model.StringParameterDefinition><name>` + r.Replace(param) + `</name><defaultValue></defaultValue><trim>false</trim></hudson.model.StringParameterDefinition>
      </parameterDefinitions>
    </hudson.model.ParametersDefinitionProperty>
  </properties>`
	}
	return []byte(`<?xml version='1.1' encoding='UTF-8'?>
<project>
  <description>seeded by jeeves-bench</description>
  <keepDependencies>false</keepDependencies>` + props + `
  <canRoam>true</canRoam>
  <disabled>false</disabled>
  <concurrentBuild>` + strconv.FormatBool(concurrent) + `</concurrentBuild>
  <builders>
    <hudson.tasks.Shell>
      <command>` + r.Replace(command) + `</command>
    </hudson.tasks.Shell>
  </builders>
  <publishers/>
  <buildWrappers/>
</project>
`)
}

// seedJob is one job to write into a home, with its finished builds.
type seedJob struct {
	name    string
	command string
	builds  int
	logs    map[int64]int64 // build number → log size to create
	// concurrent and param: the job runs concurrent builds, and takes
	// one string parameter of that name.
	concurrent bool
	param      string
	folder     bool // a folder (its items are named folder/item)
}

// folderXML is a folder's config.xml.
const folderXML = `<?xml version='1.1' encoding='UTF-8'?>
<com.cloudbees.hudson.plugins.folder.Folder plugin="cloudbees-folder">
  <description>seeded by jeeves-bench</description>
  <properties/>
</com.cloudbees.hudson.plugins.folder.Folder>
`

// seed writes the admin user and an API token (through internal/app),
// and jobs with their builds (through the store), into a new home, and
// creates the requested log files where jeeves keeps them
// (blob.LogKey). It returns the token.
func seed(home string, jobs []seedJob) (string, error) {
	ctx := context.Background()
	a, err := app.New(ctx, app.Options{Home: home, AdminPassword: adminPassword})
	if err != nil {
		return "", err
	}
	defer a.Close(0)
	token, _, err := a.Auth.GenerateToken(ctx, "admin", "bench", auth.TokenOptions{})
	if err != nil {
		return "", err
	}
	logs, err := seedJobs(ctx, a.Store, jobs, time.Now())
	if err != nil {
		return "", err
	}
	dir := blob.NewDir(home)
	for _, l := range logs {
		path, err := dir.Path(blob.LogKey(l.job, l.number))
		if err != nil {
			return "", err
		}
		if err := writeLog(path, l.size); err != nil {
			return "", err
		}
	}
	return token, nil
}

// seedStore is the slice of the store seeding writes to.
type seedStore interface {
	store.Jobs
	store.Builds
	store.Transactor
}

// logFile is a log seedJobs asks for: a build's, of a size.
type logFile struct {
	job, number, size int64
}

// seedJobs writes jobs with their finished builds in one transaction and
// returns the logs they ask for.
func seedJobs(ctx context.Context, st seedStore, jobs []seedJob, now time.Time) ([]logFile, error) {
	var logs []logFile
	err := st.InTx(ctx, func(ctx context.Context) error {
		cause := []model.Cause{{Kind: model.CauseUser, UserID: "admin"}}
		batch := make([]model.Build, 0, 1000)
		for _, j := range jobs {
			xml := jobXML(j.command, j.concurrent, j.param)
			if j.folder {
				xml = []byte(folderXML)
			}
			job, err := st.CreateJob(ctx, j.name, xml, now, nil)
			if err != nil {
				return fmt.Errorf("job %s: %w", j.name, err)
			}
			id := job.ID
			for n := 1; n <= j.builds; n++ {
				result := model.Success
				if n%10 == 7 {
					result = model.Failure
				}
				batch = append(batch, model.Build{
					Number: int64(n), Result: result, Causes: cause, Duration: 1500 * time.Millisecond,
					StartedAt: now.Add(time.Duration(n-j.builds) * time.Minute),
				})
				if len(batch) == cap(batch) || n == j.builds {
					if err := st.ImportBuilds(ctx, id, batch); err != nil {
						return err
					}
					batch = batch[:0]
				}
			}
			for n, size := range j.logs {
				logs = append(logs, logFile{id, n, size})
			}
		}
		return nil
	})
	return logs, err
}

// writeLog makes a console log of size bytes quickly: a sparse hole up to
// the last 64 KiB, then real lines, so the tail a client reads is text.
func writeLog(path string, size int64) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600) // as jeeves makes them
	if err != nil {
		return err
	}
	tail := min(size, 64<<10)
	if err := f.Truncate(size - tail); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Seek(size-tail, 0); err != nil {
		f.Close()
		return err
	}
	line := []byte("+ make test: ok   github.com/jeeves-ci/jeeves/internal/bench  0.042s\n")
	buf := make([]byte, 0, tail)
	for int64(len(buf)) < tail {
		buf = append(buf, line...)
	}
	buf = buf[:tail]
	buf[len(buf)-1] = '\n'
	if _, err := f.Write(buf); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
