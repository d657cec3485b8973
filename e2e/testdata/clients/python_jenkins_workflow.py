"""python-jenkins (Debian's python3-jenkins 1.4.0) driving jeeves.

Usage: /usr/bin/python3 python_jenkins_workflow.py URL USER SECRET password|token

SECRET is a password (python-jenkins then fetches a crumb itself) or an API
token, as the last argument says. Every call is one step. Before each step the script asks
URL/__step__?name=STEP, which e2e/clients_test.go's recording proxy uses to
tie the HTTP exchanges to the step (against a bare server it is a harmless
404). After each step it prints one line:

    STEP {"name": ..., "ok": true|false, "detail": ...}

and "DONE" at the end. A failed step never stops the script: later steps
that depend on it fail with their own message. The exit status is 0 unless
the script itself breaks.
"""
import json
import sys
import time
import traceback
import urllib.parse
import urllib.request

import jenkins
import requests

url, user, secret, mode = sys.argv[1:5]  # mode: password or token
url = url.rstrip("/")
server = jenkins.Jenkins(url, username=user, password=secret, timeout=30)
names = set()


def mark(name):
    try:
        urllib.request.urlopen(url + "/__step__?name=" + urllib.parse.quote(name), timeout=5).read()
    except Exception:
        pass


def step(name, fn, check=None):
    """Run fn; check(result) returns None when right, else what is wrong."""
    assert name not in names, name
    names.add(name)
    mark(name)
    ok, detail, result = True, "", None
    try:
        result = fn()
        problem = check(result) if check else None
        if problem:
            ok, detail = False, "%s; got %s" % (problem, repr(result)[:600])
    except Exception as e:
        ok = False
        detail = "%s: %s" % (type(e).__name__, str(e)[:600])
        tb = traceback.extract_tb(e.__traceback__)
        if tb:
            detail += " (at %s:%d)" % (tb[-1].filename.split("/")[-1], tb[-1].lineno)
        result = None
    print("STEP " + json.dumps({"name": name, "ok": ok, "detail": detail}), flush=True)
    return result


def error_of(fn):
    """The exception fn raises, as text, or None."""
    try:
        fn()
    except Exception as e:
        return "%s: %s" % (type(e).__name__, e)
    return None


def want(cond, msg):
    return None if cond else msg


PARAMS = """<?xml version='1.1' encoding='UTF-8'?>
<project>
  <description>made by python-jenkins</description>
  <keepDependencies>false</keepDependencies>
  <properties>
    <hudson.model.ParametersDefinitionProperty>
      <parameterDefinitions>
        <hudson.model.StringParameterDefinition>
          <name>GREETING</name>
          <description>what to say</description>
          <defaultValue>hi</defaultValue>
          <trim>false</trim>
        </hudson.model.StringParameterDefinition>
        <hudson.model.BooleanParameterDefinition>
          <name>VERBOSE</name>
          <defaultValue>false</defaultValue>
        </hudson.model.BooleanParameterDefinition>
        <hudson.model.ChoiceParameterDefinition>
          <name>TARGET</name>
          <choices class="java.util.Arrays$ArrayList">
            <a class="string-array">
              <string>dev</string>
              <string>prod</string>
            </a>
          </choices>
        </hudson.model.ChoiceParameterDefinition>
      </parameterDefinitions>
    </hudson.model.ParametersDefinitionProperty>
  </properties>
  <scm class="hudson.scm.NullSCM"/>
  <canRoam>true</canRoam>
  <disabled>false</disabled>
  <blockBuildWhenDownstreamBuilding>false</blockBuildWhenDownstreamBuilding>
  <blockBuildWhenUpstreamBuilding>false</blockBuildWhenUpstreamBuilding>
  <triggers/>
  <concurrentBuild>false</concurrentBuild>
  <builders>
    <hudson.tasks.Shell>
      <command>echo "greeting=$GREETING verbose=$VERBOSE target=$TARGET"</command>
    </hudson.tasks.Shell>
  </builders>
  <publishers/>
  <buildWrappers/>
</project>"""
CHANGED = PARAMS.replace("made by python-jenkins", "changed by python-jenkins")
PLAIN = """<?xml version='1.1' encoding='UTF-8'?>
<project><builders><hudson.tasks.Shell><command>echo plain-output</command></hudson.tasks.Shell></builders></project>"""
SLOW = """<?xml version='1.1' encoding='UTF-8'?>
<project><builders><hudson.tasks.Shell><command>sleep 30</command></hudson.tasks.Shell></builders></project>"""
VIEW = """<?xml version='1.1' encoding='UTF-8'?>
<hudson.model.ListView>
  <name>pv</name>
  <filterExecutors>false</filterExecutors>
  <filterQueue>false</filterQueue>
  <properties class="hudson.model.View$PropertyList"/>
  <jobNames>
    <comparator class="hudson.util.CaseInsensitiveComparator"/>
    <string>pj</string>
  </jobNames>
  <jobFilters/>
  <columns>
    <hudson.views.StatusColumn/>
    <hudson.views.JobColumn/>
  </columns>
  <recurse>false</recurse>
</hudson.model.ListView>"""
VIEW2 = VIEW.replace("<string>pj</string>", "<string>plain</string>")


def poll(fn, done, what, seconds=20):
    """Poll the API every 20 ms, as a client can only poll Jenkins."""
    deadline = time.time() + seconds
    while True:
        r = fn()
        if done(r):
            return r
        if time.time() > deadline:
            raise RuntimeError("%s: still %r after %ds" % (what, r, seconds))
        time.sleep(0.02)


def started(qid):
    item = poll(lambda: server.get_queue_item(qid), lambda i: i.get("executable") or i.get("cancelled"),
                "queue item %s never started" % qid)
    if item.get("cancelled"):
        raise RuntimeError("queue item %s was cancelled" % qid)
    return item["executable"]["number"]


def finished(name, number):
    return poll(lambda: server.get_build_info(name, number), lambda b: not b["building"],
                "build %s #%s never finished" % (name, number))


def params_of(info):
    for p in info.get("property", []):
        if "parameterDefinitions" in p:
            return [(d.get("name"), d.get("type")) for d in p["parameterDefinitions"]]
    return None


def build_params(info):
    for a in info.get("actions", []):
        if a and "parameters" in a:
            return {p["name"]: p["value"] for p in a["parameters"]}
    return None


# --- the server --------------------------------------------------------
# get_whoami first: python-jenkins resolves auth lazily, and get_version()
# as the very first call would go anonymous (a secured Jenkins refuses that
# too), see clients.md 1.4.
step("get_whoami", server.get_whoami, lambda r: want(r.get("id") == user, "id != %s" % user))
step("get_version", server.get_version, lambda r: want(isinstance(r, str) and r != "", "no X-Jenkins version"))
step("get_info", server.get_info,
     lambda r: want(r.get("mode") == "NORMAL" and isinstance(r.get("jobs"), list) and isinstance(r.get("views"), list),
                    "want mode NORMAL and jobs/views lists"))

# --- jobs ----------------------------------------------------------------
step("create_job pj", lambda: server.create_job("pj", PARAMS))
step("job_exists pj", lambda: server.job_exists("pj"), lambda r: want(r is True, "want True"))
# job_exists/view_exists return True or None (not False) in 1.4.0.
step("job_exists absent", lambda: server.job_exists("nope"), lambda r: want(r is None, "want None (absent)"))
step("get_job_config pj", lambda: server.get_job_config("pj"), lambda r: want(r == PARAMS, "config.xml differs from what was posted"))
step("reconfig_job pj", lambda: server.reconfig_job("pj", CHANGED))
step("get_job_config pj after reconfig", lambda: server.get_job_config("pj"), lambda r: want(r == CHANGED, "config.xml differs from the reconfig"))
step("get_job_info pj depth=1", lambda: server.get_job_info("pj", depth=1),
     lambda r: want(r.get("name") == "pj" and r.get("description") == "changed by python-jenkins"
                    and r.get("buildable") is True and "jobs" not in r
                    and params_of(r) == [("GREETING", "StringParameterDefinition"),
                                         ("VERBOSE", "BooleanParameterDefinition"),
                                         ("TARGET", "ChoiceParameterDefinition")],
                    "want name, new description, buildable, no 'jobs', 3 typed parameter definitions"))
step("get_job_name pj", lambda: server.get_job_name("pj"), lambda r: want(r == "pj", "want 'pj'"))
step("get_job_name absent", lambda: server.get_job_name("nope"), lambda r: want(r is None, "want None"))
step("copy_job pj -> pj-copy", lambda: server.copy_job("pj", "pj-copy"))
step("get_job_config pj-copy", lambda: server.get_job_config("pj-copy"),
     lambda r: want(r == CHANGED, "copy's config.xml differs from the source's"))
step("rename_job pj-copy -> pj-renamed", lambda: server.rename_job("pj-copy", "pj-renamed"))
step("job_exists after rename",
     lambda: (server.job_exists("pj-copy"), server.job_exists("pj-renamed")),
     lambda r: want(r == (None, True), "want old name gone, new name present"))
step("disable_job pj-renamed", lambda: server.disable_job("pj-renamed"))
step("get_job_info disabled", lambda: server.get_job_info("pj-renamed"),
     lambda r: want(r.get("color") == "disabled" and r.get("buildable") is False, "want color disabled, buildable false"))
step("enable_job pj-renamed", lambda: server.enable_job("pj-renamed"))
step("get_job_info enabled", lambda: server.get_job_info("pj-renamed"),
     lambda r: want(r.get("color") == "notbuilt" and r.get("buildable") is True, "want color notbuilt, buildable true"))

# --- builds ----------------------------------------------------------------
qid = step("build_job pj with parameters",
           lambda: server.build_job("pj", {"GREETING": "hey there", "VERBOSE": True, "TARGET": "prod"}),
           lambda r: want(isinstance(r, int) and r > 0, "want a queue id"))
number = step("get_queue_item until executable", lambda: started(qid), lambda r: want(r == 1, "want build #1"))
step("get_build_info pj", lambda: finished("pj", number),
     lambda r: want(r.get("result") == "SUCCESS" and r.get("number") == 1 and r.get("url", "").startswith(url + "/job/pj/1")
                    and build_params(r) == {"GREETING": "hey there", "VERBOSE": True, "TARGET": "prod"},
                    "want SUCCESS, number 1, url under the client's base, parameters GREETING/VERBOSE(bool true)/TARGET"))
step("get_build_console_output pj", lambda: server.get_build_console_output("pj", number),
     lambda r: want("greeting=hey there verbose=true target=prod" in r and r.rstrip("\n").endswith("Finished: SUCCESS"),
                    "want the echo output and 'Finished: SUCCESS'"))
step("create_job plain", lambda: server.create_job("plain", PLAIN))
qid = step("build_job plain without parameters", lambda: server.build_job("plain"),
           lambda r: want(isinstance(r, int) and r > 0, "want a queue id"))
step("plain build: queue item, build info, console",
     lambda: (lambda n: (finished("plain", n)["result"], server.get_build_console_output("plain", n)))(started(qid)),
     lambda r: want(r[0] == "SUCCESS" and "plain-output" in r[1], "want SUCCESS and 'plain-output' in the console"))

step("create_job slow", lambda: server.create_job("slow", SLOW))
slow = step("build_job slow, until it runs", lambda: started(server.build_job("slow")))
step("get_running_builds", server.get_running_builds,
     lambda r: want(any(b["name"] == "slow" and b["number"] == slow for b in r), "want slow #%s among running builds" % slow))
queued = step("build_job slow again (queued behind #1)", lambda: server.build_job("slow"),
              lambda r: want(isinstance(r, int) and r > 0, "want a queue id"))
step("get_queue_info", server.get_queue_info,
     lambda r: want(any(i.get("id") == queued and i.get("task", {}).get("name") == "slow" for i in r),
                    "want queue item %s for slow" % queued))
step("get_queue_item while queued", lambda: server.get_queue_item(queued),
     lambda r: want(r.get("task", {}).get("name") == "slow" and r.get("why") and not r.get("executable"),
                    "want task slow, a 'why' and no executable yet"))
step("cancel_queue", lambda: server.cancel_queue(queued))
step("get_queue_item cancelled", lambda: server.get_queue_item(queued),
     lambda r: want(r.get("cancelled") is True, "want cancelled: true"))
t0 = time.time()
step("stop_build slow", lambda: server.stop_build("slow", slow))
step("stopped build is ABORTED", lambda: (finished("slow", slow)["result"], time.time() - t0),
     lambda r: want(r[0] == "ABORTED" and r[1] < 15, "want ABORTED well before the 30 s sleep ends"))
step("get_build_console_output aborted", lambda: server.get_build_console_output("slow", slow),
     lambda r: want("Aborted by admin" in r and r.rstrip("\n").endswith("Finished: ABORTED"), "want 'Aborted by admin' and 'Finished: ABORTED'"))

# --- more build calls (clients.md 1.6) ---------------------------------------------
step("get_job_info pj fetch_all_builds", lambda: server.get_job_info("pj", fetch_all_builds=True),
     lambda r: want([b["number"] for b in r.get("builds", [])] == [1] and r.get("lastSuccessfulBuild", {}).get("number") == 1
                    and r.get("nextBuildNumber") == 2, "want builds [1], lastSuccessfulBuild 1, nextBuildNumber 2"))
step("get_build_env_vars (plugin: None)", lambda: server.get_build_env_vars("pj", 1), lambda r: want(r is None, "want None"))
step("get_build_test_report (plugin: None)", lambda: server.get_build_test_report("pj", 1), lambda r: want(r is None, "want None"))
step("cancel_queue unknown id", lambda: server.cancel_queue(99999))
# python-jenkins 1.4.0's delete_build and wipeout_job_workspace pass b''
# as the request's headers, so they raise TypeError whenever the client
# holds a crumb, against any Jenkins. With an API token no crumb is needed:
# a client whose crumb lookup is switched off can call them.
if mode == "token":
    nocrumb = jenkins.Jenkins(url, username=user, password=secret, timeout=30)
    nocrumb.crumb = False
    step("delete_build plain #1 (token, no crumb)", lambda: nocrumb.delete_build("plain", 1))
    step("get_build_info deleted build", lambda: error_of(lambda: server.get_build_info("plain", 1)),
         lambda r: want(r and "number[1] does not exist" in r, "want JenkinsException 'job[plain] number[1] does not exist'"))
    step("wipeout_job_workspace plain (token, no crumb)", lambda: nocrumb.wipeout_job_workspace("plain"))
step("is_folder pj", lambda: server.is_folder("pj"), lambda r: want(r is False, "want False"))
step("create_job with a space in its name", lambda: server.create_job("my job", PLAIN))
step("build my job", lambda: (lambda n: (finished("my job", n)["result"], server.get_build_console_output("my job", n)))(
    started(server.build_job("my job"))),
     lambda r: want(r[0] == "SUCCESS" and "plain-output" in r[1], "want SUCCESS and plain-output"))
step("delete_job my job", lambda: server.delete_job("my job"))

# --- nodes -------------------------------------------------------------------
step("get_nodes", server.get_nodes,
     lambda r: want(len(r) == 1 and r[0]["name"] in ("Built-In Node", "master") and r[0]["offline"] is False,
                    "want one online built-in node"))
step("get_node_info (master)", lambda: server.get_node_info("(master)"),
     lambda r: want(r.get("offline") is False and isinstance(r.get("executors"), list), "want an online node with executors"))
step("get_node_info (built-in)", lambda: server.get_node_info("(built-in)"),
     lambda r: want(r.get("offline") is False, "want an online node"))
step("node_exists (master)", lambda: server.node_exists("(master)"), lambda r: want(r is True, "want True"))
step("disable_node (master)", lambda: server.disable_node("(master)", "maintenance window"))
step("get_node_info offline", lambda: server.get_node_info("(master)"),
     lambda r: want(r.get("offline") is True and r.get("temporarilyOffline") is True and r.get("offlineCauseReason") == "maintenance window",
                    "want offline, temporarilyOffline, offlineCauseReason 'maintenance window'"))
step("enable_node (master)", lambda: server.enable_node("(master)"))
step("get_node_info online again", lambda: server.get_node_info("(master)"),
     lambda r: want(r.get("offline") is False and r.get("temporarilyOffline") is False, "want online"))
# Permanent agents: jeeves stores them and reports them as Jenkins reports
# an agent that has not connected (offline); builds run on the built-in node.
step("create_node agent1", lambda: server.create_node("agent1", numExecutors=3, nodeDescription="a test agent",
                                                       remoteFS="/srv/agent", labels="linux docker", exclusive=True))
step("node_exists agent1", lambda: server.node_exists("agent1"), lambda r: want(r is True, "want True"))
step("create_node agent1 again", lambda: error_of(lambda: server.create_node("agent1")),
     lambda r: want(r and "already exists" in r, "want JenkinsException 'node[agent1] already exists'"))
step("get_nodes with agent1", server.get_nodes,
     lambda r: want(sorted((n["name"], n["offline"]) for n in r) == [("Built-In Node", False), ("agent1", True)],
                    "want the built-in node online and agent1 offline"))
step("get_node_info agent1", lambda: server.get_node_info("agent1"),
     lambda r: want(r.get("displayName") == "agent1" and r.get("numExecutors") == 3 and r.get("offline") is True and
                    sorted(l["name"] for l in r.get("assignedLabels", [])) == ["agent1", "docker", "linux"],
                    "want agent1, 3 executors, offline, labels agent1 docker linux"))
step("get_node_config agent1", lambda: server.get_node_config("agent1"),
     lambda r: want("<remoteFS>/srv/agent</remoteFS>" in r and "<mode>EXCLUSIVE</mode>" in r and "<label>linux docker</label>" in r,
                    "want remoteFS, mode EXCLUSIVE and labels in config.xml"))
step("reconfig_node agent1", lambda: server.reconfig_node("agent1", server.get_node_config("agent1").replace(
    "<numExecutors>3</numExecutors>", "<numExecutors>5</numExecutors>")))
step("get_node_info agent1 after reconfig", lambda: server.get_node_info("agent1"),
     lambda r: want(r.get("numExecutors") == 5, "want 5 executors"))
# disable_node/enable_node act only when `offline` needs changing, and an
# agent that has not connected is always offline, in Jenkins as here;
# node-jenkins's workflow toggles agents by temporarilyOffline instead.
step("delete_node agent1", lambda: server.delete_node("agent1"))
step("node_exists agent1 after delete", lambda: server.node_exists("agent1"), lambda r: want(r is False, "want False"))

# --- views -------------------------------------------------------------------
step("get_views", server.get_views, lambda r: want("all" in [v["name"] for v in r], "want the 'all' view"))
step("view_exists all", lambda: server.view_exists("all"), lambda r: want(r is True, "want True"))
step("get_view_name all", lambda: server.get_view_name("all"), lambda r: want(r == "all", "want 'all'"))
step("create_view pv", lambda: server.create_view("pv", VIEW))
step("view_exists pv", lambda: server.view_exists("pv"), lambda r: want(r is True, "want True"))
step("get_view_config pv", lambda: server.get_view_config("pv"), lambda r: want(r == VIEW, "view config.xml differs from what was posted"))
step("get_jobs view pv", lambda: server.get_jobs(view_name="pv"),
     lambda r: want([j["name"] for j in r] == ["pj"], "want [pj]"))
step("reconfig_view pv", lambda: server.reconfig_view("pv", VIEW2))
step("get_view_config pv after reconfig", lambda: server.get_view_config("pv"), lambda r: want(r == VIEW2, "differs from the reconfig"))
step("get_jobs view pv after reconfig", lambda: server.get_jobs(view_name="pv"),
     lambda r: want([j["name"] for j in r] == ["plain"], "want [plain]"))
step("delete_view pv", lambda: server.delete_view("pv"))
step("view_exists pv after delete", lambda: server.view_exists("pv"), lambda r: want(r is None, "want None (absent)"))

# --- what builds leave behind (python-jenkins 1.4.0 has no artifact call:
# its users read get_build_info's artifacts and fetch each URL themselves)
LEAVES = """<?xml version='1.1' encoding='UTF-8'?>
<project><builders><hudson.tasks.Shell><command>mkdir -p dist; printf 'py-bytes' &gt; dist/app.bin
echo '&lt;testsuite name="t"&gt;&lt;testcase classname="t" name="works"/&gt;&lt;testcase classname="t" name="breaks"&gt;&lt;failure message="no"&gt;trace&lt;/failure&gt;&lt;/testcase&gt;&lt;/testsuite&gt;' &gt; TEST-t.xml</command></hudson.tasks.Shell></builders>
<publishers><hudson.tasks.ArtifactArchiver><artifacts>dist/*</artifacts></hudson.tasks.ArtifactArchiver>
<hudson.tasks.junit.JUnitResultArchiver><testResults>TEST-*.xml</testResults></hudson.tasks.junit.JUnitResultArchiver></publishers></project>"""
step("create_job leaves", lambda: server.create_job("leaves", LEAVES))
leaves = step("build leaves: get_build_info until finished", lambda: finished("leaves", started(server.build_job("leaves"))),
              lambda r: want(r.get("result") == "UNSTABLE" and r.get("artifacts") ==
                             [{"displayPath": "app.bin", "fileName": "app.bin", "relativePath": "dist/app.bin"}],
                             "want UNSTABLE and dist/app.bin in artifacts"))
step("fetch the artifact at url + artifact/relativePath", lambda: server.jenkins_request(requests.Request(
    "GET", leaves["url"] + "artifact/" + leaves["artifacts"][0]["relativePath"])).content,
     lambda r: want(r == b"py-bytes", "want the file's bytes"))
step("get_build_test_report leaves", lambda: server.get_build_test_report("leaves", leaves["number"]),
     lambda r: want(r and r.get("failCount") == 1 and r.get("passCount") == 1 and
                    [(c["name"], c["status"], c.get("errorStackTrace")) for c in r["suites"][0]["cases"]] ==
                    [("works", "PASSED", None), ("breaks", "FAILED", "trace")],
                    "want works PASSED and breaks FAILED with its trace"))
step("delete_job leaves", lambda: server.delete_job("leaves"))

# --- listing and deleting jobs --------------------------------------------------
# Folders (create_folder-like calls) need the cloudbees-folder plugin in
# Jenkins, so they are not part of this plugin-free workflow.
all_names = ["pj", "pj-renamed", "plain", "slow"]
step("get_jobs", server.get_jobs,
     lambda r: want(sorted(j["name"] for j in r) == all_names and all(j.get("url", "").startswith(url + "/job/") for j in r),
                    "want %s with urls under the client's base" % all_names))
step("get_all_jobs", server.get_all_jobs,
     lambda r: want(sorted(j["fullname"] for j in r) == all_names, "want %s" % all_names))
step("delete_job pj-renamed", lambda: server.delete_job("pj-renamed"))
step("job_exists after delete", lambda: server.job_exists("pj-renamed"), lambda r: want(r is None, "want None (absent)"))
step("get_plugins (none)", server.get_plugins, lambda r: want(len(r) == 0, "want no plugins"))
step("wait_for_normal_op", lambda: server.wait_for_normal_op(10), lambda r: want(r is True, "want True"))
step("quiet_down", server.quiet_down)
step("get_info quietingDown", server.get_info, lambda r: want(r.get("quietingDown") is True, "want quietingDown true"))
print("DONE", flush=True)
