package configxml

import (
	"strings"

	"github.com/jeeves-ci/jeeves/internal/git"
	"github.com/jeeves-ci/jeeves/internal/model"
)

// What jeeves runs, and what it keeps in config.xml without running.
//
// unsupported walks a freestyle project and lists, in document order,
// every element that asks for something jeeves does not do. Elements
// jeeves acts on are: description, disabled, concurrentBuild, quietPeriod,
// authToken, assignedNode and canRoam, a NullSCM (or no SCM),
// hudson.tasks.Shell steps, the TimerTrigger, the BuildTrigger,
// ArtifactArchiver, JUnitResultArchiver and Mailer publishers, the
// ParametersDefinitionProperty (with string, boolean, choice, text and
// password parameters), AuthorizationMatrixProperty and
// BuildDiscarderProperty properties, and the legacy <logRotator>, each
// discarder with a LogRotator strategy. Elements that only restate
// Jenkins's defaults (actions, an empty jdk, blockBuildWhen… false) are
// not listed.
//
// When later work makes jeeves run one of these, it leaves the list by
// being added to the supported sets below. An element a build
// contributor runs (hudson.plugins.git.GitSCM, checked out by the git
// contributor) stays listed here, since configxml cannot know whether
// that contributor is registered; the contributor claims it
// (executor.Part.Runs), and the builds and the job page leave it out
// then. A GitSCM's extensions jeeves does not run are listed after it.

// Classes jeeves runs, by the list they appear in.
var (
	runsBuilder   = map[string]bool{shellClass: true}
	runsPublisher = map[string]bool{buildTrigClass: true, archiverClass: true, junitClass: true, mailerClass: true}
	runsTrigger   = map[string]bool{timerClass: true}
	runsProperty  = map[string]bool{paramsProperty: true, matrixProperty: true, discarderProperty: true, pipelineDiscarder: true}
	runsParam     = map[string]bool{
		"hudson.model.StringParameterDefinition":   true,
		"hudson.model.BooleanParameterDefinition":  true,
		"hudson.model.ChoiceParameterDefinition":   true,
		"hudson.model.TextParameterDefinition":     true,
		"hudson.model.PasswordParameterDefinition": true,
	}
	runsSCM = map[string]bool{"hudson.scm.NullSCM": true, "": true}
)

// displayNames are the names Jenkins shows for classes (each plugin's
// Descriptor.getDisplayName, in English), and for project settings that
// are plain elements. A class not listed is named by its class.
var displayNames = map[string]string{
	// SCMs.
	"hudson.scm.NullSCM":                          "None",
	"hudson.plugins.git.GitSCM":                   "Git",
	"hudson.scm.SubversionSCM":                    "Subversion",
	"hudson.plugins.mercurial.MercurialSCM":       "Mercurial",
	"org.jenkinsci.plugins.multiplescms.MultiSCM": "Multiple SCMs",
	"org.jenkinsci.plugins.p4.PerforceScm":        "Perforce Software",
	"hudson.plugins.repo.RepoScm":                 "Gerrit Repo",
	"hudson.plugins.filesystem_scm.FSSCM":         "File System",
	"hudson.plugins.cvs.CVSSCM":                   "CVS",
	"hudson.plugins.bazaar.BazaarSCM":             "Bazaar",

	// Build steps.
	"hudson.tasks.Shell":                                 "Execute shell",
	"hudson.tasks.BatchFile":                             "Execute Windows batch command",
	"hudson.tasks.Maven":                                 "Invoke top-level Maven targets",
	"hudson.tasks.Ant":                                   "Invoke Ant",
	"hudson.plugins.gradle.Gradle":                       "Invoke Gradle script",
	"hudson.plugins.python.Python":                       "Execute Python script",
	"hudson.plugins.powershell.PowerShell":               "PowerShell",
	"hudson.plugins.groovy.Groovy":                       "Execute Groovy script",
	"hudson.plugins.groovy.SystemGroovy":                 "Execute system Groovy script",
	"hudson.plugins.copyartifact.CopyArtifact":           "Copy artifacts from another project",
	"javaposse.jobdsl.plugin.ExecuteDslScripts":          "Process Job DSLs",
	"org.jenkinsci.plugins.envinject.EnvInjectBuilder":   "Inject environment variables",
	"hudson.plugins.parameterizedtrigger.TriggerBuilder": "Trigger/call builds on other projects",
	"org.jenkinsci.plugins.conditionalbuildstep.singlestep.SingleConditionalBuilder": "Conditional step (single)",
	"org.jenkinsci.plugins.conditionalbuildstep.ConditionalBuilder":                  "Conditional steps (multiple)",
	"org.jenkinsci.plugins.configfiles.builder.ConfigFileBuildStep":                  "Provide Configuration files",
	"hudson.plugins.sonar.SonarRunnerBuilder":                                        "Execute SonarQube Scanner",
	"com.cloudbees.dockerpublish.DockerBuilder":                                      "Docker Build and Publish",

	// Post-build actions.
	"hudson.tasks.BuildTrigger":                                   "Build other projects",
	"hudson.tasks.ArtifactArchiver":                               "Archive the artifacts",
	"hudson.tasks.junit.JUnitResultArchiver":                      "Publish JUnit test result report",
	"hudson.tasks.Mailer":                                         "E-mail Notification",
	"hudson.tasks.Fingerprinter":                                  "Record fingerprints of files to track usage",
	"hudson.tasks.JavadocArchiver":                                "Publish Javadoc",
	"hudson.plugins.emailext.ExtendedEmailPublisher":              "Editable Email Notification",
	"hudson.plugins.parameterizedtrigger.BuildTrigger":            "Trigger parameterized build on other projects",
	"hudson.plugins.ws_cleanup.WsCleanup":                         "Delete workspace when build is done",
	"htmlpublisher.HtmlPublisher":                                 "Publish HTML reports",
	"hudson.plugins.git.GitPublisher":                             "Git Publisher",
	"hudson.plugins.postbuildtask.PostbuildTask":                  "Post build task",
	"org.jenkinsci.plugins.postbuildscript.PostBuildScript":       "Execute scripts",
	"hudson.plugins.jacoco.JacocoPublisher":                       "Record JaCoCo coverage report",
	"hudson.plugins.cobertura.CoberturaPublisher":                 "Publish Cobertura Coverage Report",
	"io.jenkins.plugins.analysis.core.steps.IssuesRecorder":       "Record compiler warnings and static analysis results",
	"jenkins.plugins.slack.SlackNotifier":                         "Slack Notifications",
	"hudson.plugins.descriptionsetter.DescriptionSetterPublisher": "Set build description",
	"org.jenkinsci.plugins.stashNotifier.StashNotifier":           "Notify Bitbucket Instance",
	"hudson.plugins.checkstyle.CheckStylePublisher":               "Publish Checkstyle analysis results",
	"hudson.plugins.textfinder.TextFinderPublisher":               "Search files or the console log for regular expression(s)",
	"hudson.plugins.claim.ClaimPublisher":                         "Allow broken build claiming",

	// Build environment.
	"org.jenkinsci.plugins.credentialsbinding.impl.SecretBuildWrapper":      "Use secret text(s) or file(s)",
	"hudson.plugins.build__timeout.BuildTimeoutWrapper":                     "Terminate a build if it's stuck",
	"hudson.plugins.timestamper.TimestamperBuildWrapper":                    "Add timestamps to the Console Output",
	"hudson.plugins.ansicolor.AnsiColorBuildWrapper":                        "Color ANSI Console Output",
	"hudson.plugins.ws_cleanup.PreBuildCleanup":                             "Delete workspace before build starts",
	"org.jenkinsci.plugins.envinject.EnvInjectBuildWrapper":                 "Inject environment variables to the build process",
	"org.jenkinsci.plugins.envinject.EnvInjectPasswordWrapper":              "Inject passwords to the build as environment variables",
	"com.cloudbees.jenkins.plugins.sshagent.SSHAgentBuildWrapper":           "SSH Agent",
	"org.jenkinsci.plugins.configfiles.buildwrapper.ConfigFileBuildWrapper": "Provide Configuration files",
	"jenkins.plugins.nodejs.NodeJSBuildWrapper":                             "Provide Node & npm bin/ folder to PATH",
	"org.jenkinsci.plugins.buildnamesetter.BuildNameSetter":                 "Set Build Name",
	"hudson.plugins.xvfb.XvfbBuildWrapper":                                  "Start Xvfb before the build, and shut it down after.",

	// Job properties and parameters.
	"jenkins.model.BuildDiscarderProperty":                                                        "Discard old builds",
	"hudson.tasks.LogRotator":                                                                     "Discard old builds",
	"hudson.model.ParametersDefinitionProperty":                                                   "This project is parameterized",
	"hudson.security.AuthorizationMatrixProperty":                                                 "Enable project-based security",
	"com.coravy.hudson.plugins.github.GithubProjectProperty":                                      "GitHub project",
	"hudson.plugins.throttleconcurrents.ThrottleJobProperty":                                      "Throttle builds",
	"com.sonyericsson.rebuild.RebuildSettings":                                                    "Rebuild options",
	"hudson.plugins.jira.JiraProjectProperty":                                                     "Jira site",
	"org.jenkinsci.plugins.envinject.EnvInjectJobProperty":                                        "Prepare an environment for the run",
	"com.synopsys.arc.jenkinsci.plugins.jobrestrictions.jobs.JobRestrictionProperty":              "Restrict job execution",
	"hudson.plugins.disk__usage.DiskUsageProperty":                                                "Disk usage",
	"jenkins.branch.RateLimitBranchProperty$JobPropertyImpl":                                      "Throttle builds",
	"org.jenkinsci.plugins.workflow.job.properties.DisableConcurrentBuildsJobProperty":            "Do not allow concurrent builds",
	"hudson.model.StringParameterDefinition":                                                      "String Parameter",
	"hudson.model.BooleanParameterDefinition":                                                     "Boolean Parameter",
	"hudson.model.ChoiceParameterDefinition":                                                      "Choice Parameter",
	"hudson.model.TextParameterDefinition":                                                        "Multi-line String Parameter",
	"hudson.model.PasswordParameterDefinition":                                                    "Password Parameter",
	"hudson.model.FileParameterDefinition":                                                        "File Parameter",
	"hudson.model.RunParameterDefinition":                                                         "Run Parameter",
	"com.cloudbees.plugins.credentials.CredentialsParameterDefinition":                            "Credentials Parameter",
	"net.uaznia.lukanus.hudson.plugins.gitparameter.GitParameterDefinition":                       "Git Parameter",
	"org.biouno.unochoice.ChoiceParameter":                                                        "Active Choices Parameter",
	"org.biouno.unochoice.CascadeChoiceParameter":                                                 "Active Choices Reactive Parameter",
	"com.cwctravel.hudson.plugins.extended__choice__parameter.ExtendedChoiceParameterDefinition":  "Extended Choice Parameter",
	"jp.ikedam.jenkins.plugins.extensible__choice__parameter.ExtensibleChoiceParameterDefinition": "Extensible Choice",
	"org.jvnet.jenkins.plugins.nodelabelparameter.NodeParameterDefinition":                        "Node",
	"org.jvnet.jenkins.plugins.nodelabelparameter.LabelParameterDefinition":                       "Label",

	// Git's extensions ("Additional Behaviours").
	"hudson.plugins.git.extensions.impl.PreBuildMerge":       "Merge before build",
	"hudson.plugins.git.extensions.impl.SparseCheckoutPaths": "Sparse Checkout paths",
	"hudson.plugins.git.extensions.impl.GitLFSPull":          "Git LFS pull after checkout",
	"hudson.plugins.git.extensions.impl.BuildChooserSetting": "Strategy for choosing what to build",
	"hudson.plugins.git.extensions.impl.PathRestriction":     "Polling ignores commits in certain paths",
	"hudson.plugins.git.extensions.impl.UserExclusion":       "Polling ignores commits from certain users",
	"hudson.plugins.git.extensions.impl.MessageExclusion":    "Polling ignores commits with certain messages",
	"hudson.plugins.git.extensions.impl.DisableRemotePoll":   "Force polling using workspace",
	"hudson.plugins.git.extensions.impl.ChangelogToBranch":   "Calculate changelog against a specific branch",
	"jenkins.plugins.git.MergeWithGitSCMExtension":           "Merge with another branch",

	// Build triggers.
	"hudson.triggers.TimerTrigger":                                               "Build periodically",
	"hudson.triggers.SCMTrigger":                                                 "Poll SCM",
	"jenkins.triggers.ReverseBuildTrigger":                                       "Build after other projects are built",
	"com.cloudbees.jenkins.GitHubPushTrigger":                                    "GitHub hook trigger for GITScm polling",
	"com.dabsquared.gitlabjenkins.GitLabPushTrigger":                             "Build when a change is pushed to GitLab",
	"org.jenkinsci.plugins.ghprb.GhprbTrigger":                                   "GitHub Pull Request Builder",
	"com.sonyericsson.hudson.plugins.gerrit.trigger.hudsontrigger.GerritTrigger": "Gerrit event",
	"org.jenkinsci.plugins.gwt.GenericTrigger":                                   "Generic Webhook Trigger",
	"org.jenkinsci.plugins.urltrigger.URLTrigger":                                "[URLTrigger] - Poll with a URL",
	"com.cloudbees.jenkins.plugins.BitBucketTrigger":                             "Build when a change is pushed to BitBucket",

	// Project settings written as plain elements.
	"displayName":                      "Display Name",
	"keepDependencies":                 "Keep the build logs of dependencies",
	"scmCheckoutRetryCount":            "Retry Count",
	"assignedNode":                     "Restrict where this project can be run",
	"jdk":                              "JDK",
	"blockBuildWhenDownstreamBuilding": "Block build when downstream project is building",
	"blockBuildWhenUpstreamBuilding":   "Block build when upstream project is building",
	"customWorkspace":                  "Use custom workspace",
	"scmCheckoutStrategy":              "SCM checkout strategy",
	"authToken":                        "Trigger builds remotely",
	"quietPeriod":                      "Quiet period",
}

// DisplayName is the name Jenkins shows for a class (or a project
// setting), in English; the class itself when jeeves does not know it.
func DisplayName(class string) string {
	if n, ok := displayNames[class]; ok {
		return n
	}
	return class
}

// changesCheckout are the git extensions jeeves does not run that change
// what a build checks out (a merge, a sparse or LFS checkout, another
// choice of revision): a build without them would not build what was
// asked, so they fail it, as an SCM jeeves does not run does. The others
// (polling filters, changelog options…) only warn.
var changesCheckout = map[string]bool{
	"hudson.plugins.git.extensions.impl.PreBuildMerge":       true,
	"hudson.plugins.git.extensions.impl.SparseCheckoutPaths": true,
	"hudson.plugins.git.extensions.impl.GitLFSPull":          true,
	"hudson.plugins.git.extensions.impl.BuildChooserSetting": true,
	"jenkins.plugins.git.MergeWithGitSCMExtension":           true,
}

// gitExtensions lists the extensions of the document's GitSCM that
// jeeves does not run (its legacy fields included, as the git plugin
// turns them into extensions). GitSCM itself is run by the git
// contributor when one is registered (executor.Part.Runs); a GitSCM the
// git package cannot read adds nothing here: its checkout says why.
func (p reader) gitExtensions() []model.Unsupported {
	s, err := git.Parse(p.raw)
	if err != nil {
		return nil
	}
	var out []model.Unsupported
	for _, class := range s.Unsupported {
		kind := model.KindSCMExtension
		if changesCheckout[class] {
			kind = model.KindSCM
		}
		out = append(out, unsupportedItem(kind, class))
	}
	return out
}

// unsupportedItem is an entry of the list.
func unsupportedItem(kind, class string) model.Unsupported {
	return model.Unsupported{Kind: kind, Class: class, Name: DisplayName(class)}
}

// The project's direct children that jeeves reads, or that only restate
// a default when they hold it: their checks are in unsupported.
var projectElements = map[string]bool{
	"actions": true, "description": true, "keepDependencies": true, "properties": true,
	"scm": true, "quietPeriod": true, "canRoam": true, "disabled": true,
	"blockBuildWhenDownstreamBuilding": true, "blockBuildWhenUpstreamBuilding": true,
	"authToken": true, "triggers": true, "concurrentBuild": true, "builders": true,
	"publishers": true, "buildWrappers": true, "displayName": true, "scmCheckoutRetryCount": true,
	"assignedNode": true, "jdk": true, "customWorkspace": true, "logRotator": true,
	"scmCheckoutStrategy": true,
}

// unsupported lists what a project's config.xml asks for that jeeves does
// not run, in document order. Where jeeves reads only the first of an
// element (a second <builders>, a second TimerTrigger), the others are
// listed too.
func (p reader) unsupported(root *node) []model.Unsupported {
	var out []model.Unsupported
	add := func(kind, class string) { out = append(out, unsupportedItem(kind, class)) }
	seen := map[string]bool{}
	// first reports whether this is the first element of its kind and
	// class; a later one is listed as not run.
	first := func(kind, class string) bool {
		if seen[kind+" "+class] {
			add(kind, class)
			return false
		}
		seen[kind+" "+class] = true
		return true
	}
	for _, n := range root.children {
		if !projectElements[n.name] || !first(model.KindSetting, n.name) {
			if !projectElements[n.name] {
				add(model.KindSetting, n.name)
			}
			continue
		}
		text := strings.TrimSpace(p.str(n))
		switch n.name {
		case "scm":
			if !runsSCM[n.class] {
				add(model.KindSCM, n.class)
			}
			if n.class == git.SCMClass {
				out = append(out, p.gitExtensions()...)
			}
		case "builders":
			for _, b := range n.children {
				if !runsBuilder[b.name] {
					add(model.KindBuilder, b.name)
				}
			}
		case "publishers":
			for _, b := range n.children {
				if !runsPublisher[b.name] {
					add(model.KindPublisher, b.name)
				} else {
					first(model.KindPublisher, b.name)
				}
			}
		case "buildWrappers":
			for _, b := range n.children {
				add(model.KindWrapper, b.name)
			}
		case "triggers":
			for _, t := range n.children {
				if !runsTrigger[t.name] {
					add(model.KindTrigger, t.name)
				} else {
					first(model.KindTrigger, t.name)
				}
			}
		case "properties":
			for _, pr := range n.children {
				if !runsProperty[pr.name] {
					add(model.KindProperty, pr.name)
					continue
				}
				if !first(model.KindProperty, pr.name) {
					continue
				}
				if pr.name == discarderProperty || pr.name == pipelineDiscarder {
					if c := pr.child("strategy"); c != nil && c.class != "" && c.class != logRotatorClass {
						add(model.KindProperty, c.class)
					}
				}
				if pr.name != paramsProperty {
					continue
				}
				for _, d := range pr.child("parameterDefinitions").kids() {
					if !runsParam[d.name] {
						add(model.KindParameter, d.name)
					}
				}
			}
		case "logRotator":
			// The legacy field is a LogRotator whatever its class says
			// (BuildDiscarder.ConverterImpl); another class is not run.
			if n.class != "" && n.class != logRotatorClass {
				add(model.KindProperty, n.class)
			}
		case "keepDependencies", "blockBuildWhenDownstreamBuilding", "blockBuildWhenUpstreamBuilding":
			if isTrue(text) {
				add(model.KindSetting, n.name)
			}
		case "displayName", "customWorkspace":
			if text != "" {
				add(model.KindSetting, n.name)
			}
		case "jdk":
			if text != "" && text != "(System)" && text != "(Default)" && text != "(Inherit)" {
				add(model.KindSetting, n.name)
			}
		case "scmCheckoutRetryCount":
			if text != "" && text != "0" {
				add(model.KindSetting, n.name)
			}
		case "scmCheckoutStrategy":
			if n.class != "" && n.class != "jenkins.scm.DefaultSCMCheckoutStrategyImpl" {
				add(model.KindSetting, n.class)
			}
		}
	}
	return out
}
