package configxml

// What jeeves has built in of Jenkins and its plugins: jeeves has no
// plugins, so the plugin manager's page lists these instead. A feature
// made of config.xml elements is listed when jeeves runs every one of
// them: the ones configxml runs itself (the runs* sets in support.go) or
// those a registered build contributor claims (executor.Claimer), so
// that the list says no more than the job pages and builds do.

// Feature is one Jenkins feature jeeves has built in.
type Feature struct {
	Name   string // as Jenkins names it
	Plugin string // the Jenkins plugin it stands for, by its short name; "" for Jenkins itself
	What   string // what jeeves does of it
	// Classes are the config.xml elements it runs, by class; none for a
	// feature that is no element of a job's config.xml.
	Classes []string
}

// features is every feature jeeves may have built in, in the order the
// page lists them: Jenkins's own, then plugins by name.
var features = []Feature{
	{Name: "Freestyle projects", What: "Execute shell steps, the description, disabled, concurrent builds and the quiet period; config.xml kept byte for byte", Classes: []string{shellClass}},
	{Name: "Build periodically", What: "cron schedules with H, as Jenkins reads them", Classes: []string{timerClass}},
	{Name: "Build other projects", What: "downstream builds when a build ends, by its result", Classes: []string{buildTrigClass}},
	{Name: "This project is parameterized", What: "String, Boolean, Choice, Multi-line String and Password parameters", Classes: []string{paramsProperty}},
	{Name: "Trigger builds remotely", What: "a job's authentication token (authToken)"},
	{Name: "Archive the artifacts", What: "the files a build leaves, kept with it", Classes: []string{"hudson.tasks.ArtifactArchiver"}},
	{Name: "Discard old builds", What: "keep builds by number and age", Classes: []string{"jenkins.model.BuildDiscarderProperty"}},
	{Name: "List views and My View", What: "views of jobs by name and regular expression"},
	{Name: "Jenkins's own user database", What: "users, passwords, sessions and API tokens"},
	{Name: "CSRF protection", What: "crumbs, as Jenkins's default crumb issuer"},
	{Name: "Remote access API", What: "api/json, api/xml and api/python with tree and depth"},
	{Name: "Folders", Plugin: "cloudbees-folder", What: "items in folders, with their own views and permissions"},
	{Name: "Credentials Binding", Plugin: "credentials-binding", What: "credentials as variables and files of a build, masked in its log", Classes: []string{"org.jenkinsci.plugins.credentialsbinding.impl.SecretBuildWrapper"}},
	{Name: "Git", Plugin: "git", What: "checkout, polling and the build's revision", Classes: []string{"hudson.plugins.git.GitSCM"}},
	{Name: "JUnit", Plugin: "junit", What: "test reports of a build", Classes: []string{"hudson.tasks.junit.JUnitResultArchiver"}},
	{Name: "Mailer", Plugin: "mailer", What: "e-mail when builds fail or recover", Classes: []string{"hudson.tasks.Mailer"}},
	{Name: "Matrix Authorization Strategy", Plugin: "matrix-auth", What: "global and per-item permissions", Classes: []string{matrixProperty}},
}

// runsItself reports a class configxml runs without any contributor.
func runsItself(class string) bool {
	return runsBuilder[class] || runsPublisher[class] || runsTrigger[class] || runsProperty[class] || runsParam[class] || runsSCM[class]
}

// BuiltIn is what jeeves has built in of Jenkins and its plugins, with
// claimed reporting the classes the registered build contributors run
// (nil: none).
func BuiltIn(claimed func(class string) bool) []Feature {
	var out []Feature
	for _, f := range features {
		ok := true
		for _, c := range f.Classes {
			ok = ok && (runsItself(c) || claimed != nil && claimed(c))
		}
		if ok {
			out = append(out, f)
		}
	}
	return out
}
