package e2e

import "strings"

// withPublishers is job (a shellJob) with the publishers given.
func withPublishers(job, publishers string) string {
	return strings.Replace(job, "</project>", "  <publishers>"+publishers+"</publishers>\n</project>", 1)
}

// archiverXML archives what pattern matches.
func archiverXML(pattern string) string {
	return "<hudson.tasks.ArtifactArchiver><artifacts>" + xmlEscape(pattern) + "</artifacts></hudson.tasks.ArtifactArchiver>"
}

// junitXML records the JUnit reports pattern matches.
func junitXML(pattern string) string {
	return "<hudson.tasks.junit.JUnitResultArchiver><testResults>" + xmlEscape(pattern) + "</testResults></hudson.tasks.junit.JUnitResultArchiver>"
}

// junitFile is a shell command writing a JUnit report to file: a suite
// "pkg.T" with a passing case pass and, unless fail is "", a failing one.
func junitFile(file, pass, fail string) string {
	r := `<testsuite name="pkg.T"><testcase classname="pkg.T" name="` + pass + `" time="0.5"/>`
	if fail != "" {
		r += `<testcase classname="pkg.T" name="` + fail + `"><failure message="boom">trace</failure></testcase>`
	}
	return "echo '" + r + "</testsuite>' > " + file
}
